"""Land per firm: owners, tenants (land share or follow the holder) and the main land user."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.common import _FIRM_OPTIONAL, _index_of, _need, _num
from geoplan.errors import GeoplanError
from geoplan.settings import M2_PER_MU


def _prepare_firms(firms: pd.DataFrame) -> pd.DataFrame:
    _need(
        firms,
        (
            "firm_id",
            "parcel_id",
            "scale",
            "tax",
            "revenue",
            "value_added",
            "energy_tce",
            "employees",
        ),
        "firms",
    )
    f = pd.DataFrame(firms).reset_index(
        drop=True
    )  # copy-on-write: the caller's frame is never changed
    for col, default in _FIRM_OPTIONAL.items():
        if col not in f.columns:
            f[col] = default
    for col in ("name", "industry"):
        if col not in f.columns:
            f[col] = ""
    return f


#: Land rules (``Evaluation.firms.land_rule``).
LAND_RULES = ("own", "share", "holder")
#: Why a firm has no usable land (``Evaluation.unscored.reason``); index 0 = it has land.
UNSCORED_REASONS = (
    "",
    "地块不存在 / parcel_id not found in parcels",
    "地块面积为零或缺失 / parcel has no land area",
    "承租企业无租用建筑面积 / tenant has no rented floor area",
    "地块无建筑面积(容积率为0) / the building has no floor area",
    "租户已占满地块, 权利人无剩余用地 / tenants take the whole parcel",
    "地块无土地使用权人企业, 承租企业无法随宗地主 / no land holder on the parcel",
    "宗地主未评价 / the land holder was not evaluated",
)


def land_shares(
    firms: pd.DataFrame, parcels: pd.DataFrame, *, tenant_rule: str = "share"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Land (亩) each firm is evaluated on.

    Returns ``(pidx, land_mu, rule, reason)``: the parcel row of each firm (−1 if unknown), its
    land in 亩 (NaN when it has none), the rule used (codes into :data:`LAND_RULES`) and why a
    firm has no land (codes into :data:`UNSCORED_REASONS`, 0 = it has land).
    """
    if tenant_rule not in ("share", "holder"):
        msg = f"tenant_rule must be 'share' or 'holder', got {tenant_rule!r}"
        raise GeoplanError(msg)
    n = len(firms)
    pidx = _index_of(firms["parcel_id"], parcels["parcel_id"])
    known = pidx >= 0
    area_mu = _num(parcels["area_mu"])
    if "area_m2" in parcels.columns:
        area_m2 = _num(parcels["area_m2"])
        area_m2 = np.where(np.isfinite(area_m2), area_m2, area_mu * M2_PER_MU)
    else:
        area_m2 = area_mu * M2_PER_MU
    floor_m2 = _num(parcels["far"]) * area_m2
    safe_p = np.maximum(pidx, 0)
    p_area = np.where(known, area_mu[safe_p], np.nan)
    p_floor = np.where(known, floor_m2[safe_p], np.nan)
    tenant = (firms["tenure"] == "rent").fillna(False).to_numpy(dtype=bool)
    rented = _num(firms["rented_floor_m2"])

    reason = np.zeros(n, dtype=np.int8)
    reason[~known] = 1
    reason[known & ~(np.isfinite(p_area) & (p_area > 0))] = 2
    land = np.full(n, np.nan)
    rule = tenant.astype(np.int8)  # 0 own, 1 share
    np_ = len(parcels)
    if tenant_rule == "share":
        ok = reason == 0
        has_rent = np.isfinite(rented) & (rented > 0)
        has_floor = np.isfinite(p_floor) & (p_floor > 0)
        reason[ok & tenant & ~has_rent] = 3
        reason[ok & tenant & has_rent & ~has_floor] = 4
        t_ok = ok & tenant & has_rent & has_floor
        share = np.where(t_ok, rented / np.where(t_ok, p_floor, 1.0), 0.0)
        # tenants together cannot take more than the parcel: scale down where they would
        tot = np.bincount(safe_p[t_ok], weights=share[t_ok], minlength=np_)
        scale = np.where(tot > 1.0, 1.0 / np.where(tot > 0, tot, 1.0), 1.0)
        share = share * scale[safe_p]
        land[t_ok] = share[t_ok] * p_area[t_ok]
        taken = np.minimum(tot, 1.0)
        owners = ok & ~tenant
        n_own = np.bincount(safe_p[owners], minlength=np_)
        rest = (1.0 - taken[safe_p]) * p_area / np.maximum(n_own[safe_p], 1)
        land[owners] = rest[owners]
        zero = owners & ~(rest > 1e-9)
        reason[zero] = 5
        land[zero] = np.nan
    else:
        ok = reason == 0
        owners = ok & ~tenant
        n_own = np.bincount(safe_p[owners], minlength=np_)
        land[owners] = (p_area / np.maximum(n_own[safe_p], 1))[owners]
        rule[ok & tenant] = 2
        reason[ok & tenant & ~(n_own[safe_p] > 0)] = 6
    return pidx, land, rule, reason


def _main_user(
    pidx: np.ndarray, land: np.ndarray, firm_id: pd.Series, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per parcel, the eligible firm using the most land; ties broken by a hash of ``firm_id``
    (deterministic and independent of row order). Returns ``(parcel_rows, firm_rows)``."""
    key = np.nan_to_num(land, nan=-1.0)
    sel = np.flatnonzero(eligible & (pidx >= 0))
    if not len(sel):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = sel[np.argsort(pidx[sel], kind="stable")]
    po = pidx[order]
    ko = key[order]
    first_i = np.flatnonzero(np.r_[True, po[1:] != po[:-1]])
    first_p = po[first_i]
    gmax = np.maximum.reduceat(ko, first_i)
    sizes = np.diff(np.r_[first_i, len(order)])
    at_max = ko == np.repeat(gmax, sizes)
    n_max = np.add.reduceat(at_max.astype(np.int64), first_i)
    cand = np.flatnonzero(at_max)  # positions in `order`, grouped by parcel
    grp = np.repeat(np.arange(len(first_i)), sizes)[cand]
    first_c = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    main = order[cand[first_c]]
    tied = np.flatnonzero(n_max > 1)
    if len(
        tied
    ):  # co-owners with the same land: the smallest firm_id hash wins, whatever the row order
        tc = cand[np.isin(grp, tied)]
        h = pd.util.hash_array(firm_id.to_numpy(dtype=object)[order[tc]])
        g = grp[np.isin(grp, tied)]
        o = np.lexsort((h, g))
        fi = np.flatnonzero(np.r_[True, g[o][1:] != g[o][:-1]])
        main[g[o][fi]] = order[tc[o][fi]]
    return first_p, main
