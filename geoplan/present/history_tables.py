"""Display tables of the evaluation history (等级变化, 连续D类, 企业画像) and of the 差别化 measures,
for the internal workbook and the firm card (:mod:`geoplan.present.eval_tables` formats them)."""

from __future__ import annotations

import pandas as pd

from geoplan.present.eval_tables import DASH, Col, column, display, fmt_value, indicator_header
from geoplan.text import t

CLASSES = ("A", "B", "C", "D", "T")


def transitions_table(history, lang: str = "zh") -> pd.DataFrame:
    """One row per (from year, from class): counts into each class the next year."""
    rows = []
    for tr in history.transitions():
        for a in CLASSES:
            row = {
                t("hist_col_years", lang): f"{tr['from']}→{tr['to']}",
                t("hist_col_from", lang): t(f"class_{a}", lang),
            }
            for b in CLASSES:
                row[t("hist_col_to", lang, cls=b)] = tr["counts"][a][b]
            rows.append(row)
    if not rows:
        return pd.DataFrame({t("hist_col_years", lang): [DASH]})
    return pd.DataFrame(rows)


def repeat_d_table(history, lang: str = "zh") -> pd.DataFrame:
    r = history.repeat_d()
    if r.empty:
        return pd.DataFrame({t("hist_col_none", lang): [t("hist_no_repeat_d", lang)]})
    return pd.DataFrame(
        {
            t("ev_col_firm_id", lang): r["firm_id"],
            t("ev_col_name", lang): r.get("name", ""),
            t("hist_col_d_years", lang): r["years"],
            t("hist_col_first", lang): r["first"],
            t("hist_col_last", lang): r["last"],
        }
    )


def profile_table(history, firm_id: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """企业画像 rows (one firm, or every firm): year, class, score, indicators beside the median."""
    p = history.profiles()
    if firm_id is not None:
        p = p[p["firm_id"].astype(str) == str(firm_id)]
    cols: dict[str, list] = {}
    base = ["firm_id", "name"] if firm_id is None else []
    shown = display(p, lang, [*base, "year", "list", "unit", "class", "score"])
    for c in shown.columns:
        cols[c] = shown[c].tolist()
    for ind in history.indicators:
        if ind not in p.columns:
            continue
        c = column(ind) or Col("", "num", 2)
        h = indicator_header(ind, lang)
        cols[h] = [fmt_value(v, c, lang) for v in p[ind]]
        cols[t("hist_col_median", lang, what=h)] = [
            fmt_value(v, c, lang) for v in p[f"{ind}_median"]
        ]
    return pd.DataFrame(cols)


def history_sheets(history, lang: str = "zh") -> dict[str, pd.DataFrame]:
    return {
        "wb_sheet_transitions": transitions_table(history, lang),
        "wb_sheet_repeat_d": repeat_d_table(history, lang),
        "wb_sheet_profiles": profile_table(history, None, lang),
    }


def measures_table(measures: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """差别化 measures per firm: class, years in class, measure, amount, unit, estimated cost."""
    if measures.empty:
        return pd.DataFrame({t("pol_col_measure", lang): [t("pol_none", lang)]})
    num = Col("", "num", 2)
    return pd.DataFrame(
        {
            t("ev_col_firm_id", lang): measures["firm_id"].astype(str),
            t("ev_col_name", lang): measures["name"].astype(str),
            t("ev_col_class", lang): [
                fmt_value(v, Col("", "class"), lang) for v in measures["class"]
            ],
            t("pol_col_years", lang): measures["years_in_class"].astype(int),
            t("pol_col_measure", lang): [t(f"pol_measure_{m}", lang) for m in measures["measure"]],
            t("pol_col_amount", lang): [
                DASH if pd.isna(a) else f"{a:+g} {u}".strip()
                for a, u in zip(measures["amount"], measures["unit"], strict=True)
            ],
            t("pol_col_cost", lang): [fmt_value(v, num, lang) for v in measures["cost_wan"]],
            t("pol_col_basis", lang): measures["basis"].astype(str),
            t("pol_col_source", lang): measures["source"].astype(str),
            t("pol_col_verified", lang): [
                t("yes" if v else "no", lang) for v in measures["verified"]
            ],
        }
    )
