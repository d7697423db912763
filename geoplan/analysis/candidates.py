"""Candidate sites (候选用地) on a suitability grid, and the best-land allocation helper.

- :func:`find_candidates` — contiguous suitable, unconstrained patches ≥ a minimum area (亩),
  labelled block by block, vectorised, clipped off the hard-constraint polygons and (optionally)
  cut along road right-of-ways into development blocks; each described by area, mean score,
  nearest-road distance, plate (板块) and structure element (组团).
- :func:`best_land` — the most suitable unconstrained cells totalling a demand in 亩 (西拓北延
  scenarios allocate onto these).

Both take any grid result with the shape of :class:`SuitabilityGrid` (the suitability result).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.raster import (
    GeomSet,
    burn,
    check_raster_vector_crs,
    full_window,
    label_components,
    to_pyproj,
    zonal_sums,
)
from geoplan.data import io_raster as rio
from geoplan.settings import M2_PER_MU
from geoplan.standards.suitability import SuitabilityConfig

COLUMNS = [
    "candidate_id",
    "area_mu",
    "area_m2",
    "cells",
    "mean_score",
    "road_distance_m",
    "plate",
    "structure_element",
    "in_zone",
    "geometry",
]


class SuitabilityGrid(Protocol):
    """What candidate search needs from a grid result."""

    grid: rio.Grid
    config: SuitabilityConfig
    layers: dict[str, pd.DataFrame]
    block: int
    _hard_union: shapely.Geometry | None

    @property
    def score(self) -> np.ndarray: ...
    @property
    def bits(self) -> np.ndarray: ...
    @property
    def cell_area_mu(self) -> float: ...
    def windows(self) -> list[rio.Window]: ...
    def read(self, name: str, win: rio.Window) -> np.ndarray: ...


def empty_candidates(crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "candidate_id": pd.Series(dtype=object),
            "area_mu": pd.Series(dtype=float),
            "area_m2": pd.Series(dtype=float),
            "cells": pd.Series(dtype="int64"),
            "mean_score": pd.Series(dtype=float),
            "road_distance_m": pd.Series(dtype=float),
            "plate": pd.Series(dtype=object),
            "structure_element": pd.Series(dtype=object),
            "in_zone": pd.Series(dtype=bool),
        },
        geometry=gpd.GeoSeries([], crs=to_pyproj(crs)),
        crs=to_pyproj(crs),
    )


def find_candidates(
    res: SuitabilityGrid,
    *,
    min_area_mu: float | None = None,
    min_score: float | None = None,
    within: gpd.GeoDataFrame | None = None,
    split_by_roads: bool | None = None,
) -> gpd.GeoDataFrame:
    """Contiguous unconstrained patches with score ≥ *min_score* and area ≥ *min_area_mu* (亩).

    Patches are labelled block by block (4/8-connectivity per the config), vectorised,
    clipped off the hard-constraint polygons (so none overlaps one, even by a cell corner)
    and — with ``split_by_roads`` — cut along road right-of-ways into blocks. Each piece is
    described by area, mean score, nearest-road distance, plate and structure element.
    """
    cfg = res.config
    min_area_mu = cfg.min_area_mu if min_area_mu is None else float(min_area_mu)
    min_score = cfg.min_score if min_score is None else float(min_score)
    split = cfg.split_by_roads if split_by_roads is None else bool(split_by_roads)
    within_set = None
    if within is not None:
        check_raster_vector_crs(res.grid, within, what="candidates 'within'")
        within_set = GeomSet.of(within.geometry.to_numpy())
    empty = empty_candidates(res.grid.crs)
    frame = _patches(res, min_score, min_area_mu, within_set)
    if frame is None:
        return empty
    frame = _clip(res, frame, split)
    if frame is None:
        return empty
    area_m2 = frame.geometry.area.to_numpy()
    frame = frame.assign(area_m2=area_m2, area_mu=area_m2 / M2_PER_MU)
    frame = frame[frame["area_mu"] >= min_area_mu].reset_index(drop=True)
    if frame.empty:
        return empty
    return _describe(res, frame)


def label_patches(
    res: SuitabilityGrid, min_score: float, within_set: GeomSet | None = None
) -> tuple[Callable[[rio.Window], np.ndarray], np.ndarray, int]:
    """Connected components of suitable, unconstrained cells (see
    :func:`geoplan.analysis.raster.label_components`): ids per window, cells per id, count."""

    def suitable(win: rio.Window) -> np.ndarray:
        sc = res.read("score", win)
        ok = (sc >= min_score) & (res.read("bits", win) == 0)
        if within_set is not None:
            ok &= burn(within_set, res.grid, win, all_touched=False)
        return ok

    return label_components(res.windows(), res.block, suitable, eight=res.config.connectivity == 8)


def _patches(
    res: SuitabilityGrid, min_score: float, min_area_mu: float, within_set: GeomSet | None
) -> gpd.GeoDataFrame | None:
    """Vectorised patches (one row per component label) at least *min_area_mu* in cells."""
    from rasterio.features import shapes

    component_ids, counts, n = label_patches(res, min_score, within_set)
    if n <= 1:
        return None
    # clipping only removes area, so patches already below the minimum are dropped here
    keep = counts * res.cell_area_mu >= min_area_mu
    keep[0] = False
    if not keep.any():
        return None
    pieces: list[shapely.Geometry] = []
    piece_lab: list[int] = []
    for win in res.windows():
        lab = component_ids(win)
        m = keep[lab]
        if not m.any():
            continue
        for geom, val in shapes(
            lab,
            mask=m,
            connectivity=res.config.connectivity,
            transform=res.grid.window_transform(win),
        ):
            pieces.append(shapely.geometry.shape(geom))
            piece_lab.append(int(val))
    crs = to_pyproj(res.grid.crs)
    return gpd.GeoDataFrame({"label": piece_lab}, geometry=pieces, crs=crs).dissolve(
        by="label", as_index=False
    )


def _clip(res: SuitabilityGrid, frame: gpd.GeoDataFrame, split: bool) -> gpd.GeoDataFrame | None:
    """Patches minus the hard-constraint polygons (and road corridors when *split*), polygons only."""
    cutter = res._hard_union
    if split:
        corridors = road_corridors(res.layers, res.config.road_width_m)
        if corridors is not None:
            cutter = corridors if cutter is None else shapely.union(cutter, corridors)
    geoms = frame.geometry.to_numpy().copy()
    if cutter is not None:
        shapely.prepare(cutter)
        hit = shapely.intersects(geoms, cutter)
        if hit.any():
            geoms[hit] = shapely.difference(geoms[hit], cutter)
    geoms = shapely.make_valid(geoms)
    crs = to_pyproj(res.grid.crs)
    frame = gpd.GeoDataFrame({"label": frame["label"].to_numpy()}, geometry=geoms, crs=crs)
    frame = frame[~frame.geometry.is_empty]
    if frame.empty:
        return None
    # keep polygon parts only (a difference can leave slivers as lines or points)
    frame = frame.explode(index_parts=False, ignore_index=True)
    frame = frame[frame.geometry.geom_type == "Polygon"]
    if not split and len(frame):
        frame = frame.dissolve(by="label", as_index=False)
    return frame


def _describe(res: SuitabilityGrid, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells, mean score, road distance, plate, structure element and ids, best first."""
    s = zonal_sums(res.grid, res.windows(), res.read, frame.geometry.to_numpy())
    frame["cells"] = s["cells"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["mean_score"] = np.where(s["cells"] > 0, s["sum"] / np.maximum(s["cells"], 1), np.nan)
    frame["road_distance_m"] = road_distance(res.layers, frame)
    frame["plate"] = overlay_name(res.layers, frame, "plates", "name")
    frame["structure_element"] = overlay_name(res.layers, frame, "structure", "name")
    frame["in_zone"] = in_zone(res.layers, frame)
    frame = frame.sort_values(["mean_score", "area_mu"], ascending=[False, False]).reset_index(
        drop=True
    )
    frame.insert(0, "candidate_id", [f"C{i + 1:03d}" for i in range(len(frame))])
    return frame[COLUMNS]


def road_corridors(
    layers: dict[str, pd.DataFrame], default_width_m: float
) -> shapely.Geometry | None:
    """Union of road right-of-ways (``width_m``, else *default_width_m*)."""
    roads = layers.get("roads")
    if not isinstance(roads, gpd.GeoDataFrame) or roads.empty:
        return None
    width = (
        pd.to_numeric(roads["width_m"], errors="coerce")
        if "width_m" in roads
        else pd.Series(np.nan, index=roads.index)
    )
    half = width.fillna(default_width_m).to_numpy() / 2.0
    return shapely.union_all(shapely.buffer(roads.geometry.to_numpy(), half, cap_style="flat"))


def road_distance(layers: dict[str, pd.DataFrame], frame: gpd.GeoDataFrame) -> np.ndarray:
    """Distance (m) from each polygon to the nearest road (NaN without roads)."""
    roads = layers.get("roads")
    if not isinstance(roads, gpd.GeoDataFrame) or roads.empty:
        return np.full(len(frame), np.nan)
    tree = roads.sindex
    (i_src, _), dist = tree.nearest(
        frame.geometry.to_numpy(), return_distance=True, return_all=False
    )
    out = np.full(len(frame), np.nan)
    out[i_src] = dist
    return out


def overlay_name(
    layers: dict[str, pd.DataFrame], frame: gpd.GeoDataFrame, layer: str, col: str
) -> np.ndarray:
    """Name of the polygon of *layer* that covers the largest part of each candidate."""
    other = layers.get(layer)
    out = np.full(len(frame), None, dtype=object)
    if not isinstance(other, gpd.GeoDataFrame) or other.empty:
        return out
    polys = other[other.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if layer == "structure" and "kind" in polys:
        polys = polys[polys["kind"] != "ecology"] if (polys["kind"] != "ecology").any() else polys
    if polys.empty:
        return out
    cand_idx, poly_idx = polys.sindex.query(frame.geometry.to_numpy(), predicate="intersects")
    if len(cand_idx) == 0:
        return out
    shared = shapely.area(
        shapely.intersection(
            frame.geometry.to_numpy()[cand_idx], polys.geometry.to_numpy()[poly_idx]
        )
    )
    pairs = pd.DataFrame({"c": cand_idx, "p": poly_idx, "a": shared})
    pairs = pairs[pairs["a"] > 0].sort_values("a", ascending=False).drop_duplicates("c")
    names = polys[col].to_numpy() if col in polys else polys.index.to_numpy()
    out[pairs["c"].to_numpy()] = names[pairs["p"].to_numpy()]
    return out


def in_zone(layers: dict[str, pd.DataFrame], frame: gpd.GeoDataFrame) -> np.ndarray:
    zone = layers.get("zone")
    if not isinstance(zone, gpd.GeoDataFrame) or zone.empty:
        return np.full(len(frame), False)
    return shapely.intersects(
        frame.geometry.to_numpy(), shapely.union_all(zone.geometry.to_numpy())
    )


def best_land(
    res: SuitabilityGrid,
    area_mu: float,
    *,
    within: gpd.GeoDataFrame | None = None,
    min_score: float = 0.0,
) -> gpd.GeoDataFrame:
    """The most suitable unconstrained cells totalling about *area_mu* 亩, as polygons.

    Cells are ranked by score (ties by position); the result is the dissolved set of chosen
    cells per contiguous piece with ``area_mu`` and ``mean_score``. Used to allocate a
    demand in 亩 (西拓北延 scenarios) onto the best land, optionally inside *within*.
    """
    from rasterio.features import shapes
    from scipy import ndimage

    if area_mu <= 0:
        return empty_candidates(res.grid.crs)[["geometry"]].assign(area_mu=[], mean_score=[])
    score = np.array(res.score, dtype="float32")
    free = (res.bits == 0) & ~np.isnan(score) & (score >= min_score)
    if within is not None:
        check_raster_vector_crs(res.grid, within, what="best_land 'within'")
        ws = GeomSet.of(within.geometry.to_numpy())
        free &= burn(ws, res.grid, full_window(res.grid), all_touched=False)
    flat = np.where(free, score, -np.inf).ravel()
    need = math.ceil(area_mu / res.cell_area_mu)
    need = min(need, int(free.sum()))
    pick = np.zeros(flat.shape, dtype=bool)
    if need > 0:
        top = np.argpartition(-flat, need - 1)[:need]
        pick[top] = True
    chosen = pick.reshape(score.shape)
    crs = to_pyproj(res.grid.crs)
    lab, n = ndimage.label(chosen, structure=np.ones((3, 3), bool))
    if n == 0:
        return gpd.GeoDataFrame({"area_mu": [], "mean_score": []}, geometry=[], crs=crs)
    cnt = np.bincount(lab.ravel(), minlength=n + 1)
    sm = np.bincount(lab.ravel(), weights=np.nan_to_num(score).ravel(), minlength=n + 1)
    parts: dict[int, list] = {}
    for geom, val in shapes(lab, mask=lab > 0, transform=res.grid.transform):
        parts.setdefault(int(val), []).append(shapely.geometry.shape(geom))
    geoms, means, areas = [], [], []
    for k in sorted(parts):
        geoms.append(shapely.union_all(parts[k]))
        areas.append(cnt[k] * res.cell_area_mu)
        means.append(sm[k] / cnt[k])
    out = gpd.GeoDataFrame({"area_mu": areas, "mean_score": means}, geometry=geoms, crs=crs)
    return out.sort_values("mean_score", ascending=False).reset_index(drop=True)
