"""亩均效益 scoring schemes: YAML files in ``data/schemes/``, loaded and validated.

A scheme says how a county turns firm figures into a score and a class:

- ``method``: ``ratio`` (value ÷ benchmark × weight, Zhejiang/Jiangsu practice, optional cap per
  indicator as k × weight) or ``minmax`` (weight × [20 + 80 × (x − min)/(max − min)] / 100,
  Anhui/Jingde practice, so totals stay in the 20–100 band);
- ``groups``: separate indicator sets and weights for 规上 and 规下 firms; each indicator has a
  fixed ``benchmark`` or a derived one (``derive: {stat: mean, k: 2}`` = k × the group's mean,
  the Jiangsu "≈ 2 × prior-year average" rule, using the evaluated year as the prior-year proxy);
- ``classes``: rank percentiles within an evaluation unit (zone or plate, separately per group)
  or score thresholds; ``exclusions``: T-class (不适合评价/不定等级) rules; ``missing``: what a
  firm with no data for an indicator gets (``average`` = the group's average indicator score).

Every scheme names the practice it follows (``practice`` + ``source``). A malformed file raises
:class:`~geoplan.errors.SchemaError` naming the file, the line and the field, listing every
problem found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

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
    """An indicator as a scheme uses it."""

    id: str
    weight: float
    benchmark: float | None = None  # fixed benchmark (ratio method)
    derive_stat: str | None = None  # "mean" | "median" of the group → benchmark = k × stat
    derive_k: float = 1.0
    cap: float | None = None  # contribution ≤ cap × weight (ratio method); None = no cap
    direction: str = "benefit"  # "benefit" (higher is better) | "cost"

    @property
    def definition(self) -> IndicatorDef:
        return INDICATORS[self.id]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    indicators: tuple[IndicatorSpec, ...]
    min_land_mu: float | None = None  # below: T (outside the scheme's scope)

    @property
    def total_weight(self) -> float:
        return float(sum(i.weight for i in self.indicators))


@dataclass(frozen=True)
class ClassRule:
    rule: str = "percentile"  # "percentile" | "threshold"
    unit: str = "zone"  # evaluation unit: "zone" | "plate"
    shares: dict[str, float] = field(
        default_factory=lambda: {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05}
    )
    thresholds: dict[str, float] = field(default_factory=dict)  # A/B/C lower bounds; below C → D


@dataclass(frozen=True)
class Exclusions:
    founded_within_years: int | None = 2
    sectors: tuple[str, ...] = ("utility",)
    land_uses: tuple[str, ...] = ("1302", "1303")


@dataclass(frozen=True)
class Scheme:
    """A validated scoring scheme."""

    name: str
    label_zh: str
    practice: str
    source: str
    method: str  # "ratio" | "minmax"
    groups: dict[str, GroupSpec]
    classes: ClassRule
    exclusions: Exclusions
    missing: str = "average"  # "average" | "zero"
    cap: float | None = None  # default per-indicator cap (k × weight), ratio method
    clip_quantiles: tuple[float, float] | None = None  # min-max: winsorise before scaling
    low_efficiency: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def indicator_ids(self) -> list[str]:
        seen: list[str] = []
        for g in self.groups.values():
            for s in g.indicators:
                if s.id not in seen:
                    seen.append(s.id)
        return seen

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label_zh": self.label_zh,
            "practice": self.practice,
            "source": self.source,
            "method": self.method,
            "missing": self.missing,
            "cap": self.cap,
            "classes": {
                "rule": self.classes.rule,
                "unit": self.classes.unit,
                "shares": self.classes.shares,
                "thresholds": self.classes.thresholds,
            },
            "groups": {
                g.name: [
                    {
                        "id": s.id,
                        "label_zh": s.definition.label_zh,
                        "weight": s.weight,
                        "benchmark": s.benchmark,
                        "derive": s.derive_stat and {"stat": s.derive_stat, "k": s.derive_k},
                        "cap": s.cap,
                    }
                    for s in g.indicators
                ]
                for g in self.groups.values()
            },
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
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{p.name}: cannot read the scheme ({exc})"
        raise SchemaError(msg) from exc
    return parse_scheme(raw, source=p.name, path=p)


def _line_index(
    node: yaml.Node | None, prefix: str = "", out: dict[str, int] | None = None
) -> dict[str, int]:
    """Map dotted field paths (``groups.规上.indicators[1].weight``) to 1-based line numbers."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            out[path] = k.start_mark.line + 1
            _line_index(v, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = v.start_mark.line + 1
            _line_index(v, path, out)
    return out


class _Collector:
    def __init__(self, source: str, lines: dict[str, int]):
        self.source, self.lines = source, lines
        self.problems: list[str] = []

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = (
                path.rsplit(".", 1)[0]
                if "." in path
                else (path.rsplit("[", 1)[0] if "[" in path else "")
            )
        return None

    def add(self, path: str, message: str) -> None:
        line = self.line_of(path)
        where = f"line {line}: " if line else ""
        self.problems.append(f"{self.source}: {where}field '{path}': {message}")

    def number(
        self,
        d: dict,
        key: str,
        path: str,
        *,
        required: bool = False,
        positive: bool = False,
        lo: float | None = None,
        hi: float | None = None,
    ) -> float | None:
        if key not in d or d[key] is None:
            if required:
                self.add(f"{path}.{key}" if path else key, "is required")
            return None
        v = d[key]
        fpath = f"{path}.{key}" if path else key
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.add(fpath, f"must be a number, got {v!r}")
            return None
        v = float(v)
        if positive and not v > 0:
            self.add(fpath, f"must be > 0, got {v:g}")
        if lo is not None and v < lo:
            self.add(fpath, f"must be ≥ {lo:g}, got {v:g}")
        if hi is not None and v > hi:
            self.add(fpath, f"must be ≤ {hi:g}, got {v:g}")
        return v

    def choice(self, d: dict, key: str, path: str, choices: tuple[str, ...], default: str) -> str:
        v = d.get(key, default)
        if v not in choices:
            self.add(
                f"{path}.{key}" if path else key, f"must be one of {', '.join(choices)}, got {v!r}"
            )
            return default
        return str(v)


_TOP_KEYS = {
    "name",
    "label_zh",
    "label_en",
    "practice",
    "source",
    "method",
    "cap",
    "clip_quantiles",
    "missing",
    "groups",
    "classes",
    "exclusions",
    "low_efficiency",
    "notes",
    "verified",
}


def parse_scheme(text: str, *, source: str = "<scheme>", path: Path | None = None) -> Scheme:
    """Parse and validate scheme YAML text; raise :class:`SchemaError` listing every problem."""
    try:
        node = yaml.compose(text)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        msg = f"{source}: {where}not valid YAML ({getattr(exc, 'problem', exc)})"
        raise SchemaError(msg) from exc
    c = _Collector(source, _line_index(node))
    if not isinstance(doc, dict):
        msg = f"{source}: a scheme must be a YAML mapping with name, method, groups, classes"
        raise SchemaError(msg)
    for k in doc:
        if k not in _TOP_KEYS:
            c.add(str(k), f"unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("name", "practice"):
        if not isinstance(doc.get(key), str) or not doc.get(key, "").strip():
            c.add(
                key,
                "is required (a non-empty text; 'practice' names the local rule the scheme follows)",
            )
    method = c.choice(doc, "method", "", ("ratio", "minmax"), "ratio")
    cap = c.number(doc, "cap", "", positive=True)
    missing = c.choice(doc, "missing", "", ("average", "zero"), "average")
    clip = doc.get("clip_quantiles")
    clip_q: tuple[float, float] | None = None
    if clip is not None:
        if (
            not isinstance(clip, list)
            or len(clip) != 2
            or not all(isinstance(x, int | float) for x in clip)
            or not 0 <= clip[0] < clip[1] <= 1
        ):
            c.add("clip_quantiles", "must be a pair [low, high] with 0 ≤ low < high ≤ 1")
        else:
            clip_q = (float(clip[0]), float(clip[1]))

    groups: dict[str, GroupSpec] = {}
    graw = doc.get("groups")
    if not isinstance(graw, dict) or not graw:
        c.add("groups", f"is required: a mapping with {' and/or '.join(GROUPS)} indicator sets")
        graw = {}
    for gname, gdoc in graw.items():
        gpath = f"groups.{gname}"
        if gname not in GROUPS:
            c.add(gpath, f"unknown group; use {' / '.join(GROUPS)} (firms.scale)")
            continue
        if (
            not isinstance(gdoc, dict)
            or not isinstance(gdoc.get("indicators"), list)
            or not gdoc["indicators"]
        ):
            c.add(f"{gpath}.indicators", "is required: a list of {id, weight, benchmark|derive}")
            continue
        specs: list[IndicatorSpec] = []
        for i, ind in enumerate(gdoc["indicators"]):
            ipath = f"{gpath}.indicators[{i}]"
            if not isinstance(ind, dict):
                c.add(ipath, "must be a mapping {id, weight, benchmark|derive}")
                continue
            iid = ind.get("id")
            if iid not in INDICATORS:
                c.add(f"{ipath}.id", f"unknown indicator {iid!r}; known: {', '.join(INDICATORS)}")
                continue
            if any(s.id == iid for s in specs):
                c.add(f"{ipath}.id", f"indicator {iid!r} listed twice")
            weight = c.number(ind, "weight", ipath, required=True, positive=True)
            bench = c.number(ind, "benchmark", ipath, positive=True)
            icap = c.number(ind, "cap", ipath, positive=True)
            direction = c.choice(ind, "direction", ipath, ("benefit", "cost"), "benefit")
            dstat, dk = None, 1.0
            if "derive" in ind:
                d = ind["derive"]
                if not isinstance(d, dict):
                    c.add(f"{ipath}.derive", "must be a mapping {stat: mean|median, k: number}")
                else:
                    dstat = c.choice(d, "stat", f"{ipath}.derive", ("mean", "median"), "mean")
                    dk = c.number(d, "k", f"{ipath}.derive", positive=True) or 1.0
            if method == "ratio" and bench is None and dstat is None:
                c.add(
                    f"{ipath}.benchmark",
                    "the ratio method needs a benchmark (a number) or derive: {stat, k}",
                )
            if bench is not None and dstat is not None:
                c.add(f"{ipath}.derive", "give either benchmark or derive, not both")
            for k in ind:
                if k not in ("id", "weight", "benchmark", "derive", "cap", "direction", "note"):
                    c.add(
                        f"{ipath}.{k}",
                        "unknown key; allowed: id, weight, benchmark, derive, cap, direction, note",
                    )
            if weight is not None:
                specs.append(
                    IndicatorSpec(
                        iid, weight, bench, dstat, dk, icap if icap is not None else cap, direction
                    )
                )
        if method == "minmax" and specs and abs(sum(x.weight for x in specs) - 100.0) > 1e-6:
            c.add(
                f"{gpath}.indicators",
                f"min-max weights must sum to 100 (the 20–100 band), got {sum(x.weight for x in specs):g}",
            )
        min_land = c.number(gdoc, "min_land_mu", gpath, lo=0)
        groups[gname] = GroupSpec(gname, tuple(specs), min_land)

    cdoc = doc.get("classes", {})
    if not isinstance(cdoc, dict):
        c.add("classes", "must be a mapping {rule, unit, shares|thresholds}")
        cdoc = {}
    for k in cdoc:
        if k not in ("rule", "unit", "shares", "thresholds"):
            c.add(f"classes.{k}", "unknown key; allowed: rule, unit, shares, thresholds")
    rule = c.choice(cdoc, "rule", "classes", ("percentile", "threshold"), "percentile")
    unit = c.choice(cdoc, "unit", "classes", ("zone", "plate"), "zone")
    shares: dict[str, float] = {}
    thresholds: dict[str, float] = {}
    if rule == "percentile":
        sraw = cdoc.get("shares")
        if not isinstance(sraw, dict) or set(sraw) != set(CLASSES):
            c.add(
                "classes.shares",
                "percentile classes need shares for exactly A, B, C, D (fractions summing to 1)",
            )
        else:
            for k in CLASSES:
                v = c.number(sraw, k, "classes.shares", required=True, lo=0, hi=1)
                shares[k] = v if v is not None else 0.0
            if abs(sum(shares.values()) - 1.0) > 1e-6:
                c.add("classes.shares", f"must sum to 1, got {sum(shares.values()):g}")
    else:
        traw = cdoc.get("thresholds")
        if not isinstance(traw, dict) or set(traw) != {"A", "B", "C"}:
            c.add(
                "classes.thresholds",
                "threshold classes need lower score bounds for A, B, C (below C → D)",
            )
        else:
            for k in ("A", "B", "C"):
                v = c.number(traw, k, "classes.thresholds", required=True)
                thresholds[k] = v if v is not None else 0.0
            if not thresholds["A"] > thresholds["B"] > thresholds["C"]:
                c.add("classes.thresholds", "must satisfy A > B > C")
    classes = ClassRule(rule, unit, shares or ClassRule().shares, thresholds)

    edoc = doc.get("exclusions", {}) or {}
    if not isinstance(edoc, dict):
        c.add("exclusions", "must be a mapping {founded_within_years, sectors, land_uses}")
        edoc = {}
    for k in edoc:
        if k not in ("founded_within_years", "sectors", "land_uses"):
            c.add(
                f"exclusions.{k}", "unknown key; allowed: founded_within_years, sectors, land_uses"
            )
    fwy = c.number(edoc, "founded_within_years", "exclusions", lo=0)
    sectors = edoc.get("sectors", ["utility"])
    land_uses = edoc.get("land_uses", ["1302", "1303"])
    if not isinstance(sectors, list):
        c.add("exclusions.sectors", "must be a list of sectors (industry/service/utility)")
        sectors = []
    if not isinstance(land_uses, list):
        c.add("exclusions.land_uses", "must be a list of 用地用海 codes")
        land_uses = []
    excl = Exclusions(
        int(fwy) if fwy is not None else None, tuple(map(str, sectors)), tuple(map(str, land_uses))
    )

    le = doc.get("low_efficiency", {}) or {}
    if not isinstance(le, dict):
        c.add("low_efficiency", "must be a mapping of rule parameters")
        le = {}
    else:
        from geoplan.analysis.low_efficiency import DEFAULT_RULES

        for k, v in le.items():
            if k not in DEFAULT_RULES:
                c.add(
                    f"low_efficiency.{k}",
                    f"unknown rule parameter; known: {', '.join(DEFAULT_RULES)}",
                )
            elif isinstance(DEFAULT_RULES[k], bool):
                if not isinstance(v, bool):
                    c.add(f"low_efficiency.{k}", "must be true or false")
            elif isinstance(v, bool) or not isinstance(v, int | float):
                c.add(f"low_efficiency.{k}", f"must be a number, got {v!r}")

    if c.problems:
        raise SchemaError(
            f"{source}: {len(c.problems)} problem(s) in the scheme\n  - "
            + "\n  - ".join(c.problems)
        )
    return Scheme(
        name=str(doc["name"]),
        label_zh=str(doc.get("label_zh", doc["name"])),
        practice=str(doc["practice"]).strip(),
        source=str(doc.get("source", "")).strip(),
        method=method,
        groups=groups,
        classes=classes,
        exclusions=excl,
        missing=missing,
        cap=cap,
        clip_quantiles=clip_q,
        low_efficiency=dict(le),
        path=path,
    )
