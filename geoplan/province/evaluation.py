"""The provincial dynamic evaluation (003:L196) applied to user-entered values.

Seed 003 gives the **rule**, not the formula: zones are assessed on 开发程度, 产业集聚度,
技术创新能力 and 创新创业环境; a zone that fails (不合格) in a year is criticised and shown a yellow
card (通报批评并"亮黄牌"); a zone that fails two years running is delisted (摘牌). The 绩效评价暂行办法
it refers to is not in the seeds, so the score and the 不合格 line here are **parameters**
(``evaluation:`` in ``province.yaml``): a weighted mean of the dimension values (0–100, entered per
zone and year in an editable CSV) and a fail line — defaults: equal weights, fail below 60,
``verified: no`` (basis: a neutral choice, not a provincial rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geoplan.errors import LoadError, Problem, ValidationError

#: The four dimensions of 003:L196.
DIMENSIONS = ("开发程度", "产业集聚度", "技术创新能力", "创新创业环境")
#: Card codes: none, yellow (当年不合格, 亮黄牌), delist (连续两年不合格, 摘牌).
CARDS = ("none", "yellow", "delist")


@dataclass(frozen=True)
class RuleParams:
    """Weights per dimension and the 不合格 lines (parameters; the seed has no formula)."""

    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 25.0))
    fail_below: float = 60.0
    dimension_fail_below: float | None = None
    basis: str = (
        "equal weights, fail below 60: verified: no (003:L196 gives the rule, not the formula)"
    )


def read_indicators(path: str | Path, zone_ids: set[str], dimensions=DIMENSIONS) -> pd.DataFrame:
    """Read the editable CSV ``zone,year,<dimension>…``; every bad row/column is reported at once
    (CSV line numbers, header = line 1)."""
    p = Path(path)
    src = str(p)
    if not p.is_file():
        msg = f"{src}: evaluation values file not found (columns: zone, year, {', '.join(dimensions)})"
        raise LoadError(msg)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = f"{src}: not a readable UTF-8 CSV ({exc})"
        raise LoadError(msg) from None
    df.columns = [str(c).strip() for c in df.columns]
    problems: list[Problem] = []
    missing = [c for c in ("zone", "year", *dimensions) if c not in df.columns]
    for c in missing:
        problems.append(Problem(f"column {c!r} missing", src, None, c, hint="add the column"))
    if missing:
        raise ValidationError(problems, src)
    rows = []
    seen: dict[tuple[str, int], int] = {}
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2
        zone = str(r["zone"]).strip()
        bad = False
        if zone not in zone_ids:
            problems.append(
                Problem(
                    f"unknown zone {zone!r}",
                    src,
                    line,
                    "zone",
                    hint="use a zone id of the province layer",
                )
            )
            bad = True
        try:
            year = int(str(r["year"]).strip())
            if not 1980 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(Problem(f"year {r['year']!r} is not a year", src, line, "year"))
            bad = True
            year = -1
        vals = {}
        for d in dimensions:
            raw = str(r[d]).strip()
            try:
                v = float(raw)
                if not math.isfinite(v) or not 0.0 <= v <= 100.0:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(f"{d} = {raw!r}: need a number from 0 to 100", src, line, d)
                )
                bad = True
                continue
            vals[d] = v
        if not bad:
            key = (zone, year)
            if key in seen:
                problems.append(
                    Problem(f"{zone} {year} already given on line {seen[key]}", src, line, "year")
                )
                continue
            seen[key] = line
            rows.append({"zone": zone, "year": year, **vals})
    if problems:
        raise ValidationError(problems, src)
    return pd.DataFrame(rows, columns=["zone", "year", *dimensions])


def apply_rule(values: pd.DataFrame, params: RuleParams) -> pd.DataFrame:
    """Score, 不合格 flag and card per zone and year.

    ``score`` = Σ weight × value / Σ weight; ``failed`` = score < ``fail_below`` or (when set) any
    dimension < ``dimension_fail_below``; ``card`` = ``delist`` when the zone also failed the year
    before (连续两年), else ``yellow`` when it failed, else ``none`` (003:L196).
    """
    dims = [d for d in params.weights if params.weights[d] > 0]
    wsum = sum(params.weights[d] for d in dims)
    out = values.sort_values(["zone", "year"]).reset_index(drop=True).copy()
    score = (
        sum(out[d] * params.weights[d] for d in dims) / wsum if len(out) else pd.Series(dtype=float)
    )
    out["score"] = score
    failed = out["score"] < params.fail_below
    if params.dimension_fail_below is not None:
        for d in dims:
            failed |= out[d] < params.dimension_fail_below
    out["failed"] = failed.astype(bool)
    prev_failed = out.groupby("zone")["failed"].shift(1, fill_value=False).astype(bool)
    prev_year = out.groupby("zone")["year"].shift(1)
    consecutive = prev_failed & (prev_year == out["year"] - 1)
    out["card"] = [
        "delist" if f and c else "yellow" if f else "none"
        for f, c in zip(out["failed"], consecutive, strict=True)
    ]
    return out
