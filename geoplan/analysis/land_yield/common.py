"""Shared constants and small vectorised helpers of the 亩均 evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError

#: Statistical year of the bundled sample's firm figures (``geoplan.sample.DATA_YEAR``); the
#: default evaluation year when neither the caller nor ``firms.attrs["year"]`` says otherwise.
DEFAULT_YEAR = 2023

#: 2011 national development-zone averages (341 zones), 万元/公顷 (domain anchors A.8).
NATIONAL_INDUSTRIAL_OUTPUT_PER_HA = 12_984.94
NATIONAL_HIGH_TECH_OUTPUT_PER_HA = 26_668.11
MU_PER_HA = 15.0

CLASS_ORDER = ("A", "B", "C", "D")
ALL_CLASSES = ("A", "B", "C", "D", "T")
SUM_FIELDS = (
    "tax",
    "revenue",
    "value_added",
    "energy_tce",
    "employees",
    "fixed_investment",
    "rd_spend",
)
_FIRM_OPTIONAL = {
    "emissions_t": np.nan,
    "electricity_mwh": np.nan,
    "rd_spend": np.nan,
    "fixed_investment": np.nan,
    "tenure": "own",
    "rented_floor_m2": np.nan,
    "founded": np.nan,
    "high_tech": False,
    "sector": "",
}


def _need(frame: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        msg = f"{what}: required column(s) missing: {', '.join(missing)} (see `geoplan layers --docs`)"
        raise GeoplanError(msg)


def _index_of(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row of each value in *keys* (−1 where absent): an Arrow hash lookup for string columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        v = pa.array(values.astype(str).array)
        k = pa.array(keys.astype(str).array)
        return pc.index_in(v, value_set=k).fill_null(-1).to_numpy().astype(np.int64)
    except (pa.ArrowException, TypeError, ValueError):
        return pd.Index(keys.astype(str)).get_indexer(values.astype(str))


def _take_str(
    series: pd.Series, rows: np.ndarray, missing: str | None = None, *, low_cardinality: bool = True
) -> pd.Series:
    """``series`` values at positional *rows* (−1 → *missing*), as a string Series, via Arrow."""
    import pyarrow as pa

    codes, uniq = pd.factorize(series.astype(str)) if low_cardinality else (None, None)
    if codes is not None and uniq is not None and len(uniq) < 4096:
        # take from the small dictionary, not the full column
        arr = pa.array([str(u) for u in uniq], type=pa.large_string())
        sub = np.where(rows >= 0, codes[np.maximum(rows, 0)], -1)
        idx = pa.array(sub, mask=sub < 0, type=pa.int64())
    else:
        arr = (
            pa.array(series.astype(str).array)
            if len(series)
            else pa.array([], type=pa.large_string())
        )
        idx = pa.array(rows, mask=rows < 0, type=pa.int64())
    out = arr.take(idx)
    if missing is not None:
        out = out.fill_null(missing)
    return pd.Series(out, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _num(s: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(s, pd.Series) and s.dtype == np.float64:
        return s.to_numpy()
    return pd.to_numeric(pd.Series(s), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _div(num: np.ndarray, den: np.ndarray, factor: float = 1.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num * factor / den
    out[~(np.isfinite(den) & (den > 0))] = np.nan
    return out


def _labels(
    codes: np.ndarray, labels: tuple[str, ...] | list[str], missing: str | None = ""
) -> pd.Series:
    """A string Series from integer codes into *labels* (−1 → *missing*), built in Arrow."""
    import pyarrow as pa

    cats = [*labels, missing]
    c = np.where(codes < 0, len(labels), codes).astype(np.int64)
    return pd.Series(
        pa.array(cats, type=pa.large_string()).take(pa.array(c)),
        dtype=pd.StringDtype("pyarrow", na_value=np.nan),
    )


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def _r(v: Any, nd: int = 2) -> float | None:
    x = _f(v)
    return None if x is None else round(x, nd)
