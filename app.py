"""GeoPlan Streamlit app: navigation and the shared sidebar (pages, language, basemap, sample
notice, the background warm-up's progress).

Run from the repository root: ``streamlit run app.py``. Pages live in ``app_pages/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages import _common as C  # noqa: E402
from app_pages import _precompute as P  # noqa: E402
from geoplan.present.maps import BASEMAPS  # noqa: E402
from geoplan.text import t  # noqa: E402

st.set_page_config(page_title=t("browser_title"), layout="wide")

lang = st.session_state.get("lang", "zh")
#: (file, title key, url path); the first is the home page
PAGES = [
    ("overview.py", "page_overview", "home"),
    ("targets.py", "ind_page", "targets"),
    ("chains.py", "chain_page", "chains"),
    ("parcels.py", "page_parcels", "parcels"),
    ("infrastructure.py", "page_infra", "infrastructure"),
    ("suitability.py", "page_suitability", "suitability"),
    ("scenario.py", "page_scenario", "scenario"),
    ("province.py", "prov_page", "province"),
    ("data.py", "page_data", "data"),
]
pages = [
    st.Page(ROOT / "app_pages" / f, title=t(k, lang), url_path=u, default=i == 0)
    for i, (f, k, u) in enumerate(PAGES)
]
# the home page is served at "/"; it also answers at /overview (a bookmarked or typed link must
# not end in Streamlit's English "page not found")
alias = st.Page(ROOT / "app_pages/overview.py", title=t("page_overview", lang), url_path="overview")
nav = st.navigation([*pages, alias], position="hidden")

with st.sidebar:
    # the zone every page shows (the bundled sample, or a zone in the projects folder)
    choices = C.zone_choices()
    if C.zone_path() not in choices:
        if Path(C.zone_path()).exists():  # a zone opened from elsewhere (a folder given by path)
            choices.append(C.zone_path())
        else:  # its folder was removed meanwhile: back to the sample
            C.choose_zone(choices[0])
    picked = st.selectbox(
        t("zone_picker", lang),
        choices,
        index=choices.index(C.zone_path()),
        format_func=lambda p: C.zone_label(p, lang),
    )
    if picked != C.zone_path():
        C.choose_zone(picked)
        st.rerun()
    P.start()  # once per server and zone: its base results, computed in the background
    for p in pages:
        st.page_link(p, label=p.title)
    st.divider()
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
    if C.is_sample():
        st.info(t("sample_notice", lang), icon="ℹ️")
    P.progress_widget()

nav.run()
