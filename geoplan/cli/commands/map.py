"""`geoplan map` — a standalone HTML layout map that works offline (all assets inline)."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json, zone_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "map", help="导出布局图 HTML（离线可用）/ write a standalone offline layout map (HTML)"
    )
    p.add_argument("--out", default="map.html", help="output HTML file (default: map.html)")
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument(
        "--structure",
        choices=["14th", "13th"],
        default="14th",
        help="spatial structure: 14th = 一廊一心一城多组团 (default), 13th = 板块",
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="label language (default zh)")
    p.add_argument(
        "--basemap",
        choices=["none", "tianditu", "gaode", "osm"],
        default="none",
        help="basemap (default none: works offline)",
    )
    p.add_argument("--no-parcels", action="store_true", help="leave the land-use parcels out")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geoplan.data.io import write_text_atomic
    from geoplan.present import maps, viz
    from geoplan.zone import load_zone

    zone = load_zone(zone_path(args))
    m = viz.layout_map(
        zone,
        structure=args.structure,
        lang=args.lang,
        basemap=args.basemap,
        show_parcels=not args.no_parcels,
        height=900,
    )
    html = maps.to_html(m)
    # make the map fill the window when opened on its own
    html = html.replace(
        "</head>",
        "<style>html,body{height:100%;margin:0}.folium-map{height:100vh!important}</style></head>",
        1,
    )
    out = write_text_atomic(args.out, html)
    external = maps.external_urls(html)
    info = {
        "path": str(out),
        "bytes": len(html.encode("utf-8")),
        "structure": args.structure,
        "lang": args.lang,
        "basemap": args.basemap,
        "external_urls": external,
        "offline": not external,
    }
    if args.json:
        dump_json(info)
    else:
        state = (
            "离线可用 / works offline" if not external else f"needs {len(external)} external URL(s)"
        )
        sys.stdout.write(f"{out} ({info['bytes'] / 1e6:.2f} MB, {state})\n")
    return EXIT_OK
