"""差别化 policy lists: the measures that apply to each firm from its class, and their cost.

The measures are an editable table (default ``data/policies/differentiated_measures.csv``), one
row per measure::

    class,measure,min_years,max_years,amount,unit,basis,source,verified
    D,电价,1,1,0.05,元/kWh,山东2022：…,domain-anchors.md:L72,yes

- ``class``: A/B/C/D/T; ``measure``: 电价, 用水, 用能, 排污, 用地, 信贷 or 奖补 (or the English
  ``electricity, water, energy, emission, land, credit, subsidy``);
- the row applies to a firm that has held ``class`` for ``min_years`` … ``max_years`` consecutive
  years (blank ``max_years``: no upper bound) — the Shandong surcharge is +0.05 / 0.10 / 0.15
  元/kWh after 1 / 2 / ≥ 3 years;
- ``amount`` + ``unit``: the size (blank for a rule without a figure). A measure in 元/kWh is
  costed from the firm's own electricity use (``electricity_mwh`` × 1000 kWh × amount, in 万元);
  other units are listed without a cost (the sample has no water or gas figures);
- ``source`` names the line the value comes from; ``verified`` is ``yes`` or ``no`` (an assumption
  says so in ``basis``).

A bad table (unknown class or measure, a non-number, ``max_years`` < ``min_years``, an amount
without a unit, a row without source and not marked ``verified: no``) raises
:class:`geoplan.errors.ValidationError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.errors import LoadError, Problem, ValidationError

DEFAULT_TABLE = settings.PROJECT_ROOT / "data" / "policies" / "differentiated_measures.csv"
CLASSES = ("A", "B", "C", "D", "T")
#: measure code → Chinese name (the table may use either)
MEASURES = {
    "electricity": "电价",
    "water": "用水",
    "energy": "用能",
    "emission": "排污",
    "land": "用地",
    "credit": "信贷",
    "subsidy": "奖补",
}
_BY_ZH = {v: k for k, v in MEASURES.items()}
COLUMNS = ("class", "measure", "min_years", "max_years", "amount", "unit", "basis", "source")
KWH_PER_MWH = 1000.0
YUAN_PER_WAN = 10_000.0


@dataclass(frozen=True)
class Measure:
    """One row of the table (``line`` = its line in the file)."""

    cls: str
    measure: str  # code: electricity, water …
    min_years: int
    max_years: int | None
    amount: float | None
    unit: str
    basis: str
    source: str
    verified: bool
    line: int

    def applies(self, cls: str, years: int) -> bool:
        return (
            cls == self.cls
            and years >= self.min_years
            and (self.max_years is None or years <= self.max_years)
        )

    @property
    def per_kwh(self) -> bool:
        return self.unit.replace(" ", "").lower() in ("元/kwh", "元/千瓦时")


def read_measures(path: str | Path | None = None) -> list[Measure]:
    """Read and validate the measures table (default :data:`DEFAULT_TABLE`)."""
    p = Path(path) if path is not None else DEFAULT_TABLE
    src = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read the measures table ({exc})"
        raise LoadError(msg) from exc
    reader = csv.DictReader(text.splitlines())
    head = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in head]
    if missing:
        raise ValidationError(
            [Problem(f"column '{c}' missing", src, 1, c, "see the file's header") for c in missing],
            src,
        )
    problems: list[Problem] = []
    out: list[Measure] = []
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue

        def bad(field: str, message: str, hint: str = "", line: int = i) -> None:
            problems.append(Problem(message, src, line, field, hint))

        cls = row["class"].upper()
        if cls not in CLASSES:
            bad("class", f"unknown class {row['class']!r}", f"use one of {', '.join(CLASSES)}")
        m = row["measure"]
        code = m if m in MEASURES else _BY_ZH.get(m)
        if code is None:
            bad("measure", f"unknown measure {m!r}", f"use one of {', '.join(_BY_ZH)}")
        lo_ok, lo = _int(row["min_years"], 1)
        hi_ok, hi = _int(row["max_years"], None)
        if not lo_ok or lo is None or lo < 1:
            lo_ok = False
            bad("min_years", f"{row['min_years']!r} is not a whole number ≥ 1")
        if not hi_ok or (hi is not None and lo is not None and hi < lo):
            hi_ok = False
            bad("max_years", f"{row['max_years']!r} is not a whole number ≥ min_years (or blank)")
        amount: float | None = None
        if row["amount"]:
            try:
                amount = float(row["amount"])
                if not np.isfinite(amount):
                    raise ValueError
            except ValueError:
                bad("amount", f"{row['amount']!r} is not a number")
            if not row["unit"]:
                bad("unit", "an amount needs its unit (元/kWh, 元/m³, % …)")
        verified = row.get("verified", "").lower() in ("yes", "true", "1", "是")
        if not row["source"] and verified:
            bad("source", "a verified value needs its source line", "or mark it verified: no")
        if not row["source"] and not row.get("verified"):
            bad("verified", "no source: mark the row verified: no and give its basis")
        if lo_ok and hi_ok and lo is not None and code is not None:
            out.append(
                Measure(
                    cls,
                    code,
                    lo,
                    hi,
                    amount,
                    row["unit"],
                    row["basis"],
                    row["source"],
                    verified,
                    i,
                )
            )
    if problems:
        raise ValidationError(problems, src)
    return out


def _int(text: str, default: int | None) -> tuple[bool, int | None]:
    """``(ok, whole number)``; *default* for a blank cell."""
    if not text:
        return True, default
    try:
        v = float(text)
    except ValueError:
        return False, None
    return (True, int(v)) if np.isfinite(v) and v == int(v) else (False, None)


def firm_measures(
    firms: pd.DataFrame,
    measures: list[Measure],
    years_in_class: pd.Series | None = None,
) -> pd.DataFrame:
    """Per firm and applicable measure: ``firm_id, name, class, years_in_class, measure,
    measure_zh, amount, unit, cost_wan, basis, source, verified``.

    *firms* carry ``firm_id``, ``class`` (and ``name``, ``electricity_mwh``); *years_in_class*
    (index firm_id) is how long each firm has held its class — from
    :meth:`geoplan.analysis.history.History.run_length`; without a history every firm counts one
    year. ``cost_wan`` is the estimated yearly cost in 万元 for a 元/kWh measure (blank when the
    firm has no electricity figure or the measure has no per-kWh amount).
    """
    f = firms
    ids = f["firm_id"].astype(str).to_numpy()
    cls = f["class"].astype(object).where(f["class"].notna(), "").astype(str).to_numpy()
    yrs = (
        years_in_class.reindex(ids).fillna(1).astype(int).to_numpy()
        if years_in_class is not None
        else np.ones(len(f), dtype=int)
    )
    elec = (
        pd.to_numeric(f["electricity_mwh"], errors="coerce").to_numpy(float)
        if "electricity_mwh" in f.columns
        else np.full(len(f), np.nan)
    )
    names = f["name"].astype(str).to_numpy() if "name" in f.columns else np.full(len(f), "")
    rows = []
    for m in measures:
        hit = (cls == m.cls) & (yrs >= m.min_years)
        if m.max_years is not None:
            hit &= yrs <= m.max_years
        idx = np.flatnonzero(hit)
        if not len(idx):
            continue
        cost = (
            elec[idx] * KWH_PER_MWH * m.amount / YUAN_PER_WAN
            if m.per_kwh and m.amount is not None
            else np.full(len(idx), np.nan)
        )
        rows.append(
            pd.DataFrame(
                {
                    "firm_id": ids[idx],
                    "name": names[idx],
                    "class": cls[idx],
                    "years_in_class": yrs[idx],
                    "measure": m.measure,
                    "measure_zh": MEASURES[m.measure],
                    "amount": m.amount,
                    "unit": m.unit,
                    "cost_wan": cost,
                    "basis": m.basis,
                    "source": m.source,
                    "verified": m.verified,
                    "line": m.line,
                }
            )
        )
    cols = [
        "firm_id",
        "name",
        "class",
        "years_in_class",
        "measure",
        "measure_zh",
        "amount",
        "unit",
        "cost_wan",
        "basis",
        "source",
        "verified",
        "line",
    ]
    if not rows:
        return pd.DataFrame({c: [] for c in cols})
    out = pd.concat(rows, ignore_index=True)
    order = {k: i for i, k in enumerate(MEASURES)}
    return (
        out.assign(_m=out["measure"].map(order))
        .sort_values(["class", "firm_id", "_m"])
        .drop(columns="_m")
        .reset_index(drop=True)
    )


def summary(measures: pd.DataFrame) -> dict:
    """Counts per measure and the total estimated cost (万元), for ``--json``."""
    if measures.empty:
        return {"firms": 0, "rows": 0, "by_measure": {}, "cost_wan": 0.0}
    g = measures.groupby("measure")
    firms = g["firm_id"].nunique()
    cost = g["cost_wan"].sum(min_count=1)
    return {
        "firms": int(measures["firm_id"].nunique()),
        "rows": len(measures),
        "by_measure": {
            str(k): {
                "firms": int(firms[k]),
                "cost_wan": None if pd.isna(cost[k]) else round(float(cost[k]), 2),
            }
            for k in firms.index
        },
        "cost_wan": round(float(np.nansum(measures["cost_wan"].to_numpy(float))), 2),
    }
