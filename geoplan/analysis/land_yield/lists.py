"""评价名单: which list takes each firm (scope rules), T/不定等级 rules, the minimum land for own
scoring, and the evaluation unit of each firm."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.common import _num
from geoplan.analysis.land_yield.schemes import Scheme, Scope
from geoplan.errors import GeoplanError
from geoplan.standards import landuse


def _scope_mask(f: pd.DataFrame, land: np.ndarray, s: Scope) -> np.ndarray:
    m = np.ones(len(f), bool)
    for col, allowed in (("scale", s.scale), ("sector", s.sector), ("tenure", s.tenure)):
        if allowed is not None:
            m &= f[col].fillna("own" if col == "tenure" else "").isin(list(allowed)).to_numpy()
    ind = f["industry"].fillna("").astype(str)
    if s.industries is not None:
        m &= ind.isin(list(s.industries)).to_numpy()
    if s.exclude_industries:
        m &= ~ind.isin(list(s.exclude_industries)).to_numpy()
    lm = np.nan_to_num(land, nan=0.0)
    if s.land_mu_min is not None:
        m &= lm >= s.land_mu_min
    if s.land_mu_below is not None:
        m &= lm < s.land_mu_below
    return m


def assign_lists(
    f: pd.DataFrame, land: np.ndarray, eligible: np.ndarray, sch: Scheme
) -> np.ndarray:
    """List of each firm (index into ``sch.lists``; −1 = outside every list): the first list
    whose scope (any of its alternatives) takes the firm, among *eligible* firms."""
    code = np.full(len(f), -1, dtype=np.int64)
    for k, lst in enumerate(sch.lists):
        hit = np.zeros(len(f), bool)
        for s in lst.scopes:
            hit |= _scope_mask(f, land, s)
        code[(code < 0) & hit & eligible] = k
    return code


@dataclass
class TRules:
    """T (不适合评价/不定等级) codes per firm (0 = not T) and their texts (``labels[code - 1]``)."""

    code: np.ndarray
    labels: list[str] = field(default_factory=list)

    def add(self, mask: np.ndarray, text: str) -> None:
        self.labels.append(text)
        self.code[mask & (self.code == 0)] = len(self.labels)


def t_rules(
    f: pd.DataFrame,
    p: pd.DataFrame,
    pidx: np.ndarray,
    land: np.ndarray,
    list_code: np.ndarray,
    sch: Scheme,
    year: int,
) -> tuple[TRules, np.ndarray]:
    """T rules of the scheme for firms in a list; returns the rules and the mask of firms below
    their list's minimum land whose list says ``below_min: holder`` (they follow the holder)."""
    n = len(f)
    t = TRules(np.zeros(n, dtype=np.int16))
    inlist = list_code >= 0
    known = pidx >= 0
    sp = np.maximum(pidx, 0)
    ex = sch.exclusions
    if ex.founded_within_years is not None:
        founded = _num(f["founded"])
        t.add(
            inlist & np.isfinite(founded) & (year - founded < ex.founded_within_years),
            f"成立不满{ex.founded_within_years}年 / founded < {ex.founded_within_years} years before {year}",
        )
    if ex.sectors:
        t.add(
            inlist & f["sector"].isin(list(ex.sectors)).to_numpy(dtype=bool),
            "公用事业(水电气) / utility",
        )
    if ex.land_uses:
        lu_p = landuse.in_families(p["land_use"], ex.land_uses)
        t.add(inlist & known & lu_p[sp], "公用设施用地 / utility land")
    if ex.new_land_years is not None and "lease_start" in p.columns:
        ls = _num(p["lease_start"])
        new = np.where(known, year - ls[sp] < ex.new_land_years, False)
        t.add(
            inlist & new,
            f"新供地不满{ex.new_land_years}年 / land transferred < {ex.new_land_years} years before {year}",
        )
    follow = np.zeros(n, bool)
    lm = np.nan_to_num(land, nan=0.0)
    tenant = f["tenure"].eq("rent").fillna(False).to_numpy(dtype=bool)
    for k, lst in enumerate(sch.lists):
        if not lst.min_land_mu:
            continue
        below = (list_code == k) & (lm < lst.min_land_mu)
        if lst.below_min == "holder":
            follow |= below & tenant & (t.code == 0)
            below &= ~tenant
        t.add(
            below,
            f"{lst.name}用地不足{lst.min_land_mu:g}亩, 不以自身亩均指标定级 / below {lst.min_land_mu:g} 亩",
        )
    return t, follow


def unit_codes(
    f: pd.DataFrame, p: pd.DataFrame, pidx: np.ndarray, sch: Scheme
) -> tuple[np.ndarray, list[str]]:
    """Evaluation unit per firm (codes, labels): the whole zone, or the firm or parcel field the
    scheme names (firms first, then parcels); −1 where a firm has no value."""
    if sch.unit == "zone":
        return np.zeros(len(f), dtype=np.int64), ["zone"]
    if sch.unit in f.columns:
        values = f[sch.unit]
    elif sch.unit in p.columns:
        sp = np.maximum(pidx, 0)
        col = p[sch.unit].astype(object).to_numpy()
        values = pd.Series(np.where(pidx >= 0, col[sp], None), dtype=object)
    else:
        where = f"{sch.path.name}: " if sch.path else ""
        msg = (
            f"{where}field 'unit': {sch.unit!r} is neither a firms nor a parcels column; "
            "name an existing 街道/板块 field or use unit: zone"
        )
        raise GeoplanError(msg)
    codes, uniq = pd.factorize(values.astype(object).where(values.notna(), None))
    return codes.astype(np.int64), [str(u) for u in uniq]
