"""geoplan.analysis.suitability: tiny rasters with known answers, config validation, the sample and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geoplan.analysis import candidates as K
from geoplan.analysis import suitability as S
from geoplan.data.crs import WORKING_CRS
from geoplan.errors import CRSError, SchemaError
from geoplan.present import suitability_view as V
from geoplan.settings import M2_PER_MU

X0, Y0 = 500_000.0, 4_300_000.0
CELL = 10.0


def write_dem(path, z, *, cell=CELL, crs=WORKING_CRS, x0=X0, y0=Y0, nodata=-9999.0):
    z = np.where(np.isnan(z), nodata, z).astype("float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=z.shape[1],
        height=z.shape[0],
        count=1,
        dtype="float32",
        crs=crs.to_wkt() if hasattr(crs, "to_wkt") else crs,
        transform=from_origin(x0, y0, cell, cell),
        nodata=nodata,
    ) as dst:
        dst.write(z, 1)
    return path


def centres(h, w, *, cell=CELL):
    xs = X0 + (np.arange(w) + 0.5) * cell
    ys = Y0 - (np.arange(h) + 0.5) * cell
    return np.meshgrid(xs, ys)


def frame(geoms, crs=WORKING_CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def constraints(geoms, kinds, hard=None, setback=None):
    n = len(geoms)
    data = {
        "constraint_id": [f"K{i}" for i in range(n)],
        "kind": list(kinds),
        "hard": list(hard) if hard is not None else [True] * n,
    }
    if setback is not None:
        data["setback_m"] = list(setback)
    return frame(geoms, **data)


SLOPE_ONLY = {
    "factors": {
        "slope": {"weight": 1, "transform": {"type": "linear", "points": [[0, 1], [25, 0]]}}
    },
    "constraints": {"coastal_setback_m": 0},
    "candidates": {"min_score": 0.5, "min_area_mu": 0},
}


# ------------------------------------------------------------------------------------------
# slope
# ------------------------------------------------------------------------------------------


def padded(z):
    """Add the one-cell NaN ring that slope_percent expects around a whole raster."""
    return np.pad(z.astype("float32"), 1, constant_values=np.nan)


@pytest.mark.parametrize(
    ("gx", "gy", "expect"), [(0.10, 0.0, 10.0), (0.0, 0.10, 10.0), (0.03, 0.04, 5.0)]
)
def test_slope_of_a_plane_is_exact_everywhere_including_edges(gx, gy, expect):
    cx, cy = 10.0, 20.0  # anisotropic cells: the projected size of each axis must be used
    x, y = np.meshgrid(np.arange(12) * cx, np.arange(9) * cy)
    z = 100 + gx * x + gy * y
    s = S.slope_percent(padded(z), cx, cy)
    assert s.shape == z.shape
    np.testing.assert_allclose(s, expect, atol=1e-3)


def test_interior_slope_equals_horns_formula():
    z = np.random.default_rng(3).normal(50, 10, (9, 11)).astype("float64")
    cx, cy = 25.0, 30.0
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * cx)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * cy)
    horn = 100 * np.hypot(dzdx, dzdy)
    s = S.slope_percent(padded(z), cx, cy)
    np.testing.assert_allclose(s[1:-1, 1:-1], horn, rtol=1e-4)


def test_slope_uses_metres_not_cell_counts():
    z = np.tile(np.arange(10, dtype="float32") * 3.0, (6, 1))  # 3 m rise per column
    np.testing.assert_allclose(S.slope_percent(padded(z), 30.0, 30.0), 10.0, atol=1e-4)
    np.testing.assert_allclose(S.slope_percent(padded(z), 10.0, 10.0), 30.0, atol=1e-4)


def test_slope_nodata_stays_nodata_and_neighbours_keep_the_plane():
    x, _ = np.meshgrid(np.arange(10) * CELL, np.arange(8) * CELL)
    z = (0.1 * x).astype("float32")
    z[3:5, 4:6] = np.nan  # a hole
    z[0, 0] = np.nan
    s = S.slope_percent(padded(z), CELL, CELL)
    assert np.isnan(s[3:5, 4:6]).all() and np.isnan(s[0, 0])
    ok = ~np.isnan(z)
    np.testing.assert_allclose(s[ok], 10.0, atol=1e-4)


def test_isolated_cell_has_no_slope():
    z = np.full((5, 5), np.nan, "float32")
    z[2, 2] = 40.0
    s = S.slope_percent(padded(z), CELL, CELL)
    assert np.isnan(s).all()


def test_nodata_edges_propagate_to_the_score(tmp_path):
    x, _ = centres(20, 20)
    z = 0.05 * (x - X0)
    z[:, :3] = np.nan
    z[15:, 15:] = np.nan
    dem = write_dem(tmp_path / "dem.tif", z)
    res = S.run_suitability({}, dem, SLOPE_ONLY)
    score = res.score
    assert np.isnan(score[:, :3]).all() and np.isnan(score[15:, 15:]).all()
    assert not np.isnan(score[~np.isnan(z)]).any()
    np.testing.assert_allclose(score[~np.isnan(z)], 0.8, atol=1e-4)  # 5 % on the 0→25 % ramp
    out = res.write(tmp_path / "suit.tif")
    with rasterio.open(out) as ds:
        m = ds.read(1, masked=True).mask
        assert (m == np.isnan(z)).all()


def test_outputs_keep_the_dem_grid_and_factor_bands(tmp_path):
    x, _ = centres(12, 15)
    dem = write_dem(tmp_path / "dem.tif", 0.08 * (x - X0))
    road = frame(
        [shapely.LineString([(X0, Y0 - 55), (X0 + 150, Y0 - 55)])], road_id=["R"], status=["built"]
    )
    res = S.run_suitability({"roads": road}, dem, factors=True)
    suit = res.write(tmp_path / "suit.tif")
    fac = res.write_factors(tmp_path / "factors.tif")
    bits = res.write_constraints(tmp_path / "bits.tif")
    with (
        rasterio.open(dem) as d,
        rasterio.open(suit) as s_,
        rasterio.open(fac) as f,
        rasterio.open(bits) as b,
    ):
        for ds in (s_, f, b):
            assert ds.crs == d.crs and ds.transform == d.transform and ds.shape == d.shape
        assert f.descriptions == S.FACTOR_BANDS
        np.testing.assert_allclose(f.read(1), 8.0, atol=1e-3)  # slope_pct band
        road_d = f.read(2)
        assert (road_d[5] == 0).all() and road_d[0, 0] == pytest.approx(50.0)
        np.testing.assert_array_equal(b.read(1), res.bits)


# ------------------------------------------------------------------------------------------
# masks
# ------------------------------------------------------------------------------------------


def test_polygon_mask_is_exactly_the_cells_whose_centre_is_inside(tmp_path):
    h, w = 40, 50
    dem = write_dem(tmp_path / "dem.tif", np.full((h, w), 20.0))
    tri = shapely.Polygon([(X0 + 33, Y0 - 21), (X0 + 417, Y0 - 77), (X0 + 151, Y0 - 362)])
    ring = (
        shapely.Point(X0 + 300, Y0 - 250)
        .buffer(63)
        .difference(shapely.Point(X0 + 300, Y0 - 250).buffer(27))
    )
    cons = constraints([tri, ring], ["forest_park", "reservoir"])
    res = S.run_suitability({"constraints": cons}, dem, SLOPE_ONLY)
    x, y = centres(h, w)
    np.testing.assert_array_equal(res.mask("forest_park"), shapely.contains_xy(tri, x, y))
    np.testing.assert_array_equal(res.mask("water_source"), shapely.contains_xy(ring, x, y))
    assert (res.score[res.mask("any")] == 0).all()
    assert (res.score[~res.mask("any")] == 1).all()
    mu = res.cell_area_mu
    assert res.summary()["excluded_area_mu"]["forest_park"] == round(
        shapely.contains_xy(tri, x, y).sum() * mu, 1
    )


def test_soft_constraint_lowers_but_does_not_exclude_and_setback_buffers(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((30, 30), 20.0))
    soft = shapely.box(X0, Y0 - 100, X0 + 100, Y0)
    src = shapely.Point(X0 + 200, Y0 - 200)
    cons = constraints(
        [soft, src.buffer(1)],
        ["steep_slope", "water_source"],
        hard=[False, True],
        setback=[None, 50.0],
    )
    res = S.run_suitability(
        {"constraints": cons},
        dem,
        {**SLOPE_ONLY, "constraints": {"coastal_setback_m": 0, "soft_multiplier": 0.5}},
    )
    x, y = centres(30, 30)
    inside_soft = shapely.contains_xy(soft, x, y)
    assert not res.mask("steep_slope")[inside_soft].any()
    np.testing.assert_allclose(res.score[inside_soft], 0.5)
    within = (
        np.hypot(x - src.x, y - src.y) < 51 - 0.01
    )  # buffer 1 m + setback 50 m (polygonal buffer ≈ circle)
    clearly_out = np.hypot(x - src.x, y - src.y) > 52
    assert (
        res.mask("water_source")[within].all() and not res.mask("water_source")[clearly_out].any()
    )


def test_hard_kinds_override_the_layer_flag(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((10, 10), 10.0))
    core = shapely.box(X0, Y0 - 50, X0 + 50, Y0)
    cons = constraints([core], ["ecological_core"], hard=[False])
    res = S.run_suitability({"constraints": cons}, dem, SLOPE_ONLY)
    assert not res.mask("ecological_core").any()
    cfg = {**SLOPE_ONLY, "constraints": {"coastal_setback_m": 0, "hard_kinds": ["ecological_core"]}}
    res = S.run_suitability({"constraints": cons}, dem, cfg)
    assert res.mask("ecological_core").sum() == 25


def test_steep_slope_threshold(tmp_path):
    x, _ = centres(10, 10)
    for grad, steep in ((0.30, True), (0.20, False)):
        dem = write_dem(tmp_path / f"dem{grad}.tif", grad * (x - X0))
        res = S.run_suitability({}, dem, SLOPE_ONLY)
        assert res.mask("steep_slope").all() == steep and res.mask("steep_slope").any() == steep
        res2 = S.run_suitability({}, dem, SLOPE_ONLY, steep_slope_pct=35)
        assert not res2.mask("steep_slope").any()


def test_coastal_setback_from_dem_nodata_with_configurable_distance(tmp_path):
    z = np.full((12, 40), 5.0)
    z[:, :10] = np.nan  # sea to the west
    dem = write_dem(tmp_path / "dem.tif", z)
    for setback, cols in ((100.0, 10), (45.0, 5)):
        res = S.run_suitability({}, dem, SLOPE_ONLY, coastal_setback_m=setback)
        m = res.mask("coastal_setback")
        # cell centres 5, 15, 25 … m from the shore; those within the setback are excluded
        assert m[:, 10 : 10 + cols].all() and not m[:, 10 + cols :].any() and not m[:, :10].any()
    # a DEM that stores the sea as 0 m: sea_level_m makes it sea
    z0 = np.where(np.isnan(z), 0.0, z)
    res0 = S.run_suitability(
        {}, write_dem(tmp_path / "dem0.tif", z0), SLOPE_ONLY, coastal_setback_m=100, sea_level_m=0
    )
    assert np.isnan(res0.score[:, :10]).all() and res0.mask("coastal_setback")[:, 10:20].all()


def test_coast_polygons_stop_false_coast_along_inland_nodata(tmp_path):
    z = np.full((12, 40), 5.0)
    z[:, :10] = np.nan  # real sea west
    z[:, 35:] = np.nan  # DEM simply ends inland to the east
    dem = write_dem(tmp_path / "dem.tif", z)
    coast_band = shapely.box(X0 + 100, Y0 - 120, X0 + 130, Y0)
    cons = constraints([coast_band], ["coastal_setback"], setback=[0.0])
    res = S.run_suitability({"constraints": cons}, dem, SLOPE_ONLY, coastal_setback_m=60)
    m = res.mask("coastal_setback")
    assert m[:, 10:16].all()  # within 60 m of the western shore
    assert not m[:, 16:35].any()  # no setback along the inland edge


def test_built_parcels_are_excluded_and_feed_the_distance_factor(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((20, 40), 10.0))
    built = shapely.box(X0, Y0 - 200, X0 + 50, Y0)
    idle = shapely.box(X0 + 300, Y0 - 200, X0 + 400, Y0)
    parcels = frame([built, idle], parcel_id=["A", "B"], status=["built", "idle"])
    cfg = {
        "factors": {
            "built_distance": {
                "weight": 1,
                "transform": {"type": "linear", "points": [[0, 1], [200, 0]]},
            }
        },
        "constraints": {"coastal_setback_m": 0},
    }
    res = S.run_suitability({"parcels": parcels}, dem, cfg, factors=True)
    x, y = centres(20, 40)
    np.testing.assert_array_equal(res.mask("built"), shapely.contains_xy(built, x, y))
    dist = res._store.arrays["factors"][S.FACTOR_BANDS.index("built_distance_m")]
    # column 15 has its centre 105 m east of the built edge; the nearest built cell centre is at 45 m
    np.testing.assert_allclose(dist[:, 15], 155 - 45)
    np.testing.assert_allclose(res.score[:, 15], 1 - 110 / 200, atol=1e-6)


# ------------------------------------------------------------------------------------------
# CRS
# ------------------------------------------------------------------------------------------


def test_crs_mismatch_is_an_explicit_error(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((10, 10), 10.0))
    poly = frame([shapely.box(X0, Y0 - 50, X0 + 50, Y0)], parcel_id=["A"], status=["idle"])
    with pytest.raises(CRSError, match="CRS mismatch"):
        S.run_suitability({"parcels": poly.to_crs(4326)}, dem, SLOPE_ONLY)
    res = S.run_suitability({"parcels": poly}, dem, SLOPE_ONLY)
    with pytest.raises(CRSError, match="zonal statistics: CRS mismatch"):
        res.zonal(poly.to_crs(4326))
    other = write_dem(
        tmp_path / "gk.tif", np.full((10, 10), 10.0), crs="EPSG:4549", x0=X0 - 100_000
    )
    with pytest.raises(CRSError):
        S.run_suitability({"parcels": poly}, other, SLOPE_ONLY)


def test_geographic_dem_is_reprojected_before_slope(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "cache"))
    from pyproj import Transformer

    lon0, lat0, d = 121.40, 38.90, 0.0003
    lons = lon0 + (np.arange(80) + 0.5) * d
    lats = lat0 - (np.arange(60) + 0.5) * d
    lon, lat = np.meshgrid(lons, lats)
    ex, _ = Transformer.from_crs(4326, WORKING_CRS, always_xy=True).transform(lon, lat)
    z = 0.10 * (ex - ex.min())  # 10 % rise eastwards, in metres
    dem = write_dem(tmp_path / "geo.tif", z, cell=d, crs="EPSG:4326", x0=lon0, y0=lat0)
    res = S.run_suitability({}, dem, SLOPE_ONLY, factors=True)
    assert S.same_crs(res.grid.crs, WORKING_CRS)
    assert 20 < res.grid.cell_size_m < 40
    slope = res._store.arrays["factors"][0]
    inner = slope[3:-3, 3:-3]
    inner = inner[~np.isnan(inner)]
    assert inner.size > 1000
    np.testing.assert_allclose(np.median(inner), 10.0, atol=0.1)
    assert np.percentile(np.abs(inner - 10.0), 95) < 0.5


# ------------------------------------------------------------------------------------------
# candidates
# ------------------------------------------------------------------------------------------


def test_candidate_area_and_min_area_filter(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((20, 30), 10.0))
    # a wall of forest splits the land into a 10×20-cell patch (west) and a 10×9 one (east);
    # the south half is excluded as built land
    wall = shapely.box(X0 + 200, Y0 - 100, X0 + 210, Y0)
    forest_s = shapely.box(X0, Y0 - 200, X0 + 300, Y0 - 100)
    parcels = frame([forest_s], parcel_id=["S"], status=["built"])
    cons = constraints([wall], ["forest_park"])
    layers = {"constraints": cons, "parcels": parcels}
    res = S.run_suitability(layers, dem, SLOPE_ONLY)
    mu_cell = CELL * CELL / M2_PER_MU
    c = res.find_candidates(min_area_mu=0)
    assert sorted(c["cells"]) == [90, 200]
    np.testing.assert_allclose(sorted(c["area_mu"]), [90 * mu_cell, 200 * mu_cell])
    np.testing.assert_allclose(c["mean_score"], 1.0)
    big = res.find_candidates(min_area_mu=100 * mu_cell)
    assert list(big["cells"]) == [200]
    assert res.find_candidates(min_area_mu=250 * mu_cell).empty


def test_no_candidate_overlaps_a_hard_constraint(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((40, 40), 10.0))
    circle = shapely.Point(X0 + 203, Y0 - 197).buffer(87)
    slanted = shapely.Polygon(
        [(X0 + 12, Y0 - 300), (X0 + 390, Y0 - 333), (X0 + 390, Y0 - 351), (X0 + 12, Y0 - 320)]
    )
    cons = constraints([circle, slanted], ["ecological_core", "other"])
    res = S.run_suitability({"constraints": cons}, dem, SLOPE_ONLY)
    cands = res.find_candidates(min_area_mu=0)
    assert len(cands)
    hard = shapely.union_all([circle, slanted])
    assert (cands.geometry.intersection(hard).area < 1e-6).all()
    # clipping happened: the raster patch touched the circle's boundary cells
    assert cands["area_m2"].sum() < cands["cells"].sum() * CELL * CELL + 1e-6


def test_candidates_split_along_roads(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((20, 40), 10.0))
    road = frame(
        [shapely.LineString([(X0 + 200, Y0), (X0 + 200, Y0 - 200)])],
        road_id=["R1"],
        status=["planned"],
        width_m=[20.0],
    )
    res = S.run_suitability({"roads": road}, dem, SLOPE_ONLY)
    split = res.find_candidates(min_area_mu=0)
    whole = res.find_candidates(min_area_mu=0, split_by_roads=False)
    assert len(whole) == 1 and len(split) == 2
    np.testing.assert_allclose(split["road_distance_m"], 10.0)
    np.testing.assert_allclose(split["area_m2"].sum(), whole["area_m2"].sum() - 20 * 200)


def test_windowed_run_equals_in_memory_run(tmp_path):
    h, w = 70, 90
    x, y = centres(h, w)
    z = 30 + 25 * np.sin((x - X0) / 90.0) * np.cos((y - Y0) / 120.0)
    z[:, :6] = np.nan
    dem = write_dem(tmp_path / "dem.tif", z)
    roads = frame(
        [shapely.LineString([(X0, Y0 - 333), (X0 + 900, Y0 - 211)])],
        road_id=["R"],
        status=["built"],
    )
    parcels = frame(
        [shapely.box(X0 + 400, Y0 - 500, X0 + 520, Y0 - 420)],
        parcel_id=["P"],
        status=["built"],
        plate=["A"],
    )
    cons = constraints([shapely.Point(X0 + 700, Y0 - 300).buffer(80)], ["forest_park"])
    layers = {"roads": roads, "parcels": parcels, "constraints": cons}
    cfg = {
        "factors": {
            "slope": {"weight": 2, "transform": {"type": "linear", "points": [[0, 1], [40, 0]]}},
            "road_distance": {
                "weight": 1,
                "transform": {"type": "linear", "points": [[0, 1], [250, 0]]},
            },
            "built_distance": {
                "weight": 1,
                "transform": {"type": "exp_decay", "half_m": 100, "max_m": 300},
            },
        },
        "constraints": {"coastal_setback_m": 40, "steep_slope_pct": 45},
        "candidates": {"min_score": 0.55, "min_area_mu": 1, "split_by_roads": False},
    }
    whole = S.run_suitability(layers, dem, cfg, block=512)
    tiled = S.run_suitability(layers, dem, cfg, block=16, in_memory=False)
    try:
        assert not tiled.in_memory
        np.testing.assert_allclose(tiled.score, whole.score, atol=1e-6, equal_nan=True)
        np.testing.assert_array_equal(tiled.bits, whole.bits)
        assert tiled.stats == whole.stats
        a, b = whole.candidates, tiled.candidates
        assert len(a) == len(b) > 1
        np.testing.assert_allclose(sorted(a["area_m2"]), sorted(b["area_m2"]))
    finally:
        tiled.close()


def test_patches_joined_across_a_block_corner_diagonally(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((8, 8), 10.0))
    # free land only in the NW and SE 4×4 quadrants' touching corner cells: two patches joined diagonally
    blocked = shapely.union_all(
        [shapely.box(X0 + 40, Y0 - 40, X0 + 80, Y0), shapely.box(X0, Y0 - 80, X0 + 40, Y0 - 40)]
    )
    cons = constraints([blocked], ["other"])
    cfg = {
        **SLOPE_ONLY,
        "candidates": {
            "min_score": 0.5,
            "min_area_mu": 0,
            "connectivity": 8,
            "split_by_roads": False,
        },
    }
    for block, mem in ((4, False), (100, True)):
        res = S.run_suitability({"constraints": cons}, dem, cfg, block=block, in_memory=mem)
        _, counts, n = K.label_patches(res, 0.5, None)
        assert n == 2 and counts[1:].tolist() == [32.0]
        res.close()


# ------------------------------------------------------------------------------------------
# zonal statistics
# ------------------------------------------------------------------------------------------


def test_zonal_statistics_known_answer_and_join(tmp_path):
    x, _ = centres(10, 20)
    z = np.where(
        x < X0 + 100, 0.0, 0.10 * (x - X0 - 100)
    )  # flat west half, 10 % east half (with a kink)
    dem = write_dem(tmp_path / "dem.tif", z)
    cons = constraints([shapely.box(X0, Y0 - 50, X0 + 50, Y0)], ["forest_park"])
    res = S.run_suitability({"constraints": cons}, dem, SLOPE_ONLY)
    polys = frame(
        [
            shapely.box(X0, Y0 - 100, X0 + 50, Y0),
            shapely.box(X0 + 130, Y0 - 100, X0 + 200, Y0),
            shapely.box(X0 + 152, Y0 - 58, X0 + 156, Y0 - 54),
            shapely.box(X0 + 5000, Y0, X0 + 5100, Y0 + 100),
        ],
        parcel_id=["W", "E", "tiny", "off"],
    )
    polys.index = [10, 20, 30, 40]
    out = res.zonal(polys)
    assert list(out.index) == [10, 20, 30, 40] and list(out["parcel_id"]) == [
        "W",
        "E",
        "tiny",
        "off",
    ]
    w, e, tiny, off = (out.loc[i] for i in (10, 20, 30, 40))
    assert w["suit_cells"] == 50 and w["suit_constrained_share"] == pytest.approx(0.5)
    assert w["suit_mean"] == pytest.approx(0.5) and w["suit_mean_free"] == pytest.approx(1.0)
    assert e["suit_cells"] == 70 and e["suit_constrained_share"] == 0
    assert e["suit_mean"] == pytest.approx(0.6, abs=1e-5)  # 10 % slope on the 0→25 % ramp
    assert tiny["suit_cells"] == 1 and tiny["suit_mean"] == pytest.approx(0.6, abs=1e-5)
    assert off["suit_cells"] == 0 and np.isnan(off["suit_mean"])
    assert w["suit_free_area_mu"] == pytest.approx(25 * CELL * CELL / M2_PER_MU)


def test_zonal_handles_overlapping_polygons(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((10, 10), 1.0))
    res = S.run_suitability({}, dem, SLOPE_ONLY)
    big = shapely.box(X0, Y0 - 100, X0 + 100, Y0)
    small = shapely.box(X0, Y0 - 50, X0 + 50, Y0)
    out = res.zonal(frame([big, small], name=["big", "small"]))
    assert out["suit_cells"].tolist() == [100, 25]


# ------------------------------------------------------------------------------------------
# configuration
# ------------------------------------------------------------------------------------------


def test_default_weights_file_is_valid():
    cfg = S.load_config()
    assert set(cfg.factors) == set(S.FACTORS)
    assert cfg.steep_slope_pct == 25 and cfg.coastal_setback_m > 0
    t = cfg.factors["slope"].transform
    np.testing.assert_allclose(t.apply(np.array([0, 10, 25, 40, np.nan])), [1, 0.7, 0, 0, np.nan])


def test_transforms():
    exp = S.Transform("exp_decay", half_m=100, max_m=300)
    np.testing.assert_allclose(
        exp.apply(np.array([0, 100, 200, 300, 1000])), [1, 0.5, 0.25, 0.125, 0.125], rtol=1e-6
    )
    assert exp.cap == 300


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (
            "factors:\n  slope:\n    weight: abc\n    transform: {type: linear, points: [[0, 1], [5, 0]]}\n",
            "factors.slope.weight",
            3,
        ),
        (
            "factors:\n  slope:\n    weight: 1\n    transform: {type: linear, points: [[0, 1], [5, 0], [3, 0]]}\n",
            "factors.slope.transform.points.2",
            4,
        ),
        (
            "factors:\n  slope:\n    weight: 1\n    transform: {type: cubic}\n",
            "factors.slope.transform.type",
            4,
        ),
        ("factors:\n  elevation:\n    weight: 1\n", "factors.elevation", 2),
        (
            "factors:\n  slope: {weight: 0, transform: {type: exp_decay, half_m: 10}}\n",
            "factors",
            1,
        ),
        (
            "factors:\n  slope: {weight: 1, transform: {type: exp_decay, "
            "half_m: 10}}\nconstraints:\n  steep_slope_pct: -3\n",
            "constraints.steep_slope_pct",
            4,
        ),
        (
            "factors:\n  slope: {weight: 1, transform: {type: "
            "exp_decay, half_m: 10}}\ncandidates:\n  connectivity: 6\n",
            "candidates.connectivity",
            4,
        ),
    ],
)
def test_malformed_weights_raise_schema_error_naming_field_and_line(tmp_path, text, field, line):
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as exc:
        S.load_config(path)
    msg = str(exc.value)
    assert "w.yaml" in msg and f"field '{field}'" in msg and f"line {line}" in msg


def test_broken_yaml_is_a_schema_error(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("factors: [\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"w\.yaml"):
        S.load_config(path)


def test_facility_factor_only_with_headroom(tmp_path):
    dem = write_dem(tmp_path / "dem.tif", np.full((10, 30), 10.0))
    subs = frame(
        [shapely.Point(X0 + 5, Y0 - 50), shapely.Point(X0 + 295, Y0 - 50)], facility_id=["S1", "S2"]
    )
    cfg = {
        "factors": {
            "slope": {"weight": 1, "transform": {"type": "linear", "points": [[0, 1], [25, 0]]}},
            "facility_distance": {
                "weight": 1,
                "transform": {"type": "linear", "points": [[0, 1], [300, 0]]},
            },
        },
        "constraints": {"coastal_setback_m": 0},
    }
    res = S.run_suitability({"substations": subs}, dem, cfg)
    assert res.weights == {"slope": 1.0}
    res = S.run_suitability({"substations": subs}, dem, cfg, headroom={"S1": 12.5, "S2": 0})
    assert res.weights == {"slope": 0.5, "facility_distance": 0.5}
    # only S1 (west) has headroom: the score falls eastwards
    assert res.score[5, 0] > res.score[5, 15] > res.score[5, 29]
    np.testing.assert_allclose(res.score[5, 0], 1.0)


# ------------------------------------------------------------------------------------------
# display
# ------------------------------------------------------------------------------------------


def test_display_image_is_lonlat_rgba(tmp_path):
    z = np.full((30, 40), 10.0)
    z[:, :5] = np.nan
    res = S.run_suitability({}, write_dem(tmp_path / "dem.tif", z), SLOPE_ONLY)
    img, bounds = V.display_image(res, max_px=20)
    assert img.dtype == np.uint8 and img.shape[2] == 4 and max(img.shape[:2]) <= 25
    (south, west), (north, east) = bounds
    assert 38 < south < north < 39.5 and 121 < west < east < 122
    assert img[:, 0, 3].max() == 0  # the no-data west edge is transparent
    assert img[img.shape[0] // 2, -2, 3] > 0
    png, _ = V.display_png(res, max_px=20)
    assert png.startswith(b"\x89PNG")


def test_best_land_allocates_the_requested_area_on_the_best_cells(tmp_path):
    x, _ = centres(10, 20)
    z = 0.002 * (x - X0) ** 2  # slope grows eastwards: the west is best
    res = S.run_suitability({}, write_dem(tmp_path / "dem.tif", z), SLOPE_ONLY)
    mu_cell = res.cell_area_mu
    got = res.best_land(30 * mu_cell)
    assert got["area_mu"].sum() == pytest.approx(30 * mu_cell)
    assert got.geometry.bounds["maxx"].max() <= X0 + 40  # the three westernmost columns


# ------------------------------------------------------------------------------------------
# the sample and the CLI
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result(sample_zone):
    return S.run_suitability(sample_zone)


def test_sample_candidates_avoid_hard_constraints_and_zonal_joins(sample_result, sample_zone):
    res = sample_result
    s = res.summary()
    assert s["suitable_area_mu"] > 0 and s["excluded_area_mu"]["total"] > 0
    cands = res.candidates
    assert len(cands) > 0 and (cands["area_mu"] >= res.config.min_area_mu - 1e-9).all()
    cons = sample_zone.layers["constraints"]
    hard = cons[cons["hard"].astype(bool)].copy()
    if "setback_m" in hard:
        sb = hard["setback_m"].fillna(0).to_numpy()
        hard["geometry"] = shapely.buffer(hard.geometry.to_numpy(), sb)
    parcels = sample_zone.layers["parcels"]
    built = parcels[parcels["status"].isin(res.config.built_status)]
    blocked = shapely.union_all(
        np.concatenate([hard.geometry.to_numpy(), built.geometry.to_numpy()])
    )
    assert (cands.geometry.intersection(blocked).area < 1e-3).all()
    zon = res.zonal(parcels)
    assert len(zon) == len(parcels) and (zon["parcel_id"] == parcels["parcel_id"]).all()
    assert zon["suit_mean"].notna().mean() > 0.95
    built_rows = zon["status"].isin(res.config.built_status) & (zon["suit_cells"] > 0)
    assert (zon.loc[built_rows, "suit_constrained_share"] == 1).all()
    plates = res.zonal(sample_zone.layers["plates"])
    assert plates["suit_mean"].between(0, 1).all()


def test_cached_zone_result_is_reused_and_read_only():
    a = S.suitability_for_zone()
    b = S.suitability_for_zone()
    assert a is b
    with pytest.raises(ValueError):
        a.score[0, 0] = 1.0
    c = a.candidates
    c["area_mu"] = 0.0
    assert (a.candidates["area_mu"] > 0).all()


def test_zone_result_cache_cold_and_warm_identical_and_keyed_by_content(tmp_path):
    """The grid result is cached by content (zone files, DEM, weights, code), not by path/mtime."""
    import shutil

    from geoplan import cache, settings

    zone_dir = tmp_path / "zone"
    shutil.copytree(settings.SAMPLE_ZONE_DIR, zone_dir)
    cache.forget_memory()
    cold = S.suitability_for_zone(zone_dir)
    cache.forget_memory()
    warm_key = S.zone_key(zone_dir)
    again = S.suitability_for_zone(zone_dir)
    assert again is not cold  # recomputed after the memory was dropped …
    assert again.summary() == cold.summary()  # … and identical
    assert again is S.suitability_for_zone(zone_dir)  # a warm call is the cached object
    np.testing.assert_array_equal(again.score, cold.score)
    np.testing.assert_array_equal(again.bits, cold.bits)
    a, b = cold.candidates, again.candidates
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, 1e-9).all()
    # the same bytes elsewhere give the same key; a changed byte a new one
    assert S.zone_key(settings.SAMPLE_ZONE_DIR) == warm_key
    weights = tmp_path / "w.yaml"
    weights.write_text(
        S.DEFAULT_WEIGHTS.read_text(encoding="utf-8").replace("min_score: 0.6", "min_score: 0.7"),
        encoding="utf-8",
    )
    assert S.zone_key(zone_dir, weights) != warm_key
    dem = zone_dir / "dem.tif"
    with rasterio.open(dem, "r+") as ds:
        z = ds.read(1)
        z[0, 0] += 1.0
        ds.write(z, 1)
    assert S.zone_key(zone_dir) != warm_key
    roads = zone_dir / "roads.geojson"
    roads.write_text(roads.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    k2 = S.zone_key(zone_dir)
    assert k2 != warm_key and S.suitability_for_zone(zone_dir) is not again


def test_suitability_of_a_zones_layers_is_cached_by_their_content(sample_zone):
    a = S.suitability_of(sample_zone)
    assert S.suitability_of(sample_zone.copy()) is a  # same content, another object
    edited = sample_zone.copy()
    edited.layers["constraints"] = edited.layers["constraints"].iloc[:-1]
    b = S.suitability_of(edited)
    assert b is not a and b.cache_key != a.cache_key
    assert a.summary()["land_area_mu"] == b.summary()["land_area_mu"]


def test_config_file_cached_by_content(tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(S.DEFAULT_WEIGHTS.read_text(encoding="utf-8"), encoding="utf-8")
    a = S.load_config(w)
    assert S.load_config(w) is a
    w.write_text(
        w.read_text(encoding="utf-8").replace("steep_slope_pct: 25", "steep_slope_pct: 20")
    )
    b = S.load_config(w)
    assert b.steep_slope_pct == 20 and a.steep_slope_pct == 25


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "geoplan", "suitability", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_every_factor_and_constraint_has_a_name_in_both_languages():
    from geoplan.text import STRINGS

    keys = [f"suit_factor_{f}" for f in S.FACTORS] + [*S.CONSTRAINTS.values(), "suit_con_total"]
    for k in keys:
        zh, en = STRINGS[k]
        assert zh and en and zh != en and not zh.isascii()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_human_output_names_factors_and_constraints_in_the_language(lang):
    res = run_cli("--lang", lang)
    assert res.returncode == 0, res.stderr
    text = res.stdout
    for ident in ("road_distance", "forest_park", "steep_slope", "None", "nan"):
        assert ident not in text
    if lang == "zh":
        assert "森林公园" in text and "候选用地" in text and "亩" in text
        assert "Forest park" not in text
    else:
        assert "Forest park" in text and "Candidate areas" in text and " mu" in text
        assert "森林公园" not in text
    # numbers rounded for display: no float with more than 3 decimals
    assert not re.search(r"\d\.\d{4,}", text)


def test_candidate_table_reads_as_words():
    from geoplan.present import suitability_view as V

    res = S.suitability_for_zone()
    for lang in ("zh", "en"):
        tab = V.candidate_table(res.candidates, lang)
        assert not any(re.fullmatch(r"[a-z_]+", str(c)) for c in tab.columns)
        assert not tab.isin(["None", "nan", None]).any().any()
        w = V.weights_table(res.weights, lang)
        assert set(w.iloc[:, 0]).isdisjoint(S.FACTORS)
    zh = V.candidate_table(res.candidates, "zh")
    assert "面积（亩）" in zh.columns and set(zh["位于园区内"]) <= {"是", "否"}


def test_cli_json_and_outputs(tmp_path):
    out, cands = tmp_path / "suit.tif", tmp_path / "cand.gpkg"
    res = run_cli("--out", str(out), "--candidates", str(cands), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    for key in (
        "raster",
        "crs",
        "cell_size_m",
        "suitable_area_mu",
        "excluded_area_mu",
        "candidates",
    ):
        assert key in doc
    assert doc["raster"] == str(out) and doc["candidates"] > 0
    assert set(S.CONSTRAINTS) | {"total"} == set(doc["excluded_area_mu"])
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG" and ds.nodata is not None
    assert len(gpd.read_file(cands)) == doc["candidates"]


def test_cli_bad_weights_exit_2_naming_the_field(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text(
        "factors:\n  slope:\n    weight: -1\n    transform: {type: linear, points: [[0, 1], [5, 0]]}\n"
    )
    res = run_cli("--weights", str(bad))
    assert res.returncode == 2
    assert "factors.slope.weight" in res.stderr and "Traceback" not in res.stderr + res.stdout
    res = run_cli("--dem", str(tmp_path / "nope.tif"))
    assert res.returncode == 2 and "nope.tif" in res.stderr


def test_display_image_from_staged_result_matches_in_memory(tmp_path):
    x, _ = centres(50, 60)
    z = 20 + 10 * np.sin((x - X0) / 80.0)
    z[:, :4] = np.nan
    dem = write_dem(tmp_path / "dem.tif", z)
    a = S.run_suitability({}, dem, SLOPE_ONLY)
    b = S.run_suitability({}, dem, SLOPE_ONLY, in_memory=False, block=16)
    try:
        for px in (60, 25):
            ia, ba = V.display_image(a, px)
            ib, bb = V.display_image(b, px)
            assert ba == bb and ia.shape == ib.shape
            assert (ia[..., 3] > 0).mean() == pytest.approx((ib[..., 3] > 0).mean(), abs=0.05)
    finally:
        b.close()
