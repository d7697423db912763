"""App rerun latency after a widget change (Streamlit AppTest, bundled sample).

For each page: one cold run (loads and caches data), then reruns that each change one widget
(alternating between two values, so cached results are reused as they would be in a session).
Prints the cold time and the median / max rerun time per page; target: median rerun ≤ 300 ms.
Run: ``.venv/bin/python bench/app_latency.py``.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

# page → (widget kind, key, two values to alternate)
CASES = {
    "app_pages/overview.py": ("radio", "ov_structure_zh", ["13th", "14th"]),
    "app_pages/parcels.py": ("selectbox", "pa_by_zh", ["class", "land_use"]),
    "app_pages/infrastructure.py": ("radio", "in_phase_zh", ["2035", "current"]),
    "app_pages/suitability.py": ("radio", "su_what_zh", ["constraints", "score"]),
    "app_pages/scenario.py": ("number_input", "sc_far", [2.0, 1.5]),
}


def measure(page: str, kind: str, key: str, values: list, n: int = 8) -> dict:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(page)
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    times = []
    for i in range(n):
        widget = getattr(at, kind)(key=key)
        widget.set_value(values[i % 2])
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    warm = times[2:]  # first change of each value fills the caches
    return {
        "page": page,
        "widget": key,
        "cold_s": round(cold, 3),
        "rerun_median_ms": round(statistics.median(warm) * 1000, 1),
        "rerun_max_ms": round(max(warm) * 1000, 1),
    }


def main() -> None:
    logging.disable(logging.WARNING)
    rows = [measure(p, *c) for p, c in CASES.items()]
    for r in rows:
        r["target_met"] = r["rerun_median_ms"] <= 300
    print(json.dumps(rows, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
