"""`geoplan scenario run|compare`: apply scenario files to the zone, report KPIs, compare futures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoplan.cli.output import EXIT_OK, dump_json, output_file, output_folder, zone_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenario", help="情景分析 / run and compare planning scenarios")
    ssub = p.add_subparsers(dest="scenario_command", metavar="run|compare")
    r = ssub.add_parser("run", help="run one scenario file (YAML)")
    r.add_argument("path", help="scenario YAML (examples: layers/scenarios/)")
    r.add_argument("--out", help="folder or .gpkg for the results (written atomically)")
    r.add_argument(
        "--store",
        help="save the scenario and its results to this project store "
        "(.gpkg, project name or postgresql:// URL) as a new version",
    )
    r.add_argument("--save-as", help="item name in the store (default: the scenario's name)")
    r.add_argument("-m", "--message", default="", help="change note for the store's audit log")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=run)
    c = ssub.add_parser(
        "compare", help="run several scenarios and compare their KPIs (deltas against the first)"
    )
    c.add_argument("paths", nargs="+", help="scenario YAML files; the first is the baseline")
    c.add_argument("--out", help="folder for each scenario's results GeoPackage")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=compare)
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_OK)[1])


def _progress(args: argparse.Namespace):
    if args.json or not sys.stderr.isatty():
        return None

    def tell(f: float, msg: str) -> None:
        sys.stderr.write(f"\r[{f:>4.0%}] {msg[:60]:<60}")
        if f >= 1.0:
            sys.stderr.write("\n")

    return tell


def check_out(out: str | None, *, gpkg: bool = True) -> Path | None:
    """``--out`` checked before any work: a .gpkg file (where accepted) or a writable folder
    that is not an existing file."""
    if out is None:
        return None
    if gpkg and Path(out).suffix.lower() == ".gpkg":
        return output_file(out, (".gpkg",), "--out")
    return output_folder(out, "--out")


def roots(args: argparse.Namespace) -> tuple[Path, ...]:
    """Where the scenario's ``file:`` / ``base:`` may point: the zone folder (``--zone``), the
    bundled sample, the project store folder (the scenario's own folder is added on load)."""
    from geoplan.scenario.spec import default_roots

    return (zone_path(args).parent, *default_roots())


def run(args: argparse.Namespace) -> int:
    from geoplan.scenario import load_scenario, run_scenario

    out = check_out(args.out)
    sc = load_scenario(args.path, roots=roots(args))
    store = based_on = None
    if args.store:  # the versions this run is based on are read before it starts
        from geoplan.store import open_store

        store = open_store(args.store)
        pre_name = args.save_as or sc.name
        based_on = (
            store.latest_version("scenario", pre_name),
            store.latest_version("result", pre_name),
        )
    res = run_scenario(sc, progress=_progress(args))
    written = str(res.write(out)) if out is not None else None
    saved = None
    if store is not None and based_on is not None:
        name = args.save_as or res.name
        version, _ = (
            store.save_many(  # the scenario and its result: one transaction, both or neither
                [
                    ("scenario", name, res.scenario.text, based_on[0]),
                    ("result", name, res.store_payload(), based_on[1]),
                ],
                message=args.message,
            )
        )
        saved = {"store": store.label, "name": name, "version": version}
    doc = res.summary() | {"output": written, "saved": saved}
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(f"情景 / scenario: {res.name} ({res.scenario.phase})\n")
    from geoplan.scenario.kpis import KPI_BY_KEY

    for k, v in res.kpis.items():
        kpi = KPI_BY_KEY[k]
        w(f"  {kpi.zh:<16} {v:>16,.{kpi.digits}f} {kpi.unit}\n")
    for u in res.unplaced:
        w(
            f"! 未落地 / unplaced {u['industry']}: {u['unplaced_mu']:,.0f} 亩 — "
            + "; ".join(r["label"] for r in u["reasons"])
            + "\n"
        )
    errors = [a for a in res.alerts if a["severity"] == "error"]
    w(f"警示 / alerts: {len(res.alerts)} ({len(errors)} 严重)\n")
    for a in errors[:15]:
        w(f"! {a['message']}\n")
    if written:
        w(f"结果 / results: {written}\n")
    if saved:
        w(f"已保存 / saved: {saved['name']} v{saved['version']} → {saved['store']}\n")
    return EXIT_OK


def compare(args: argparse.Namespace) -> int:
    from geoplan.scenario import compare as cmp
    from geoplan.scenario import load_scenario, run_many

    out = check_out(args.out, gpkg=False)
    allowed = roots(args)
    specs = [load_scenario(p, roots=allowed) for p in args.paths]
    results = run_many(specs, progress=_progress(args))
    if out is not None:
        for r in results:
            r.write(out)
    c = cmp(results)
    if args.json:
        dump_json(c.summary())
        return EXIT_OK
    import pandas as pd

    with pd.option_context(
        "display.width", 200, "display.max_columns", 30, "display.unicode.east_asian_width", True
    ):
        sys.stdout.write(c.table.round(2).to_string() + "\n")
    return EXIT_OK
