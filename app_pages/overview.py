"""总览 — leaders: layout map (十三五 板块 / 十四五 structure) with print downloads, KPI cards,
the land-use mix, plan targets with progress, and targets by 组团.

Widgets → :mod:`geoplan.analysis.zone_kpis` / :mod:`geoplan.analysis.indicators` →
:mod:`geoplan.present` (layout map theme, chart series, indicator tables).
"""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C
from app_pages import _eval as E
from app_pages import _indicators as I
from geoplan.present import charts

T = C.T


@st.cache_resource(max_entries=12, show_spinner=False)
def _layout(_zone, key: tuple, structure: str, lang: str, basemap: str):
    from geoplan.present import maps, viz

    spec = viz.layout_spec(_zone, structure=structure, lang=lang)
    return spec, maps.render(spec, basemap=basemap, height=640)


@st.cache_resource(max_entries=8, show_spinner=False)
def _kpis(_zone, key: tuple) -> dict:
    from geoplan.analysis.zone_kpis import zone_kpis

    return zone_kpis(_zone)


def _low_eff_area(zone) -> float | None:
    df = E.low_efficiency_table(zone)
    if df is None or "area_mu" not in df:
        return None
    return float(df["area_mu"].sum())


def _cards(k: dict, zone) -> None:
    cols = st.columns(6)
    cols[0].metric(T("kpi_zone_area"), f"{k['zone_km2']:.1f} km²")
    cols[1].metric(T("kpi_parcels"), f"{k['parcels']:,}")
    cols[2].metric(T("kpi_firms"), f"{k['firms']:,}")
    ht = k["high_tech_firms"]
    cols[3].metric(T("kpi_high_tech"), "—" if ht is None else f"{ht:,}")
    cols[4].metric(T("kpi_tax"), f"{k['tax'] / 1e4:,.1f}")
    low = _low_eff_area(zone)
    label = T("kpi_low_eff") if low is not None else T("kpi_idle")
    cols[5].metric(label, f"{(low if low is not None else k['idle_mu']):,.0f} {T('mu')}")


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    zone, key = C.zone(), C.zone_key()
    st.title(T("app_title") if C.is_sample() else T("app_title_zone", name=zone.name))
    left, right = st.columns([3.2, 1])
    with left:  # the map first
        # 十四五 一廊一心一城多组团 / 十三五 板块 — offered where the zone has the layer
        have = [
            s for s, lyr in (("14th", "structure"), ("13th", "plates")) if zone.get(lyr) is not None
        ]
        structure = (
            st.radio(
                T("structure_choice"),
                have,
                horizontal=True,
                key=C.wkey("ov_structure"),
                format_func=C.formatter(lambda v: f"structure_{v}"),
            )
            if len(have) > 1
            else (have[0] if have else "14th")
        )
        spec, m = _layout(zone, key, structure, lang, basemap)
        C.show_map(m, key=f"ov_map_{structure}_{lang}_{basemap}", returned=[], height=640)
        C.map_downloads(spec, m, key=f"ov_dl_{structure}", file_stem=f"geoplan_layout_{structure}")
    k = _kpis(zone, key)
    with right:
        st.subheader(T("class_distribution"))
        st.bar_chart(
            charts.landuse_mix(k["mix"], lang), horizontal=True, height=360, x_label=T("area_mu")
        )
    _cards(k, zone)
    I.targets_summary(zone, key, lang)


C.guard(body)
