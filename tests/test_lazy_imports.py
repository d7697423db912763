"""Lazy imports: the quick commands do not load libraries they do not use (fresh processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Loaded by none of the quick commands (maps, the app, rasters, graphs, workbooks, plots).
HEAVY = (
    "folium",
    "branca",
    "streamlit",
    "matplotlib",
    "rasterio",
    "scipy",
    "networkx",
    "openpyxl",
    "sklearn",
    "plotly",
    "altair",
)
#: ``--help`` does not even read data.
DATA = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio")

_PROBE = r"""
import contextlib, io, json, sys
from geoplan.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(json.loads(sys.argv[1]))
    except SystemExit as exc:
        code = exc.code
roots = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"code": code, "modules": roots}))
"""


def _loaded(argv: list[str]) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("GEOPLAN_ZONE", None)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    assert doc["code"] in (0, None), (argv, doc["code"], proc.stderr)
    return set(doc["modules"])


@pytest.mark.parametrize(
    ("argv", "forbidden"),
    [
        (["--help"], HEAVY + DATA),
        (["scenario", "--help"], HEAVY + DATA),
        (["layers"], HEAVY),
        (["layers", "--json"], HEAVY),
        (["validate", "layers/parcels.parquet", "--type", "parcels", "--json"], HEAVY),
        (["validate", "layers/roads.geojson", "--type", "roads", "--json"], HEAVY),
    ],
)
def test_quick_commands_do_not_load_heavy_libraries(argv, forbidden):
    loaded = _loaded(argv)
    bad = sorted(m for m in forbidden if m in loaded)
    assert not bad, f"geoplan {' '.join(argv)} imported {bad}"


def test_the_probe_sees_heavy_imports():
    # the check itself can fail: a command that does use scipy shows it
    assert "scipy" in _loaded(["infra", "--json"])
