"""Shared pytest fixtures: tiny layer builders and the bundled sample zone."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geoplan.crs import WORKING_CRS


@pytest.fixture(scope="session")
def sample_zone():
    """The bundled Dalian sample (validated, working CRS). Tests must not modify it."""
    from geoplan.zone import load_zone

    return load_zone()


def make_parcels(n: int = 4, *, crs=4326, lon0: float = 121.40, lat0: float = 38.86) -> gpd.GeoDataFrame:
    """*n* valid square parcels (≈ 100 m) near the zone, with every required field."""
    size = 0.001
    geoms = [shapely.box(lon0 + i * 2 * size, lat0, lon0 + i * 2 * size + size, lat0 + size) for i in range(n)]
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
