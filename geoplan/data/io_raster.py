"""Raster input and output: the only module that touches disk for rasters.

- :func:`open_raster` / :class:`Grid` describe a raster (CRS, transform, size, cell size) and
  fail with a :class:`~geoplan.errors.LoadError` / :class:`~geoplan.errors.CRSError` naming the
  file when it cannot be used.
- :func:`iter_windows` and :func:`read_window` cut a grid into blocks with a *halo* of extra
  cells around each block (for kernels such as slope, or capped distance transforms); cells
  beyond the raster edge come back as NaN, so memory depends on the block size, not the raster.
- :func:`projected_dem` reprojects a geographic (lon/lat) DEM to a metric CRS with
  :mod:`rasterio.warp` before anything measures slopes on it; results are cached on disk by the
  source file's content (:func:`geoplan.cache.key`).
- :class:`RasterWriter` writes blocks into a cloud-optimized GeoTIFF atomically
  (:func:`geoplan.data.io.atomic_path`): blocks go to a tiled staging GeoTIFF, which is then copied
  with GDAL's COG driver (tiles, overviews, DEFLATE) to the temporary target and renamed.
- :func:`encode_png` turns an RGBA array into PNG bytes with zlib only (no Pillow needed).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geoplan import settings
from geoplan.errors import CRSError, LoadError

logger = logging.getLogger(__name__)

#: Nodata value written into float rasters (NaN in memory).
NODATA = -9999.0

#: Default block edge (cells) for windowed processing.
BLOCK = 1024


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: CRS, affine transform and size."""

    crs: Any  # rasterio.crs.CRS
    transform: Any  # affine.Affine
    width: int
    height: int

    @property
    def cell_x(self) -> float:
        return abs(float(self.transform.a))

    @property
    def cell_y(self) -> float:
        return abs(float(self.transform.e))

    @property
    def cell_size_m(self) -> float:
        """Mean cell edge in CRS units (metres for a projected grid)."""
        return (self.cell_x + self.cell_y) / 2.0

    @property
    def cell_area_m2(self) -> float:
        return self.cell_x * self.cell_y

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.transform
        x0, y0 = t.c, t.f
        x1, y1 = x0 + t.a * self.width, y0 + t.e * self.height
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    def window_transform(self, window: Window) -> object:
        from rasterio.windows import transform as wtransform

        return wtransform(window.to_rasterio(), self.transform)

    def window_bounds(self, window: Window) -> tuple[float, float, float, float]:
        t = self.transform
        x0 = t.c + t.a * window.col_off
        x1 = x0 + t.a * window.width
        y0 = t.f + t.e * window.row_off
        y1 = y0 + t.e * window.height
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def cell_centres(self, window: Window | None = None) -> tuple[np.ndarray, np.ndarray]:
        """x, y of cell centres of *window* (whole grid when omitted), as 2-D arrays."""
        w = window or Window(0, 0, self.width, self.height)
        t = self.transform
        cols = np.arange(w.col_off, w.col_off + w.width) + 0.5
        rows = np.arange(w.row_off, w.row_off + w.height) + 0.5
        xs = t.c + t.a * cols
        ys = t.f + t.e * rows
        return np.meshgrid(xs, ys)

    def profile(
        self, *, dtype: str = "float32", count: int = 1, nodata: float | None = NODATA
    ) -> dict:
        return {
            "driver": "GTiff",
            "dtype": dtype,
            "count": count,
            "width": self.width,
            "height": self.height,
            "crs": self.crs,
            "transform": self.transform,
            "nodata": nodata,
        }


@dataclass(frozen=True)
class Window:
    """A rectangular block of a grid (row/col offsets may be negative for halos)."""

    col_off: int
    row_off: int
    width: int
    height: int

    def to_rasterio(self) -> object:
        from rasterio.windows import Window as RWindow

        return RWindow(self.col_off, self.row_off, self.width, self.height)

    def grow(self, halo: int) -> Window:
        return Window(
            self.col_off - halo, self.row_off - halo, self.width + 2 * halo, self.height + 2 * halo
        )

    @property
    def slices(self) -> tuple[slice, slice]:
        return (
            slice(self.row_off, self.row_off + self.height),
            slice(self.col_off, self.col_off + self.width),
        )


def grid_of(src: Any) -> Grid:
    """The :class:`Grid` of an open rasterio dataset; refuses rotated or CRS-less rasters."""
    name = Path(getattr(src, "name", "raster")).name
    if src.crs is None:
        msg = f"{name}: the raster has no coordinate reference system; assign one (gdal_edit.py -a_srs EPSG:…) first"
        raise CRSError(msg)
    t = src.transform
    if t.b != 0 or t.d != 0:
        msg = f"{name}: rotated rasters are not supported; warp it to a north-up grid first (gdalwarp)"
        raise LoadError(msg)
    return Grid(src.crs, t, src.width, src.height)


def open_raster(path: str | os.PathLike) -> Any:
    """Open a raster for reading (a rasterio dataset; use as a context manager)."""
    import rasterio

    p = Path(path)
    if not p.exists():
        msg = f"{p}: file not found"
        raise LoadError(msg)
    if p.is_dir():
        msg = f"{p}: is a folder, not a raster; give the path of the GeoTIFF"
        raise LoadError(msg)
    try:
        return rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{p.name}: cannot read the raster ({exc}). Is it a complete GeoTIFF?"
        raise LoadError(msg) from exc


def iter_windows(grid: Grid, block: int = BLOCK) -> Iterator[Window]:
    """Row-major blocks of at most ``block × block`` cells covering the grid."""
    for r in range(0, grid.height, block):
        for c in range(0, grid.width, block):
            yield Window(c, r, min(block, grid.width - c), min(block, grid.height - r))


def read_window(src: Any, window: Window, *, band: int = 1) -> np.ndarray:
    """Read *window* (which may extend past the raster) as float32 with NaN for nodata/outside."""
    out = np.full((window.height, window.width), np.nan, dtype="float32")
    r0, c0 = max(window.row_off, 0), max(window.col_off, 0)
    r1 = min(window.row_off + window.height, src.height)
    c1 = min(window.col_off + window.width, src.width)
    if r1 <= r0 or c1 <= c0:
        return out
    from rasterio.windows import Window as RWindow

    data = src.read(band, window=RWindow(c0, r0, c1 - c0, r1 - r0), masked=True)
    arr = np.ma.filled(data.astype("float32"), np.nan)
    nod = src.nodata
    if nod is not None and not np.isnan(nod):
        arr[arr == np.float32(nod)] = np.nan
    out[r0 - window.row_off : r1 - window.row_off, c0 - window.col_off : c1 - window.col_off] = arr
    return out


# ------------------------------------------------------------------------------------------
# Reprojection of geographic DEMs
# ------------------------------------------------------------------------------------------


def _cache_dir() -> Path:
    p = settings.cache_dir() / "rasters"
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p


def reproject_raster(
    src_path: str | os.PathLike,
    target: str | os.PathLike,
    dst_crs: object,
    *,
    resolution: float | None = None,
    resampling: str = "bilinear",
) -> Path:
    """Warp a single-band raster to *dst_crs* (square cells of *resolution* CRS units), atomically.

    Without *resolution* the cell size is rasterio's default estimate, rounded to whole metres.
    """
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from geoplan.data.io import atomic_path

    with open_raster(src_path) as src:
        grid_of(src)  # CRS present, north-up
        est, _, _ = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds
        )
        native = abs(est.a)
        if resolution is None:
            resolution = max(1.0, round(native))
        # At about the native cell size, bilinear without GDAL's kernel widening keeps planes
        # planar (so slopes stay exact); when coarsening a lot, average the source cells.
        extra = {"XSCALE": 1, "YSCALE": 1} if resolution < 1.5 * native else {}
        if resolution >= 1.5 * native and resampling == "bilinear":
            resampling = "average"
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds, resolution=resolution
        )
        profile = {
            "driver": "GTiff",
            "dtype": "float32",
            "count": 1,
            "width": width,
            "height": height,
            "crs": dst_crs,
            "transform": transform,
            "nodata": NODATA,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "deflate",
        }
        with atomic_path(target, suffix=".tif") as tmp, rasterio.open(tmp, "w", **profile) as dst:
            src_nodata = src.nodata if src.nodata is not None else None
            reproject(
                source=rasterio.band(src, 1),
                destination=rasterio.band(dst, 1),
                src_transform=src.transform,
                src_crs=src.crs,
                src_nodata=src_nodata,
                dst_transform=transform,
                dst_crs=dst_crs,
                dst_nodata=NODATA,
                resampling=getattr(Resampling, resampling),
                warp_mem_limit=256,
                **extra,
            )
    logger.info("reprojected %s to %s at %.1f m cells", Path(src_path).name, dst_crs, resolution)
    return Path(target)


def projected_dem(
    path: str | os.PathLike,
    dst_crs: object | None = None,
    *,
    force: bool = False,
    resolution: float | None = None,
) -> Path:
    """Return a path to *path* in a metric CRS: the file itself if it is projected already.

    A geographic DEM (degrees) is warped to *dst_crs* (the working CRS by default), because slope
    needs the cell size in metres. With ``force=True`` a projected DEM in another CRS is warped
    too. The warped copy is cached under ``$GEOPLAN_CACHE_DIR`` (or the temp folder), keyed by
    the source's content, the target CRS, the resolution and the code version
    (:func:`geoplan.cache.key`).
    """
    from rasterio.crs import CRS as RCRS

    from geoplan.data.crs import WORKING_CRS

    p = Path(path)
    target_crs = RCRS.from_user_input(dst_crs if dst_crs is not None else WORKING_CRS.to_wkt())
    with open_raster(p) as src:
        grid = grid_of(src)
        same = grid.crs == target_crs
        if not grid.crs.is_geographic and (same or not force):
            return p
    from geoplan import cache

    digest = cache.key("projected-dem", p, target_crs.to_wkt(), resolution)[:16]
    out = _cache_dir() / f"{p.stem}.{digest}.tif"
    if not out.exists():
        reproject_raster(p, out, target_crs, resolution=resolution)
    return out


# ------------------------------------------------------------------------------------------
# Writing (cloud-optimized GeoTIFF, atomic)
# ------------------------------------------------------------------------------------------


class RasterWriter:
    """Write a raster block by block; on close it becomes a COG at *target*, atomically.

    Usage::

        with RasterWriter(path, grid, count=1, descriptions=["score"]) as w:
            for win in iter_windows(grid):
                w.write(block, win)            # (h, w) or (bands, h, w), NaN = nodata

    If anything raises inside the ``with`` block, *target* is left untouched.
    """

    def __init__(
        self,
        target: str | os.PathLike,
        grid: Grid,
        *,
        count: int = 1,
        dtype: str = "float32",
        nodata: float | None = NODATA,
        descriptions: list[str] | None = None,
        cog: bool = True,
    ) -> None:
        self.target = Path(target)
        self.grid = grid
        self.count = count
        self.dtype = dtype
        self.nodata = nodata
        self.descriptions = descriptions
        self.cog = cog
        self._stack = contextlib.ExitStack()
        self._dst: Any = None

    def __enter__(self) -> RasterWriter:
        import rasterio

        from geoplan.data.io import atomic_path

        self._final_tmp = self._stack.enter_context(atomic_path(self.target, suffix=".tif"))
        self._stage = (
            self._final_tmp.with_name(self._final_tmp.stem + ".stage.tif")
            if self.cog
            else self._final_tmp
        )
        profile = self.grid.profile(dtype=self.dtype, count=self.count, nodata=self.nodata)
        profile.update(
            tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER"
        )
        self._dst = rasterio.open(self._stage, "w", **profile)
        if self.descriptions:
            for i, d in enumerate(self.descriptions, start=1):
                self._dst.set_band_description(i, d)
        return self

    def write(self, data: np.ndarray, window: Window) -> None:
        arr = data if data.ndim == 3 else data[np.newaxis]
        if self.nodata is not None and np.issubdtype(np.dtype(self.dtype), np.floating):
            arr = np.where(np.isnan(arr), self.nodata, arr)
        self._dst.write(arr.astype(self.dtype, copy=False), window=window.to_rasterio())

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._dst.close()
            if exc_type is None and self.cog:
                from rasterio.shutil import copy as rcopy

                rcopy(
                    self._stage,
                    self._final_tmp,
                    driver="COG",
                    COMPRESS="DEFLATE",
                    BLOCKSIZE=256,
                    OVERVIEWS="AUTO",
                    BIGTIFF="IF_SAFER",
                    NUM_THREADS="1",
                )
        finally:
            if self.cog:
                with contextlib.suppress(FileNotFoundError):
                    self._stage.unlink()
            self._stack.__exit__(exc_type, exc, tb)


def write_raster_atomic(
    target: str | os.PathLike,
    data: np.ndarray,
    grid: Grid,
    *,
    nodata: float | None = NODATA,
    descriptions: list[str] | None = None,
    cog: bool = True,
) -> Path:
    """Write a whole in-memory array (2-D or bands × rows × cols) as a COG, atomically."""
    count = 1 if data.ndim == 2 else data.shape[0]
    with RasterWriter(
        target,
        grid,
        count=count,
        dtype=str(data.dtype),
        nodata=nodata,
        descriptions=descriptions,
        cog=cog,
    ) as w:
        w.write(data, Window(0, 0, grid.width, grid.height))
    return Path(target)


# ------------------------------------------------------------------------------------------
# PNG
# ------------------------------------------------------------------------------------------


def encode_png(rgba: np.ndarray) -> bytes:
    """Encode an ``(h, w, 4)`` uint8 array as PNG bytes (zlib only)."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        msg = "encode_png expects an (h, w, 4) uint8 array"
        raise ValueError(msg)
    h, w, _ = rgba.shape
    raw = np.concatenate(
        [np.zeros((h, 1), dtype=np.uint8), rgba.reshape(h, w * 4)], axis=1
    ).tobytes()

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + tag
            + payload
            + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def cells_for_distance(grid: Grid, distance_m: float) -> int:
    """Number of cells that spans *distance_m* (for halos)."""
    return math.ceil(distance_m / min(grid.cell_x, grid.cell_y)) + 1


def to_pyproj(crs: object) -> Any:
    """A rasterio CRS (or anything pyproj understands) as a :class:`pyproj.CRS`."""
    from pyproj import CRS

    if isinstance(crs, CRS):
        return crs
    return CRS.from_wkt(crs.to_wkt()) if hasattr(crs, "to_wkt") else CRS.from_user_input(crs)


def same_crs_wkt(a: object, b: object) -> bool:
    """Whether two CRSs (rasterio or pyproj) describe the same system, ignoring axis order."""
    if a is None or b is None:
        return False
    pa, pb = to_pyproj(a), to_pyproj(b)
    return pa == pb or pa.equals(pb, ignore_axis_order=True)
