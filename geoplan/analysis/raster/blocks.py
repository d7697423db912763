"""Block-wise processing: where block results go, decimated reads, connected components.

A grid is cut into blocks (:func:`geoplan.data.io_raster.iter_windows`); a kernel reads each
block with a halo (:meth:`~geoplan.data.io_raster.Window.grow`) so that slope kernels and capped
distance transforms are exact at block seams, and writes its core into a :class:`BlockStore`. Small
grids keep the results in memory; large ones stage them as tiled GeoTIFFs in a temporary folder,
so memory is bounded by the block size.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from geoplan.data import io_raster as rio


class BlockStore:
    """Named result layers of a grid: in-memory arrays (small grids) or staged GeoTIFFs (large).

    *layers* maps a name to ``(dtype, bands, nodata)``; float layers hold NaN for no data in memory
    (written as :data:`~geoplan.data.io_raster.NODATA` when staged).
    """

    def __init__(
        self,
        grid: rio.Grid,
        layers: Mapping[str, tuple[str, int, float | None]],
        *,
        in_memory: bool,
    ) -> None:
        self.grid = grid
        self.in_memory = in_memory
        self.layers = dict(layers)
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.arrays: dict[str, np.ndarray] = {}
        self.paths: dict[str, Path] = {}
        self._dst: dict[str, object] = {}
        if in_memory:
            for name, (dtype, count, _) in self.layers.items():
                shape = grid.shape if count == 1 else (count, *grid.shape)
                fill = np.nan if np.dtype(dtype).kind == "f" else 0
                self.arrays[name] = np.full(shape, fill, dtype=dtype)
            return
        import rasterio

        self._tmp = tempfile.TemporaryDirectory(prefix="geoplan-grid-")
        for name, (dtype, count, nodata) in self.layers.items():
            path = Path(self._tmp.name) / f"{name}.tif"
            prof = grid.profile(dtype=dtype, count=count, nodata=nodata)
            prof.update(
                tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER"
            )
            self._dst[name] = rasterio.open(path, "w", **prof)
            self.paths[name] = path

    def has(self, name: str) -> bool:
        return name in self.layers

    def put(self, win: rio.Window, block: Mapping[str, np.ndarray]) -> None:
        """Store the layers of *block* (those this store holds) at *win*."""
        for name in self.layers:
            if name not in block:
                continue
            data = block[name]
            if self.in_memory:
                self.arrays[name][(..., *win.slices)] = data
            else:
                arr = data if data.ndim == 3 else data[np.newaxis]
                if arr.dtype.kind == "f":
                    arr = np.where(np.isnan(arr), np.float32(rio.NODATA), arr)
                self._dst[name].write(arr, window=win.to_rasterio())  # type: ignore[attr-defined]

    def finish(self) -> None:
        """Close staged files; make in-memory arrays read-only."""
        if not self.in_memory:
            for dst in self._dst.values():
                dst.close()  # type: ignore[attr-defined]
            self._dst = {}
        else:
            for a in self.arrays.values():
                a.flags.writeable = False

    def read(self, name: str, win: rio.Window) -> np.ndarray:
        if self.in_memory:
            return self.arrays[name][(..., *win.slices)]
        import rasterio

        multi = self.layers[name][1] > 1
        with rasterio.open(self.paths[name]) as src:
            a = (
                src.read(window=win.to_rasterio())
                if multi
                else src.read(1, window=win.to_rasterio())
            )
        if a.dtype.kind != "f":
            return a
        a = a.astype("float32")
        a[a == np.float32(rio.NODATA)] = np.nan
        return a

    def close(self) -> None:
        """Remove staged files; the store is unusable afterwards."""
        if self._tmp is not None:
            self._tmp.cleanup()


def decimated(store: BlockStore, name: str, k: int) -> tuple[np.ndarray, object]:
    """Every k-th cell of a layer (the one nearest each k×k block's centre) and its transform."""
    from affine import Affine

    grid = store.grid
    if k == 1:
        return np.array(store.read(name, rio.Window(0, 0, grid.width, grid.height))), grid.transform
    h, w = math.ceil(grid.height / k), math.ceil(grid.width / k)
    if store.in_memory:
        arr = store.arrays[name]
        rows = np.minimum(np.arange(h) * k + k // 2, grid.height - 1)
        cols = np.minimum(np.arange(w) * k + k // 2, grid.width - 1)
        out = arr[np.ix_(rows, cols)]
    else:
        import rasterio
        from rasterio.enums import Resampling

        with rasterio.open(store.paths[name]) as src:
            out = src.read(1, out_shape=(h, w), resampling=Resampling.nearest)
        if out.dtype.kind == "f":
            out = out.astype("float32")
            out[out == np.float32(rio.NODATA)] = np.nan
    scale = Affine.scale(grid.width / w, grid.height / h)
    return out, grid.transform @ scale


def label_components(
    windows: list[rio.Window],
    block: int,
    mask: Callable[[rio.Window], np.ndarray],
    *,
    eight: bool = True,
) -> tuple[Callable[[rio.Window], np.ndarray], np.ndarray, int]:
    """Connected components of ``mask(win)`` over all blocks, labelled block by block.

    Each block is labelled on its own; labels that touch across block seams (including the
    diagonal at block corners for 8-connectivity) are merged with a sparse-graph connected
    components pass, so memory stays per block plus one integer per local label. Returns a
    function ``win → component ids (0 = none)``, the cell count per component and the count.
    """
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    structure = ndimage.generate_binary_structure(2, 2 if eight else 1)

    def local(win: rio.Window) -> tuple[np.ndarray, int]:
        return ndimage.label(mask(win), structure=structure)

    offsets: dict[rio.Window, int] = {}
    edges: dict[rio.Window, dict[str, np.ndarray]] = {}
    counts_parts: list[np.ndarray] = [np.zeros(1)]
    total = 0
    for win in windows:
        lab, n = local(win)
        offsets[win] = total
        g = np.where(lab > 0, lab + total, 0)
        edges[win] = {
            "top": g[0].copy(),
            "bottom": g[-1].copy(),
            "left": g[:, 0].copy(),
            "right": g[:, -1].copy(),
        }
        counts_parts.append(np.bincount(lab.ravel(), minlength=n + 1)[1:].astype("float64"))
        total += n
    counts_local = np.concatenate(counts_parts)
    if total == 0:
        return (lambda win: np.zeros((win.height, win.width), dtype="int32")), np.zeros(1), 0
    a, b = _seam_pairs(windows, edges, block, eight)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(total + 1, total + 1))
    n_comp, comp = connected_components(graph, directed=False)
    # component ids 1..k in order of first label; label 0 (background) keeps its own component
    comp = comp - comp[0]
    comp[comp < 0] += n_comp
    counts = np.bincount(comp, weights=counts_local, minlength=n_comp)

    def component_ids(win: rio.Window) -> np.ndarray:
        lab, _ = local(win)
        return np.where(lab > 0, comp[np.where(lab > 0, lab + offsets[win], 0)], 0).astype("int32")

    return component_ids, counts, n_comp


def _seam_pairs(
    windows: list[rio.Window],
    edges: dict[rio.Window, dict[str, np.ndarray]],
    block: int,
    eight: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of global labels that touch across block seams."""
    by_pos = {(w.row_off, w.col_off): w for w in windows}
    a_list, b_list = [], []

    def pair(u: np.ndarray, v: np.ndarray) -> None:
        m = (u > 0) & (v > 0)
        a_list.append(u[m])
        b_list.append(v[m])

    for win in windows:
        below = by_pos.get((win.row_off + win.height, win.col_off))
        right = by_pos.get((win.row_off, win.col_off + win.width))
        if below is not None:
            u, v = edges[win]["bottom"], edges[below]["top"]
            pair(u, v)
            if eight:
                pair(u[1:], v[:-1])
                pair(u[:-1], v[1:])
        if right is not None:
            u, v = edges[win]["right"], edges[right]["left"]
            pair(u, v)
            if eight:
                pair(u[1:], v[:-1])
                pair(u[:-1], v[1:])
        diag = by_pos.get((win.row_off + win.height, win.col_off + win.width))
        if eight and diag is not None:
            pair(edges[win]["bottom"][-1:], edges[diag]["top"][:1])
        anti = (
            by_pos.get((win.row_off + win.height, win.col_off - block)) if win.col_off > 0 else None
        )
        if eight and anti is not None and anti.col_off + anti.width == win.col_off:
            pair(edges[win]["bottom"][:1], edges[anti]["top"][-1:])
    a = np.concatenate(a_list) if a_list else np.zeros(0, int)
    b = np.concatenate(b_list) if b_list else np.zeros(0, int)
    return a, b
