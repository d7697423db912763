"""The import wizard of the 数据 page: a bureau's own files → a zone folder, every mapping shown.

1. upload (boundary required; parcels, firms, 三调, units, roads, facilities optional), kept in a
   private temporary folder of this session; 2. recognise: :func:`geoplan.zone_init.run_imports`
   without writing anything, then per file the suggested column mapping (editable), what was
   derived or converted, the land-use code conversions and the problems; 3. create the zone in the
   projects folder with :func:`geoplan.zone_init.init_zone` and switch the session to it.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.data.catalog import LAYER_TYPES
from geoplan.errors import GeoplanError
from geoplan.present import import_view as V

T = C.T
#: the files a zone is made of, in the order the wizard asks for them
KINDS = (
    "zone",
    "parcels",
    "firms",
    "land_register",
    "landuse_survey",
    "units",
    "roads",
    "facilities",
)
SUFFIXES = ["zip", "gpkg", "geojson", "json", "parquet", "geoparquet", "csv", "xlsx", "xls"]


def _folder() -> Path:
    """This session's private upload folder (removed with the session's temp directory)."""
    if "iw_tmp" not in st.session_state:
        st.session_state["iw_tmp"] = tempfile.mkdtemp(prefix="geoplan_import_")
    return Path(st.session_state["iw_tmp"])


def _label(kind: str) -> str:
    lt = LAYER_TYPES[kind]
    return lt.label_en if C.lang() == "en" else lt.label_zh


def _uploads() -> list:
    """The upload widgets; returns the Sources of the files given (saved to the session folder)."""
    from geoplan.zone_init import Source

    sources = []
    cols = st.columns(2)
    for i, kind in enumerate(KINDS):
        with cols[i % 2]:
            up = st.file_uploader(
                T("iw_file", label=_label(kind)), type=SUFFIXES, key=f"iw_up_{kind}"
            )
            if up is None:
                continue
            data = up.getvalue()
            if len(data) > C.MAX_UPLOAD_MB * 1e6:
                st.error(T("too_big", size=len(data) / 1e6, mb=C.MAX_UPLOAD_MB))
                continue
            path = _folder() / kind / (Path(up.name).name or "upload")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            coord = C.wkey("iw_firm_coord") if kind == "firms" else C.wkey("iw_coord")
            opts: dict = {"coord_system": st.session_state.get(coord, "wgs84")}
            if path.suffix.lower() in (".xlsx", ".xls"):
                sheet = st.text_input(T("iw_sheet"), key=f"iw_sheet_{kind}")
                if sheet.strip():
                    opts["sheet"] = sheet.strip()
            maps = st.session_state.get("iw_user_map", {}).get(kind)
            if maps:
                opts["user_map"] = maps
            sources.append(Source(kind, path, opts))
    return sources


def _fingerprint(sources: list, name: str) -> str:
    h = hashlib.blake2b(name.encode(), digest_size=12)
    for s in sources:
        h.update(
            f"{s.type}|{s.path.name}|{s.path.stat().st_size}|{sorted(s.options.items())!r}".encode()
        )
    return h.hexdigest()


def _recognise(sources: list, name: str) -> None:
    from geoplan.zone_init import run_imports

    bar = st.progress(0.0)
    done, _ctx = run_imports(
        sources,
        name=name or None,
        progress=lambda f, what: bar.progress(
            f, text=T("iw_progress", what=_label(what) if what in LAYER_TYPES else what)
        ),
    )
    st.session_state["iw_reports"] = {k: imp.report for k, imp in done.items()}
    st.session_state["iw_checked"] = _fingerprint(sources, name)


def _review(lang: str) -> None:
    reports = st.session_state.get("iw_reports") or {}
    if not reports:
        st.caption(T("iw_none_yet"))
        return
    for kind, rep in reports.items():
        bad = len(rep.errors)
        title = (
            T("iw_layer_bad", label=_label(kind), n=bad)
            if bad
            else T("iw_layer_ok", label=_label(kind), n=rep.count)
        )
        with st.expander(("⚠️ " if bad else "✅ ") + title, expanded=bool(bad)):
            if rep.linked is not None:
                st.caption(T("iw_linked", linked=rep.linked, unlinked=rep.unlinked or 0))
            table = V.mapping_table(rep, lang)
            if len(table):
                st.markdown(f"**{T('iw_mapping')}**")
                col_f = T("iw_col_field")
                labels = {V.field_label(kind, f, lang): f for f in V.field_choices(kind)}
                shown = table.assign(
                    **{col_f: [V.field_label(kind, f, lang) for f in table[col_f]]}
                )
                edited = st.data_editor(
                    shown,
                    key=f"iw_edit_{kind}",
                    hide_index=True,
                    width="stretch",
                    disabled=[c for c in shown.columns if c != col_f],
                    column_config={
                        col_f: st.column_config.SelectboxColumn(col_f, options=list(labels))
                    },
                )
                chosen = edited.assign(**{col_f: [labels.get(v, "") for v in edited[col_f]]})
                # keep what the user changed (and earlier changes); the import's own choices stay implicit
                auto = {f: c for f, c in rep.mapping.items() if not c.startswith("derived")}
                changed = {
                    f: v
                    for f, v in V.user_map_from(chosen, rep, lang).items()
                    if auto.get(f) != v[0]
                }
                maps = st.session_state.setdefault("iw_user_map", {})
                maps[kind] = {**maps.get(kind, {}), **changed}
            for head, frame in (("iw_derived", V.derived_table(rep, lang)), ("iw_codes", V.codes_table(rep, lang)),
                                ("iw_problems", V.problems_table(rep, lang))):  # fmt: skip
                if len(frame):
                    st.markdown(f"**{T(head)}**")
                    st.dataframe(frame, hide_index=True, width="stretch")


def _create(sources: list, name: str) -> None:
    from geoplan.zone import ZONE_FILE
    from geoplan.zone_init import ImportFailed, default_zone_folder, init_zone

    dest = default_zone_folder(name)
    st.caption(T("iw_folder", path=dest))
    replace = False
    if (dest / ZONE_FILE).exists():
        st.warning(T("iw_exists", name=name))
        replace = st.checkbox(T("iw_replace"), key="iw_replace")
    if not st.button(T("iw_create"), key="iw_create", type="primary"):
        return
    if st.session_state.get("iw_checked") != _fingerprint(sources, name):
        st.warning(T("iw_stale"))
        return
    bar = st.progress(0.0)
    try:
        res = init_zone(
            dest, sources, name=name, overwrite=replace,
            progress=lambda f, what: bar.progress(f, text=T("iw_progress", what=what)),
        )  # fmt: skip
    except ImportFailed as exc:
        n = sum(len(x["problems"]) for x in exc.report["layers"])
        st.error(T("iw_has_errors", n=n))
        return
    C.choose_zone(str((res.folder / ZONE_FILE).resolve()))
    st.success(T("iw_created", name=res.report["zone"]["name"]))
    for k in ("iw_reports", "iw_checked", "iw_user_map"):
        st.session_state.pop(k, None)
    st.rerun()


def wizard() -> None:
    lang = C.lang()
    st.caption(T("iw_intro"))
    st.markdown(f"#### {T('iw_step_files')}")
    a, b, c = st.columns([2, 2, 2])
    name = a.text_input(T("iw_name"), key="iw_name").strip()
    for col, key in ((b, "iw_coord"), (c, "iw_firm_coord")):
        col.radio(
            T(key), ["wgs84", "gcj02", "bd09"], horizontal=True, key=C.wkey(key),
            format_func=C.formatter(lambda v: f"coord_{v}"),
        )  # fmt: skip
    sources = _uploads()
    if not any(s.type == "zone" for s in sources):
        st.info(T("iw_need_boundary"))
        return
    if st.button(T("iw_preview"), key="iw_preview"):
        try:
            _recognise(sources, name)
        except GeoplanError as exc:
            st.session_state.pop("iw_reports", None)
            st.error(f"{exc}\n\n{T('error_hint')}")
            return
    st.markdown(f"#### {T('iw_step_check')}")
    _review(lang)
    reports = st.session_state.get("iw_reports") or {}
    if not reports:
        return
    st.markdown(f"#### {T('iw_step_create')}")
    if any(r.errors for r in reports.values()):
        st.error(T("iw_has_errors", n=sum(len(r.errors) for r in reports.values())))
        return
    if not name:
        st.info(T("iw_need_name"))
        return
    _create(sources, name)


def current_layers() -> pd.DataFrame:
    from geoplan.present.zone_view import layer_table
    from geoplan.zone import layer_summary

    return layer_table(layer_summary(C.zone()), C.lang())
