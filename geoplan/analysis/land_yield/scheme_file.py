"""The scheme file format: pydantic models for the YAML, and the checks across fields.

:func:`build_scheme` validates a parsed document (:class:`~geoplan.config.loader.YamlDoc`) with
:func:`geoplan.config.loader.validate` (types, ranges, unknown keys — each problem with file,
line and field), then checks what spans fields (weights summing to the list's total, a ratio
scheme's benchmarks, class shares, the tenants' list …) and returns the
:class:`~geoplan.analysis.land_yield.schemes.Scheme`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from geoplan.analysis.land_yield.schemes import (
    ATTRIBUTE_ITEMS,
    CLASS_LABELS,
    CLASSES,
    GROUPS,
    INDICATORS,
    SCALES,
    SECTORS,
    Adjustment,
    ClassRule,
    Exclusions,
    IndicatorSpec,
    ListSpec,
    Scheme,
    Scope,
)
from geoplan.config.loader import YamlDoc, validate
from geoplan.errors import SchemaError


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BenchmarkM(_M):
    """``{fixed: v, source: …}`` or ``{k: 2, of: aggregate, year: prior}``."""

    fixed: float | None = Field(None, gt=0, allow_inf_nan=False)
    k: float | None = Field(None, gt=0, allow_inf_nan=False)
    of: Literal["aggregate"] = "aggregate"
    year: int | Literal["current", "prior"] = "current"
    source: str = ""
    verified: bool | None = None
    basis: str = ""
    note: str = ""


class DeriveM(_M):
    """The older ``derive: {stat: mean, k}`` form, read as k × the aggregate Σnum/Σden."""

    stat: Literal["mean"] = "mean"
    k: float = Field(1.0, gt=0, allow_inf_nan=False)


class IndicatorM(_M):
    id: str
    weight: float = Field(gt=0, allow_inf_nan=False)
    benchmark: Any = None
    derive: DeriveM | None = None
    cap: float | None = Field(None, gt=0)
    direction: Literal["benefit", "cost"] = "benefit"
    note: str = ""
    verified: bool | None = None
    basis: str = ""

    @field_validator("id")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in INDICATORS:
            msg = f"unknown indicator {v!r}; known: {', '.join(INDICATORS)}"
            raise ValueError(msg)
        return v

    @field_validator("benchmark")
    @classmethod
    def _bench(cls, v: Any) -> Any:
        if v is None or isinstance(v, BenchmarkM):
            return v
        if isinstance(v, bool) or not isinstance(v, int | float | dict):
            msg = f"must be a number or a mapping {{fixed|k, of, year}}, got {v!r}"
            raise ValueError(msg)
        if isinstance(v, dict):
            return BenchmarkM.model_validate(v)
        if not v > 0 or v != v or v == float("inf"):
            msg = f"must be > 0 (a benchmark of 0 divides by zero), got {v:g}"
            raise ValueError(msg)
        return BenchmarkM.model_validate({"fixed": float(v)})


class ScopeM(_M):
    scale: list[Literal["规上", "规下"]] | None = None
    sector: list[Literal["industry", "service", "utility"]] | None = None
    tenure: list[Literal["own", "rent"]] | None = None
    industries: list[str] | None = None
    exclude_industries: list[str] = Field(default_factory=list)
    land_mu_min: float | None = Field(None, ge=0)
    land_mu_below: float | None = Field(None, gt=0)
    note: str = ""


class ClassesM(_M):
    rule: Literal["percentile", "threshold"] = "percentile"
    unit: str | None = None  # older files: zone | plate (now the scheme's ``unit``)
    shares: dict[str, float] | None = None
    thresholds: dict[str, float] | None = None
    note: str = ""


class ListM(_M):
    id: str = Field(min_length=1)
    label_zh: str = ""
    scope: ScopeM | list[ScopeM] = Field(default_factory=lambda: ScopeM.model_validate({}))
    min_land_mu: float | None = Field(None, ge=0)
    below_min: Literal["T", "holder"] = "T"
    weights_total: float = Field(100.0, gt=0)
    indicators: list[IndicatorM] = Field(min_length=1)
    classes: ClassesM | None = None
    note: str = ""
    verified: bool | None = None
    basis: str = ""


class GroupM(_M):
    indicators: list[IndicatorM] = Field(min_length=1)
    min_land_mu: float | None = Field(None, ge=0)


class ExclusionsM(_M):
    founded_within_years: int | None = Field(2, ge=0)
    new_land_years: int | None = Field(None, ge=0)
    sectors: list[str] = Field(default_factory=lambda: ["utility"])
    land_uses: list[str] = Field(default_factory=lambda: ["1302", "1303"])
    note: str = ""
    verified: bool | None = None

    @field_validator("land_uses", mode="before")
    @classmethod
    def _codes(cls, v: Any) -> Any:
        return [str(x) for x in v] if isinstance(v, list) else v


class AdjustmentM(_M):
    item: str
    kind: Literal["bonus", "deduction", "veto"]
    points: float = Field(0.0, ge=0, allow_inf_nan=False)
    max_points: float | None = Field(None, gt=0)
    label_zh: str = ""
    source: str = ""
    verified: bool | None = None
    basis: str = ""

    @field_validator("item")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in ATTRIBUTE_ITEMS:
            msg = f"unknown item {v!r}; known: {', '.join(ATTRIBUTE_ITEMS)}"
            raise ValueError(msg)
        return v


class SchemeM(_M):
    name: str = Field(min_length=1)
    label_zh: str = ""
    label_en: str = ""
    practice: str = Field(min_length=1)
    source: str = ""
    notes: Any = None
    verified: bool | None = None
    documented: Any = None
    assumed: Any = None
    method: Literal["ratio", "minmax"] = "ratio"
    cap: float | None = Field(None, gt=0)
    clip_quantiles: tuple[float, float] | None = None
    missing: Literal["average", "zero"] = "average"
    unit: str = Field("zone", min_length=1)
    min_land_mu: float | None = Field(None, ge=0)
    tenants: Literal["share", "own_list", "holder"] = "share"
    lists: list[ListM] | None = None
    groups: dict[str, GroupM] | None = None
    classes: ClassesM = Field(default_factory=lambda: ClassesM.model_validate({}))
    labels: dict[str, str] | None = None
    exclusions: ExclusionsM = Field(default_factory=lambda: ExclusionsM.model_validate({}))
    adjustments: list[AdjustmentM] = Field(default_factory=list)
    low_efficiency: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# Checks across fields, and the Scheme
# ------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.items: list[str] = []

    def add(self, path: tuple, message: str) -> None:
        self.items.append(f"{self.doc.where(path)}: {message}")


def _class_rule(c: ClassesM, path: tuple, pr: _Problems, unit: str) -> ClassRule:
    shares: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    if c.rule == "percentile":
        sraw = c.shares if c.shares is not None else ClassRule().shares
        if set(sraw) != set(CLASSES):
            pr.add((*path, "shares"), "rank shares are needed for exactly A, B, C, D")
        elif any(not 0 <= v <= 1 for v in sraw.values()):
            pr.add((*path, "shares"), "each share must be between 0 and 1")
        elif abs(sum(sraw.values()) - 1.0) > 1e-6:
            pr.add((*path, "shares"), f"must sum to 1, got {sum(sraw.values()):g}")
        shares = {k: float(sraw.get(k, 0.0)) for k in CLASSES}
    else:
        traw = c.thresholds or {}
        if set(traw) != {"A", "B", "C"}:
            pr.add(
                (*path, "thresholds"),
                "threshold classes need lower score bounds for A, B, C (below C → D)",
            )
        elif not traw["A"] > traw["B"] > traw["C"]:
            pr.add((*path, "thresholds"), "must satisfy A > B > C")
        thresholds = {k: float(v) for k, v in traw.items()}
    return ClassRule(c.rule, unit, shares or ClassRule().shares, thresholds)


def _indicator(
    i: IndicatorM, path: tuple, m: SchemeM, pr: _Problems, doc: YamlDoc
) -> IndicatorSpec:
    b = i.benchmark
    if b is not None and i.derive is not None:
        pr.add((*path, "derive"), "give either benchmark or derive, not both")
    k: float | None = None
    fixed: float | None = None
    year: str | int = "current"
    source = ""
    if isinstance(b, BenchmarkM):
        if (b.fixed is None) == (b.k is None):
            pr.add((*path, "benchmark"), "give either fixed: value or k: factor (of aggregate)")
        fixed, k, year, source = b.fixed, b.k, b.year, b.source
    elif i.derive is not None:
        k = i.derive.k
    if m.method == "ratio" and fixed is None and k is None:
        pr.add(
            (*path, "benchmark"),
            "the ratio method needs a benchmark: a number, {fixed: v} or {k: factor, year: …}",
        )
    return IndicatorSpec(
        id=i.id,
        weight=float(i.weight),
        benchmark=fixed,
        derive_stat="aggregate" if k is not None else None,
        derive_k=float(k) if k is not None else 1.0,
        cap=i.cap if i.cap is not None else m.cap,
        direction=i.direction,
        benchmark_year=year,
        benchmark_source=source,
        where=doc.where((*path, "benchmark")),
    )


def _scopes(s: ScopeM | list[ScopeM]) -> tuple[Scope, ...]:
    def one(x: ScopeM) -> Scope:
        return Scope(
            scale=tuple(x.scale) if x.scale is not None else None,
            sector=tuple(x.sector) if x.sector is not None else None,
            tenure=tuple(x.tenure) if x.tenure is not None else None,
            industries=tuple(x.industries) if x.industries is not None else None,
            exclude_industries=tuple(x.exclude_industries),
            land_mu_min=x.land_mu_min,
            land_mu_below=x.land_mu_below,
        )

    return tuple(one(x) for x in (s if isinstance(s, list) else [s]))


def _lists(m: SchemeM, pr: _Problems, doc: YamlDoc, unit: str) -> dict[str, ListSpec]:
    out: dict[str, ListSpec] = {}
    if m.lists is not None and m.groups is not None:
        pr.add(("groups",), "give either lists (评价名单) or the older groups, not both")
    if m.lists is None and m.groups is None:
        pr.add(("lists",), "is required: the scheme's 评价名单 (scope, indicators, weights)")
        return out
    raw: list[tuple[tuple, str, ListM | GroupM]] = (
        [(("lists", n), lm.id, lm) for n, lm in enumerate(m.lists)]
        if m.lists is not None
        else [(("groups", g), g, gm) for g, gm in (m.groups or {}).items()]
    )
    for path, name, lm in raw:
        if isinstance(lm, GroupM) and name not in GROUPS:
            pr.add(path, f"unknown group; use {' / '.join(GROUPS)} (firms.scale) or lists")
            continue
        if name in out:
            pr.add((*path, "id"), f"list {name!r} is defined twice")
        seen: set[str] = set()
        specs = []
        for n, ind in enumerate(lm.indicators):
            ipath = (*path, "indicators", n)
            if ind.id in seen:
                pr.add((*ipath, "id"), f"indicator {ind.id!r} listed twice")
            seen.add(ind.id)
            specs.append(_indicator(ind, ipath, m, pr, doc))
        total = lm.weights_total if isinstance(lm, ListM) else 100.0
        got = sum(s.weight for s in specs)
        if abs(got - total) > 1e-6:
            pr.add(
                (*path, "indicators"),
                f"weights must sum to {total:g} (weights_total), got {got:g}",
            )
        min_land = lm.min_land_mu if lm.min_land_mu is not None else m.min_land_mu
        if isinstance(lm, ListM):
            classes = _class_rule(lm.classes, (*path, "classes"), pr, unit) if lm.classes else None
            out[name] = ListSpec(
                name,
                tuple(specs),
                min_land,
                lm.label_zh or name,
                _scopes(lm.scope),
                lm.below_min,
                float(total),
                classes,
            )
        else:
            out[name] = ListSpec(name, tuple(specs), min_land, name, (Scope(scale=(name,)),))
    return out


def build_scheme(doc: YamlDoc, path: Path | None = None) -> Scheme:
    """The :class:`Scheme` of a parsed scheme document (every problem in one SchemaError)."""
    if not isinstance(doc.data, dict):
        msg = f"{doc.source}: a scheme must be a YAML mapping with name, practice, method, lists"
        raise SchemaError(msg)
    m = validate(SchemeM, doc)
    pr = _Problems(doc)
    unit = m.unit
    if m.classes.unit is not None:  # older files put the unit under classes
        if m.classes.unit not in ("zone", "plate"):
            pr.add(("classes", "unit"), "must be zone or plate (or use the scheme's unit)")
        unit = m.classes.unit if "unit" not in doc.data else unit
    classes = _class_rule(m.classes, ("classes",), pr, unit)
    lists = _lists(m, pr, doc, unit)
    if m.clip_quantiles is not None and not 0 <= m.clip_quantiles[0] < m.clip_quantiles[1] <= 1:
        pr.add(("clip_quantiles",), "must be a pair [low, high] with 0 ≤ low < high ≤ 1")
    if m.tenants == "own_list" and not any(
        s.tenure is not None and "rent" in s.tenure and "own" not in s.tenure
        for lst in lists.values()
        for s in lst.scopes
    ):
        pr.add(("tenants",), "own_list needs a list whose scope is tenure: [rent]")
    labels = dict(CLASS_LABELS)
    for k, v in (m.labels or {}).items():
        if k not in labels:
            pr.add(("labels", k), "class labels are for A, B, C, D, T")
        labels[k] = v
    for n, sec in enumerate(m.exclusions.sectors):
        if sec not in SECTORS:
            pr.add(("exclusions", "sectors", n), f"unknown sector; use {', '.join(SECTORS)}")
    _check_low_efficiency(m.low_efficiency, pr)
    items = [a.item for a in m.adjustments]
    for n, a in enumerate(m.adjustments):
        if items.index(a.item) != n:
            pr.add(("adjustments", n, "item"), f"item {a.item!r} listed twice")
        if a.kind != "veto" and not a.points > 0:
            pr.add(("adjustments", n, "points"), "a bonus or deduction needs points > 0")
    if pr.items:
        raise SchemaError(
            f"{doc.source}: {len(pr.items)} problem(s) in the scheme\n  - "
            + "\n  - ".join(pr.items)
        )
    ex = m.exclusions
    return Scheme(
        name=m.name,
        label_zh=m.label_zh or m.name,
        practice=m.practice.strip(),
        source=m.source.strip(),
        method=m.method,
        groups=lists,
        classes=classes,
        exclusions=Exclusions(
            ex.founded_within_years, tuple(ex.sectors), tuple(ex.land_uses), ex.new_land_years
        ),
        missing=m.missing,
        cap=m.cap,
        clip_quantiles=m.clip_quantiles,
        low_efficiency=dict(m.low_efficiency),
        path=path,
        unit=unit,
        tenants=m.tenants,
        adjustments=tuple(
            Adjustment(
                a.item, a.kind, a.points, a.max_points, a.label_zh or ATTRIBUTE_ITEMS[a.item][0]
            )
            for a in m.adjustments
        ),
        labels=labels,
    )


def _check_low_efficiency(le: dict[str, Any], pr: _Problems) -> None:
    from geoplan.analysis.low_efficiency import DEFAULT_RULES

    for k, v in le.items():
        if k not in DEFAULT_RULES:
            pr.add(
                ("low_efficiency", k), f"unknown rule parameter; known: {', '.join(DEFAULT_RULES)}"
            )
        elif isinstance(DEFAULT_RULES[k], bool):
            if not isinstance(v, bool):
                pr.add(("low_efficiency", k), "must be true or false")
        elif isinstance(v, bool) or not isinstance(v, int | float):
            pr.add(("low_efficiency", k), f"must be a number, got {v!r}")


__all__ = ["SCALES", "SchemeM", "build_scheme"]
