"""适宜性 — suitability overlay (城镇建设适宜性) and candidate areas for expansion."""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C

T = C.T


def _result(zone, key: tuple):
    """The zone's suitability grid (cached by content in geoplan.cache)."""
    from geoplan.analysis import suitability

    if not key and zone.folder is not None:
        return suitability.suitability_for_zone(zone.folder)
    return suitability.suitability_of(zone)


@st.cache_resource(max_entries=8, show_spinner=False)
def _map(_res, _zone, key: tuple, what: str, min_area: float, lang: str, basemap: str):
    from geoplan.present import suitability_view

    return suitability_view.suitability_map(
        _res, _zone.layers["zone"], what=what, min_area_mu=min_area, lang=lang, basemap=basemap
    )


def body() -> None:
    from geoplan.present import suitability_view as V

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
    m, cand = _map(res, zone, (res.cache_key or id(res),), what, min_area, lang, basemap)
    left, right = st.columns([3, 1.2])
    with left:
        C.show_map(m, key=f"su_map_{what}_{min_area}", returned=[], height=560)
    with right:
        s = res.summary()
        st.metric(T("suit_suitable"), f"{s['suitable_area_mu']:,.0f} {T('mu')}")
        st.metric(T("suit_constrained"), f"{s['excluded_area_mu']['total']:,.0f} {T('mu')}")
        st.metric(T("candidates"), f"{len(cand):,}")
        st.dataframe(V.weights_table(res.weights, lang), hide_index=True, width="stretch")
    st.subheader(T("candidates"))
    st.dataframe(V.candidate_table(cand, lang), hide_index=True, width="stretch")


C.guard(body)
