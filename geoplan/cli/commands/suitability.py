"""`geoplan suitability`: weighted suitability overlay, hard constraints and candidate areas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geoplan.cli.output import EXIT_OK, dump_json, number, output_file, zone_path

#: output option → (attribute, accepted suffixes)
OUTPUTS = {
    "--out": ("out", (".tif", ".tiff")),
    "--factors": ("factors", (".tif", ".tiff")),
    "--constraints-out": ("constraints_out", (".tif", ".tiff")),
    "--candidates": ("candidates", (".gpkg",)),
    "--zonal": ("zonal", (".gpkg",)),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suitability",
        help="建设适宜性评价与候选用地 / land suitability, constraints and candidate areas",
        description="Slope, distances and hard constraints on the DEM grid; weighted overlay; candidate areas "
        "(contiguous suitable land ≥ a minimum area in 亩).",
    )
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument(
        "--weights", help="weights/transforms YAML (default: data/standards/suitability.yaml)"
    )
    p.add_argument(
        "--dem",
        help="DEM GeoTIFF (default: the catalog's dem raster); lon/lat DEMs are reprojected first",
    )
    p.add_argument(
        "--reproject-dem",
        action="store_true",
        help="also warp a projected DEM in another CRS to the working CRS",
    )
    p.add_argument(
        "--headroom",
        help="table (CSV/Parquet/Excel) with facility_id and a headroom column; "
        "enables the distance-to-facilities factor",
    )
    p.add_argument(
        "--headroom-phase",
        help="current | 2025 | 2035: take the headroom from the infrastructure balance of this "
        "phase (facilities with spare capacity) instead of a --headroom file",
    )
    p.add_argument("--out", help="write the suitability raster (cloud-optimized GeoTIFF, .tif)")
    p.add_argument("--factors", help="write the per-factor layers (multi-band COG, .tif) here")
    p.add_argument("--constraints-out", help="write the hard-constraint bit mask (.tif) here")
    p.add_argument("--candidates", help="write candidate areas (GeoPackage, .gpkg) here")
    p.add_argument("--zonal", help="write parcels and plates with zonal statistics (.gpkg) here")
    p.add_argument(
        "--min-area-mu",
        type=number(lo=0, hi=1e7),
        help="smallest candidate area in 亩 (default from the weights file)",
    )
    p.add_argument(
        "--min-score",
        type=number(lo=0, hi=1),
        help="suitability threshold 0–1 (default from the weights file)",
    )
    p.add_argument(
        "--setback-m", type=number(lo=0, hi=1e5), help="coastal setback distance in metres"
    )
    p.add_argument(
        "--max-slope-pct",
        type=number(lo=0, hi=1e4),
        help="slope above this (percent) is a hard constraint",
    )
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the summary")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _text(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def _headroom(args: argparse.Namespace, zone: Any) -> Any:
    from geoplan.data import io
    from geoplan.errors import GeoplanError

    if args.headroom and args.headroom_phase:
        msg = "give either --headroom (a file) or --headroom-phase, not both"
        raise GeoplanError(msg)
    if args.headroom:
        return io.read_table(args.headroom)
    if args.headroom_phase:
        from geoplan.analysis import infrastructure as infra

        return infra.analyse(zone, args.headroom_phase).headroom()
    return None


def _write(args: argparse.Namespace, res: Any, zone: Any, cands: Any) -> dict[str, str | None]:
    from geoplan.data import io

    written: dict[str, str | None] = dict.fromkeys(
        ("raster", "factors", "constraints", "candidates", "zonal")
    )
    if args.out:
        written["raster"] = str(res.write(args.out))
    if args.factors:
        written["factors"] = str(res.write_factors(args.factors))
    if args.constraints_out:
        written["constraints"] = str(res.write_constraints(args.constraints_out))
    if args.candidates:
        written["candidates"] = str(io.write_gpkg_atomic(args.candidates, {"candidates": cands}))
    if args.zonal:
        out_layers = {}
        for name in ("parcels", "plates"):
            frame = zone.get(name)
            if frame is not None and len(frame):
                out_layers[name] = res.zonal(frame)
        written["zonal"] = str(io.write_gpkg_atomic(args.zonal, out_layers))
    return written


def _top(cands: Any) -> list[dict]:
    return [
        {
            "candidate_id": r.candidate_id,
            "area_mu": round(float(r.area_mu), 1),
            "mean_score": round(float(r.mean_score), 3),
            "road_distance_m": None
            if r.road_distance_m != r.road_distance_m
            else round(float(r.road_distance_m), 1),
            "plate": _text(r.plate),
            "structure_element": _text(r.structure_element),
        }
        for r in cands.drop(columns="geometry").head(10).itertuples(index=False)
    ]


def run(args: argparse.Namespace) -> int:
    from geoplan.analysis.suitability import run_suitability
    from geoplan.zone import load_zone

    for option, (attr, suffixes) in OUTPUTS.items():
        if getattr(args, attr):
            output_file(getattr(args, attr), suffixes, option)
    zone = load_zone(zone_path(args))
    res = run_suitability(
        zone,
        args.dem,
        args.weights,
        headroom=_headroom(args, zone),
        factors=bool(args.factors),
        reproject_dem=args.reproject_dem,
        min_area_mu=args.min_area_mu,
        min_score=args.min_score,
        coastal_setback_m=args.setback_m,
        steep_slope_pct=args.max_slope_pct,
    )
    try:
        summary = res.summary()
        cands = res.candidates
        written = _write(args, res, zone, cands)
    finally:
        res.close()
    doc = {
        "raster": written["raster"],
        "crs": summary["crs"],
        "cell_size_m": summary["cell_size_m"],
        "suitable_area_mu": summary["suitable_area_mu"],
        "excluded_area_mu": summary["excluded_area_mu"],
        "candidates": len(cands),
        "candidates_area_mu": round(float(cands["area_mu"].sum()), 1),
        "land_area_mu": summary["land_area_mu"],
        "dem": str(Path(args.dem) if args.dem else zone.dem_path),
        "weights": summary["weights"],
        "min_score": res.config.min_score,
        "min_area_mu": res.config.min_area_mu,
        "coastal_setback_m": res.config.coastal_setback_m,
        "steep_slope_pct": res.config.steep_slope_pct,
        "outputs": written,
        "top_candidates": _top(cands),
    }
    if args.json:
        dump_json(doc)
    else:
        sys.stdout.write(human(doc, summary, args.lang))
    return EXIT_OK


def _width(text: str) -> int:
    """Columns *text* takes in a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def human(doc: dict, summary: dict, lang: str) -> str:
    """The summary for people, in *lang* (factor, constraint and output names by message key)."""
    from geoplan.standards.suitability import CONSTRAINTS
    from geoplan.text import t

    def area(v: float) -> str:
        return t("suit_cli_area", lang, area=f"{v:,.1f}")

    def row(label: str, value: float, indent: int = 2, width: int = 34) -> str:
        text = f"{' ' * indent}{label}"
        return text + " " * max(1, width - _width(text)) + f"{area(value):>16}\n"

    out = [
        t(
            "suit_cli_head",
            lang,
            dem=doc["dem"],
            width=summary["width"],
            height=summary["height"],
            cell=f"{doc['cell_size_m']:g}",
            crs=doc["crs"],
        )
        + "\n",
        row(t("suit_cli_land", lang), doc["land_area_mu"]),
        row(
            t("suit_cli_suitable", lang, min_score=f"{doc['min_score']:g}"), doc["suitable_area_mu"]
        ),
        f"  {t('suit_cli_excluded', lang)}\n",
    ]
    excl = doc["excluded_area_mu"]
    out += [row(t(text_key, lang), excl[key], 4) for key, text_key in CONSTRAINTS.items()]
    out.append(row(t("suit_con_total", lang), excl["total"], 4))
    out.append(
        "  "
        + t(
            "suit_cli_candidates",
            lang,
            min_area=f"{doc['min_area_mu']:g}",
            n=doc["candidates"],
            area=f"{doc['candidates_area_mu']:,.1f}",
        )
        + "\n"
    )
    none = t("suit_none", lang)
    for c in doc["top_candidates"][:5]:
        line = t(
            "suit_cli_candidate",
            lang,
            id=c["candidate_id"],
            area=f"{c['area_mu']:,.1f}",
            score=f"{c['mean_score']:.2f}",
            plate=c["plate"] or none,
            element=c["structure_element"] or none,
        )
        out.append(f"    {line}\n")
    names = {
        "raster": "suit_out_raster",
        "factors": "suit_out_factors",
        "constraints": "suit_out_constraints",
        "candidates": "suit_out_candidates",
        "zonal": "suit_out_zonal",
    }
    for key, path in doc["outputs"].items():
        if path:
            out.append(f"  → {t('suit_cli_written', lang, what=t(names[key], lang), path=path)}\n")
    return "".join(out)
