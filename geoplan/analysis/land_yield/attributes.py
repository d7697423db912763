"""The firm-attributes table: 加分 / 扣分 / 一票否决 items per firm and year.

Format (``tables/firm_attributes.csv`` in a zone folder; UTF-8 CSV, one row per firm × item ×
year)::

    firm_id,item,value,year,note
    F000123,safety_accident,1,2023,较大安全生产事故 (示意)
    F000456,high_tech_cert,1,2023,

- ``firm_id``: a firm of the firms layer;
- ``item``: one of :data:`geoplan.analysis.land_yield.schemes.ATTRIBUTE_ITEMS`
  (安全生产事故, 环保处罚, 违法用地, 高新技术企业认定, 科技创新, 节能降碳 …);
- ``value``: how many times it happened (a positive number; blank = 1);
- ``year``: the evaluation year it counts in (rows of other years are ignored);
- ``note`` (optional): free text, never shown in a 公示 list.

What an item is worth is the scheme's decision (``adjustments``: bonus/deduction points per
occurrence up to ``max_points``, or veto = the worst class); items a scheme does not list do not
count. A table naming an unknown firm or item, or a bad value or year, is a
:class:`~geoplan.errors.ValidationError` naming the file, the row and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan.analysis.land_yield.schemes import ATTRIBUTE_ITEMS, Scheme
from geoplan.errors import Problem, ValidationError

COLUMNS = ("firm_id", "item", "value", "year")


def read_attributes(path: str | Path, firm_ids: pd.Series | None = None) -> pd.DataFrame:
    """Read and check a firm-attributes table (see the module doc)."""
    p = Path(path)
    try:
        t = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"cannot read the firm-attributes table ({exc})"
        raise ValidationError([Problem(msg, p.name)], p.name) from exc
    return check_attributes(t, p.name, firm_ids)


def _problem(source: str, row: int, fld: str, msg: str) -> Problem:
    """A problem at data row *row* (1 = the first row under the header, line row + 1)."""
    return Problem(f"{msg} (line {row + 1})", source, row, fld)


def check_attributes(
    table: pd.DataFrame, source: str = "firm_attributes.csv", firm_ids: pd.Series | None = None
) -> pd.DataFrame:
    """The table with typed ``value`` and ``year``; every problem reported at once."""
    missing = [c for c in ("firm_id", "item", "year") if c not in table.columns]
    if missing:
        raise ValidationError(
            [
                Problem("required column missing (firm_id,item,value,year)", source, None, c)
                for c in missing
            ],
            source,
        )
    t = table.copy()
    if "value" not in t.columns:
        t["value"] = ""
    probs: list[Problem] = []
    known = set(firm_ids.astype(str)) if firm_ids is not None else None
    value = pd.to_numeric(t["value"].replace("", "1"), errors="coerce")
    year = pd.to_numeric(t["year"], errors="coerce")
    for i in range(len(t)):
        row = i + 1
        fid, item = str(t["firm_id"].iat[i]).strip(), str(t["item"].iat[i]).strip()
        if known is not None and fid not in known:
            probs.append(_problem(source, row, "firm_id", f"unknown firm {fid!r}"))
        if item not in ATTRIBUTE_ITEMS:
            probs.append(
                _problem(
                    source, row, "item", f"unknown item {item!r}; use {', '.join(ATTRIBUTE_ITEMS)}"
                )
            )
        v = value.iat[i]
        if not (np.isfinite(v) and v > 0):
            probs.append(
                _problem(source, row, "value", f"must be a number > 0, got {t['value'].iat[i]!r}")
            )
        y = year.iat[i]
        if not (np.isfinite(y) and float(y).is_integer() and 1900 <= y <= 2200):
            probs.append(_problem(source, row, "year", f"must be a year, got {t['year'].iat[i]!r}"))
        if len(probs) >= 50:
            break
    if probs:
        raise ValidationError(probs, source)
    t["firm_id"] = t["firm_id"].astype(str).str.strip()
    t["item"] = t["item"].astype(str).str.strip()
    t["value"] = value.astype("float64")
    t["year"] = year.astype("int64")
    return t


@dataclass
class Adjustments:
    """Per firm: signed points of each bonus/deduction item (``points``, n × items, in the
    scheme's order), the veto mask and the veto items' labels."""

    items: list[str]
    labels: list[str]
    points: np.ndarray
    veto: np.ndarray
    veto_text: np.ndarray

    @property
    def total(self) -> np.ndarray:
        out = np.zeros(len(self.veto))
        for j in range(self.points.shape[1]):
            out = out + self.points[:, j]
        return out


def adjustments_for(
    firm_ids: pd.Series, table: pd.DataFrame | None, sch: Scheme, year: int
) -> Adjustments:
    """The scheme's 加分/扣分/否决 per firm from the attributes table rows of *year*."""
    n = len(firm_ids)
    scored_items = [a for a in sch.adjustments if a.kind != "veto"]
    pts = np.zeros((n, len(scored_items)))
    veto = np.zeros(n, bool)
    veto_text = np.full(n, "", dtype=object)
    if table is not None and len(table) and sch.adjustments:
        rows = table[table["year"] == year]
        pos = pd.Index(firm_ids.astype(str)).get_indexer(rows["firm_id"])
        rows = rows.assign(_pos=pos)[pos >= 0]
        counts = rows.groupby(["_pos", "item"])["value"].sum()
        for j, a in enumerate(scored_items):
            c = (
                counts.xs(a.item, level="item")
                if a.item in counts.index.get_level_values(1)
                else None
            )
            if c is None:
                continue
            v = a.points * c.to_numpy(dtype="float64")
            if a.max_points is not None:
                v = np.minimum(v, a.max_points)
            pts[c.index.to_numpy(dtype=np.int64), j] = v if a.kind == "bonus" else -v
        for a in sch.adjustments:
            if a.kind != "veto" or a.item not in counts.index.get_level_values(1):
                continue
            hit = counts.xs(a.item, level="item").index.to_numpy(dtype=np.int64)
            veto[hit] = True
            veto_text[hit] = [f"{t}; {a.label_zh}" if t else a.label_zh for t in veto_text[hit]]
    return Adjustments(
        [a.item for a in scored_items], [a.label_zh for a in scored_items], pts, veto, veto_text
    )
