"""Generated 三调-style patches and firms for the engine test and the scale bench (not real data).

Patches are boxes on a lon/lat grid in CGCS2000 (EPSG:4490) around 121.5°E 39.5°N, with 三调
working-classification codes (crosswalked to 用地用海 2023 by the engines); firms sit on random
patches (55 % holders, the rest tenants); units are a 4 × 5 grid of rectangles named 单元00…19.
Written in parts (one GeoParquet file per band of rows), so the generator's memory stays bounded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: 三调 codes and their shares: 0601 工业 (→1001), 05H1 商服 (one-to-many → review), 0701 城镇住宅,
#: 08H2A 高教, 1004 城镇村道路, 0101 水田, 0301 乔木林地, 0809 公用设施 (review), 1201 空闲地
CODES = ("0601", "05H1", "0701", "08H2A", "1004", "0101", "0301", "0809", "1201")
SHARES = (0.42, 0.08, 0.15, 0.05, 0.06, 0.10, 0.08, 0.03, 0.03)
LON0, LAT0 = 121.5, 39.5
DLON, DLAT = 80.0 / 86_000.0, 80.0 / 111_000.0  # ≈ 80 m cells


def generate(
    n_parcels: int, n_firms: int, folder: str | Path, *, parts: int = 4, seed: int = 7
) -> dict:
    """Write ``parcels/part-*.parquet``, ``firms/part-*.parquet`` and ``units.parquet`` in *folder*."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    folder = Path(folder)
    (folder / "parcels").mkdir(parents=True, exist_ok=True)
    (folder / "firms").mkdir(parents=True, exist_ok=True)
    side = int(np.ceil(np.sqrt(n_parcels)))
    bounds = np.linspace(0, n_parcels, parts + 1).astype(np.int64)
    floor_all = np.empty(n_parcels)
    for k in range(parts):
        rng = np.random.default_rng([seed, k])
        i = np.arange(bounds[k], bounds[k + 1])
        n = len(i)
        x0 = LON0 + (i % side) * DLON
        y0 = LAT0 + (i // side) * DLAT
        w = rng.uniform(0.5, 0.94, n) * DLON
        h = rng.uniform(0.5, 0.94, n) * DLAT
        uses = rng.choice(np.array(CODES, dtype=object), n, p=SHARES)
        status = rng.choice(
            np.array(["built", "idle", "under_construction", "reserve"], dtype=object),
            n,
            p=[0.85, 0.05, 0.06, 0.04],
        )
        std = (rng.random(n) < 0.05) & (uses == "0601")
        far = np.round(rng.uniform(0.2, 4.0, n), 2)
        floor_all[i] = far * (w * 86_000.0) * (h * 111_000.0)
        gdf = gpd.GeoDataFrame(
            {
                "parcel_id": np.char.add("P", i.astype(str)).astype(object),
                "land_use": uses,
                "far": far,
                "coverage": np.round(rng.uniform(0.1, 0.7, n), 3),
                "status": status,
                "investment": np.round(rng.lognormal(7, 1.2, n), 1),
                "idle_since": np.where(status == "idle", rng.integers(2010, 2023, n), np.nan),
                "standard_land": std,
                "commit_investment_per_mu": np.where(std, 300.0, np.nan),
            },
            geometry=shapely.box(x0, y0, x0 + w, y0 + h),
            crs="EPSG:4490",
        )
        gdf.to_parquet(folder / "parcels" / f"part-{k:03d}.parquet", index=False)
        del gdf
    fb = np.linspace(0, n_firms, parts + 1).astype(np.int64)
    for k in range(parts):
        rng = np.random.default_rng([seed, 1000 + k])
        j = np.arange(fb[k], fb[k + 1])
        n = len(j)
        own = rng.random(n) < 0.55
        pid = rng.integers(0, n_parcels, n)
        rev = rng.lognormal(6, 1.6, n)
        rented = np.where(~own, floor_all[pid] * rng.uniform(0.01, 0.2, n), np.nan)
        firms = pd.DataFrame(
            {
                "firm_id": np.char.add("F", j.astype(str)).astype(object),
                "parcel_id": np.char.add("P", pid.astype(str)).astype(object),
                "name": "企业",
                "industry": rng.choice(
                    np.array(
                        ["数字技术", "洁净能源", "生命健康", "智能制造", "新材料"], dtype=object
                    ),
                    n,
                ),
                "scale": np.where(rev > 2000, "规上", "规下").astype(object),
                "tax": np.round(rev * rng.uniform(0.01, 0.08, n), 2),
                "revenue": np.round(rev, 1),
                "value_added": np.round(rev * rng.uniform(0.2, 0.45, n), 1),
                "energy_tce": np.round(rev * rng.uniform(0.001, 0.05, n), 2),
                "employees": rng.integers(1, 500, n),
                "rd_spend": np.where(
                    rng.random(n) < 0.9, np.round(rev * rng.uniform(0, 0.1, n), 1), np.nan
                ),
                "fixed_investment": np.round(rng.lognormal(6, 1.3, n), 1),
                "tenure": np.where(own, "own", "rent").astype(object),
                "rented_floor_m2": rented,
                "founded": rng.integers(1990, 2023, n),
                "sector": rng.choice(
                    np.array(["industry", "service", "utility"], dtype=object),
                    n,
                    p=[0.3, 0.695, 0.005],
                ),
            }
        )
        firms.to_parquet(folder / "firms" / f"part-{k:03d}.parquet", index=False)
    xmax = LON0 + side * DLON
    ymax = LAT0 + (n_parcels // side + 1) * DLAT
    xs, ys = np.linspace(LON0 - 1e-6, xmax, 6), np.linspace(LAT0 - 1e-6, ymax, 5)
    units = gpd.GeoDataFrame(
        {"name": [f"单元{k:02d}" for k in range(20)]},
        geometry=[
            shapely.box(xs[a], ys[b], xs[a + 1], ys[b + 1]) for b in range(4) for a in range(5)
        ],
        crs="EPSG:4490",
    )
    units.to_parquet(folder / "units.parquet", index=False)
    return {
        "parcels": folder / "parcels",
        "firms": folder / "firms",
        "units": folder / "units.parquet",
    }
