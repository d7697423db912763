"""Firm history table (``tables/firm_years.parquet`` or ``.csv`` in a zone folder).

One row per firm and year: ``firm_id``, ``year`` and the firm layer's figures (``tax``,
``revenue``, ``value_added``, ``energy_tce``, ``employees``, ``electricity_mwh``, ``emissions_t``,
``rd_spend``, ``fixed_investment`` — whichever exist; ``energy`` and ``investment`` are accepted
for ``energy_tce`` and ``fixed_investment``). Land and tenancy come from the firms layer (the
latest year). The table is validated against the firm catalog's field bounds and the firms layer:

- ``firm_id`` and ``year`` present, ``year`` a whole number in 1990–2100, no firm twice in a year;
- every ``firm_id`` is a firm of the firms layer;
- the figures are numbers within the catalog's bounds;
- a parcel's ``eval_year`` (when the parcels carry one) is a year of the table.

Every problem is reported at once (:class:`geoplan.errors.ValidationError`, file, row, field).
Rows are numbered as the file's lines (header = line 1) for a CSV and from 1 for a Parquet table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geoplan.data.catalog import layer_type
from geoplan.errors import LoadError, Problem, ValidationError

TABLE = "firm_years"
#: Figures a history row may carry (the firms layer's numeric fields that change by year).
FIELDS = (
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
ALIASES = {"energy": "energy_tce", "investment": "fixed_investment"}
YEAR_RANGE = (1990, 2100)


def find_table(folder: Path | None, declared: Path | None = None) -> Path | None:
    """The zone's firm history table: declared in ``zone.yaml`` (``tables.firm_years``), else
    ``tables/firm_years.parquet`` or ``tables/firm_years.csv``."""
    if declared is not None:
        return declared
    if folder is None:
        return None
    for suffix in (".parquet", ".csv"):
        p = folder / "tables" / f"{TABLE}{suffix}"
        if p.exists():
            return p
    return None


def zone_table(zone) -> Path | None:
    """:func:`find_table` for a loaded zone (:class:`geoplan.zone.ZoneData`)."""
    prof = getattr(zone, "profile", None)
    declared = prof.tables.get(TABLE) if prof is not None else None
    return find_table(getattr(zone, "folder", None), declared)


def _read(path: Path) -> tuple[pd.DataFrame, int]:
    """The raw table and the offset from index to the reported row number."""
    if not path.exists():
        msg = f"{path}: firm history table not found"
        raise LoadError(msg)
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path), 1
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, dtype={"firm_id": str}, encoding="utf-8-sig"), 2
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the firm history table ({exc})"
        raise LoadError(msg) from exc
    msg = f"{path}: the firm history table must be .parquet or .csv"
    raise LoadError(msg)


def read_firm_years(
    path: str | Path,
    firms: pd.DataFrame | None = None,
    parcels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Read and validate the firm history table; returns ``firm_id, year, <figures>``."""
    p = Path(path)
    raw, off = _read(p)
    src = p.name
    raw = raw.rename(columns={a: c for a, c in ALIASES.items() if a in raw and c not in raw})
    problems: list[Problem] = []
    for col in ("firm_id", "year"):
        if col not in raw.columns:
            problems.append(
                Problem(f"required column '{col}' missing", src, None, col, "add the column")
            )
    if problems:
        raise ValidationError(problems, src)
    df = pd.DataFrame(
        {"firm_id": raw["firm_id"].astype(str).str.strip(), "year": raw["year"]}, index=raw.index
    )
    years = pd.to_numeric(raw["year"], errors="coerce")
    bad = (
        years.isna()
        | (years != np.floor(years))
        | (years < YEAR_RANGE[0])
        | (years > YEAR_RANGE[1])
    )
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                f"year {raw['year'].iloc[i]!r} is not a year in {YEAR_RANGE[0]}–{YEAR_RANGE[1]}",
                src,
                int(i) + off,
                "year",
                "give the statistical year as a whole number, e.g. 2023",
            )
        )
    df["year"] = years.fillna(-1).astype(int)
    blank = df["firm_id"].isin(["", "nan", "None"]) | raw["firm_id"].isna()
    for i in np.flatnonzero(blank.to_numpy()):
        problems.append(Problem("firm_id is empty", src, int(i) + off, "firm_id"))
    dup = df.duplicated(["firm_id", "year"], keep="first") & ~blank & ~bad
    for i in np.flatnonzero(dup.to_numpy()):
        problems.append(
            Problem(
                f"firm {df['firm_id'].iloc[i]} appears twice for {df['year'].iloc[i]}",
                src,
                int(i) + off,
                "firm_id",
                "keep one row per firm and year",
            )
        )
    spec = layer_type("firms")
    for col in FIELDS:
        if col not in raw.columns:
            continue
        fld = spec.field(col)
        v = pd.to_numeric(raw[col], errors="coerce")
        notnum = v.isna() & raw[col].notna() & (raw[col].astype(str).str.strip() != "")
        lo = fld.min if fld is not None and fld.min is not None else -np.inf
        hi = fld.max if fld is not None and fld.max is not None else np.inf
        out = v.notna() & ((v < lo) | (v > hi) | ~np.isfinite(v))
        for i in np.flatnonzero((notnum | out).to_numpy()):
            problems.append(
                Problem(
                    f"{raw[col].iloc[i]!r} is not a number in [{lo:g}, {hi:g}]",
                    src,
                    int(i) + off,
                    col,
                    f"give {col} in {fld.unit if fld else ''} as a number",
                )
            )
        df[col] = v.astype(float)
    if firms is not None and "firm_id" in firms.columns:
        known = set(firms["firm_id"].astype(str))
        unknown = ~df["firm_id"].isin(known) & ~blank
        for i in np.flatnonzero(unknown.to_numpy())[:200]:
            problems.append(
                Problem(
                    f"firm {df['firm_id'].iloc[i]} is not in the firms layer",
                    src,
                    int(i) + off,
                    "firm_id",
                    "add the firm to the firms layer or remove its rows",
                )
            )
    if parcels is not None and "eval_year" in parcels.columns:
        have = set(df["year"].tolist())
        ey = pd.to_numeric(parcels["eval_year"], errors="coerce")
        for i in np.flatnonzero((ey.notna() & ~ey.isin(have)).to_numpy())[:200]:
            problems.append(
                Problem(
                    f"parcel {parcels['parcel_id'].iloc[i]}: eval_year {int(ey.iloc[i])} is not a "
                    f"year of {src} ({', '.join(map(str, sorted(have)))})",
                    "parcels",
                    int(i) + 1,
                    "eval_year",
                    "the parcels and the firm history must cover the same years",
                )
            )
    if problems:
        raise ValidationError(problems, src)
    if df.empty:
        raise ValidationError([Problem("the table has no rows", src)], src)
    return df.reset_index(drop=True)
