"""数据 — upload your own layers (this session only), see the validation report, bundled layers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.catalog import LAYER_TYPES

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
        format_func=lambda v, _l=C.lang(): C.tl(_l, f"coord_{v}"),
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


C.guard(body)
