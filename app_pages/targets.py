"""规划指标 — leaders and officials: the 20 表2 targets with progress, the layers' values by 组团 /
板块 on a map, the 十三五 → 十四五 series, and the table of actual values (import, edit, check,
save to the project store with the audit log; nothing is saved unless the whole table is right).
"""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C
from app_pages import _indicators as I
from geoplan.present import tables
from geoplan.present.viz_industry import METRIC_LABEL, METRICS

T = C.T


@st.cache_resource(max_entries=12, show_spinner=False)
def _map(_zone, _bu, key: tuple, unit: str, metric: str, lang: str, basemap: str):
    from geoplan.present import maps
    from geoplan.present.viz_industry import indicator_spec

    spec = indicator_spec(_zone, _bu, unit=unit, metric=metric, lang=lang)
    return spec, maps.render(spec, basemap=basemap, height=520)


def _by_unit(zone, key: tuple, lang: str, basemap: str) -> None:
    c1, c2 = st.columns(2)
    unit = c1.radio(
        T("ind_col_unit"),
        ["cluster", "plate"],
        horizontal=True,
        key=C.wkey("ind_unit"),
        format_func=C.formatter(lambda u: f"ind_unit_{u}"),
    )
    metric = c2.selectbox(
        T("ind_map_metric"),
        list(METRICS),
        key=C.wkey("ind_metric"),
        format_func=C.formatter(lambda m: METRIC_LABEL[m]),
    )
    bu = I.by_unit(zone, key, unit)
    if bu is None:
        st.info(T("tier_no_field"))
        return
    spec, m = _map(zone, bu, key, unit, metric, lang, basemap)
    C.show_map(m, key=f"ind_map_{unit}_{metric}_{lang}_{basemap}", returned=[], height=520)
    C.map_downloads(
        spec, m, key=f"ind_dl_{unit}_{metric}", file_stem=f"geoplan_indicator_{unit}_{metric}"
    )
    st.subheader(T("ind_by_unit_title", unit=T(f"ind_unit_{unit}")))
    st.dataframe(tables.indicator_by_unit(bu, unit, lang), hide_index=True, width="stretch")


def _check(view, lang: str):
    from geoplan.analysis import indicators as ind

    raw = tables.actuals_from_view(view, lang)
    return ind.validate_actuals(raw, I.catalogue(), source=T("ind_actuals_title"))


def _actuals_editor(lang: str) -> None:
    from geoplan.analysis import indicators as ind
    from geoplan.data.indicator_tables import read_actuals

    st.subheader(T("ind_actuals_title"))
    st.caption(T("ind_actuals_caption"))
    acts, label = I.actuals()
    if label:
        st.caption(label)
    up = st.file_uploader(T("ind_import"), type=["csv", "xlsx"], key="ind_upload")
    if up is not None:  # checked whole before it is used: a bad file changes nothing
        acts = ind.validate_actuals(read_actuals(up.getvalue(), name=up.name), I.catalogue())
    edited = st.data_editor(
        tables.actuals_view(acts, lang),
        num_rows="dynamic",
        width="stretch",
        key=C.wkey("ind_editor"),
    )
    a, b, c = st.columns([1.2, 1, 2])
    user = c.text_input(
        T("store_user"), key="store_user", value=st.session_state.get("store_user", "")
    )
    if a.button(T("ind_save"), type="primary", key="ind_save"):
        checked = _check(edited, lang)
        _, base = I.saved_actuals()
        v = C.store_save(
            ind.STORE_KIND,
            ind.STORE_NAME,
            checked,
            user=user,
            message=T("ind_actuals_title"),
            expected_version=base,
        )
        if v:
            st.session_state["ind_actuals"] = checked
            st.success(T("ind_saved", v=v, n=len(checked)))
    template = "key,year,value,note,source\nhte,2023,1200,,\n"
    b.download_button(
        T("ind_download_template"),
        template.encode("utf-8-sig"),
        file_name="plan_actuals_template.csv",
        mime="text/csv",
        key="ind_tpl",
    )


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("ind_page"))
    zone, key = C.zone(), C.zone_key()
    _by_unit(zone, key, lang, basemap)  # the map first
    I.targets_summary(zone, key, lang, units=False)
    with st.expander(T("ind_series_title")):
        st.dataframe(tables.indicator_series(I.catalogue(), lang), hide_index=True, width="stretch")
    C.guard(lambda: _actuals_editor(lang))


C.guard(body)
