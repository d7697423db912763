"""A small block raster engine on a DEM's grid, public for every grid analysis.

- :mod:`.grid` — the grid of a zone's DEM (metric, warped from lon/lat when needed) and the
  raster/vector CRS check;
- :mod:`.blocks` — block iteration with a halo, the block result store (in memory or staged on
  disk), decimated reads and block-wise connected components;
- :mod:`.burn` — vector burn-in (cell-centre rule or all-touched) and capped distance transforms;
- :mod:`.zonal` — zonal statistics of a score/mask pair per polygon;
- :mod:`.terrain` — slope (Horn's kernel, edge-aware).

Rasters touch disk only through :mod:`geoplan.data.io_raster`.
"""

from __future__ import annotations

from geoplan.analysis.raster.blocks import BlockStore, decimated, label_components
from geoplan.analysis.raster.burn import GeomSet, burn, distance, non_overlapping_groups
from geoplan.analysis.raster.grid import (
    check_raster_vector_crs,
    full_window,
    inside_mask,
    same_crs,
    to_pyproj,
    working_dem,
)
from geoplan.analysis.raster.terrain import slope_percent
from geoplan.analysis.raster.zonal import zonal_stats, zonal_sums

__all__ = [
    "BlockStore",
    "GeomSet",
    "burn",
    "check_raster_vector_crs",
    "decimated",
    "distance",
    "full_window",
    "inside_mask",
    "label_components",
    "non_overlapping_groups",
    "same_crs",
    "slope_percent",
    "to_pyproj",
    "working_dem",
    "zonal_stats",
    "zonal_sums",
]
