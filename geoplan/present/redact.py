"""The one redaction policy of every public (公示) output.

Every public path — the evaluate workbook with ``--public``, the ``--public --out`` GeoPackage,
the app's 公示 download and the ``--public`` HTML map — takes its tables from here, so what a
公示 shows is decided in one place. The policy is an allow-list (a column not named here never
reaches a public output):

- a firm list holds identity (统一社会信用代码 when the firm table has it, firm id, name), its list
  (规上/规下 …), evaluation unit, class and rank band — no score, no rank, no figure;
- a parcel holds its planning attributes (code, status, area, FAR, building coverage), its class
  and how many firms use it — no sums of firm figures, no per-亩 value (most parcels have one or
  two users, so a parcel's 亩均税收 × its area is a firm's tax), no ``main_firm``, no holder, no
  ``rd_spend`` / ``investment``;
- 低效用地 reasons become number-free text (the internal text carries "亩均税收 0.6 …");
- compliance keeps the physical checks (容积率, 建筑系数, 绿地率, 行政办公比例) with their values and
  withholds the values of the money checks (投资强度, 承诺税收, 承诺能耗);
- an aggregate (板块, 产业, 园区) shows per-亩 values only when it covers at least
  :data:`MIN_AGGREGATE_FIRMS` firms, and never its sums or its occupied land beside them.

``tests/test_public_leaks.py`` produces every public output on the sample and scans it for every
firm's figures and per-亩 values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geoplan.text import t

#: An aggregate of fewer firms than this shows no per-亩 value (公示 practice: no figure that
#: identifies a single firm).
MIN_AGGREGATE_FIRMS = 3

FIRM_COLUMNS = ("credit_code", "firm_id", "name", "list", "unit", "class", "rank_band")
PARCEL_COLUMNS = (
    "parcel_id",
    "plate",
    "land_use",
    "status",
    "area_mu",
    "far",
    "coverage",
    "class",
    "n_firms",
)
LOW_COLUMNS = (
    "parcel_id",
    "plate",
    "land_use",
    "status",
    "area_mu",
    "class",
    "criteria",
    "reasons",
    "route",
)
COMPLIANCE_COLUMNS = (
    "parcel_id",
    "plate",
    "land_use",
    "check",
    "check_zh",
    "op",
    "required",
    "actual",
    "passed",
    "basis",
)
#: Compliance checks whose actual value is a firm's or a project's money or energy figure.
MONEY_CHECKS = ("investment_min", "commit_investment", "commit_tax", "commit_energy")
AGGREGATE_PER_MU = ("tax_per_mu", "va_per_mu", "revenue_per_mu")
AGGREGATE_COUNTS = ("n_parcels", "n_firms", "n_A", "n_B", "n_C", "n_D", "n_T")
UNSCORED_COLUMNS = ("credit_code", "firm_id", "name", "reason")

#: 低效用地 reason clauses (internal text) → number-free message key, by the words they start with.
_REASON_KEYS = (
    ("长期闲置", "pub_reason_idle"),
    ("功能不清: 已建成", "pub_reason_vacant"),
    ("功能不清: 工业用地", "pub_reason_mismatch_industrial"),
    ("功能不清: 科研用地", "pub_reason_mismatch_research"),
    ("效益不高: 建筑系数", "pub_reason_low_coverage"),
    ("效益不高: 投资强度", "pub_reason_short_investment"),
    ("产权分散", "pub_reason_fragmented"),
)
_DIGIT = re.compile(r"\d")


def _keep(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    keep = [c for c in cols if c in frame.columns]
    geom = getattr(frame, "_geometry_column_name", None)
    if geom is not None and geom in frame.columns:
        keep.append(geom)
    return frame[keep].copy()


def list_of(firms: pd.DataFrame) -> pd.Series:
    """The firm's evaluation list (``list`` when the scheme names lists, else 规上/规下 ``group``)."""
    for col in ("list", "group"):
        if col in firms.columns:
            return firms[col].astype(object).where(firms[col].notna(), "")
    return pd.Series([""] * len(firms), index=firms.index, dtype=object)


def _quintile(rank: pd.Series, size: pd.Series) -> np.ndarray:
    """1 … 5 (quintile of rank / unit size), 0 for a firm without a rank."""
    r = pd.to_numeric(rank, errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(size, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(r) & np.isfinite(n) & (n > 0)
    q = np.ceil(np.clip(r / np.where(ok, n, 1.0), 0, 1) * 5)
    return np.where(ok, np.clip(q, 1, 5), 0).astype(int)


def rank_band(rank: pd.Series, size: pd.Series, lang: str = "zh") -> list[str]:
    """Quintile of the rank within the unit (前20% … 后20%), or 不排名 for unranked firms."""
    return [
        t(f"pub_band_{k}", lang) if k else t("pub_band_none", lang) for k in _quintile(rank, size)
    ]


def band_labels(lang: str = "zh") -> set[str]:
    """Every rank-band text (the leak test knows these digits are no figures)."""
    return {t(f"pub_band_{k}", lang) for k in range(1, 6)} | {t("pub_band_none", lang)}


def public_firms(firms: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """公示 firm list: identity, list, unit, class and rank band, ordered by unit, class, band."""
    f = firms
    out = pd.DataFrame(index=f.index)
    if "credit_code" in f.columns:
        out["credit_code"] = f["credit_code"].astype(object)
    out["firm_id"] = f["firm_id"].astype(str)
    out["name"] = f["name"].astype(object) if "name" in f.columns else ""
    out["list"] = list_of(f)
    out["unit"] = f["unit"].astype(object).where(f["unit"].notna(), "") if "unit" in f else ""
    out["class"] = f["class"].astype(object).where(f["class"].notna(), "") if "class" in f else ""
    if "rank" in f.columns and "unit_n" in f.columns:
        q = _quintile(f["rank"], f["unit_n"])
        out["rank_band"] = rank_band(f["rank"], f["unit_n"], lang)
    else:
        q = np.zeros(len(f), dtype=int)
        out["rank_band"] = t("pub_band_none", lang)
    cls_order = out["class"].map({"A": 0, "B": 1, "C": 2, "D": 3, "T": 4}).fillna(5)
    # by unit, class, band, then name: the order reveals no more than the band
    out = (
        out.assign(_c=cls_order.to_numpy(), _b=np.where(q == 0, 9, q))
        .sort_values(["unit", "_c", "_b", "name", "firm_id"])
        .drop(columns=["_c", "_b"])
    )
    return _keep(out.reset_index(drop=True), FIRM_COLUMNS)


def public_parcels(parcels: pd.DataFrame) -> pd.DataFrame:
    """公示 parcels: planning attributes, class and number of users (geometry kept if present)."""
    return _keep(parcels, PARCEL_COLUMNS).reset_index(drop=True)


def public_reason(reasons: object, criteria: object = "", lang: str = "zh") -> str:
    """A 低效用地 reason as number-free text (one phrase per clause, in *lang*)."""
    text = "" if reasons is None or (isinstance(reasons, float) and np.isnan(reasons)) else reasons
    out: list[str] = []
    for clause in str(text).replace(";", "；").split("；"):
        c = clause.strip()
        if not c:
            continue
        key = next((k for prefix, k in _REASON_KEYS if c.startswith(prefix)), None)
        if key is None and c.startswith("效益不高"):
            key = "pub_reason_low_tax" if "亩均税收" in c else "pub_reason_low_far"
        phrase = t(key, lang) if key else criteria_text(criteria, lang)
        if phrase and phrase not in out:
            out.append(phrase)
    joined = "；".join(out) if lang != "en" else "; ".join(out)
    if _DIGIT.search(joined):  # a phrase with a number never reaches a 公示
        return criteria_text(criteria, lang)
    return joined


def criteria_text(criteria: object, lang: str = "zh") -> str:
    """``idle,low_yield`` → 长期闲置、效益不高 (or English)."""
    keys = [c for c in str(criteria or "").split(",") if c]
    sep = "、" if lang != "en" else ", "
    return sep.join(t(f"crit_{k}", lang) for k in keys)


def public_low_efficiency(low: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """公示 低效用地 list: parcel, type, number-free reasons and disposal route."""
    out = _keep(low, LOW_COLUMNS)
    if "reasons" in out.columns:
        crit = out["criteria"] if "criteria" in out.columns else pd.Series("", index=out.index)
        out["reasons"] = [
            public_reason(r, c, lang) for r, c in zip(out["reasons"], crit, strict=True)
        ]
    return out.reset_index(drop=True)


def public_compliance(comp: pd.DataFrame) -> pd.DataFrame:
    """公示 compliance: physical checks with values; money checks with their result only."""
    out = _keep(comp, COMPLIANCE_COLUMNS)
    if len(out) and "check" in out.columns and "actual" in out.columns:
        money = out["check"].isin(MONEY_CHECKS)
        out["actual"] = out["actual"].astype(float).where(~money, np.nan)
    return out.reset_index(drop=True)


def public_aggregate(agg: pd.DataFrame, key: str) -> pd.DataFrame:
    """An aggregate (板块/产业/园区) for 公示: counts, area and per-亩 values of ≥ 3 firms only."""
    cols = (key, "area_mu", *AGGREGATE_COUNTS, *AGGREGATE_PER_MU)
    out = _keep(agg.drop(columns="geometry", errors="ignore"), tuple(c for c in cols if c))
    if "n_firms" in out.columns:
        few = pd.to_numeric(out["n_firms"], errors="coerce").fillna(0) < MIN_AGGREGATE_FIRMS
        for c in AGGREGATE_PER_MU:
            if c in out.columns:
                out[c] = out[c].astype(float).where(~few, np.nan)
    else:  # no firm count: no per-亩 value can be shown safely
        out = out.drop(columns=[c for c in AGGREGATE_PER_MU if c in out.columns])
    return out.reset_index(drop=True)


def public_unscored(unscored: pd.DataFrame) -> pd.DataFrame:
    """Firms not evaluated (无用地 …): identity and the reason (reasons carry no figures)."""
    return _keep(unscored, UNSCORED_COLUMNS).reset_index(drop=True)


def public_tables(evaluation, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """Every table of an evaluation as it may be published (the GeoPackage ``--public`` layers)."""
    ev = evaluation
    return {
        "parcels": public_parcels(ev.parcels),
        "firms": public_firms(ev.firms, lang),
        "low_efficiency": public_low_efficiency(ev.low_efficiency, lang),
        "compliance": public_compliance(ev.compliance),
        "by_plate": public_aggregate(ev.aggregates["plate"], "plate"),
        "unscored": public_unscored(ev.unscored),
    }
