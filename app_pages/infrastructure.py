"""基础设施 — facility balance per phase (map + chart), catchments, coverage gaps.

A thin page over :mod:`geoplan.analysis.infrastructure` (balance, catchments, 六纵五横, accessibility)
and :mod:`geoplan.analysis.coverage` (500米见园 …). Every analysis is cached per (zone key, phase) — both
facility kinds come from one ``infra.analyse`` — so switching the kind, language or basemap
recomputes nothing but the (cached) map.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.errors import GeoplanError
from geoplan.settings import PHASES

T = C.T
logger = logging.getLogger(__name__)

#: widget value (layer name) → library kind
KINDS = {"substations": "substation", "sewage_plants": "sewage_plant"}
UNITS = {"substations": "MVA", "sewage_plants": "m³/d"}
DIGITS = {"substations": 1, "sewage_plants": 0}
#: per-parcel columns of InfraResult.parcels for each kind: (facility id, distance, demand)
PARCEL_COLS = {
    "substations": ("substation_id", "substation_m", "substation_method", "power_mva"),
    "sewage_plants": ("sewage_id", "sewage_m", "sewage_method", "sewage_m3d"),
}
ALERTS = ("overload", "high", "n1", "ok", "not_in_service")
ALERT_COLORS = {
    "overload": "#d73027",
    "high": "#f46d43",
    "n1": "#e6ab02",
    "ok": "#1a9850",
    "not_in_service": "#bdbdbd",
}
ALERT_BG = {  # table cell backgrounds (light tints of ALERT_COLORS)
    "overload": "#f8c9c4",
    "high": "#fdd9c8",
    "n1": "#fbeab0",
    "ok": "#d4edda",
    "not_in_service": "#eeeeee",
}
STANDARDS = ("park_500m", "green_50m", "kindergarten", "school", "clinic")
GAP_COLORS = {
    "park_500m": "#c51b7d",
    "green_50m": "#1b7837",
    "kindergarten": "#e08214",
    "school": "#542788",
    "clinic": "#2166ac",
}
SCHEMATIC = "示意补全"
NOT_COUNTED = "#eeeeee"
UNSERVED = "#737373"
ACCESS = (
    ("arterial", "in_access_arterial"),
    ("metro", "in_access_metro"),
    ("corridor", "in_access_corridor"),
)


# ------------------------------------------------------------------------------ cached analyses
@st.cache_resource(max_entries=6, show_spinner=False)
def _balance(_zone, key: tuple, phase: str):
    """InfraResult of a phase (both kinds). Shared and read-only."""
    from geoplan.analysis import infrastructure as infra

    return infra.analyse(_zone, phase)


@st.cache_resource(max_entries=6, show_spinner=False)
def _coverage(_zone, key: tuple, phase: str):
    """CoverageResult of a phase (~2 s on the sample). Shared and read-only."""
    from geoplan.analysis import coverage

    layers = _zone.layers
    for name in ("parcels", "facilities", "roads"):
        if layers.get(name) is None:
            msg = f"the zone has no '{name}' layer (needed for the service coverage)"
            raise GeoplanError(msg)
    return coverage.service_coverage(
        layers["parcels"], layers["facilities"], layers["roads"], phase=phase
    )


@st.cache_data(max_entries=6, show_spinner=False)
def _access(_zone, key: tuple, phase: str) -> dict:
    from geoplan.analysis import infrastructure as infra

    return infra.access_summary(infra.accessibility(_zone, phase))


@st.cache_data(max_entries=4, show_spinner=False)
def _frame(_zone, key: tuple) -> tuple[pd.DataFrame, float]:
    from geoplan.analysis import infrastructure as infra

    roads = _zone.layers.get("roads")
    if roads is None:
        raise GeoplanError("the zone has no 'roads' layer")
    return infra.frame_completion(roads)


@st.cache_data(max_entries=2, show_spinner=False)
def _coverage_radii() -> dict[str, str]:
    """Per standard, the distance rule as text parameters (from data/standards/coverage.yaml)."""
    from geoplan.analysis import coverage

    std = coverage.load_standards()["standards"]
    out = {}
    for k, spec in std.items():
        if "tiers" in spec:
            out[k] = ("walk", "/".join(f"{t['radius_m']:g}" for t in spec["tiers"]))
        else:
            out[k] = ("straight" if k == "green_50m" else "walk", f"{spec['radius_m']:g}")
    return out


def _try(fn: Callable[[], Any]) -> Any:
    """Run one section's computation; a user problem or a defect is shown, the page goes on."""
    try:
        return fn()
    except GeoplanError as exc:
        st.error(f"{exc}\n\n{T('error_hint')}")
    except Exception:
        logger.exception("infrastructure page: a section failed")
        st.warning(T("section_failed"))
    return None


# ------------------------------------------------------------------------------ map
def _facility_frame(zone, res, kind: str):
    """The facility layer joined with its balance row (layer order)."""
    fac = zone.layers[kind]
    bal = res.facilities(KINDS[kind]).set_index("facility_id")
    ids = fac["facility_id"].astype(str)
    out = fac[["facility_id", "name", fac.geometry.name]].copy()
    for col in ("status", "capacity", "demand", "utilisation", "alert", "in_service"):
        out[col] = ids.map(bal[col]).to_numpy()
    out["schematic"] = out["name"].astype(str).str.contains(SCHEMATIC, regex=False).to_numpy()
    return out


def _legend(title: str, entries: list[tuple[str, str]], *, point: bool = False) -> str:
    """A compact legend section: entries flow side by side (the map keeps its room)."""
    shape = "border-radius:50%;width:10px;" if point else ""
    items = "".join(
        f'<span style="display:inline-block;white-space:nowrap;margin-right:8px">'
        f'<i style="background:{col};{shape}"></i>{label}</span>'
        for label, col in entries
    )
    head = f"<b>{title}</b>" if title else ""
    return f'{head}<div style="max-width:230px">{items}</div>'


@st.cache_resource(max_entries=12, show_spinner=False)
def _map(
    _zone, _res, _cov, key: tuple, has_cov: bool, kind: str, phase: str, lang: str, basemap: str
):
    import shapely

    from geoplan.analysis import infrastructure as infra
    from geoplan.present import maps, viz
    from geoplan.text import t

    z = _zone
    unit, digits = UNITS[kind], DIGITS[kind]
    m = maps.base_map(
        maps.bounds_4326(z.layers["zone"], basemap), basemap=basemap, north=t("north", lang)
    )
    fac = _facility_frame(z, _res, kind)
    xy = shapely.get_coordinates(shapely.centroid(fac.geometry.values))
    # one colour per facility, stable across phases (all facilities of the kind take part)
    fac_color = dict(zip(fac["facility_id"].astype(str), viz.spread_colors(xy), strict=True))
    names = dict(zip(fac["facility_id"].astype(str), fac["name"].astype(str), strict=True))

    # catchments: parcels coloured by the facility that serves them
    id_col, dist_col, method_col, dem_col = PARCEL_COLS[kind]
    pr = _res.parcels
    parcels = z.layers["parcels"]
    fid = pr[id_col].astype(object).to_numpy()
    counted = pr["counted"].to_numpy(bool)
    served = pd.notna(fid) & (pr[method_col].astype(str).to_numpy() != "beyond_radius")
    colors = np.where(
        counted & served,
        pd.Series(fid).map(fac_color).fillna(UNSERVED).to_numpy(),
        np.where(counted, UNSERVED, NOT_COUNTED),
    )
    p = parcels[["parcel_id", parcels.geometry.name]].copy()
    p["fac_name"] = pd.Series(fid).map(names).to_numpy()
    dist = pr[dist_col].to_numpy(float)
    p["dist_m"] = np.where(np.isfinite(dist), np.round(dist, 0), np.nan)
    p["demand"] = np.round(pr[dem_col].to_numpy(float), 2 if digits else 0)
    maps.add_layer(
        m,
        p,
        t("catchments", lang),
        colors=colors,
        basemap=basemap,
        ids="parcel_id",
        tooltip={
            "parcel_id": t("parcel_id", lang),
            "fac_name": t("in_tip_facility", lang),
            "dist_m": t("in_tip_distance", lang),
            "demand": t("in_tip_demand", lang, unit=unit),
        },
        style={"fill_opacity": 0.62, "weight": 0.3, "stroke": "#8a8a8a"},
        simplify_m=2,
    )
    maps.add_layer(
        m,
        z.layers["zone"],
        t("layer_zone", lang),
        colors="#222222",
        basemap=basemap,
        style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
        simplify_m=5,
    )
    roads = z.layers.get("roads")
    if roads is not None and len(roads):
        maps.add_layer(
            m,
            infra.phase_roads(roads, phase),
            t("in_layer_roads", lang, phase=t(f"phase_{phase}", lang)),
            colors="#6b6b6b",
            basemap=basemap,
            tooltip={"name": t("name", lang)} if "name" in roads else None,
            style={"weight": 1.1, "opacity": 0.7},
            simplify_m=3,
        )

    # coverage gaps: one optional layer per standard (off by default)
    gap_legend = []
    if _cov is not None and len(_cov.gaps):
        g = _cov.gaps.copy()
        g["floor_wan"] = (g["floor_m2"] / 1e4).round(2)
        for std in STANDARDS:
            part = g[g["standard"] == std]
            if not len(part):
                continue
            label = t(f"in_cov_{std}", lang)
            col = GAP_COLORS.get(std, "#444444")
            maps.add_layer(
                m,
                part,
                t("in_layer_gap", lang, std=label),
                colors=col,
                basemap=basemap,
                tooltip={
                    "n_parcels": t("in_col_gap_parcels", lang),
                    "floor_wan": t("in_col_gap_floor", lang),
                },
                style={"fill_opacity": 0.35, "weight": 1.5, "stroke": col},
                show=False,
                simplify_m=2,
            )
            gap_legend.append((label, col))

    # facilities coloured by alert; schematic stand-ins smaller and paler
    fac["alert_label"] = [t(f"in_alert_{a}", lang) for a in fac["alert"].astype(str)]
    fac["status_label"] = [t(f"in_fstatus_{s}", lang) for s in fac["status"].astype(str)]
    fac["cap_s"] = [f"{v:,.{digits}f} {unit}" for v in fac["capacity"].astype(float)]
    fac["dem_s"] = [f"{v:,.{digits}f} {unit}" for v in fac["demand"].astype(float)]
    util = fac["utilisation"].astype(float).to_numpy()
    fac["util_s"] = [f"{u:.0%}" if np.isfinite(u) else "—" for u in util]
    tip = {
        "name": t("name", lang),
        "status_label": t("in_col_status", lang),
        "cap_s": t("in_col_capacity", lang, unit=unit).split("(")[0],
        "dem_s": t("in_col_demand", lang, unit=unit).split("(")[0],
        "util_s": t("in_col_util", lang).split("(")[0],
        "alert_label": t("alert", lang),
    }
    fcol = fac["alert"].map(ALERT_COLORS).fillna("#999999").to_numpy()
    sch = fac["schematic"].to_numpy(bool)
    layer_name = t(f"layer_{kind}", lang)
    if sch.any():
        maps.add_layer(
            m,
            fac[sch],
            t("in_layer_schematic", lang, kind=layer_name),
            colors=fcol[sch],
            basemap=basemap,
            tooltip=tip,
            style={"radius": 6, "fill_opacity": 0.55, "stroke": "#9a9a9a"},
        )
    maps.add_layer(
        m,
        fac[~sch],
        layer_name,
        colors=fcol[~sch],
        basemap=basemap,
        tooltip=tip,
        style={"radius": 10, "fill_opacity": 0.95, "stroke": "#222222"},
    )
    # utilisation labels just below each dot (a separate, switchable layer)
    lab = fac[np.isfinite(util)].copy()
    if len(lab):
        lab = lab.set_geometry(lab.geometry.translate(0, -260))
        maps.add_layer(
            m,
            lab,
            t("in_layer_labels", lang),
            colors="#000000",
            basemap=basemap,
            label_col="util_s",
            style={"radius": 0, "fill_opacity": 0, "stroke": "rgba(0,0,0,0)"},
        )

    present = [a for a in ALERTS if a in set(fac["alert"])]
    load = [(t(f"in_alert_{a}", lang), ALERT_COLORS[a]) for a in present]
    # catchments: one swatch strip (a colour per facility would make a legend of dozens of rows;
    # the parcel tooltip names the facility), then unserved / no demand
    serving = [f for f in fac["facility_id"].astype(str) if f in set(fid[counted & served])]
    strip = "".join(
        f'<i style="background:{c};width:8px;margin-right:1px"></i>'
        for c in dict.fromkeys(fac_color[f] for f in serving)
    )
    rest = [(t("in_unserved", lang), UNSERVED)] if (counted & ~served).any() else []
    rest += [(t("in_not_counted", lang), NOT_COUNTED)]
    sections = [
        _legend(t("in_legend_load", lang), load, point=True)
        + (t("in_legend_schematic", lang) if sch.any() else ""),
        f"<b>{t('catchments', lang)}</b>{strip}<br>"
        f"{t('in_legend_catchment', lang, n=len(serving))}<br>{_legend('', rest)}",
    ]
    if gap_legend:
        sections.append(_legend(t("in_legend_gaps", lang), gap_legend))
    maps.add_legend(m, sections)
    m = maps.finish(m)
    return m, maps.payload_bytes(m)


# ------------------------------------------------------------------------------ sections
def _kpis(res, kind: str) -> None:
    lk, unit, digits = KINDS[kind], UNITS[kind], 0
    b = res.facilities(lk)
    dist = b[b["in_service"] & (b["level"] != "upstream")]
    pr = res.parcels
    demand = float(pr.loc[pr["counted"], PARCEL_COLS[kind][3]].sum())
    cap = float(dist["capacity"].sum())
    uns = res.unserved[res.unserved["kind"] == lk]
    u = uns.iloc[0] if len(uns) else None
    c = st.columns(5)
    c[0].metric(f"{T('in_kpi_capacity')} ({unit})", f"{cap:,.{digits}f}")
    c[1].metric(f"{T('in_kpi_demand')} ({unit})", f"{demand:,.{digits}f}")
    c[2].metric(T("in_kpi_util"), f"{demand / cap:.0%}" if cap > 0 else "—")
    n_alert = int(b["alert"].isin(["overload", "high", "n1"]).sum())
    c[3].metric(T("in_kpi_alerts"), f"{n_alert} / {int(b['in_service'].sum())}")
    c[4].metric(
        f"{T('in_kpi_unserved')} ({unit})",
        f"{(u['demand'] if u is not None else 0.0):,.{digits}f}",
        help=T(
            "in_kpi_unserved_help",
            parcels=int(u["parcels"]) if u is not None else 0,
            mu=C.fmt_num(u["area_mu"] if u is not None else 0, 0),
        ),
    )


def _chart(res, kind: str, lang: str) -> None:
    b = res.facilities(KINDS[kind])
    b = b[b["in_service"] & b["utilisation"].notna()].copy()
    st.caption(T("in_chart_util"))
    if b.empty:
        st.caption("—")
        return
    b["util"] = (b["utilisation"] * 100).round(1)
    b["alert_label"] = [C.tl(lang, f"in_alert_{a}") for a in b["alert"]]
    b["demand"] = b["demand"].round(1)
    b["capacity"] = b["capacity"].round(1)
    present = [a for a in ALERTS if a in set(b["alert"])]
    col = T("in_col_util")
    data = b[["name", "util", "alert_label", "demand", "capacity"]].to_dict("records")
    rules = [{"x": res.standards.alert_high * 100}, {"x": 100.0}]
    spec = {  # a plain Vega-Lite spec: no Altair schema validation on every rerun
        "height": 15 * len(b) if len(b) > 12 else 240,
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
                        "axis": {"labelLimit": 200, "labelFontSize": 10, "labelOverlap": False},
                    },
                    "color": {
                        "field": "alert_label",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [C.tl(lang, f"in_alert_{a}") for a in present],
                            "range": [ALERT_COLORS[a] for a in present],
                        },
                        "legend": {"orient": "bottom", "columns": 2},
                    },
                    "tooltip": [
                        {"field": "name", "type": "nominal", "title": T("name")},
                        {"field": "util", "type": "quantitative", "title": col},
                        {
                            "field": "demand",
                            "type": "quantitative",
                            "title": T("in_col_demand", unit=UNITS[kind]),
                            "format": ",.1f",
                        },
                        {
                            "field": "capacity",
                            "type": "quantitative",
                            "title": T("in_col_capacity", unit=UNITS[kind]),
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
    st.vega_lite_chart(spec, width="stretch")


def _balance_table(res, kind: str, lang: str) -> None:
    lk, unit, digits = KINDS[kind], UNITS[kind], DIGITS[kind]
    b = res.facilities(lk).reset_index(drop=True)
    name_c = T("name")
    cols: dict[str, Any] = {
        name_c: b["name"].astype(str),
        T("in_col_status"): [C.tl(lang, f"in_fstatus_{s}") for s in b["status"].astype(str)],
    }
    if lk == "substation":
        cols[T("in_col_voltage")] = b["voltage_kv"].round(0)
    cols |= {
        T("in_col_capacity", unit=unit): b["capacity"].round(digits),
        T("in_col_demand", unit=unit): b["demand"].round(digits),
        T("in_col_util"): (b["utilisation"] * 100).round(1),
        T("in_col_headroom", unit=unit): b["headroom"].round(digits),
    }
    if lk == "substation":
        cols[T("in_col_firm", unit=unit)] = b["firm_capacity"].round(1)
        cols[T("in_col_n1")] = pd.array(
            np.where(b["in_service"], b["n1_ok"].astype(bool), None), dtype="boolean"
        )
    alert_c = T("alert")
    cols |= {
        alert_c: [C.tl(lang, f"in_alert_{a}") for a in b["alert"].astype(str)],
        T("in_col_parcels"): b["parcels"].astype(int),
        T("in_col_area"): b["area_mu"].round(0),
    }
    df = pd.DataFrame(cols)
    bg = {C.tl(lang, f"in_alert_{a}"): c for a, c in ALERT_BG.items()}
    fmt = {c: f"{{:,.{digits}f}}" for c in df.columns if c.endswith(f"({unit})")}
    fmt[T("in_col_util")] = "{:.1f}"
    fmt[T("in_col_area")] = "{:,.0f}"
    if lk == "substation":
        fmt[T("in_col_voltage")] = "{:.0f}"
    styled = df.style.format(fmt, na_rep="—").map(
        lambda v: f"background-color: {bg.get(v, '')}" if v in bg else "", subset=[alert_c]
    )
    st.dataframe(styled, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 530))
    if b["name"].astype(str).str.contains(SCHEMATIC, regex=False).any():
        st.caption(T("in_schematic_note"))


def _md_escape(text: str) -> str:
    for ch in "\\`*_[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text


def _alerts(res, kind: str, lang: str) -> None:
    lk = KINDS[kind]
    rows = [a for a in res.alerts if a.get("kind") == lk]
    serious = [a for a in rows if a.get("severity") in ("error", "warning")]
    info = [a for a in rows if a.get("severity") not in ("error", "warning")]

    def text(a: dict) -> str:
        return str(a.get("message_en" if lang == "en" else "message") or a.get("message", ""))

    if not serious:
        st.success(T("in_alerts_none"))
    else:
        n = {k: sum(a.get("alert") == k for a in serious) for k in ("overload", "high", "n1")}
        parts = [T(f"in_alerts_{k}", n=v) for k, v in n.items() if v]
        if any(a.get("alert") == "unserved" for a in serious):
            parts.append(T("in_alerts_unserved"))
        st.warning(T("in_alerts_head", kind=T(f"layer_{kind}"), parts=T("in_list_sep").join(parts)))
        lines = [
            f"- :{'red' if a['severity'] == 'error' else 'orange'}[{_md_escape(text(a))}]"
            for a in sorted(serious, key=lambda a: a["severity"] != "error")
        ]
        with st.expander(f"{T('in_alerts')} ({len(serious)})", expanded=len(serious) <= 20):
            st.markdown("\n".join(lines))
    for a in info:
        st.caption(text(a))


def _num(formats: dict[str, str]) -> dict:
    """Number formats for st.dataframe (column_config renders far faster than a pandas Styler)."""
    return {c: st.column_config.NumberColumn(c, format=f) for c, f in formats.items()}


def _frame_section(zone, key: tuple, lang: str) -> None:
    st.subheader(T("in_frame"))
    got = _try(lambda: _frame(zone, key))
    if got is None:
        return
    table, total = got
    st.metric(T("in_frame_completion"), f"{total:.0%}" if len(table) else "—")
    if not len(table):
        return
    frame_label = {"六纵": C.tl(lang, "in_frame_ns"), "五横": C.tl(lang, "in_frame_ew")}
    df = pd.DataFrame(
        {
            T("in_col_road"): table["name"].astype(str),
            T("in_col_frame"): table["frame"].map(frame_label).fillna(table["frame"]),
            T("in_col_built_km"): table["built_km"].round(1),
            T("in_col_uc_km"): table["under_construction_km"].round(1),
            T("in_col_planned_km"): table["planned_km"].round(1),
            T("in_col_completion"): (table["completion"] * 100).round(0),
        }
    )
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(df),
        column_config=_num(dict.fromkeys(df.columns[2:5], "%.1f") | {df.columns[5]: "%.0f"}),
    )


def _access_section(zone, key: tuple, phase: str) -> None:
    st.subheader(T("in_access"))
    acc = _try(lambda: _access(zone, key, phase))
    if acc is None:
        return

    def pct(v: float | None) -> float | None:
        return None if v is None else round(100 * v, 1)

    df = pd.DataFrame(
        {
            T("in_col_target"): [T(label) for _, label in ACCESS],
            T("in_col_within_500"): [pct(acc[k]["within_500m"]) for k, _ in ACCESS],
            T("in_col_within_800"): [pct(acc[k]["within_800m"]) for k, _ in ACCESS],
            T("in_col_unreachable"): [acc[k]["unreachable"] for k, _ in ACCESS],
        }
    )
    c = st.columns(3)
    for i, (k, label) in enumerate(ACCESS):
        med = acc[k]["median_m"]
        c[i].metric(
            T(label),
            "—" if med is None else f"{med:,.0f} m",
            help=T("in_col_median"),
        )
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        column_config=_num({df.columns[1]: "%.1f", df.columns[2]: "%.1f"}),
    )
    st.caption(T("in_access_note", phase=T(f"phase_{phase}")))


def _coverage_section(cov) -> None:
    st.subheader(T("in_coverage"))
    if cov is None:
        return
    radii = _try(_coverage_radii) or {}
    c = st.columns(len(STANDARDS))
    for i, std in enumerate(STANDARDS):
        v = cov.shares.get(std, math.nan)
        rule = radii.get(std)
        helptext = None
        if rule:
            helptext = T("in_cov_straight" if rule[0] == "straight" else "in_cov_walk", r=rule[1])
        c[i].metric(
            T(f"in_cov_{std}"),
            f"{v:.1%}" if v is not None and math.isfinite(v) else "—",
            help=helptext,
        )
    if cov.residential_floor_m2 <= 0:
        st.info(T("in_cov_none"))
        return
    st.markdown(f"**{T('coverage_gaps')}**")
    g = cov.gaps.groupby("standard").agg(
        patches=("area_m2", "size"),
        parcels=("n_parcels", "sum"),
        area=("area_m2", "sum"),
        floor=("floor_m2", "sum"),
    )
    g = g.reindex(list(STANDARDS)).fillna(0)
    shares = pd.Series({k: cov.shares.get(k, math.nan) for k in STANDARDS})
    df = pd.DataFrame(
        {
            T("in_col_standard"): [T(f"in_cov_{k}") for k in STANDARDS],
            T("in_col_patches"): g["patches"].astype(int).to_numpy(),
            T("in_col_gap_parcels"): g["parcels"].astype(int).to_numpy(),
            T("in_col_gap_area"): (g["area"] / 1e4).round(1).to_numpy(),
            T("in_col_gap_floor"): (g["floor"] / 1e4).round(1).to_numpy(),
            T("in_col_uncovered"): ((1 - shares) * 100).round(1).to_numpy(),
        }
    )
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        column_config=_num({df.columns[3]: "%.1f", df.columns[4]: "%.1f", df.columns[5]: "%.1f"}),
    )
    if not len(cov.gaps):
        st.caption(T("in_gaps_none"))


def _notes(res, cov) -> None:
    with st.expander(T("in_notes")):
        lines = []
        if res is not None:
            std = res.standards
            verified = "yes" if std.verified else "no"
            lines.append(f"{T('source')}: {std.source} (verified: {verified})")
            rep = res.network_report or {}
            iso = rep.get("isolated")
            if iso:
                lines.append(f"network: {len(iso)} isolated component(s)")
        if cov is not None:
            lines += list(cov.warnings)
        st.markdown("\n".join(f"- {_md_escape(str(x))}" for x in lines) or "—")


# ------------------------------------------------------------------------------ page
def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_infra"))
    C.user_layer_note()
    st.caption(T("in_intro"))
    zone, key = C.zone(), C.zone_key()
    c1, c2 = st.columns(2)
    kind = c1.radio(
        T("facility_kind"),
        list(KINDS),
        horizontal=True,
        key=C.wkey("in_kind"),
        format_func=C.formatter(lambda k: f"layer_{k}"),
    )
    phase = c2.radio(
        T("phase"),
        list(PHASES),
        horizontal=True,
        key=C.wkey("in_phase"),
        format_func=C.formatter(lambda p: f"phase_{p}"),
    )
    with st.spinner(T("in_computing")):
        res = _try(lambda: _balance(zone, key, phase))
        cov = _try(lambda: _coverage(zone, key, phase))
    if res is not None:
        _kpis(res, kind)
        got = _try(lambda: _map(zone, res, cov, key, cov is not None, kind, phase, lang, basemap))
        if got is not None:
            m, size = got
            C.show_map(m, key=f"in_map_{kind}_{phase}_{lang}_{basemap}", returned=[], height=600)
            st.caption(f"{T('in_map_caption')} · {T('payload')} {size / 1e6:.2f} MB")
        left, right = st.columns([1, 1.15])
        with left:
            _chart(res, kind, lang)
        with right:
            _alerts(res, kind, lang)
        st.subheader(f"{T('balance')} · {T(f'layer_{kind}')} · {T(f'phase_{phase}')}")
        _balance_table(res, kind, lang)
    st.divider()
    c3, c4 = st.columns(2)
    with c3:
        _frame_section(zone, key, lang)
    with c4:
        _access_section(zone, key, phase)
    st.divider()
    _coverage_section(cov)
    _notes(res, cov)


C.guard(body)
