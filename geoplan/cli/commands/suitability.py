"""`geoplan suitability`: weighted suitability overlay, hard constraints and candidate areas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoplan.cli.output import EXIT_OK, dump_json, zone_path


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
    p.add_argument("--out", help="write the suitability raster (cloud-optimized GeoTIFF) here")
    p.add_argument("--factors", help="write the per-factor layers (multi-band COG) here")
    p.add_argument("--constraints-out", help="write the hard-constraint bit mask (uint8 COG) here")
    p.add_argument("--candidates", help="write candidate areas (GeoPackage) here")
    p.add_argument(
        "--zonal", help="write parcels and plates with zonal statistics (GeoPackage) here"
    )
    p.add_argument(
        "--min-area-mu",
        type=float,
        help="smallest candidate area in 亩 (default from the weights file)",
    )
    p.add_argument(
        "--min-score", type=float, help="suitability threshold 0–1 (default from the weights file)"
    )
    p.add_argument("--setback-m", type=float, help="coastal setback distance in metres")
    p.add_argument(
        "--max-slope-pct", type=float, help="slope above this (percent) is a hard constraint"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _text(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def run(args: argparse.Namespace) -> int:
    from geoplan.analysis.suitability import CONSTRAINTS, run_suitability
    from geoplan.data import io
    from geoplan.errors import GeoplanError
    from geoplan.zone import load_zone

    for name, value in (("--min-score", args.min_score),):
        if value is not None and not 0 <= value <= 1:
            msg = f"{name} must be between 0 and 1, got {value}"
            raise GeoplanError(msg)
    for name, value in (
        ("--min-area-mu", args.min_area_mu),
        ("--setback-m", args.setback_m),
        ("--max-slope-pct", args.max_slope_pct),
    ):
        if value is not None and value < 0:
            msg = f"{name} must not be negative, got {value}"
            raise GeoplanError(msg)
    zone = load_zone(zone_path(args))
    if args.headroom and args.headroom_phase:
        msg = "give either --headroom (a file) or --headroom-phase, not both"
        raise GeoplanError(msg)
    headroom = io.read_table(args.headroom) if args.headroom else None
    if args.headroom_phase:
        from geoplan.analysis import infrastructure as infra

        headroom = infra.analyse(zone, args.headroom_phase).headroom()
    res = run_suitability(
        zone,
        args.dem,
        args.weights,
        headroom=headroom,
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
        written: dict[str, str | None] = {
            "raster": None,
            "factors": None,
            "constraints": None,
            "candidates": None,
            "zonal": None,
        }
        if args.out:
            written["raster"] = str(res.write(args.out))
        if args.factors:
            written["factors"] = str(res.write_factors(args.factors))
        if args.constraints_out:
            written["constraints"] = str(res.write_constraints(args.constraints_out))
        if args.candidates:
            written["candidates"] = str(
                io.write_gpkg_atomic(args.candidates, {"candidates": cands})
            )
        if args.zonal:
            out_layers = {}
            for name in ("parcels", "plates"):
                frame = zone.get(name)
                if frame is not None and len(frame):
                    out_layers[name] = res.zonal(frame)
            written["zonal"] = str(io.write_gpkg_atomic(args.zonal, out_layers))
    finally:
        res.close()

    top = [
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
        "top_candidates": top,
    }
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(
        f"建设适宜性评价 / suitability — {doc['dem']} ({summary['width']}×{summary['height']} "
        f"cells, {doc['cell_size_m']:g} m, {doc['crs']})\n"
    )
    w(f"  陆域 land analysed        {doc['land_area_mu']:>12,.1f} 亩\n")
    w(f"  适宜 suitable (≥{doc['min_score']:g})     {doc['suitable_area_mu']:>12,.1f} 亩\n")
    w("  刚性约束 excluded by constraint:\n")
    for key, (zh, en) in CONSTRAINTS.items():
        w(f"    {zh} {en:<26} {doc['excluded_area_mu'][key]:>12,.1f} 亩\n")
    w(f"    合计 total (union)              {doc['excluded_area_mu']['total']:>12,.1f} 亩\n")
    w(
        f"  候选用地 candidates ≥ {doc['min_area_mu']:g} 亩: "
        f"{doc['candidates']} ({doc['candidates_area_mu']:,.1f} 亩)\n"
    )
    for t in top[:5]:
        w(
            f"    {t['candidate_id']}  {t['area_mu']:>8,.1f} 亩  score {t['mean_score']:.3f} "
            f" {t['plate'] or '—'} / {t['structure_element'] or '—'}\n"
        )
    for key, path in written.items():
        if path:
            w(f"  → {key}: {path}\n")
    return EXIT_OK
