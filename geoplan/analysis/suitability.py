"""Land suitability (城镇建设适宜性) on a raster grid: factors, hard constraints, overlay, candidates.

Where can the zone grow (西拓北延) without touching the forest, the coast or the steep hills?

Pipeline (all on the DEM's grid, which must be metric — a lon/lat DEM is warped first):

1. **Factors** — slope (% rise, Horn's 3×3 kernel with the projected cell size; one-sided
   differences at raster edges and next to nodata, so a plane keeps its slope everywhere);
   Euclidean distance to roads, to existing built-up land and — when infrastructure headroom is
   given — to substations / sewage plants with spare capacity.
2. **Hard constraints** as a bit mask (:data:`CONSTRAINTS`): forest park, ecological core,
   water-source protection (incl. reservoirs), coastal setback (from the sea/land boundary of
   the DEM or a land polygon, plus ``coastal_setback`` polygons), slope above the threshold,
   existing built parcels, other hard polygons. Polygons are burned with the cell-centre rule,
   buffered by their ``setback_m`` when given.
3. **Weighted overlay** with weights and transforms from ``data/standards/suitability.yaml``.
4. **Zonal statistics** per polygon (:meth:`SuitabilityResult.zonal`).
5. **Candidate areas**: contiguous suitable, unconstrained patches ≥ a minimum area (亩),
   vectorised and clipped off the hard-constraint polygons.

Everything runs block by block (:func:`geoplan.data.io_raster.iter_windows`) with a halo wide enough
for the slope kernel and the capped distance transforms, so memory is bounded by the block size;
small grids keep their results in memory, large ones stage them in a temporary folder.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.config.loader import Checker, read_yaml
from geoplan.data import io_raster as rio
from geoplan.errors import CRSError, GeoplanError
from geoplan.settings import M2_PER_MU, STANDARDS_DIR

logger = logging.getLogger(__name__)

DEFAULT_WEIGHTS = STANDARDS_DIR / "suitability.yaml"

#: Factor names, their raw unit and labels.
FACTORS: dict[str, tuple[str, str, str]] = {
    "slope": ("%", "坡度", "slope"),
    "road_distance": ("m", "距道路距离", "distance to roads"),
    "built_distance": ("m", "距建成区距离", "distance to built-up land"),
    "facility_distance": ("m", "距有余量设施距离", "distance to facilities with headroom"),
}

#: Hard-constraint masks, in bit order, with labels.
CONSTRAINTS: dict[str, tuple[str, str]] = {
    "forest_park": ("森林公园", "forest park"),
    "ecological_core": ("生态核心区", "ecological core"),
    "water_source": ("水源保护区", "water-source protection"),
    "coastal_setback": ("海岸建筑退缩线", "coastal setback"),
    "steep_slope": ("陡坡", "steep slope"),
    "built": ("现状建设用地", "existing built parcels"),
    "other": ("其他刚性管控", "other hard constraint"),
}
BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(CONSTRAINTS)}

#: constraints-layer ``kind`` → mask name.
KIND_TO_MASK = {
    "forest_park": "forest_park",
    "ecological_core": "ecological_core",
    "water_source": "water_source",
    "reservoir": "water_source",
    "coastal_setback": "coastal_setback",
    "steep_slope": "steep_slope",
    "other": "other",
}

#: Grids up to this many cells keep their results in memory (otherwise staged on disk).
IN_MEMORY_CELLS = 16_000_000


# ==========================================================================================
# Configuration (YAML)
# ==========================================================================================


@dataclass(frozen=True)
class Transform:
    """Raw factor value → score 0–1."""

    kind: str  # "linear" | "exp_decay"
    points: tuple[tuple[float, float], ...] = ()
    half_m: float = 0.0
    max_m: float = 0.0

    @property
    def cap(self) -> float:
        """Raw value beyond which the score no longer changes (bounds distance halos)."""
        return self.points[-1][0] if self.kind == "linear" else self.max_m

    def apply(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype="float32")
        if self.kind == "linear":
            xs = np.array([p[0] for p in self.points], dtype="float64")
            ys = np.array([p[1] for p in self.points], dtype="float64")
            out = np.interp(x, xs, ys).astype("float32")
        else:
            xc = np.minimum(x, self.max_m)
            out = np.exp(-math.log(2.0) * xc / self.half_m).astype("float32")
        out[np.isnan(x)] = np.nan
        return out


@dataclass(frozen=True)
class FactorSpec:
    name: str
    weight: float
    transform: Transform
    status: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuitabilityConfig:
    """Validated contents of a weights file (see ``data/standards/suitability.yaml``)."""

    factors: dict[str, FactorSpec]
    steep_slope_pct: float = 25.0
    coastal_setback_m: float = 200.0
    sea_from_dem: bool = True
    sea_level_m: float | None = None
    built_status: tuple[str, ...] = ("built", "under_construction")
    soft_multiplier: float = 0.6
    #: constraint kinds treated as hard whatever their ``hard`` flag says (empty: use the flag)
    hard_kinds: tuple[str, ...] = ()
    min_score: float = 0.6
    min_area_mu: float = 50.0
    connectivity: int = 8
    split_by_roads: bool = True
    road_width_m: float = 30.0
    source: str = ""

    def with_options(self, **changes: object) -> SuitabilityConfig:
        """A copy with some scalar options changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse_transform(ck: Checker, v: object, path: tuple) -> Transform:
    t = ck.mapping(v, path, {"type", "points", "half_m", "max_m"})
    kind = t.get("type")
    if kind == "linear":
        pts = t.get("points")
        if not isinstance(pts, list) or len(pts) < 2:
            ck.fail((*path, "points"), "needs at least two [x, score] pairs")
        parsed = []
        for i, p in enumerate(pts):
            if (
                not isinstance(p, list)
                or len(p) != 2
                or not all(isinstance(a, int | float) and not isinstance(a, bool) for a in p)
            ):
                ck.fail((*path, "points", i), f"must be a pair [x, score] of numbers, got {p!r}")
            if not 0.0 <= p[1] <= 1.0:
                ck.fail((*path, "points", i), f"score must be within 0…1, got {p[1]}")
            if p[0] < 0:
                ck.fail((*path, "points", i), f"x must be ≥ 0, got {p[0]}")
            if parsed and p[0] <= parsed[-1][0]:
                ck.fail((*path, "points", i), "x values must increase")
            parsed.append((float(p[0]), float(p[1])))
        return Transform("linear", tuple(parsed))
    if kind == "exp_decay":
        half = ck.number(t, "half_m", path, lo=1e-9)
        mx = ck.number(t, "max_m", path, default=5 * half, lo=half)
        return Transform("exp_decay", half_m=half, max_m=mx)
    ck.fail((*path, "type"), f"unknown transform {kind!r}; use linear or exp_decay")
    raise AssertionError  # unreachable


def load_config(
    weights: str | os.PathLike | Mapping | SuitabilityConfig | None = None,
) -> SuitabilityConfig:
    """Read and validate a weights file (or a dict with the same structure).

    Raises :class:`SchemaError` naming the file, the line where known, and the field.
    """

    if isinstance(weights, SuitabilityConfig):
        return weights
    if weights is None or isinstance(weights, str | os.PathLike):
        p = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        return _load_config_file(str(p.resolve()), p.stat().st_mtime_ns if p.exists() else 0)
    return _parse_config(dict(weights), "<weights>", {})


@lru_cache(maxsize=8)
def _load_config_file(path: str, _mtime: int) -> SuitabilityConfig:
    doc, lines, source = read_yaml(path, "weights file")
    return _parse_config(doc, source, lines)


def _parse_config(doc: object, source: str, lines: dict[tuple, int]) -> SuitabilityConfig:
    ck = Checker(source, lines)
    doc = ck.mapping(
        doc if doc is not None else {},
        (),
        {"version", "source", "factors", "constraints", "candidates"},
    )
    factors_doc = (
        ck.mapping(doc.get("factors"), ("factors",), set(FACTORS)) if "factors" in doc else None
    )
    if not factors_doc:
        ck.fail(("factors",), f"at least one factor is required ({', '.join(FACTORS)})")
    from geoplan.data.catalog import BUILD_STATUS, PARCEL_STATUS

    factors: dict[str, FactorSpec] = {}
    for name, spec in factors_doc.items():
        path = ("factors", name)
        spec = ck.mapping(spec, path, {"weight", "transform", "status"})
        weight = ck.number(spec, "weight", path, lo=0.0)
        if "transform" not in spec:
            ck.fail((*path, "transform"), "is required")
        tr = _parse_transform(ck, spec["transform"], (*path, "transform"))
        status = (
            ck.strings(spec, "status", path, ("built", "under_construction"), BUILD_STATUS)
            if name == "road_distance"
            else ()
        )
        if "status" in spec and name != "road_distance":
            ck.fail((*path, "status"), "only road_distance takes a status list")
        factors[name] = FactorSpec(name, weight, tr, status)
    if sum(f.weight for f in factors.values()) <= 0:
        ck.fail(("factors",), "the weights must not all be 0")

    cons = ck.mapping(
        doc.get("constraints", {}),
        ("constraints",),
        {
            "steep_slope_pct",
            "coastal_setback_m",
            "sea_from_dem",
            "sea_level_m",
            "built_status",
            "soft_multiplier",
            "hard_kinds",
        },
    )
    cand = ck.mapping(
        doc.get("candidates", {}),
        ("candidates",),
        {"min_score", "min_area_mu", "connectivity", "split_by_roads", "road_width_m"},
    )
    sea_from_dem = cons.get("sea_from_dem", True)
    if not isinstance(sea_from_dem, bool):
        ck.fail(("constraints", "sea_from_dem"), f"must be true or false, got {sea_from_dem!r}")
    split = cand.get("split_by_roads", True)
    if not isinstance(split, bool):
        ck.fail(("candidates", "split_by_roads"), f"must be true or false, got {split!r}")
    conn = cand.get("connectivity", 8)
    if conn not in (4, 8) or isinstance(conn, bool):
        ck.fail(("candidates", "connectivity"), f"must be 4 or 8, got {conn!r}")
    return SuitabilityConfig(
        factors=factors,
        steep_slope_pct=ck.number(cons, "steep_slope_pct", ("constraints",), default=25.0, lo=0.0),
        coastal_setback_m=ck.number(
            cons, "coastal_setback_m", ("constraints",), default=200.0, lo=0.0
        ),
        sea_from_dem=sea_from_dem,
        sea_level_m=None
        if cons.get("sea_level_m") is None
        else ck.number(cons, "sea_level_m", ("constraints",)),
        built_status=ck.strings(
            cons, "built_status", ("constraints",), ("built", "under_construction"), PARCEL_STATUS
        ),
        soft_multiplier=ck.number(
            cons, "soft_multiplier", ("constraints",), default=0.6, lo=0.0, hi=1.0
        ),
        hard_kinds=ck.strings(cons, "hard_kinds", ("constraints",), (), tuple(KIND_TO_MASK)),
        min_score=ck.number(cand, "min_score", ("candidates",), default=0.6, lo=0.0, hi=1.0),
        min_area_mu=ck.number(cand, "min_area_mu", ("candidates",), default=50.0, lo=0.0),
        connectivity=int(conn),
        split_by_roads=split,
        road_width_m=ck.number(cand, "road_width_m", ("candidates",), default=30.0, lo=0.0),
        source=str(doc.get("source", "")),
    )


# ==========================================================================================
# Raster kernels
# ==========================================================================================


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


def _distance(sources: np.ndarray, cell_x: float, cell_y: float) -> np.ndarray:
    """Euclidean distance (m) from each cell centre to the nearest source cell; inf if none."""
    from scipy.ndimage import distance_transform_edt

    if not sources.any():
        return np.full(sources.shape, np.inf, dtype="float32")
    return distance_transform_edt(~sources, sampling=(cell_y, cell_x)).astype("float32")


def _burn(
    geoms: np.ndarray,
    tree: shapely.STRtree | None,
    grid: rio.Grid,
    window: rio.Window,
    *,
    all_touched: bool,
) -> np.ndarray:
    """Boolean raster of *geoms* on *window* (centre rule unless all_touched)."""
    out = np.zeros((window.height, window.width), dtype=bool)
    if tree is None or len(geoms) == 0:
        return out
    idx = tree.query(shapely.box(*grid.window_bounds(window)))
    if len(idx) == 0:
        return out
    from rasterio.features import rasterize

    burned = rasterize(
        ((g, 1) for g in geoms[np.sort(idx)]),
        out_shape=out.shape,
        transform=grid.window_transform(window),
        fill=0,
        all_touched=all_touched,
        dtype="uint8",
    )
    return burned.astype(bool)


# ==========================================================================================
# Inputs
# ==========================================================================================


@dataclass
class _GeomSet:
    geoms: np.ndarray
    tree: shapely.STRtree | None

    @classmethod
    def of(cls, geoms: object) -> _GeomSet:
        arr = np.asarray(geoms, dtype=object) if not isinstance(geoms, np.ndarray) else geoms
        arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if len(arr) else arr
        return cls(arr, shapely.STRtree(arr) if len(arr) else None)

    def __len__(self) -> int:
        return len(self.geoms)


def _as_layers(zone: object) -> dict[str, pd.DataFrame]:
    if zone is None:
        return {}
    if hasattr(zone, "layers"):
        return dict(zone.layers)
    if isinstance(zone, Mapping):
        return dict(zone)
    msg = f"expected a ZoneData or a dict of layers, got {type(zone).__name__}"
    raise GeoplanError(msg)


_pyproj = rio.to_pyproj
same_crs = rio.same_crs_wkt


def check_raster_vector_crs(grid: rio.Grid, frame: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`CRSError` unless *frame* is in the raster's CRS (never reprojects silently)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return
    if frame.crs is None:
        msg = f"{what}: the layer has no CRS; the raster is in {_pyproj(grid.crs).name}"
        raise CRSError(msg)
    if not same_crs(grid.crs, frame.crs):
        msg = (
            f"{what}: CRS mismatch between raster ({_pyproj(grid.crs).name}) and vector "
            f"({frame.crs.name}); reproject the vector with geoplan.data.crs.to_working (or warp the raster)"
        )
        raise CRSError(msg)


def _headroom_points(layers: dict[str, pd.DataFrame], headroom: object) -> gpd.GeoSeries | None:
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
class _Inputs:
    roads: _GeomSet
    built: _GeomSet
    facilities: _GeomSet | None
    masks: dict[str, _GeomSet]
    soft: _GeomSet
    land: _GeomSet | None
    hard_union: shapely.Geometry | None
    coast_hint: _GeomSet | None = None


def _prepare_inputs(
    layers: dict[str, pd.DataFrame],
    grid: rio.Grid,
    cfg: SuitabilityConfig,
    headroom: object,
    land: gpd.GeoDataFrame | None,
) -> _Inputs:
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
        road_set = _GeomSet.of(roads.geometry.to_numpy()[sel])
    else:
        road_set = _GeomSet.of(np.array([], dtype=object))
    parcels = layers.get("parcels")
    if isinstance(parcels, gpd.GeoDataFrame) and len(parcels) and "status" in parcels:
        built = _GeomSet.of(
            parcels.geometry.to_numpy()[parcels["status"].isin(cfg.built_status).to_numpy()]
        )
    else:
        built = _GeomSet.of(np.array([], dtype=object))
    fac_geoms = _headroom_points(layers, headroom)
    if fac_geoms is not None and fac_geoms.crs is not None:
        check_raster_vector_crs(
            grid, gpd.GeoDataFrame(geometry=fac_geoms), what="headroom facilities"
        )
    facilities = _GeomSet.of(fac_geoms.to_numpy()) if fac_geoms is not None else None

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
    mask_sets = {k: _GeomSet.of(np.array(v, dtype=object)) for k, v in masks.items() if v}
    all_hard = [g for v in masks.values() for g in v]
    hard_union = shapely.union_all(np.array(all_hard, dtype=object)) if all_hard else None
    coast_hint = None
    if (
        isinstance(cons, gpd.GeoDataFrame)
        and "kind" in cons
        and (cons["kind"] == "coastal_setback").any()
    ):
        near = max(cfg.coastal_setback_m, 3 * grid.cell_size_m) + grid.cell_size_m
        coast_hint = _GeomSet.of(
            shapely.buffer(
                cons.geometry.to_numpy()[(cons["kind"] == "coastal_setback").to_numpy()], near
            )
        )
    land_set = None
    if land is not None:
        check_raster_vector_crs(grid, land, what="land polygon")
        land_set = _GeomSet.of(land.geometry.to_numpy())
    return _Inputs(
        road_set,
        built,
        facilities,
        mask_sets,
        _GeomSet.of(np.array(soft, dtype=object)),
        land_set,
        hard_union,
        coast_hint,
    )


# ==========================================================================================
# Block processing
# ==========================================================================================


def _active_weights(cfg: SuitabilityConfig, inputs: _Inputs) -> dict[str, float]:
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


def _halo_cells(grid: rio.Grid, cfg: SuitabilityConfig, weights: dict[str, float]) -> int:
    reach = [cfg.factors[n].transform.cap for n in weights if n != "slope"]
    reach.append(cfg.coastal_setback_m + grid.cell_size_m)
    return max(1, rio.cells_for_distance(grid, max(reach)))


FACTOR_BANDS = (
    "slope_pct",
    "road_distance_m",
    "built_distance_m",
    "facility_distance_m",
    "coast_distance_m",
    "score_raw",
)


def _process_block(
    src: object,
    grid: rio.Grid,
    win: rio.Window,
    halo: int,
    cfg: SuitabilityConfig,
    inputs: _Inputs,
    weights: dict[str, float],
    want_factors: bool,
) -> dict[str, np.ndarray]:
    ext = win.grow(halo)
    core = (slice(halo, halo + win.height), slice(halo, halo + win.width))
    dem = rio.read_window(src, ext)
    inside = np.zeros(dem.shape, dtype=bool)
    r0, c0 = max(0, -ext.row_off), max(0, -ext.col_off)
    r1 = min(ext.height, grid.height - ext.row_off)
    c1 = min(ext.width, grid.width - ext.col_off)
    inside[r0:r1, c0:c1] = True

    if inputs.land is not None:
        land = _burn(inputs.land.geoms, inputs.land.tree, grid, ext, all_touched=False) & inside
        sea = inside & ~land
    elif cfg.sea_from_dem:
        land = ~np.isnan(dem)
        if cfg.sea_level_m is not None:
            land &= np.nan_to_num(dem, nan=-np.inf) > cfg.sea_level_m
        sea = inside & ~land
        if inputs.coast_hint is not None:  # only no-data next to the mapped coast is sea
            sea &= _burn(
                inputs.coast_hint.geoms, inputs.coast_hint.tree, grid, ext, all_touched=True
            )
    else:
        land = ~np.isnan(dem)
        sea = np.zeros(dem.shape, dtype=bool)
    dem_land = np.where(land, dem, np.nan)

    cx, cy = grid.cell_x, grid.cell_y
    reach = np.float32(halo * min(cx, cy))  # distances up to this are exact within the haloed block

    def dist(sources: np.ndarray) -> np.ndarray:
        return np.minimum(_distance(sources, cx, cy), reach)[core]

    # slope needs a one-cell ring around the core
    slope = slope_percent(
        dem_land[halo - 1 : halo + win.height + 1, halo - 1 : halo + win.width + 1], cx, cy
    )
    valid = land[core] & ~np.isnan(slope)

    raw: dict[str, np.ndarray] = {"slope": slope}
    if "road_distance" in weights or want_factors:
        raw["road_distance"] = dist(
            _burn(inputs.roads.geoms, inputs.roads.tree, grid, ext, all_touched=True)
        )
    if "built_distance" in weights or want_factors:
        raw["built_distance"] = dist(
            _burn(inputs.built.geoms, inputs.built.tree, grid, ext, all_touched=True)
        )
    if inputs.facilities is not None and ("facility_distance" in weights or want_factors):
        raw["facility_distance"] = dist(
            _burn(inputs.facilities.geoms, inputs.facilities.tree, grid, ext, all_touched=True)
        )
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
        soft = _burn(inputs.soft.geoms, inputs.soft.tree, grid, win, all_touched=False)
        score = np.where(soft, score * np.float32(cfg.soft_multiplier), score)

    bits = np.zeros(slope.shape, dtype="uint8")
    for name, gs in inputs.masks.items():
        bits |= _burn(gs.geoms, gs.tree, grid, win, all_touched=False).astype("uint8") * np.uint8(
            BITS[name]
        )
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


class _Store:
    """Where block results go: in-memory arrays (small grids) or staged GeoTIFFs (large)."""

    def __init__(self, grid: rio.Grid, *, in_memory: bool, want_factors: bool) -> None:
        self.grid = grid
        self.in_memory = in_memory
        self.want_factors = want_factors
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.arrays: dict[str, np.ndarray] = {}
        self.paths: dict[str, Path] = {}
        if in_memory:
            self.arrays["score"] = np.full(grid.shape, np.nan, dtype="float32")
            self.arrays["bits"] = np.zeros(grid.shape, dtype="uint8")
            if want_factors:
                self.arrays["factors"] = np.full(
                    (len(FACTOR_BANDS), *grid.shape), np.nan, dtype="float32"
                )
        else:
            import rasterio

            self._tmp = tempfile.TemporaryDirectory(prefix="geoplan-suit-")
            self._dst = {}
            specs = {"score": ("float32", 1, rio.NODATA), "bits": ("uint8", 1, None)}
            if want_factors:
                specs["factors"] = ("float32", len(FACTOR_BANDS), rio.NODATA)
            for name, (dtype, count, nodata) in specs.items():
                path = Path(self._tmp.name) / f"{name}.tif"
                prof = grid.profile(dtype=dtype, count=count, nodata=nodata)
                prof.update(
                    tiled=True,
                    blockxsize=256,
                    blockysize=256,
                    compress="deflate",
                    BIGTIFF="IF_SAFER",
                )
                self._dst[name] = rasterio.open(path, "w", **prof)
                self.paths[name] = path

    def put(self, win: rio.Window, block: dict[str, np.ndarray]) -> None:
        for name in ("score", "bits", "factors"):
            if name not in block or (name == "factors" and not self.want_factors):
                continue
            data = block[name]
            if self.in_memory:
                self.arrays[name][(..., *win.slices)] = data
            else:
                arr = data if data.ndim == 3 else data[np.newaxis]
                if arr.dtype.kind == "f":
                    arr = np.where(np.isnan(arr), np.float32(rio.NODATA), arr)
                self._dst[name].write(arr, window=win.to_rasterio())

    def finish(self) -> None:
        if not self.in_memory:
            for dst in self._dst.values():
                dst.close()
            self._dst = {}
        else:
            for a in self.arrays.values():
                a.flags.writeable = False

    def read(self, name: str, win: rio.Window) -> np.ndarray:
        if self.in_memory:
            return self.arrays[name][(..., *win.slices)]
        import rasterio

        with rasterio.open(self.paths[name]) as src:
            if name == "bits":
                return src.read(1, window=win.to_rasterio())
            if name == "factors":
                a = src.read(window=win.to_rasterio()).astype("float32")
            else:
                a = src.read(1, window=win.to_rasterio()).astype("float32")
            a[a == np.float32(rio.NODATA)] = np.nan
            return a


# ==========================================================================================
# Result
# ==========================================================================================


@dataclass
class SuitabilityResult:
    """Suitability on a grid, with masks, statistics, candidate areas and display helpers.

    ``score`` holds 0–1 per cell (0 on hard-constrained land, NaN off land / no data);
    ``bits`` holds the hard constraints per cell as a bit mask (see :data:`BITS`). For grids
    larger than :data:`IN_MEMORY_CELLS` both are staged on disk and read by windows.
    """

    grid: rio.Grid
    config: SuitabilityConfig
    weights: dict[str, float]
    dem_path: Path
    layers: dict[str, pd.DataFrame] = field(repr=False)
    stats: dict = field(default_factory=dict)
    block: int = rio.BLOCK
    _store: _Store | None = field(default=None, repr=False)
    _hard_union: shapely.Geometry | None = field(default=None, repr=False)
    _candidates: gpd.GeoDataFrame | None = field(default=None, repr=False)

    # --- arrays --------------------------------------------------------------------------
    @property
    def in_memory(self) -> bool:
        return self._store.in_memory

    @property
    def score(self) -> np.ndarray:
        """Full score array (read-only; read from disk for staged grids)."""
        return self._full("score")

    @property
    def bits(self) -> np.ndarray:
        return self._full("bits")

    def _full(self, name: str) -> np.ndarray:
        if self.in_memory:
            return self._store.arrays[name]
        return self._store.read(name, rio.Window(0, 0, self.grid.width, self.grid.height))

    def mask(self, constraint: str) -> np.ndarray:
        """Boolean array of one hard constraint (``"any"`` for their union)."""
        b = self.bits
        if constraint == "any":
            return b > 0
        if constraint not in BITS:
            msg = f"unknown constraint {constraint!r}; use one of {', '.join(BITS)} or 'any'"
            raise GeoplanError(msg)
        return (b & BITS[constraint]) > 0

    def windows(self) -> list[rio.Window]:
        return list(rio.iter_windows(self.grid, self.block))

    def read(self, name: str, win: rio.Window) -> np.ndarray:
        return self._store.read(name, win)

    # --- summary -------------------------------------------------------------------------
    @property
    def cell_area_mu(self) -> float:
        return self.grid.cell_area_m2 / M2_PER_MU

    def summary(self) -> dict:
        """Areas in 亩: analysed land, suitable (unconstrained, score ≥ min_score), excluded by constraint."""
        s = self.stats
        mu = self.cell_area_mu
        return {
            "crs": _pyproj(self.grid.crs).name,
            "cell_size_m": round(self.grid.cell_size_m, 3),
            "width": self.grid.width,
            "height": self.grid.height,
            "land_area_mu": round(s["valid"] * mu, 1),
            "suitable_area_mu": round(s["suitable"] * mu, 1),
            "excluded_area_mu": {
                **{k: round(s["excluded"][k] * mu, 1) for k in CONSTRAINTS},
                "total": round(s["excluded_any"] * mu, 1),
            },
            "weights": {k: round(v, 4) for k, v in self.weights.items()},
            "min_score": self.config.min_score,
        }

    # --- writing ---------------------------------------------------------------------------
    def write(self, target: str | os.PathLike) -> Path:
        """Write the score as a cloud-optimized GeoTIFF (DEM grid, nodata set), atomically."""
        return self._write_band("score", target, ["suitability 适宜性 (0–1; 0 = hard constraint)"])

    def write_factors(self, target: str | os.PathLike) -> Path:
        """Write the per-factor layers (one band each, see :data:`FACTOR_BANDS`) as a COG."""
        if "factors" not in self._store.arrays and "factors" not in self._store.paths:
            msg = "factor layers were not kept; run with factors=True"
            raise GeoplanError(msg)
        return self._write_band("factors", target, list(FACTOR_BANDS))

    def write_constraints(self, target: str | os.PathLike) -> Path:
        """Write the constraint bit mask (uint8) as a COG; band description lists the bits."""
        desc = "constraint bits: " + ", ".join(f"{v}={k}" for k, v in BITS.items())
        return self._write_band("bits", target, [desc])

    def _write_band(self, name: str, target: str | os.PathLike, desc: list[str]) -> Path:
        nodata = None if name == "bits" else rio.NODATA
        dtype = "uint8" if name == "bits" else "float32"
        count = len(FACTOR_BANDS) if name == "factors" else 1
        with rio.RasterWriter(
            target, self.grid, count=count, dtype=dtype, nodata=nodata, descriptions=desc
        ) as w:
            for win in self.windows():
                w.write(self.read(name, win), win)
        return Path(target)

    # --- zonal statistics ---------------------------------------------------------------
    def _zonal_sums(self, geoms: np.ndarray) -> dict[str, np.ndarray]:
        """Per geometry: land cells, score sum, free cells, free score sum, constrained cells.

        A cell belongs to a polygon when its centre is inside; overlapping polygons are burned
        in separate non-overlapping groups so each gets all of its cells.
        """
        from rasterio.features import rasterize

        n = len(geoms)
        sums = {k: np.zeros(n) for k in ("cells", "sum", "free_cells", "free_sum", "con")}
        for grp in _non_overlapping_groups(geoms):
            tree = shapely.STRtree(geoms[grp])
            for win in self.windows():
                hit = tree.query(shapely.box(*self.grid.window_bounds(win)))
                if len(hit) == 0:
                    continue
                ids = rasterize(
                    ((geoms[grp[i]], int(grp[i]) + 1) for i in hit),
                    out_shape=(win.height, win.width),
                    transform=self.grid.window_transform(win),
                    fill=0,
                    all_touched=False,
                    dtype="int32",
                )
                score = self.read("score", win)
                bits = self.read("bits", win)
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

    def zonal(self, polygons: gpd.GeoDataFrame, *, prefix: str = "suit_") -> gpd.GeoDataFrame:
        """Per polygon: mean suitability, share constrained, land cells — joined to a copy.

        Columns added: ``{prefix}mean`` (mean over land cells, 0 on constrained cells),
        ``{prefix}mean_free`` (mean over unconstrained cells), ``{prefix}constrained_share``,
        ``{prefix}free_area_mu`` and ``{prefix}cells``. Cells count when their centre is inside
        the polygon; a polygon smaller than a cell takes the cell under its representative point.
        Polygons off the analysed land get NaN. Raises :class:`CRSError` when the polygons are
        not in the raster's CRS (they are never reprojected silently).
        """
        if not isinstance(polygons, gpd.GeoDataFrame):
            msg = "zonal statistics need a GeoDataFrame of polygons"
            raise GeoplanError(msg)
        check_raster_vector_crs(self.grid, polygons, what="zonal statistics")
        geoms = polygons.geometry.to_numpy()
        s = self._zonal_sums(geoms)
        tiny = (s["cells"] == 0) & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if tiny.any():
            pts = shapely.point_on_surface(geoms[tiny])
            inv = ~self.grid.transform
            cols, rows = inv @ (shapely.get_x(pts), shapely.get_y(pts))
            rows, cols = np.floor(rows).astype(int), np.floor(cols).astype(int)
            inside = (
                (rows >= 0) & (rows < self.grid.height) & (cols >= 0) & (cols < self.grid.width)
            )
            idx = np.flatnonzero(tiny)[inside]
            rows, cols = rows[inside], cols[inside]
            if len(idx):
                r0, c0 = int(rows.min()), int(cols.min())
                win = rio.Window(c0, r0, int(cols.max()) - c0 + 1, int(rows.max()) - r0 + 1)
                sc = self.read("score", win)[rows - r0, cols - c0].astype("float64")
                bt = self.read("bits", win)[rows - r0, cols - c0]
                ok = ~np.isnan(sc)
                idx, sc, bt = idx[ok], sc[ok], bt[ok]
                s["cells"][idx] = 1
                s["sum"][idx] = sc
                s["con"][idx] = bt > 0
                s["free_cells"][idx] = bt == 0
                s["free_sum"][idx] = np.where(bt == 0, sc, 0.0)
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
        out[f"{prefix}free_area_mu"] = s["free_cells"] * self.cell_area_mu
        out[f"{prefix}cells"] = cells.astype("int64")
        return out

    # --- candidates ------------------------------------------------------------------------
    @property
    def candidates(self) -> gpd.GeoDataFrame:
        """Candidate areas with the configured thresholds (computed once, returned as a copy)."""
        if self._candidates is None:
            self._candidates = self.find_candidates()
        return self._candidates.copy()

    def _label_patches(
        self, min_score: float, within_set: _GeomSet | None
    ) -> tuple[Callable, np.ndarray, int]:
        """Connected components of suitable, unconstrained cells, labelled block by block.

        Each block is labelled on its own; labels that touch across block seams (including the
        diagonal at block corners for 8-connectivity) are merged with a sparse-graph connected
        components pass, so memory stays per block plus one integer per local label. Returns a
        function ``win → component ids (0 = none)``, the cell count per component and the count.
        """
        from scipy import ndimage
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        eight = self.config.connectivity == 8
        structure = ndimage.generate_binary_structure(2, 2 if eight else 1)
        wins = self.windows()

        def local(win: rio.Window) -> tuple[np.ndarray, int]:
            sc = self.read("score", win)
            ok = (sc >= min_score) & (self.read("bits", win) == 0)
            if within_set is not None:
                ok &= _burn(within_set.geoms, within_set.tree, self.grid, win, all_touched=False)
            return ndimage.label(ok, structure=structure)

        offsets: dict[rio.Window, int] = {}
        edges: dict[rio.Window, dict[str, np.ndarray]] = {}
        counts_parts: list[np.ndarray] = [np.zeros(1)]
        total = 0
        for win in wins:
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
        by_pos = {(w.row_off, w.col_off): w for w in wins}
        a_list, b_list = [], []

        def pair(u: np.ndarray, v: np.ndarray) -> None:
            m = (u > 0) & (v > 0)
            a_list.append(u[m])
            b_list.append(v[m])

        for win in wins:
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
                by_pos.get((win.row_off + win.height, win.col_off - self.block))
                if win.col_off > 0
                else None
            )
            if eight and anti is not None and anti.col_off + anti.width == win.col_off:
                pair(edges[win]["bottom"][:1], edges[anti]["top"][-1:])
        a = np.concatenate(a_list) if a_list else np.zeros(0, int)
        b = np.concatenate(b_list) if b_list else np.zeros(0, int)
        graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(total + 1, total + 1))
        n_comp, comp = connected_components(graph, directed=False)
        # component ids 1..k in order of first label; label 0 (background) keeps its own component
        comp = comp - comp[0]
        comp[comp < 0] += n_comp
        counts = np.bincount(comp, weights=counts_local, minlength=n_comp)

        def component_ids(win: rio.Window) -> np.ndarray:
            lab, _ = local(win)
            return np.where(lab > 0, comp[np.where(lab > 0, lab + offsets[win], 0)], 0).astype(
                "int32"
            )

        return component_ids, counts, n_comp

    def find_candidates(
        self,
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
        from rasterio.features import shapes

        cfg = self.config
        min_area_mu = cfg.min_area_mu if min_area_mu is None else float(min_area_mu)
        min_score = cfg.min_score if min_score is None else float(min_score)
        split = cfg.split_by_roads if split_by_roads is None else bool(split_by_roads)
        within_set = None
        if within is not None:
            check_raster_vector_crs(self.grid, within, what="candidates 'within'")
            within_set = _GeomSet.of(within.geometry.to_numpy())
        empty = _empty_candidates(self.grid.crs)
        component_ids, counts, n = self._label_patches(min_score, within_set)
        if n <= 1:
            return empty
        # clipping only removes area, so patches already below the minimum are dropped here
        keep = counts * self.cell_area_mu >= min_area_mu
        keep[0] = False
        if not keep.any():
            return empty
        pieces: list[shapely.Geometry] = []
        piece_lab: list[int] = []
        for win in self.windows():
            lab = component_ids(win)
            m = keep[lab]
            if not m.any():
                continue
            for geom, val in shapes(
                lab,
                mask=m,
                connectivity=cfg.connectivity,
                transform=self.grid.window_transform(win),
            ):
                pieces.append(shapely.geometry.shape(geom))
                piece_lab.append(int(val))
        crs = _pyproj(self.grid.crs)
        frame = gpd.GeoDataFrame({"label": piece_lab}, geometry=pieces, crs=crs).dissolve(
            by="label", as_index=False
        )
        cutter = self._hard_union
        if split:
            corridors = self._road_corridors()
            if corridors is not None:
                cutter = corridors if cutter is None else shapely.union(cutter, corridors)
        geoms = frame.geometry.to_numpy().copy()
        if cutter is not None:
            shapely.prepare(cutter)
            hit = shapely.intersects(geoms, cutter)
            if hit.any():
                geoms[hit] = shapely.difference(geoms[hit], cutter)
        geoms = shapely.make_valid(geoms)
        frame = gpd.GeoDataFrame({"label": frame["label"].to_numpy()}, geometry=geoms, crs=crs)
        frame = frame[~frame.geometry.is_empty]
        if frame.empty:
            return empty
        # keep polygon parts only (a difference can leave slivers as lines or points)
        frame = frame.explode(index_parts=False, ignore_index=True)
        frame = frame[frame.geometry.geom_type == "Polygon"]
        if not split and len(frame):
            frame = frame.dissolve(by="label", as_index=False)
        area_m2 = frame.geometry.area.to_numpy()
        frame = frame.assign(area_m2=area_m2, area_mu=area_m2 / M2_PER_MU)
        frame = frame[frame["area_mu"] >= min_area_mu].reset_index(drop=True)
        if frame.empty:
            return empty
        s = self._zonal_sums(frame.geometry.to_numpy())
        frame["cells"] = s["cells"].astype("int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["mean_score"] = np.where(
                s["cells"] > 0, s["sum"] / np.maximum(s["cells"], 1), np.nan
            )
        frame["road_distance_m"] = self._road_distance(frame)
        frame["plate"] = self._overlay_name(frame, "plates", "name")
        frame["structure_element"] = self._overlay_name(frame, "structure", "name")
        frame["in_zone"] = self._in_zone(frame)
        frame = frame.sort_values(["mean_score", "area_mu"], ascending=[False, False]).reset_index(
            drop=True
        )
        frame.insert(0, "candidate_id", [f"C{i + 1:03d}" for i in range(len(frame))])
        cols = [
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
        return frame[cols]

    def _road_corridors(self) -> shapely.Geometry | None:
        """Union of road right-of-ways (``width_m``, else the configured default width)."""
        roads = self.layers.get("roads")
        if not isinstance(roads, gpd.GeoDataFrame) or roads.empty:
            return None
        width = (
            pd.to_numeric(roads["width_m"], errors="coerce")
            if "width_m" in roads
            else pd.Series(np.nan, index=roads.index)
        )
        half = width.fillna(self.config.road_width_m).to_numpy() / 2.0
        return shapely.union_all(shapely.buffer(roads.geometry.to_numpy(), half, cap_style="flat"))

    def _road_distance(self, frame: gpd.GeoDataFrame) -> np.ndarray:
        roads = self.layers.get("roads")
        if not isinstance(roads, gpd.GeoDataFrame) or roads.empty:
            return np.full(len(frame), np.nan)
        tree = roads.sindex
        (i_src, _), dist = tree.nearest(
            frame.geometry.to_numpy(), return_distance=True, return_all=False
        )
        out = np.full(len(frame), np.nan)
        out[i_src] = dist
        return out

    def _overlay_name(self, frame: gpd.GeoDataFrame, layer: str, col: str) -> np.ndarray:
        """Name of the polygon of *layer* that covers the largest part of each candidate."""
        other = self.layers.get(layer)
        out = np.full(len(frame), None, dtype=object)
        if not isinstance(other, gpd.GeoDataFrame) or other.empty:
            return out
        polys = other[other.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        if layer == "structure" and "kind" in polys:
            polys = (
                polys[polys["kind"] != "ecology"] if (polys["kind"] != "ecology").any() else polys
            )
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

    def _in_zone(self, frame: gpd.GeoDataFrame) -> np.ndarray:
        zone = self.layers.get("zone")
        if not isinstance(zone, gpd.GeoDataFrame) or zone.empty:
            return np.full(len(frame), False)
        return shapely.intersects(
            frame.geometry.to_numpy(), shapely.union_all(zone.geometry.to_numpy())
        )

    # --- allocation helper -------------------------------------------------------------
    def best_land(
        self, area_mu: float, *, within: gpd.GeoDataFrame | None = None, min_score: float = 0.0
    ) -> gpd.GeoDataFrame:
        """The most suitable unconstrained cells totalling about *area_mu* 亩, as polygons.

        Cells are ranked by score (ties by position); the result is the dissolved set of chosen
        cells per contiguous piece with ``area_mu`` and ``mean_score``. Used to allocate a
        demand in 亩 (西拓北延 scenarios) onto the best land, optionally inside *within*.
        """
        from rasterio.features import shapes

        if area_mu <= 0:
            return _empty_candidates(self.grid.crs)[["geometry"]].assign(area_mu=[], mean_score=[])
        score = np.array(self.score, dtype="float32")
        free = (self.bits == 0) & ~np.isnan(score) & (score >= min_score)
        if within is not None:
            check_raster_vector_crs(self.grid, within, what="best_land 'within'")
            ws = _GeomSet.of(within.geometry.to_numpy())
            free &= _burn(
                ws.geoms,
                ws.tree,
                self.grid,
                rio.Window(0, 0, self.grid.width, self.grid.height),
                all_touched=False,
            )
        flat = np.where(free, score, -np.inf).ravel()
        need = math.ceil(area_mu / self.cell_area_mu)
        need = min(need, int(free.sum()))
        chosen = np.zeros(flat.shape, dtype=bool)
        if need > 0:
            top = np.argpartition(-flat, need - 1)[:need]
            chosen[top] = True
        chosen = chosen.reshape(score.shape)
        geoms, means, areas = [], [], []
        from scipy import ndimage

        lab, n = ndimage.label(chosen, structure=np.ones((3, 3), bool))
        if n == 0:
            return gpd.GeoDataFrame(
                {"area_mu": [], "mean_score": []}, geometry=[], crs=_pyproj(self.grid.crs)
            )
        cnt = np.bincount(lab.ravel(), minlength=n + 1)
        sm = np.bincount(lab.ravel(), weights=np.nan_to_num(score).ravel(), minlength=n + 1)
        parts: dict[int, list] = {}
        for geom, val in shapes(lab, mask=lab > 0, transform=self.grid.transform):
            parts.setdefault(int(val), []).append(shapely.geometry.shape(geom))
        for k in sorted(parts):
            geoms.append(shapely.union_all(parts[k]))
            areas.append(cnt[k] * self.cell_area_mu)
            means.append(sm[k] / cnt[k])
        out = gpd.GeoDataFrame(
            {"area_mu": areas, "mean_score": means}, geometry=geoms, crs=_pyproj(self.grid.crs)
        )
        return out.sort_values("mean_score", ascending=False).reset_index(drop=True)

    # --- display ---------------------------------------------------------------------------
    def _decimated(self, name: str, k: int) -> tuple[np.ndarray, object]:
        """Every k-th cell (the one nearest each k×k block's centre) and the matching transform."""
        from affine import Affine

        if k == 1:
            return np.array(self._full(name)), self.grid.transform
        h, w = math.ceil(self.grid.height / k), math.ceil(self.grid.width / k)
        if self.in_memory:
            arr = self._store.arrays[name]
            rows = np.minimum(np.arange(h) * k + k // 2, self.grid.height - 1)
            cols = np.minimum(np.arange(w) * k + k // 2, self.grid.width - 1)
            out = arr[np.ix_(rows, cols)]
        else:
            import rasterio
            from rasterio.enums import Resampling

            with rasterio.open(self._store.paths[name]) as src:
                out = src.read(1, out_shape=(h, w), resampling=Resampling.nearest)
            if out.dtype.kind == "f":
                out = out.astype("float32")
                out[out == np.float32(rio.NODATA)] = np.nan
        scale = Affine.scale(self.grid.width / w, self.grid.height / h)
        return out, self.grid.transform @ scale

    def display_image(
        self, max_px: int = 1024, *, what: str = "score"
    ) -> tuple[np.ndarray, list[list[float]]]:
        """An RGBA uint8 image in EPSG:4326 and its bounds ``[[south, west], [north, east]]``.

        For a Folium ``ImageOverlay`` (``folium.raster_layers.ImageOverlay(image, bounds)``).
        Score is coloured red → yellow → green; hard-constrained cells grey; no data transparent.
        ``what="constraints"`` colours the constraint mask only.
        """
        from rasterio.crs import CRS as RCRS
        from rasterio.warp import Resampling, calculate_default_transform, reproject

        k = max(1, math.ceil(max(self.grid.width, self.grid.height) / max_px))
        score, src_t = self._decimated("score", k)
        bits, _ = self._decimated("bits", k)
        dst_crs = RCRS.from_epsg(4326)
        h, w = score.shape
        left, top = src_t.c, src_t.f
        right, bottom = left + src_t.a * w, top + src_t.e * h
        dst_t, dw, dh = calculate_default_transform(
            self.grid.crs, dst_crs, w, h, left, bottom, right, top
        )
        s_out = np.full((dh, dw), np.nan, dtype="float32")
        b_out = np.zeros((dh, dw), dtype="uint8")
        valid_out = np.zeros((dh, dw), dtype="uint8")
        reproject(
            score,
            s_out,
            src_transform=src_t,
            src_crs=self.grid.crs,
            dst_transform=dst_t,
            dst_crs=dst_crs,
            src_nodata=np.nan,
            dst_nodata=np.nan,
            resampling=Resampling.nearest,
        )
        reproject(
            bits,
            b_out,
            src_transform=src_t,
            src_crs=self.grid.crs,
            dst_transform=dst_t,
            dst_crs=dst_crs,
            resampling=Resampling.nearest,
        )
        reproject(
            (~np.isnan(score)).astype("uint8"),
            valid_out,
            src_transform=src_t,
            src_crs=self.grid.crs,
            dst_transform=dst_t,
            dst_crs=dst_crs,
            resampling=Resampling.nearest,
        )
        rgba = colourise(
            s_out, b_out, valid_out.astype(bool), constraints_only=(what == "constraints")
        )
        west, north = dst_t.c, dst_t.f
        east, south = west + dst_t.a * dw, north + dst_t.e * dh
        return rgba, [[float(south), float(west)], [float(north), float(east)]]

    def display_png(
        self, max_px: int = 1024, *, what: str = "score"
    ) -> tuple[bytes, list[list[float]]]:
        """PNG bytes of :meth:`display_image` and its EPSG:4326 bounds."""
        rgba, bounds = self.display_image(max_px, what=what)
        return rio.encode_png(rgba), bounds

    def close(self) -> None:
        """Remove staged files (large grids); the result is unusable afterwards."""
        if self._store is not None and self._store._tmp is not None:
            self._store._tmp.cleanup()


#: Colour stops of the score ramp (score, r, g, b).
_RAMP = np.array([[0.0, 215, 48, 39], [0.5, 254, 224, 139], [1.0, 26, 152, 80]], dtype="float64")
_CONSTRAINT_COLOURS = {
    "forest_park": (35, 110, 35),
    "ecological_core": (70, 140, 60),
    "water_source": (60, 120, 200),
    "coastal_setback": (120, 190, 220),
    "steep_slope": (150, 110, 80),
    "built": (160, 160, 160),
    "other": (110, 110, 110),
}


def colourise(
    score: np.ndarray,
    bits: np.ndarray,
    valid: np.ndarray,
    *,
    constraints_only: bool = False,
    alpha: int = 190,
) -> np.ndarray:
    """RGBA uint8 image: score ramp on free land, constraint colours (or grey) on constrained land."""
    h, w = score.shape
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    s = np.clip(np.nan_to_num(score, nan=0.0), 0, 1)
    if not constraints_only:
        for c in range(3):
            rgba[..., c] = np.interp(s, _RAMP[:, 0], _RAMP[:, c + 1]).astype(np.uint8)
        rgba[..., 3] = np.where(valid & ~np.isnan(score), alpha, 0)
    con = (bits > 0) & valid
    for name in reversed(list(CONSTRAINTS)):  # lowest bit wins: paint it last
        m = con & ((bits & BITS[name]) > 0)
        if m.any():
            rgba[m, :3] = _CONSTRAINT_COLOURS[name] if constraints_only else (128, 128, 128)
            rgba[m, 3] = alpha if constraints_only else 150
    return rgba


def _empty_candidates(crs: object) -> gpd.GeoDataFrame:
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
        geometry=gpd.GeoSeries([], crs=_pyproj(crs)),
        crs=_pyproj(crs),
    )


def _non_overlapping_groups(geoms: np.ndarray) -> list[np.ndarray]:
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


# ==========================================================================================
# Entry points
# ==========================================================================================


def run_suitability(
    zone: object,
    dem_path: str | os.PathLike | None = None,
    weights: str | os.PathLike | Mapping | SuitabilityConfig | None = None,
    *,
    headroom: object = None,
    land: gpd.GeoDataFrame | None = None,
    factors: bool = False,
    block: int = rio.BLOCK,
    in_memory: bool | None = None,
    reproject_dem: bool = False,
    **options: object,
) -> SuitabilityResult:
    """Compute suitability on the DEM's grid.

    Parameters
    ----------
    zone
        A :class:`geoplan.zone.ZoneData` or a dict of layers (``roads``, ``parcels``,
        ``constraints``, ``plates``, ``structure``, ``zone``, ``substations``, ``sewage_plants``;
        each optional) in the DEM's CRS (the working CRS).
    dem_path
        DEM GeoTIFF; default the zone's ``dem`` raster. A geographic DEM is warped to the working
        CRS first; a projected DEM in another CRS raises :class:`CRSError` unless
        ``reproject_dem=True``.
    weights
        Weights file, dict or :class:`SuitabilityConfig`; default ``data/standards/suitability.yaml``.
    headroom
        Infrastructure headroom (see :func:`_headroom_points`); enables ``facility_distance``.
    land
        Land polygon(s) defining the sea/land boundary for the coastal setback (else the DEM).
    factors
        Keep per-factor layers (for :meth:`SuitabilityResult.write_factors`).
    options
        Overrides of scalar config options: ``steep_slope_pct``, ``coastal_setback_m``,
        ``min_score``, ``min_area_mu``, ``soft_multiplier``, ``sea_level_m``.
    """
    from geoplan.data.crs import WORKING_CRS

    cfg = load_config(weights)
    unknown = set(options) - {
        "steep_slope_pct",
        "coastal_setback_m",
        "min_score",
        "min_area_mu",
        "soft_multiplier",
        "sea_level_m",
    }
    if unknown:
        msg = f"unknown suitability option(s): {', '.join(sorted(unknown))}"
        raise GeoplanError(msg)
    cfg = cfg.with_options(**options)
    layers = _as_layers(zone)
    if dem_path is None:
        dem_path = getattr(zone, "dem_path", None)
        if dem_path is None:
            msg = "no DEM: pass dem_path (the zone's catalog names no 'dem' raster)"
            raise GeoplanError(msg)
    dem_path = Path(dem_path)
    src_path = rio.projected_dem(dem_path, WORKING_CRS, force=reproject_dem)
    with rio.open_raster(src_path) as src:
        grid = rio.grid_of(src)
        inputs = _prepare_inputs(layers, grid, cfg, headroom, land)
        weights_used = _active_weights(cfg, inputs)
        halo = _halo_cells(grid, cfg, weights_used)
        mem = in_memory if in_memory is not None else grid.width * grid.height <= IN_MEMORY_CELLS
        store = _Store(grid, in_memory=mem, want_factors=factors)
        valid_n = suitable_n = excluded_any = 0
        excluded = dict.fromkeys(CONSTRAINTS, 0)
        try:
            for win in rio.iter_windows(grid, block):
                res = _process_block(src, grid, win, halo, cfg, inputs, weights_used, factors)
                store.put(win, res)
                valid = res["valid"]
                bits = res["bits"]
                valid_n += int(valid.sum())
                excluded_any += int((bits > 0).sum())
                suitable_n += int(((bits == 0) & valid & (res["score"] >= cfg.min_score)).sum())
                for name, bit in BITS.items():
                    excluded[name] += int(((bits & bit) > 0).sum())
        finally:
            store.finish()
    logger.info(
        "suitability on %d×%d cells (%.1f m), halo %d cells, %s",
        grid.width,
        grid.height,
        grid.cell_size_m,
        halo,
        "in memory" if mem else "staged on disk",
    )
    stats = {
        "valid": valid_n,
        "suitable": suitable_n,
        "excluded": excluded,
        "excluded_any": excluded_any,
    }
    return SuitabilityResult(
        grid, cfg, weights_used, src_path, layers, stats, block, store, inputs.hard_union
    )


@lru_cache(maxsize=4)
def _cached_for_zone(catalog: str, weights: str, dem: str, stamp: tuple) -> SuitabilityResult:
    from geoplan.zone import load_zone

    zone = load_zone(catalog)
    res = run_suitability(zone, dem or None, weights or None)
    _ = res.candidates  # computed once, cached on the result
    return res


def suitability_for_zone(
    catalog: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
    dem_path: str | os.PathLike | None = None,
) -> SuitabilityResult:
    """Cached :func:`run_suitability` on a zone catalog (the bundled sample by default).

    Keyed by the paths and modification times of the catalog's files, the DEM and the weights,
    so the app can call it on every rerun. The returned arrays are read-only; ``candidates``
    returns a copy.
    """
    from geoplan.zone import DEFAULT_CATALOG, read_catalog

    cat = Path(catalog or DEFAULT_CATALOG).resolve()
    _, entries, rasters = read_catalog(cat)
    dem = Path(dem_path) if dem_path else rasters.get("dem")
    files = [e.path for e in entries] + [
        p for p in (dem, Path(weights) if weights else DEFAULT_WEIGHTS) if p
    ]
    stamp = tuple((str(p), p.stat().st_mtime_ns if p.exists() else 0) for p in files)
    return _cached_for_zone(str(cat), str(weights or ""), str(dem or ""), stamp)
