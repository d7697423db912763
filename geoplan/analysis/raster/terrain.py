"""Terrain kernels on DEM blocks (metric cells)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def slope_percent(dem: np.ndarray, cell_x: float, cell_y: float) -> np.ndarray:
    """Slope in percent rise of a block whose outer ring is a halo (the result is 2 cells smaller).

    Horn's weighted 3×3 gradient. Where a neighbour is nodata (NaN) — at raster edges and along
    coasts — each row/column difference falls back from central to one-sided, and the 1-2-1
    weights are renormalised over what is available, so a plane keeps its exact slope up to the
    edge. A nodata centre cell stays nodata.
    """
    z = dem.astype("float32", copy=False)
    h, w = z.shape[0] - 2, z.shape[1] - 2
    if h <= 0 or w <= 0:
        return np.full((max(h, 0), max(w, 0)), np.nan, dtype="float32")

    def directional(get: Callable[[int, int], np.ndarray], step: float) -> np.ndarray:
        num = np.zeros((h, w), dtype="float32")
        den = np.zeros((h, w), dtype="float32")
        for k, wt in ((0, 1.0), (1, 2.0), (2, 1.0)):
            lo, mid, hi = get(k, 0), get(k, 1), get(k, 2)
            d = (hi - lo) / (2.0 * step)
            d = np.where(np.isnan(d), (hi - mid) / step, d)
            d = np.where(np.isnan(d), (mid - lo) / step, d)
            ok = ~np.isnan(d)
            num += np.where(ok, d, 0.0) * wt
            den += ok * np.float32(wt)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    gx = directional(lambda k, j: z[k : k + h, j : j + w], cell_x)
    gy = directional(lambda k, j: z[j : j + h, k : k + w], cell_y)
    s = (100.0 * np.hypot(gx, gy)).astype("float32")
    s[np.isnan(z[1:-1, 1:-1])] = np.nan
    return s
