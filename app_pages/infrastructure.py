"""基础设施 — facility balance per phase (map, chart, table), 六纵五横, accessibility, coverage.

Widgets → :mod:`geoplan.analysis.infrastructure` / :mod:`geoplan.analysis.coverage` (cached per
zone key and phase; both facility kinds come from one analysis) → :mod:`geoplan.present`
(map theme, chart spec, display tables). The map is drawn before the tables.
"""

from __future__ import annotations

import logging

import streamlit as st

from app_pages import _common as C
from app_pages import _infra_sections as S
from app_pages import _precompute as P
from geoplan.present import charts, tables
from geoplan.present.viz_infra import KINDS, UNITS
from geoplan.settings import PHASES

T = C.T
logger = logging.getLogger(__name__)


@st.cache_resource(max_entries=12, show_spinner=False)
def _map(_zone, _res, _cov, key: tuple, has_cov: bool, kind: str, phase: str, lang: str, bm: str):
    from geoplan.present import maps
    from geoplan.present.viz_infra import infra_spec

    spec = infra_spec(_zone, _res, _cov, kind=kind, phase=phase, lang=lang)
    m = maps.render(spec, basemap=bm, height=600)
    return spec, m, maps.payload_bytes(m)


def _kpis(res, kind: str) -> None:
    from geoplan.analysis.infrastructure.kpis import kind_summary

    k, unit = kind_summary(res, KINDS[kind]), UNITS[kind]
    c = st.columns(5)
    c[0].metric(f"{T('in_kpi_capacity')} ({unit})", C.fmt_num(k["capacity"], 0))
    c[1].metric(f"{T('in_kpi_demand')} ({unit})", C.fmt_num(k["demand"], 0))
    util = k["utilisation"]
    c[2].metric(T("in_kpi_util"), "—" if util is None else f"{util:.0%}")
    c[3].metric(T("in_kpi_alerts"), f"{k['alerts']} / {k['in_service']}")
    c[4].metric(
        f"{T('in_kpi_unserved')} ({unit})",
        C.fmt_num(k["unserved_demand"], 0),
        help=T(
            "in_kpi_unserved_help", parcels=k["unserved_parcels"], mu=C.fmt_num(k["unserved_mu"], 0)
        ),
    )


def _alerts(res, kind: str, lang: str) -> None:
    rows = [a for a in res.alerts if a.get("kind") == KINDS[kind]]
    serious = [a for a in rows if a.get("severity") in ("error", "warning")]

    def text(a: dict) -> str:
        return str(a.get("message_en" if lang == "en" else "message") or a.get("message", ""))

    if not serious:
        st.success(T("in_alerts_none"))
    else:
        n = {k: sum(a.get("alert") == k for a in serious) for k in ("overload", "high", "n1")}
        parts = [T(f"in_alerts_{k}", n=v) for k, v in n.items() if v]
        if any(a.get("alert") == "unserved" for a in serious):
            parts.append(T("in_alerts_unserved"))
        st.warning(T("in_alerts_head", kind=T(f"layer_{kind}"), parts=T("in_list_sep").join(parts)))
        lines = [
            f"- :{'red' if a['severity'] == 'error' else 'orange'}[{C.md_escape(text(a))}]"
            for a in sorted(serious, key=lambda a: a["severity"] != "error")
        ]
        with st.expander(f"{T('in_alerts')} ({len(serious)})", expanded=len(serious) <= 20):
            st.markdown("\n".join(lines))
    for a in rows:
        if a.get("severity") not in ("error", "warning"):
            st.caption(text(a))


def _balance(res, kind: str, lang: str) -> None:
    df, bg = tables.infra_balance(res, kind, lang)
    alert_c = T("alert")
    styled = df.style.format(precision=DIG[kind], thousands=",", na_rep="—").map(
        lambda v: f"background-color: {bg[v]}" if v in bg else "", subset=[alert_c]
    )
    st.dataframe(styled, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 530))
    if tables.has_schematic(res, kind):
        st.caption(T("in_schematic_note"))


DIG = {"substations": 1, "sewage_plants": 0}


def body() -> None:
    lang, bm = C.lang(), C.basemap()
    st.header(T("page_infra"))
    st.caption(T("in_intro"))
    zone, key = C.zone(), C.zone_key()
    if not C.has_layers(zone, ("parcels", "roads"), any_of=("substations", "sewage_plants")):
        return
    c1, c2 = st.columns(2)
    fmt = C.formatter
    kind = c1.radio(
        T("facility_kind"),
        list(KINDS),
        horizontal=True,
        key=C.wkey("in_kind"),
        format_func=fmt(lambda k: f"layer_{k}"),
    )
    phase = c2.radio(
        T("phase"),
        list(PHASES),
        horizontal=True,
        key=C.wkey("in_phase"),
        format_func=fmt(lambda p: f"phase_{p}"),
    )
    with st.spinner(T("in_computing")):
        res = P.section(lambda: P.balance(zone, key, phase))
        cov = P.section(lambda: P.coverage(zone, key, phase))
    if res is not None:
        _kpis(res, kind)
        got = P.section(lambda: _map(zone, res, cov, key, cov is not None, kind, phase, lang, bm))
        if got is not None:
            spec, m, size = got
            C.show_map(m, key=f"in_map_{kind}_{phase}_{lang}_{bm}", returned=[], height=600)
            C.map_downloads(
                spec, m, key=f"in_dl_{kind}_{phase}", file_stem=f"geoplan_infra_{kind}_{phase}"
            )
            st.caption(f"{T('in_map_caption')} · {T('payload')} {size / 1e6:.2f} MB")
        left, right = st.columns([1, 1.15])
        with left:
            st.caption(T("in_chart_util"))
            chart = charts.utilisation_chart(res, kind, lang)
            st.vega_lite_chart(chart, width="stretch") if chart else st.caption("—")
        with right:
            _alerts(res, kind, lang)
        st.subheader(f"{T('balance')} · {T(f'layer_{kind}')} · {T(f'phase_{phase}')}")
        _balance(res, kind, lang)
    st.divider()
    c3, c4 = st.columns(2)
    with c3:
        S.frame_section(zone, key, lang)
    with c4:
        S.access_section(zone, key, phase, lang)
    st.divider()
    S.coverage_section(cov, lang)
    S.notes_expander(res, cov)


C.guard(body)
