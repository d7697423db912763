"""地块评估 — officials: parcel map, filters, find, scorecard, 低效用地 list, Excel downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _common as C
from app_pages import _eval as E
from geoplan.standards import landuse

T = C.T


@st.cache_resource(max_entries=16, show_spinner=False)
def _parcel_map(
    _parcels, _zone_gdf, key: tuple, by: str, lang: str, basemap: str, highlight: str | None
):
    from geoplan.present import viz

    return viz.parcel_map(
        _parcels, by=by, lang=lang, basemap=basemap, zone=_zone_gdf, highlight=highlight
    )


def _filter(parcels: pd.DataFrame, firms: pd.DataFrame) -> tuple[pd.DataFrame, tuple]:
    c = st.columns(4)
    plates = c[0].multiselect(
        T("filter_plate"),
        sorted(parcels["plate"].dropna().unique()),
        key="pa_plate",
        placeholder=T("all"),
    )
    inds = c[1].multiselect(
        T("filter_industry"),
        sorted(firms["industry"].dropna().unique()),
        key="pa_ind",
        placeholder=T("all"),
    )
    classes = []
    if "class" in parcels:
        classes = c[2].multiselect(
            T("filter_class"),
            sorted(c for c in parcels["class"].dropna().astype(str).unique() if c),
            key=C.wkey("pa_class"),
            placeholder=T("all"),
            format_func=C.formatter(lambda c: f"class_{c}"),
        )
    status = c[3].multiselect(
        T("filter_status"),
        sorted(parcels["status"].dropna().unique()),
        key=C.wkey("pa_status"),
        placeholder=T("all"),
        format_func=C.formatter(lambda s: f"status_{s}"),
    )
    mask = np.ones(len(parcels), dtype=bool)
    if plates:
        mask &= parcels["plate"].isin(plates).to_numpy()
    if inds:
        mask &= (
            parcels["parcel_id"]
            .isin(firms.loc[firms["industry"].isin(inds), "parcel_id"])
            .to_numpy()
        )
    if classes:
        mask &= parcels["class"].astype(str).isin(classes).to_numpy()
    if status:
        mask &= parcels["status"].isin(status).to_numpy()
    return parcels[mask], (tuple(plates), tuple(inds), tuple(classes), tuple(status))


def _find(parcels: pd.DataFrame, firms: pd.DataFrame) -> None:
    q = st.text_input(T("find"), key="pa_find").strip()
    if not q:
        return
    ql = q.lower()
    hit = parcels["parcel_id"].astype(str).str.lower().str.contains(ql, regex=False)
    if "holder" in parcels:
        hit |= parcels["holder"].fillna("").astype(str).str.lower().str.contains(ql, regex=False)
    fhit = firms["name"].astype(str).str.lower().str.contains(ql, regex=False) | (
        firms["firm_id"].astype(str).str.lower() == ql
    )
    ids = pd.unique(
        pd.concat([parcels.loc[hit, "parcel_id"], firms.loc[fhit, "parcel_id"]]).astype(str)
    )
    if len(ids) == 0:
        st.warning(T("find_none"))
        return
    choice = st.selectbox(T("pick_parcel"), ids[:200], key="pa_pick")
    if choice and choice != st.session_state.get("pa_last_pick"):
        st.session_state["pa_last_pick"] = choice
        st.session_state["sel_parcel"] = choice


def _scorecard(pid: str, parcels: pd.DataFrame, firms: pd.DataFrame, zone) -> None:
    lang = C.lang()
    row = parcels[parcels["parcel_id"].astype(str) == pid]
    if row.empty:
        return
    r = row.iloc[0]
    st.subheader(f"{T('scorecard')} · {pid}")
    a, b, c, d = st.columns(4)
    a.metric(T("land_use"), f"{r['land_use']} {landuse.name(r['land_use'], lang)}")
    b.metric(T("area_mu"), C.fmt_num(r["area_mu"]))
    c.metric(T("far"), C.fmt_num(r["far"], 2))
    cls = r.get("class") if "class" in row else None
    d.metric(T("class"), T(f"class_{cls}") if isinstance(cls, str) and cls else "—")
    tabs = st.tabs(
        [
            T("breakdown"),
            T("whatif"),
            T("compliance"),
            T("its_firms"),
            T("card_profile"),
            T("card_measures"),
        ]
    )
    with tabs[0]:
        E.breakdown(zone, pid)
    with tabs[1]:
        E.whatif(zone, pid)
    with tabs[2]:
        E.compliance(zone, pid)
    with tabs[3]:
        f = firms[firms["parcel_id"].astype(str) == pid]
        if f.empty:
            st.caption(T("no_firms"))
        else:
            cols = [
                c
                for c in (
                    "firm_id",
                    "name",
                    "industry",
                    "scale",
                    "tax",
                    "revenue",
                    "employees",
                    "high_tech",
                )
                if c in f
            ]
            from geoplan.present.eval_tables import display

            st.dataframe(display(f, lang, cols), hide_index=True, width="stretch")
    with tabs[4]:
        E.profile(zone, pid)
    with tabs[5]:
        E.measures(zone, pid)


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("page_parcels"))
    zone = C.zone()
    parcels = E.evaluated_parcels(zone)
    firms = zone.layers["firms"]
    by_opts = ["land_use"] + [c for c in ("class", "tax_per_mu") if c in parcels] + ["far"]
    top = st.columns([1, 1, 2])
    opts = E.schemes()
    if opts:
        top[1].selectbox(
            T("scheme"),
            opts,
            key="pa_scheme",
            index=opts.index("dalian_default") if "dalian_default" in opts else 0,
            format_func=E.scheme_label,
        )
    by = top[0].selectbox(
        T("color_by"),
        by_opts,
        key=C.wkey("pa_by"),
        format_func=C.formatter(lambda v: "col_land_use" if v == "land_use" else v),
    )
    with top[2]:
        _find(parcels, firms)
    shown, fkey = _filter(parcels, firms)
    sel = st.session_state.get("sel_parcel")
    m = _parcel_map(
        shown, zone.layers["zone"], (C.zone_key(), fkey, E.scheme()), by, lang, basemap, sel
    )
    from geoplan.present.maps import payload_bytes

    st.caption(
        f"{T('n_shown', n=len(shown))} · {T('payload')} {payload_bytes(m) / 1e6:.2f} MB · {T('click_hint')}"
    )
    out = C.show_map(m, key="pa_map", returned=["last_object_clicked"], height=560)
    click = out.get("last_object_clicked")
    if click and click != st.session_state.get("pa_last_click"):
        st.session_state["pa_last_click"] = click
        from geoplan.present.maps import feature_at

        i = feature_at(shown, click["lat"], click["lng"], basemap=basemap)
        if i is not None:
            st.session_state["sel_parcel"] = str(shown["parcel_id"].iloc[i])
            st.rerun()
    sel = st.session_state.get("sel_parcel")
    if sel:
        _scorecard(sel, parcels, firms, zone)
    st.divider()
    st.subheader(T("low_eff_list"))
    E.low_efficiency_list(zone)
    E.downloads(zone)


C.guard(body)
