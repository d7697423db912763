"""亩均效益 scoring schemes: YAML files in ``data/schemes/``, loaded and validated.

A scheme says how a county turns firm figures into a score and a class, per **评价名单** (list):

- ``lists``: ordered lists (规上工业 / 规上服务业 / 规下工业 / 租赁企业 …). Each has a ``scope``
  (which firms belong: scale, sector, tenure, industries, land bounds; the first matching list
  takes a firm; a firm no list takes is outside the evaluation), an indicator set with weights
  (summing to ``weights_total``, default 100), a benchmark rule per indicator — ``fixed`` (a
  county-set value) or ``k × aggregate`` (k × Σnumerator ÷ Σdenominator of the list's firms in
  the evaluation unit, for a named year: ``current``, ``prior`` or a year; never a mean of
  per-firm ratios) —, a cap per indicator (k × weight), the minimum land for own scoring
  (``min_land_mu``; below it a firm is T or follows its land holder, never classed on its own
  per-亩 figures) and optionally its own class rule;
- ``method``: ``ratio`` (value ÷ benchmark × weight) or ``minmax`` (weight × [20 + 80 × (x − min)
  / (max − min)] / 100, the Anhui/Jingde band);
- ``unit``: the evaluation unit — ``zone`` (default) or a firm/parcel field the scheme names
  (a 街道 or 板块 column); ranks, benchmarks and min/max are per unit and list;
- ``classes``: rank shares (ties go to the **worse** class) or score thresholds; ``labels``: the
  scheme's own class names; ``exclusions``: T/不定等级 rules (new firms, new land, utilities …);
- ``tenants``: ``share`` (scored on rented floor ÷ building floor × parcel land, in whatever list
  takes them), ``own_list`` (the same land share, and the scheme must have a tenants' list) or
  ``holder`` (tenants take the land holder's class, Jiangshan);
- ``adjustments``: 加分 / 扣分 / 一票否决 items read from the zone's firm-attributes table
  (:mod:`geoplan.analysis.land_yield.attributes`); a veto forces the worst class.

The older ``groups: {规上: …, 规下: …}`` form is still read (one list per scale); its
``derive: {stat: mean, k}`` means k × the aggregate Σnum/Σden (the mean of per-firm ratios was
wrong, issue #15). Files go through :mod:`geoplan.config.loader` (pydantic models); a malformed
file raises :class:`~geoplan.errors.SchemaError` naming the file, the line and the field, listing
every problem found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from geoplan import settings
from geoplan.errors import SchemaError

logger = logging.getLogger(__name__)

CLASSES = ("A", "B", "C", "D")
CLASS_LABELS = {
    "A": "A 优先发展",
    "B": "B 鼓励提升",
    "C": "C 监管调控",
    "D": "D 落后整治",
    "T": "T 不适合评价",
}
GROUPS = ("规上", "规下")
SCALES = GROUPS
SECTORS = ("industry", "service", "utility")
TENANT_POLICIES = ("share", "own_list", "holder")

#: 加分/扣分/一票否决 items a firm-attributes table may name (id → Chinese, English label).
#: A scheme decides which of them count and how (``adjustments``).
ATTRIBUTE_ITEMS: dict[str, tuple[str, str]] = {
    "safety_accident": ("安全生产事故", "work-safety accident"),
    "env_penalty": ("环保处罚", "environmental penalty"),
    "illegal_land": ("违法用地", "illegal land use"),
    "tax_violation": ("重大税收违法", "major tax violation"),
    "admin_penalty": ("一般行政处罚", "minor administrative penalty"),
    "high_tech_cert": ("高新技术企业认定", "high-tech enterprise certificate"),
    "innovation": ("科技创新(研发平台/专利/奖励)", "innovation (R&D platform, patents, awards)"),
    "energy_saving": ("节能降碳(绿色工厂等)", "energy saving, low carbon (green factory …)"),
    "safety_standard": ("安全生产标准化达标", "work-safety standardisation"),
}


@dataclass(frozen=True)
class IndicatorDef:
    """One 亩均 indicator: how it is computed from firm (and parcel) figures.

    ``value = numerator × factor / denominator``; ``numerator`` is a firm field whose change the
    what-if reports (e.g. the 税收 needed to reach the next class).
    """

    id: str
    label_zh: str
    label_en: str
    unit: str
    numerator: str
    denominator: str
    factor: float = 1.0

    @property
    def per_mu(self) -> bool:
        """A per-亩 figure (divided by the firm's land)."""
        return self.denominator == "land_mu"


#: Every indicator a scheme may use. Denominator ``land_mu`` is the land the firm is evaluated on
#: (own parcel, or its share for tenants); ``parcel`` marks parcel attributes.
INDICATORS: dict[str, IndicatorDef] = {
    d.id: d
    for d in (
        IndicatorDef("tax_per_mu", "亩均税收", "tax per mu", "万元/亩", "tax", "land_mu"),
        IndicatorDef(
            "revenue_per_mu", "亩均营业收入", "revenue per mu", "万元/亩", "revenue", "land_mu"
        ),
        IndicatorDef(
            "va_per_mu", "亩均增加值", "value added per mu", "万元/亩", "value_added", "land_mu"
        ),
        IndicatorDef(
            "va_per_energy",
            "单位能耗增加值",
            "value added per unit energy",
            "万元/tce",
            "value_added",
            "energy_tce",
        ),
        IndicatorDef(
            "va_per_emission",
            "单位排放增加值",
            "value added per unit emission",
            "万元/t",
            "value_added",
            "emissions_t",
        ),
        IndicatorDef(
            "rd_ratio", "R&D经费占营收比", "R&D spend / revenue", "ratio", "rd_spend", "revenue"
        ),
        IndicatorDef(
            "labour_productivity",
            "全员劳动生产率",
            "value added per employee",
            "万元/人",
            "value_added",
            "employees",
        ),
        IndicatorDef(
            "investment_per_mu",
            "投资强度",
            "fixed investment per mu",
            "万元/亩",
            "fixed_investment",
            "land_mu",
        ),
        IndicatorDef(
            "tax_per_kwh", "单位电耗税收", "tax per kWh", "元/kWh", "tax", "electricity_mwh", 10.0
        ),
        IndicatorDef(
            "tax_per_energy", "单位能耗税收", "tax per unit energy", "万元/tce", "tax", "energy_tce"
        ),
        IndicatorDef(
            "revenue_per_energy",
            "单位能耗营业收入",
            "revenue per unit energy",
            "万元/tce",
            "revenue",
            "energy_tce",
        ),
        IndicatorDef("far", "容积率", "floor area ratio", "", "far", "parcel"),
        IndicatorDef("coverage", "建筑系数", "building coverage", "ratio", "coverage", "parcel"),
    )
}


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator as a list of a scheme uses it.

    ``benchmark`` is a fixed benchmark; otherwise (``derive_k`` set) the benchmark is
    ``derive_k × Σnumerator / Σdenominator`` over the list's firms in the unit for
    ``benchmark_year`` (``"current"``, ``"prior"`` or a year). ``where`` names the scheme file,
    line and field, for errors found while evaluating (a benchmark of 0, a year without data).
    """

    id: str
    weight: float
    benchmark: float | None = None
    derive_stat: str | None = None  # "aggregate" when derived; None for a fixed benchmark
    derive_k: float = 1.0
    cap: float | None = None  # contribution ≤ cap × weight (ratio method); None = no cap
    direction: str = "benefit"  # "benefit" (higher is better) | "cost"
    benchmark_year: str | int = "current"
    benchmark_source: str = ""
    where: str = ""

    @property
    def definition(self) -> IndicatorDef:
        return INDICATORS[self.id]

    @property
    def rule_text(self) -> str:
        """The benchmark rule in words (for the audit)."""
        if self.benchmark is not None:
            src = f" ({self.benchmark_source})" if self.benchmark_source else ""
            return f"fixed {self.benchmark:g}{src}"
        d = self.definition
        den = "Σ(value × land_mu)/Σland_mu" if d.denominator == "parcel" else None
        ratio = den or f"Σ{d.numerator}/Σ{d.denominator}"
        return f"{self.derive_k:g} × {ratio} ({self.benchmark_year})"


@dataclass(frozen=True)
class Scope:
    """Which firms a list takes (every given condition must hold; None = any)."""

    scale: tuple[str, ...] | None = None
    sector: tuple[str, ...] | None = None
    tenure: tuple[str, ...] | None = None
    industries: tuple[str, ...] | None = None
    exclude_industries: tuple[str, ...] = ()
    land_mu_min: float | None = None  # land ≥ this
    land_mu_below: float | None = None  # land < this


@dataclass(frozen=True)
class ClassRule:
    rule: str = "percentile"  # "percentile" | "threshold"
    unit: str = "zone"  # kept for older callers: the scheme's evaluation unit
    shares: dict[str, float] = field(
        default_factory=lambda: {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05}
    )
    thresholds: dict[str, float] = field(default_factory=dict)  # A/B/C lower bounds; below C → D


@dataclass(frozen=True)
class ListSpec:
    """One 评价名单: scope, indicators, minimum land for own scoring, class rule."""

    name: str
    indicators: tuple[IndicatorSpec, ...]
    min_land_mu: float | None = None  # below: no own per-亩 scoring (→ T or the holder's class)
    label_zh: str = ""
    scopes: tuple[Scope, ...] = (Scope(),)
    below_min: str = "T"  # "T" | "holder"
    weights_total: float = 100.0
    classes: ClassRule | None = None  # None = the scheme's rule

    @property
    def total_weight(self) -> float:
        return float(sum(i.weight for i in self.indicators))


#: Older name of :class:`ListSpec` (the 规上/规下 groups of the first schemes).
GroupSpec = ListSpec


@dataclass(frozen=True)
class Exclusions:
    founded_within_years: int | None = 2
    sectors: tuple[str, ...] = ("utility",)
    land_uses: tuple[str, ...] = ("1302", "1303")  # 用地用海 codes or families (13 = all utility)
    new_land_years: int | None = None  # parcels.lease_start within N years → T


@dataclass(frozen=True)
class Adjustment:
    """A 加分 / 扣分 / 一票否决 item: ``points`` per occurrence, at most ``max_points``."""

    item: str
    kind: str  # "bonus" | "deduction" | "veto"
    points: float = 0.0
    max_points: float | None = None
    label_zh: str = ""


@dataclass(frozen=True)
class Scheme:
    """A validated scoring scheme."""

    name: str
    label_zh: str
    practice: str
    source: str
    method: str  # "ratio" | "minmax"
    groups: dict[str, ListSpec]  # the lists, in scope order
    classes: ClassRule
    exclusions: Exclusions
    missing: str = "average"  # "average" | "zero"
    cap: float | None = None  # default per-indicator cap (k × weight), ratio method
    clip_quantiles: tuple[float, float] | None = None  # min-max: winsorise before scaling
    low_efficiency: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    unit: str = "zone"
    tenants: str = "share"
    adjustments: tuple[Adjustment, ...] = ()
    labels: dict[str, str] = field(default_factory=lambda: dict(CLASS_LABELS))

    @property
    def lists(self) -> list[ListSpec]:
        return list(self.groups.values())

    def class_rule(self, lst: ListSpec) -> ClassRule:
        return lst.classes or self.classes

    @property
    def indicator_ids(self) -> list[str]:
        seen: list[str] = []
        for g in self.groups.values():
            for s in g.indicators:
                if s.id not in seen:
                    seen.append(s.id)
        return seen

    def to_dict(self) -> dict:
        def rule(c: ClassRule) -> dict:
            return {"rule": c.rule, "shares": c.shares, "thresholds": c.thresholds}

        return {
            "name": self.name,
            "label_zh": self.label_zh,
            "practice": self.practice,
            "source": self.source,
            "method": self.method,
            "missing": self.missing,
            "cap": self.cap,
            "unit": self.unit,
            "tenants": self.tenants,
            "classes": {**rule(self.classes), "unit": self.unit},
            "labels": self.labels,
            "lists": [
                {
                    "id": g.name,
                    "label_zh": g.label_zh,
                    "min_land_mu": g.min_land_mu,
                    "below_min": g.below_min,
                    "classes": rule(self.class_rule(g)),
                    "indicators": [
                        {
                            "id": s.id,
                            "label_zh": s.definition.label_zh,
                            "weight": s.weight,
                            "benchmark": s.benchmark,
                            "benchmark_rule": s.rule_text,
                            "cap": s.cap,
                        }
                        for s in g.indicators
                    ],
                }
                for g in self.groups.values()
            ],
            "adjustments": [
                {"item": a.item, "kind": a.kind, "points": a.points, "max_points": a.max_points}
                for a in self.adjustments
            ],
        }


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


def available_schemes(folder: str | Path | None = None) -> list[str]:
    """Names of the schemes shipped in ``data/schemes/``."""
    d = Path(folder) if folder else settings.SCHEMES_DIR
    return sorted(p.stem for p in d.glob("*.yaml"))


def load_scheme(scheme: Scheme | str | Path = "dalian_default") -> Scheme:
    """A scheme by name (``data/schemes/<name>.yaml``), by path, or passed through."""
    if isinstance(scheme, Scheme):
        return scheme
    text = str(scheme)
    p = Path(text)
    if not (p.suffix.lower() in (".yaml", ".yml") or p.exists()):
        p = settings.SCHEMES_DIR / f"{text}.yaml"
        if not p.exists():
            names = ", ".join(available_schemes()) or "(none found)"
            msg = f"unknown scheme {text!r}; use one of: {names}, or the path of a scheme YAML file"
            raise SchemaError(msg)
    if not p.exists():
        msg = f"{p}: scheme file not found"
        raise SchemaError(msg)
    return _load_cached(str(p.resolve()), p.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int) -> Scheme:
    from geoplan.config.loader import read_text

    p = Path(path)
    return parse_scheme(read_text(p, "scheme"), source=p.name, path=p)


def parse_scheme(text: str, *, source: str = "<scheme>", path: Path | None = None) -> Scheme:
    """Parse and validate scheme YAML text; raise :class:`SchemaError` listing every problem."""
    from geoplan.analysis.land_yield.scheme_file import build_scheme
    from geoplan.config.loader import load_yaml

    return build_scheme(load_yaml(text, source), path)
