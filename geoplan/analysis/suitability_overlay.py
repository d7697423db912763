"""The suitability overlay's inputs and its per-block kernel (see :mod:`geoplan.analysis.suitability`).

:func:`prepare_inputs` turns a zone's layers into indexed geometry sets on the DEM's grid (roads,
built land, facilities with headroom, one set per hard-constraint mask, soft constraints, the land
polygon); :func:`process_block` computes, for one block with its halo, the factors, the constraint
bit mask and the weighted score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.raster import GeomSet, burn, check_raster_vector_crs, distance, inside_mask
from geoplan.analysis.raster.terrain import slope_percent
from geoplan.data import io_raster as rio
from geoplan.errors import GeoplanError
from geoplan.standards.suitability import BITS, CONSTRAINTS, KIND_TO_MASK, SuitabilityConfig

FACTOR_BANDS = (
    "slope_pct",
    "road_distance_m",
    "built_distance_m",
    "facility_distance_m",
    "coast_distance_m",
    "score_raw",
)


def as_layers(zone: object) -> dict[str, pd.DataFrame]:
    if zone is None:
        return {}
    if hasattr(zone, "layers"):
        return dict(zone.layers)
    if isinstance(zone, Mapping):
        return dict(zone)
    msg = f"expected a ZoneData or a dict of layers, got {type(zone).__name__}"
    raise GeoplanError(msg)


def headroom_points(layers: dict[str, pd.DataFrame], headroom: object) -> gpd.GeoSeries | None:
    """Facility locations with positive headroom, from several accepted shapes of *headroom*.

    - a GeoDataFrame of points with a numeric column whose name contains ``headroom``;
    - a DataFrame with ``facility_id`` and a ``headroom`` column (looked up in the substation and
      sewage-plant layers);
    - a mapping ``facility_id → headroom``.
    """
    if headroom is None:
        return None
    if isinstance(headroom, gpd.GeoDataFrame):
        cols = [c for c in headroom.columns if "headroom" in str(c).lower()]
        if not cols:
            msg = "headroom: the GeoDataFrame needs a numeric column named like 'headroom'"
            raise GeoplanError(msg)
        keep = pd.to_numeric(headroom[cols[0]], errors="coerce").fillna(0).to_numpy() > 0
        return headroom.geometry[keep]
    if isinstance(headroom, pd.DataFrame):
        cols = [c for c in headroom.columns if "headroom" in str(c).lower()]
        if "facility_id" not in headroom or not cols:
            msg = "headroom: the table needs 'facility_id' and a 'headroom' column"
            raise GeoplanError(msg)
        ids = headroom.loc[
            pd.to_numeric(headroom[cols[0]], errors="coerce").fillna(0) > 0, "facility_id"
        ].astype(str)
    elif isinstance(headroom, Mapping):
        ids = pd.Series(
            [str(k) for k, v in headroom.items() if v is not None and float(v) > 0], dtype=object
        )
    else:
        msg = f"headroom: unsupported type {type(headroom).__name__}"
        raise GeoplanError(msg)
    frames = [
        layers[n]
        for n in ("substations", "sewage_plants")
        if isinstance(layers.get(n), gpd.GeoDataFrame)
    ]
    if not frames:
        return gpd.GeoSeries([], crs=None)
    fac = pd.concat(
        [
            f[["facility_id", f.geometry.name]].rename_geometry("geometry")
            if f.geometry.name != "geometry"
            else f[["facility_id", "geometry"]]
            for f in frames
        ],
        ignore_index=True,
    )
    fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=frames[0].crs)
    return fac.geometry[fac["facility_id"].astype(str).isin(set(ids)).to_numpy()]


@dataclass
class Inputs:
    roads: GeomSet
    built: GeomSet
    facilities: GeomSet | None
    masks: dict[str, GeomSet]
    soft: GeomSet
    land: GeomSet | None
    hard_union: shapely.Geometry | None
    coast_hint: GeomSet | None = None


def prepare_inputs(
    layers: dict[str, pd.DataFrame],
    grid: rio.Grid,
    cfg: SuitabilityConfig,
    headroom: object,
    land: gpd.GeoDataFrame | None,
) -> Inputs:
    for name, frame in layers.items():
        if name in (
            "roads",
            "parcels",
            "constraints",
            "substations",
            "sewage_plants",
            "plates",
            "structure",
            "zone",
        ):
            check_raster_vector_crs(grid, frame, what=f"layer '{name}'")
    roads = layers.get("roads")
    road_status = cfg.factors["road_distance"].status if "road_distance" in cfg.factors else ()
    if isinstance(roads, gpd.GeoDataFrame) and len(roads):
        sel = (
            roads["status"].isin(road_status).to_numpy()
            if "status" in roads and road_status
            else np.ones(len(roads), bool)
        )
        road_set = GeomSet.of(roads.geometry.to_numpy()[sel])
    else:
        road_set = GeomSet.of(np.array([], dtype=object))
    parcels = layers.get("parcels")
    if isinstance(parcels, gpd.GeoDataFrame) and len(parcels) and "status" in parcels:
        built = GeomSet.of(
            parcels.geometry.to_numpy()[parcels["status"].isin(cfg.built_status).to_numpy()]
        )
    else:
        built = GeomSet.of(np.array([], dtype=object))
    fac_geoms = headroom_points(layers, headroom)
    if fac_geoms is not None and fac_geoms.crs is not None:
        check_raster_vector_crs(
            grid, gpd.GeoDataFrame(geometry=fac_geoms), what="headroom facilities"
        )
    facilities = GeomSet.of(fac_geoms.to_numpy()) if fac_geoms is not None else None

    masks: dict[str, list] = {name: [] for name in CONSTRAINTS}
    soft: list = []
    cons = layers.get("constraints")
    if isinstance(cons, gpd.GeoDataFrame) and len(cons):
        geoms = cons.geometry.to_numpy()
        if "setback_m" in cons:
            sb = pd.to_numeric(cons["setback_m"], errors="coerce").fillna(0).to_numpy()
            grow = sb > 0
            if grow.any():
                geoms = geoms.copy()
                geoms[grow] = shapely.buffer(geoms[grow], sb[grow])
        hard = (
            cons["hard"].fillna(True).astype(bool).to_numpy()
            if "hard" in cons
            else np.ones(len(cons), bool)
        )
        kinds = (
            cons["kind"].astype(str).to_numpy() if "kind" in cons else np.full(len(cons), "other")
        )
        if cfg.hard_kinds:
            hard = hard | np.isin(kinds, list(cfg.hard_kinds))
        for kind, mask_name in KIND_TO_MASK.items():
            sel = (kinds == kind) & hard
            masks[mask_name].extend(geoms[sel])
        unknown = hard & ~np.isin(kinds, list(KIND_TO_MASK))
        masks["other"].extend(geoms[unknown])
        soft.extend(geoms[~hard])
    masks["built"].extend(built.geoms)
    mask_sets = {k: GeomSet.of(np.array(v, dtype=object)) for k, v in masks.items() if v}
    all_hard = [g for v in masks.values() for g in v]
    hard_union = shapely.union_all(np.array(all_hard, dtype=object)) if all_hard else None
    coast_hint = None
    if (
        isinstance(cons, gpd.GeoDataFrame)
        and "kind" in cons
        and (cons["kind"] == "coastal_setback").any()
    ):
        near = max(cfg.coastal_setback_m, 3 * grid.cell_size_m) + grid.cell_size_m
        coast_hint = GeomSet.of(
            shapely.buffer(
                cons.geometry.to_numpy()[(cons["kind"] == "coastal_setback").to_numpy()], near
            )
        )
    land_set = None
    if land is not None:
        check_raster_vector_crs(grid, land, what="land polygon")
        land_set = GeomSet.of(land.geometry.to_numpy())
    return Inputs(
        road_set,
        built,
        facilities,
        mask_sets,
        GeomSet.of(np.array(soft, dtype=object)),
        land_set,
        hard_union,
        coast_hint,
    )


# ==========================================================================================
# Block processing
# ==========================================================================================


def active_weights(cfg: SuitabilityConfig, inputs: Inputs) -> dict[str, float]:
    """Normalised weights of the factors that can be computed with the given inputs."""
    usable = {}
    for name, f in cfg.factors.items():
        if f.weight <= 0:
            continue
        if name == "facility_distance" and inputs.facilities is None:
            continue
        usable[name] = f.weight
    total = sum(usable.values())
    if total <= 0:
        msg = "no suitability factor can be computed (all weights 0, or only facility_distance without headroom)"
        raise GeoplanError(msg)
    return {k: v / total for k, v in usable.items()}


def halo_cells(grid: rio.Grid, cfg: SuitabilityConfig, weights: dict[str, float]) -> int:
    """Halo (cells) wide enough for the slope kernel, the capped distances and the setback."""
    reach = [cfg.factors[n].transform.cap for n in weights if n != "slope"]
    reach.append(cfg.coastal_setback_m + grid.cell_size_m)
    return max(1, rio.cells_for_distance(grid, max(reach)))


def _land_and_sea(
    dem: np.ndarray, grid: rio.Grid, ext: rio.Window, cfg: SuitabilityConfig, inputs: Inputs
) -> tuple[np.ndarray, np.ndarray]:
    """Land cells and sea cells of a haloed block (the sea bounds the coastal setback)."""
    inside = inside_mask(grid, ext)

    if inputs.land is not None:
        land = burn(inputs.land, grid, ext, all_touched=False) & inside
        sea = inside & ~land
    elif cfg.sea_from_dem:
        land = ~np.isnan(dem)
        if cfg.sea_level_m is not None:
            land &= np.nan_to_num(dem, nan=-np.inf) > cfg.sea_level_m
        sea = inside & ~land
        if inputs.coast_hint is not None:  # only no-data next to the mapped coast is sea
            sea &= burn(inputs.coast_hint, grid, ext, all_touched=True)
    else:
        land = ~np.isnan(dem)
        sea = np.zeros(dem.shape, dtype=bool)
    return land, sea


def process_block(
    src: object,
    grid: rio.Grid,
    win: rio.Window,
    halo: int,
    cfg: SuitabilityConfig,
    inputs: Inputs,
    weights: dict[str, float],
    want_factors: bool,
) -> dict[str, np.ndarray]:
    ext = win.grow(halo)
    core = (slice(halo, halo + win.height), slice(halo, halo + win.width))
    dem = rio.read_window(src, ext)
    land, sea = _land_and_sea(dem, grid, ext, cfg, inputs)
    dem_land = np.where(land, dem, np.nan)

    cx, cy = grid.cell_x, grid.cell_y
    reach = np.float32(halo * min(cx, cy))  # distances up to this are exact within the haloed block

    def dist(sources: np.ndarray) -> np.ndarray:
        return np.minimum(distance(sources, cx, cy), reach)[core]

    # slope needs a one-cell ring around the core
    slope = slope_percent(
        dem_land[halo - 1 : halo + win.height + 1, halo - 1 : halo + win.width + 1], cx, cy
    )
    valid = land[core] & ~np.isnan(slope)

    raw: dict[str, np.ndarray] = {"slope": slope}
    if "road_distance" in weights or want_factors:
        raw["road_distance"] = dist(burn(inputs.roads, grid, ext, all_touched=True))
    if "built_distance" in weights or want_factors:
        raw["built_distance"] = dist(burn(inputs.built, grid, ext, all_touched=True))
    if inputs.facilities is not None and ("facility_distance" in weights or want_factors):
        raw["facility_distance"] = dist(burn(inputs.facilities, grid, ext, all_touched=True))
    # distance from a cell centre to the sea/land edge ≈ distance to the nearest sea cell centre − ½ cell
    coast = (
        dist(sea) - np.float32(0.5 * min(cx, cy))
        if sea.any()
        else np.full(slope.shape, reach, "float32")
    )

    score = np.zeros(slope.shape, dtype="float32")
    for name, wt in weights.items():
        score += wt * cfg.factors[name].transform.apply(raw[name])
    if len(inputs.soft):
        soft = burn(inputs.soft, grid, win, all_touched=False)
        score = np.where(soft, score * np.float32(cfg.soft_multiplier), score)

    bits = np.zeros(slope.shape, dtype="uint8")
    for name, gs in inputs.masks.items():
        bits |= burn(gs, grid, win, all_touched=False).astype("uint8") * np.uint8(BITS[name])
    bits |= (slope > cfg.steep_slope_pct).astype("uint8") * np.uint8(BITS["steep_slope"])
    if cfg.coastal_setback_m > 0:
        bits |= (coast <= cfg.coastal_setback_m).astype("uint8") * np.uint8(BITS["coastal_setback"])
    bits[~valid] = 0

    score_raw = np.where(valid, score, np.nan).astype("float32")
    out = {
        "score": np.where(bits > 0, np.float32(0.0), score_raw).astype("float32"),
        "bits": bits,
        "valid": valid,
    }
    if want_factors:
        nanify = lambda a: np.where(valid, a, np.nan).astype("float32")  # noqa: E731
        inf_band = np.full(slope.shape, np.nan, dtype="float32")
        out["factors"] = np.stack(
            [
                nanify(slope),
                nanify(raw["road_distance"]),
                nanify(raw["built_distance"]),
                nanify(raw["facility_distance"]) if "facility_distance" in raw else inf_band,
                nanify(coast),
                score_raw,
            ]
        )
    return out
