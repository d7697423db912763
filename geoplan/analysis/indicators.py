"""The plan indicator catalogue: targets, actual values per year, progress and an on-track verdict.

The catalogue is the zone's ``tables/plan_targets.csv``: every 十四五 表2 row and the 十三五 rows
(附表 targets, 表1 outcomes) with unit, 约束性/预期性, base year and value, target, source line and
definitional notes; a 十三五 row names the 十四五 row it continues (``series_key``).

Actual values come from a table (key, year, value, note, source) that the user imports or edits;
:func:`validate_actuals` refuses the whole table if any cell is wrong (unknown key, not a number,
out of range for its measure, a year outside the plan period, a duplicate), naming file, row and
column. Values computable from the layers (firm counts by tier) are added for the sample's year
where the table has none, marked as derived.

Progress follows the measure:

- stock, share, annual flow, cumulative stock: a linear path from the base (base year) to the
  target (target year); on track when the latest actual is at or beyond the path for its year;
- growth rate: the mean of the actual annual rates against the target rate;
- period flow (no base): the sum of the period's actuals against the target share of the years
  elapsed;
- a ceiling (``<4``): within it or not;
- a cumulative change whose definition the plan leaves unclear (单位GDP能耗下降 15 → 13.5, see
  its note): not judged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoplan.errors import Problem, ValidationError

PLAN_PERIODS = {"十四五": (2021, 2025), "十三五": (2016, 2020)}
#: plausible range of a value by measure (the unit is the row's: %, 家, 件, 亿元 …)
RANGES = {
    "growth_rate": (-100.0, 1000.0),
    "share": (0.0, 100.0),
    "rate": (0.0, 100.0),
    "cumulative_change": (-100.0, 100.0),
}
COUNT_RANGE = (0.0, 1e9)
VERDICTS = (
    "achieved",
    "on_track",
    "behind",
    "within_ceiling",
    "over_ceiling",
    "no_data",
    "not_assessed",
)
_NUM = re.compile(r"^\s*([<>≤≥]?)\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_target(text: object) -> tuple[float | None, str]:
    """``"2000"`` → (2000, ""), ``"<4"`` → (4, "<"), ``">7.5"`` → (7.5, ">"); a range, a dash or
    a qualitative target → (None, text)."""
    m = _NUM.match(str(text or ""))
    if not m:
        return None, str(text or "")
    return float(m.group(2)), m.group(1)


@dataclass(frozen=True)
class Catalogue:
    """The zone's indicator rows (every column of plan_targets.csv, as text)."""

    rows: pd.DataFrame
    source: str = "plan_targets.csv"

    @property
    def table2(self) -> pd.DataFrame:
        """The 十四五 表2 rows, in their printed order."""
        r = self.rows[(self.rows["plan"] == "十四五") & (self.rows["table"] == "表2")]
        return r.sort_values("row_no", key=lambda s: pd.to_numeric(s, errors="coerce"))

    def keys(self) -> set[str]:
        return set(self.rows["key"])

    def series(self, key: str) -> pd.DataFrame:
        """十三五 rows that the 十四五 row *key* continues (附表 target, 表1 outcome)."""
        return self.rows[self.rows.get("series_key", pd.Series("", index=self.rows.index)) == key]


def catalogue(targets: pd.DataFrame, *, source: str = "plan_targets.csv") -> Catalogue:
    for col in ("table", "row_no", "group_zh", "measure", "nature", "base_year", "base"):
        if col not in targets.columns:
            targets = targets.assign(**{col: ""})
    return Catalogue(targets.fillna("").astype(str), source)


def _period(row: pd.Series) -> tuple[int, int]:
    return PLAN_PERIODS.get(str(row["plan"]), (1900, 2100))


def validate_actuals(raw: pd.DataFrame, cat: Catalogue, *, source: str = "") -> pd.DataFrame:
    """Check a table of actual values (text cells: key, year, value, note, source) against the
    catalogue; return it typed (year int, value float) or raise one :class:`ValidationError`
    naming every bad cell. Row numbers count the header as row 1."""
    source = source or str(raw.attrs.get("source", "actuals"))
    rows = cat.rows.set_index("key")
    problems: list[Problem] = []
    out = []
    seen: dict[tuple[str, int], int] = {}

    def bad(i: int, field: str, message: str, hint: str = "") -> None:
        problems.append(Problem(message, source=source, row=i + 2, field=field, hint=hint))

    for i, r in enumerate(raw.to_dict("records")):
        key, year_s, value_s = (
            str(r["key"]).strip(),
            str(r["year"]).strip(),
            str(r["value"]).strip(),
        )
        if not (key or year_s or value_s):
            continue  # an empty line
        if key not in rows.index:
            bad(
                i,
                "key",
                f"unknown indicator key {key!r}",
                "use a key of plan_targets.csv, e.g. hte",
            )
            continue
        row = rows.loc[key]
        try:
            year = int(float(year_s))
            if str(year) != year_s.split(".")[0] or float(year_s) != year:
                raise ValueError
        except ValueError:
            bad(i, "year", f"year {year_s!r} is not a whole number")
            continue
        lo, hi = _period(row)
        if not lo <= year <= hi:
            bad(i, "year", f"{year} is outside the {row['plan']} plan period {lo}-{hi}")
            continue
        try:
            value = float(value_s.replace(",", ""))
        except ValueError:
            bad(
                i,
                "value",
                f"value {value_s!r} is not a number",
                f"give the number in {row['unit']}",
            )
            continue
        vlo, vhi = RANGES.get(str(row["measure"]), COUNT_RANGE)
        if not math.isfinite(value) or not vlo <= value <= vhi:
            bad(
                i,
                "value",
                f"{value_s} is out of range for {row['name_zh']} ({vlo:g} to {vhi:g} {row['unit']})",
            )
            continue
        if (key, year) in seen:
            bad(i, "year", f"{key} {year} is given twice (also row {seen[(key, year)] + 2})")
            continue
        seen[(key, year)] = i
        out.append(
            {
                "key": key,
                "year": year,
                "value": value,
                "note": r.get("note", ""),
                "source": r.get("source", ""),
            }
        )
    if problems:
        raise ValidationError(problems, source=source)
    return pd.DataFrame(out, columns=["key", "year", "value", "note", "source"])


def empty_actuals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": pd.Series(dtype=str),
            "year": pd.Series(dtype=int),
            "value": pd.Series(dtype=float),
            "note": pd.Series(dtype=str),
            "source": pd.Series(dtype=str),
        }
    )


def with_derived(
    actuals: pd.DataFrame, derived: dict[str, float], year: int, label: str
) -> pd.DataFrame:
    """*actuals* plus the layer-derived values of *year* that the table does not already give."""
    have = set(zip(actuals["key"], actuals["year"], strict=True)) if len(actuals) else set()
    extra = [
        {"key": k, "year": year, "value": float(v), "note": "", "source": label, "derived": True}
        for k, v in derived.items()
        if (k, year) not in have
    ]
    base = actuals.assign(derived=False)
    return pd.concat([base, pd.DataFrame(extra)], ignore_index=True) if extra else base


def _assess(row: pd.Series, acts: pd.DataFrame) -> dict:
    base, _ = parse_target(row["base"])
    target, op = parse_target(row["target"])
    by = int(row["base_year"]) if str(row["base_year"]).isdigit() else None
    ty = int(row["target_year"]) if str(row["target_year"]).isdigit() else None
    res: dict = {
        "actual_year": None,
        "actual": None,
        "actual_source": "",
        "derived": False,
        "expected": None,
        "progress": None,
        "verdict": "no_data",
    }
    measure = str(row["measure"])
    if measure == "cumulative_change" or target is None or ty is None:
        res["verdict"] = "not_assessed"
    if not len(acts):
        return res
    last = acts.sort_values("year").iloc[-1]
    res.update(
        actual_year=int(last["year"]),
        actual=float(last["value"]),
        actual_source=str(last["source"]),
        derived=bool(last.get("derived", False)),
    )
    if res["verdict"] == "not_assessed" or target is None or ty is None:
        return res
    y, a = int(last["year"]), float(last["value"])
    if op in ("<", "≤"):
        res["expected"] = target
        res["verdict"] = (
            "within_ceiling" if a < target or (op == "≤" and a == target) else "over_ceiling"
        )
        return res
    if measure == "growth_rate":
        mean = float(acts["value"].mean())
        res.update(
            actual=round(mean, 3), expected=target, progress=mean / target if target else None
        )
        res["verdict"] = "on_track" if mean >= target else "behind"
        return res
    if measure == "flow_period" or base is None:
        total = float(acts["value"].sum())
        lo, hi = _period(row)
        share = (y - lo + 1) / (hi - lo + 1)
        res.update(
            actual=total,
            expected=round(target * share, 3),
            progress=total / target if target else None,
        )
        res["verdict"] = (
            "achieved" if total >= target else "on_track" if total >= target * share else "behind"
        )
        return res
    if by is None or ty == by or target == base:
        res["verdict"] = "not_assessed"
        return res
    expected = base + (target - base) * (y - by) / (ty - by)
    sign = 1.0 if target > base else -1.0
    res.update(expected=round(expected, 3), progress=(a - base) / (target - base))
    res["verdict"] = (
        "achieved"
        if sign * (a - target) >= 0
        else "on_track"
        if sign * (a - expected) >= 0
        else "behind"
    )
    return res


def progress(cat: Catalogue, actuals: pd.DataFrame) -> pd.DataFrame:
    """One row per 表2 indicator: the catalogue columns, the latest actual, the value the linear
    path expects for its year, progress (fraction of the way from base to target) and a verdict
    (one of :data:`VERDICTS`)."""
    rows = []
    for _, row in cat.table2.iterrows():
        acts = actuals[actuals["key"] == row["key"]] if len(actuals) else actuals
        rows.append({**row.to_dict(), **_assess(row, acts)})
    return pd.DataFrame(rows)


def summary(cat: Catalogue, actuals: pd.DataFrame) -> dict:
    """JSON-ready catalogue with progress (the 20 表2 rows) and the 十三五 series behind them."""
    prog = progress(cat, actuals)
    items = []
    for r in prog.to_dict("records"):
        s = cat.series(r["key"])
        items.append(
            {
                "key": r["key"],
                "row": int(r["row_no"]) if str(r["row_no"]).isdigit() else r["row_no"],
                "group": r["group_zh"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "unit": r["unit"],
                "nature": r["nature"],
                "measure": r["measure"],
                "base_year": r["base_year"],
                "base": r["base"],
                "target_year": r["target_year"],
                "target": r["target"],
                "actual_year": None if _plain(r["actual_year"]) is None else int(r["actual_year"]),
                "actual": _num(r["actual"], 6),
                "actual_derived": bool(r["derived"]),
                "expected": _num(r["expected"], 3),
                "progress": _num(r["progress"], 4),
                "verdict": r["verdict"],
                "source": r["source"],
                "note": r.get("definitional_note", ""),
                "series_13th": [
                    {
                        k: x[k]
                        for k in (
                            "key",
                            "table",
                            "name_zh",
                            "target_year",
                            "target",
                            "actual",
                            "status",
                            "series_relation",
                            "source",
                        )
                        if k in x
                    }
                    for x in s.to_dict("records")
                ],
            }
        )
    counts = pd.Series([i["verdict"] for i in items]).value_counts().to_dict()
    return {"plan": "十四五", "rows": len(items), "verdicts": counts, "indicators": items}


# --- the zone's catalogue and the values its layers give ---------------------------------------

#: the project store item holding the zone's actual values (kind "layer": a plain table)
STORE_KIND = "layer"
STORE_NAME = "plan_actuals"


def load_catalogue(zone_dir=None) -> Catalogue:
    """The catalogue of a zone folder (``tables/plan_targets.csv``; the bundled sample by default)."""
    from geoplan.data.indicator_tables import PLAN_TARGETS_FILE, read_plan_targets
    from geoplan.standards.chains_tiers import tables_dir

    path = tables_dir(zone_dir) / PLAN_TARGETS_FILE
    return catalogue(read_plan_targets(path), source=path.name)


def data_year(zone) -> int:
    """The statistical year of the zone's firm figures (``year`` field, else the sample's year)."""
    from geoplan.analysis.land_yield import DEFAULT_YEAR

    firms = zone.layers["firms"]
    if "year" in firms and firms["year"].notna().any():
        return int(pd.to_numeric(firms["year"], errors="coerce").max())
    return int(firms.attrs.get("year", DEFAULT_YEAR))


def report(zone, cat: Catalogue, tiers, actuals: pd.DataFrame, *, derived_label: str) -> dict:
    """The JSON document of ``geoplan indicators``: 表2 rows with progress (actual values from
    *actuals*, plus the firm counts the layers give for the data year) and, for the indicators
    the layers give, their value by 组团 and by 板块."""
    from geoplan.analysis import tiers as T

    year = data_year(zone)
    derived = T.indicator_values(zone, tiers) if tiers is not None else {}
    derived = {k: v for k, v in derived.items() if k in cat.keys()}  # noqa: SIM118 (a Catalogue, not a dict)
    acts = with_derived(actuals, derived, year, derived_label)
    doc = summary(cat, acts)
    doc["data_year"] = year
    doc["derived"] = {k: int(v) for k, v in derived.items()}
    if tiers is not None:
        for unit in ("cluster", "plate"):
            bu = T.by_unit(zone, tiers, unit)
            cols = [
                "unit",
                "firms",
                "land_mu",
                "floor_10k_m2",
                "tax",
                "tax_per_mu",
                *[c for c in bu.columns if c.startswith("ind_")],
            ]
            rows = bu[cols].rename(columns=lambda c: c.removeprefix("ind_")).to_dict("records")
            doc[f"by_{unit}"] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    return doc


def _plain(v: object) -> object:
    """A JSON-ready cell: floats rounded to 2 places, NaN as None, numpy scalars as Python."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else round(float(v), 2)
    return v


def _num(v: object, digits: int) -> float | None:
    """A finite number rounded to *digits*, else None (NaN / None / text)."""
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(f, digits) if math.isfinite(f) else None
