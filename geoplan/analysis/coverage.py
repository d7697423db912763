"""Service coverage of residential land: 500米见园, 50米见绿, kindergartens, schools, clinics.

For one phase (现状 / 近期2025 / 远期2035) :func:`service_coverage` takes the residential parcels
that exist in that phase and measures, per standard in ``data/standards/coverage.yaml``:

- ``park_500m`` (500米见园, tiered): walking distance to parks by size tier — parks of at least
  5,000 m² within 500 m, parks of 2,000–5,000 m² within 300 m (defaults). Parks are park
  facilities (site area from ``area_m2``, else from the polygon; point parks without an area do not
  count and are reported) plus 公园绿地 parcels (land use ``1401…``).
- ``green_50m`` (50米见绿): straight-line distance from the parcel boundary to any green space
  (park facilities of any size, parcels with land use ``14…``).
- ``kindergarten``, ``school``, ``clinic``: walking distance to facilities of the listed kinds.

Walking distances run on the road network of the phase (roads without expressways; current: built,
2025: + under construction, 2035: all) with one multi-source Dijkstra per standard or tier, cut at
the radius (:meth:`geoplan.analysis.network.RoadNetwork.nearest_source`). ``network.attach`` meets a polygon
at a single point (its nearest point to the nearest edge), which for a long frontage parallel to a
road can be a far corner; here every polygon (parcel or park site) is offered to the network as
its own geometry plus points every ``walking.boundary_step_m`` along its boundary, and the smallest
distance wins. Every candidate is a real path, so the result is an upper bound that converges to the
exact walking distance as the step shrinks.

Shares are weighted by residential floor area (parcel area × FAR). Gaps are the uncovered
residential parcels dissolved into contiguous patches.

Results are content-cached (:mod:`geoplan.cache`, memory and disk) under the content of the
columns they depend on (parcels: id, land use, area, FAR, status, geometry; facilities: id, kind,
status, area, geometry; roads: class, status, geometry — or a prebuilt network's key), the phase
and the normalised standards; every caller gets its own copy.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import cache, settings
from geoplan.config.loader import Checker as _Checker
from geoplan.config.loader import read_yaml
from geoplan.data.crs import check_same_crs
from geoplan.errors import CRSError, GeoplanError

if TYPE_CHECKING:
    from geoplan.analysis.network import Attachment

logger = logging.getLogger(__name__)

DEFAULT_STANDARDS = settings.STANDARDS_DIR / "coverage.yaml"

#: Standards every coverage file defines (the keys of :attr:`CoverageResult.shares`).
REQUIRED_STANDARDS = ("park_500m", "green_50m", "kindergarten", "school", "clinic")

#: Which parcel / facility / road statuses exist in each phase.
RESIDENTIAL_STATUS: dict[str, tuple[str, ...]] = {
    "current": ("built",),
    "2025": ("built", "under_construction"),
    "2035": ("built", "under_construction", "idle"),  # reserve land is not developed by default
}
FACILITY_STATUS: dict[str, tuple[str, ...]] = {
    "current": ("existing",),
    "2025": ("existing", "planned"),
    "2035": ("existing", "planned"),
}
ROAD_STATUS: dict[str, tuple[str, ...] | None] = {
    "current": ("built",),
    "2025": ("built", "under_construction"),
    "2035": None,  # every road
}

PARCEL_COLUMNS = ("parcel_id", "land_use", "area_m2", "far", "status")
FACILITY_COLUMNS = ("facility_id", "kind", "status")  # area_m2 is optional (NaN when absent)
ROAD_COLUMNS = ("road_class", "status")

FACILITY_KINDS = (
    "park",
    "school",
    "kindergarten",
    "hospital",
    "clinic",
    "university",
    "research",
    "sports",
    "culture",
    "other",
)
ROAD_CLASSES = ("expressway", "arterial", "secondary", "branch")

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_POLYGONAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon


# --- standards file ------------------------------------------------------------------------


def load_standards(path: str | os.PathLike | Mapping | None = None) -> dict:
    """Read and validate a coverage standards file (default ``data/standards/coverage.yaml``).

    A mapping with the same structure is validated too; the result is a normalised dict (defaults
    filled in) that can be passed back to :func:`service_coverage` or to this function.
    Raises :class:`SchemaError` naming the file, the line where known, and the field.
    """
    if isinstance(path, Mapping):
        return _parse(copy.deepcopy(dict(path)), "<coverage standards>", {})
    doc, lines, source = read_yaml(
        Path(path) if path is not None else DEFAULT_STANDARDS, "coverage standards"
    )
    return _parse(doc, source, lines)


def _positive(
    ck: _Checker, doc: Mapping, key: str, path: tuple, default: float | None = None
) -> float:
    v = ck.number(doc, key, path, default=default, lo=0.0)
    if v <= 0:
        ck.fail((*path, key), f"must be > 0, got {v:g}")
    return v


def _text(ck: _Checker, doc: Mapping, key: str, path: tuple, default: str | None = None) -> str:
    if key not in doc:
        if default is None:
            ck.fail((*path, key), "is required")
        return default
    v = doc[key]
    if not isinstance(v, str) or not v.strip():
        ck.fail((*path, key), f"must be a non-empty text, got {v!r}")
    return v


def _prefixes(ck: _Checker, doc: Mapping, key: str, path: tuple, default: list[str]) -> list[str]:
    if key not in doc:
        return list(default)
    v = doc[key]
    if not isinstance(v, list) or not v or not all(isinstance(s, str) and s.isdigit() for s in v):
        ck.fail(
            (*path, key), f'must be a non-empty list of quoted code prefixes like "07", got {v!r}'
        )
    return list(v)


def _provenance(ck: _Checker, spec: Mapping, path: tuple) -> dict:
    out: dict[str, object] = {"source": _text(ck, spec, "source", path)}
    if "verified" not in spec:
        ck.fail((*path, "verified"), "is required (yes / no, or a note)")
    v = spec["verified"]
    if not isinstance(v, bool) and not (isinstance(v, str) and v.strip()):
        ck.fail((*path, "verified"), f"must be yes / no or a note, got {v!r}")
    out["verified"] = v
    return out


def _parse(doc: object, source: str, lines: dict[tuple, int]) -> dict:
    ck = _Checker(source, lines)
    doc = ck.mapping(
        doc if doc is not None else {},
        (),
        {"version", "source", "land_use", "walking", "standards"},
    )
    version = doc.get("version", 1)
    if version != 1 or isinstance(version, bool):
        ck.fail(("version",), f"unsupported version {version!r}; this geoplan reads version 1")
    out: dict = {"version": 1, "source": _text(ck, doc, "source", ())}

    lu = ck.mapping(doc.get("land_use", {}), ("land_use",), {"residential", "park", "green"})
    out["land_use"] = {
        "residential": _prefixes(ck, lu, "residential", ("land_use",), ["07"]),
        "park": _prefixes(ck, lu, "park", ("land_use",), ["1401"]),
        "green": _prefixes(ck, lu, "green", ("land_use",), ["14"]),
    }

    wp = ("walking",)
    walk = ck.mapping(
        doc.get("walking", {}), wp, {"exclude_road_classes", "tolerance_m", "boundary_step_m"}
    )
    out["walking"] = {
        "exclude_road_classes": list(
            ck.strings(walk, "exclude_road_classes", wp, ("expressway",), ROAD_CLASSES)
        ),
        "tolerance_m": ck.number(walk, "tolerance_m", wp, default=5.0, lo=0.0),
        "boundary_step_m": ck.number(walk, "boundary_step_m", wp, default=10.0, lo=0.5),
    }

    sp = ("standards",)
    if "standards" not in doc:
        ck.fail(sp, "is required")
    stds = doc["standards"]
    if not isinstance(stds, dict):
        ck.fail(sp, f"must be a mapping, got {type(stds).__name__}")
    missing = [k for k in REQUIRED_STANDARDS if k not in stds]
    if missing:
        ck.fail((*sp, missing[0]), f"is required (standards: {', '.join(REQUIRED_STANDARDS)})")
    parsed: dict[str, dict] = {}
    for key, spec in stds.items():
        path = (*sp, key)
        if not isinstance(key, str) or not _NAME_RE.match(key):
            ck.fail(
                path,
                "a standard's name must be lower-case letters, digits and _ (it names columns)",
            )
        if key == "park_500m":
            spec = ck.mapping(spec, path, {"label", "tiers", "source", "verified"})
            tiers = spec.get("tiers")
            if not isinstance(tiers, list) or not tiers:
                ck.fail((*path, "tiers"), "needs a list of {name, min_area_m2, radius_m}")
            parsed_tiers: list[dict[str, object]] = []
            for i, t in enumerate(tiers):
                tp = (*path, "tiers", i)
                t = ck.mapping(t, tp, {"name", "min_area_m2", "radius_m"})
                name = _text(ck, t, "name", tp)
                if not _NAME_RE.match(name) or name in {x["name"] for x in parsed_tiers}:
                    ck.fail(
                        (*tp, "name"),
                        f"must be a unique lower-case name (letters, digits, _), got {name!r}",
                    )
                parsed_tiers.append(
                    {
                        "name": name,
                        "min_area_m2": ck.number(t, "min_area_m2", tp, lo=0.0),
                        "radius_m": _positive(ck, t, "radius_m", tp),
                    }
                )
            entry: dict[str, object] = {"tiers": parsed_tiers}
        elif key == "green_50m":
            spec = ck.mapping(spec, path, {"label", "radius_m", "source", "verified"})
            entry = {"radius_m": _positive(ck, spec, "radius_m", path)}
        else:
            spec = ck.mapping(spec, path, {"label", "kinds", "radius_m", "source", "verified"})
            if "kinds" not in spec:
                ck.fail((*path, "kinds"), "is required (facility kinds that serve this standard)")
            kinds = ck.strings(spec, "kinds", path, (), FACILITY_KINDS)
            if not kinds:
                ck.fail((*path, "kinds"), "needs at least one facility kind")
            entry = {"kinds": list(kinds), "radius_m": _positive(ck, spec, "radius_m", path)}
        parsed[key] = {
            "label": _text(ck, spec, "label", path, default=key),
            **entry,
            **_provenance(ck, spec, path),
        }
    out["standards"] = parsed
    return out


# --- result --------------------------------------------------------------------------------


def _empty_gaps(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "standard": pd.Series(dtype=object),
            "area_m2": pd.Series(dtype=float),
            "floor_m2": pd.Series(dtype=float),
            "n_parcels": pd.Series(dtype="int64"),
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )


@dataclass
class CoverageResult:
    """Coverage of the residential parcels of one phase (see :func:`service_coverage`).

    ``parcels``: one row per counted residential parcel — ``parcel_id``, ``floor_m2`` and per
    standard ``<std>_m`` (distance in metres: walking distance within the radius, ``inf`` beyond
    it; for ``park_500m`` the smallest of the tier distances ``park_500m_<tier>_m``, each cut at
    its tier's radius; for ``green_50m`` the straight-line distance to the nearest green space,
    ``inf`` if there is none) and the bool covered flag ``<std>``.
    ``shares``: covered / total residential floor area per standard (NaN without residential
    floor area). ``gaps``: uncovered parcels dissolved into contiguous patches per standard.
    """

    phase: str
    parcels: pd.DataFrame
    shares: dict[str, float]
    gaps: gpd.GeoDataFrame
    warnings: list[str] = field(default_factory=list)

    def copy(self) -> CoverageResult:
        return CoverageResult(
            self.phase,
            self.parcels.copy(),
            dict(self.shares),
            self.gaps.copy(),
            list(self.warnings),
        )

    @property
    def residential_floor_m2(self) -> float:
        return float(self.parcels["floor_m2"].sum()) if len(self.parcels) else 0.0

    def summary(self) -> dict:
        """JSON-ready summary; shares are ``None`` when there is no residential floor area."""

        def share(v: float) -> float | None:
            return None if v is None or not math.isfinite(v) else round(float(v), 4)

        g = self.gaps.groupby("standard")[["area_m2", "floor_m2", "n_parcels"]].sum()
        gaps = {}
        for std in self.shares:
            row = g.loc[std] if std in g.index else None
            gaps[std] = {
                "area_m2": round(float(row["area_m2"]), 1) if row is not None else 0.0,
                "floor_m2": round(float(row["floor_m2"]), 1) if row is not None else 0.0,
                "n_parcels": int(row["n_parcels"]) if row is not None else 0,
            }
        return {
            "phase": self.phase,
            "shares": {k: share(v) for k, v in self.shares.items()},
            "residential_floor_m2": round(self.residential_floor_m2, 1),
            "gaps": gaps,
            "warnings": list(self.warnings),
        }


# --- computation ---------------------------------------------------------------------------


def _require(frame: object, layer: str, columns: tuple[str, ...]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"{layer}: need a GeoDataFrame with geometry (got {type(frame).__name__})"
        raise GeoplanError(msg)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"{layer}: missing column(s) {', '.join(repr(c) for c in missing)} needed for service "
            f"coverage → add them (see geoplan.data.catalog for the {layer} layer's fields)"
        )
        raise GeoplanError(msg)


def _starts(codes: pd.Series, prefixes: list[str]) -> np.ndarray:
    s = codes.astype("string").fillna("")
    return s.str.startswith(tuple(prefixes)).to_numpy(dtype=bool)


def _area(frame: gpd.GeoDataFrame) -> np.ndarray:
    """``area_m2`` where given, else the planar polygon area (0 for points: caller decides)."""
    given = (
        pd.to_numeric(frame["area_m2"], errors="coerce").to_numpy(dtype=float)
        if "area_m2" in frame.columns
        else np.full(len(frame), np.nan)
    )
    return np.where(np.isnan(given), shapely.area(frame.geometry.values), given)


def _ids(values: np.ndarray, limit: int = 5) -> str:
    head = ", ".join(map(str, values[:limit]))
    return head + (f" … (+{len(values) - limit})" if len(values) > limit else "")


def _candidates(geoms: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """The geometries plus points every *step* metres along polygon boundaries, with their owner."""
    geoms = np.asarray(geoms, dtype=object)
    owner = np.arange(len(geoms))
    poly = np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    if not poly.any():
        return geoms, owner
    rings = shapely.segmentize(shapely.boundary(geoms[poly]), step)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    return (np.concatenate([geoms, shapely.points(xy)]), np.concatenate([owner, owner[poly][idx]]))


@dataclass(frozen=True)
class _Sites:
    """Where a set of geometries can meet the walking network, pruned without changing any result.

    Candidates (see :func:`_candidates`) are attached to their nearest edge once. Within one
    geometry and one edge a candidate *q* is dominated by *p* when ``a_q ≥ a_p + |x_q − x_p|``
    (``a``: access leg, ``x``: position along the edge): every path through *q* is at least as long
    as one through *p*, so *q* is dropped. Of the rest, only the two extremes (smallest ``a + x``,
    leaving by the edge's start; smallest ``a − x``, by its end) matter unless a point of the other
    side (source vs target) sits on the same edge, where the direct walk along the edge needs all.

    ``att`` holds the kept candidates' attachments (the network distances reuse them: nothing is
    attached twice). :meth:`of` keeps the rows of some geometries only: pruning works within one
    geometry, so the sites of a subset are the subset of the sites.
    """

    geoms: np.ndarray
    owner: np.ndarray
    edge: np.ndarray
    extreme: np.ndarray
    n: int
    att: Attachment | None = None

    @classmethod
    def empty(cls, n: int) -> _Sites:
        none = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(0, dtype=object), none, none, np.zeros(0, dtype=bool), n)

    def select(self, other: _Sites) -> np.ndarray:
        return self.extreme | np.isin(self.edge, other.edge)

    def of(self, geometries: np.ndarray) -> _Sites:
        """The sites of the geometries selected by a boolean mask over the original geometries."""
        rows = np.asarray(geometries, dtype=bool)[self.owner]
        return _Sites(
            self.geoms[rows],
            self.owner[rows],
            self.edge[rows],
            self.extreme[rows],
            self.n,
            self.att.subset(rows) if self.att is not None else None,
        )


def _sites(net, geoms: np.ndarray, step: float, max_access_m: float) -> _Sites:
    cand, owner = _candidates(geoms, step)
    att = net.attach(cand, max_access_m=max_access_m)
    df = pd.DataFrame(
        {"o": owner, "e": att.edge, "x": att.along_m, "a": att.access_m, "i": np.arange(len(cand))}
    )
    df = df[df["e"].to_numpy() >= 0].drop_duplicates(["o", "e", "x", "a"])
    df = df.sort_values(["o", "e", "x", "a"], kind="stable").reset_index(drop=True)
    o, e, x, a = (df[c].to_numpy() for c in ("o", "e", "x", "a"))
    group = (
        np.r_[0, np.cumsum((o[1:] != o[:-1]) | (e[1:] != e[:-1]))] if len(df) else np.zeros(0, int)
    )
    minus, plus = pd.Series(a - x), pd.Series(a + x)
    # smallest a − x strictly before, smallest a + x strictly after, within the group
    before = minus.groupby(group).cummin().groupby(group).shift(1).fillna(np.inf).to_numpy()
    after = (
        plus[::-1]
        .groupby(group[::-1])
        .cummin()
        .groupby(group[::-1])
        .shift(1)
        .fillna(np.inf)
        .to_numpy()[::-1]
    )
    kept = (a - x < before) & (a + x < after)
    df, group, minus, plus = df[kept], group[kept], minus[kept], plus[kept]
    extreme = np.zeros(len(df), dtype=bool)
    for key in (plus.to_numpy(), minus.to_numpy()):
        # sort by group, then key: the first row of each group holds the group's minimum
        order = np.lexsort((key, group))
        g = group[order]
        extreme[order[np.r_[True, g[1:] != g[:-1]]] if len(g) else order] = True
    rows = df["i"].to_numpy()
    return _Sites(
        cand[rows], df["o"].to_numpy(), df["e"].to_numpy(), extreme, len(geoms), att.subset(rows)
    )


def _walk(net, src: _Sites | None, targets: _Sites, radius: float) -> np.ndarray:
    """Per target geometry, walking distance (≤ radius, else inf) to the nearest source site.

    One multi-source Dijkstra cut at *radius* (:meth:`RoadNetwork.nearest_source`). The source
    sites may have been attached with a longer access limit than *radius*: a candidate whose
    access leg alone exceeds the radius gives no path within it, so results are the same.
    """
    out = np.full(targets.n, np.inf)
    if net is None or src is None or len(src.geoms) == 0 or len(targets.geoms) == 0:
        return out
    sm, tm = src.select(targets), targets.select(src)
    if not sm.any() or not tm.any():
        return out
    assert src.att is not None and targets.att is not None
    d, _ = net.nearest_source(src.att.subset(sm), targets.att.subset(tm), limit=radius)
    np.minimum.at(out, targets.owner[tm], d)
    out[out > radius] = np.inf
    return out


def _straight(sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per target, straight-line distance to the nearest source (inf if there is none)."""
    out = np.full(len(targets), np.inf)
    sources = np.asarray(sources, dtype=object)
    sources = sources[~(shapely.is_missing(sources) | shapely.is_empty(sources))]
    if len(sources) == 0 or len(targets) == 0:
        return out
    idx, dist = shapely.STRtree(sources).query_nearest(
        targets, return_distance=True, all_matches=False
    )
    out[idx[0]] = dist
    return out


def _gaps(
    std: str, geoms: np.ndarray, floor: np.ndarray, uncovered: np.ndarray, crs
) -> gpd.GeoDataFrame:
    """Uncovered parcels dissolved into contiguous polygons, with their floor area and count."""
    take = uncovered & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    g = geoms[take]
    if len(g) == 0:
        return _empty_gaps(crs)
    parts = shapely.get_parts(shapely.union_all(g))
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
    # each parcel belongs to the patch that holds an interior point of it
    _, patch = shapely.STRtree(parts).query_nearest(shapely.point_on_surface(g), all_matches=False)
    n = np.bincount(patch, minlength=len(parts))
    out = gpd.GeoDataFrame(
        {
            "standard": std,
            "area_m2": shapely.area(parts),
            "floor_m2": np.bincount(patch, weights=floor[take], minlength=len(parts)),
            "n_parcels": n.astype("int64"),
        },
        geometry=parts,
        crs=crs,
    )
    return out[n > 0].sort_values("floor_m2", ascending=False, kind="stable").reset_index(drop=True)


def service_coverage(
    parcels: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None = None,
    *,
    network=None,
    phase: str | int = "current",
    standards: str | os.PathLike | Mapping | None = None,
) -> CoverageResult:
    """Coverage of the phase's residential parcels by parks, green space and services.

    Parameters
    ----------
    parcels, facilities, roads
        Layers in the same projected CRS (the working CRS). ``roads`` builds the walking network
        (no expressways, filtered by phase) unless a prebuilt ``network`` is given; a prebuilt
        network is used as it is (the caller picks its roads and phase).
    phase
        ``current`` / ``2025`` / ``2035`` (or 现状 / 近期 / 远期): which residential parcels, green
        parcels, facilities and roads exist.
    standards
        Path or mapping for :func:`load_standards`; default ``data/standards/coverage.yaml``.
    """
    phase = settings.phase_key(phase)
    std = load_standards(standards)
    _require(parcels, "parcels", PARCEL_COLUMNS)
    _require(facilities, "facilities", FACILITY_COLUMNS)
    if network is None:
        if roads is None:
            msg = "service coverage: give the roads layer (roads=) or a prebuilt network (network=)"
            raise GeoplanError(msg)
        _require(roads, "roads", ROAD_COLUMNS)
    frames = [parcels, facilities, roads if network is None else network.edges]
    check_same_crs(*frames, what="service coverage (parcels, facilities, roads)")
    if not parcels.crs.is_projected:
        msg = "service coverage: layers must be in a metric CRS → reproject with crs.to_working"
        raise CRSError(msg)
    k = _coverage_key(parcels, facilities, roads, network, phase, std)
    compute = lambda: _coverage(parcels, facilities, roads, network, phase, std)  # noqa: E731
    res = compute() if k is None else cache.memo("coverage", k, compute, disk=True)
    logger.info(
        "service coverage %s: %d residential parcels, %.0f m² floor; shares %s",
        phase,
        len(res.parcels),
        res.residential_floor_m2,
        {k: round(v, 3) for k, v in res.shares.items()},
    )
    for w in res.warnings:
        logger.warning("service coverage %s: %s", phase, w)
    return res.copy()


def _columns(frame: gpd.GeoDataFrame, cols: tuple[str, ...]) -> gpd.GeoDataFrame:
    have = [c for c in cols if c in frame.columns]
    return frame[[*have, frame.geometry.name]].reset_index(drop=True)


def _coverage_key(parcels, facilities, roads, network, phase: str, std: dict) -> str | None:
    """The cache key of a coverage result: what it depends on, nothing more (None: uncacheable)."""
    if network is not None:
        if not getattr(network, "key", ""):
            return None
        ways: object = ("network", network.key)
    else:
        ways = _columns(roads, ROAD_COLUMNS)
    return cache.key(
        "service-coverage",
        phase,
        std,
        _columns(parcels, PARCEL_COLUMNS),
        _columns(facilities, (*FACILITY_COLUMNS, "area_m2")),
        ways,
    )


def _coverage(parcels, facilities, roads, network, phase: str, std: dict) -> CoverageResult:
    crs = parcels.crs
    walk_cfg = std["walking"]
    step = walk_cfg["boundary_step_m"]
    warnings: list[str] = []

    # residential parcels of the phase and their floor area
    land_use = parcels["land_use"]
    lives = parcels["status"].isin(RESIDENTIAL_STATUS[phase]).to_numpy(dtype=bool)
    res = parcels.loc[_starts(land_use, std["land_use"]["residential"]) & lives]
    res_geoms = np.asarray(res.geometry.values, dtype=object)
    area = _area(res)
    far = pd.to_numeric(res["far"], errors="coerce").to_numpy(dtype=float)
    no_far = ~(far > 0)
    if no_far.any():
        warnings.append(
            f"{int(no_far.sum())} residential parcel(s) without FAR (0 or empty): floor area = "
            f"land area ({_ids(res['parcel_id'].to_numpy()[no_far])})"
        )
    floor = area * np.where(no_far, 1.0, far)
    if len(res) == 0:
        warnings.append(
            f"no residential parcels (land use {', '.join(std['land_use']['residential'])}…) "
            f"with status {', '.join(RESIDENTIAL_STATUS[phase])} in phase {phase}: shares undefined"
        )

    # facilities and green parcels of the phase
    fac = facilities.loc[facilities["status"].isin(FACILITY_STATUS[phase]).to_numpy(dtype=bool)]
    kind = fac["kind"].astype("string").fillna("").to_numpy(dtype=object)
    park_fac = fac.loc[kind == "park"]
    park_fac_area = _area(park_fac)
    polygonal = np.isin(shapely.get_type_id(park_fac.geometry.values), _POLYGONAL)
    given = (
        pd.to_numeric(park_fac["area_m2"], errors="coerce").notna().to_numpy()
        if "area_m2" in park_fac.columns
        else np.zeros(len(park_fac), dtype=bool)
    )
    unknown = ~given & ~polygonal
    if unknown.any():
        warnings.append(
            f"{int(unknown.sum())} park(s) given as points without area_m2 do not count for "
            f"park_500m ({_ids(park_fac['facility_id'].to_numpy()[unknown])}) → add their site area"
        )
    green_parcel = lives & _starts(land_use, std["land_use"]["green"])
    park_parcel = lives & _starts(land_use, std["land_use"]["park"])
    pp = parcels.loc[park_parcel]
    park_geoms = np.concatenate(
        [
            np.asarray(park_fac.geometry.values[~unknown], dtype=object),
            np.asarray(pp.geometry.values, dtype=object),
        ]
    )
    park_area = np.concatenate([park_fac_area[~unknown], _area(pp)])
    green_geoms = np.concatenate(
        [
            np.asarray(park_fac.geometry.values, dtype=object),
            np.asarray(parcels.geometry.values[green_parcel], dtype=object),
        ]
    )

    # walking network of the phase
    net = network
    if net is None:
        rd = roads.loc[
            ~roads["road_class"].isin(walk_cfg["exclude_road_classes"]).to_numpy(dtype=bool)
        ]
        keep = ROAD_STATUS[phase]
        if keep is not None:
            rd = rd.loc[rd["status"].isin(keep).to_numpy(dtype=bool)]
        if rd.empty:
            warnings.append(f"no walkable road in phase {phase}: walking standards cover nothing")
        else:
            from geoplan.analysis.network import build_network

            net = build_network(rd, tolerance_m=walk_cfg["tolerance_m"])
    reach = max(
        [t["radius_m"] for t in std["standards"]["park_500m"]["tiers"]]
        + [v["radius_m"] for k, v in std["standards"].items() if "kinds" in v]
    )
    targets = _sites(net, res_geoms, step, reach) if net is not None else _Sites.empty(len(res))
    # every source of a walking standard (parks, then facilities), attached once
    fac_geoms = np.asarray(fac.geometry.values, dtype=object)
    sources = (
        _sites(net, np.concatenate([park_geoms, fac_geoms]), step, reach)
        if net is not None
        else None
    )
    n_park = len(park_geoms)

    def walk(of_parks: np.ndarray | None, of_fac: np.ndarray | None, radius: float) -> np.ndarray:
        if sources is None:
            return np.full(len(res), np.inf)
        mask = np.concatenate(
            [
                of_parks if of_parks is not None else np.zeros(n_park, dtype=bool),
                of_fac if of_fac is not None else np.zeros(len(fac_geoms), dtype=bool),
            ]
        )
        return _walk(net, sources.of(mask), targets, radius)

    out = pd.DataFrame({"parcel_id": res["parcel_id"].to_numpy(), "floor_m2": floor})
    extra: dict[str, np.ndarray] = {}
    for key, spec in std["standards"].items():
        if key == "park_500m":
            d = np.full(len(res), np.inf)
            for tier in spec["tiers"]:
                sel = park_area >= tier["min_area_m2"]
                dt = walk(sel, None, tier["radius_m"])
                extra[f"{key}_{tier['name']}_m"] = dt
                d = np.minimum(d, dt)
            if not (park_area >= min(t["min_area_m2"] for t in spec["tiers"])).any():
                warnings.append(f"{key}: no park large enough to count exists in phase {phase}")
            covered = np.isfinite(d)
        elif key == "green_50m":
            d = _straight(green_geoms, res_geoms)
            covered = d <= spec["radius_m"]
        else:
            of_kind = np.isin(kind, spec["kinds"])
            if not of_kind.any():
                warnings.append(
                    f"{key}: no facility of kind {', '.join(spec['kinds'])} exists in phase {phase}"
                )
            d = walk(None, of_kind, spec["radius_m"])
            covered = np.isfinite(d)
        out[f"{key}_m"] = d
        out[key] = covered
    for col, d in extra.items():
        out[col] = d

    total = float(floor.sum())
    shares = {
        key: (float(floor[out[key].to_numpy()].sum()) / total if total > 0 else math.nan)
        for key in std["standards"]
    }
    gap_frames = [
        g
        for key in std["standards"]
        if len(g := _gaps(key, res_geoms, floor, ~out[key].to_numpy(), crs))
    ]
    gaps = (
        gpd.GeoDataFrame(pd.concat(gap_frames, ignore_index=True), geometry="geometry", crs=crs)
        if gap_frames
        else _empty_gaps(crs)
    )
    return CoverageResult(phase, out, shares, gaps, warnings)


__all__ = [
    "DEFAULT_STANDARDS",
    "REQUIRED_STANDARDS",
    "CoverageResult",
    "load_standards",
    "service_coverage",
]
