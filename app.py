"""GeoPlan Streamlit app: navigation and the shared sidebar (language, basemap, sample notice).

Run from the repository root: ``streamlit run app.py``. Pages live in ``app_pages/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geoplan.present.maps import BASEMAPS  # noqa: E402
from geoplan.text import t  # noqa: E402

st.set_page_config(page_title=t("browser_title"), layout="wide")

with st.sidebar:
    lang = st.radio(
        t("language"),
        ["zh", "en"],
        key="lang",
        horizontal=True,
        format_func=lambda v: t(f"lang_{v}"),
    )
    st.selectbox(
        t("basemap", lang),
        BASEMAPS,
        key=f"basemap_{lang}",
        format_func=lambda v: t(f"basemap_{v}", lang),
    )
    if st.session_state.get(f"basemap_{lang}", "none") != "none":
        st.caption(t("basemap_online_note", lang))
    st.info(t("sample_notice", lang), icon="ℹ️")

pages = [
    st.Page(
        ROOT / "app_pages/overview.py",
        title=t("page_overview", lang),
        url_path="overview",
        default=True,
    ),
    st.Page(ROOT / "app_pages/parcels.py", title=t("page_parcels", lang), url_path="parcels"),
    st.Page(
        ROOT / "app_pages/infrastructure.py", title=t("page_infra", lang), url_path="infrastructure"
    ),
    st.Page(
        ROOT / "app_pages/suitability.py", title=t("page_suitability", lang), url_path="suitability"
    ),
    st.Page(ROOT / "app_pages/scenario.py", title=t("page_scenario", lang), url_path="scenario"),
    st.Page(ROOT / "app_pages/data.py", title=t("page_data", lang), url_path="data"),
]
st.navigation(pages).run()
