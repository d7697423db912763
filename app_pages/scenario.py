"""情景分析 — analysts: pick or edit a scenario, draw an expansion area, run with progress, compare
with other scenarios (table, chart, diff map), save to / reopen from the project store, download.

Widgets → :mod:`geoplan.scenario` (parse, run, compare, YAML edits) → :mod:`geoplan.present`
(diff map theme, delta chart, display tables, comparison workbook).
"""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C
from app_pages import _scenario_io as IO
from geoplan import settings
from geoplan.present import charts, tables
from geoplan.scenario.spec import INDUSTRIES
from geoplan.standards import landuse

T = C.T
EXPANSION_USES = ["100101", "100102", "0802", "0902", "0701", "1401"]
CHART_KPIS = [
    "tax_100m",
    "jobs",
    "floor_10k_m2",
    "power_demand_mva",
    "sewage_demand_m3d",
    "low_efficiency_mu",
]


@st.cache_resource(max_entries=6, show_spinner=False)
def _draw_map(_zone, key: tuple, lang: str, basemap: str):
    from geoplan.present import viz

    z = _zone.layers
    return viz.parcel_map(
        z["parcels"], by="land_use", lang=lang, basemap=basemap, zone=z["zone"], draw=True
    )


def _show(results, lang: str, basemap: str) -> None:
    from geoplan import scenario as S
    from geoplan.present import maps, viz

    c = S.compare(results, lang=lang)
    last = results[-1]
    left, right = st.columns([3, 2])
    with left:  # the map first
        st.subheader(T("diff_map"))
        st.caption(T("diff_map_note", base=c.names[0], name=c.names[-1], n=len(last.changed)))
        if len(last.changed):
            spec = viz.diff_spec(last, c.names[0], lang=lang)
            m = maps.render(spec, basemap=basemap, height=460)
            C.show_map(m, key="sc_diff_map", returned=[], height=460)
            C.map_downloads(spec, m, key="sc_dl_map", file_stem="geoplan_scenario_diff")
    with right:
        st.subheader(T("balance"))
        st.dataframe(
            tables.scenario_balance(last.balance, lang),
            hide_index=True,
            width="stretch",
            height=420,
        )
    st.subheader(T("comparison"))
    st.caption(T("comparison_note", base=c.names[0]))
    styled = tables.scenario_comparison(c, lang).style.format(precision=1, thousands=",")
    st.dataframe(styled, width="stretch", height=520, hide_index=True)
    pct = charts.scenario_delta(c, CHART_KPIS, lang)
    if pct is not None:
        st.caption(T("delta_chart"))
        st.bar_chart(pct, horizontal=True, height=320, stack=False)
    IO.alerts(last, lang)
    with st.expander(T("operations_report")):
        st.json(last.operations, expanded=False)
    IO.downloads(c, last)
    IO.save(last)


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_scenario"))
    zone = C.zone()
    # the bundled sample runs from its catalog (its caches); another zone is passed in
    zone_arg = None if C.is_sample() else zone
    c1, c2 = st.columns([1, 2])
    pick, text = IO.editor(c1)
    ykey = f"sc_yaml_{pick}"
    with c1:
        st.caption(T("draw_hint"))
        use = st.selectbox(
            T("expansion_use"),
            EXPANSION_USES,
            key=C.wkey("sc_use"),
            format_func=lambda c: f"{c} {landuse.name(c, lang)}",
        )
        far = st.number_input(T("expansion_far"), 0.1, 10.0, 1.5, 0.1, key="sc_far")
        industry = st.selectbox(
            T("industry"), list(INDUSTRIES), index=INDUSTRIES.index("智能制造"), key="sc_industry"
        )
    with c2:
        m = _draw_map(zone, C.zone_key(), lang, basemap)
        out = C.show_map(m, key="sc_map", returned=["last_active_drawing"], height=520)
    from geoplan.present.maps import drawn_polygon

    drawn, old = (
        drawn_polygon(out.get("last_active_drawing"), basemap=basemap),
        st.session_state.get("sc_drawn"),
    )
    if drawn is not None and (
        old is None or not drawn.geometry.iloc[0].equals(old.geometry.iloc[0])
    ):
        st.session_state["sc_drawn"] = (
            drawn  # a new drawing (the map returns the last one on every rerun)
        )
        st.session_state["sc_drawn_added"] = False
    drawn = st.session_state.get("sc_drawn")
    if drawn is not None:
        c1.metric(T("drawn_area"), f"{float(drawn.area.sum()) / settings.M2_PER_MU:,.0f} {T('mu')}")
        c1.button(
            T("add_to_scenario"),
            key="sc_add",
            on_click=IO.add_drawn,
            args=(ykey, drawn, use, far, industry),
        )
        if not st.session_state.get("sc_drawn_added"):
            c1.caption(T("drawn_not_added"))
    examples = list(IO.examples())
    compare_with = st.multiselect(
        T("compare_with"), examples, default=examples[:1], key="sc_compare", help=T("compare_help")
    )
    a, b = st.columns([1, 3])
    run = a.button(T("run_scenario"), type="primary", key="sc_run")
    b.download_button(
        T("download_yaml"), text.encode("utf-8"), file_name="scenario.yaml", key="sc_dl_yaml"
    )
    if run:
        st.session_state.pop("sc_gpkg", None)
        IO.run(text, compare_with, zone_arg)
    results = st.session_state.get("sc_results")
    if results:
        _show(results, lang, basemap)


C.guard(body)
