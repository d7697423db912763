"""Orchestration: :func:`evaluate` runs land shares → lists and T rules → benchmarks and scores
→ adjustments → classes → parcels, aggregates, compliance and 低效用地, and returns an
:class:`Evaluation`."""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.aggregates import aggregate, parcel_indicators
from geoplan.analysis.land_yield.attributes import Adjustments, adjustments_for
from geoplan.analysis.land_yield.benchmarks import Figures
from geoplan.analysis.land_yield.classes import assign_classes
from geoplan.analysis.land_yield.common import (
    ALL_CLASSES,
    DEFAULT_YEAR,
    SUM_FIELDS,
    _labels,
    _need,
    _num,
    _take_str,
)
from geoplan.analysis.land_yield.indicators import CORE_INDICATORS, compute_indicators
from geoplan.analysis.land_yield.lists import TRules, assign_lists, t_rules, unit_codes
from geoplan.analysis.land_yield.plates import plate_codes
from geoplan.analysis.land_yield.schemes import Scheme, load_scheme
from geoplan.analysis.land_yield.scoring import score_list
from geoplan.analysis.land_yield.summary import summary
from geoplan.analysis.land_yield.tenants import (
    LAND_RULES,
    UNSCORED_REASONS,
    _main_user,
    _prepare_firms,
    land_shares,
)
from geoplan.errors import GeoplanError

logger = logging.getLogger(__name__)

#: How a firm got its class (``Evaluation.firms.class_source``).
CLASS_SOURCES = ("score", "exclusion", "holder", "veto", "scope")
_SCORE, _EXCL, _HOLDER, _VETO, _SCOPE = 1, 2, 3, 4, 5


@dataclass
class Evaluation:
    """The result of :func:`evaluate`.

    Attributes
    ----------
    firms
        One row per firm: ``land_mu`` (land used), ``land_rule`` (own/share/holder), every
        indicator of :data:`geoplan.analysis.land_yield.schemes.INDICATORS`, ``list`` (the
        评价名单 taking the firm; empty outside the scheme's scope), ``group`` (the list, for
        scored firms), ``unit`` (evaluation unit), ``benchmark_<indicator>`` (the benchmark the
        firm was compared with), ``bonus`` (net 加分/扣分 points), ``veto`` (一票否决 items),
        ``min_land_ok``, ``score``, ``class`` (A/B/C/D/T; empty for unscored and out-of-scope
        firms), ``class_source`` (score/exclusion/holder/veto/scope), ``t_reason``,
        ``substituted`` (indicators given the average score), ``rank`` (worst position of the
        firm's tie) and ``unit_n``.
    parcels
        GeoDataFrame: parcel fields plus summed firm figures, parcel indicators (亩均税收 …),
        ``industry`` (of the largest land user), ``class`` (of the largest land user).
    aggregates
        ``{"plate", "structure", "industry", "cluster", "zone"}`` → DataFrames.
    low_efficiency
        GeoDataFrame of flagged parcels (:mod:`geoplan.analysis.low_efficiency`).
    compliance
        Long DataFrame, one row per parcel × check (:mod:`geoplan.analysis.compliance`).
    unscored
        Firms without usable land, with ``reason``.
    scheme
        The scheme name; ``scheme_obj`` holds the :class:`~geoplan.analysis.land_yield.schemes.Scheme`.
    """

    firms: pd.DataFrame
    parcels: gpd.GeoDataFrame
    aggregates: dict[str, pd.DataFrame]
    low_efficiency: gpd.GeoDataFrame
    compliance: pd.DataFrame
    unscored: pd.DataFrame
    scheme: str
    scheme_obj: Scheme | None = None
    year: int = DEFAULT_YEAR
    tenant_rule: str = "share"
    parts: dict[str, Any] = field(default_factory=dict, repr=False)

    def firm_results(self) -> pd.DataFrame:
        """The result columns for firms (ids, land, the scheme's indicators, score, class, audit
        fields) without copies of the input figures — what the bench writes; join to the firm
        table by ``firm_id`` for names and figures."""
        ind = self.scheme_obj.indicator_ids if self.scheme_obj else []
        cols = [
            "firm_id",
            "parcel_id",
            "list",
            "group",
            "unit",
            "land_mu",
            "land_rule",
            "min_land_ok",
            *ind,
            *[f"benchmark_{i}" for i in ind],
            "bonus",
            "veto",
            "score",
            "class",
            "class_source",
            "t_reason",
            "substituted",
            "rank",
            "unit_n",
        ]
        return self.firms[[c for c in dict.fromkeys(cols) if c in self.firms.columns]]

    def to_payload(self) -> dict:
        """What the project store keeps of an evaluation (kind ``evaluation``): the JSON summary,
        firm and parcel results, aggregates, 低效用地 and compliance tables."""
        import json

        aggs = {k: v.drop(columns="geometry", errors="ignore") for k, v in self.aggregates.items()}
        return {
            "summary": json.loads(json.dumps(summary(self), default=str)),
            "scheme": self.scheme,
            "year": self.year,
            "tenant_rule": self.tenant_rule,
            "firms": self.firm_results(),
            "parcels": self.parcel_results(),
            "aggregates": aggs,
            "low_efficiency": self.low_efficiency,
            "compliance": self.compliance,
            "unscored": self.unscored,
        }

    def parcel_results(self) -> gpd.GeoDataFrame:
        """The computed parcel columns with geometry (sums, 亩均 indicators, class, main user),
        without copies of the input attributes; join to the parcels by ``parcel_id`` for those."""
        cols = [
            "parcel_id",
            "plate",
            "n_firms",
            "n_tenants",
            "tax",
            "revenue",
            "value_added",
            "tax_per_mu",
            "revenue_per_mu",
            "va_per_mu",
            "investment_per_mu",
            "class",
            "industry",
            "main_firm",
        ]
        keep = [c for c in cols if c in self.parcels.columns]
        if isinstance(self.parcels, gpd.GeoDataFrame):
            keep.append(self.parcels.geometry.name)
        return self.parcels[keep]

    def class_counts(self) -> dict[str, int]:
        vc = self.firms["class"].value_counts()
        return {k: int(vc.get(k, 0)) for k in ALL_CLASSES}

    def list_counts(self) -> dict[str, dict[str, int]]:
        """Firms per class on each 评价名单 (the lists of the scheme, in order)."""
        out: dict[str, dict[str, int]] = {}
        names = self.scheme_obj.groups if self.scheme_obj else {}
        for name in names:
            vc = self.firms.loc[self.firms["list"] == name, "class"].value_counts()
            out[name] = {k: int(vc.get(k, 0)) for k in ALL_CLASSES}
        return out


# ------------------------------------------------------------------------------------------
# evaluate
# ------------------------------------------------------------------------------------------


def _inputs(
    parcels: gpd.GeoDataFrame, firms: pd.DataFrame, plates: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    _need(parcels, ("parcel_id", "area_mu", "far", "coverage", "land_use"), "parcels")
    f = _prepare_firms(firms)
    p = (
        parcels.reset_index(drop=True)
        if isinstance(parcels, gpd.GeoDataFrame)
        else gpd.GeoDataFrame(parcels.reset_index(drop=True))
    )
    if "plate" not in p.columns:
        p["plate"] = None
    if plates is not None and p["plate"].isna().any():
        joined = _labels(plate_codes(p, plates), [str(x) for x in plates["name"]], None)
        p["plate"] = (
            joined
            if p["plate"].isna().all()
            else p["plate"].astype(object).where(p["plate"].notna(), joined.astype(object))
        )
    if "status" not in p.columns:
        p["status"] = "built"
    return p, f


@dataclass
class _State:
    """Per-firm arrays while classifying (codes, not strings)."""

    n: int
    list_code: np.ndarray
    t: TRules
    unit_code: np.ndarray
    unit_labels: list[str]
    scored: np.ndarray
    score: np.ndarray
    cls: np.ndarray  # 0–3 = A–D, 4 = T, −1 = none
    rank: np.ndarray
    unit_n: np.ndarray
    source: np.ndarray
    bonus: np.ndarray
    veto_text: np.ndarray
    bench: dict[str, np.ndarray]
    subst_code: np.ndarray
    subst_labels: list[str] = field(default_factory=list)
    groups: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int, list_code: np.ndarray, t: TRules, unit: tuple) -> _State:
        nan = np.full(n, np.nan)
        return cls(
            n, list_code, t, unit[0], unit[1], np.zeros(n, bool), nan.copy(),
            np.full(n, -1, dtype=np.int8), nan.copy(), nan.copy(), np.zeros(n, dtype=np.int8),
            nan.copy(), np.full(n, "", dtype=object), {}, np.full(n, -1, dtype=np.int64),
        )  # fmt: skip


def _score_lists(
    st: _State,
    sch: Scheme,
    values: dict[str, np.ndarray],
    fig: Figures,
    adj: Adjustments,
) -> None:
    """Benchmarks, scores and adjustments of every list, then classes (veto → D)."""
    for iid in sch.indicator_ids:
        st.bench[iid] = np.full(st.n, np.nan)
    has_adj = adj.points.shape[1] > 0
    for k, lst in enumerate(sch.lists):
        members = st.scored & (st.list_code == k)
        if not members.any():
            continue
        res = score_list(values, members, sch, lst, st.unit_code, st.unit_labels, fig)
        idx = res["idx"]
        if has_adj:
            pts = adj.points[idx]
            s = res["score"]
            for j in range(pts.shape[1]):  # item by item, as explain() adds them
                s = s + pts[:, j]
            res["score"], res["adj"] = s, pts
            st.bonus[idx] = adj.total[idx]
        st.score[idx] = res["score"]
        for j, iid in enumerate(res["indicators"]):
            st.bench[iid][idx] = res["b"][:, j]
        if res["subst"].any():
            bits = (res["subst"].astype(np.int64) << np.arange(res["subst"].shape[1])).sum(axis=1)
            u, inv = np.unique(bits, return_inverse=True)
            ids = res["indicators"]
            labels = [",".join(ids[j] for j in range(len(ids)) if (b >> j) & 1) for b in u]
            offs = len(st.subst_labels)
            st.subst_labels.extend(labels)
            st.subst_code[idx] = np.where(bits > 0, inv + offs, -1)
        st.groups[lst.name] = res
        vetoed = adj.veto[idx]
        ranked = idx[~vetoed]
        c, r, sz = assign_classes(
            st.score[ranked], st.unit_code[ranked], np.zeros(len(ranked)), sch.class_rule(lst)
        )
        st.cls[ranked], st.rank[ranked], st.unit_n[ranked] = c, r, sz
        st.source[ranked] = _SCORE
        st.cls[idx[vetoed]] = 3
        st.source[idx[vetoed]] = _VETO
        st.veto_text[idx[vetoed]] = adj.veto_text[idx[vetoed]]


def _follow_holder(
    st: _State,
    follow: np.ndarray,
    pidx: np.ndarray,
    land: np.ndarray,
    rule: np.ndarray,
    reason: np.ndarray,
    firm_id: pd.Series,
    n_parcels: int,
) -> np.ndarray:
    """Firms in *follow* take the class of their parcel's main land holder (largest land, then
    a firm_id hash); returns the firms left without one (their holder has no class)."""
    unscored = reason != 0
    first_p, main = _main_user(pidx, land, firm_id, ~unscored & (rule == 0) & ~follow)
    holder_cls = np.full(n_parcels, -1, dtype=np.int8)
    holder_cls[first_p] = st.cls[main]
    holder_t = np.zeros(n_parcels, dtype=np.int16)
    holder_t[first_p] = st.t.code[main]
    sp = np.maximum(pidx, 0)
    st.cls[follow] = holder_cls[sp[follow]]
    st.t.code[follow] = holder_t[sp[follow]]
    st.source[follow] = _HOLDER
    nohold = follow & (st.cls < 0)
    reason[nohold & (reason == 0)] = 7
    st.source[nohold] = 0
    return nohold


def _classify(
    sch: Scheme,
    f: pd.DataFrame,
    p: pd.DataFrame,
    lands: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    values: dict[str, np.ndarray],
    year: int,
    attributes: pd.DataFrame | None,
    history: pd.DataFrame | None,
) -> tuple[_State, np.ndarray]:
    """Lists, T rules, scores and classes of every firm; returns the state and the final
    unscored mask (firms without land, and followers whose holder has no class)."""
    pidx, land, rule, reason = lands
    n = len(f)
    unscored = reason != 0
    holder_mode = (rule == 2) & ~unscored
    # tenants in holder mode are in a list's scope (or not) like anyone; in scope they follow
    list_code = assign_lists(f, land, ~unscored, sch)
    t, follow = t_rules(f, p, pidx, land, list_code, sch, year)
    st = _State.empty(n, list_code, t, unit_codes(f, p, pidx, sch))
    follow_all = (holder_mode & (list_code >= 0)) | follow
    t.code[follow_all | unscored] = 0
    is_t = t.code > 0
    st.scored = ~unscored & (list_code >= 0) & ~is_t & ~follow_all
    fig = Figures(f, land, year, history)
    adj = adjustments_for(f["firm_id"], attributes, sch, year)
    _score_lists(st, sch, values, fig, adj)
    st.cls[is_t] = 4
    st.source[is_t] = _EXCL
    st.source[~unscored & (list_code < 0) & ~follow_all] = _SCOPE
    if follow_all.any():
        nohold = _follow_holder(st, follow_all, pidx, land, rule, reason, f["firm_id"], len(p))
        unscored = unscored | nohold
    return st, unscored


def _firm_table(
    sch: Scheme,
    f: pd.DataFrame,
    p: pd.DataFrame,
    lands: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    values: dict[str, np.ndarray],
    st: _State,
) -> pd.DataFrame:
    pidx, land, rule, _ = lands
    known = pidx >= 0
    sp = np.maximum(pidx, 0)
    plate_codes_p, plate_names = pd.factorize(p["plate"])
    plate_code = np.where(known, plate_codes_p[sp], -1)
    names = [lst.name for lst in sch.lists]
    min_land = np.array([lst.min_land_mu or 0.0 for lst in sch.lists] + [0.0])
    lm = np.nan_to_num(land, nan=0.0)
    cols: dict[str, Any] = {
        "firm_id": f["firm_id"].astype(str),
        "name": f["name"],
        "parcel_id": f["parcel_id"].astype(str),
        "plate": _labels(plate_code, [str(x) for x in plate_names], None),
        "industry": f["industry"],
        "scale": f["scale"],
        "sector": f["sector"],
        "tenure": f["tenure"].fillna("own"),
        "high_tech": f["high_tech"].fillna(False).astype(bool),
        "land_use": _take_str(p["land_use"], np.where(known, sp, -1), ""),
        "land_mu": land,
        "land_rule": _labels(rule.astype(np.int64), LAND_RULES),
        "rented_floor_m2": _num(f["rented_floor_m2"]),
    }
    for col in (*SUM_FIELDS, "emissions_t", "electricity_mwh"):
        cols[col] = _num(f[col])
    for iid, v in values.items():
        cols[iid] = v
    for iid, b in st.bench.items():
        cols[f"benchmark_{iid}"] = b
    cols.update(
        {
            "list": _labels(st.list_code, names),
            "group": _labels(np.where(st.scored, st.list_code, -1), names),
            "unit": _labels(np.where(st.scored, st.unit_code, -1), st.unit_labels),
            "min_land_ok": lm >= min_land[st.list_code],
            "bonus": st.bonus,
            "veto": pd.Series(st.veto_text, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
            "score": st.score,
            "class": _labels(st.cls.astype(np.int64), ALL_CLASSES),
            "class_source": _labels(st.source.astype(np.int64) - 1, CLASS_SOURCES),
            "t_reason": _labels(st.t.code.astype(np.int64) - 1, st.t.labels),
            "substituted": _labels(st.subst_code, st.subst_labels),
            "rank": st.rank,
            "unit_n": st.unit_n,
        }
    )
    return pd.DataFrame(cols, copy=False)


def evaluate(
    parcels: gpd.GeoDataFrame,
    firms: pd.DataFrame,
    scheme: Scheme | str | Path = "dalian_default",
    *,
    plates: gpd.GeoDataFrame | None = None,
    structure: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    tenant_rule: str | None = None,
    compliance_edition: str = "2023",
    with_extras: bool = True,
    attributes: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate every firm and parcel under *scheme*.

    Parameters
    ----------
    parcels, firms
        Validated layers (:func:`geoplan.data.layers.load_layer`), parcels in the working CRS. Inputs
        are not modified.
    scheme
        A :class:`~geoplan.analysis.land_yield.schemes.Scheme`, a shipped name (``zhejiang_county``, ``jiangsu``,
        ``anhui_minmax``, ``dalian_default``) or a YAML path.
    plates
        When given, parcels are joined to plates spatially (centroid within plate) wherever
        ``parcels.plate`` is missing; otherwise ``parcels.plate`` is used.
    structure, clusters
        Optional polygon layers for aggregates by 十四五 structure element / cluster.
    year
        Evaluation year (T-class "founded < N years"); default ``firms.attrs["year"]`` or
        :data:`DEFAULT_YEAR`.
    tenant_rule
        ``"share"`` (tenants get rented floor / building floor × parcel land) or ``"holder"``
        (tenants take the land holder's class); default: the scheme's ``tenants`` policy.
    compliance_edition
        ``"2023"`` (建筑系数 ≥ 40 %) or ``"2008"`` (≥ 30 %) 工业项目建设用地控制指标.
    with_extras
        Compute compliance and 低效用地 (default). The bench and quick what-ifs may skip them.
    attributes
        The firm-attributes table (:func:`geoplan.analysis.land_yield.attributes.read_attributes`)
        for the scheme's 加分/扣分/一票否决 items.
    history
        Firm figures of other years (``firm_id, year`` + figures) for benchmarks of a named year.
    """
    from geoplan.analysis import compliance as gcompliance
    from geoplan.analysis import low_efficiency as glow
    from geoplan.analysis.land_yield.attributes import check_attributes

    ticks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def tick(label: str) -> None:
        ticks.append((label, time.perf_counter()))

    sch = load_scheme(scheme)
    year = int(year if year is not None else firms.attrs.get("year", DEFAULT_YEAR))
    if tenant_rule is None:
        tenant_rule = "holder" if sch.tenants == "holder" else "share"
    elif tenant_rule not in ("share", "holder"):
        msg = f"tenant_rule must be 'share' or 'holder', got {tenant_rule!r}"
        raise GeoplanError(msg)
    p, f = _inputs(parcels, firms, plates)
    if attributes is not None:
        attributes = check_attributes(attributes, firm_ids=f["firm_id"])
    tick("plates")
    lands = land_shares(f, p, tenant_rule=tenant_rule)
    pidx, land, _, reason = lands
    tick("land_shares")
    known = pidx >= 0
    sp = np.maximum(pidx, 0)
    p_far = np.where(known, _num(p["far"])[sp], np.nan)
    p_cov = np.where(known, _num(p["coverage"])[sp], np.nan)
    ind_ids = list(dict.fromkeys([*CORE_INDICATORS, *sch.indicator_ids]))
    values = compute_indicators(f, land, p_far, p_cov, ind_ids)
    st, unscored = _classify(sch, f, p, lands, values, year, attributes, history)
    tick("indicators+score+classes")
    out = _firm_table(sch, f, p, lands, values, st)
    u_idx = np.flatnonzero(unscored)
    unscored_df = out.iloc[u_idx][["firm_id", "name", "parcel_id", "tenure", "scale"]].reset_index(
        drop=True
    )
    unscored_df["reason"] = np.asarray(UNSCORED_REASONS, dtype=object)[reason[u_idx]]
    parts: dict[str, Any] = {
        "groups": st.groups,
        "row_of": pd.Index(out["firm_id"]),
        "scored_mask": st.scored,
        "unit_labels": st.unit_labels,
    }
    tick("firm_table")
    parcels_out = parcel_indicators(p, out, pidx)
    tick("parcel_indicators")
    comp = (
        gcompliance.check(parcels_out, edition=compliance_edition)
        if with_extras
        else pd.DataFrame()
    )
    low = (
        glow.find_low_efficiency(parcels_out, sch.low_efficiency, year=year, compliance_table=comp)
        if with_extras
        else gpd.GeoDataFrame(geometry=[], crs=p.crs)
    )
    tick("compliance+low_efficiency")
    aggs = aggregate(out, parcels_out, structure=structure, clusters=clusters)
    tick("aggregates")
    logger.debug(
        "evaluate stages (s): %s",
        ", ".join(f"{b[0]} {b[1] - a[1]:.3f}" for a, b in itertools.pairwise(ticks)),
    )
    logger.info(
        "evaluated %d firms (%d scored, %d T, %d unscored) with %s",
        len(f),
        st.scored.sum(),
        (st.cls == 4).sum(),
        unscored.sum(),
        sch.name,
    )
    return Evaluation(
        out, parcels_out, aggs, low, comp, unscored_df, sch.name, sch, year, tenant_rule, parts
    )
