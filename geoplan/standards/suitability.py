"""城镇建设适宜性 standards: the factors, the hard-constraint masks and the weights file.

The only place that knows what a suitability factor or constraint mask means. A weights file
(``data/standards/suitability.yaml`` by default, or a zone's own) gives each factor a weight and a
transform from its raw value (slope in %, distances in m) to a score 0–1, the hard-constraint
thresholds and the candidate-area rules; :func:`load_config` validates it with errors naming
file, line and field.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from geoplan.config.loader import Checker, read_yaml
from geoplan.settings import STANDARDS_DIR

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
        kept: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **kept)


def _parse_transform(ck: Checker, v: object, path: tuple) -> Transform:
    t = ck.mapping(v, path, {"type", "points", "half_m", "max_m"})
    kind = t.get("type")
    if kind == "linear":
        pts = t.get("points")
        if not isinstance(pts, list) or len(pts) < 2:
            ck.fail((*path, "points"), "needs at least two [x, score] pairs")
        parsed: list[tuple[float, float]] = []
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
