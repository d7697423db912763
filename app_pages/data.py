"""数据 — import a zone's own files (the wizard), this zone's layers, the project store."""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C
from app_pages import _import as W
from app_pages import _store_view as SV

T = C.T


def body() -> None:
    st.header(T("page_data"))
    prof = C.profile()
    st.caption(T("zv_current", name=C.zone_label(C.zone_path()), crs=C.zone().crs.name))
    tabs = st.tabs([T("zv_tab_import"), T("zv_tab_layers"), T("zv_tab_store")])
    with tabs[0]:
        W.wizard()
    with tabs[1]:
        st.dataframe(W.current_layers(), hide_index=True, width="stretch")
        st.caption(str(prof.folder))
    with tabs[2]:
        SV.section()


C.guard(body)
