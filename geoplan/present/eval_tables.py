"""Display tables of the 亩均 / 低效用地 / compliance area (workbook sheets and app tables).

:func:`display` turns a result frame with canonical columns (``tax_per_mu``, ``class``, ``tenure``
…) into what a person reads, in the chosen language: headers from message keys (with their unit),
class labels, 规上/规下, land-use codes with their names, statuses as words (``built`` → 已建成),
numbers rounded to display precision, ratios as percentages, and no ``None`` / ``nan`` (an empty
cell shows "—"). Unknown columns are dropped, never shown under an identifier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.schemes import INDICATORS
from geoplan.standards import landuse
from geoplan.text import has, t

DASH = "—"


@dataclass(frozen=True)
class Col:
    """How one canonical column is shown: header key, kind of value, display digits."""

    key: str
    kind: str = "text"  # text | num | pct | int | class | group | tenure | rule | land_use |
    # status | passed | criteria | route | sector | bool | check
    digits: int = 2


COLUMNS: dict[str, Col] = {
    "credit_code": Col("ev_col_credit_code"),
    "firm_id": Col("ev_col_firm_id"),
    "name": Col("ev_col_name"),
    "parcel_id": Col("ev_col_parcel_id"),
    "plate": Col("ev_col_plate"),
    "industry": Col("ev_col_industry"),
    "scale": Col("ev_col_scale", "group"),
    "list": Col("ev_col_list", "group"),
    "group": Col("ev_col_list", "group"),
    "sector": Col("ev_col_sector", "sector"),
    "tenure": Col("ev_col_tenure", "tenure"),
    "land_mu": Col("ev_col_land_mu", "num", 2),
    "land_rule": Col("ev_col_land_rule", "rule"),
    "unit": Col("ev_col_unit"),
    "rank": Col("ev_col_rank", "int"),
    "unit_n": Col("ev_col_unit_n", "int"),
    "rank_band": Col("ev_col_rank_band"),
    "score": Col("ev_col_score", "num", 2),
    "class": Col("ev_col_class", "class"),
    "t_reason": Col("ev_col_t_reason"),
    "substituted": Col("ev_col_substituted", "indicators"),
    "tax": Col("ev_col_tax", "num", 1),
    "revenue": Col("ev_col_revenue", "num", 1),
    "value_added": Col("ev_col_value_added", "num", 1),
    "energy_tce": Col("ev_col_energy_tce", "num", 2),
    "electricity_mwh": Col("ev_col_electricity_mwh", "num", 1),
    "employees": Col("ev_col_employees", "int"),
    "fixed_investment": Col("ev_col_fixed_investment", "num", 1),
    "rd_spend": Col("ev_col_rd_spend", "num", 1),
    "land_use": Col("ev_col_land_use", "land_use"),
    "status": Col("ev_col_status", "status"),
    "area_mu": Col("ev_col_area_mu", "num", 2),
    "occupied_mu": Col("ev_col_occupied_mu", "num", 2),
    "n_parcels": Col("ev_col_n_parcels", "int"),
    "n_firms": Col("ev_col_n_firms", "int"),
    "n_A": Col("ev_col_n_A", "int"),
    "n_B": Col("ev_col_n_B", "int"),
    "n_C": Col("ev_col_n_C", "int"),
    "n_D": Col("ev_col_n_D", "int"),
    "n_T": Col("ev_col_n_T", "int"),
    "criteria": Col("ev_col_criteria", "criteria"),
    "reasons": Col("ev_col_reasons"),
    "route": Col("ev_col_route", "route"),
    "plate_median_tax_per_mu": Col("ev_col_plate_median_tax_per_mu", "num", 2),
    "gain_tax": Col("ev_col_gain_tax", "num", 1),
    "gain_va": Col("ev_col_gain_va", "num", 1),
    "check_zh": Col("ev_col_check", "check"),
    "op": Col("ev_col_op", "op"),
    "required": Col("ev_col_required", "num", 2),
    "actual": Col("ev_col_actual", "num", 2),
    "passed": Col("ev_col_passed", "passed"),
    "gap": Col("ev_col_gap", "num", 2),
    "basis": Col("ev_col_basis"),
    "kind": Col("ev_col_kind"),
    "reason": Col("ev_col_reason"),
    "high_tech": Col("ev_col_high_tech", "bool"),
    "year": Col("hist_col_year", "int"),
}

#: Display digits of each indicator (ratios are shown as % with one decimal).
_IND_DIGITS = {"far": 2, "labour_productivity": 1, "investment_per_mu": 1, "va_per_emission": 1}


def indicator_header(ind: str, lang: str) -> str:
    d = INDICATORS[ind]
    label = d.label_en if lang == "en" else d.label_zh
    unit = "%" if d.unit == "ratio" else d.unit
    return f"{label}({unit})" if unit else label


def column(name: str) -> Col | None:
    if name in COLUMNS:
        return COLUMNS[name]
    if name in INDICATORS:
        kind = "pct" if INDICATORS[name].unit == "ratio" else "num"
        return Col("", kind, _IND_DIGITS.get(name, 2))
    return None


def header(name: str, lang: str) -> str:
    c = column(name)
    if c is None:
        return name
    if not c.key:
        return indicator_header(name, lang)
    return t(c.key, lang)


def _word(prefix: str, lang: str) -> Callable[[object], str]:
    def f(v: object) -> str:
        key = f"{prefix}{v}"
        return t(key, lang) if has(key) else str(v)

    return f


def _missing(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    try:
        return bool(pd.isna(v)) if not isinstance(v, (list, tuple, dict, set)) else False
    except (TypeError, ValueError):
        return False


def fmt_value(v: object, c: Col, lang: str) -> object:
    """One cell as shown: a rounded number (float), a percentage text, or a word."""
    if _missing(v) or (isinstance(v, str) and v.strip().lower() in ("", "none", "nan", "<na>")):
        return DASH
    k = c.kind
    if k == "num":
        x = float(v)  # type: ignore[arg-type]
        return round(x, c.digits) if np.isfinite(x) else DASH
    if k == "int":
        x = float(v)  # type: ignore[arg-type]
        return round(x) if np.isfinite(x) else DASH
    if k == "pct":
        x = float(v)  # type: ignore[arg-type]
        return f"{x * 100:.1f}%" if np.isfinite(x) else DASH
    if k == "class":
        key = f"class_{v}"
        return t(key, lang) if has(key) else str(v)
    if k == "group":
        return _word("group_", lang)(v)
    if k == "tenure":
        return _word("tenure_", lang)(v)
    if k == "rule":
        return _word("rule_", lang)(v)
    if k == "sector":
        return _word("sector_", lang)(v)
    if k == "status":
        return _word("status_", lang)(v)
    if k == "route":
        return _word("route_", lang)(v) if lang == "en" else str(v)
    if k == "land_use":
        return f"{v} {landuse.name(v, lang)}"
    if k in ("passed", "bool"):
        yes = v is True or str(v).lower() in ("true", "1", "yes")
        if k == "passed":
            return t("passed_yes" if yes else "passed_no", lang)
        return t("yes" if yes else "no", lang)
    if k == "criteria":
        keys = [x for x in str(v).split(",") if x]
        sep = ", " if lang == "en" else "、"
        return sep.join(t(f"crit_{x}", lang) for x in keys) or DASH
    if k == "check":
        return str(v)
    if k == "op":
        return {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}.get(str(v), str(v))
    if k == "indicators":  # "va_per_emission,rd_ratio" → 单位排放增加值、R&D经费占营收比
        ids = [x.strip() for x in str(v).replace(";", ",").split(",") if x.strip()]
        if not ids:
            return DASH
        sep = ", " if lang == "en" else "、"
        return sep.join(
            (INDICATORS[x].label_en if lang == "en" else INDICATORS[x].label_zh)
            if x in INDICATORS
            else x
            for x in ids
        )
    text = str(v)
    if lang == "en" and " / " in text:  # bilingual reason texts "中文 / English"
        text = text.split(" / ", 1)[1]
    elif " / " in text:
        text = text.split(" / ", 1)[0]
    return text


def display(
    frame: pd.DataFrame, lang: str = "zh", columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """*frame*'s known columns (in *columns* order when given) as a display table in *lang*."""
    names = [c for c in (columns or frame.columns) if c in frame.columns and column(c) is not None]
    out: dict[str, list[object]] = {}
    for name in names:
        c = column(name)
        assert c is not None
        h = header(name, lang)
        while h in out:  # two canonical columns with one header (scale/list) keep both
            h += " "
        vals = frame[name].tolist()
        if c.kind == "check" and lang == "en" and "check" in frame.columns:
            vals = [
                _word("check_", lang)(x) if has(f"check_{x}") else y
                for x, y in zip(frame["check"], vals, strict=True)
            ]
        out[h] = _uniform([fmt_value(v, c, lang) for v in vals], c)
    return pd.DataFrame(out)


def _uniform(values: list[object], c: Col) -> list[object]:
    """A number column with a "—" in it becomes text throughout (one type per column: Arrow
    and the app's tables need it), each number with its display digits."""
    if c.kind not in ("num", "int") or not any(isinstance(v, str) for v in values):
        return values
    d = 0 if c.kind == "int" else c.digits
    return [v if isinstance(v, str) else f"{float(v):.{d}f}" for v in values]  # type: ignore[arg-type]


# --- the score breakdown and the what-if of one firm (land_yield.explain) -----------------------

_RULE_WORDS_ZH = (
    ("aggregate", "总量比"),
    ("mean", "均值"),
    ("median", "中位数"),
    ("fixed", "固定值"),
    ("prior year", "上年"),
    ("min-max", "极差标准化"),
    ("max", "最大值"),
    ("min", "最小值"),
)


def rule_text(rule: object, lang: str) -> str:
    """A benchmark rule ("2 × mean", "fixed 24.097" …) in *lang*."""
    if _missing(rule) or not str(rule).strip():
        return DASH
    text = str(rule)
    if lang != "en":
        for en, zh in _RULE_WORDS_ZH:
            text = text.replace(en, zh)
    return text


def _indicator_label(ind: object, fallback: object, lang: str) -> str:
    if isinstance(ind, str) and ind in INDICATORS:
        d = INDICATORS[ind]
        return d.label_en if lang == "en" else d.label_zh
    return str(fallback) if not _missing(fallback) else DASH


def _field_label(name: object, lang: str) -> str:
    from geoplan.data.catalog import layer_type

    if _missing(name) or not name:
        return DASH
    f = layer_type("firms").field(str(name))
    if f is None:
        return str(name)
    label = f.label_en if lang == "en" else f.label_zh
    return f"{label}({f.unit})" if f.unit else label


def _unit(u: object) -> str:
    if _missing(u) or not str(u):
        return DASH
    return "%" if u == "ratio" else str(u)


def components_table(components: list[dict], lang: str = "zh") -> pd.DataFrame:
    """The score breakdown: indicator, unit, value, benchmark (and its rule), % of the benchmark,
    weight, contribution (contributions add up to the score)."""
    num2 = Col("", "num", 2)
    rows = []
    for c in components:
        ratio = c.get("unit") == "ratio"
        val = c.get("value")
        bench = c.get("benchmark")
        rows.append(
            {
                t("ex_col_indicator", lang): _indicator_label(
                    c.get("indicator"), c.get("label_zh"), lang
                ),
                t("ex_col_unit", lang): _unit(c.get("unit")),
                t("ex_col_value", lang): fmt_value(val, Col("", "pct") if ratio else num2, lang),
                t("ex_col_benchmark", lang): fmt_value(
                    bench, Col("", "pct") if ratio else num2, lang
                ),
                t("ex_col_rule", lang): rule_text(c.get("benchmark_rule"), lang),
                t("ex_col_normalized", lang): DASH
                if _missing(c.get("normalized"))
                else f"{float(c['normalized']):.1f}%",
                t("ex_col_weight", lang): fmt_value(c.get("weight"), Col("", "num", 1), lang),
                t("ex_col_contribution", lang): fmt_value(c.get("contribution"), num2, lang),
                t("ex_col_substituted", lang): t("yes" if c.get("substituted") else "no", lang),
            }
        )
    return pd.DataFrame(rows)


def whatif_table(rows: list[dict], lang: str = "zh") -> pd.DataFrame:
    """Per indicator, the smallest single change that lifts the firm to the next class."""
    num2 = Col("", "num", 2)
    out = []
    for r in rows:
        if "indicator" not in r and "label_zh" not in r:
            continue
        ratio = r.get("unit") == "ratio"
        vk = Col("", "pct") if ratio else num2
        reach = bool(r.get("reachable"))
        out.append(
            {
                t("ex_col_indicator", lang): _indicator_label(
                    r.get("indicator"), r.get("label_zh"), lang
                ),
                t("ex_col_next_class", lang): fmt_value(
                    r.get("next_class"), Col("", "class"), lang
                ),
                t("ex_col_current", lang): fmt_value(r.get("current_value"), vk, lang),
                t("ex_col_required", lang): fmt_value(r.get("required_value"), vk, lang)
                if reach
                else DASH,
                t("ex_col_change", lang): fmt_value(r.get("change"), vk, lang) if reach else DASH,
                t("ex_col_unit", lang): _unit(r.get("unit")),
                t("ex_col_field", lang): _field_label(r.get("field"), lang),
                t("ex_col_field_required", lang): fmt_value(
                    r.get("required_field_value"), num2, lang
                )
                if reach
                else DASH,
                t("ex_col_field_change", lang): fmt_value(r.get("field_change"), num2, lang)
                if reach
                else DASH,
                t("ex_col_reachable", lang): t("yes" if reach else "no", lang),
            }
        )
    return pd.DataFrame(out)
