"""The 基础设施 page's lower sections: 六纵五横 completion, accessibility, service coverage."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from app_pages import _common as C
from app_pages import _precompute as P
from geoplan.present import tables
from geoplan.present.viz_infra import STANDARDS

T = C.T


def frame_section(zone, key: tuple, lang: str) -> None:
    st.subheader(T("in_frame"))
    got = P.section(lambda: P.frame(zone, key))
    if got is None:
        return
    table, total = got
    st.metric(T("in_frame_completion"), f"{total:.0%}" if len(table) else "—")
    if len(table):
        df = tables.frame_completion(table, lang)
        cfg = C.num_cols(dict.fromkeys(df.columns[2:5], "%.1f") | {df.columns[5]: "%.0f"})
        st.dataframe(
            df, hide_index=True, width="stretch", height=38 + 35 * len(df), column_config=cfg
        )


def access_section(zone, key: tuple, phase: str, lang: str) -> None:
    st.subheader(T("in_access"))
    acc = P.section(lambda: P.access(zone, key, phase))
    if acc is None:
        return
    c = st.columns(3)
    for i, (k, label) in enumerate(tables.ACCESS):
        med = acc[k]["median_m"]
        c[i].metric(T(label), "—" if med is None else f"{med:,.0f} m", help=T("in_col_median"))
    df = tables.access(acc, lang)
    cfg = C.num_cols({df.columns[1]: "%.1f", df.columns[2]: "%.1f"})
    st.dataframe(df, hide_index=True, width="stretch", column_config=cfg)
    st.caption(T("in_access_note", phase=T(f"phase_{phase}")))


def coverage_section(cov, lang: str) -> None:
    st.subheader(T("in_coverage"))
    if cov is None:
        return
    radii = P.section(P.coverage_radii) or {}
    c = st.columns(len(STANDARDS))
    for i, std in enumerate(STANDARDS):
        v, rule = cov.shares.get(std, math.nan), radii.get(std)
        helptext = (
            T("in_cov_straight" if rule[0] == "straight" else "in_cov_walk", r=rule[1])
            if rule
            else None
        )
        c[i].metric(
            T(f"in_cov_{std}"),
            f"{v:.1%}" if v is not None and math.isfinite(v) else "—",
            help=helptext,
        )
    if cov.residential_floor_m2 <= 0:
        st.info(T("in_cov_none"))
        return
    st.markdown(f"**{T('coverage_gaps')}**")
    df = tables.coverage_gaps(cov, lang)
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        column_config=C.num_cols(dict.fromkeys(df.columns[3:], "%.1f")),
    )
    if not len(cov.gaps):
        st.caption(T("in_gaps_none"))


def notes_expander(res: Any, cov: Any) -> None:
    """Sources and warnings of the infrastructure analyses (standards, network, coverage)."""
    with st.expander(T("in_notes")):
        lines = []
        if res is not None:
            std = res.standards
            lines.append(
                T("notes_standards", source=std.source, verified=T("yes" if std.verified else "no"))
            )
            iso = (res.network_report or {}).get("isolated")
            if iso:
                lines.append(T("notes_isolated", n=len(iso)))
        if cov is not None:
            lines += list(cov.warnings)
        st.markdown("\n".join(f"- {C.md_escape(str(x))}" for x in lines) or "—")
