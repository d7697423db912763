"""The `geoplan` CLI contract: JSON on stdout, exit 2 with a readable message for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import make_parcels

from geoplan.data.catalog import LAYER_TYPES


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geoplan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_validate_valid_file_exits_0_with_json(tmp_path):
    path = tmp_path / "ok.gpkg"
    make_parcels().to_file(path, engine="pyogrio")
    res = run_cli("validate", str(path), "--type", "parcels", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["valid"] is True and doc["rows"] == 4 and doc["type"] == "parcels"


def test_validate_bad_file_exits_2_listing_every_problem(tmp_path):
    gdf = make_parcels()
    gdf.loc[0, "far"] = -1
    gdf.loc[1, "status"] = "bogus"
    gdf = gdf.drop(columns=["coverage"])  # not derivable (plate would be: by location)
    path = tmp_path / "bad.geojson"
    gdf.to_file(path, engine="pyogrio")
    res = run_cli("validate", str(path), "--type", "parcels", "--json")
    assert res.returncode == 2
    doc = json.loads(res.stdout)
    fields = {(p["row"], p["field"]) for p in doc["problems"] if p["severity"] == "error"}
    assert {(1, "far"), (2, "status"), (None, "coverage")} <= fields
    human = run_cli("validate", str(path), "--type", "parcels")
    assert human.returncode == 2
    assert "bad.geojson: row 1: field 'far'" in human.stdout
    assert "Traceback" not in human.stdout + human.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "/nonexistent/file.gpkg", "--type", "parcels"),
        ("validate", "x.gpkg", "--type", "no_such_type"),
        ("validate", "x.gpkg"),
        ("no-such-command",),
    ],
)
def test_user_mistakes_exit_2_without_traceback(tmp_path, args):
    res = run_cli(*args, cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    assert res.stderr.strip() or res.stdout.strip()


def test_truncated_file_exits_2(tmp_path):
    path = tmp_path / "t.gpkg"
    make_parcels(30).to_file(path, engine="pyogrio")
    path.write_bytes(path.read_bytes()[:5000])
    res = run_cli("validate", str(path), "--type", "parcels")
    assert res.returncode == 2
    assert "t.gpkg" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_layers_json_lists_every_shipped_layer_type():
    res = run_cli("layers", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    by_type = {row["type"]: row for row in doc["layers"]}
    assert {n for n, lt in LAYER_TYPES.items() if not lt.optional} <= set(by_type)
    for row in doc["layers"]:
        assert row["count"] > 0, row
        assert {"name", "type", "path", "count", "crs"} <= set(row)
        if row["type"] in ("zone", "plates", "parcels", "constraints"):
            assert row["area_m2"] > 0
        if row["type"] == "roads":
            assert row["length_m"] > 0
    # the zone is about 153 km² (illustrative outline)
    assert 100e6 < by_type["zone"]["area_m2"] < 220e6


def test_layers_docs_renders_the_catalog():
    res = run_cli("layers", "--docs")
    assert res.returncode == 0
    assert "parcel_id" in res.stdout and "亩" in res.stdout
