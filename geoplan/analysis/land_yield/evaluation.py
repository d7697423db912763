"""Orchestration: :func:`evaluate` runs land shares → indicators → scores → classes → parcels,
aggregates, compliance and 低效用地, and returns an :class:`Evaluation`."""

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
from geoplan.analysis.land_yield.plates import plate_codes
from geoplan.analysis.land_yield.schemes import Scheme, load_scheme
from geoplan.analysis.land_yield.scoring import _score_group
from geoplan.analysis.land_yield.summary import summary
from geoplan.analysis.land_yield.tenants import (
    LAND_RULES,
    UNSCORED_REASONS,
    _main_user,
    _prepare_firms,
    land_shares,
)

logger = logging.getLogger(__name__)


@dataclass
class Evaluation:
    """The result of :func:`evaluate`.

    Attributes
    ----------
    firms
        One row per firm: ``land_mu`` (land used), ``land_rule`` (own/share/holder), every indicator
        of :data:`geoplan.analysis.land_yield.schemes.INDICATORS`, ``group`` (规上/规下), ``unit`` (evaluation unit),
        ``score``, ``class`` (A/B/C/D/T; empty for unscored), ``class_source`` (score/holder/
        exclusion), ``t_reason``, ``substituted`` (indicators given the average score), ``rank``
        and ``unit_n``.
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
            "group",
            "unit",
            "land_mu",
            "land_rule",
            *ind,
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


def evaluate(
    parcels: gpd.GeoDataFrame,
    firms: pd.DataFrame,
    scheme: Scheme | str | Path = "dalian_default",
    *,
    plates: gpd.GeoDataFrame | None = None,
    structure: gpd.GeoDataFrame | None = None,
    clusters: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    tenant_rule: str = "share",
    compliance_edition: str = "2023",
    with_extras: bool = True,
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
        (tenants take the land holder's class).
    compliance_edition
        ``"2023"`` (建筑系数 ≥ 40 %) or ``"2008"`` (≥ 30 %) 工业项目建设用地控制指标.
    with_extras
        Compute compliance and 低效用地 (default). The bench and quick what-ifs may skip them.
    """
    from geoplan.analysis import compliance as gcompliance
    from geoplan.analysis import low_efficiency as glow

    ticks: list[tuple[str, float]] = [("start", time.perf_counter())]

    def tick(label: str) -> None:
        ticks.append((label, time.perf_counter()))

    sch = load_scheme(scheme)
    year = int(year if year is not None else firms.attrs.get("year", DEFAULT_YEAR))
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

    tick("plates")
    pidx, land, rule, reason = land_shares(f, p, tenant_rule=tenant_rule)
    tick("land_shares")
    known = pidx >= 0
    sp = np.maximum(pidx, 0)
    n = len(f)

    p_far = np.where(known, _num(p["far"])[sp], np.nan)
    p_cov = np.where(known, _num(p["coverage"])[sp], np.nan)
    plate_codes_p, plate_names = pd.factorize(p["plate"])
    plate_code = np.where(known, plate_codes_p[sp], -1)
    ind_ids = list(dict.fromkeys([*CORE_INDICATORS, *sch.indicator_ids]))
    values = compute_indicators(f, land, p_far, p_cov, ind_ids)

    scale_codes, scale_names = pd.factorize(f["scale"].astype(str))
    scale_names = [str(x) for x in scale_names]
    unscored = reason != 0
    # --- T class: outside the scheme or excluded by its rules (codes into t_labels) ----------
    ex = sch.exclusions
    t_labels: list[str] = [""]
    t_code = np.zeros(n, dtype=np.int16)

    def t_add(mask: np.ndarray, text: str) -> None:
        t_labels.append(text)
        t_code[mask & (t_code == 0)] = len(t_labels) - 1

    founded = _num(f["founded"])
    if ex.founded_within_years is not None:
        t_add(
            np.isfinite(founded) & (year - founded < ex.founded_within_years),
            f"成立不满{ex.founded_within_years}年 / founded < {ex.founded_within_years} years before {year}",
        )
    if ex.sectors:
        t_add(f["sector"].isin(list(ex.sectors)).to_numpy(dtype=bool), "公用事业(水电气) / utility")
    if ex.land_uses:
        lu_p = p["land_use"].astype(str).isin(list(ex.land_uses)).to_numpy(dtype=bool)
        t_add(known & lu_p[sp], "公用设施用地 / utility land")
    group_code = {g: scale_names.index(g) if g in scale_names else -2 for g in sch.groups}
    in_scheme = np.isin(scale_codes, [c for c in group_code.values() if c >= 0])
    t_add(~in_scheme, "方案不评价该规模组 / the scheme has no indicators for this scale")
    for gname, g in sch.groups.items():
        if g.min_land_mu:
            t_add(
                (scale_codes == group_code[gname])
                & (np.nan_to_num(land, nan=0.0) < g.min_land_mu)
                & ~unscored,
                f"{gname}用地不足{g.min_land_mu:g}亩 / below {g.min_land_mu:g} 亩",
            )
    holder_mode_tenant = (rule == 2) & ~unscored  # tenants in holder mode follow the holder (below)
    t_code[holder_mode_tenant | unscored] = 0
    is_t = t_code > 0
    scored = ~unscored & ~is_t & ~holder_mode_tenant

    if sch.classes.unit == "plate":
        unit_code = plate_code
        unit_labels = [str(x) for x in plate_names]
    else:
        unit_code = np.zeros(n, dtype=np.int64)
        unit_labels = ["zone"]

    score = np.full(n, np.nan)
    cls = np.full(n, -1, dtype=np.int8)  # 0–3 = A–D, 4 = T, −1 = none
    rank = np.full(n, np.nan)
    unit_n = np.full(n, np.nan)
    source = np.zeros(n, dtype=np.int8)  # 0 "", 1 score, 2 exclusion, 3 holder
    subst_code = np.full(n, -1, dtype=np.int64)
    subst_labels: list[str] = []
    parts: dict[str, Any] = {"groups": {}}
    for gname in sch.groups:
        members = scored & (scale_codes == group_code[gname])
        if not members.any():
            continue
        res = _score_group(values, members, sch, gname)
        score[res["idx"]] = res["score"]
        if res["subst"].any():
            bits = (res["subst"].astype(np.int64) << np.arange(res["subst"].shape[1])).sum(axis=1)
            u, inv = np.unique(bits, return_inverse=True)
            ids = res["indicators"]
            labels = [",".join(ids[j] for j in range(len(ids)) if (b >> j) & 1) for b in u]
            offs = len(subst_labels)
            subst_labels.extend(labels)
            subst_code[res["idx"]] = np.where(bits > 0, inv + offs, -1)
        parts["groups"][gname] = res
    tick("indicators+score")
    s_idx = np.flatnonzero(scored)
    c, r, sz = assign_classes(score[s_idx], unit_code[s_idx], scale_codes[s_idx], sch)
    cls[s_idx], rank[s_idx], unit_n[s_idx] = c, r, sz
    source[s_idx] = 1
    cls[is_t] = 4
    source[is_t] = 2
    if holder_mode_tenant.any():
        # tenant takes the class of the parcel's main land holder (largest land, then firm_id hash)
        first_p, main = _main_user(pidx, land, f["firm_id"].astype(str), ~unscored & (rule == 0))
        holder_cls = np.full(len(p), -1, dtype=np.int8)
        holder_cls[first_p] = cls[main]
        holder_t = np.zeros(len(p), dtype=np.int16)
        holder_t[first_p] = t_code[main]
        hm = holder_mode_tenant
        cls[hm] = holder_cls[sp[hm]]
        t_code[hm] = holder_t[sp[hm]]
        source[hm] = 3
        nohold = hm & (cls < 0)
        reason[nohold & (reason == 0)] = 7
        unscored = unscored | nohold
        source[nohold] = 0

    tick("classes")
    plate_lab = _labels(plate_code, [str(x) for x in plate_names], None)
    cols: dict[str, Any] = {
        "firm_id": f["firm_id"].astype(str),
        "name": f["name"],
        "parcel_id": f["parcel_id"].astype(str),
        "plate": plate_lab,
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
    for iid in ind_ids:
        cols[iid] = values[iid]
    cols.update(
        {
            "group": _labels(np.where(scored, scale_codes, -1), scale_names),
            "unit": _labels(np.where(scored, unit_code, -1), unit_labels),
            "score": score,
            "class": _labels(cls.astype(np.int64), ALL_CLASSES),
            "class_source": _labels(source.astype(np.int64) - 1, ("score", "exclusion", "holder")),
            "t_reason": _labels(t_code.astype(np.int64) - 1, t_labels[1:]),
            "substituted": _labels(subst_code, subst_labels),
            "rank": rank,
            "unit_n": unit_n,
        }
    )
    out = pd.DataFrame(cols, copy=False)
    u_idx = np.flatnonzero(unscored)
    unscored_df = out.iloc[u_idx][["firm_id", "name", "parcel_id", "tenure", "scale"]].reset_index(
        drop=True
    )
    unscored_df["reason"] = np.asarray(UNSCORED_REASONS, dtype=object)[reason[u_idx]]
    parts["row_of"] = pd.Index(out["firm_id"])
    parts["scored_mask"] = scored
    is_t = cls == 4

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
        n,
        scored.sum(),
        is_t.sum(),
        unscored.sum(),
        sch.name,
    )
    return Evaluation(
        out, parcels_out, aggs, low, comp, unscored_df, sch.name, sch, year, tenant_rule, parts
    )
