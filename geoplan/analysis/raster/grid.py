"""The grid an analysis runs on: a zone's DEM in a metric CRS, and the CRS checks against it."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np

from geoplan.data import io_raster as rio
from geoplan.errors import CRSError, GeoplanError

to_pyproj = rio.to_pyproj
same_crs = rio.same_crs_wkt


def working_dem(
    zone: object, dem_path: str | os.PathLike | None, crs: object, *, reproject: bool = False
) -> Path:
    """The DEM to analyse (*dem_path*, else the zone's ``dem`` raster) in a metric CRS.

    A geographic (lon/lat) DEM is warped to *crs*; a projected DEM in another CRS is warped too
    when *reproject* is true (see :func:`geoplan.data.io_raster.projected_dem`).
    """
    if dem_path is None:
        dem_path = getattr(zone, "dem_path", None)
        if dem_path is None:
            msg = "no DEM: pass dem_path (the zone's catalog names no 'dem' raster)"
            raise GeoplanError(msg)
    return rio.projected_dem(Path(dem_path), crs, force=reproject)


def full_window(grid: rio.Grid) -> rio.Window:
    """The window covering the whole grid."""
    return rio.Window(0, 0, grid.width, grid.height)


def inside_mask(grid: rio.Grid, ext: rio.Window) -> np.ndarray:
    """Cells of a (haloed) window *ext* that lie inside the raster."""
    inside = np.zeros((ext.height, ext.width), dtype=bool)
    r0, c0 = max(0, -ext.row_off), max(0, -ext.col_off)
    r1 = min(ext.height, grid.height - ext.row_off)
    c1 = min(ext.width, grid.width - ext.col_off)
    inside[r0:r1, c0:c1] = True
    return inside


def check_raster_vector_crs(grid: rio.Grid, frame: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`CRSError` unless *frame* is in the raster's CRS (never reprojects silently)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return
    if frame.crs is None:
        msg = f"{what}: the layer has no CRS; the raster is in {to_pyproj(grid.crs).name}"
        raise CRSError(msg)
    if not same_crs(grid.crs, frame.crs):
        msg = (
            f"{what}: CRS mismatch between raster ({to_pyproj(grid.crs).name}) and vector "
            f"({frame.crs.name}); reproject the vector with geoplan.data.crs.to_working (or warp the raster)"
        )
        raise CRSError(msg)


def check_dem_crs(grid: rio.Grid, working_crs: object, dem: Path) -> None:
    """Refuse a projected DEM that is not in the working CRS (it is never warped silently).

    (Layers in another CRS than a DEM in the working CRS are the layers' fault: see
    :func:`check_raster_vector_crs`.)
    """
    if same_crs(grid.crs, working_crs):
        return
    msg = (
        f"{dem.name}: the DEM is in {to_pyproj(grid.crs).name}, not in the zone's working CRS "
        f"({to_pyproj(working_crs).name}); rerun with --reproject-dem to warp it "
        "(reproject_dem=True in Python), or give a DEM in the working CRS"
    )
    raise CRSError(msg)


def check_something_to_analyse(valid_cells: int, grid: rio.Grid, dem: Path) -> None:
    """An analysis over no land cell is an error, not "0 亩 analysed"."""
    if valid_cells > 0:
        return
    why = (
        f"the DEM has only {grid.width}×{grid.height} cell(s); slope needs at least 2×2"
        if grid.width < 2 or grid.height < 2
        else "every cell is no data (or sea)"
    )
    msg = f"{dem.name}: nothing to analyse: {why}; check the DEM (gdalinfo -stats) or give another with --dem"
    raise GeoplanError(msg)
