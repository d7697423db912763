"""Zonal statistics of a score layer and a constraint bit mask per polygon, block by block."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely

from geoplan.analysis.raster.burn import non_overlapping_groups
from geoplan.data import io_raster as rio

#: ``read(name, window)`` of a result: ``"score"`` (float, NaN off land) and ``"bits"`` (uint8).
Reader = Callable[[str, rio.Window], np.ndarray]


def zonal_sums(
    grid: rio.Grid, windows: list[rio.Window], read: Reader, geoms: np.ndarray
) -> dict[str, np.ndarray]:
    """Per geometry: land cells, score sum, free cells, free score sum, constrained cells.

    A cell belongs to a polygon when its centre is inside; overlapping polygons are burned
    in separate non-overlapping groups so each gets all of its cells.
    """
    from rasterio.features import rasterize

    n = len(geoms)
    sums = {k: np.zeros(n) for k in ("cells", "sum", "free_cells", "free_sum", "con")}
    for grp in non_overlapping_groups(geoms):
        tree = shapely.STRtree(geoms[grp])
        for win in windows:
            hit = tree.query(shapely.box(*grid.window_bounds(win)))
            if len(hit) == 0:
                continue
            ids = rasterize(
                ((geoms[grp[i]], int(grp[i]) + 1) for i in hit),
                out_shape=(win.height, win.width),
                transform=grid.window_transform(win),
                fill=0,
                all_touched=False,
                dtype="int32",
            )
            score = read("score", win)
            bits = read("bits", win)
            ok = (ids > 0) & ~np.isnan(score)
            lab = ids[ok] - 1
            sc = score[ok].astype("float64")
            fr = bits[ok] == 0
            sums["cells"] += np.bincount(lab, minlength=n)
            sums["sum"] += np.bincount(lab, weights=sc, minlength=n)
            sums["free_cells"] += np.bincount(lab[fr], minlength=n)
            sums["free_sum"] += np.bincount(lab[fr], weights=sc[fr], minlength=n)
            sums["con"] += np.bincount(lab[~fr], minlength=n)
    return sums


def _tiny_polygons(
    grid: rio.Grid, read: Reader, geoms: np.ndarray, s: dict[str, np.ndarray]
) -> None:
    """Polygons smaller than a cell take the cell under their representative point (in place)."""
    tiny = (s["cells"] == 0) & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not tiny.any():
        return
    pts = shapely.point_on_surface(geoms[tiny])
    inv = ~grid.transform
    cols, rows = inv @ (shapely.get_x(pts), shapely.get_y(pts))
    rows, cols = np.floor(rows).astype(int), np.floor(cols).astype(int)
    inside = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
    idx = np.flatnonzero(tiny)[inside]
    rows, cols = rows[inside], cols[inside]
    if not len(idx):
        return
    r0, c0 = int(rows.min()), int(cols.min())
    win = rio.Window(c0, r0, int(cols.max()) - c0 + 1, int(rows.max()) - r0 + 1)
    sc = read("score", win)[rows - r0, cols - c0].astype("float64")
    bt = read("bits", win)[rows - r0, cols - c0]
    ok = ~np.isnan(sc)
    idx, sc, bt = idx[ok], sc[ok], bt[ok]
    s["cells"][idx] = 1
    s["sum"][idx] = sc
    s["con"][idx] = bt > 0
    s["free_cells"][idx] = bt == 0
    s["free_sum"][idx] = np.where(bt == 0, sc, 0.0)


def zonal_stats(
    grid: rio.Grid,
    windows: list[rio.Window],
    read: Reader,
    polygons: gpd.GeoDataFrame,
    *,
    cell_area_mu: float,
    prefix: str = "suit_",
) -> gpd.GeoDataFrame:
    """A copy of *polygons* with ``{prefix}mean``, ``mean_free``, ``constrained_share``,
    ``free_area_mu`` and ``cells`` (see :meth:`SuitabilityResult.zonal`)."""
    geoms = polygons.geometry.to_numpy()
    s = zonal_sums(grid, windows, read, geoms)
    _tiny_polygons(grid, read, geoms, s)
    cells = s["cells"]
    out = polygons.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out[f"{prefix}mean"] = np.where(cells > 0, s["sum"] / np.maximum(cells, 1), np.nan)
        out[f"{prefix}mean_free"] = np.where(
            s["free_cells"] > 0, s["free_sum"] / np.maximum(s["free_cells"], 1), np.nan
        )
        out[f"{prefix}constrained_share"] = np.where(
            cells > 0, s["con"] / np.maximum(cells, 1), np.nan
        )
    out[f"{prefix}free_area_mu"] = s["free_cells"] * cell_area_mu
    out[f"{prefix}cells"] = cells.astype("int64")
    return out
