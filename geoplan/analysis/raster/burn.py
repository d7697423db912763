"""Vector burn-in and distance transforms on grid windows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geoplan.data import io_raster as rio


@dataclass
class GeomSet:
    """Non-empty geometries with their spatial index (``tree`` is None when there are none)."""

    geoms: np.ndarray
    tree: shapely.STRtree | None

    @classmethod
    def of(cls, geoms: object) -> GeomSet:
        arr = np.asarray(geoms, dtype=object) if not isinstance(geoms, np.ndarray) else geoms
        arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if len(arr) else arr
        return cls(arr, shapely.STRtree(arr) if len(arr) else None)

    def __len__(self) -> int:
        return len(self.geoms)


def burn(gs: GeomSet, grid: rio.Grid, window: rio.Window, *, all_touched: bool) -> np.ndarray:
    """Boolean raster of the geometries of *gs* on *window* (centre rule unless all_touched)."""
    out = np.zeros((window.height, window.width), dtype=bool)
    if gs.tree is None or len(gs.geoms) == 0:
        return out
    idx = gs.tree.query(shapely.box(*grid.window_bounds(window)))
    if len(idx) == 0:
        return out
    from rasterio.features import rasterize

    burned = rasterize(
        ((g, 1) for g in gs.geoms[np.sort(idx)]),
        out_shape=out.shape,
        transform=grid.window_transform(window),
        fill=0,
        all_touched=all_touched,
        dtype="uint8",
    )
    return burned.astype(bool)


def distance(sources: np.ndarray, cell_x: float, cell_y: float) -> np.ndarray:
    """Euclidean distance (m) from each cell centre to the nearest source cell; inf if none."""
    from scipy.ndimage import distance_transform_edt

    if not sources.any():
        return np.full(sources.shape, np.inf, dtype="float32")
    return distance_transform_edt(~sources, sampling=(cell_y, cell_x)).astype("float32")


def non_overlapping_groups(geoms: np.ndarray) -> list[np.ndarray]:
    """Split polygon indices into groups whose members do not overlap (greedy colouring).

    Parcels and plates normally form one group; only polygons that overlap others go through
    the (small) colouring loop.
    """
    n = len(geoms)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return []
    tree = shapely.STRtree(geoms[idx])
    a, b = tree.query(geoms[idx], predicate="overlaps")
    extra = tree.query(geoms[idx], predicate="contains")
    a = np.concatenate([a, extra[0]])
    b = np.concatenate([b, extra[1]])
    sel = a != b
    a, b = idx[a[sel]], idx[b[sel]]
    colour = np.zeros(n, dtype=int)
    if len(a):
        neighbours: dict[int, set[int]] = {}
        for i, j in zip(a, b, strict=True):
            neighbours.setdefault(int(i), set()).add(int(j))
            neighbours.setdefault(int(j), set()).add(int(i))
        for i in sorted(neighbours):
            used = {colour[j] for j in neighbours[i] if j < i}
            c = 0
            while c in used:
                c += 1
            colour[i] = c
    return [idx[colour[idx] == c] for c in np.unique(colour[idx])]
