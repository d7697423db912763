"""geoplan.data.io_raster: windows with halos, COG writing (atomic), geographic DEM reprojection, PNG."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geoplan.data import io_raster as rio
from geoplan.data.crs import WORKING_CRS
from geoplan.errors import CRSError, LoadError

X0, Y0 = 500_000.0, 4_300_000.0


def write_tif(path, data, *, cell=10.0, crs=WORKING_CRS, x0=X0, y0=Y0, nodata=-9999.0):
    kw = {"crs": crs.to_wkt() if hasattr(crs, "to_wkt") else crs} if crs is not None else {}
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=str(data.dtype),
        transform=from_origin(x0, y0, cell, cell),
        nodata=nodata,
        **kw,
    ) as dst:
        dst.write(data, 1)
    return path


def test_windows_tile_the_grid_exactly(tmp_path):
    path = write_tif(tmp_path / "a.tif", np.zeros((37, 53), "float32"))
    with rio.open_raster(path) as src:
        grid = rio.grid_of(src)
    seen = np.zeros(grid.shape, int)
    for w in rio.iter_windows(grid, 16):
        seen[w.slices] += 1
    assert (seen == 1).all()
    assert grid.cell_size_m == 10.0 and grid.cell_area_m2 == 100.0
    assert grid.bounds == (X0, Y0 - 370, X0 + 530, Y0)


def test_read_window_halo_is_nan_outside_and_nodata_is_nan(tmp_path):
    data = np.arange(20, dtype="float32").reshape(4, 5)
    data[1, 1] = -9999.0
    path = write_tif(tmp_path / "a.tif", data)
    with rio.open_raster(path) as src:
        block = rio.read_window(src, rio.Window(0, 0, 5, 4).grow(2))
    assert block.shape == (8, 9)
    assert np.isnan(block[:2]).all() and np.isnan(block[:, :2]).all() and np.isnan(block[-2:]).all()
    inner = block[2:6, 2:7]
    assert np.isnan(inner[1, 1])
    expect = data.copy()
    expect[1, 1] = np.nan
    np.testing.assert_array_equal(inner, expect)


def test_raster_writer_makes_a_cog_with_crs_transform_and_nodata(tmp_path):
    src = write_tif(tmp_path / "dem.tif", np.ones((300, 300), "float32"))
    with rio.open_raster(src) as ds:
        grid = rio.grid_of(ds)
    data = np.random.default_rng(0).random((300, 300)).astype("float32")
    data[:10] = np.nan
    out = rio.write_raster_atomic(tmp_path / "out.tif", data, grid, descriptions=["score"])
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.crs == grid.crs and ds.transform == grid.transform
        assert ds.nodata == rio.NODATA
        back = ds.read(1, masked=True)
        assert back.mask[:10].all() and not back.mask[10:].any()
        np.testing.assert_allclose(back[10:], data[10:])
        assert ds.descriptions == ("score",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "out.tif"]


def test_raster_writer_leaves_target_untouched_on_error(tmp_path):
    src = write_tif(tmp_path / "dem.tif", np.ones((20, 20), "float32"))
    with rio.open_raster(src) as ds:
        grid = rio.grid_of(ds)
    target = tmp_path / "out.tif"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), rio.RasterWriter(target, grid) as w:
        w.write(np.zeros((20, 20), "float32"), rio.Window(0, 0, 20, 20))
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "out.tif"]


def test_open_errors_name_the_file(tmp_path):
    with pytest.raises(LoadError, match=r"missing\.tif"):
        rio.open_raster(tmp_path / "missing.tif")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff at all")
    with pytest.raises(LoadError, match=r"bad\.tif"):
        rio.open_raster(bad)
    with pytest.raises(LoadError, match="is a folder"):
        rio.open_raster(tmp_path)
    nocrs = write_tif(tmp_path / "nocrs.tif", np.zeros((3, 3), "float32"), crs=None)
    with rio.open_raster(nocrs) as src, pytest.raises(CRSError, match=r"nocrs\.tif"):
        rio.grid_of(src)


def test_geographic_dem_is_reprojected_to_metres_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "cache"))
    data = np.full((60, 80), 50.0, "float32")
    geo = write_tif(tmp_path / "geo.tif", data, cell=0.0003, crs="EPSG:4326", x0=121.40, y0=38.90)
    out = rio.projected_dem(geo)
    assert out != geo
    with rio.open_raster(out) as src:
        grid = rio.grid_of(src)
        assert rio.same_crs_wkt(grid.crs, WORKING_CRS)
        # 0.0003° ≈ 26 m E-W at 38.9°N and 33 m N-S: cells are metres now, not degrees
        assert 20 < grid.cell_size_m < 40
        vals = src.read(1, masked=True)
        assert np.allclose(vals.compressed(), 50.0)
    mtime = out.stat().st_mtime_ns
    assert rio.projected_dem(geo) == out and out.stat().st_mtime_ns == mtime  # cached
    proj = write_tif(tmp_path / "proj.tif", data)
    assert rio.projected_dem(proj) == proj


def test_encode_png_round_trips():
    rgba = np.random.default_rng(1).integers(0, 255, (7, 5, 4), dtype=np.uint8)
    png = rio.encode_png(rgba)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (5, 7)
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41 : 41 + idat_len])
    rows = np.frombuffer(raw, np.uint8).reshape(7, 1 + 5 * 4)
    assert (rows[:, 0] == 0).all()
    np.testing.assert_array_equal(rows[:, 1:].reshape(7, 5, 4), rgba)
    with pytest.raises(ValueError):
        rio.encode_png(rgba[..., :3])


def test_warped_dem_cache_is_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "cache"))
    data = np.full((30, 40), 50.0, "float32")
    geo = write_tif(tmp_path / "geo.tif", data, cell=0.0003, crs="EPSG:4326", x0=121.40, y0=38.90)
    out = rio.projected_dem(geo)
    (tmp_path / "copy").mkdir()
    same = tmp_path / "copy" / "geo.tif"
    same.write_bytes(geo.read_bytes())
    assert rio.projected_dem(same) == out  # the same bytes elsewhere: the same warped copy
    data[0, 0] = 60.0
    write_tif(geo, data, cell=0.0003, crs="EPSG:4326", x0=121.40, y0=38.90)
    changed = rio.projected_dem(geo)
    assert changed != out and changed.exists()
