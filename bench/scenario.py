"""Scenario engine speed on the bundled sample, so the app can feel instant.

Prints, side by side in one run, the median time of one run of each example scenario (target
≤ 0.5 s) and of comparing the four examples (run all + KPI table; target ≤ 2 s), after one warm-up
run that fills the content-keyed caches a long-running app also keeps (the base evaluation, the
phase road networks and parcel attachments, the suitability grid, park coverage per input
content). The first, cold run is printed too.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan import scenario as S  # noqa: E402
from geoplan.settings import SCENARIOS_DIR  # noqa: E402


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(repeat: int = 7) -> None:
    paths = sorted(SCENARIOS_DIR.glob("*.yaml"))
    specs = [S.load_scenario(p) for p in paths]
    t = time.perf_counter()
    S.compare([S.run_scenario(s) for s in specs])
    cold = time.perf_counter() - t
    print(f"cold compare of {len(specs)} examples (empty caches): {cold:.2f} s")
    print(f"{'scenario':<24} {'median s':>9} {'target':>7} {'ratio':>6}")
    worst = 0.0
    for s in specs:
        med = statistics.median(timed(lambda s=s: S.run_scenario(s), repeat))
        worst = max(worst, med)
        print(f"{s.name:<24} {med:>9.3f} {0.5:>7.1f} {med / 0.5:>6.2f}")
    med = statistics.median(
        timed(lambda: S.compare([S.run_scenario(s) for s in specs]), max(3, repeat // 2))
    )
    print(f"{'compare all four':<24} {med:>9.3f} {2.0:>7.1f} {med / 2.0:>6.2f}")
    print(
        f"slowest single run / target: {worst / 0.5:.2f}; compare / target: {med / 2.0:.2f} (≤ 1 meets the target)"
    )


if __name__ == "__main__":
    main()
