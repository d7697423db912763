"""Firms in a scenario: per-industry yield profiles from the base evaluation and synthetic firms
on new or redeveloped land.

Yields of new or replaced firms come from **profiles**: per industry, the median (or another
quantile) of the base evaluation's per-floor-area figures of scored firms — by default of the
A-class firms (``median_A``). Floor area is the firm's land share × FAR, so 工业上楼 raises output
with floor area at the same intensity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoplan.analysis import infrastructure as infra
from geoplan.scenario.models import ProfileSpec
from geoplan.scenario.operation import Operation
from geoplan.scenario.state import State
from geoplan.settings import M2_PER_MU

#: Land uses whose parcels host firms (用地用海 prefixes): industry, storage, research, commerce.
ECONOMIC_PREFIXES = ("10", "11", "0802", "09")
#: Default building coverage (建筑系数) of new land by use prefix.
DEFAULT_COVERAGE = {
    "10": 0.45,
    "11": 0.45,
    "0802": 0.35,
    "09": 0.35,
    "07": 0.25,
    "08": 0.3,
    "14": 0.0,
}
#: Statistical maturity given to new firms so the evaluation does not class them T (new firm).
MATURE_YEARS = 10
#: Typical land per firm on new land (亩), by use prefix: 标准地-sized industrial plots, research
#: campuses shared by several institutes, commercial buildings with several tenants. Assumption.
TYPICAL_FIRM_MU = {"10": 50.0, "11": 50.0, "0802": 20.0, "09": 10.0}


@dataclass(frozen=True)
class Profile:
    """Per-floor-area yields of an industry (万元/m², 人/m², tce/m²) and its reference 亩均 figures."""

    industry: str
    level: str
    per_m2: dict[
        str, float
    ]  # tax, revenue, value_added, employees, energy_tce, rd_spend, electricity_mwh, fixed_investment
    ref_far: float
    n_firms: int
    land_mu_median: float

    def per_mu(self, far: float | None = None) -> dict[str, float]:
        f = (far or self.ref_far) * M2_PER_MU
        return {
            "tax_per_mu": self.per_m2["tax"] * f,
            "revenue_per_mu": self.per_m2["revenue"] * f,
            "va_per_mu": self.per_m2["value_added"] * f,
            "employees_per_mu": self.per_m2["employees"] * f,
            "energy_tce_per_mu": self.per_m2["energy_tce"] * f,
        }


_FIGURES = (
    "tax",
    "revenue",
    "value_added",
    "employees",
    "energy_tce",
    "rd_spend",
    "electricity_mwh",
    "fixed_investment",
    "emissions_t",
)
_QUANTILE = {"median": 0.5, "median_A": 0.5, "median_B": 0.5, "p75": 0.75, "p90": 0.9}


def profile_for(spec: ProfileSpec, state: State, op: Operation, key: str = "profile") -> Profile:
    """A :class:`Profile` from the base evaluation (industry, level) or from explicit figures."""
    if spec.explicit:
        return _explicit_profile(spec)
    industry = spec.industry or "数字技术"
    k = (industry, spec.level)
    if k in state.profiles:
        return state.profiles[k]
    ev = state.base_eval.firms
    sel = (
        (ev["industry"] == industry) & ev["class"].isin(["A", "B", "C", "D"]) & (ev["land_mu"] > 0)
    )
    by_class = spec.level in ("median_A", "median_B")
    if by_class:
        sel &= ev["class"] == spec.level[-1]
    f = ev[sel]
    if len(f) < 3:
        op.fail(
            f"{key}.industry",
            f"too few evaluated {industry} firms"
            + (f" of class {spec.level[-1]}" if by_class else "")
            + f" in the base ({len(f)}) to build a profile; give explicit figures instead",
        )
    far = pd.to_numeric(f["far"], errors="coerce").fillna(0).to_numpy()
    floor = f["land_mu"].to_numpy() * M2_PER_MU * np.where(far > 0, far, 1.0)
    q = _QUANTILE[spec.level]
    per = {
        c: float(
            np.nanquantile(pd.to_numeric(f[c], errors="coerce").fillna(0).to_numpy() / floor, q)
        )
        for c in _FIGURES
        if c in f
    }
    prof = Profile(
        industry,
        spec.level,
        per,
        float(np.median(np.where(far > 0, far, 1.0))),
        len(f),
        float(np.median(f["land_mu"])),
    )
    state.profiles[k] = prof
    return prof


def _explicit_profile(spec: ProfileSpec) -> Profile:
    e = spec.explicit or {}
    far = spec.far or 1.5
    f = far * M2_PER_MU
    per = {
        "tax": e["tax_per_mu"] / f,
        "revenue": e["revenue_per_mu"] / f,
        "value_added": e["va_per_mu"] / f,
        "employees": e["employees_per_mu"] / f,
        "energy_tce": e["energy_tce_per_mu"] / f,
    }
    per |= {
        "rd_spend": 0.03 * per["revenue"],
        "electricity_mwh": per["energy_tce"] / 0.1229,
        "fixed_investment": 2.0 * per["revenue"],
        "emissions_t": 0.0,
    }
    return Profile(spec.industry or "数字技术", "explicit", per, far, 0, 50.0)


def synthetic_firms(
    prof: Profile,
    parcel_ids: np.ndarray,
    floor_m2: np.ndarray,
    land_mu: np.ndarray,
    *,
    state: State,
    label: str,
    tenant: bool = False,
    codes=None,
) -> pd.DataFrame:
    """New firms on parcels at the profile's per-floor-area yields: one firm per typical land
    holding of the parcel's use (:data:`TYPICAL_FIRM_MU`), or one tenant each (*tenant*)."""
    if tenant:
        n_each = np.ones(len(parcel_ids), dtype=int)
    else:
        typical = np.array(
            [typical_mu(str(c)) for c in (codes if codes is not None else ["10"] * len(parcel_ids))]
        )
        n_each = np.maximum(1, np.round(land_mu / typical)).astype(int)
    rows = np.repeat(np.arange(len(parcel_ids)), n_each)
    share = 1.0 / n_each[rows]
    fl = floor_m2[rows] * share
    # ids are checked against the base firms once; later ids continue the state's own sequence
    if state.base_firm_ids is None:
        state.base_firm_ids = set(state.firms["firm_id"].astype(str))
    existing = state.base_firm_ids
    ids = state.next_ids("SCF", existing, len(rows))
    out = pd.DataFrame(
        {
            "firm_id": ids,
            "parcel_id": parcel_ids[rows],
            "name": [f"{label}·{prof.industry}新引进{i + 1:02d}" for i in range(len(rows))],
            "industry": prof.industry,
        }
    )
    for c in _FIGURES:
        if c in prof.per_m2:
            out[c] = fl * prof.per_m2[c]
    out["employees"] = np.round(out["employees"]).astype("int64")
    out["scale"] = np.where(out["revenue"] >= 2000, "规上", "规下")
    multi = (n_each[rows] > 1) | tenant
    out["tenure"] = np.where(multi, "rent", "own")
    out["rented_floor_m2"] = np.where(multi, fl, np.nan)
    out["founded"] = state.year - MATURE_YEARS
    out["high_tech"] = False
    # the sector follows the land: manufacturers on industrial/storage land, services elsewhere
    if codes is not None:
        land = pd.Series(np.asarray(codes, dtype=object)[rows]).astype(str)
        out["sector"] = np.where(land.str.startswith(("10", "11")), "industry", "service")
    else:
        out["sector"] = (
            "industry"
            if prof.industry in ("智能制造", "新材料", "洁净能源", "生命健康")
            else "service"
        )
    return out


def typical_mu(code: str) -> float:
    for pre in sorted(TYPICAL_FIRM_MU, key=len, reverse=True):
        if code.startswith(pre):
            return TYPICAL_FIRM_MU[pre]
    return 20.0


def add_firms(state: State, new: pd.DataFrame) -> None:
    if len(new):
        state.layers["firms"] = pd.concat([state.firms, new], ignore_index=True)


def drop_firms(state: State, mask: np.ndarray) -> int:
    n = int(mask.sum())
    if n:
        state.layers["firms"] = state.firms[~mask].reset_index(drop=True)
    return n


def floor_of(parcels: pd.DataFrame) -> np.ndarray:
    far = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()
    return pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy() * far


def is_economic(codes) -> np.ndarray:
    s = pd.Series(codes, dtype=object).astype(str)
    return np.logical_or.reduce([s.str.startswith(p).to_numpy() for p in ECONOMIC_PREFIXES])


def default_coverage(code: str) -> float:
    for pre in sorted(DEFAULT_COVERAGE, key=len, reverse=True):
        if code.startswith(pre):
            return DEFAULT_COVERAGE[pre]
    return 0.3


def planned_far(code: str) -> float:
    std = infra.load_standards()
    row = infra.lookup_codes(pd.Series([code]), std.coefficients)[0]
    return float(std.coefficients["planned_far"].iloc[row]) if row >= 0 else 1.0
