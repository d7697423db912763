"""数据 — upload your own layers (this session only), see the validation report, bundled layers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.data.catalog import LAYER_TYPES
from geoplan.text import STRINGS

T = C.T
SUFFIXES = ["gpkg", "geojson", "json", "zip", "parquet", "geoparquet"]


def body() -> None:
    lang = C.lang()
    st.header(T("page_data"))
    st.caption(T("upload_types", mb=C.MAX_UPLOAD_MB))
    c1, c2 = st.columns(2)
    types = list(LAYER_TYPES)
    ltype = c1.selectbox(
        T("layer_type"),
        types,
        index=types.index("parcels") if "parcels" in types else 0,
        key=C.wkey("da_type"),
        format_func=lambda k: (
            f"{k} · {LAYER_TYPES[k].label_en if lang == 'en' else LAYER_TYPES[k].label_zh}"
        ),
    )
    coord = c2.radio(
        T("coord_system"),
        ["wgs84", "gcj02", "bd09"],
        horizontal=True,
        key=C.wkey("da_coord"),
        format_func=C.formatter(lambda v: f"coord_{v}"),
    )
    upload = st.file_uploader(
        T("upload"), type=SUFFIXES + (["csv", "xlsx"] if ltype == "firms" else []), key="da_file"
    )
    if upload is not None and st.button(T("validate"), key="da_validate"):
        layer = C.validate_upload(upload.name, upload.getvalue(), ltype, coord)
        if layer is not None:
            rep = layer.report
            if rep.ok:
                st.success(T("valid", rows=rep.rows))
                user = dict(st.session_state.get("user_layers") or {})
                name = ltype
                user[name] = layer.data
                st.session_state["user_layers"] = user
                versions = dict(st.session_state.get("user_layer_versions") or {})
                versions[name] = f"{upload.name}:{upload.size}:{upload.file_id}"
                st.session_state["user_layer_versions"] = versions
            else:
                st.error(T("invalid", n=len(rep.errors)))
            if rep.problems:
                st.dataframe(
                    pd.DataFrame([p.to_dict() for p in rep.problems]),
                    hide_index=True,
                    width="stretch",
                )
    user = st.session_state.get("user_layers") or {}
    if user:
        st.subheader(T("session_layers"))
        for name, df in list(user.items()):
            a, b = st.columns([4, 1])
            a.write(f"**{name}** — {len(df):,}")
            if b.button(T("remove"), key=f"da_rm_{name}"):
                user = dict(user)
                user.pop(name)
                st.session_state["user_layers"] = user
                versions = dict(st.session_state.get("user_layer_versions") or {})
                versions.pop(name, None)
                st.session_state["user_layer_versions"] = versions
                st.rerun()
    st.subheader(T("layers_table"))
    from geoplan.zone import layer_summary

    st.dataframe(pd.DataFrame(layer_summary(C.base_zone())), hide_index=True, width="stretch")
    _store_section()


def _store_section() -> None:
    """项目库: what has been saved (scenarios, evaluations, results), versions and the audit log."""
    from geoplan.errors import GeoplanError

    st.subheader(T("store_title"))
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
    table = pd.DataFrame(items)
    table["kind"] = table["kind"].map(lambda k: T(f"kind_{k}"))
    table = table.drop(columns=[c for c in ("rows",) if c in table])
    st.dataframe(
        table.rename(
            columns={c: T(f"store_col_{c}") for c in table.columns if f"store_col_{c}" in STRINGS}
        ),
        hide_index=True,
        width="stretch",
    )
    labels = {f"{T('kind_' + it['kind'])} · {it['name']}": it for it in items}
    pick = st.selectbox(T("store_open"), list(labels), key="da_store_pick")
    it = labels[pick]
    hist = store.history(it["kind"], it["name"])
    versions = [h["version"] for h in hist]
    v = st.selectbox(
        T("store_version"), versions[::-1], key=f"da_store_v_{it['kind']}_{it['name']}"
    )
    with st.expander(T("store_history")):
        st.dataframe(pd.DataFrame(hist), hide_index=True, width="stretch")
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
        st.dataframe(pd.DataFrame(log), hide_index=True, width="stretch")


def _show_saved(payload: dict, stem: str) -> None:
    """A saved evaluation or scenario result: headline numbers and its tables, as Excel."""
    import io

    summary = payload.get("summary") or {}
    if "classes" in summary:  # an evaluation
        cols = st.columns(5)
        for col, c in zip(cols, ("A", "B", "C", "D", "T"), strict=True):
            col.metric(T(f"class_{c}"), f"{summary['classes'].get(c, 0):,}")
        z = summary.get("zone") or {}
        st.caption(
            f"{T('scheme')}: {summary.get('scheme')} · {T('tax_per_mu')}: {z.get('tax_per_mu')}"
        )
    elif "kpis" in summary:  # a scenario result
        st.dataframe(payload["kpis"], hide_index=True, width="stretch")
    frames = {k: v for k, v in payload.items() if isinstance(v, pd.DataFrame)}
    frames |= {
        f"{k}_{kk}": vv
        for k, v in payload.items()
        if isinstance(v, dict)
        for kk, vv in v.items()
        if isinstance(vv, pd.DataFrame)
    }
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in frames.items():
            pd.DataFrame(df.drop(columns="geometry", errors="ignore")).to_excel(
                xw, sheet_name=name[:31], index=False
            )
    st.download_button(
        T("store_download"),
        buf.getvalue(),
        file_name=f"{stem}.xlsx",
        key="da_store_dl",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


C.guard(body)
