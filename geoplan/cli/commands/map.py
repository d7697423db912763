"""`geoplan map` — a map to take into the meeting: print-ready PNG / PDF (A4 / A3, title, legend,
metric scale bar, north arrow, source, 示意 note, date) or a standalone offline HTML map.

Themes: ``layout`` (十四五 structure or 十三五 板块), ``muyield`` (亩均 classes), ``infra``
(substation or sewage catchments and load in a phase), ``scenario-diff`` (what a scenario
changes against the baseline). Everything is drawn offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoplan.cli.output import EXIT_OK, dump_json, zone_path

THEMES = ("layout", "muyield", "infra", "scenario-diff")
FORMATS = ("png", "pdf", "html")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "map",
        help="导出地图 PNG / PDF / HTML（离线，可打印）/ write a print-ready or interactive map",
    )
    p.add_argument("--out", help="output file (default: map.<format>)")
    p.add_argument(
        "--format", choices=FORMATS, help="png | pdf | html (default: from --out, else html)"
    )
    p.add_argument(
        "--paper", choices=["A4", "A3"], default="A3", help="paper for PNG / PDF (landscape)"
    )
    p.add_argument(
        "--theme", choices=THEMES, default="layout", help="what the map shows (default layout)"
    )
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument(
        "--structure",
        choices=["14th", "13th"],
        default="14th",
        help="layout theme: 14th = 一廊一心一城多组团 (default), 13th = 板块",
    )
    p.add_argument("--phase", default="current", help="infra theme: current | 2025 | 2035")
    p.add_argument(
        "--kind",
        choices=["substations", "sewage_plants"],
        default="substations",
        help="infra theme: facility kind",
    )
    p.add_argument(
        "--scenario",
        help="scenario-diff theme: scenario YAML (default: the 西拓北延 example), compared with 现状",
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="label language (default zh)")
    p.add_argument(
        "--basemap",
        choices=["none", "tianditu", "gaode", "osm"],
        default="none",
        help="HTML only: basemap (default none: works offline; the 天地图 key is never written)",
    )
    p.add_argument("--no-parcels", action="store_true", help="layout theme: leave the parcels out")
    p.add_argument(
        "--public",
        action="store_true",
        help="muyield theme: 公示 map (class only, no per-亩 figures; geoplan.present.redact)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _spec(args: argparse.Namespace, zone):
    from geoplan import settings
    from geoplan.present import viz

    lang = args.lang
    if args.theme == "layout":
        return viz.layout_spec(
            zone, structure=args.structure, lang=lang, show_parcels=not args.no_parcels
        )
    if args.theme == "muyield":
        from geoplan.analysis import land_yield

        z = zone.layers
        ev = land_yield.evaluate(
            z["parcels"],
            z["firms"],
            plates=z.get("plates"),
            structure=z.get("structure"),
            clusters=z.get("clusters"),
        )
        return viz.muyield_spec(ev, zone, lang=lang, public=getattr(args, "public", False))
    if args.theme == "infra":
        from geoplan.analysis import coverage
        from geoplan.analysis import infrastructure as infra
        from geoplan.present.viz_infra import infra_spec

        phase = settings.phase_key(args.phase)
        res = infra.analyse(zone, phase)
        z = zone.layers
        cov = coverage.service_coverage(z["parcels"], z["facilities"], z["roads"], phase=phase)
        return infra_spec(zone, res, cov, kind=args.kind, phase=phase, lang=lang)
    from geoplan import scenario as S

    path = (
        Path(args.scenario)
        if args.scenario
        else next(iter(sorted(settings.SCENARIOS_DIR.glob("03_*.yaml"))))
    )
    base = next(iter(sorted(settings.SCENARIOS_DIR.glob("01_*.yaml"))))
    zone_arg = zone if (args.catalog or getattr(args, "zone", None)) else None
    results = [S.run_scenario(base, zone_arg), S.run_scenario(path, zone_arg)]
    return viz.diff_spec(results[1], results[0].name, lang=lang)


def run(args: argparse.Namespace) -> int:
    from geoplan.data.io import write_text_atomic
    from geoplan.errors import GeoplanError
    from geoplan.present import maps, printmap
    from geoplan.zone import load_zone

    fmt = args.format or (Path(args.out).suffix.lower().lstrip(".") if args.out else "html")
    if fmt not in FORMATS:
        msg = f"--out {args.out}: unknown format '.{fmt}'; use .png, .pdf or .html (or --format)"
        raise GeoplanError(msg)
    out_path = Path(args.out or f"map.{fmt}")
    if out_path.suffix.lower().lstrip(".") != fmt:
        msg = f"--out {out_path}: the file name does not end in .{fmt} (--format {fmt})"
        raise GeoplanError(msg)
    if out_path.is_dir():
        msg = f"--out {out_path}: is a folder; give a file name such as map.{fmt}"
        raise GeoplanError(msg)
    zone = load_zone(zone_path(args))
    spec = _spec(args, zone)
    info: dict = {"theme": args.theme, "format": fmt, "lang": args.lang, "title": spec.title}
    if fmt == "html":
        m = maps.render(spec, basemap=args.basemap, height=900)
        html = maps.export_html(m, spec.title)
        out = write_text_atomic(out_path, html)
        external = maps.external_urls(html)
        info |= {"basemap": args.basemap, "external_urls": external, "offline": not external}
        size = len(html.encode("utf-8"))
    else:
        out = printmap.write(spec, out_path, fmt=fmt, paper=args.paper)
        info |= {"paper": args.paper, "offline": True}
        size = out.stat().st_size
    info |= {"path": str(out), "bytes": size, "structure": args.structure}
    if args.json:
        dump_json(info)
    else:
        state = (
            "离线可用 / works offline"
            if info["offline"]
            else f"needs {len(info['external_urls'])} external URL(s)"
        )
        sys.stdout.write(f"{out} ({size / 1e6:.2f} MB, {state})\n")
    return EXIT_OK
