"""`geoplan layers` and `geoplan validate`."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, EXIT_USER_ERROR, dump_json, zone_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("layers", help="列出园区图层 / list the zone's layers")
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument("--docs", action="store_true", help="print the layer-type reference (Markdown)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_layers)

    v = sub.add_parser("validate", help="校验图层文件 / validate a layer file")
    v.add_argument(
        "path",
        help="GeoPackage, GeoJSON, zipped Shapefile, GeoParquet (CSV/Parquet/Excel for firms)",
    )
    v.add_argument(
        "--type", required=True, dest="ltype", help="layer type, e.g. parcels, roads, firms"
    )
    v.add_argument("--crs", help="CRS to assume when the file has none (e.g. EPSG:4490)")
    v.add_argument(
        "--coord-system",
        default="wgs84",
        choices=["wgs84", "gcj02", "bd09"],
        help="lon/lat offset system of the data (高德/腾讯 = gcj02, 百度 = bd09)",
    )
    v.add_argument("--layer", help="layer name inside a GeoPackage or zip")
    v.add_argument(
        "--encoding", help="attribute encoding of a Shapefile whose .cpg is wrong (e.g. gbk)"
    )
    v.add_argument("--repair", action="store_true", help="repair invalid geometry with make_valid")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.set_defaults(func=run_validate)


def run_layers(args: argparse.Namespace) -> int:
    from geoplan.data.catalog import docs_markdown
    from geoplan.zone import layer_summary, load_zone

    if args.docs:
        sys.stdout.write(docs_markdown() + "\n")
        return EXIT_OK
    zone = load_zone(zone_path(args))
    rows = layer_summary(zone)
    if args.json:
        dump_json({"zone": zone.name, "layers": rows})
        return EXIT_OK
    sys.stdout.write(f"{zone.name} — {len(rows)} layers (示意 sample data)\n")
    for r in rows:
        measure = (
            f"{r['area_m2'] / 1e6:9.2f} km²"
            if "area_m2" in r
            else (f"{r['length_m'] / 1000:9.1f} km" if "length_m" in r else "")
        )
        sys.stdout.write(
            f"  {r['name']:<14} {r['type']:<14} {r['count']:>7}  {measure:>13}  {r['path']}\n"
        )
    return EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    """Read a file as the zone's import would (columns recognised, codes and units converted,
    areas and units derived) and report every problem; nothing is written."""
    from pathlib import Path

    from geoplan.data.catalog import layer_type
    from geoplan.data.importer import ImportOptions, import_layer
    from geoplan.zone import load_zone
    from geoplan.zone_init import context_for

    layer_type(args.ltype)  # unknown type → GeoplanError → exit 2
    zone = load_zone(zone_path(args), copy=False)
    opts = ImportOptions(
        type=args.ltype, path=Path(args.path), member=args.layer, encoding=args.encoding, crs=args.crs,
        coord_system=args.coord_system, repair=args.repair,
    )  # fmt: skip
    imp = import_layer(opts, context_for(zone))
    rep = imp.report
    errors = [p for p in rep.problems if p.severity == "error"]
    doc = {
        "source": rep.source, "type": rep.type, "rows": rep.count, "valid": not errors,
        "errors": len(errors), "warnings": len(rep.problems) - len(errors), "repaired": 0,
        "problems": [p.to_dict() for p in rep.problems],
    }  # fmt: skip
    extra = (
        "mapping",
        "conversions",
        "codes",
        "linked",
        "unlinked",
        "excluded",
        "unused_columns",
        "header",
    )
    doc |= {k: v for k, v in rep.to_dict().items() if k in extra}
    if args.json:
        dump_json(doc)
    else:
        status = "有效 / valid" if doc["valid"] else "无效 / INVALID"
        sys.stdout.write(f"{rep.source} ({rep.type}, {rep.count} rows): {status}\n")
        for field_, col in rep.mapping.items():
            sys.stdout.write(f"  {field_} ← {col}\n")
        for p in rep.problems:
            sys.stdout.write(f"  [{p.severity}] {p.format()}\n")
    return EXIT_OK if doc["valid"] else EXIT_USER_ERROR
