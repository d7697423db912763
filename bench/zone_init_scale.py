"""`geoplan zone init` on a large bureau export vs a bare read + write of the same files.

Generates (once, into a temporary folder) a 控规 parcel GeoPackage in CGCS2000 GK CM 114°E with
DKBH / YDDM (GB 50137 codes) / YDMJ (公顷) / RJL / JZMD and a firm list CSV with Chinese headers
(统一社会信用代码, 企业名称, 是否规上, 行业代码, 税收(万元), 营业收入(万元), 地块编号), then times,
side by side in one run (interleaved rounds, medians):

- floor: read both files (pyogrio, pandas) and write them as GeoParquet/Parquet;
- zone init: the whole import (mapping, code conversion, areas, linking, validation, writing).

Target (issue: own-zone data): zone init ≤ 2× the floor at 100,000 parcels and 200,000 firms.

    python bench/zone_init_scale.py [--parcels 100000] [--firms 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan.zone_init import Source, init_zone  # noqa: E402

CODES = np.array(["M1", "M2", "M0", "A35", "B2", "R2", "B1", "G1", "U12", "S41"])


def generate(folder: Path, n_parcels: int, n_firms: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    side = int(np.ceil(np.sqrt(n_parcels)))
    i = np.arange(n_parcels)
    x0 = 500_000.0 + (i % side) * 110.0
    y0 = 3_370_000.0 + (i // side) * 110.0
    geoms = shapely.box(x0, y0, x0 + 100.0, y0 + 100.0)
    parcels = gpd.GeoDataFrame(
        {
            "DKBH": [f"K{n:07d}" for n in i],
            "YDDM": CODES[rng.integers(0, len(CODES), n_parcels)],
            "YDMJ": np.round(shapely.area(geoms) / 10_000.0, 4),
            "RJL": np.round(rng.uniform(0.5, 3.0, n_parcels), 2),
            "JZMD": np.round(rng.uniform(20, 50, n_parcels), 1),
        },
        geometry=geoms,
        crs=4547,
    )
    ppath = folder / "控规.gpkg"
    parcels.to_file(ppath, driver="GPKG", engine="pyogrio")
    ext = shapely.box(*parcels.total_bounds).buffer(500)
    bpath = folder / "boundary.geojson"
    gpd.GeoDataFrame({"名称": ["压测园区"]}, geometry=[ext], crs=4547).to_crs(4326).to_file(bpath)
    firms = pd.DataFrame(
        {
            "统一社会信用代码": [f"91420100MA{n:08d}" for n in range(n_firms)],
            "企业名称": [f"企业{n}" for n in range(n_firms)],
            "是否规上": np.where(rng.random(n_firms) < 0.2, "是", "否"),
            "行业代码": rng.choice(["C3973", "I6513", "M7340", "C2651", "F5211"], n_firms),
            "税收(万元)": np.round(rng.gamma(1.5, 40.0, n_firms), 1),
            "营业收入(万元)": np.round(rng.gamma(1.5, 900.0, n_firms), 1),
            "地块编号": parcels["DKBH"].to_numpy()[rng.integers(0, n_parcels, n_firms)],
        }
    )
    fpath = folder / "企业.csv"
    firms.to_csv(fpath, index=False, encoding="utf-8")
    return {"boundary": bpath, "parcels": ppath, "firms": fpath}


def floor(paths: dict[str, Path], out: Path) -> None:
    import pyogrio

    out.mkdir(parents=True, exist_ok=True)
    parcels = pyogrio.read_dataframe(paths["parcels"])
    firms = pd.read_csv(paths["firms"], dtype=str)
    parcels.to_parquet(out / "parcels.parquet")
    firms.to_parquet(out / "firms.parquet")


def zone_init(paths: dict[str, Path], out: Path) -> None:
    sources = [
        Source("zone", paths["boundary"]),
        Source("parcels", paths["parcels"]),
        Source("firms", paths["firms"]),
    ]
    init_zone(out, sources, overwrite=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--firms", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="geoplan-zi-bench-"))
    try:
        t0 = time.perf_counter()
        paths = generate(tmp / "in", a.parcels, a.firms)
        print(
            f"generated {a.parcels:,} parcels and {a.firms:,} firms in {time.perf_counter() - t0:.1f} s"
        )
        times: dict[str, list[float]] = {"floor": [], "zone init": []}
        for r in range(a.rounds):
            for name, fn in (("floor", floor), ("zone init", zone_init)):
                out = tmp / f"out-{name.replace(' ', '_')}-{r}"
                t = time.perf_counter()
                fn(paths, out)
                times[name].append(time.perf_counter() - t)
                shutil.rmtree(out, ignore_errors=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        for k, v in times.items():
            print(f"{k:>10}: median {med[k]:6.2f} s  (min {min(v):.2f}, max {max(v):.2f})")
        print(f"ratio zone init / floor: {med['zone init'] / med['floor']:.2f}  (target ≤ 2.0)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
