"""低效用地 (inefficient land): the plan's four criteria as configurable data tests.

The 十四五 plan (S1:L407) asks to 盘活 "长期闲置、功能不清、效益不高、产权分散" plants and buildings
through 协议约定, 依法收回, 产业置换, 整治改造, 出售转让 or 拆除重建. Here each criterion becomes one or
more tests on evaluated parcels (:func:`geoplan.analysis.land_yield.parcel_indicators`):

======================  ====================================================================
长期闲置 idle            ``status == "idle"`` for at least ``idle_years`` (default 2, the
                         闲置土地处置办法 two-year line [M])
效益不高 low yield       class C/D with 容积率 below the industry minimum (industrial land);
                         class D with 亩均税收 below ``tax_share_of_median`` × the plate median;
                         建筑系数 below ``coverage_min`` (industrial land); 标准地 investment
                         intensity below ``investment_commit_share`` × the commitment
功能不清 unclear use     a built business parcel on which no firm reports (``vacant_built``);
                         use differing from the plan (``use_mismatch``): industrial land whose
                         main user is a service firm, research land (0802) with no R&D spend
产权分散 fragmented      at least ``min_tenants`` tenants, each renting on average at most
                         ``small_tenant_share`` of the building's floor area
======================  ====================================================================

Each flagged parcel lists its reasons, its area, one suggested route and the gain in 税收 / 增加值 if
its 亩均 figures rose to the plate median. Routes, first match wins: long idle → 依法收回; 标准地
investment short of the commitment → 协议约定; class D with FAR under half the industry minimum →
拆除重建; class D low yield or use not matching the plan → 产业置换; fragmented → 协议约定 (consolidate
by agreement); C/D under the FAR minimum or low coverage → 整治改造; built but vacant → 出售转让.
Rule parameters are overridable per scheme (``low_efficiency:`` in the scheme YAML).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.standards import landuse

logger = logging.getLogger(__name__)

#: Configurable rule parameters and their defaults.
DEFAULT_RULES: dict[str, Any] = {
    "idle_years": 2,
    "far_below_min": True,
    "tax_share_of_median": 0.5,
    "coverage_min": 0.40,
    "investment_commit_share": 1.0,
    "vacant_built": True,
    "use_mismatch": True,
    "min_tenants": 20,
    "small_tenant_share": 0.05,
    "demolish_far_share": 0.5,
}

#: Land uses the tests apply to: industry, research, commerce, business (kept for callers;
#: the predicate is :func:`geoplan.standards.landuse.is_business`).
BUSINESS_PREFIXES = landuse.BUSINESS_LANDS

CRITERIA = {
    "idle": "长期闲置",
    "unclear": "功能不清",
    "low_yield": "效益不高",
    "fragmented": "产权分散",
}
ROUTES = ("协议约定", "依法收回", "产业置换", "整治改造", "出售转让", "拆除重建")


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def area_m2_of(parcels: pd.DataFrame) -> np.ndarray:
    """Parcel land in m² (``area_m2``, else ``area_mu`` × 666.67)."""
    from geoplan.settings import M2_PER_MU

    m2 = _num(parcels, "area_m2")
    return np.where(np.isfinite(m2), m2, _num(parcels, "area_mu") * M2_PER_MU)


def plate_medians(
    parcels: pd.DataFrame, col: str, given: dict[str, float] | None = None
) -> np.ndarray:
    """Per parcel: the median of *col* over occupied business parcels of the same plate.

    *given* (plate → median) replaces the computation: a distributed run computes the medians
    over all partitions first (:mod:`geoplan.province.engine`) and passes them in."""
    if given is not None:
        plate = parcels["plate"].fillna("(无板块)").astype(str)
        return plate.map(given).to_numpy(dtype="float64")
    lu = parcels["land_use"].astype(str)
    business = landuse.is_business(lu)
    occupied = (
        parcels["n_firms"].to_numpy() > 0
        if "n_firms" in parcels.columns
        else np.ones(len(parcels), bool)
    )
    v = pd.Series(_num(parcels, col))
    plate = parcels["plate"].fillna("(无板块)").astype(str)
    med = v[business & occupied].groupby(plate[business & occupied]).median()
    return plate.map(med).to_numpy(dtype="float64")


def find_low_efficiency(
    parcels: gpd.GeoDataFrame,
    rules: dict[str, Any] | None = None,
    *,
    year: int = 2023,
    compliance_table: pd.DataFrame | None = None,
    medians: dict[str, dict[str, float]] | None = None,
) -> gpd.GeoDataFrame:
    """Flag 低效用地 among evaluated parcels; see the module doc for the tests.

    Returns a GeoDataFrame (same CRS) with ``parcel_id, plate, land_use, status, area_mu, class,
    far, coverage, tax_per_mu, va_per_mu, criteria`` (comma-separated keys of :data:`CRITERIA`),
    ``criteria_zh``, ``reasons``, ``route``, ``plate_median_tax_per_mu``, ``gain_tax`` and
    ``gain_va`` (万元/年 if raised to the plate median). *medians* (``{"tax_per_mu": {plate:
    median}, "va_per_mu": {…}}``) gives the plate medians computed elsewhere (all partitions of a
    distributed run); by default they are computed from *parcels*.
    """
    from geoplan.analysis.compliance import min_far_for

    r = {**DEFAULT_RULES, **(rules or {})}
    p = parcels
    n = len(p)
    lu = p["land_use"].astype(str)
    business = landuse.is_business(lu)
    industrial = landuse.is_industrial(lu)
    status = p["status"].astype(str).to_numpy() if "status" in p.columns else np.full(n, "built")
    built = status == "built"
    cls = p["class"].fillna("").astype(str).to_numpy() if "class" in p.columns else np.full(n, "")
    far = _num(p, "far")
    cov = _num(p, "coverage")
    n_firms = p["n_firms"].to_numpy() if "n_firms" in p.columns else np.zeros(n, int)
    n_ten = p["n_tenants"].to_numpy() if "n_tenants" in p.columns else np.zeros(n, int)
    tax_pm = _num(p, "tax_per_mu")
    given = medians or {}
    med_tax = plate_medians(p, "tax_per_mu", given.get("tax_per_mu"))
    med_va = plate_medians(p, "va_per_mu", given.get("va_per_mu"))
    min_far = min_far_for(
        p["industry"].to_numpy(dtype=object) if "industry" in p.columns else np.full(n, None)
    )

    idle_since = _num(p, "idle_since")
    idle = (
        business
        & (status == "idle")
        & (year - np.where(np.isfinite(idle_since), idle_since, year) >= r["idle_years"])
    )
    cd = np.isin(cls, ["C", "D"])
    low_far = industrial & built & cd & (far < min_far) if r["far_below_min"] else np.zeros(n, bool)
    very_low_far = industrial & built & (far < r["demolish_far_share"] * min_far)
    low_tax = (
        business
        & built
        & (cls == "D")
        & (np.nan_to_num(tax_pm) < r["tax_share_of_median"] * med_tax)
    )
    low_cov = industrial & built & (cov < r["coverage_min"])
    commit = _num(p, "commit_investment_per_mu")
    inv_pm = _num(p, "investment_per_mu")
    std_land = (
        p["standard_land"].fillna(False).astype(bool).to_numpy()
        if "standard_land" in p.columns
        else np.zeros(n, bool)
    )
    short_inv = (
        std_land
        & built
        & np.isfinite(commit)
        & (np.nan_to_num(inv_pm) < r["investment_commit_share"] * commit)
    )
    vacant = business & built & (n_firms == 0) if r["vacant_built"] else np.zeros(n, bool)
    floor = far * area_m2_of(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_share = np.where(
            n_ten > 0, _num(p, "tenant_floor_m2") / np.maximum(n_ten, 1) / floor, np.nan
        )
    fragmented = business & (n_ten >= r["min_tenants"]) & (mean_share <= r["small_tenant_share"])
    main_sector = (
        p["main_sector"].fillna("").astype(str).to_numpy()
        if "main_sector" in p.columns
        else np.full(n, "")
    )
    rd = _num(p, "rd_spend")
    research = lu.str.startswith("0802").to_numpy()
    mismatch = (
        built
        & (n_firms > 0)
        & ((industrial & (main_sector == "service")) | (research & (np.nan_to_num(rd) <= 0)))
        if r["use_mismatch"]
        else np.zeros(n, bool)
    )

    def txt(mask: np.ndarray, fmt: str, *vals: np.ndarray) -> np.ndarray:
        out = np.full(n, "", dtype=object)
        idx = np.flatnonzero(mask)
        if len(idx):
            cols = [np.asarray(v)[idx] for v in vals]
            out[idx] = (
                [fmt.format(*row) + "；" for row in zip(*cols, strict=True)] if cols else fmt + "；"
            )
        return out

    idle_years = year - idle_since
    reasons = (
        txt(idle, "长期闲置: {:.0f}年未开发或停产(自{:.0f}年)", idle_years, idle_since)
        + txt(vacant, "功能不清: 已建成但无企业入驻申报")
        + txt(mismatch & industrial, "功能不清: 工业用地由服务业企业({})使用", main_sector)
        + txt(mismatch & research, "功能不清: 科研用地无研发投入")
        + txt(low_far, "效益不高: {}类且容积率{:.2f}低于行业最低{:.1f}", cls, far, min_far)
        + txt(
            low_tax,
            "效益不高: D类, 亩均税收{:.1f}低于板块中位数{:.1f}的{:.0%}",
            np.nan_to_num(tax_pm),
            med_tax,
            np.full(n, r["tax_share_of_median"]),
        )
        + txt(
            low_cov, "效益不高: 建筑系数{:.0%}低于控制值{:.0%}", cov, np.full(n, r["coverage_min"])
        )
        + txt(
            short_inv,
            "效益不高: 投资强度{:.0f}低于标准地承诺{:.0f}万元/亩",
            np.nan_to_num(inv_pm),
            commit,
        )
        + txt(fragmented, "产权分散: {:.0f}家承租企业, 户均仅占建筑面积{:.1%}", n_ten, mean_share)
    )
    flagged = reasons != ""
    crit_idle, crit_unclear = idle, vacant | mismatch
    crit_low = low_far | low_tax | low_cov | short_inv
    crit_frag = fragmented
    criteria = (
        np.where(crit_idle, "idle,", "")
        + np.where(crit_unclear, "unclear,", "").astype(object)
        + np.where(crit_low, "low_yield,", "").astype(object)
        + np.where(crit_frag, "fragmented,", "").astype(object)
    )
    route = np.select(
        [
            idle,
            short_inv,
            (cls == "D") & very_low_far,
            low_tax | (low_far & (cls == "D")) | mismatch,
            fragmented,
            low_far | low_cov,
            vacant,
        ],
        ["依法收回", "协议约定", "拆除重建", "产业置换", "协议约定", "整治改造", "出售转让"],
        "整治改造",
    )
    area = _num(p, "area_mu")
    gain_tax = np.maximum(np.nan_to_num(med_tax) - np.nan_to_num(tax_pm), 0.0) * area
    gain_va = np.maximum(np.nan_to_num(med_va) - np.nan_to_num(_num(p, "va_per_mu")), 0.0) * area
    idx = np.flatnonzero(flagged)
    cols = {
        "parcel_id": p["parcel_id"].to_numpy()[idx],
        "plate": p["plate"].to_numpy()[idx] if "plate" in p.columns else None,
        "land_use": lu.to_numpy()[idx],
        "status": status[idx],
        "area_mu": area[idx],
        "class": cls[idx],
        "far": far[idx],
        "coverage": cov[idx],
        "tax_per_mu": tax_pm[idx],
        "va_per_mu": _num(p, "va_per_mu")[idx],
        "criteria": pd.Series(criteria[idx], dtype=object).str.rstrip(",").to_numpy(),
        "reasons": pd.Series(reasons[idx], dtype=object).str.rstrip("；").to_numpy(),
        "route": route[idx].astype(object),
        "plate_median_tax_per_mu": med_tax[idx],
        "gain_tax": gain_tax[idx],
        "gain_va": gain_va[idx],
    }
    out = pd.DataFrame(cols)
    out["criteria_zh"] = out["criteria"].map(
        lambda s: "、".join(CRITERIA[c] for c in s.split(",") if c)
    )
    geom = (
        p.geometry.to_numpy()[idx]
        if isinstance(p, gpd.GeoDataFrame) and p._geometry_column_name in p.columns
        else None
    )
    gdf = gpd.GeoDataFrame(out, geometry=geom, crs=getattr(p, "crs", None))
    logger.info(
        "低效用地: %d parcels, %.1f 亩", len(gdf), float(gdf["area_mu"].sum()) if len(gdf) else 0.0
    )
    return gdf
