"""Recognise a bureau's columns as catalog fields, and read their values as the catalog types.

:func:`match_columns` maps the columns of a file to the fields of a layer type by the names the
catalog declares (:mod:`geoplan.data.aliases`): exact matches after normalisation only — a column
is never matched by resemblance, because ``税收增长率`` is not ``税收``. A field two columns claim is
*ambiguous* and named with its candidates; an import mapping (``--map TYPE.FIELD=COLUMN[unit]``)
settles it. Units come from the header (``税收(万元)``) or the mapping.

:func:`coerce` reads values: numbers written as text with thousands separators or full-width
digits, ``是/否``, ``Y/N``, ``1/0`` for yes/no fields, dates for years, the catalog's value
spellings for choice fields (``已建`` → ``built``). Every value it cannot read is returned as a
problem with its row, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoplan.data import strings, units
from geoplan.data.catalog import Field, LayerType


def normalise_header(header: object) -> str:
    """The comparable form of a header: half-width, lower case, no spaces, no bracketed unit."""
    name, _ = units.split_header(str(header))
    return units.normalise(name)


@dataclass(frozen=True)
class ColumnMatch:
    """One field found in a file: which column, how it was recognised, and its unit."""

    field: str
    column: str
    how: str  # "field name" | "label" | "alias" | "mapping"
    stated_unit: str | None = None
    factor: float = 1.0

    @property
    def confidence(self) -> str:
        return "given" if self.how == "mapping" else "high"

    def describe(self) -> str:
        return self.column


@dataclass
class ColumnMapping:
    """The result of :func:`match_columns` for one file."""

    matches: dict[str, ColumnMatch] = field(default_factory=dict)
    #: field → columns that all claim it (nothing chosen)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    #: columns not used for any field
    unused: list[str] = field(default_factory=list)
    #: human-readable problems with units (field, message)
    unit_problems: list[tuple[str, str]] = field(default_factory=list)
    #: fields whose unit was not stated and the canonical one was assumed
    assumed_units: dict[str, str] = field(default_factory=dict)


def _names_of(f: Field) -> list[tuple[str, str]]:
    out = [(f.name, "field name"), (f.label_zh, "label")]
    out += [(a, "alias") for a in f.aliases]
    return out


def parse_map_spec(spec: str) -> tuple[str, str, str, str | None]:
    """``"firms.tax=实缴税金[元]"`` → ``("firms", "tax", "实缴税金", "元")``.

    Raises ``ValueError`` with what is wrong (the caller names the option).
    """
    if "=" not in spec:
        msg = f"{spec!r}: write TYPE.FIELD=COLUMN, e.g. firms.tax=实缴税金 or parcels.area_m2=YDMJ[公顷]"
        raise ValueError(msg)
    left, _, right = spec.partition("=")
    if "." not in left:
        msg = f"{spec!r}: the left side needs the layer type, e.g. parcels.{left.strip()}={right}"
        raise ValueError(msg)
    ltype, _, fname = left.strip().partition(".")
    right = right.strip()
    unit = None
    m = re.match(r"^(.*)\[([^\]]+)\]$", right)
    if m:
        right, unit = m.group(1).strip(), m.group(2).strip()
    if not right:
        msg = f"{spec!r}: no column name after '='"
        raise ValueError(msg)
    return ltype.strip(), fname.strip(), right, unit


def _unit_for(
    f: Field, column: str, stated: str | None, mapping: ColumnMapping
) -> tuple[str | None, float]:
    """The stated unit of a column for field *f* and its factor to the canonical unit."""
    if stated is None:
        _, stated = units.split_header(column)
    if not f.unit or units.family_of(f.unit) is None:
        if stated and units.looks_like_unit(stated) and f.dtype in ("float", "int"):
            mapping.unit_problems.append(
                (f.name, f"column {column!r} states unit {stated!r}, but {f.label_zh} has no unit")
            )
        return stated, 1.0
    if stated is None:
        if f.dtype in ("float", "int"):
            mapping.assumed_units[f.name] = f.unit
        return None, 1.0
    fac = units.factor(stated, f.unit)
    if fac is None:
        if units.looks_like_unit(stated):
            mapping.unit_problems.append(
                (
                    f.name,
                    f"column {column!r} is in {stated!r}, which is not a unit of {f.label_zh} ({f.unit})",
                )
            )
        else:  # a bracketed remark such as (2023年): no unit stated
            mapping.assumed_units[f.name] = f.unit
        return None, 1.0
    return stated, fac


def match_columns(
    columns: list[str], lt: LayerType, user_map: dict[str, tuple[str, str | None]] | None = None
) -> ColumnMapping:
    """Map *columns* of a file to the fields of *lt*.

    *user_map* is ``{field: (column, unit or None)}`` from ``--map`` / the wizard; it wins over
    recognition and must name existing columns (checked by the caller).
    """
    user_map = user_map or {}
    mapping = ColumnMapping()
    by_norm: dict[str, list[str]] = {}
    for c in columns:
        by_norm.setdefault(normalise_header(c), []).append(c)
    taken: set[str] = set()
    for fname, (col, unit) in user_map.items():
        f = lt.field(fname)
        if f is None:
            continue
        stated, fac = _unit_for(f, col, unit, mapping)
        mapping.matches[fname] = ColumnMatch(fname, col, "mapping", stated, fac)
        taken.add(col)
    for f in lt.fields:
        if f.name in mapping.matches:
            continue
        found: dict[str, str] = {}
        for name, how in _names_of(f):
            for col in by_norm.get(units.normalise(name), []):
                if col not in taken:
                    found.setdefault(col, how)
        if len(found) == 1:
            col, how = next(iter(found.items()))
            stated, fac = _unit_for(f, col, None, mapping)
            mapping.matches[f.name] = ColumnMatch(f.name, col, how, stated, fac)
        elif len(found) > 1:
            mapping.ambiguous[f.name] = sorted(found)
    # a column claimed by two fields: the field whose name it is exactly keeps it, else ambiguous
    claims: dict[str, list[str]] = {}
    for m in mapping.matches.values():
        claims.setdefault(m.column, []).append(m.field)
    for col, claimants in claims.items():
        if len(claimants) > 1:
            given = [name for name in claimants if mapping.matches[name].how == "mapping"]
            keep = given[0] if len(given) == 1 else None
            for name in claimants:
                if name != keep:
                    del mapping.matches[name]
                    if keep is None:
                        mapping.ambiguous.setdefault(name, []).append(col)
    used = {m.column for m in mapping.matches.values()} | {
        c for cs in mapping.ambiguous.values() for c in cs
    }
    mapping.unused = [c for c in columns if c not in used]
    return mapping


# --- values ----------------------------------------------------------------------------------

_TRUE = {"1", "true", "t", "yes", "y", "是", "有", "√", "✓", "对", "1.0"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无", "×", "✗", "0.0"}


@dataclass
class Coerced:
    """Values read as one field, with the rows that could not be read."""

    values: pd.Series
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row index 0-based, message)
    notes: list[str] = field(default_factory=list)


def _as_text(raw: pd.Series) -> pd.Series:
    """Cells as stripped, half-width text (NA where empty)."""
    return strings.text(raw)


def _numbers(raw: pd.Series) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Values of a numeric column and its unreadable rows (0-based) with what is wrong."""
    x, bad_mask = strings.numbers(raw)
    if not bad_mask.any():
        return x, []
    shown = strings.text(raw)
    bad = [
        (int(i), f"{shown.iloc[i]!r} is not a finite number") for i in np.flatnonzero(bad_mask)[:50]
    ]
    return x, bad


def _years(raw: pd.Series) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Vectorised :func:`parse_year`."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.dt.year.astype("float64").to_numpy(), []
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        x = raw.astype("float64").to_numpy()
        bad_mask = np.isfinite(x) & (x != np.floor(x))
        return np.where(bad_mask, np.nan, x), [
            (int(i), f"{x[i]!r} is not a year") for i in np.flatnonzero(bad_mask)
        ]
    out = np.full(len(raw), np.nan)
    bad: list[tuple[int, str]] = []
    objs = raw.to_numpy(dtype=object)
    text = _as_text(raw)
    year = text.str.extract(r"^(\d{4})(?:\.0+)?(?:$|[-/年.]\d{1,2}|年)", expand=False)
    for i in np.flatnonzero(text.notna().to_numpy()):
        v = objs[i]
        if hasattr(v, "year") and not isinstance(v, int | float | str):
            out[i] = float(v.year)
        elif isinstance(year.iloc[i], str):
            out[i] = float(year.iloc[i])
        else:
            bad.append((int(i), f"{text.iloc[i]!r} is not a year or a date"))
    return out, bad


_TRUE_FALSE = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _bools(raw: pd.Series) -> tuple[pd.Series, list[tuple[int, str]]]:
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean"), []
    text = _as_text(raw).str.lower()
    mapped = text.map(_TRUE_FALSE)
    bad_mask = text.notna().to_numpy() & mapped.isna().to_numpy()
    bad = [(int(i), f"{text.iloc[i]!r} is not a yes/no value") for i in np.flatnonzero(bad_mask)]
    return mapped.astype("boolean"), bad


def coerce(raw: pd.Series, f: Field, *, header: str = "", factor: float = 1.0) -> Coerced:
    """Read a column as field *f* (see the module docstring). Row numbers are 0-based positions."""
    notes: list[str] = []
    is_year = f.dtype == "int" and f.name in {
        "lease_start",
        "idle_since",
        "founded",
        "year_built",
        "survey_year",
    }
    if f.dtype in ("float", "int"):
        if is_year:
            out, bad = _years(raw)
        else:
            out, bad = _numbers(raw)
        if factor != 1.0:
            out = out * factor
        if f.unit == "ratio" and not (f.max is not None and f.max > 1):
            finite = out[np.isfinite(out)]
            if len(finite) and 1.0 < float(finite.max()) <= 100.0:
                out = out / 100.0
                notes.append(
                    f"{header or f.name}: values are percentages (max {float(finite.max()):g}); divided by 100"
                )
        series = pd.Series(out, index=raw.index)
        if f.dtype == "int":
            series = series.round().astype("Int64")
        return Coerced(series, bad, notes)
    if f.dtype == "bool":
        values, bad = _bools(raw)
        return Coerced(pd.Series(values.to_numpy(), index=raw.index, dtype="boolean"), bad, notes)
    text = _as_text(raw)
    if f.choices is None:
        return Coerced(text, [], notes)
    spell = {units.normalise(k): v for k, v in f.value_aliases}
    direct = text.where(text.isin(list(f.choices)))
    via = pd.Series(
        text.str.replace(" ", "", regex=False).str.lower().astype(object).map(spell),
        index=text.index,
    )
    values = direct.fillna(via)
    if header.strip().startswith("是否") and f.name == "scale":
        yes_no = text.str.lower().map(_TRUE_FALSE).map({True: "规上", False: "规下"})
        values = values.fillna(yes_no)
    bad_mask = text.notna().to_numpy() & values.isna().to_numpy()
    allowed = ", ".join(c for c in f.choices if c)
    bad = [(int(i), f"{text.iloc[i]!r} is not one of {allowed}") for i in np.flatnonzero(bad_mask)]
    out = values.astype(object).where(values.notna(), None)
    return Coerced(pd.Series(out.to_numpy(), index=raw.index, dtype="object"), bad, notes)
