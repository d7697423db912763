"""产业链 — 一链一图 (a chain's 链主 and suppliers on the map, figures by 组团, gaps, candidate land
for a 专业产业园) and the enterprise tiers (counts against targets, density map by tier)."""

from __future__ import annotations

import streamlit as st

from app_pages import _common as C
from app_pages import _indicators as I
from app_pages import _precompute as P
from geoplan.present import tables

T = C.T
CANDIDATE_PHASE = "2025"


@st.cache_resource(max_entries=8, show_spinner=False)
def _chain(_zone, key: tuple, chain: str, lang: str, basemap: str):
    from geoplan.analysis import chains as CH
    from geoplan.analysis import suitability
    from geoplan.present import maps
    from geoplan.present.viz_industry import chain_spec

    c = I.chain_list().by_key()[chain]
    suit = suitability.suitability_for_zone() if not key else suitability.run_suitability(_zone)
    cand = CH.candidate_land(_zone, c, suit, P.balance(_zone, key, CANDIDATE_PHASE))
    firms = _zone.layers["firms"]
    spec = chain_spec(_zone, c, firms[firms["chain"].astype(str) == chain], cand, lang=lang)
    return spec, maps.render(spec, basemap=basemap, height=560), cand


@st.cache_resource(max_entries=8, show_spinner=False)
def _density(_zone, key: tuple, tier: str, lang: str, basemap: str):
    from geoplan.analysis import tiers
    from geoplan.present import maps
    from geoplan.present.viz_industry import tier_density_spec

    tl = I.tier_list()
    name = tl.by_key()[tier].name(lang) if tier != "all" else T("tier_all")
    grid = tiers.density(_zone, tl, None if tier == "all" else tier)
    spec = tier_density_spec(_zone, grid, tier_name=name, lang=lang)
    return spec, maps.render(spec, basemap=basemap, height=480)


def _chains(zone, key: tuple, lang: str, basemap: str) -> None:
    from geoplan.analysis import chains as CH

    cl = I.chain_list()
    if cl is None or "chain" not in zone.layers["firms"]:
        st.info(T("chain_no_field"))
        return
    by_key = cl.by_key()
    pick = st.selectbox(
        T("chain_pick"),
        list(by_key),
        key=C.wkey("ch_pick"),
        format_func=lambda k: by_key[k].name(lang),
    )
    c = by_key[pick]
    st.subheader(T("chain_title", chain=c.name(lang)))
    spec, m, cand = _chain(zone, key, pick, lang, basemap)
    C.show_map(m, key=f"ch_map_{pick}_{lang}_{basemap}", returned=[], height=560)
    C.map_downloads(spec, m, key=f"ch_dl_{pick}", file_stem=f"geoplan_chain_{pick}")
    links, named = "、".join(c.links) or "—", "、".join(c.anchors_named[:6]) or "—"
    st.caption(
        f"{T('chain_col_links')}：{links} · {T('chain_col_named')}：{named} · {T('source')}：{c.source}"
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{T('chain_by_unit')}**")
        st.dataframe(
            tables.chain_by_unit(CH.by_unit(zone, pick), lang), hide_index=True, width="stretch"
        )
        st.markdown(f"**{T('chain_anchors')}**")
        st.dataframe(
            tables.chain_anchors(CH.anchors(zone, pick), lang), hide_index=True, width="stretch"
        )
    with right:
        st.markdown(f"**{T('chain_gaps')}**")
        gaps = CH.gaps(zone, c)
        st.markdown(
            "\n".join(
                f"- {T('chain_gap_' + g['rule'], **{k: v for k, v in g.items() if k != 'rule'})}"
                for g in gaps
            )
            or T("chain_gaps_none")
        )
        st.markdown(f"**{T('chain_candidates', phase=T('phase_' + CANDIDATE_PHASE))}**")
        if len(cand):
            st.dataframe(tables.chain_candidates(cand, lang), hide_index=True, width="stretch")
        else:
            st.caption(T("chain_candidates_none"))
    with st.expander(T("chain_overview")):
        st.dataframe(
            tables.chain_overview(CH.overview(zone, cl), lang), hide_index=True, width="stretch"
        )


def _tiers(zone, key: tuple, lang: str, basemap: str) -> None:
    from geoplan.analysis import tiers

    tl = I.tier_list()
    if tl is None:
        return
    st.subheader(T("tier_title"))
    if "tiers" not in zone.layers["firms"]:
        st.caption(T("tier_no_field"))
    cat = I.catalogue().rows.set_index("key")
    targets = {
        k: (cat.loc[k, "target"], cat.loc[k, "target_year"])
        for k in cat.index
        if k in {t.indicator for t in tl.tiers}
    }
    options = ["all", *tl.by_key()]
    tier = st.selectbox(
        T("tier_pick"),
        options,
        key=C.wkey("ch_tier"),
        format_func=lambda k: T("tier_all") if k == "all" else tl.by_key()[k].name(lang),
    )
    spec, m = _density(zone, key, tier, lang, basemap)
    C.show_map(m, key=f"ch_density_{tier}_{lang}_{basemap}", returned=[], height=480)
    C.map_downloads(spec, m, key=f"ch_dl_tier_{tier}", file_stem=f"geoplan_tier_{tier}")
    st.dataframe(
        tables.tier_table(tiers.tier_counts(zone, tl, targets), lang),
        hide_index=True,
        width="stretch",
    )


def body() -> None:
    lang, basemap = C.lang(), C.basemap()
    st.header(T("chain_page"))
    zone, key = C.zone(), C.zone_key()
    C.guard(lambda: _chains(zone, key, lang, basemap))
    st.divider()
    C.guard(lambda: _tiers(zone, key, lang, basemap))


C.guard(body)
