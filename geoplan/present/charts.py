"""Chart payloads for the app: plain Vega-Lite specs and display-ready series (no Streamlit here).

Plain dict specs (no Altair) so a rerun pays no schema validation; every axis and legend title
is translated and carries its unit.
"""

from __future__ import annotations

import pandas as pd

from geoplan.present.viz_infra import ALERT_COLORS, ALERTS, KINDS, UNITS
from geoplan.standards import landuse
from geoplan.text import t


def utilisation_chart(res, kind: str, lang: str = "zh") -> dict | None:
    """Bar chart of the in-service facilities' utilisation (%), coloured by alert, with the
    'high' threshold and 100 % as dashed rules; None when no facility is in service."""
    b = res.facilities(KINDS[kind])
    b = b[b["in_service"] & b["utilisation"].notna()].copy()
    if b.empty:
        return None
    b["util"] = (b["utilisation"] * 100).round(1)
    b["alert_label"] = [t(f"in_alert_{a}", lang) for a in b["alert"]]
    b["demand"] = b["demand"].round(1)
    b["capacity"] = b["capacity"].round(1)
    present = [a for a in ALERTS if a in set(b["alert"])]
    col = t("in_col_util", lang)
    unit = UNITS[kind]
    data = b[["name", "util", "alert_label", "demand", "capacity"]].to_dict("records")
    rules = [{"x": res.standards.alert_high * 100}, {"x": 100.0}]
    many = len(b) > 12
    return {
        "height": 16 * len(b) if many else 240,
        "layer": [
            {
                "data": {"values": data},
                "mark": "bar",
                "encoding": {
                    "x": {"field": "util", "type": "quantitative", "title": col},
                    "y": {
                        "field": "name",
                        "type": "nominal",
                        "sort": "-x",
                        "title": None,
                        "axis": {"labelLimit": 220, "labelFontSize": 11, "labelOverlap": False},
                    },
                    "color": {
                        "field": "alert_label",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [t(f"in_alert_{a}", lang) for a in present],
                            "range": [ALERT_COLORS[a] for a in present],
                        },
                        "legend": {"orient": "bottom", "columns": 2},
                    },
                    "tooltip": [
                        {"field": "name", "type": "nominal", "title": t("name", lang)},
                        {"field": "util", "type": "quantitative", "title": col},
                        {
                            "field": "demand",
                            "type": "quantitative",
                            "title": t("in_col_demand", lang, unit=unit),
                            "format": ",.1f",
                        },
                        {
                            "field": "capacity",
                            "type": "quantitative",
                            "title": t("in_col_capacity", lang, unit=unit),
                            "format": ",.1f",
                        },
                    ],
                },
            },
            {
                "data": {"values": rules},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555"},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
        ],
    }


def landuse_mix(mix: dict[str, float], lang: str = "zh") -> pd.Series:
    """Land-use mix by group (亩), labelled in *lang*; the series name carries the unit."""
    s = pd.Series(mix, name=t("area_mu", lang), dtype=float).round(0)
    s.index = [landuse.GROUPS.get(g, (g, g))[1 if lang == "en" else 0] for g in s.index]
    return s


def scenario_delta(comparison, keys: list[str], lang: str = "zh") -> pd.DataFrame | None:
    """Change of headline KPIs against the first scenario, in % of the baseline value (rows: KPI
    with unit; columns: the other scenarios); None for a single scenario."""
    from geoplan.scenario.kpis import KPI_BY_KEY

    c = comparison
    if len(c.names) < 2:
        return None
    table = c.table
    keys = [k for k in keys if k in table.index]
    d = table.loc[keys, [f"Δ {n}" for n in c.names[1:]]].copy()
    base = table.loc[keys, c.names[0]].replace(0, float("nan")).abs().to_numpy()
    pct = (d.div(base, axis=0) * 100).round(1)
    pct.index = [f"{KPI_BY_KEY[k].label(lang)} ({KPI_BY_KEY[k].unit})" for k in keys]
    pct.columns = list(c.names[1:])
    return pct
