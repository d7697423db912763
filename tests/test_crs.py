"""CRS policy: working CRS accuracy, strict CRS handling, GCJ-02 / BD-09 conversions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geoplan.data import crs as gcrs
from geoplan.errors import CRSError

# The zone's extent, 龙头分园 in the west to 软件园 in the east, with margin.
LON = (121.25, 121.60)
LAT = (38.80, 38.96)


def _random_polygons(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(*LON, n)
    lat = rng.uniform(*LAT, n)
    w = rng.uniform(0.0005, 0.01, n)  # 40 m … 900 m
    h = rng.uniform(0.0005, 0.01, n)
    polys = [shapely.box(x, y, x + a, y + b) for x, y, a, b in zip(lon, lat, w, h, strict=True)]
    # irregular shapes too
    polys += [
        shapely.Point(x, y).buffer(r, quad_segs=8)
        for x, y, r in zip(lon[:50], lat[:50], w[:50], strict=True)
    ]
    return gpd.GeoDataFrame(geometry=polys, crs=4326)


def test_working_crs_is_local_transverse_mercator_on_cgcs2000():
    c = gcrs.WORKING_CRS
    assert c.is_projected
    assert c.geodetic_crs.name.startswith("China Geodetic Coordinate System 2000")
    params = {p.name: p.value for p in c.coordinate_operation.params}
    assert params["Longitude of natural origin"] == pytest.approx(121.45)
    assert params["Scale factor at natural origin"] == 1.0


def test_planar_areas_within_0_05_percent_of_geodesic():
    gdf = _random_polygons(400)
    planar = gcrs.planar_area_m2(gdf)
    geod = gcrs.geodesic_area_m2(gdf)
    rel = np.abs(planar - geod) / geod
    assert rel.max() < 5e-4
    # in fact the local meridian keeps it far below the budget
    assert rel.max() < 2e-5


def test_standard_gk_zone_would_be_worse_at_the_zone_edge():
    """Documents why the working CRS is local: EPSG:4550 (CM 123°E) at 龙头 loses > 0.05 %."""
    box = gpd.GeoDataFrame(geometry=[shapely.box(121.30, 38.88, 121.31, 38.89)], crs=4326)
    geod = gcrs.geodesic_area_m2(box)[0]
    zone41 = box.to_crs(4550).area.iloc[0]
    local = gcrs.planar_area_m2(box)[0]
    assert abs(zone41 - geod) / geod > 5e-4
    assert abs(local - geod) / geod < 1e-5


def test_mu_conversion():
    assert gcrs.m2_to_mu(10000 / 15) == pytest.approx(1.0)
    assert gcrs.mu_to_m2(15.0) == pytest.approx(10000.0)
    np.testing.assert_allclose(
        gcrs.m2_to_mu(np.array([666.6667, 6666.667])), [1.0, 10.0], rtol=1e-6
    )


def test_gcj02_matches_documented_reference_point():
    lon, lat = gcrs.wgs84_to_gcj02(np.array([120.0]), np.array([40.0]))
    assert lon[0] == pytest.approx(120.0056757, abs=2e-7)
    assert lat[0] == pytest.approx(40.0013048, abs=2e-7)


def _metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    _, _, d = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    return np.abs(d)


def test_gcj02_inverse_is_iterated_to_sub_half_metre():
    rng = np.random.default_rng(3)
    lon = rng.uniform(*LON, 2000)
    lat = rng.uniform(*LAT, 2000)
    g_lon, g_lat = gcrs.wgs84_to_gcj02(lon, lat)
    shift = _metres(lon, lat, g_lon, g_lat)
    assert 300 < shift.mean() < 800  # GCJ-02 moves Dalian by several hundred metres
    w_lon, w_lat = gcrs.gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(lon, lat, w_lon, w_lat).max() <= 0.5
    # the naive one-step inverse (subtract the offset evaluated at the GCJ point) is worse
    d_lon, d_lat = gcrs._gcj_delta(g_lon, g_lat)
    naive = _metres(lon, lat, g_lon - d_lon, g_lat - d_lat)
    assert naive.max() > _metres(lon, lat, w_lon, w_lat).max()


def test_bd09_round_trips():
    rng = np.random.default_rng(5)
    lon = rng.uniform(*LON, 500)
    lat = rng.uniform(*LAT, 500)
    b_lon, b_lat = gcrs.gcj02_to_bd09(lon, lat)
    assert _metres(lon, lat, b_lon, b_lat).min() > 100  # BD-09 adds its own offset
    back = gcrs.bd09_to_gcj02(b_lon, b_lat)
    assert _metres(lon, lat, *back).max() < 0.01
    w_back = gcrs.bd09_to_wgs84(*gcrs.wgs84_to_bd09(lon, lat))
    assert _metres(lon, lat, *w_back).max() < 0.5


def test_no_offset_outside_china():
    lon, lat = gcrs.wgs84_to_gcj02(np.array([2.35]), np.array([48.85]))
    assert (lon[0], lat[0]) == (2.35, 48.85)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same shape"):
        gcrs.wgs84_to_gcj02(np.zeros(3), np.zeros(2))


def test_convert_offset_layer_moves_every_vertex_back():
    truth = gpd.GeoDataFrame(geometry=[shapely.box(121.40, 38.85, 121.41, 38.86)], crs=4326)
    gcj = gcrs.convert_offset(truth, "wgs84", "gcj02")
    assert truth.geometry.iloc[0].centroid.distance(gcj.geometry.iloc[0].centroid) > 0.003
    back = gcrs.convert_offset(gcj, "gcj02", "wgs84")
    assert back.geometry.iloc[0].equals_exact(truth.geometry.iloc[0], 1e-8)
    assert truth.geometry.iloc[0].bounds == (121.40, 38.85, 121.41, 38.86)  # input untouched


def test_convert_offset_refuses_projected_layers():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(500000, 4300000)], crs=gcrs.WORKING_CRS)
    with pytest.raises(CRSError, match="lon/lat"):
        gcrs.convert_offset(gdf, "gcj02")


def test_missing_crs_is_an_error_unless_named():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(121.4, 38.86)])
    with pytest.raises(CRSError, match="no coordinate reference system"):
        gcrs.require_crs(gdf, source="x.shp")
    assert gcrs.require_crs(gdf, "EPSG:4490").crs.to_epsg() == 4490


def test_named_crs_contradicting_the_file_is_an_error():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(121.4, 38.86)], crs=4326)
    with pytest.raises(CRSError, match="declares"):
        gcrs.require_crs(gdf, "EPSG:4549")
    assert gcrs.require_crs(gdf, "EPSG:4326") is gdf


@pytest.mark.parametrize("bad", ["EPSG:99999999", "not a crs", "gcj02"])
def test_unknown_crs_names_are_explained(bad):
    with pytest.raises(CRSError):
        gcrs.parse_crs(bad)


def test_check_same_crs():
    a = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=4326)
    b = a.to_crs(gcrs.WORKING_CRS)
    gcrs.check_same_crs(b, b.copy())
    with pytest.raises(CRSError, match="mismatch"):
        gcrs.check_same_crs(a, b)
