"""适宜性 — suitability overlay (城镇建设适宜性) and candidate areas for expansion."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C

T = C.T


@st.cache_resource(max_entries=4, show_spinner=False)
def _result(_zone, key: tuple):
    from geoplan.analysis import suitability

    if not key:
        return suitability.suitability_for_zone()
    return suitability.run_suitability(_zone)


@st.cache_resource(max_entries=8, show_spinner=False)
def _map(_res, _zone, key: tuple, what: str, min_area: float, lang: str, basemap: str):
    import folium

    from geoplan.present import maps
    from geoplan.text import t

    png, bounds = _res.display_png(900, what=what)
    m = maps.base_map(
        maps.bounds_4326(_zone.layers["zone"], basemap), basemap=basemap, north=t("north", lang)
    )
    folium.raster_layers.ImageOverlay(
        maps._data_url(png, "image/png"), bounds=bounds, opacity=0.75, name=t("suit_overlay", lang)
    ).add_to(m)
    maps.add_layer(
        m,
        _zone.layers["zone"],
        t("layer_zone", lang),
        colors="#222",
        basemap=basemap,
        style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
        simplify_m=5,
    )
    cand = _res.find_candidates(min_area_mu=min_area)
    if len(cand):
        tip = {c: c for c in ("area_mu", "mean_score", "plate") if c in cand}
        maps.add_layer(
            m,
            cand,
            t("candidates", lang),
            colors="#2b83ba",
            basemap=basemap,
            tooltip=tip,
            style={"fill_opacity": 0.35, "weight": 2, "stroke": "#08519c"},
        )
    ramp = [("0.0", "#d7191c"), ("0.5", "#ffffbf"), ("1.0", "#1a9641")]
    maps.add_legend(
        m,
        [
            maps.legend_html(t("suit_overlay", lang), ramp),
            maps.legend_html(t("candidates", lang), [(t("candidates", lang), "#2b83ba")]),
        ],
    )
    return maps.finish(m), cand


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_suitability"))
    zone = C.zone()
    if not C.has_layers(zone, ("parcels",), rasters=("dem",)):
        return
    res = _result(zone, C.zone_key())
    c1, c2 = st.columns(2)
    what = c1.radio(
        T("suit_overlay"),
        ["score", "constraints"],
        horizontal=True,
        key=C.wkey("su_what"),
        format_func=C.formatter(lambda v: f"suit_{v}"),
    )
    min_area = c2.slider(
        T("suit_min_area"), 5.0, 200.0, float(res.config.min_area_mu), 5.0, key="su_min_area"
    )
    m, cand = _map(res, zone, C.zone_key(), what, min_area, lang, basemap)
    left, right = st.columns([3, 1.2])
    with left:
        C.show_map(m, key=f"su_map_{what}_{min_area}", returned=[], height=560)
    with right:
        s = res.summary()
        st.metric(T("suit_suitable"), f"{s['suitable_area_mu']:,.0f} {T('mu')}")
        st.metric(T("suit_constrained"), f"{s['excluded_area_mu']['total']:,.0f} {T('mu')}")
        st.metric(T("candidates"), f"{len(cand):,}")
        st.dataframe(pd.Series(s["weights"], name=T("weights")), width="stretch")
    st.subheader(T("candidates"))
    st.dataframe(pd.DataFrame(cand.drop(columns="geometry")), hide_index=True, width="stretch")


C.guard(body)
