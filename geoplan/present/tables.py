"""Display tables: library results as frames a person reads (no Streamlit here).

Headers are translated and carry their unit, codes come with their names, statuses are words in
the chosen language, numbers are rounded to display precision, and a missing value is ``None``
only where the page shows it as "—". The pages add formatting (column configs) and nothing else.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from geoplan.present.viz_infra import ALERT_BG, DIGITS, KINDS, SCHEMATIC, STANDARDS, UNITS
from geoplan.text import t

ACCESS = (
    ("arterial", "in_access_arterial"),
    ("metro", "in_access_metro"),
    ("corridor", "in_access_corridor"),
)


def alert_label(alert: object, lang: str) -> str:
    """A facility's alert word (超载 / 负载偏高 / N-1 不满足 / 正常 / 未投运 …)."""
    return t(f"in_alert_{alert}", lang) if isinstance(alert, str) and alert else "—"


def infra_balance(res, kind: str, lang: str = "zh") -> tuple[pd.DataFrame, dict[str, str]]:
    """The balance of one facility kind: table and the background colour of each alert word."""
    lk, unit, digits = KINDS[kind], UNITS[kind], DIGITS[kind]
    b = res.facilities(lk).reset_index(drop=True)
    cols: dict[str, Any] = {
        t("name", lang): b["name"].astype(str),
        t("in_col_status", lang): [t(f"in_fstatus_{s}", lang) for s in b["status"].astype(str)],
    }
    if lk == "substation":
        cols[t("in_col_voltage", lang)] = b["voltage_kv"].round(0)
    cols |= {
        t("in_col_capacity", lang, unit=unit): b["capacity"].round(digits),
        t("in_col_demand", lang, unit=unit): b["demand"].round(digits),
        t("in_col_util", lang): [_pct_text(u) for u in b["utilisation"]],
        t("in_col_headroom", lang, unit=unit): b["headroom"].round(digits),
    }
    if lk == "substation":
        cols[t("in_col_firm", lang, unit=unit)] = b["firm_capacity"].round(1)
        cols[t("in_col_n1", lang)] = [
            (t("yes", lang) if ok else t("no", lang)) if svc else "—"
            for ok, svc in zip(b["n1_ok"].astype(bool), b["in_service"].astype(bool), strict=True)
        ]
    cols |= {
        t("alert", lang): [alert_label(a, lang) for a in b["alert"].astype(str)],
        t("in_col_parcels", lang): b["parcels"].astype(int),
        t("in_col_area", lang): b["area_mu"].round(0),
    }
    bg = {alert_label(a, lang): c for a, c in ALERT_BG.items()}
    return pd.DataFrame(cols), bg


def has_schematic(res, kind: str) -> bool:
    names = res.facilities(KINDS[kind])["name"].astype(str)
    return bool(names.str.contains(SCHEMATIC, regex=False).any())


def frame_completion(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """六纵五横: km built / under construction / planned per road and completion in %."""
    frame_label = {"六纵": t("in_frame_ns", lang), "五横": t("in_frame_ew", lang)}
    return pd.DataFrame(
        {
            t("in_col_road", lang): table["name"].astype(str),
            t("in_col_frame", lang): table["frame"].map(frame_label).fillna(table["frame"]),
            t("in_col_built_km", lang): table["built_km"].round(1),
            t("in_col_uc_km", lang): table["under_construction_km"].round(1),
            t("in_col_planned_km", lang): table["planned_km"].round(1),
            t("in_col_completion", lang): (table["completion"] * 100).round(0),
        }
    )


def _pct(v: float | None) -> float | None:
    return None if v is None else round(100 * v, 1)


def access(acc: dict, lang: str = "zh") -> pd.DataFrame:
    """Share of parcels within 500 / 800 m of an arterial, a metro station and the corridor."""
    return pd.DataFrame(
        {
            t("in_col_target", lang): [t(label, lang) for _, label in ACCESS],
            t("in_col_within_500", lang): [_pct(acc[k]["within_500m"]) for k, _ in ACCESS],
            t("in_col_within_800", lang): [_pct(acc[k]["within_800m"]) for k, _ in ACCESS],
            t("in_col_unreachable", lang): [acc[k]["unreachable"] for k, _ in ACCESS],
        }
    )


def coverage_gaps(cov, lang: str = "zh") -> pd.DataFrame:
    """Per standard: gap patches, parcels and their area / residential floor, share uncovered."""
    g = cov.gaps.groupby("standard").agg(
        patches=("area_m2", "size"),
        parcels=("n_parcels", "sum"),
        area=("area_m2", "sum"),
        floor=("floor_m2", "sum"),
    )
    g = g.reindex(list(STANDARDS)).fillna(0)
    shares = pd.Series({k: cov.shares.get(k, math.nan) for k in STANDARDS})
    return pd.DataFrame(
        {
            t("in_col_standard", lang): [t(f"in_cov_{k}", lang) for k in STANDARDS],
            t("in_col_patches", lang): g["patches"].astype(int).to_numpy(),
            t("in_col_gap_parcels", lang): g["parcels"].astype(int).to_numpy(),
            t("in_col_gap_area", lang): (g["area"] / 1e4).round(1).to_numpy(),
            t("in_col_gap_floor", lang): (g["floor"] / 1e4).round(1).to_numpy(),
            t("in_col_uncovered", lang): ((1 - shares) * 100).round(1).to_numpy(),
        }
    )


def scenario_balance(balance: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A scenario's facility balance (in service or with demand), most loaded first."""
    b = balance[balance["in_service"] | (balance["demand"] > 0)]
    view = pd.DataFrame(
        {
            t("name", lang): b["name"].astype(str),
            t("capacity", lang): b["capacity"].round(1),
            t("demand", lang): b["demand"].round(1),
            t("unit", lang): b["unit"].astype(str),
            t("utilisation", lang): (b["utilisation"] * 100).round(0),
            t("alert", lang): [alert_label(a, lang) for a in b["alert"].astype(str)],
        }
    )
    return view.sort_values(t("utilisation", lang), ascending=False)


def scenario_comparison(comparison, lang: str = "zh") -> pd.DataFrame:
    """The KPI table of a comparison with translated headers (KPI, unit, values, Δ)."""
    table = comparison.table.copy()
    return table.rename(columns={"kpi": t("indicator", lang), "unit": t("unit", lang)})


def fmt_number(v: object, digits: int = 1, unit: str = "") -> str:
    """A number for a card or a cell: thousands separators, *digits* decimals, "—" if missing."""
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if not np.isfinite(f):
        return "—"
    text = f"{f:,.{digits}f}"
    return f"{text} {unit}".strip()


# --- plan indicators, tiers, chains -------------------------------------------------------------


def _name(row: dict, lang: str) -> str:
    return str(row.get("name_en") if lang == "en" else row.get("name_zh") or "")


def _num(v: object, digits: int = 6) -> float | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return round(f, digits) if np.isfinite(f) else None


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    text = str(v).strip()
    return text if text and text.lower() not in ("nan", "none") else "—"


def _pct_text(v: object) -> str:
    f = _num(v)
    return "—" if f is None else f"{100 * f:.1f}"


def indicator_progress(prog: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The 表2 rows with base, target, latest actual, the linear path's value, progress and the
    verdict — every cell a word or a number, never an identifier."""
    rows = prog.to_dict("records")
    actual = [
        None if r["actual"] is None else f"{r['actual']:,.6g}" + ("*" if r.get("derived") else "")
        for r in rows
    ]
    return pd.DataFrame(
        {
            t("ind_row", lang): [_text(r["row_no"]) for r in rows],
            t("ind_group", lang): [
                t(f"ind_group_{r['group_zh']}", lang) if r["group_zh"] else "—" for r in rows
            ],
            t("indicator", lang): [f"{_name(r, lang)} ({r['unit']})" for r in rows],
            t("ind_nature", lang): [
                t(f"ind_nature_{r['nature']}", lang) if r["nature"] else "—" for r in rows
            ],
            t("ind_base", lang) + " 2020": [_text(r["base"]) for r in rows],
            t("target", lang) + " 2025": [_text(r["target"]) for r in rows],
            t("ind_actual", lang): [_text(a) for a in actual],
            t("ind_actual_year", lang): [_text(r["actual_year"]) for r in rows],
            t("ind_expected", lang): [
                _text(None if r["expected"] is None else f"{r['expected']:,.6g}") for r in rows
            ],
            t("ind_progress", lang): [_pct_text(r["progress"]) for r in rows],
            t("ind_verdict", lang): [t(f"ind_verdict_{r['verdict']}", lang) for r in rows],
            t("source", lang): [_text(r["source"]) for r in rows],
        }
    )


def indicator_series(cat, lang: str = "zh") -> pd.DataFrame:
    """The 十三五 rows next to the 十四五 row each continues, with the definitional note."""
    r = cat.rows
    s13 = r[(r["plan"] == "十三五")]
    names = dict(zip(r["key"], r["name_en"] if lang == "en" else r["name_zh"], strict=True))
    rel = {
        "same": "ind_rel_same",
        "renamed": "ind_rel_renamed",
        "flow_vs_stock": "ind_rel_flow_vs_stock",
        "cumulative_vs_annual": "ind_rel_cumulative_vs_annual",
    }

    def relation(text: str) -> str:
        keys = [rel[p.strip()] for p in str(text).replace(";", " ").split() if p.strip() in rel]
        return (
            "、".join(t(k, lang) for k in keys)
            if keys
            else (t("ind_rel_other", lang) if text else "—")
        )

    return pd.DataFrame(
        {
            t("ind_table", lang): s13["table"].to_numpy(),
            t("indicator", lang): [
                f"{_name(x, lang)} ({x['unit']})" for x in s13.to_dict("records")
            ],
            t("target", lang): [_text(v) for v in s13["target"]],
            t("ind_target_year", lang): [_text(v) for v in s13["target_year"]],
            t("ind_actual", lang): [_text(v) for v in s13["actual"]],
            t("ind_status", lang): [_text(v) for v in s13["status"]],
            t("ind_series", lang): [_text(names.get(k)) if k else "—" for k in s13["series_key"]],
            t("ind_relation", lang): [relation(v) for v in s13["series_relation"]],
            t("source", lang): s13["source"].to_numpy(),
        }
    )


def indicator_by_unit(bu: pd.DataFrame, unit: str, lang: str = "zh") -> pd.DataFrame:
    """Per 组团 / 板块: firms, land, floor area, tax, 亩均税收 and the tier indicators."""
    names = [u or t("ind_unit_outside", lang) for u in bu["unit"]]
    cols: dict[str, Any] = {t(f"ind_unit_{unit}", lang): names}
    for ind in ("hte", "sme", "growth"):
        if f"ind_{ind}" in bu:
            cols[t(f"ind_col_{ind}", lang)] = bu[f"ind_{ind}"].astype(int).to_numpy()
    cols |= {
        t("ind_col_firms", lang): bu["firms"].astype(int).to_numpy(),
        t("ind_col_land", lang): bu["land_mu"].round(0).to_numpy(),
        t("ind_col_floor", lang): bu["floor_10k_m2"].round(1).to_numpy(),
        t("ind_col_tax", lang): bu["tax"].round(0).to_numpy(),
        t("ind_col_tax_per_mu", lang): bu["tax_per_mu"].round(2).to_numpy(),
    }
    return pd.DataFrame(cols)


def actuals_view(actuals: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The editable table of actual values with translated headers (key, year, value, note, source)."""
    cols = {
        "key": "ind_col_key",
        "year": "ind_col_year",
        "value": "ind_col_value",
        "note": "ind_col_note",
        "source": "ind_col_source",
    }
    view = actuals.reindex(columns=list(cols)).copy()
    view["note"] = view["note"].fillna("").astype(str).replace({"nan": ""})
    view["source"] = view["source"].fillna("").astype(str).replace({"nan": ""})
    return view.rename(columns={k: t(v, lang) for k, v in cols.items()})


def actuals_from_view(view: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Back from :func:`actuals_view` to text cells key, year, value, note, source."""
    cols = {
        "key": "ind_col_key",
        "year": "ind_col_year",
        "value": "ind_col_value",
        "note": "ind_col_note",
        "source": "ind_col_source",
    }
    raw = view.rename(columns={t(v, lang): k for k, v in cols.items()}).reindex(columns=list(cols))
    return raw.apply(
        lambda s: s.map(
            lambda v: (
                ""
                if v is None or (isinstance(v, float) and not np.isfinite(v))
                else (
                    str(int(v))
                    if isinstance(v, float) and v.is_integer() and s.name == "year"
                    else str(v)
                )
            )
        )
    )


def tier_table(counts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per tier: firms in the layer, the plans' / news count (with when), the 十四五 target of
    the indicator it counts towards, and its definition (or that there is none)."""
    rows = counts.to_dict("records")

    def definition(r: dict) -> str:
        if not r["definition"]:
            return t("tier_none_defined", lang)
        return str(r["definition"]) + ("" if r["verified"] else t("tier_unverified", lang))

    return pd.DataFrame(
        {
            t("tier_col_tier", lang): [_name(r, lang) for r in rows],
            t("tier_col_firms", lang): [int(r["firms"]) for r in rows],
            t("tier_col_seed", lang): [
                _text(None if r["seed_count"] is None else f"{r['seed_count']:,.0f}") for r in rows
            ],
            t("tier_col_seed_when", lang): [_text(r["seed_when"]) for r in rows],
            t("tier_col_target", lang): [
                _text(f"{r['target']} ({r['target_year']})" if r["target"] else None) for r in rows
            ],
            t("tier_col_definition", lang): [definition(r) for r in rows],
        }
    )


def chain_overview(ov: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The chains side by side: firms by role, revenue and tax (亿元), land, floor area."""
    rows = ov.to_dict("records")
    return pd.DataFrame(
        {
            t("chain_col_chain", lang): [_name(r, lang) for r in rows],
            t("chain_col_industry", lang): ov["industry"].to_numpy(),
            t("chain_col_firms", lang): ov["firms"].astype(int).to_numpy(),
            t("chain_col_anchors", lang): ov["anchors"].astype(int).to_numpy(),
            t("chain_col_core", lang): ov["core_suppliers"].astype(int).to_numpy(),
            t("chain_col_revenue", lang): (ov["revenue"] / 1e4).round(2).to_numpy(),
            t("chain_col_tax", lang): (ov["tax"] / 1e4).round(2).to_numpy(),
            t("chain_col_land", lang): ov["land_mu"].round(0).to_numpy(),
            t("chain_col_floor", lang): ov["floor_10k_m2"].round(1).to_numpy(),
        }
    )


def chain_by_unit(bu: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One chain's figures per 组团."""
    return pd.DataFrame(
        {
            t("ind_unit_cluster", lang): [u or t("ind_unit_outside", lang) for u in bu["unit"]],
            t("chain_col_firms", lang): bu["firms"].astype(int).to_numpy(),
            t("chain_col_anchors", lang): bu["anchors"].astype(int).to_numpy(),
            t("chain_col_core", lang): bu["core_suppliers"].astype(int).to_numpy(),
            t("chain_col_revenue", lang): (bu["revenue"] / 1e4).round(2).to_numpy(),
            t("chain_col_tax", lang): (bu["tax"] / 1e4).round(2).to_numpy(),
            t("chain_col_land", lang): bu["land_mu"].round(0).to_numpy(),
            t("chain_col_floor", lang): bu["floor_10k_m2"].round(1).to_numpy(),
        }
    )


def chain_anchors(a: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("chain_col_firm", lang): a["name"].astype(str).to_numpy(),
            t("chain_col_parcel", lang): a["parcel_id"].astype(str).to_numpy(),
            t("chain_col_revenue", lang): (a["revenue"] / 1e4).round(2).to_numpy(),
            t("chain_col_tax", lang): (a["tax"] / 1e4).round(2).to_numpy(),
        }
    )


def chain_candidates(c: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("chain_col_candidate", lang): c["candidate_id"].astype(str).to_numpy(),
            t("chain_col_area", lang): c["area_mu"].round(0).to_numpy(),
            t("chain_col_score", lang): c["mean_score"].round(2).to_numpy(),
            t("chain_col_planned", lang): [
                t("yes" if v else "no", lang) for v in c["in_planned_place"]
            ],
            t("chain_col_sub", lang): c["substation_name"].astype(str).to_numpy(),
            t("chain_col_sub_head", lang): c["substation_headroom"].round(1).to_numpy(),
            t("chain_col_sew", lang): c["sewage_plant_name"].astype(str).to_numpy(),
            t("chain_col_sew_head", lang): c["sewage_plant_headroom"].round(0).to_numpy(),
        }
    )
