"""App latency: reruns after a widget change (AppTest) and what a user feels in a real browser.

Two parts, side by side in one run (bundled sample):

``reruns`` (Streamlit AppTest): for each page one cold run, then reruns that each change one widget
(alternating between two values, so cached results are reused as they would be in a session).
Median / max rerun time per page; target: median rerun ≤ 300 ms.

``browser`` (``streamlit run app.py`` + headless Debian chromium via Playwright, every
non-localhost request aborted): server start → first map; a page opened by URL → its map drawn;
a sidebar page switch → the new page's map drawn; an example scenario run → its comparison shown.
Each is measured cold (first time in this server) and warm (again). Targets (issue 18): page open
to map ≤ 2 s, sidebar switch ≤ 1 s, example scenario run ≤ 1.5 s.

The browser part runs two servers one after the other: the first on an empty disk cache
(``GEOPLAN_CACHE_DIR`` pointed at a new folder: *cold disk*), the second — a fresh server process —
on the cache the first one left (*warm disk*), as after a restart or a second worker.

Run: ``.venv/bin/python bench/app_latency.py [--only reruns|browser] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
TARGETS = {"page_open_s": 2.0, "sidebar_switch_s": 1.0, "scenario_run_s": 1.5}
SUMMARY_KEYS = (
    "page_open_cold_max_s",
    "page_open_warm_median_s",
    "sidebar_switch_median_s",
    "scenario_run_median_s",
)

# page → (widget kind, key, two values to alternate)
CASES = {
    "app_pages/overview.py": ("radio", "ov_structure_zh", ["13th", "14th"]),
    "app_pages/parcels.py": ("selectbox", "pa_by_zh", ["class", "land_use"]),
    "app_pages/infrastructure.py": ("radio", "in_phase_zh", ["2035", "current"]),
    "app_pages/suitability.py": ("radio", "su_what_zh", ["constraints", "score"]),
    "app_pages/scenario.py": ("number_input", "sc_far", [2.0, 1.5]),
}
#: pages with a map, opened by URL (url path, sidebar label in Chinese)
MAP_PAGES = [
    ("", "总览"),
    ("infrastructure", "基础设施"),
    ("parcels", "地块评估"),
    ("suitability", "适宜性"),
    ("scenario", "情景分析"),
]
COUNT_VECTORS = """() => { const m = window.map; if (!m) return -1; let n = 0;
  m.eachLayer(l => { if (l._latlngs || (l._latlng && l._radius !== undefined)) n++; }); return n; }"""


# ------------------------------------------------------------------------------ AppTest reruns
def measure_reruns(page: str, kind: str, key: str, values: list, n: int = 8) -> dict:
    from streamlit.testing.v1 import AppTest

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
        "target_met": statistics.median(warm) * 1000 <= 300,
    }


# ------------------------------------------------------------------------------ browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int, cache_dir: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TIANDITU_KEY", None)
    env.pop("GEOPLAN_ZONE", None)
    if cache_dir is not None:
        env["GEOPLAN_CACHE_DIR"] = str(cache_dir)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        APP,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_health(url: str, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("streamlit did not start")


def _map_drawn(page, timeout_s: float = 120, exclude: set | None = None) -> None:
    """Wait until a st_folium iframe (not one of *exclude*) has drawn vector features."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        for fr in page.frames:
            if "streamlit_folium" not in fr.url or (exclude and fr in exclude):
                continue
            try:
                if fr.evaluate(COUNT_VECTORS) > 0:
                    return
            except Exception:  # a frame detached while we looked (page switch): look again
                continue
        page.wait_for_timeout(25)
    raise TimeoutError("no map drawn")


def _live_frames(page) -> set:
    return {fr for fr in page.frames if "streamlit_folium" in fr.url}


def measure_browser(repeat: int = 2, cache_dir: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    out: dict = {"page_open_s": {}, "sidebar_switch_s": [], "scenario_run_s": []}
    t_start = time.perf_counter()
    proc = _start_server(port, cache_dir)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
            ctx.route("**/*", route)
            page = ctx.new_page()
            _wait_health(url)
            page.goto(url)
            _map_drawn(page)
            out["server_start_to_first_map_s"] = round(time.perf_counter() - t_start, 2)
            for _round in range(repeat):  # round 0: first time in this server; then warm
                for path, _ in MAP_PAGES:
                    t0 = time.perf_counter()
                    page.goto(f"{url}/{path}")
                    _map_drawn(page)
                    out["page_open_s"].setdefault(path, []).append(
                        round(time.perf_counter() - t0, 2)
                    )
            # sidebar switches between two map pages (fresh session: its own first switch too)
            page.goto(f"{url}/")
            _map_drawn(page)
            for i in range(2 * repeat):
                target = MAP_PAGES[1] if i % 2 == 0 else MAP_PAGES[0]
                old = _live_frames(page)
                t0 = time.perf_counter()
                page.locator('[data-testid="stSidebar"] a').filter(has_text=target[1]).first.click()
                _map_drawn(page, exclude=old)
                out["sidebar_switch_s"].append(round(time.perf_counter() - t0, 2))
            # the example scenario run (the page's default choice), each in a fresh session
            for _ in range(repeat):
                page.goto(f"{url}/scenario")
                _map_drawn(page)
                heading = page.get_by_text("情景对比", exact=True)
                t0 = time.perf_counter()
                page.get_by_role("button", name="运行情景").click()
                heading.wait_for(timeout=180000)
                out["scenario_run_s"].append(round(time.perf_counter() - t0, 2))
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    opens = [v for vs in out["page_open_s"].values() for v in vs[1:]] or [
        v for vs in out["page_open_s"].values() for v in vs
    ]
    out["summary"] = {
        "page_open_warm_median_s": round(statistics.median(opens), 2),
        "page_open_cold_max_s": max(vs[0] for vs in out["page_open_s"].values()),
        "sidebar_switch_median_s": round(statistics.median(out["sidebar_switch_s"]), 2),
        "scenario_run_median_s": round(statistics.median(out["scenario_run_s"]), 2),
        "targets": TARGETS,
        "blocked_requests": len(blocked),
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["reruns", "browser"])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    result: dict = {}
    if args.only in (None, "browser"):
        scratch = Path(tempfile.mkdtemp(prefix="geoplan-app-cache-"))
        try:
            cold = measure_browser(args.repeat, scratch)  # empty disk cache
            warm = measure_browser(args.repeat, scratch)  # a new server on the cache left
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        result["browser"] = {"cold_disk": cold, "warm_disk": warm}
        result["side_by_side"] = {
            "server_start_to_first_map_s": [
                cold["server_start_to_first_map_s"],
                warm["server_start_to_first_map_s"],
            ],
            **{k: [cold["summary"][k], warm["summary"][k]] for k in SUMMARY_KEYS},
            "columns": ["cold disk", "warm disk"],
            "targets": TARGETS,
        }
    if args.only in (None, "reruns"):
        result["reruns"] = [measure_reruns(p, *c) for p, c in CASES.items()]
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
