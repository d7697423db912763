"""Reading the zone's indicator tables: the plan targets and a table of actual values per year.

Only reading happens here: every cell comes back as text (nothing is parsed or guessed), with
the header mapped to GeoPlan's column names; :mod:`geoplan.analysis.indicators` checks the values
against the catalogue (unknown keys, non-numbers, ranges, the plan period).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from geoplan.errors import LoadError, Problem, ValidationError

PLAN_TARGETS_FILE = "plan_targets.csv"
#: Columns of the actual-values table and the header spellings accepted for each.
ACTUAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("key", "指标代码", "指标键", "代码"),
    "year": ("year", "年份", "年度"),
    "value": ("value", "数值", "实际值", "完成值"),
    "note": ("note", "备注", "说明"),
    "source": ("source", "来源", "数据来源"),
}
REQUIRED = ("key", "year", "value")
MAX_ROWS = 10_000


def read_plan_targets(path: str | Path) -> pd.DataFrame:
    """The plan targets table (``tables/plan_targets.csv``), every cell as text ("" if empty)."""
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        msg = f"{p}: plan targets table not found (a zone folder keeps it in tables/{PLAN_TARGETS_FILE})"
        raise LoadError(msg) from exc
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"{p.name}: cannot read the plan targets table ({exc})"
        raise LoadError(msg) from exc
    missing = [c for c in ("key", "plan", "name_zh", "unit", "target") if c not in df.columns]
    if missing:
        msg = f"{p.name}: the plan targets table lacks column(s) {', '.join(missing)}"
        raise LoadError(msg)
    return df


def _header_map(columns: list[str], source: str) -> dict[str, str]:
    spelled = {alias.lower(): col for col, aliases in ACTUAL_COLUMNS.items() for alias in aliases}
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for c in columns:
        name = spelled.get(str(c).strip().lower())
        if name is None:
            problems.append(
                Problem(
                    f"unknown column {c!r}",
                    source=source,
                    row=1,
                    field=str(c),
                    hint="columns are key (指标代码), year (年份), value (数值), note (备注), source (来源)",
                )
            )
        elif name in out.values():
            problems.append(
                Problem(f"column {name!r} given twice", source=source, row=1, field=str(c))
            )
        else:
            out[c] = name
    for col in REQUIRED:
        if col not in out.values():
            problems.append(
                Problem(f"required column {col!r} is missing", source=source, row=1, field=col)
            )
    if problems:
        raise ValidationError(problems, source=source)
    return out


def read_actuals(data: str | Path | bytes, *, name: str = "") -> pd.DataFrame:
    """A table of actual values (CSV in UTF-8 or GB18030, or Excel .xlsx) with columns key, year,
    value and optional note / source; cells as text, header mapped to those names.

    *data* is a path, or the bytes of an uploaded file together with its file *name*.
    """
    if isinstance(data, bytes):
        raw, label = data, name or "upload"
    else:
        p = Path(data)
        label = name or p.name
        try:
            raw = p.read_bytes()
        except OSError as exc:
            msg = f"{p}: cannot read the table ({exc.strerror or exc})"
            raise LoadError(msg) from exc
    suffix = Path(label).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(io.BytesIO(raw), dtype=str, keep_default_na=False)
        elif suffix in (".csv", ".txt", ""):
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        else:
            msg = f"{label}: unsupported table type '{suffix}'; use CSV or Excel (.xlsx)"
            raise LoadError(msg)
    except LoadError:
        raise
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError, OSError) as exc:
        msg = f"{label}: cannot read the table ({type(exc).__name__}: {exc})"
        raise LoadError(msg) from exc
    if len(df) > MAX_ROWS:
        msg = f"{label}: {len(df):,} rows; an indicator table holds at most {MAX_ROWS:,}"
        raise LoadError(msg)
    df = df.rename(columns=_header_map(list(df.columns), label))
    for col in ACTUAL_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df = df[list(ACTUAL_COLUMNS)].astype(str).apply(lambda s: s.str.strip())
    df.attrs["source"] = label
    return df
