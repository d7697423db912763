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
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import numpy as np
import pydantic_core
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from geoplan import cache
from geoplan.config.loader import YamlDoc, read_yaml_doc, validate
from geoplan.settings import STANDARDS_DIR

DEFAULT_WEIGHTS = STANDARDS_DIR / "suitability.yaml"

#: Factor names and the unit of their raw value (their names for readers: message keys
#: ``suit_factor_<name>`` in :mod:`geoplan.text.suitability`).
FACTORS: dict[str, str] = {
    "slope": "%",
    "road_distance": "m",
    "built_distance": "m",
    "facility_distance": "m",
}

#: Hard-constraint masks, in bit order, with the message key of their name (zh, en).
CONSTRAINTS: dict[str, str] = {
    name: f"suit_con_{name}"
    for name in (
        "forest_park",
        "ecological_core",
        "water_source",
        "coastal_setback",
        "steep_slope",
        "built",
        "other",
    )
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

    def cache_token(self) -> tuple:
        """Everything that determines a result, for :func:`geoplan.cache.key`."""
        return (
            tuple(
                (f.name, f.weight, f.transform.kind, f.transform.points, f.transform.half_m,
                 f.transform.max_m, f.status)
                for f in self.factors.values()
            ),
            repr(replace(self, factors={})),
        )  # fmt: skip

    def with_options(self, **changes: object) -> SuitabilityConfig:
        """A copy with some scalar options changed (``None`` values are ignored)."""
        kept: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **kept)


# --- the weights file, as typed models ---------------------------------------------------------


def _number(v: object) -> object:
    """A YAML number (never a bool or a text), finite."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        msg = f"must be a number, got {v!r}"
        raise ValueError(msg)
    if not math.isfinite(v):
        msg = f"must be a finite number, got {v!r}"
        raise ValueError(msg)
    return float(v)


def _texts(v: object) -> object:
    """One text or a list of texts (codes written without quotes are texts too)."""
    if isinstance(v, str | int) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list) or not all(
        isinstance(x, str | int) and not isinstance(x, bool) for x in v
    ):
        msg = "must be a list of texts"
        raise ValueError(msg)
    return tuple(str(x) for x in v)


Num = Annotated[float, BeforeValidator(_number)]
Texts = Annotated[tuple[str, ...], BeforeValidator(_texts)]


def _fail(loc: tuple, message: str, value: object) -> NoReturn:
    """Raise a validation error at *loc* below the current field (so it names e.g. ``points.2``)."""
    raise pydantic_core.ValidationError.from_exception_data(
        "suitability",
        [{"type": PydanticCustomError("value_error", message), "loc": loc, "input": value}],
    )


def _choices(values: tuple[str, ...], allowed: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        msg = f"unknown value {bad[0]!r}; use {', '.join(allowed)}"
        raise ValueError(msg)
    return values


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_default(cls, data: object) -> object:
        # ``key: null`` (or an empty key) in YAML means "use the default"
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class TransformModel(_Model):
    """``{type: linear, points: [[x, score], …]}`` or ``{type: exp_decay, half_m, max_m}``."""

    type: Literal["linear", "exp_decay"]
    points: list[Any] | None = None
    half_m: Annotated[Num, Field(gt=0)] | None = None
    max_m: Num | None = None

    @field_validator("points")
    @classmethod
    def _pairs(cls, pts: list[Any] | None) -> list[Any] | None:
        if pts is None:
            return None
        if len(pts) < 2:
            msg = "needs at least two [x, score] pairs"
            raise ValueError(msg)
        prev: float | None = None
        for i, p in enumerate(pts):
            if (
                not isinstance(p, list)
                or len(p) != 2
                or not all(isinstance(a, int | float) and not isinstance(a, bool) for a in p)
                or not all(math.isfinite(a) for a in p)
            ):
                _fail((i,), f"must be a pair [x, score] of numbers, got {p!r}", p)
            if not 0.0 <= p[1] <= 1.0:
                _fail((i,), f"score must be within 0…1, got {p[1]}", p)
            if p[0] < 0:
                _fail((i,), f"x must be ≥ 0, got {p[0]}", p)
            if prev is not None and p[0] <= prev:
                _fail((i,), "x values must increase", p)
            prev = p[0]
        return pts

    @model_validator(mode="after")
    def _complete(self) -> TransformModel:
        if self.type == "linear" and self.points is None:
            _fail(("points",), "needs at least two [x, score] pairs", None)
        if self.type == "exp_decay":
            if self.half_m is None:
                _fail(("half_m",), "is required", None)
            if self.max_m is not None and self.max_m < self.half_m:
                _fail(("max_m",), f"must be ≥ half_m ({self.half_m:g}), got {self.max_m:g}", None)
        return self

    def to_transform(self) -> Transform:
        if self.type == "linear":
            pts = self.points or []
            return Transform("linear", tuple((float(x), float(y)) for x, y in pts))
        half = float(self.half_m or 0.0)
        return Transform("exp_decay", half_m=half, max_m=self.max_m or 5 * half)


class FactorModel(_Model):
    weight: Annotated[Num, Field(ge=0)]
    transform: TransformModel
    status: Texts | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        from geoplan.data.catalog import BUILD_STATUS

        return None if v is None else _choices(v, BUILD_STATUS)


class FactorsModel(_Model):
    slope: FactorModel | None = None
    road_distance: FactorModel | None = None
    built_distance: FactorModel | None = None
    facility_distance: FactorModel | None = None

    @model_validator(mode="after")
    def _some_weight(self) -> FactorsModel:
        given = self.given()
        if not given:
            msg = f"at least one factor is required ({', '.join(FACTORS)})"
            raise ValueError(msg)
        for name, f in given.items():
            if f.status is not None and name != "road_distance":
                _fail((name, "status"), "only road_distance takes a status list", f.status)
        if sum(f.weight for f in given.values()) <= 0:
            msg = "the weights must not all be 0"
            raise ValueError(msg)
        return self

    def given(self) -> dict[str, FactorModel]:
        return {n: f for n in FACTORS if (f := getattr(self, n)) is not None}


class ConstraintsModel(_Model):
    steep_slope_pct: Annotated[Num, Field(ge=0)] = 25.0
    coastal_setback_m: Annotated[Num, Field(ge=0)] = 200.0
    sea_from_dem: StrictBool = True
    sea_level_m: Num | None = None
    built_status: Texts = ("built", "under_construction")
    soft_multiplier: Annotated[Num, Field(ge=0, le=1)] = 0.6
    hard_kinds: Texts = ()

    @field_validator("built_status")
    @classmethod
    def _built(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from geoplan.data.catalog import PARCEL_STATUS

        return _choices(v, PARCEL_STATUS)

    @field_validator("hard_kinds")
    @classmethod
    def _kinds(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return _choices(v, tuple(KIND_TO_MASK))


class CandidatesModel(_Model):
    min_score: Annotated[Num, Field(ge=0, le=1)] = 0.6
    min_area_mu: Annotated[Num, Field(ge=0)] = 50.0
    connectivity: Literal[4, 8] = 8
    split_by_roads: StrictBool = True
    road_width_m: Annotated[Num, Field(ge=0)] = 30.0

    @field_validator("connectivity", mode="before")
    @classmethod
    def _conn(cls, v: object) -> object:
        if isinstance(v, bool) or v not in (4, 8):
            msg = f"must be 4 or 8, got {v!r}"
            raise ValueError(msg)
        return v


class WeightsFile(_Model):
    """A weights file (``data/standards/suitability.yaml``)."""

    version: int | None = None
    source: str = ""
    factors: FactorsModel
    constraints: ConstraintsModel = ConstraintsModel()
    candidates: CandidatesModel = CandidatesModel()

    def to_config(self) -> SuitabilityConfig:
        factors = {
            name: FactorSpec(
                name,
                f.weight,
                f.transform.to_transform(),
                (f.status if f.status is not None else ("built", "under_construction"))
                if name == "road_distance"
                else (),
            )
            for name, f in self.factors.given().items()
        }
        c, k = self.constraints, self.candidates
        return SuitabilityConfig(
            factors=factors,
            steep_slope_pct=c.steep_slope_pct,
            coastal_setback_m=c.coastal_setback_m,
            sea_from_dem=c.sea_from_dem,
            sea_level_m=c.sea_level_m,
            built_status=c.built_status,
            soft_multiplier=c.soft_multiplier,
            hard_kinds=c.hard_kinds,
            min_score=k.min_score,
            min_area_mu=k.min_area_mu,
            connectivity=int(k.connectivity),
            split_by_roads=k.split_by_roads,
            road_width_m=k.road_width_m,
            source=self.source,
        )


def parse_config(doc: YamlDoc) -> SuitabilityConfig:
    """Validate a parsed weights document; :class:`SchemaError` names file, line and field."""
    data = doc.data if doc.data is not None else {}
    return validate(WeightsFile, YamlDoc(data, doc.source, doc.lines)).to_config()


def load_config(
    weights: str | os.PathLike | Mapping | SuitabilityConfig | None = None,
) -> SuitabilityConfig:
    """Read and validate a weights file (or a dict with the same structure).

    Raises :class:`SchemaError` naming the file, the line where known, and the field. Files are
    cached by content (:mod:`geoplan.cache`).
    """
    if isinstance(weights, SuitabilityConfig):
        return weights
    if weights is None or isinstance(weights, str | os.PathLike):
        p = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not p.is_file():
            return parse_config(read_yaml_doc(p, "weights file"))  # the loader's own message
        return cache.memo(
            "suitability-config",
            cache.key("suitability-config", p.resolve()),
            lambda: parse_config(read_yaml_doc(p, "weights file")),
        )
    return parse_config(YamlDoc(dict(weights), "<weights>", {}))
