"""Benchmark rules (基准值): a fixed value, or k × the aggregate Σnumerator ÷ Σdenominator of a
list's firms in an evaluation unit for a named year — never the mean of per-firm ratios.

For parcel attributes (容积率, 建筑系数) the aggregate is the land-weighted mean
Σ(value × land) ÷ Σland. A benchmark year other than the evaluated one takes the firm figures
from the history table (``firm_id, year`` + figures); land and lists are the evaluated year's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.common import _num
from geoplan.analysis.land_yield.schemes import IndicatorSpec
from geoplan.errors import GeoplanError

logger = logging.getLogger(__name__)


@dataclass
class Figures:
    """Where benchmark figures come from: the evaluated firms, and optionally their history."""

    firms: pd.DataFrame
    land: np.ndarray
    year: int
    history: pd.DataFrame | None = None

    def column(self, name: str, year: int, where: str) -> np.ndarray:
        """Firm figure *name* of *year* per firm row (NaN where a firm has none)."""
        if name == "land_mu":
            return self.land
        if year == self.year:
            return _num(self.firms[name])
        h = self.history
        rows = h[h["year"] == year] if h is not None and "year" in h.columns else None
        if rows is None or rows.empty:
            have = sorted(set(h["year"])) if h is not None and "year" in h.columns else []
            msg = (
                f"{where}: the benchmark year {year} has no firm figures (evaluated year "
                f"{self.year}; history years: {', '.join(map(str, have)) or 'none'}) — "
                "give the zone's firm_years table with that year, or use year: current"
            )
            raise GeoplanError(msg)
        if name not in rows.columns:
            msg = f"{where}: the history table has no column {name!r} for the benchmark of {year}"
            raise GeoplanError(msg)
        s = pd.Series(_num(rows[name]), index=rows["firm_id"].astype(str).to_numpy())
        s = s[~s.index.duplicated()]
        return s.reindex(self.firms["firm_id"].astype(str).to_numpy()).to_numpy(dtype="float64")


def benchmark_year(spec: IndicatorSpec, year: int) -> int:
    y = spec.benchmark_year
    if y == "current":
        return year
    if y == "prior":
        return year - 1
    return int(y)


def aggregate_benchmarks(
    spec: IndicatorSpec,
    members: np.ndarray,
    unit: np.ndarray,
    n_units: int,
    values_now: np.ndarray,
    fig: Figures,
    list_name: str,
    unit_labels: list[str],
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Benchmark per unit for one indicator of one list (``members``: firm rows of the list).

    Returns ``(benchmark per unit, audit rows)``; a unit without valid figures, or whose
    Σnumerator is 0, gets NaN (its firms then take the missing-data rule; the audit row says so).
    A fixed benchmark of 0 is refused when the scheme is read.
    """
    d = spec.definition
    y = benchmark_year(spec, fig.year)
    if d.denominator == "parcel":
        v = values_now if y == fig.year else np.full(len(fig.land), np.nan)
        num_all = v * fig.land
        den_all = fig.land
    else:
        num_all = fig.column(d.numerator, y, spec.where)
        den_all = fig.column(d.denominator, y, spec.where)
    num, den = num_all[members], den_all[members]
    valid = np.isfinite(num) & np.isfinite(den) & (den > 0)
    u = unit[members]
    ok = valid & (u >= 0)
    s_num = np.bincount(u[ok], weights=num[ok], minlength=n_units)
    s_den = np.bincount(u[ok], weights=den[ok], minlength=n_units)
    n_ok = np.bincount(u[ok], minlength=n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = spec.derive_k * d.factor * s_num / s_den
    b[~(s_den > 0)] = np.nan
    rows = []
    present = np.unique(u[u >= 0])
    for k in present:
        note = ""
        if np.isfinite(b[k]) and not b[k] > 0:
            # Σnumerator = 0 (e.g. a scenario's new firms with no tax yet): no benchmark can be
            # divided by; the unit's firms take the missing-data rule, and the audit says why
            label = unit_labels[k] if k < len(unit_labels) else str(k)
            logger.warning(
                "%s: the benchmark of %s / %s in unit %s is 0 (Σ%s = 0 over %d firms); "
                "the indicator is treated as missing there",
                spec.where, list_name, d.id, label, d.numerator, n_ok[k],
            )  # fmt: skip
            note = f"Σ{d.numerator} = 0: no benchmark (treated as missing)"
            b[k] = np.nan
        rows.append(
            {
                "unit": int(k),
                "benchmark": float(b[k]),
                "num_sum": float(s_num[k]),
                "den_sum": float(s_den[k]),
                "n_firms": int(n_ok[k]),
                "year": y,
                "note": note,
            }
        )
    return b, rows
