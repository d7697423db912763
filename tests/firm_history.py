"""A firm history table for tests (the sample helper ships the real one): three years with churn."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIGURES = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "employees",
    "electricity_mwh",
    "emissions_t",
    "rd_spend",
    "fixed_investment",
)


def make_firm_years(firms: pd.DataFrame, years=(2021, 2022, 2023), seed: int = 0) -> pd.DataFrame:
    """The latest year is the firms layer's figures; each earlier year scales them by a per-firm
    factor (0.5–1.3) and drops ~6 % of the firms per year back (they entered later)."""
    rng = np.random.default_rng(seed)
    latest = max(years)
    frames = []
    present = np.ones(len(firms), dtype=bool)
    for y in sorted(years, reverse=True):
        part = firms.loc[present, ["firm_id", *[c for c in FIGURES if c in firms]]].copy()
        if y != latest:
            k = rng.uniform(0.5, 1.3, len(part))
            for c in FIGURES:
                if c in part:
                    v = part[c].to_numpy(float) * (k if c != "employees" else 1.0)
                    part[c] = np.round(v, 1) if c != "employees" else v
        part.insert(1, "year", y)
        frames.append(part)
        present &= rng.random(len(firms)) > 0.06
    return pd.concat(frames[::-1], ignore_index=True)
