"""Benchmark: the whole 亩均 evaluate path at scale vs a bare read + write of the same files.

    .venv/bin/python bench/evaluate_scale.py            # 1,000,000 firms on 1,000,000 parcels
    .venv/bin/python bench/evaluate_scale.py --n 50000  # quick run

Generates N parcels (GeoParquet, no plate column, so the plate join is part of the path) and N firms
(Parquet) in a child process, then in this process times, side by side:

- baseline: read both files (geoplan.data.io) + write them back (atomic GeoParquet/Parquet);
- evaluate: read both files → join parcels to plates → land shares → indicators → score → classify
  → parcel indicators → aggregates → write the firm and parcel results (the path the issue names);
- for information, the same with compliance checks and 低效用地 (printed, not the target ratio).

Prints timings, peak memory (RSS high-water mark of this process; target ≤ 4 GB) and, on its last
line, the ratio evaluate / baseline (target ≤ 2.0).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(n: int, folder: Path, seed: int = 7) -> None:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geoplan.data.crs import WORKING_CRS
    from geoplan.settings import M2_PER_MU

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    cell = 80.0
    i = np.arange(n)
    x0 = 480_000 + (i % side) * cell
    y0 = 4_290_000 + (i // side) * cell
    w = rng.uniform(40, 75, n)
    h = rng.uniform(40, 75, n)
    geoms = shapely.box(x0, y0, x0 + w, y0 + h)
    area = w * h
    uses = rng.choice(
        ["100101", "100102", "0802", "0901", "0902", "0701", "1303"],
        n,
        p=[0.25, 0.1, 0.25, 0.12, 0.18, 0.09, 0.01],
    )
    status = rng.choice(
        ["built", "idle", "under_construction", "reserve"], n, p=[0.85, 0.05, 0.06, 0.04]
    )
    std = (rng.random(n) < 0.05) & np.char.startswith(uses.astype(str), "1001")
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": np.char.add("P", i.astype(str)).astype(object),
            "land_use": uses.astype(object),
            "area_m2": area,
            "area_mu": area / M2_PER_MU,
            "far": np.round(rng.uniform(0.2, 4.0, n), 2),
            "coverage": np.round(rng.uniform(0.1, 0.7, n), 3),
            "status": status.astype(object),
            "lease_start": rng.integers(1995, 2022, n).astype(float),
            "green_ratio": np.round(rng.uniform(0.05, 0.35, n), 3),
            "admin_ratio": np.where(rng.random(n) < 0.3, rng.uniform(0.02, 0.12, n), np.nan),
            "investment": np.round(rng.lognormal(7, 1.2, n), 1),
            "idle_since": np.where(status == "idle", rng.integers(2010, 2023, n), np.nan),
            "standard_land": std,
            "commit_far": np.where(std, 1.5, np.nan),
            "commit_investment_per_mu": np.where(std, 300.0, np.nan),
            "commit_tax_per_mu": np.where(std, 20.0, np.nan),
            "commit_energy_per_va": np.where(std, 0.1, np.nan),
        },
        geometry=geoms,
        crs=WORKING_CRS,
    )
    parcels.to_parquet(folder / "parcels.parquet", index=False)
    # plates: a 4 × 5 grid of rectangles over the parcel extent
    xmin, ymin, xmax, ymax = parcels.total_bounds
    xs, ys = np.linspace(xmin - 1, xmax + 1, 6), np.linspace(ymin - 1, ymax + 1, 5)
    plates = gpd.GeoDataFrame(
        {"plate_id": [f"PL{k}" for k in range(20)], "name": [f"板块{k:02d}" for k in range(20)]},
        geometry=[
            shapely.box(xs[a], ys[b], xs[a + 1], ys[b + 1]) for b in range(4) for a in range(5)
        ],
        crs=WORKING_CRS,
    )
    plates.to_parquet(folder / "plates.parquet", index=False)
    # firms: one holder on 55 % of parcels, tenants on the rest of the N
    holders = np.flatnonzero(rng.random(n) < 0.55)
    nt = n - len(holders)
    tenants = rng.integers(0, n, nt)
    pid = np.concatenate([holders, tenants])
    tenure = np.array(["own"] * len(holders) + ["rent"] * nt, dtype=object)
    floor = (parcels["far"].to_numpy() * area)[pid]
    rented = np.where(tenure == "rent", floor * rng.uniform(0.01, 0.2, n), np.nan)
    rev = rng.lognormal(6, 1.6, n)
    firms = pd.DataFrame(
        {
            "firm_id": np.char.add("F", np.arange(n).astype(str)).astype(object),
            "parcel_id": np.char.add("P", pid.astype(str)).astype(object),
            "name": "企业",
            "industry": rng.choice(
                ["数字技术", "文化创意", "洁净能源", "生命健康", "智能制造", "智慧海洋", "新材料"],
                n,
            ).astype(object),
            "scale": np.where(rev > 2000, "规上", "规下").astype(object),
            "tax": np.round(rev * rng.uniform(0.01, 0.08, n), 2),
            "revenue": np.round(rev, 1),
            "value_added": np.round(rev * rng.uniform(0.2, 0.45, n), 1),
            "energy_tce": np.round(rev * rng.uniform(0.001, 0.05, n), 2),
            "employees": rng.integers(1, 500, n),
            "emissions_t": np.where(rng.random(n) < 0.8, rng.uniform(0, 5, n), np.nan),
            "electricity_mwh": np.round(rev * rng.uniform(0.01, 0.3, n), 1),
            "rd_spend": np.round(rev * rng.uniform(0, 0.1, n), 1),
            "fixed_investment": np.round(rng.lognormal(6, 1.3, n), 1),
            "tenure": tenure,
            "rented_floor_m2": rented,
            "founded": rng.integers(1990, 2023, n),
            "high_tech": rng.random(n) < 0.15,
            "sector": rng.choice(
                ["industry", "service", "utility"], n, p=[0.3, 0.695, 0.005]
            ).astype(object),
        }
    )
    firms.to_parquet(folder / "firms.parquet", index=False)


def baseline(folder: Path, out: Path) -> float:
    from geoplan.data import io

    t = time.perf_counter()
    parcels = io.read_vector(folder / "parcels.parquet")
    firms = io.read_table(folder / "firms.parquet")
    io.write_geoparquet_atomic(out / "parcels_copy.parquet", parcels)
    io.write_geoparquet_atomic(out / "firms_copy.parquet", firms)
    return time.perf_counter() - t


def evaluate_path(folder: Path, out: Path, *, extras: bool) -> tuple[float, dict]:
    from geoplan.analysis.land_yield import evaluate
    from geoplan.data import io

    t = time.perf_counter()
    parcels = io.read_vector(folder / "parcels.parquet")
    firms = io.read_table(folder / "firms.parquet")
    plates = io.read_vector(folder / "plates.parquet")
    ev = evaluate(parcels, firms, "dalian_default", plates=plates, with_extras=extras)
    io.write_geoparquet_atomic(out / "parcels_eval.parquet", ev.parcel_results())
    io.write_geoparquet_atomic(out / "firms_eval.parquet", ev.firm_results())
    if extras:
        io.write_geoparquet_atomic(out / "low_efficiency.parquet", ev.low_efficiency)
        io.write_geoparquet_atomic(out / "compliance.parquet", ev.compliance)
    dt = time.perf_counter() - t
    return dt, {
        "classes": ev.class_counts(),
        "unscored": len(ev.unscored),
        "low_efficiency": len(ev.low_efficiency),
        "compliance_checks": len(ev.compliance),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n", type=int, default=1_000_000, help="firms and parcels (default 1,000,000)"
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="alternating rounds of baseline and evaluate (best time kept)",
    )
    ap.add_argument("--generate-only", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate_only:
        generate(args.n, Path(args.generate_only))
        return
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--n", str(args.n), "--generate-only", str(folder)],
            check=True,
        )
        print(
            f"generated {args.n:,} parcels + {args.n:,} firms in {time.perf_counter() - t:.1f} s (child process)"
        )
        out = folder / "out"
        out.mkdir()
        # alternate the two paths and keep each one's best time: the machine may be shared
        bases, evals = [], []
        info: dict = {}
        for _ in range(args.rounds):
            bases.append(baseline(folder, out))
            e, info = evaluate_path(folder, out, extras=False)
            evals.append(e)
        x, info_x = evaluate_path(folder, out, extras=True)
        base, e = min(bases), min(evals)
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(f"baseline read+write: {', '.join(f'{v:.2f}' for v in bases)} s (best {base:.2f} s)")
        print(
            f"evaluate path (read → plates → score → classify → aggregate → write): "
            f"{', '.join(f'{v:.2f}' for v in evals)} s (best {e:.2f} s)  {info}"
        )
        print(
            f"  for information, with compliance + 低效用地 too: {x:.2f} s (ratio {x / base:.2f})  {info_x}"
        )
        print(f"peak memory: {peak_gb:.2f} GB (target ≤ 4 GB)")
        print(f"ratio evaluate/baseline: {e / base:.2f} (target ≤ 2.0)")


if __name__ == "__main__":
    main()
