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

Everything runs block by block (:mod:`geoplan.analysis.raster`) with a halo wide enough for the
slope kernel and the capped distance transforms, so memory is bounded by the block size; small
grids keep their results in memory, large ones stage them in a temporary folder.

Where things live: the factor/constraint vocabulary and the weights file in
:mod:`geoplan.standards.suitability`; the inputs and the per-block kernel in
:mod:`geoplan.analysis.suitability_overlay`; candidate sites in :mod:`geoplan.analysis.candidates`;
the image and map in :mod:`geoplan.present.suitability_view`. This module holds the result and
the entry points (and re-exports the names callers used before the split).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import cache
from geoplan.analysis import candidates as _cand
from geoplan.analysis.raster import (
    BlockStore,
    check_raster_vector_crs,
    same_crs,
    slope_percent,
    to_pyproj,
    working_dem,
    zonal_stats,
)
from geoplan.analysis.raster.grid import check_dem_crs, check_something_to_analyse
from geoplan.analysis.suitability_overlay import (
    FACTOR_BANDS,
    Inputs,
    active_weights,
    as_layers,
    halo_cells,
    prepare_inputs,
    process_block,
)
from geoplan.data import io_raster as rio
from geoplan.errors import GeoplanError
from geoplan.settings import M2_PER_MU
from geoplan.standards.suitability import (
    BITS,
    CONSTRAINTS,
    DEFAULT_WEIGHTS,
    FACTORS,
    KIND_TO_MASK,
    FactorSpec,
    SuitabilityConfig,
    Transform,
    load_config,
)

__all__ = [
    "BITS",
    "CONSTRAINTS",
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "FACTOR_BANDS",
    "IN_MEMORY_CELLS",
    "KIND_TO_MASK",
    "FactorSpec",
    "SuitabilityConfig",
    "SuitabilityResult",
    "Transform",
    "check_raster_vector_crs",
    "load_config",
    "run_suitability",
    "same_crs",
    "slope_percent",
    "suitability_for_zone",
    "suitability_of",
    "zone_key",
]

logger = logging.getLogger(__name__)

#: Grids up to this many cells keep their results in memory (otherwise staged on disk).
IN_MEMORY_CELLS = 16_000_000


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
    _store: BlockStore | None = field(default=None, repr=False)
    _hard_union: shapely.Geometry | None = field(default=None, repr=False)
    _candidates: gpd.GeoDataFrame | None = field(default=None, repr=False)
    #: the content key it is cached under ("" when not cached)
    cache_key: str = ""

    # --- arrays --------------------------------------------------------------------------
    @property
    def store(self) -> BlockStore:
        """The grid layers (in memory or staged on disk)."""
        if self._store is None:
            msg = "this suitability result holds no grid"
            raise GeoplanError(msg)
        return self._store

    @property
    def in_memory(self) -> bool:
        return self.store.in_memory

    @property
    def score(self) -> np.ndarray:
        """Full score array (read-only; read from disk for staged grids)."""
        return self._full("score")

    @property
    def bits(self) -> np.ndarray:
        return self._full("bits")

    def _full(self, name: str) -> np.ndarray:
        if self.in_memory:
            return self.store.arrays[name]
        return self.store.read(name, rio.Window(0, 0, self.grid.width, self.grid.height))

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
        return self.store.read(name, win)

    # --- summary -------------------------------------------------------------------------
    @property
    def cell_area_mu(self) -> float:
        return self.grid.cell_area_m2 / M2_PER_MU

    def summary(self) -> dict:
        """Areas in 亩: analysed land, suitable (unconstrained, score ≥ min_score), excluded by constraint."""
        s = self.stats
        mu = self.cell_area_mu
        return {
            "crs": to_pyproj(self.grid.crs).name,
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
        if "factors" not in self.store.arrays and "factors" not in self.store.paths:
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
        check_raster_vector_crs(self.grid, polygons, what="zonal statistics")
        return zonal_stats(
            self.grid,
            self.windows(),
            self.read,
            polygons,
            cell_area_mu=self.cell_area_mu,
            prefix=prefix,
        )

    # --- candidates ------------------------------------------------------------------------
    @property
    def candidates(self) -> gpd.GeoDataFrame:
        """Candidate areas with the configured thresholds (computed once, returned as a copy)."""
        if self._candidates is None:
            self._candidates = self.find_candidates()
        return self._candidates.copy()

    def find_candidates(
        self,
        *,
        min_area_mu: float | None = None,
        min_score: float | None = None,
        within: gpd.GeoDataFrame | None = None,
        split_by_roads: bool | None = None,
    ) -> gpd.GeoDataFrame:
        """Candidate areas (see :func:`geoplan.analysis.candidates.find_candidates`)."""
        return _cand.find_candidates(
            self,
            min_area_mu=min_area_mu,
            min_score=min_score,
            within=within,
            split_by_roads=split_by_roads,
        )

    def best_land(
        self, area_mu: float, *, within: gpd.GeoDataFrame | None = None, min_score: float = 0.0
    ) -> gpd.GeoDataFrame:
        """The best cells for *area_mu* 亩 (see :func:`geoplan.analysis.candidates.best_land`)."""
        return _cand.best_land(self, area_mu, within=within, min_score=min_score)

    def close(self) -> None:
        """Remove staged files (large grids); the result is unusable afterwards."""
        if self._store is not None:
            self.store.close()


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
        Infrastructure headroom (see
        :func:`geoplan.analysis.suitability_overlay.headroom_points`); enables ``facility_distance``.
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
    layers = as_layers(zone)
    target_crs = _working_crs(zone, layers)
    src_path = working_dem(zone, dem_path, target_crs or WORKING_CRS, reproject=reproject_dem)
    with rio.open_raster(src_path) as src:
        grid = rio.grid_of(src)
        if target_crs is not None:
            check_dem_crs(grid, target_crs, src_path)
        inputs = prepare_inputs(layers, grid, cfg, headroom, land)
        weights_used = active_weights(cfg, inputs)
        halo = halo_cells(grid, cfg, weights_used)
        mem = in_memory if in_memory is not None else grid.width * grid.height <= IN_MEMORY_CELLS
        store = BlockStore(grid, _layers_spec(factors), in_memory=mem)
        try:
            stats = _overlay(src, grid, block, halo, cfg, inputs, weights_used, factors, store)
        finally:
            store.finish()
    if stats["valid"] == 0:
        store.close()
        check_something_to_analyse(0, grid, src_path)
    logger.info(
        "suitability on %d×%d cells (%.1f m), halo %d cells, %s",
        grid.width,
        grid.height,
        grid.cell_size_m,
        halo,
        "in memory" if mem else "staged on disk",
    )
    return SuitabilityResult(
        grid, cfg, weights_used, src_path, layers, stats, block, store, inputs.hard_union
    )


def _working_crs(zone: object, layers: dict[str, pd.DataFrame]) -> object | None:
    """The zone's working CRS, else the CRS of its first projected layer (None: no layers)."""
    crs = getattr(zone, "crs", None)
    if crs is not None:
        return crs
    for frame in layers.values():
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None and frame.crs.is_projected:
            return frame.crs
    return None


def _layers_spec(factors: bool) -> dict[str, tuple[str, int, float | None]]:
    spec: dict[str, tuple[str, int, float | None]] = {
        "score": ("float32", 1, rio.NODATA),
        "bits": ("uint8", 1, None),
    }
    if factors:
        spec["factors"] = ("float32", len(FACTOR_BANDS), rio.NODATA)
    return spec


def _overlay(
    src: object,
    grid: rio.Grid,
    block: int,
    halo: int,
    cfg: SuitabilityConfig,
    inputs: Inputs,
    weights: dict[str, float],
    factors: bool,
    store: BlockStore,
) -> dict:
    """Run the block kernel over the grid into *store*; cell counts for the summary."""
    valid_n = suitable_n = excluded_any = 0
    excluded = dict.fromkeys(CONSTRAINTS, 0)
    for win in rio.iter_windows(grid, block):
        res = process_block(src, grid, win, halo, cfg, inputs, weights, factors)
        store.put(win, res)
        valid = res["valid"]
        bits = res["bits"]
        valid_n += int(valid.sum())
        excluded_any += int((bits > 0).sum())
        suitable_n += int(((bits == 0) & valid & (res["score"] >= cfg.min_score)).sum())
        for name, bit in BITS.items():
            excluded[name] += int(((bits & bit) > 0).sum())
    return {
        "valid": valid_n,
        "suitable": suitable_n,
        "excluded": excluded,
        "excluded_any": excluded_any,
    }


#: Version of the cached grid result's layout (bump when SuitabilityResult changes shape).
_CACHE_LAYOUT = 1


def zone_key(
    catalog: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
    dem_path: str | os.PathLike | None = None,
) -> str:
    """Content key of :func:`suitability_for_zone`: the zone's files, the DEM, the weights and the
    code version (:func:`geoplan.cache.key`) — a changed byte in any of them is a new key."""
    from geoplan.zone import DEFAULT_CATALOG, ZONE_FILE, read_profile

    cat = Path(catalog or DEFAULT_CATALOG).resolve()
    if cat.is_dir():
        cat = cat / ZONE_FILE
    prof = read_profile(cat)
    dem = Path(dem_path) if dem_path else prof.rasters.get("dem")
    files = [cat, *(e.path for e in prof.entries.values()), *prof.rasters.values()]
    return cache.key(
        "suitability-zone",
        _CACHE_LAYOUT,
        [f for f in files if f.exists()],
        dem if dem is not None and dem.exists() else None,
        load_config(weights),
    )


def suitability_for_zone(
    catalog: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
    dem_path: str | os.PathLike | None = None,
) -> SuitabilityResult:
    """Cached :func:`run_suitability` on a zone folder (the bundled sample by default).

    Cached through :mod:`geoplan.cache` under :func:`zone_key` (content of the zone's files, the
    DEM and the weights, and the code version), so the app can call it on every rerun. The
    returned arrays are read-only; ``candidates`` returns a copy.
    """
    from geoplan.zone import DEFAULT_CATALOG, load_zone

    cat = Path(catalog or DEFAULT_CATALOG).resolve()

    k = zone_key(cat, weights, dem_path)

    def compute() -> SuitabilityResult:
        res = run_suitability(load_zone(cat), dem_path or None, weights or None)
        _ = res.candidates  # computed once, cached on the result
        res.cache_key = k
        return res

    return cache.memo("suitability", k, compute, entries=4)


def suitability_of(zone: object, weights: str | os.PathLike | None = None) -> SuitabilityResult:
    """Cached :func:`run_suitability` on a zone's layers as they are (e.g. with a user's uploaded
    layers in place): keyed by the layers' content, the DEM's and the weights'."""
    layers = as_layers(zone)
    dem = getattr(zone, "dem_path", None)

    def compute() -> SuitabilityResult:
        res = run_suitability(zone, None, weights or None)
        _ = res.candidates
        res.cache_key = k
        return res

    k = cache.key(
        "suitability-layers",
        _CACHE_LAYOUT,
        {n: f for n, f in layers.items() if isinstance(f, pd.DataFrame)},
        Path(dem) if dem is not None and Path(dem).exists() else None,
        load_config(weights),
    )
    return cache.memo("suitability", k, compute, entries=4)
