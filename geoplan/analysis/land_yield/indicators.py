"""Per-firm indicator values (亩均税收 …) from firm figures and the land each firm uses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.common import _div, _num
from geoplan.analysis.land_yield.schemes import INDICATORS

#: The indicators every evaluation reports (issue item 1); others only when a scheme uses them.
CORE_INDICATORS = (
    "tax_per_mu",
    "revenue_per_mu",
    "va_per_mu",
    "va_per_energy",
    "va_per_emission",
    "rd_ratio",
    "labour_productivity",
    "investment_per_mu",
    "far",
    "coverage",
)


def compute_indicators(
    firms: pd.DataFrame,
    land_mu: np.ndarray,
    p_far: np.ndarray,
    p_cov: np.ndarray,
    ids: list[str] | tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """Indicators per firm (NaN where the denominator is 0 or missing): *ids*, by default every
    indicator of :data:`INDICATORS`."""
    cols: dict[str, np.ndarray] = {"land_mu": land_mu, "far": p_far, "coverage": p_cov}
    out: dict[str, np.ndarray] = {}
    cache: dict[str, np.ndarray] = {}

    def col(name: str) -> np.ndarray:
        if name in cols:
            return cols[name]
        if name not in cache:
            cache[name] = _num(firms[name])
        return cache[name]

    for d in INDICATORS.values():
        if ids is not None and d.id not in ids:
            continue
        if d.denominator == "parcel":
            out[d.id] = col(d.numerator).copy()
        else:
            out[d.id] = _div(col(d.numerator), col(d.denominator), d.factor)
    return out
