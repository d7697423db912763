"""Suitability on a large generated DEM: time and peak memory, small vs large side by side.

    .venv/bin/python bench/suitability_scale.py                 # 2,500² vs 10,000² cells
    .venv/bin/python bench/suitability_scale.py --sizes 1000 4000

For each size a synthetic DEM (int16, 25 m cells, sea strip in the west, hills, ridges) and
synthetic layers (a road grid, built parcels, forest/water circles, a coastal band, plates) are
generated, then a *fresh* Python process runs the whole pipeline by windows —
``run_suitability`` (staged on disk), the COG write, candidate areas (block-wise labelling) and
zonal statistics for plates — and reports its own peak RSS. Memory should stay flat while the
cell count grows 16×; the target is ≤ 2 GB at 10,000 × 10,000. GDAL's block cache is capped at
256 MB for the run (``GDAL_CACHEMAX``) so that the figure shows geoplan's own footprint.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CELL = 25.0
X0, Y0 = 400_000.0, 4_400_000.0
SEA_COLS = 200


def generate(folder: Path, size: int) -> dict[str, str]:
    """Write dem.tif (block by block) and layers.gpkg for a size × size grid."""
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from geoplan.data.crs import WORKING_CRS

    rng = np.random.default_rng(7)
    extent = size * CELL
    n_hills = max(4, int((extent / 8000) ** 2))
    hx = X0 + rng.uniform(0, extent, n_hills)
    hy = Y0 - rng.uniform(0, extent, n_hills)
    amp = rng.uniform(150, 450, n_hills)
    sig = rng.uniform(500, 1500, n_hills)
    dem_path = folder / "dem.tif"
    prof = {
        "driver": "GTiff",
        "dtype": "int16",
        "count": 1,
        "width": size,
        "height": size,
        "crs": WORKING_CRS.to_wkt(),
        "transform": from_origin(X0, Y0, CELL, CELL),
        "nodata": -32768,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    step = 1024
    with rasterio.open(dem_path, "w", **prof) as dst:
        for r in range(0, size, step):
            for c in range(0, size, step):
                h, w = min(step, size - r), min(step, size - c)
                xs = X0 + (np.arange(c, c + w) + 0.5) * CELL
                ys = Y0 - (np.arange(r, r + h) + 0.5) * CELL
                x, y = np.meshgrid(xs, ys)
                z = 30 + 25 * np.sin(x / 700.0) * np.cos(y / 900.0) + 0.002 * (x - X0)
                near = (np.abs(hx[:, None] - xs.mean()) < 8000 + extent * 0) & (
                    np.abs(hy[:, None] - ys.mean()) < 8000
                )
                for i in np.flatnonzero(near.ravel()):
                    z += amp[i] * np.exp(-((x - hx[i]) ** 2 + (y - hy[i]) ** 2) / (2 * sig[i] ** 2))
                out = np.round(z).astype("int16")
                sea = np.arange(c, c + w) < SEA_COLS
                out[:, sea] = -32768
                dst.write(out, 1, window=Window(c, r, w, h))

    crs = WORKING_CRS
    spacing = 2000.0
    lines = [
        shapely.LineString([(X0 + SEA_COLS * CELL, Y0 - k), (X0 + extent, Y0 - k)])
        for k in np.arange(spacing / 2, extent, spacing)
    ]
    lines += [
        shapely.LineString([(X0 + k, Y0), (X0 + k, Y0 - extent)])
        for k in np.arange(SEA_COLS * CELL + spacing / 2, extent, spacing)
    ]
    roads = gpd.GeoDataFrame(
        {"road_id": [f"R{i}" for i in range(len(lines))], "status": "built", "width_m": 30.0},
        geometry=lines,
        crs=crs,
    )
    n_par = max(50, int(extent / 1000) ** 2 // 4)
    px = X0 + SEA_COLS * CELL + rng.uniform(0, extent - SEA_COLS * CELL - 500, n_par)
    py = Y0 - rng.uniform(500, extent, n_par)
    side = rng.uniform(150, 400, n_par)
    parcels = gpd.GeoDataFrame(
        {"parcel_id": [f"P{i}" for i in range(n_par)], "status": "built", "plate": "X"},
        geometry=shapely.box(px, py, px + side, py + side),
        crs=crs,
    )
    n_con = max(6, int(extent / 10000) ** 2)
    cx = X0 + rng.uniform(SEA_COLS * CELL, extent, n_con)
    cy = Y0 - rng.uniform(0, extent, n_con)
    kinds = np.where(np.arange(n_con) % 3 == 0, "water_source", "forest_park")
    cons = gpd.GeoDataFrame(
        {"constraint_id": [f"K{i}" for i in range(n_con)], "kind": kinds, "hard": True},
        geometry=shapely.buffer(shapely.points(cx, cy), rng.uniform(400, 2500, n_con)),
        crs=crs,
    )
    coast = gpd.GeoDataFrame(
        {"constraint_id": ["COAST"], "kind": ["coastal_setback"], "hard": [True]},
        geometry=[shapely.box(X0 + SEA_COLS * CELL, Y0 - extent, X0 + SEA_COLS * CELL + 100, Y0)],
        crs=crs,
    )
    cons = gpd.GeoDataFrame(
        np.concatenate([cons.to_numpy(), coast.to_numpy()]), columns=cons.columns, crs=crs
    ).set_geometry("geometry")
    k = 4
    e = extent / k
    plates = gpd.GeoDataFrame(
        {"plate_id": [f"B{i}" for i in range(k * k)], "name": [f"板块{i}" for i in range(k * k)]},
        geometry=[
            shapely.box(X0 + i * e, Y0 - (j + 1) * e, X0 + (i + 1) * e, Y0 - j * e)
            for i in range(k)
            for j in range(k)
        ],
        crs=crs,
    )
    layers_path = folder / "layers.gpkg"
    for name, gdf in (
        ("roads", roads),
        ("parcels", parcels),
        ("constraints", cons),
        ("plates", plates),
    ):
        gdf.to_file(layers_path, layer=name, driver="GPKG", engine="pyogrio")
    return {"dem": str(dem_path), "layers": str(layers_path)}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_once(dem: str, layers_path: str, out_dir: str) -> dict:
    """The measured pipeline (called in a fresh process)."""
    import geopandas as gpd

    from geoplan.analysis.suitability import run_suitability

    layers = {
        name: gpd.read_file(layers_path, layer=name)
        for name in ("roads", "parcels", "constraints", "plates")
    }
    layers["constraints"]["hard"] = layers["constraints"]["hard"].astype(bool)
    times = {}
    t = time.perf_counter()
    res = run_suitability(layers, dem, in_memory=False)
    times["overlay_s"] = time.perf_counter() - t
    rss = {"overlay": _peak_mb()}
    t = time.perf_counter()
    res.write(Path(out_dir) / "suit.tif")
    times["write_cog_s"] = time.perf_counter() - t
    rss["write_cog"] = _peak_mb()
    t = time.perf_counter()
    cands = res.candidates
    times["candidates_s"] = time.perf_counter() - t
    rss["candidates"] = _peak_mb()
    t = time.perf_counter()
    plates = res.zonal(layers["plates"])
    times["zonal_s"] = time.perf_counter() - t
    s = res.summary()
    res.close()
    peak_mb = _peak_mb()
    return {
        "cells": s["width"] * s["height"],
        "suitable_area_mu": s["suitable_area_mu"],
        "excluded_total_mu": s["excluded_area_mu"]["total"],
        "candidates": len(cands),
        "plates_mean": float(plates["suit_mean"].mean()),
        **times,
        "total_s": sum(times.values()),
        "peak_rss_mb": peak_mb,
        "peak_after_mb": rss,
    }


def measure(size: int, keep: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"geoplan-bench-{size}-"))
    t = time.perf_counter()
    paths = generate(folder, size)
    gen_s = time.perf_counter() - t
    env = {**os.environ, "GDAL_CACHEMAX": "256"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", paths["dem"], paths["layers"], str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(proc.returncode)
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["size"] = size
    row["generate_s"] = gen_s
    if not keep:
        for p in sorted(folder.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        folder.rmdir()
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000])
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_once(*args.child)))
        return 0
    rows = [measure(s, args.keep) for s in args.sizes]
    base = rows[0]
    head = (
        f"{'grid':>13} {'cells':>12} {'overlay s':>10} {'COG s':>7} {'cands s':>8} {'zonal s':>8} {'total s':>8} "
        f"{'peak MB':>8} {'cells×':>7} {'time×':>6} {'mem×':>6} {'candidates':>10}"
    )
    out = sys.stdout.write
    out(head + "\n")
    for r in rows:
        out(
            f"{r['size']:>6}×{r['size']:<6} {r['cells']:>12,} {r['overlay_s']:>10.1f} {r['write_cog_s']:>7.1f} "
            f"{r['candidates_s']:>8.1f} {r['zonal_s']:>8.1f} {r['total_s']:>8.1f} {r['peak_rss_mb']:>8.0f} "
            f"{r['cells'] / base['cells']:>7.1f} {r['total_s'] / base['total_s']:>6.1f} "
            f"{r['peak_rss_mb'] / base['peak_rss_mb']:>6.2f} {r['candidates']:>10}\n"
        )
    for r in rows:
        stages = ", ".join(f"{k} {v:.0f} MB" for k, v in r["peak_after_mb"].items())
        out(f"  {r['size']}²: peak RSS after {stages}, end {r['peak_rss_mb']:.0f} MB\n")
    big = rows[-1]
    verdict = "OK" if big["peak_rss_mb"] <= 2048 else "OVER"
    gen = ", ".join(f"{r['generate_s']:.0f} s" for r in rows)
    out(
        f"peak memory at {big['size']}×{big['size']}: {big['peak_rss_mb']:.0f} MB (target ≤ 2048 MB: {verdict}); "
        f"generation not included ({gen})\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
