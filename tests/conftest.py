"""Shared pytest fixtures: tiny layer builders and the bundled sample zone."""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplan.data.crs import WORKING_CRS

# the disk cache (geoplan.cache) of a test session is its own: results never come from an earlier
# run or the user's cache, and tests leave nothing behind in ~/.cache (subprocesses inherit it)
if not os.environ.get("GEOPLAN_CACHE_DIR"):
    _CACHE_DIR = tempfile.TemporaryDirectory(prefix="geoplan-test-cache-")
    os.environ["GEOPLAN_CACHE_DIR"] = _CACHE_DIR.name  # removed when the session ends


@pytest.fixture(scope="session")
def sample_zone():
    """The bundled Dalian sample (validated, working CRS). Tests must not modify it."""
    from geoplan.zone import load_zone

    return load_zone()


def make_parcels(
    n: int = 4, *, crs=4326, lon0: float = 121.40, lat0: float = 38.86
) -> gpd.GeoDataFrame:
    """*n* valid square parcels (≈ 100 m) near the zone, with every required field."""
    size = 0.001
    geoms = [
        shapely.box(lon0 + i * 2 * size, lat0, lon0 + i * 2 * size + size, lat0 + size)
        for i in range(n)
    ]
    gdf = gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{i:03d}" for i in range(n)],
            "land_use": ["100101"] * n,
            "area_m2": [9000.0] * n,
            "area_mu": [13.5] * n,
            "far": [1.2] * n,
            "coverage": [0.45] * n,
            "status": ["built"] * n,
            "plate": ["黄泥川-龙王塘"] * n,
        },
        geometry=geoms,
        crs=crs,
    )
    return gdf


@pytest.fixture
def parcels_4326() -> gpd.GeoDataFrame:
    return make_parcels()


@pytest.fixture
def parcels_working() -> gpd.GeoDataFrame:
    return make_parcels().to_crs(WORKING_CRS)


# --- a throwaway PostGIS server for the team-store tests -------------------------------------
# When GEOPLAN_TEST_PG_URL is not given and PostgreSQL + PostGIS are installed (Debian packages,
# see scripts/setup-debian.sh), the test session starts its own server on loopback with
# .ci/postgis.sh and removes it afterwards, so a plain `pytest` runs the PostGIS tests too.
# GEOPLAN_SKIP_POSTGIS=1 disables them explicitly (they then report as skipped, with the reason).

_PG_STARTED: dict[str, str] = {}


def pytest_configure(config):
    # the app and CLI save to the project store: during tests that is a throwaway GeoPackage, never
    # the developer's ~/.geoplan or a team database named in GEOPLAN_STORE (the app under e2e
    # test inherits this environment)
    import tempfile

    tmp = tempfile.mkdtemp(prefix="geoplan_test_store_")
    os.environ["GEOPLAN_PROJECTS_DIR"] = tmp
    os.environ["GEOPLAN_STORE"] = str(Path(tmp) / "test_project.gpkg")
    if os.environ.get("GEOPLAN_TEST_PG_URL") or os.environ.get("GEOPLAN_SKIP_POSTGIS") == "1":
        return
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return  # the PostGIS tests will fail with instructions
    script = Path(__file__).resolve().parent.parent / ".ci" / "postgis.sh"
    res = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        config.issue_config_time_warning(
            pytest.PytestWarning(
                f"could not start a throwaway PostGIS server: {res.stderr.strip()[-500:]}"
            ),
            2,
        )
        return
    for line in res.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            value = shlex.split(value)[0] if value else ""
            os.environ[key] = value
            _PG_STARTED[key] = value


def pytest_unconfigure(config):
    if _PG_STARTED.get("GEOPLAN_TEST_PG_DIR"):
        script = Path(__file__).resolve().parent.parent / ".ci" / "postgis.sh"
        subprocess.run(
            ["bash", str(script), "--stop"],
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ.copy(),
        )
