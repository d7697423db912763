"""Attribute tables as bureaus export them: Excel with title rows, merged headers, several sheets.

:func:`read_raw` reads a CSV (UTF-8 or GB18030) or Excel file as a grid of text cells, every
sheet; :func:`locate_header` finds the header row in the first rows of a sheet by how many cells
name catalog fields (a title row such as ``2023年度企业税收统计表`` above it names none), and
merges a second header row below it where the first row's cells span groups (a merged ``税收
(万元)`` cell over ``合计`` / ``增值税``). :func:`choose_sheet` picks the sheet whose header names
most fields — or asks, naming the sheets, when two are equally good.

Cells stay text until :mod:`geoplan.data.columns` reads them as the catalog's types, so codes keep
their leading zeros and credit codes their letters.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geoplan.data.io import _excel_error_types, _read_error_types
from geoplan.errors import LoadError

#: Rows searched for the header.
HEADER_SEARCH_ROWS = 20


@dataclass
class Sheet:
    name: str
    grid: pd.DataFrame  # every cell as object (str or NaN), no header


@dataclass
class Located:
    """A table with its header found: the frame, and where the header was."""

    frame: (
        pd.DataFrame
    )  # every row below the header, blank rows included (row i = file row first_data_row + i)
    sheet: str
    header_rows: tuple[int, ...]  # 1-based row numbers in the file
    score: int

    @property
    def first_data_row(self) -> int:
        return self.header_rows[-1] + 1


def read_raw(path: Path) -> list[Sheet]:
    """Every sheet of a CSV/Excel file as a text grid (CSV: one sheet named after the file)."""
    suffix = path.suffix.lower()
    if not path.exists():
        msg = f"{path}: file not found"
        raise LoadError(msg)
    if path.is_dir():
        msg = f"{path}: is a folder; give the table file"
        raise LoadError(msg)
    if path.stat().st_size == 0:
        msg = f"{path.name}: the file is empty (0 bytes)"
        raise LoadError(msg)
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            if suffix == ".xls":
                msg = f"{path.name}: old .xls workbooks are not read; save it as .xlsx (Excel 2007+) or CSV"
                raise LoadError(msg)
            books = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
            return [Sheet(str(name), df) for name, df in books.items()]
        if suffix in (".csv", ".txt"):
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    df = pd.read_csv(
                        path,
                        header=None,
                        dtype=str,
                        encoding=enc,
                        keep_default_na=False,
                        na_values=[""],
                        quoting=csv.QUOTE_MINIMAL,
                        skip_blank_lines=False,
                    )
                    return [Sheet(path.stem, df)]  # row i of the grid is line i + 1 of the file
                except UnicodeDecodeError:
                    continue
            msg = f"{path.name}: the text is neither UTF-8 nor GB18030; save it as UTF-8 CSV"
            raise LoadError(msg)
    except LoadError:
        raise
    except _read_error_types() + _excel_error_types() as exc:
        msg = f"{path.name}: cannot read the table ({type(exc).__name__}: {exc})"
        raise LoadError(msg) from exc
    msg = f"{path.name}: not a table file ({suffix}); use .xlsx or .csv"
    raise LoadError(msg)


def _cells(row: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v).strip() for v in row.tolist()]


def _combined(upper: list[str], lower: list[str]) -> list[str]:
    """Two header rows as one: the upper row's spanning label (merged cells are filled to the right)
    before the lower row's label where both exist."""
    filled, last = [], ""
    for u in upper:
        last = u or last
        filled.append(last)
    out = []
    for i, lo in enumerate(lower):
        up = upper[i] or filled[i]
        out.append(f"{up}{lo}" if lo and up and lo not in up else (lo or up))
    return out


def locate_header(sheet: Sheet, score: Callable[[list[str]], int]) -> Located | None:
    """The best header of a sheet (one row, or two rows merged); ``None`` when no row scores."""
    grid = sheet.grid
    best: tuple[int, tuple[int, ...], list[str]] | None = None
    n = min(HEADER_SEARCH_ROWS, len(grid))
    rows = [_cells(grid.iloc[i]) for i in range(n)]
    for i in range(n):
        candidates: list[tuple[tuple[int, ...], list[str]]] = [((i,), rows[i])]
        if i + 1 < n and any(rows[i]) and any(rows[i + 1]):
            candidates.append(((i, i + 1), _combined(rows[i], rows[i + 1])))
        for idx, names in candidates:
            s = score(names)
            if s > 0 and (best is None or s > best[0]):
                best = (s, idx, names)
    if best is None:
        return None
    s, idx, names = best
    names = _unique([nm or f"列{j + 1}" for j, nm in enumerate(names)])
    body = grid.iloc[idx[-1] + 1 :]
    body = body.set_axis(names, axis=1).reset_index(drop=True)
    return Located(body, sheet.name, tuple(i + 1 for i in idx), s)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        if nm in seen:
            seen[nm] += 1
            out.append(f"{nm}_{seen[nm]}")
        else:
            seen[nm] = 0
            out.append(nm)
    return out


def choose_sheet(
    path: Path, sheets: list[Sheet], score: Callable[[list[str]], int], *, sheet: str | None
) -> Located:
    """The table to import: the named *sheet*, else the one whose header names most fields."""
    if sheet is not None:
        match = [s for s in sheets if s.name == sheet]
        if not match:
            msg = f"{path.name}: no sheet {sheet!r}; the workbook has {', '.join(s.name for s in sheets)}"
            raise LoadError(msg)
        sheets = match
    found = [loc for s in sheets if (loc := locate_header(s, score)) is not None]
    if not found:
        msg = (
            f"{path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows"
            + (f" of sheet {sheets[0].name!r}" if len(sheets) == 1 else "")
            + " — no cell names a known field (e.g. 企业名称, 统一社会信用代码, 税收); "
            "check the file or map the columns with --map"
        )
        raise LoadError(msg)
    found.sort(key=lambda loc: -loc.score)
    if len(found) > 1 and found[0].score == found[1].score:
        names = ", ".join(f"{loc.sheet!r}" for loc in found if loc.score == found[0].score)
        msg = f"{path.name}: several sheets look like the table ({names}); choose one with --sheet NAME"
        raise LoadError(msg)
    return found[0]
