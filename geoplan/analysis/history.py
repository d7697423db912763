"""Evaluation history: each year evaluated with the zone's scheme, class transitions, repeated D,
and the firm profile (企业画像).

:func:`evaluate_history` runs :func:`geoplan.analysis.land_yield.evaluate` once per year of the
firm history table (:mod:`geoplan.data.firm_years`): the firms layer gives land and tenancy (the
latest year), the year's row gives the figures; a firm without a row for a year did not report
that year (entered later, left) and is not evaluated in it. Results:

- :meth:`History.transitions` — class × class counts from each year to the next (firms evaluated
  in both years);
- :meth:`History.repeat_d` — firms in D two or more years running;
- :meth:`History.run_length` — for each firm, how many years running it has held its latest class
  (what a 差别化 rule "after 2 consecutive years" reads);
- :meth:`History.profile` — one firm's indicators and class over the years beside the median of
  its list (规上/规下 …) in its unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoplan.data.firm_years import FIELDS
from geoplan.errors import GeoplanError

CLASSES = ("A", "B", "C", "D", "T")


@dataclass
class History:
    """Per-year firm results of one scheme (long table ``firms``: one row per firm and year)."""

    scheme: str
    years: list[int]
    firms: pd.DataFrame
    indicators: list[str]
    evaluations: dict[int, Any] = field(default_factory=dict, repr=False)

    # --- tables ---------------------------------------------------------------------------------

    def classes(self) -> pd.DataFrame:
        """Firm × year class table ("" where the firm was not evaluated that year)."""
        wide = self.firms.pivot_table(
            index="firm_id", columns="year", values="class", aggfunc="first"
        )
        return wide.reindex(columns=self.years).fillna("").astype(str)

    def transitions(self) -> list[dict]:
        """For each pair of consecutive years, ``counts[from][to]`` over firms classed in both."""
        wide = self.classes()
        out = []
        for y0, y1 in zip(self.years, self.years[1:], strict=False):
            a, b = wide[y0], wide[y1]
            both = (a != "") & (b != "")
            ct = pd.crosstab(a[both], b[both]).reindex(index=CLASSES, columns=CLASSES, fill_value=0)
            counts = {str(r): {str(c): int(ct.loc[r, c]) for c in CLASSES} for r in CLASSES}
            up = sum(
                counts[r][c] for r in CLASSES[:4] for c in CLASSES[:4] if c < r
            )  # "A" < "B": a better class
            down = sum(counts[r][c] for r in CLASSES[:4] for c in CLASSES[:4] if c > r)
            out.append(
                {
                    "from": int(y0),
                    "to": int(y1),
                    "firms": int(both.sum()),
                    "up": int(up),
                    "down": int(down),
                    "same": int(sum(counts[c][c] for c in CLASSES[:4])),
                    "counts": counts,
                }
            )
        return out

    def _runs(self, cls: str | None = None) -> pd.DataFrame:
        """Per firm: longest run of consecutive years in *cls* (or, with None, the trailing run in
        the latest class) with its first and last year."""
        wide = self.classes()
        years = np.array(self.years)
        arr = wide.to_numpy()
        rows = []
        for fid, row in zip(wide.index, arr, strict=True):
            if cls is None:
                last = next((j for j in range(len(row) - 1, -1, -1) if row[j]), None)
                if last is None or last != len(row) - 1:
                    continue
                c, j = row[last], last
                while j - 1 >= 0 and row[j - 1] == c and years[j - 1] == years[j] - 1:
                    j -= 1
                rows.append((fid, c, last - j + 1, int(years[j]), int(years[last])))
                continue
            best, start, cur, cur_start = 0, 0, 0, 0
            for j, v in enumerate(row):
                consecutive = j > 0 and years[j] == years[j - 1] + 1
                if v == cls:
                    cur = cur + 1 if (cur and consecutive) else 1
                    cur_start = cur_start if cur > 1 else j
                    if cur > best:
                        best, start = cur, cur_start
                else:
                    cur = 0
            if best:
                rows.append((fid, cls, best, int(years[start]), int(years[start + best - 1])))
        return pd.DataFrame(rows, columns=["firm_id", "class", "years", "first", "last"])

    def run_length(self) -> pd.DataFrame:
        """``firm_id, class, years, first, last``: how long each firm (classed in the latest year)
        has held its latest class without a break."""
        return self._runs(None)

    def repeat_d(self, min_years: int = 2) -> pd.DataFrame:
        """Firms in D *min_years* or more years running (``firm_id, name, years, first, last``),
        longest first."""
        r = self._runs("D")
        r = r[r["years"] >= min_years].drop(columns="class")
        names = self.firms.drop_duplicates("firm_id", keep="last").set_index("firm_id")
        if "name" in names.columns:
            r.insert(1, "name", r["firm_id"].map(names["name"]).fillna(""))
        return r.sort_values(["years", "firm_id"], ascending=[False, True]).reset_index(drop=True)

    def profile(self, firm_id: str) -> pd.DataFrame:
        """企业画像: per year and indicator, the firm's value and class beside the median of its
        list in its unit (``year, class, score, indicator, value, list_median, list``)."""
        f = self.firms
        mine = f[f["firm_id"].astype(str) == str(firm_id)]
        if mine.empty:
            msg = (
                f"firm {firm_id}: not in the evaluation history ({', '.join(map(str, self.years))})"
            )
            raise GeoplanError(msg)
        rows = []
        for _, r in mine.sort_values("year").iterrows():
            peers = f[
                (f["year"] == r["year"]) & (f["list"] == r["list"]) & (f["unit"] == r["unit"])
            ]
            peers = peers[peers["class"].isin(CLASSES[:4])]
            for ind in self.indicators:
                if ind not in f.columns:
                    continue
                v = r[ind]
                med = pd.to_numeric(peers[ind], errors="coerce").median() if len(peers) else np.nan
                rows.append(
                    {
                        "year": int(r["year"]),
                        "class": r["class"],
                        "score": r.get("score"),
                        "list": r["list"],
                        "unit": r["unit"],
                        "indicator": ind,
                        "value": None if pd.isna(v) else float(v),
                        "list_median": None if pd.isna(med) else float(med),
                    }
                )
        return pd.DataFrame(rows)

    def profiles(self) -> pd.DataFrame:
        """企业画像 of every firm: one row per firm and year with class, score, each indicator and
        the median of that indicator in the firm's list and unit that year (``<ind>_median``)."""
        f = self.firms
        inds = [i for i in self.indicators if i in f.columns]
        rated = f[f["class"].isin(CLASSES[:4])]
        med = rated.groupby(["year", "list", "unit"])[inds].median()
        med.columns = [f"{c}_median" for c in med.columns]
        out = f.merge(med, left_on=["year", "list", "unit"], right_index=True, how="left")
        cols = ["firm_id", "name", "year", "list", "unit", "class", "score"]
        for i in inds:
            cols += [i, f"{i}_median"]
        out = out[[c for c in cols if c in out.columns]]
        return out.sort_values(["firm_id", "year"]).reset_index(drop=True)

    def class_counts(self) -> dict[int, dict[str, int]]:
        out = {}
        for y in self.years:
            vc = self.firms.loc[self.firms["year"] == y, "class"].value_counts()
            out[int(y)] = {c: int(vc.get(c, 0)) for c in CLASSES}
        return out

    def to_json(self) -> dict:
        """What ``geoplan evaluate --history --json`` adds: years, class counts per year,
        transitions and repeated D."""
        rd = self.repeat_d()
        return {
            "years": [int(y) for y in self.years],
            "scheme": self.scheme,
            "classes_by_year": {str(k): v for k, v in self.class_counts().items()},
            "transitions": self.transitions(),
            "repeat_d": {
                "firms": len(rd),
                "list": [
                    {
                        "firm_id": str(r.firm_id),
                        "name": str(getattr(r, "name", "")),
                        "years": int(r.years),
                        "first": int(r.first),
                        "last": int(r.last),
                    }
                    for r in rd.itertuples(index=False)
                ],
            },
        }


def firms_of_year(firms: pd.DataFrame, years_table: pd.DataFrame, year: int) -> pd.DataFrame:
    """The firms layer with *year*'s figures (firms without a row that year are left out)."""
    rows = years_table[years_table["year"] == year].drop(columns="year")
    figures = [c for c in FIELDS if c in rows.columns]
    base = firms.drop(columns=[c for c in figures if c in firms.columns])
    base = base.assign(firm_id=base["firm_id"].astype(str))
    out = base.merge(rows[["firm_id", *figures]], on="firm_id", how="inner")
    for c in FIELDS:  # a figure the history lacks keeps the layer's value
        if c in firms.columns and c not in out.columns:
            out[c] = (
                firms.set_index(firms["firm_id"].astype(str))[c].reindex(out["firm_id"]).to_numpy()
            )
    if "tax" in out.columns:
        out["tax"] = out["tax"].fillna(0.0)
    out.attrs["year"] = int(year)
    return out


def evaluate_history(
    parcels,
    firms: pd.DataFrame,
    years_table: pd.DataFrame,
    scheme="dalian_default",
    *,
    years: list[int] | None = None,
    keep_evaluations: bool = False,
    **kwargs: Any,
) -> History:
    """Evaluate every year of *years_table* (or *years*) under *scheme*; see the module doc.

    *kwargs* go to :func:`geoplan.analysis.land_yield.evaluate` (plates, tenant_rule …).
    """
    from geoplan.analysis.land_yield import evaluate
    from geoplan.analysis.land_yield.schemes import load_scheme

    sch = load_scheme(scheme)
    have = sorted(int(y) for y in years_table["year"].unique())
    ys = sorted(int(y) for y in (years or have))
    missing = [y for y in ys if y not in have]
    if missing:
        msg = f"firm history: no rows for {', '.join(map(str, missing))} (years: {have})"
        raise GeoplanError(msg)
    kwargs.setdefault("with_extras", False)
    frames, evs = [], {}
    inds = list(sch.indicator_ids)
    for y in ys:
        fy = firms_of_year(firms, years_table, y)
        ev = evaluate(parcels, fy, sch, year=y, **kwargs)
        cols = ["firm_id", "name", "group", "unit", "score", "class", *inds]
        if "list" in ev.firms.columns:
            cols.insert(2, "list")
        r = ev.firms[[c for c in dict.fromkeys(cols) if c in ev.firms.columns]].copy()
        if "list" not in r.columns:
            r["list"] = r["group"] if "group" in r.columns else ""
        r["list"] = r["list"].astype(object).where(r["list"].notna(), "")
        r["unit"] = r["unit"].astype(object).where(r["unit"].notna(), "")
        r["class"] = r["class"].astype(object).where(r["class"].notna(), "")
        r.insert(1, "year", y)
        if "electricity_mwh" in ev.firms.columns:
            r["electricity_mwh"] = ev.firms["electricity_mwh"].to_numpy()
        frames.append(r)
        if keep_evaluations:
            evs[y] = ev
    long = pd.concat(frames, ignore_index=True)
    long["firm_id"] = long["firm_id"].astype(str)
    return History(sch.name, ys, long, inds, evs)
