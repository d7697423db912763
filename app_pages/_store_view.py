"""项目库 section of the 数据 page: saved items, their versions and the audit log, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.errors import GeoplanError
from geoplan.present import zone_view as ZV

T = C.T


def section() -> None:
    lang = C.lang()
    st.caption(T("store_where", where=C.store_label()))
    try:
        store = C.project_store()
        items = store.list()
    except GeoplanError as exc:
        st.warning(T("store_unavailable", err=exc))
        return
    if not items:
        st.info(T("store_empty"))
        return
    st.caption(T("store_open_scenario_hint"))
    st.dataframe(ZV.store_table(items, lang), hide_index=True, width="stretch")
    labels = {f"{T('kind_' + it['kind'])} · {it['name']}": it for it in items}
    pick = st.selectbox(T("store_open"), list(labels), key="da_store_pick")
    it = labels[pick]
    hist = store.history(it["kind"], it["name"])
    versions = [h["version"] for h in hist]
    v = st.selectbox(
        T("store_version"), versions[::-1], key=f"da_store_v_{it['kind']}_{it['name']}"
    )
    with st.expander(T("store_history")):
        rows = [{**h, "rows": ", ".join(map(str, h.get("rows") or []))} for h in hist]
        st.dataframe(ZV.store_table(rows, lang), hide_index=True, width="stretch")
    payload = store.load(it["kind"], it["name"], v)
    if it["kind"] == "scenario":
        st.code(payload["text"], language="yaml")
    elif it["kind"] in ("evaluation", "result"):
        _show_saved(payload, f"{it['name']}_v{v}")
    elif it["kind"] == "layer":
        st.dataframe(
            pd.DataFrame(payload.drop(columns="geometry", errors="ignore")).head(200),
            width="stretch",
        )
    with st.expander(T("store_audit")):
        log = store.audit_log(kind=it["kind"], name=it["name"])
        st.dataframe(ZV.store_table(log, lang), hide_index=True, width="stretch")


def _show_saved(payload: dict, stem: str) -> None:
    """A saved evaluation or scenario result: headline numbers and its tables, as Excel."""
    summary = payload.get("summary") or {}
    if "classes" in summary:  # an evaluation
        cols = st.columns(5)
        for col, c in zip(cols, ("A", "B", "C", "D", "T"), strict=True):
            col.metric(T(f"class_{c}"), f"{summary['classes'].get(c, 0):,}")
        z = summary.get("zone") or {}
        st.caption(
            f"{T('scheme')}: {summary.get('scheme')} · {T('tax_per_mu')}: {C.fmt_num(z.get('tax_per_mu'), 2)}"
        )
    elif "kpis" in summary:  # a scenario result
        st.dataframe(payload["kpis"], hide_index=True, width="stretch")
    st.download_button(
        T("store_download"),
        ZV.workbook_bytes(ZV.saved_frames(payload)),
        file_name=f"{stem}.xlsx",
        key="da_store_dl",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
