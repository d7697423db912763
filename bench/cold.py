"""Cold paths: fresh-process CLI times against the floor, with a cold and a warm disk cache.

Printed side by side in one run (best of ``--repeat`` fresh processes each; the machine is shared
and noisy, so the ratios are what count):

- **floor**: a fresh process that imports the libraries the commands use (the scenario engine,
  suitability, infrastructure, land-yield evaluation) and reads every input of the sample zone —
  all vector layers, the DEM raster, the tables and the scenario files — with the disk cache off
  (``GEOPLAN_CACHE_MAX_MB=0``), parsing and validating them as a process without a cache must;
- ``geoplan scenario run 03_西拓北延远期2035.yaml``, ``geoplan scenario compare`` of the four
  examples, ``geoplan infra`` and ``geoplan evaluate``, each as a fresh process
  (``python -m geoplan … --json``), first with an empty disk cache (``GEOPLAN_CACHE_DIR`` pointed
  at a new folder: *cold*) and then again with the cache that run left (*warm*).

Targets (issue #18): scenario run ≤ 1.5× the floor warm and ≤ 3× cold; compare of the four
examples ≤ 2× one run (same cache state).

Usage: ``python bench/cold.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "layers" / "scenarios"

FLOOR = r"""
import geoplan.scenario, geoplan.analysis.suitability, geoplan.analysis.infrastructure
import geoplan.analysis.coverage, geoplan.analysis.land_yield, geoplan.present.report
import rasterio
from pathlib import Path
from geoplan.zone import load_zone
from geoplan.config.loader import read_yaml_doc
z = load_zone()
with rasterio.open(z.dem_path) as src:
    src.read()
for p in sorted((Path(z.folder) / "tables").glob("*")) + sorted(Path(z.folder, "scenarios").glob("*.yaml")):
    p.read_bytes()
    if p.suffix == ".yaml":
        read_yaml_doc(p)
"""


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["GEOPLAN_CACHE_DIR"] = str(cache)
    env.pop("GEOPLAN_ZONE", None)
    return env


def _timed(argv: list[str], cache: Path, *, use_cache: bool = True) -> float:
    env = _env(cache)
    if not use_cache:  # the floor reads its inputs; it neither reads nor writes the disk cache
        env["GEOPLAN_CACHE_MAX_MB"] = "0"
    t = time.perf_counter()
    proc = subprocess.run(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        msg = f"{' '.join(argv)} exited {proc.returncode}"
        raise SystemExit(msg)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2, help="fresh processes per figure (best of)")
    args = ap.parse_args()
    py = sys.executable
    examples = sorted(SCEN.glob("*.yaml"))
    west = next(p for p in examples if "西拓北延" in p.name)
    commands = {
        "scenario run 西拓北延": [py, "-m", "geoplan", "scenario", "run", str(west), "--json"],
        "scenario compare (4)": [
            py,
            "-m",
            "geoplan",
            "scenario",
            "compare",
            *map(str, examples),
            "--json",
        ],
        "infra": [py, "-m", "geoplan", "infra", "--json"],
        "evaluate": [py, "-m", "geoplan", "evaluate", "--json"],
    }
    scratch = Path(tempfile.mkdtemp(prefix="geoplan-cold-"))
    try:
        floor = min(
            _timed([py, "-c", FLOOR], scratch / f"floor{i}", use_cache=False)
            for i in range(args.repeat)
        )
        cold: dict[str, float] = {}
        warm: dict[str, float] = {}
        for name, argv in commands.items():
            c, w = [], []
            for i in range(args.repeat):
                folder = scratch / f"{len(cold)}-{i}"
                c.append(_timed(argv, folder))  # empty cache
                w.append(_timed(argv, folder))  # the cache that run left
            cold[name], warm[name] = min(c), min(w)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"fresh processes, best of {args.repeat}; floor = imports + reading every input")
    print(f"{'what':<24} {'cold s':>7} {'warm s':>7} {'cold/floor':>11} {'warm/floor':>11}")
    print(f"{'floor':<24} {floor:>7.2f} {floor:>7.2f} {1.0:>11.2f} {1.0:>11.2f}")
    for name in commands:
        print(
            f"{name:<24} {cold[name]:>7.2f} {warm[name]:>7.2f} "
            f"{cold[name] / floor:>11.2f} {warm[name] / floor:>11.2f}"
        )
    run, cmp_ = "scenario run 西拓北延", "scenario compare (4)"
    print("targets (issue #18):")
    print(
        f"  scenario run warm / floor = {warm[run] / floor:.2f} (≤ 1.5); "
        f"cold / floor = {cold[run] / floor:.2f} (≤ 3)"
    )
    print(
        f"  compare / one run: warm {warm[cmp_] / warm[run]:.2f}, "
        f"cold {cold[cmp_] / cold[run]:.2f} (≤ 2)"
    )


if __name__ == "__main__":
    main()
