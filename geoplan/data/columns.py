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
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geoplan.data import units
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
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")


def _text(v: object) -> str:
    return unicodedata.normalize("NFKC", str(v)).strip()


def parse_number(v: object) -> float:
    """A number from a cell: ``1,234.5``, ``１２３``, `` 12 ``, ``35%`` (→ 0.35); NaN if empty.

    Raises ``ValueError`` for text that is not a number (including ``inf`` and ``nan`` written
    out, which are never valid data).
    """
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return float("nan")
    if isinstance(v, bool | np.bool_):
        msg = f"{v!r} is a yes/no value, not a number"
        raise ValueError(msg)
    if isinstance(v, int | float | np.integer | np.floating):
        x = float(v)
        if not np.isfinite(x):
            msg = f"{v!r} is not a finite number"
            raise ValueError(msg)
        return x
    text = _text(v).replace(",", "").replace("，", "").replace(" ", "")
    if text in {"", "-", "—", "/", "无"}:
        return float("nan")
    pct = text.endswith("%")
    if pct:
        text = text[:-1]
    if not _NUMBER.match(text.lower()):
        msg = f"{_text(v)!r} is not a number"
        raise ValueError(msg)
    x = float(text)
    return x / 100.0 if pct else x


def parse_bool(v: object) -> bool | None:
    """``是/否``, ``Y/N``, ``1/0``, ``true/false`` …; ``None`` if empty. ``ValueError`` otherwise."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    text = _text(v).lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    msg = f"{_text(v)!r} is not a yes/no value"
    raise ValueError(msg)


def parse_year(v: object) -> float:
    """A year from ``2019``, ``2019.0``, ``2019-05-01``, ``2019年5月``, a datetime; NaN if empty."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return float("nan")
    if hasattr(v, "year") and not isinstance(v, int | float):
        return float(v.year)
    text = _text(v)
    if text == "":
        return float("nan")
    m = re.match(r"^(\d{4})(?:\.0+)?(?:$|[-/年.]\d{1,2}|年)", text)
    if not m:
        msg = f"{text!r} is not a year or a date"
        raise ValueError(msg)
    return float(m.group(1))


@dataclass
class Coerced:
    """Values read as one field, with the rows that could not be read."""

    values: pd.Series
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row index 0-based, message)
    notes: list[str] = field(default_factory=list)


def coerce(raw: pd.Series, f: Field, *, header: str = "", factor: float = 1.0) -> Coerced:
    """Read a column as field *f* (see the module docstring). Row numbers are 0-based positions."""
    bad: list[tuple[int, str]] = []
    notes: list[str] = []
    values = list(raw.to_numpy(dtype=object))
    is_year = f.dtype == "int" and (
        f.name in {"lease_start", "idle_since", "founded", "year_built"} or f.unit == "year"
    )
    if f.dtype in ("float", "int"):
        out = np.full(len(values), np.nan)
        parse = parse_year if is_year else parse_number
        for i, v in enumerate(values):
            try:
                out[i] = parse(v)
            except ValueError as exc:
                bad.append((i, str(exc)))
        if factor != 1.0:
            out = out * factor
        if f.unit == "ratio" and not (f.max is not None and f.max > 1):
            finite = out[np.isfinite(out)]
            if len(finite) and np.nanmax(finite) > 1.0 and np.nanmax(finite) <= 100.0:
                out = out / 100.0
                notes.append(
                    f"{header or f.name}: values are percentages (max {np.nanmax(finite):g}); divided by 100"
                )
        series = pd.Series(out, index=raw.index)
        if f.dtype == "int":
            series = series.round().astype("Int64")
        return Coerced(series, bad, notes)
    if f.dtype == "bool":
        out_b: list[object] = []
        for i, v in enumerate(values):
            try:
                b = parse_bool(v)
                out_b.append(pd.NA if b is None else b)
            except ValueError as exc:
                bad.append((i, str(exc)))
                out_b.append(pd.NA)
        return Coerced(pd.Series(out_b, index=raw.index, dtype="boolean"), bad, notes)
    # text: strip, NFKC; choice fields through the catalog's spellings (and 是/否 questions)
    spell = {units.normalise(k): v for k, v in f.value_aliases}
    question = header.strip().startswith("是否")
    out_s: list[object] = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)) or _text(v) == "":
            out_s.append(None)
            continue
        text = _text(v)
        if f.choices is not None:
            if text in f.choices:
                out_s.append(text)
                continue
            key = units.normalise(text)
            if key in spell:
                out_s.append(spell[key])
                continue
            if question and f.name == "scale":
                try:
                    b = parse_bool(text)
                except ValueError:
                    b = None
                if b is not None:
                    out_s.append("规上" if b else "规下")
                    continue
            bad.append((i, f"{text!r} is not one of {', '.join(c for c in f.choices if c)}"))
            out_s.append(None)
        else:
            out_s.append(text)
    return Coerced(pd.Series(out_s, index=raw.index, dtype="object"), bad, notes)
