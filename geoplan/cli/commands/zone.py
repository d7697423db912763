"""`geoplan zone init|list`: a zone folder from a bureau's own files; the zones there are."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geoplan.cli.output import EXIT_OK, EXIT_USER_ERROR, dump_json

#: ``zone init`` options that name an input file, and the layer type each becomes.
INPUTS = {
    "boundary": "zone", "parcels": "parcels", "firms": "firms", "landuse_survey": "landuse_survey",
    "units": "units", "roads": "roads", "facilities": "facilities", "land_register": "land_register",
}  # fmt: skip


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("zone", help="园区: 用本地数据建立园区 / a zone from its own files")
    zsub = p.add_subparsers(dest="zone_command", metavar="init|list")
    i = zsub.add_parser(
        "init",
        help="create a zone folder from the zone's files (re-run on the folder alone to rebuild it)",
        description="Import a zone's own files: columns mapped by their Chinese or national-standard "
        "names, units and land-use codes converted, areas and units derived, everything reported.",
    )
    i.add_argument("dir", help="the zone folder to create (or to rebuild from its zone.yaml)")
    i.add_argument("--boundary", help="zone boundary (polygon layer); fixes the working CRS")
    i.add_argument(
        "--parcels", help="控规/宗地 parcels (polygons): 地块编号, 用地代码, 用地面积, 容积率 …"
    )
    i.add_argument("--firms", help="firm list (Excel/CSV): 统一社会信用代码, 企业名称, 税收 …")
    i.add_argument("--landuse-survey", help="三调 地类图斑 (DLBM, TBMJ …)")
    i.add_argument("--units", help="evaluation units (板块/街道/组团 polygons)")
    i.add_argument("--roads", help="roads (lines)")
    i.add_argument("--facilities", help="public facilities (points/polygons)")
    i.add_argument("--land-register", help="宗地 register linking 统一社会信用代码 to 宗地代码")
    i.add_argument("--name", help="the zone's name (default: the boundary's 名称 or the file name)")
    i.add_argument(
        "--coord-system",
        action="append",
        default=[],
        metavar="[TYPE=]wgs84|gcj02|bd09",
        help="lon/lat system of the inputs (高德/腾讯 gcj02, 百度 bd09); TYPE= for one input, "
        "e.g. firms=gcj02 for firm points",
    )
    i.add_argument(
        "--crs",
        action="append",
        default=[],
        metavar="[TYPE=]CRS",
        help="CRS of inputs that declare none (e.g. EPSG:4547); TYPE= for one input",
    )
    i.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="TYPE.FIELD=COLUMN[unit]",
        help="map a column to a field, e.g. parcels.area_m2=YDMJ[公顷] or firms.tax=实缴税金[元]",
    )
    i.add_argument(
        "--code-map",
        action="append",
        default=[],
        metavar="CODE=CODE2023",
        help="decide a one-to-many or unknown land-use code, e.g. 08H2=0804",
    )
    i.add_argument(
        "--codes",
        choices=["ydyh2023", "gb50137", "sandiao"],
        help="land-use classification of --parcels (detected when omitted)",
    )
    i.add_argument(
        "--sheet", help="Excel sheet of the firm list (chosen by its header when omitted)"
    )
    i.add_argument(
        "--encoding", help="attribute encoding of Shapefiles whose .cpg is wrong (e.g. gbk)"
    )
    i.add_argument(
        "--layer",
        action="append",
        default=[],
        metavar="TYPE=NAME",
        help="layer inside a GeoPackage or zip holding several, e.g. parcels=控规地块",
    )
    i.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid geometry with make_valid (reported) instead of refusing the file",
    )
    i.add_argument(
        "--replace", action="store_true", help="rebuild an existing zone from these files"
    )
    i.add_argument("--json", action="store_true", help="print the import report as JSON")
    i.set_defaults(func=run_init)
    ls = zsub.add_parser("list", help="the zones in the projects folder")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_OK)[1])


def _per_type(
    values: list[str], option: str, choices: tuple[str, ...] | None = None
) -> dict[str, str]:
    """``["gcj02", "firms=bd09"]`` → ``{"*": "gcj02", "firms": "bd09"}``."""
    from geoplan.errors import GeoplanError

    out: dict[str, str] = {}
    for v in values:
        key, _, val = v.partition("=") if "=" in v else ("*", "", v)
        key = key.strip().replace("-", "_") or "*"
        val = val.strip()
        if key != "*" and key not in INPUTS and key not in INPUTS.values():
            msg = f"{option} {v!r}: unknown input {key!r}; use one of {', '.join(INPUTS)}"
            raise GeoplanError(msg)
        if choices is not None and val not in choices:
            msg = f"{option} {v!r}: use one of {', '.join(choices)}"
            raise GeoplanError(msg)
        out[INPUTS.get(key, key)] = val
    return out


def _sources(args: argparse.Namespace) -> list[Any]:
    from geoplan.data.importer import parse_code_map, parse_map_options
    from geoplan.zone_init import Source

    maps = parse_map_options(args.map)
    code_map = parse_code_map(args.code_map)
    coord = _per_type(args.coord_system, "--coord-system", ("wgs84", "gcj02", "bd09"))
    crs = _per_type(args.crs, "--crs")
    layers = _per_type(args.layer, "--layer")
    out = []
    for opt, ltype in INPUTS.items():
        path = getattr(args, opt)
        if not path:
            continue
        options: dict[str, Any] = {
            "coord_system": coord.get(ltype, coord.get("*", "wgs84")),
            "crs": crs.get(ltype, crs.get("*")),
            "member": layers.get(ltype),
            "encoding": args.encoding,
            "user_map": maps.get(ltype, {}),
            "repair": args.repair,
        }
        if ltype in ("parcels", "landuse_survey"):
            options["codes"] = args.codes if ltype == "parcels" else None
            options["code_map"] = code_map
        if ltype in ("firms", "land_register"):
            options["sheet"] = args.sheet
        out.append(Source(ltype, Path(path), options))
    unknown = set(maps) - {s.type for s in out}
    if unknown:
        from geoplan.errors import GeoplanError

        msg = f"--map names {', '.join(sorted(unknown))}, but no such file was given"
        raise GeoplanError(msg)
    return out


def _progress(args: argparse.Namespace):
    if args.json or not sys.stderr.isatty():
        return None

    def tell(f: float, what: str) -> None:
        sys.stderr.write(f"\r[{f:>4.0%}] {what:<20}")
        if f >= 1.0:
            sys.stderr.write("\n")

    return tell


def run_init(args: argparse.Namespace) -> int:
    from geoplan.zone_init import ImportFailed, init_zone, reimport_zone

    sources = _sources(args)
    try:
        if not sources:
            result = reimport_zone(args.dir, progress=_progress(args))
        else:
            result = init_zone(
                args.dir, sources, name=args.name, progress=_progress(args), overwrite=args.replace
            )
    except ImportFailed as exc:
        if args.json:
            dump_json({**exc.report, "created": False, "error": str(exc)})
        else:
            _print(exc.report, failed=True)
        sys.stderr.write(f"错误 / error: {exc}\n")
        return EXIT_USER_ERROR
    report = {**result.report, "created": True, "folder": str(result.folder)}
    if args.json:
        dump_json(report)
    else:
        _print(report, failed=False)
    return EXIT_OK


def _print(report: dict[str, Any], *, failed: bool) -> None:
    from geoplan.text import t

    w = sys.stdout.write
    z = report["zone"]
    if failed:
        w(t("zi_failed") + "\n")
    else:
        w(t("zi_title", name=z["name"], folder=report.get("folder", "")) + "\n")
    w(t("zi_crs", crs=z["crs"], km2=(z["area_m2"] or 0) / 1e6) + "\n")
    for lay in report["layers"]:
        w(t("zi_layer", type=lay["type"], source=lay["source"], count=lay["count"]) + "\n")
        if lay.get("header"):
            w(
                t(
                    "zi_header",
                    sheet=lay["header"]["sheet"],
                    rows="+".join(map(str, lay["header"]["rows"])),
                )
                + "\n"
            )
        for f, c in lay["mapping"].items():
            w(t("zi_map", field=f, column=c) + "\n")
        for f, what in lay["conversions"].items():
            w(t("zi_conv", field=f, what=what) + "\n")
        codes = lay.get("codes")
        if codes:
            w(
                t(
                    "zi_codes",
                    kept=codes["kept"],
                    converted=sum(codes["converted"].values()),
                    review=sum(codes["review"].values()),
                    unmapped=sum(codes["unmapped"].values()),
                )
                + "\n"
            )
        if lay.get("linked") is not None:
            w(
                t(
                    "zi_link",
                    linked=lay["linked"],
                    unlinked=lay["unlinked"],
                    how=lay["link_method"] or "—",
                )
                + "\n"
            )
        if lay.get("excluded"):
            w(t("zi_excluded", n=lay["excluded"]) + "\n")
        if lay.get("unused_columns"):
            w(t("zi_unused", cols=", ".join(lay["unused_columns"])) + "\n")
        for p in lay["problems"][:30]:
            where = "".join(
                [f" 行{p['row']}" if p["row"] else "", f" [{p['field']}]" if p["field"] else ""]
            )
            text = f"{p['message']}{where}" + (f" → {p['hint']}" if p["hint"] else "")
            w(t("zi_problem", severity=t(f"severity_{p['severity']}"), text=text) + "\n")


def run_list(args: argparse.Namespace) -> int:
    from geoplan import settings
    from geoplan.text import t
    from geoplan.zone import DEFAULT_CATALOG, list_zones, read_profile

    rows = [
        {
            "name": read_profile(DEFAULT_CATALOG).name,
            "folder": str(DEFAULT_CATALOG.parent),
            "sample": True,
        }
    ]
    for folder in list_zones():
        rows.append({"name": read_profile(folder).name, "folder": str(folder), "sample": False})
    if args.json:
        dump_json({"zones": rows})
        return EXIT_OK
    sys.stdout.write(t("zone_list_title", folder=settings.zones_dir()) + "\n")
    for r in rows:
        tag = f" ({t('zone_sample')})" if r["sample"] else ""
        sys.stdout.write(f"  {r['name']}{tag}  {r['folder']}\n")
    if len(rows) == 1:
        sys.stdout.write("  " + t("zone_list_none") + "\n")
    return EXIT_OK
