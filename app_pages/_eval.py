"""Adapters from the app to the 亩均 evaluation (geoplan.analysis.land_yield / compliance / low_efficiency / report).

One cached :func:`geoplan.analysis.land_yield.evaluate` per (zone version, scheme) serves the map, the
scorecard, the 低效用地 list, the downloads and the project-store save.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from app_pages import _common as C

T = C.T
logger = logging.getLogger(__name__)


@st.cache_resource(max_entries=6, show_spinner=False)
def _evaluate(_zone, key: tuple, scheme: str):
    from geoplan.analysis import land_yield as ly

    z = _zone
    return ly.evaluate(
        z.layers["parcels"],
        z.layers["firms"],
        scheme,
        plates=z.layers.get("plates"),
        structure=z.layers.get("structure"),
        clusters=z.layers.get("clusters"),
    )


def schemes() -> list[str]:
    from geoplan.analysis.land_yield.schemes import available_schemes

    listed = list(C.profile().file.schemes)
    return listed or list(available_schemes())


def scheme() -> str:
    picked = st.session_state.get("pa_scheme")
    return picked if picked in schemes() else C.default_scheme()


def evaluation(zone):
    return _evaluate(zone, C.zone_key(), scheme())


def evaluated_parcels(zone) -> pd.DataFrame:
    """Parcels (working CRS) with the 亩均 columns (class, tax_per_mu …)."""
    return evaluation(zone).parcels


def _main_firm(ev, pid: str) -> str | None:
    row = ev.parcels[ev.parcels["parcel_id"].astype(str) == pid]
    if (
        row.empty
        or "main_firm" not in row
        or pd.isna(row["main_firm"].iloc[0])
        or not row["main_firm"].iloc[0]
    ):
        return None
    return str(row["main_firm"].iloc[0])


def _explain(ev, fid: str) -> dict | None:
    """land_yield.explain, with a defect in it shown as a warning rather than breaking the page."""
    from geoplan.analysis import land_yield

    return land_yield.explain(ev, fid)


def breakdown(zone, pid: str) -> None:
    ev = evaluation(zone)
    fid = _main_firm(ev, pid)
    if fid is None:
        st.caption(T("no_firms"))
        return
    e = _explain(ev, fid)
    if e is None:
        return
    st.caption(
        f"{T('main_firm')}: {e.get('name')} ({fid}) · {e.get('scheme')} · "
        f"{T('score')} {C.fmt_num(e.get('score'), 1)} · {e.get('class_label') or e.get('class') or '—'}"
    )
    comp = pd.DataFrame(e.get("components") or [])
    if len(comp):
        cols = [
            c
            for c in (
                "label_zh",
                "unit",
                "value",
                "benchmark",
                "benchmark_rule",
                "normalized",
                "weight",
                "contribution",
            )
            if c in comp
        ]
        st.dataframe(comp[cols].round(2), hide_index=True, width="stretch")
        st.bar_chart(comp.set_index("label_zh")["contribution"], horizontal=True, height=160)
    elif e.get("reason"):
        st.info(str(e["reason"]))


def whatif(zone, pid: str) -> None:
    ev = evaluation(zone)
    fid = _main_firm(ev, pid)
    if fid is None:
        st.caption(T("no_firms"))
        return
    e = _explain(ev, fid)
    if e is None:
        return
    rows = e.get("to_next_class") or []
    if not rows:
        st.caption(T("whatif_none"))
        return
    df = pd.DataFrame(rows)
    cols = [
        c
        for c in (
            "label_zh",
            "next_class",
            "current_value",
            "required_value",
            "change",
            "unit",
            "field",
            "required_field_value",
            "field_change",
            "reachable",
        )
        if c in df
    ]
    st.dataframe(df[cols].round(2), hide_index=True, width="stretch")


def compliance(zone, pid: str) -> None:
    ev = evaluation(zone)
    df = ev.compliance[ev.compliance["parcel_id"].astype(str) == pid]
    if df.empty:
        st.caption(T("compliance_none"))
        return
    cols = [
        c for c in ("check_zh", "op", "required", "actual", "passed", "gap", "basis") if c in df
    ]
    st.dataframe(df[cols], hide_index=True, width="stretch")


def low_efficiency_table(zone) -> pd.DataFrame:
    ev = evaluation(zone)
    cols = [
        c
        for c in (
            "parcel_id",
            "plate",
            "land_use",
            "status",
            "area_mu",
            "class",
            "far",
            "tax_per_mu",
            "criteria_zh",
            "reasons",
            "route",
            "gain_tax",
        )
        if c in ev.low_efficiency
    ]
    return pd.DataFrame(ev.low_efficiency[cols])


def low_efficiency_list(zone) -> None:
    df = low_efficiency_table(zone)
    st.caption(
        T(
            "low_eff_summary",
            n=len(df),
            mu=C.fmt_num(df["area_mu"].sum(), 0) if "area_mu" in df else "—",
        )
    )
    st.dataframe(df.round(2), hide_index=True, width="stretch", height=320)


def _workbook(ev, kind: str) -> bytes:
    """Excel bytes of the evaluation (internal or 公示), written in a private temp folder."""
    import tempfile
    from pathlib import Path

    from geoplan.present import report

    with tempfile.TemporaryDirectory(prefix="geoplan_xlsx_") as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        report.write_workbook(ev, path, public=kind == "public")
        return path.read_bytes()


def downloads(zone) -> None:
    ev = evaluation(zone)
    c1, c2 = st.columns(2)
    for col, kind, label in (
        (c1, "internal", "download_internal"),
        (c2, "public", "download_public"),
    ):
        # generated only when clicked (deferred callable), so reruns stay fast
        col.download_button(
            T(label),
            data=lambda k=kind: _workbook(ev, k),
            file_name=f"geoplan_{kind}_{scheme()}.xlsx",
            key=f"dl_{kind}",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    with st.expander(T("store_save_eval")):
        st.caption(T("store_where", where=C.store_label()))
        name = st.text_input(T("store_name"), value=f"亩均评价-{scheme()}", key="pa_store_name")
        user = st.text_input(
            T("store_user"), key="store_user_pa", value=st.session_state.get("store_user", "")
        )
        msg = st.text_input(T("store_message"), key="pa_store_msg")
        if st.button(T("store_save"), key="pa_store_save"):
            v = C.store_save("evaluation", name, ev.to_payload(), user=user, message=msg)
            if v:
                st.success(T("store_saved", name=name, v=v))
