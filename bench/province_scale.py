"""Benchmark: the province engine at scale — dask (LocalCluster or a cluster) vs in memory.

    .venv/bin/python bench/province_scale.py                       # 10 M patches + 2 M firms, compare at 1 M
    .venv/bin/python bench/province_scale.py --n 1000000 --firms 200000 --compare 0   # one size only
    .venv/bin/python bench/province_scale.py --scheduler tcp://HOST:8786   # a real cluster

Generates 三调-style patches (boxes in EPSG:4490 with 三调 codes, ``geoplan.province.synth``) and
firms in parts, then runs ``geoplan.province.engine.screen`` (read → crosswalk → working CRS +
areas → Hilbert shuffle → plates join → 亩均 with global benchmarks/ranks → 低效用地 → aggregates →
atomic partitioned write). Prints per size: wall time, peak RSS per dask worker (high-water mark
of each worker process; target ≤ 6 GB), the in-memory engine's time and peak RSS (a child process)
at the comparison size, throughput per core (patches / s / core) and the ratio dask / in-memory
at the comparison size (target ≤ 1.5). On a cluster, every worker must see the generated files:
pass ``--tmp`` on a shared filesystem.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _child(args: list[str]) -> dict:
    """Run this script in a child process; return its JSON line and its peak RSS (GB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest child so far: only meaningful when it grew
    doc["child_peak_gb"] = round(max(peak, before) / 1024**2, 2)
    return doc


def gen(n: int, firms: int, folder: Path) -> float:
    t = time.perf_counter()
    parts = max(4, -(-n // 500_000))
    _child(["--generate", str(folder), "--n", str(n), "--firms", str(firms), "--parts", str(parts)])
    return time.perf_counter() - t


def run_memory(folder: Path, out: Path) -> dict:
    return _child(["--memory-run", str(folder), "--out", str(out)])


def run_dask(folder: Path, out: Path, args: argparse.Namespace, n: int) -> dict:
    import threading

    from geoplan.province.engine import ScreenOptions, connect, screen

    opts = ScreenOptions(
        codes="sandiao",
        scheduler=args.scheduler,
        workers=args.workers,
        memory_limit=args.memory_limit,
        partitions=max(2 * args.workers, -(-n // 250_000)),
    )
    client, cluster = connect(opts)
    peaks: dict[str, float] = {}
    stop = threading.Event()

    def rss() -> float:
        import psutil

        return psutil.Process().memory_info().rss

    def sample() -> None:  # current RSS of every worker twice a second (max kept)
        while not stop.wait(0.5):
            try:
                for w, v in client.run(rss).items():
                    peaks[w] = max(peaks.get(w, 0.0), v)
            except (OSError, TimeoutError):
                pass

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        t = time.perf_counter()
        doc = screen(
            folder / "parcels",
            folder / "firms",
            out,
            units=folder / "units.parquet",
            engine="dask",
            options=opts,
            client=client,
        )
        dt = time.perf_counter() - t

        def maxrss() -> float:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0

        hw = client.run(maxrss)  # each worker process's own high-water mark
        cores = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
    finally:
        stop.set()
        th.join(timeout=5)
        client.close()
        if cluster is not None:
            cluster.close()
    worst = max([*hw.values(), *peaks.values()]) / 1024**3
    return {
        "seconds": dt,
        "worker_peak_gb": round(worst, 2),
        "cores": cores,
        "timings_s": doc.get("timings_s"),
        "classes": doc["classes"],
        "low_efficiency": doc["low_efficiency"],
        "partitions": doc["partitions"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="patches (default 10,000,000)")
    ap.add_argument("--firms", type=int, default=2_000_000, help="firms (default 2,000,000)")
    ap.add_argument(
        "--compare",
        type=int,
        default=1_000_000,
        help="size of the dask vs in-memory comparison (0: none)",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="6GB")
    ap.add_argument("--scheduler", help="tcp://HOST:PORT of a running dask scheduler")
    ap.add_argument("--tmp", help="folder for generated data (shared FS on a cluster)")
    ap.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--memory-run", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--parts", type=int, default=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate:
        from geoplan.province.synth import generate

        generate(args.n, args.firms, args.generate, parts=args.parts)
        print(json.dumps({"ok": True}))
        return
    if args.memory_run:
        from geoplan.province.engine import ScreenOptions, screen

        d = Path(args.memory_run)
        t = time.perf_counter()
        doc = screen(
            d / "parcels",
            d / "firms",
            args.out,
            units=d / "units.parquet",
            engine="memory",
            options=ScreenOptions(codes="sandiao"),
        )
        dt = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(json.dumps({"seconds": dt, "peak_gb": round(peak, 2), "classes": doc["classes"],
                          "low_efficiency": doc["low_efficiency"]}, ensure_ascii=False))  # fmt: skip
        return
    pr = lambda s: print(s, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="geoplan-province-", dir=args.tmp) as tmp:
        base = Path(tmp)
        sizes = []
        if args.compare and args.compare != args.n:
            sizes.append((args.compare, max(1, args.compare * args.firms // args.n), True))
        sizes.append((args.n, args.firms, False))
        ratio = None
        if args.compare == args.n:
            sizes = [(args.n, args.firms, True)]
        for n, nf, compare in sizes:
            folder = base / f"in_{n}"
            g = gen(n, nf, folder)
            pr(f"[{n:,} patches, {nf:,} firms] generated in {g:.1f} s (child process)")
            mem = None
            if compare:
                mem = run_memory(folder, base / f"mem_{n}")
                pr(
                    f"  in-memory: {mem['seconds']:.1f} s, peak {mem['peak_gb']:.2f} GB "
                    f"({n / mem['seconds']:,.0f} patches/s on 1 core)  {mem['classes']}"
                )
            d = run_dask(folder, base / f"dask_{n}", args, n)
            pr(
                f"  dask ({d['cores']} cores, {d['partitions']} partitions): {d['seconds']:.1f} s, "
                f"peak per worker {d['worker_peak_gb']:.2f} GB (target ≤ 6 GB), "
                f"{n / d['seconds'] / d['cores']:,.0f} patches/s/core  {d['classes']}"
            )
            pr(f"  stages (s): {d['timings_s']}")
            if mem is not None:
                same = (
                    mem["classes"] == d["classes"] and mem["low_efficiency"] == d["low_efficiency"]
                )
                ratio = d["seconds"] / mem["seconds"]
                pr(f"  same classes and 低效用地 as in memory: {same}")
                pr(f"  ratio dask/in-memory at {n:,}: {ratio:.2f} (target ≤ 1.5)")
                need = mem["peak_gb"] * args.n / n
                pr(f"  in-memory at {args.n:,} would need ≈ {need:.0f} GB (linear extrapolation)")
            shutil_rm(folder)
        if ratio is not None:
            pr(f"ratio dask/in-memory: {ratio:.2f} (target ≤ 1.5)")


def shutil_rm(p: Path) -> None:
    import shutil

    shutil.rmtree(p, ignore_errors=True)


if __name__ == "__main__":
    main()
