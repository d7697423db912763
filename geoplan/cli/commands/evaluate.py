"""`geoplan evaluate` (亩均效益综合评价) and `geoplan explain FIRM_ID` (score breakdown + what-if)."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json, number, zone_path


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scheme",
        default="dalian_default",
        help="scheme name in data/schemes (zhejiang_county, jiangsu, anhui_minmax, dalian_default) or a YAML path",
    )
    p.add_argument(
        "--parcels",
        help="parcels layer (GeoPackage/GeoJSON/SHP zip/GeoParquet); default: the bundled sample",
    )
    p.add_argument("--firms", help="firms table (CSV/Parquet/Excel); default: the bundled sample")
    p.add_argument("--crs", help="CRS of --parcels when the file has none (e.g. EPSG:4490)")
    p.add_argument(
        "--year",
        type=number(lo=1990, hi=2100, integer=True),
        help="evaluation year (default: the data year, 2023 for the sample)",
    )
    p.add_argument(
        "--tenant-rule",
        choices=["share", "holder"],
        default=None,
        help="tenants: land share by rented floor (share) or the land holder's class (holder); "
        "default: the scheme's tenants policy",
    )
    p.add_argument(
        "--attributes",
        help="firm-attributes table for 加分/扣分/一票否决 (firm_id,item,value,year CSV); "
        "default: the zone's tables/firm_attributes.csv when the zone's own firms are evaluated",
    )
    p.add_argument(
        "--edition",
        choices=["2023", "2008"],
        default="2023",
        help="工业项目建设用地控制指标 edition",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser(
        "evaluate",
        help="亩均效益综合评价 / evaluate firms and parcels (classes, 低效用地, compliance)",
    )
    _common(e)
    e.add_argument(
        "--out",
        help="write results to a GeoPackage (parcels, firms, low_efficiency, compliance, by_plate)",
    )
    e.add_argument(
        "--excel", help="write the Excel workbook (summary, class lists, 低效用地, compliance)"
    )
    e.add_argument(
        "--public",
        action="store_true",
        help="公示 version of the workbook and of --out: no firm figures (geoplan.present.redact)",
    )
    e.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="workbook language (default zh)"
    )
    e.add_argument(
        "--history",
        action="store_true",
        help="evaluate every year of the zone's firm history (tables/firm_years): transitions, "
        "repeat D, 企业画像 in the workbook",
    )
    e.add_argument(
        "--firm-years", help="firm history table (.parquet/.csv); default: the zone's tables/"
    )
    e.add_argument(
        "--policy",
        help="差别化 measures table (CSV); default data/policies/differentiated_measures.csv",
    )
    e.set_defaults(func=run_evaluate)

    x = sub.add_parser(
        "explain",
        help="企业得分构成与升级测算 / explain one firm's score and what lifts it a class",
    )
    x.add_argument("firm_id", help="firm id (firms.firm_id)")
    _common(x)
    x.set_defaults(func=run_explain)


def _evaluate(args: argparse.Namespace):
    from geoplan.analysis.land_yield import evaluate
    from geoplan.analysis.land_yield.schemes import load_scheme
    from geoplan.data.layers import load_layer
    from geoplan.errors import GeoplanError
    from geoplan.zone import load_zone

    scheme = load_scheme(args.scheme)  # a bad scheme fails before any data is read
    if bool(args.parcels) != bool(args.firms):
        msg = "--parcels and --firms go together (give both, or neither for the bundled sample)"
        raise GeoplanError(msg)
    zone = load_zone(zone_path(args))
    if args.parcels:
        parcels = load_layer(args.parcels, "parcels", crs=args.crs).data
        firms = load_layer(args.firms, "firms").data
    else:
        parcels, firms = zone.layers["parcels"], zone.layers["firms"]

    from geoplan.analysis.land_yield.attributes import read_attributes
    from geoplan.data.io import read_table

    attr_path = args.attributes
    if attr_path is None and not args.firms and zone.profile is not None:
        attr_path = zone.profile.table("firm_attributes")  # the zone's table for the zone's firms
    attributes = read_attributes(attr_path, firms["firm_id"]) if attr_path else None
    history = None
    needs_history = any(
        i.benchmark_year != "current" for lst in scheme.lists for i in lst.indicators
    )
    if needs_history and not args.firms and zone.profile is not None:
        # benchmarks of a named year read the zone's firm history (firm_id, year + figures)
        hist_path = zone.profile.table("firm_years")
        if hist_path is None and (zone.profile.folder / "tables" / "firm_years.parquet").exists():
            hist_path = zone.profile.folder / "tables" / "firm_years.parquet"
        if hist_path is not None:
            history = read_table(hist_path)

    def compute():
        return evaluate(
            parcels,
            firms,
            scheme,
            attributes=attributes,
            history=history,
            plates=zone.layers.get("plates"),
            structure=zone.layers.get("structure"),
            clusters=zone.layers.get("clusters"),
            year=args.year,
            tenant_rule=args.tenant_rule,
            compliance_edition=args.edition,
        )

    return _cached_evaluation(zone, scheme, parcels, firms, args, compute, attributes, history)


def _cached_evaluation(
    zone, scheme, parcels, firms, args: argparse.Namespace, compute, attributes=None, history=None
):
    """The evaluation from the disk cache (geoplan.cache) when its inputs are unchanged: the
    layers it reads, the scheme, the options, the standards files and the zone's tables."""
    from pathlib import Path

    from geoplan import cache, settings

    tables = Path(zone.folder) / "tables" if zone.folder is not None else None
    files = sorted(p for p in settings.DATA_DIR.rglob("*") if p.is_file())
    if tables is not None and tables.is_dir():
        files += sorted(p for p in tables.rglob("*") if p.is_file())
    if zone.folder is not None and (Path(zone.folder) / "zone.yaml").is_file():
        files.append(Path(zone.folder) / "zone.yaml")
    k = cache.key(
        "evaluate",
        repr(scheme),
        parcels,
        firms,
        *(zone.layers.get(name) for name in ("plates", "structure", "clusters")),
        args.year,
        args.tenant_rule,
        args.edition,
        attributes,
        history,
        files,
    )
    return cache.memo("evaluate", k, compute, disk=True, entries=4)


def _history(args: argparse.Namespace, ev):
    """The evaluation history (``--history``), on the same layers and options as *ev*."""
    from pathlib import Path

    from geoplan.analysis.history import evaluate_history
    from geoplan.data.firm_years import read_firm_years, zone_table
    from geoplan.data.layers import load_layer
    from geoplan.errors import GeoplanError
    from geoplan.zone import load_zone

    zone = load_zone(zone_path(args))
    path = Path(args.firm_years) if args.firm_years else zone_table(zone)
    if path is None:
        msg = (
            f"--history: the zone {zone.name} has no firm history (tables/firm_years.parquet or "
            ".csv); give one with --firm-years FILE"
        )
        raise GeoplanError(msg)
    if args.parcels:
        parcels = load_layer(args.parcels, "parcels", crs=args.crs).data
        firms = load_layer(args.firms, "firms").data
    else:
        parcels, firms = zone.layers["parcels"], zone.layers["firms"]
    table = read_firm_years(path, firms, parcels)
    return evaluate_history(
        parcels,
        firms,
        table,
        ev.scheme_obj or args.scheme,
        plates=zone.layers.get("plates"),
        tenant_rule=args.tenant_rule,
    )


def _measures(args: argparse.Namespace, ev, hist):
    """Per-firm 差别化 measures (years in class from the history when there is one)."""
    from geoplan.analysis import policy

    table = policy.read_measures(args.policy)
    years = None
    if hist is not None:
        run = hist.run_length()
        latest = ev.firms.set_index(ev.firms["firm_id"].astype(str))["class"]
        run = run[run["class"].to_numpy() == latest.reindex(run["firm_id"]).to_numpy()]
        years = run.set_index("firm_id")["years"]
    return policy.firm_measures(ev.firms, table, years)


def run_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from geoplan.analysis import policy
    from geoplan.analysis.land_yield import summary
    from geoplan.data.io import write_gpkg_atomic
    from geoplan.present import redact
    from geoplan.present.report import write_workbook

    if args.policy:  # a bad table fails before the evaluation runs
        policy.read_measures(args.policy)
    ev = _evaluate(args)
    s = summary(ev)
    hist = _history(args, ev) if args.history else None
    measures = (
        _measures(args, ev, hist)
        if (args.policy or hist is not None or (args.excel and not args.public))
        else None
    )
    if hist is not None:
        h = hist.to_json()
        s["history_years"] = h["years"]
        s["classes_by_year"] = h["classes_by_year"]
        s["transitions"] = h["transitions"]
        s["repeat_d"] = h["repeat_d"]
    if measures is not None and (args.policy or hist is not None):
        s["measures"] = policy.summary(measures)
    if args.out:
        if args.public:  # 公示: the one redaction policy (geoplan.present.redact)
            layers = redact.public_tables(ev, args.lang)
        else:
            comp = ev.compliance
            layers = {
                "parcels": ev.parcels,
                "firms": ev.firms,
                "low_efficiency": ev.low_efficiency,
                "compliance": comp,
                "by_plate": ev.aggregates["plate"],
                "unscored": ev.unscored,
            }
        comp = layers["compliance"]
        layers["compliance"] = (
            comp.astype({"passed": "object"}) if len(comp) else pd.DataFrame({"parcel_id": []})
        )
        write_gpkg_atomic(args.out, layers)
        s["out"] = args.out
    if args.excel:
        write_workbook(
            ev, args.excel, public=args.public, lang=args.lang, history=hist, policy=measures
        )
        s["excel"] = args.excel
        s["public"] = bool(args.public)
    if args.json:
        dump_json(s)
        return EXIT_OK
    w = sys.stdout.write
    w(f"亩均效益评价 / evaluation — 方案 scheme: {s['scheme']} ({s['year']})\n")
    w(f"  参评企业 {s['firms_evaluated']}  (未评价/无用地 {s['firms_unscored']})\n")
    w("  等级 classes: " + "  ".join(f"{k} {v}" for k, v in s["classes"].items()) + "\n")
    for r in s["by_plate"]:
        c = r["classes"]
        w(
            f"  {r['plate']:<10} 亩均税收 {r['tax_per_mu'] or 0:8.2f}  亩均增加值 {r['va_per_mu'] or 0:8.2f}  "
            f"A{c['A']} B{c['B']} C{c['C']} D{c['D']} T{c['T']}\n"
        )
    z = s["zone"]
    w(
        f"  工业用地产出强度 {z['industrial_output_per_ha']} 万元/公顷 "
        f"(全国开发区2011: {z['national_industrial_output_per_ha']})\n"
    )
    w(
        f"  低效用地 {s['low_efficiency']['parcels']} 宗, {s['low_efficiency']['area_mu']} 亩; "
        f"合规未达标 {s['compliance']['failed']} 项\n"
    )
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    from geoplan.analysis.land_yield import explain

    ev = _evaluate(args)
    d = explain(ev, args.firm_id)
    if args.json:
        dump_json(d)
        return EXIT_OK
    w = sys.stdout.write
    w(
        f"{d['firm_id']} {d['name']} — 方案 {d['scheme']}, 等级 class {d['class']}, 得分 score {d['score']}\n"
    )
    if not d["components"]:
        w(f"  {d.get('reason', '')}\n")
    for c in d["components"]:
        if c.get("kind") == "adjustment":
            w(f"  {c['label_zh']:<10} {c['benchmark_rule']} → {c['contribution']:+.3f}\n")
            continue
        v = "—" if c["value"] is None else f"{c['value']:.4g}"
        b = "—" if c["benchmark"] is None else f"{c['benchmark']:.4g}"
        sub = " (均值替代)" if c["substituted"] else ""
        w(
            f"  {c['label_zh']:<10} 值 {v:>10} 基准 {b:>10} 标准化 {c['normalized']:7.2f} "
            f"× 权重 {c['weight']:g} → {c['contribution']:.3f}{sub}\n"
        )
    for t in d["to_next_class"]:
        if t.get("reachable"):
            extra = f" (即{t['field']} {t['required_field_value']:.1f})" if t.get("field") else ""
            w(f"  升至{t['next_class']}: {t['label_zh']} 需达 {t['required_value']:.4g}{extra}\n")
        elif "indicator" in t:
            w(f"  升至{t['next_class']}: {t['label_zh']} — {t['note']}\n")
    return EXIT_OK
