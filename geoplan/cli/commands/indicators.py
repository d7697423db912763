"""`geoplan indicators` — the plan indicator catalogue (十四五 表2 + the 十三五 series) with actual
values, progress and an on-track verdict; the layers' values by 组团 / 板块."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "indicators",
        help="规划指标目标与进度 / plan indicators: targets, actual values, progress",
    )
    p.add_argument(
        "--actuals", help="table of actual values (CSV or Excel: key, year, value, note, source)"
    )
    p.add_argument(
        "--store",
        nargs="?",
        const="",
        default=None,
        help="use the actual values saved in the project store (a .gpkg, project name or URL; "
        "empty: GEOPLAN_STORE / the default store)",
    )
    p.add_argument(
        "--save", action="store_true", help="save --actuals in the project store (audit logged)"
    )
    p.add_argument("--user", default="", help="user recorded in the audit log")
    p.add_argument("--message", default="", help="message recorded in the audit log")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the summary")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _zone(args: argparse.Namespace):
    """The zone of ``--zone`` (or the sample) and its folder (tables/ live there)."""
    from geoplan.cli.output import zone_path
    from geoplan.zone import load_zone

    path = zone_path(args)
    return load_zone(path), path.parent


def run(args: argparse.Namespace) -> int:
    from geoplan.analysis import indicators as ind
    from geoplan.data.indicator_tables import read_actuals
    from geoplan.errors import GeoplanError
    from geoplan.standards.chains_tiers import TIERS_FILE, load_tiers, tables_dir
    from geoplan.text import t

    zone, zone_dir = _zone(args)
    cat = ind.load_catalogue(zone_dir)
    tier_path = tables_dir(zone_dir) / TIERS_FILE
    tiers = load_tiers(tier_path) if tier_path.exists() else None
    actuals = ind.empty_actuals()
    where = ""
    if args.save and not args.actuals:
        raise GeoplanError("--save needs --actuals FILE (the table to save)")
    if args.actuals:
        raw = read_actuals(args.actuals)
        actuals = ind.validate_actuals(raw, cat)  # the whole table or nothing
        where = str(args.actuals)
    store = None
    if args.store is not None or args.save:
        from geoplan.store import open_store

        store = open_store(args.store or None, create=bool(args.save))
    if store is not None and args.save:
        v = store.save(
            ind.STORE_KIND, ind.STORE_NAME, actuals, user=args.user, message=args.message
        )
        where = f"{store.label}: {ind.STORE_NAME} v{v}"
    elif (
        store is not None
        and not args.actuals
        and store.latest_version(ind.STORE_KIND, ind.STORE_NAME)
    ):
        saved = store.load(ind.STORE_KIND, ind.STORE_NAME)
        actuals = ind.validate_actuals(saved.astype(str), cat, source=ind.STORE_NAME)
        where = f"{store.label}: {ind.STORE_NAME}"
    doc = ind.report(zone, cat, tiers, actuals, derived_label=t("ind_derived_label", args.lang))
    doc["actuals_from"] = where
    if args.json:
        dump_json(doc)
        return EXIT_OK
    lang = args.lang
    out = [t("ind_cli_head", lang, n=doc["rows"], year=doc["data_year"])]
    for r in doc["indicators"]:
        name = r["name_en"] if lang == "en" else r["name_zh"]
        actual = "—" if r["actual"] is None else f"{r['actual']:,.6g} ({r['actual_year']})"
        prog = "" if r["progress"] is None else f" {r['progress']:.0%}"
        out.append(
            f"{r['row']:>2} {name} [{r['unit']}] {r['base']}→{r['target']} ({r['target_year']}): "
            f"{actual}{prog} {t('ind_verdict_' + r['verdict'], lang)}"
        )
    if where:
        out.append(t("ind_cli_from", lang, where=where))
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK
