"""Shared helpers for the app pages: session settings, cached loaders, error boundary, map display.

Everything user-specific lives in ``st.session_state`` (never module globals or shared files).
Cached resources are read-only and bounded (``max_entries``).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.text import t

logger = logging.getLogger(__name__)

MAX_UPLOAD_MB = 50


def lang() -> str:
    return st.session_state.get("lang", "zh")


def basemap() -> str:
    return st.session_state.get(wkey("basemap"), "none")


def wkey(name: str) -> str:
    """Widget key for a widget whose labels are translated.

    Streamlit stores choice widgets by their formatted label, so a language switch would orphan
    the stored value; one key per language keeps each valid (switching language resets them).
    """
    return f"{name}_{lang()}"


def tl(lang_: str, key: str, **fmt: object) -> str:
    """Translation with an explicit language (for format_func closures evaluated later)."""
    from geoplan.text import t as _t

    return _t(key, lang_, **fmt)


def formatter(key_of: Callable[[Any], str]) -> Callable[[Any], str]:
    """A widget ``format_func`` that translates ``key_of(value)`` in the language of this run."""
    lang_ = lang()
    return lambda v: tl(lang_, key_of(v))


def T(key: str, **fmt: object) -> str:
    return t(key, lang(), **fmt)


def guard(fn: Callable[[], None]) -> None:
    """Run a page body; user mistakes (GeoplanError) become st.error with what to do."""
    try:
        fn()
    except GeoplanError as exc:
        st.error(f"{exc}\n\n{T('error_hint')}")


@st.cache_resource(max_entries=2, show_spinner=False)
def _base_zone(catalog: str):
    from geoplan.zone import load_zone

    return load_zone(catalog)


def base_zone():
    """The bundled zone (shared, read-only — never modify it)."""
    from geoplan.zone import DEFAULT_CATALOG

    return _base_zone(str(DEFAULT_CATALOG))


def zone():
    """The zone with this session's uploaded layers in place of the bundled ones."""
    z = base_zone()
    user = st.session_state.get("user_layers") or {}
    if not user:
        return z
    layers = dict(z.layers)
    layers.update(user)
    return replace(z, layers=layers) if hasattr(z, "__dataclass_fields__") else z


def user_layer_note() -> None:
    user = st.session_state.get("user_layers") or {}
    if user:
        st.caption(T("user_layers_active", names=", ".join(user)))


def zone_key() -> tuple:
    """Cheap cache key for the current zone (bundled + this session's layer versions)."""
    return tuple(sorted((st.session_state.get("user_layer_versions") or {}).items()))


def show_map(m: Any, *, key: str, returned: list[str] | None = None, height: int = 560) -> dict:
    """Display a folium map with st_folium; only *returned* objects trigger reruns."""
    import copy

    from streamlit_folium import st_folium

    # st_folium rewrites element ids in place: give it a copy so cached maps stay intact
    return (
        st_folium(
            copy.deepcopy(m),
            key=key,
            height=height,
            use_container_width=True,
            returned_objects=returned or [],
        )
        or {}
    )


def map_downloads(spec: Any, m: Any, *, key: str, file_stem: str) -> None:
    """PNG / PDF (print version with title, legend, scale bar, north arrow, 示意 note, date) and
    offline HTML of a map; each file is made only when its button is clicked."""
    from geoplan.present import maps, printmap

    c = st.columns([1.1, 1.1, 1.1, 0.7, 2.2])
    paper = c[3].selectbox(
        T("paper"), list(printmap.PAPERS), key=f"{key}_paper", label_visibility="collapsed"
    )
    c[0].download_button(
        T("download_png"),
        data=lambda: printmap.render(spec, fmt="png", paper=paper),
        file_name=f"{file_stem}_{paper}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
    )
    c[1].download_button(
        T("download_pdf"),
        data=lambda: printmap.render(spec, fmt="pdf", paper=paper),
        file_name=f"{file_stem}_{paper}.pdf",
        mime="application/pdf",
        key=f"{key}_pdf",
        on_click="ignore",
    )
    c[2].download_button(
        T("download_html"),
        data=lambda: maps.export_html(m, spec.title).encode("utf-8"),
        file_name=f"{file_stem}.html",
        mime="text/html",
        key=f"{key}_html",
        on_click="ignore",
    )
    if basemap() != "none":
        c[4].caption(T("html_key_note"))


def md_escape(text: str) -> str:
    """Text shown through st.markdown without being read as Markdown."""
    for ch in "\\`*_[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text


def num_cols(formats: dict[str, str]) -> dict:
    """Number formats for st.dataframe (column_config renders far faster than a pandas Styler)."""
    return {c: st.column_config.NumberColumn(c, format=f) for c, f in formats.items()}


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
        st.markdown("\n".join(f"- {md_escape(str(x))}" for x in lines) or "—")


def fmt_num(v: float, digits: int = 1) -> str:
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return "—"


def validate_upload(
    name: str, data: bytes, ltype: str, coord: str, *, max_mb: float = MAX_UPLOAD_MB
):
    """Validate uploaded bytes as a layer (strict=False) in a private temp folder; returns the Layer.

    Raises GeoplanError for a file that is too large; the caller shows the report otherwise.
    """
    from geoplan.data.layers import load_layer
    from geoplan.errors import LoadError

    size_mb = len(data) / 1e6
    if size_mb > max_mb:
        raise LoadError(T("too_big", size=size_mb, mb=max_mb))
    safe = Path(name).name or "upload"
    with tempfile.TemporaryDirectory(prefix="geoplan_upload_") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        return load_layer(path, ltype, coord_system=coord, strict=False)


# --- the project store (项目库): one shared store for the team, every save versioned and audited ---


def _store_secrets() -> dict | None:
    try:
        sec = st.secrets.get("geoplan_store")
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning None
        return None
    return dict(sec) if sec else None


@st.cache_resource(max_entries=4, show_spinner=False)
def _open_store(target: str, has_secrets: bool, schema: str):  # schema: part of the cache key
    from geoplan.store import open_store

    sec = _store_secrets() if has_secrets else None
    if sec and not target:
        target = "postgis"
    return open_store(target or None, secrets=sec)


def project_store():
    """The project store: ``GEOPLAN_STORE`` (a .gpkg, project name or postgresql:// URL), else a
    ``[geoplan_store]`` section in Streamlit secrets (PostGIS), else ~/.geoplan/projects/default.gpkg."""
    from geoplan import settings

    return _open_store(settings.store_target(), _store_secrets() is not None, settings.pg_schema())


def store_label() -> str:
    try:
        return project_store().label
    except GeoplanError as exc:
        return str(exc)


def store_items(kind: str) -> list[dict]:
    """Latest versions of the saved items of *kind* (empty if the store cannot be opened)."""
    try:
        return project_store().list(kind)
    except GeoplanError as exc:
        logger.warning("project store unavailable: %s", exc)
        return []


def store_load(kind: str, name: str, version: int | None = None):
    return project_store().load(kind, name, version)


def store_save(
    kind: str,
    name: str,
    payload: Any,
    *,
    user: str = "",
    message: str = "",
    expected_version: int | None = None,
) -> int | None:
    """Save a new version; show what went wrong (conflict, bad name) instead of raising."""
    from geoplan.errors import ConflictError
    from geoplan.store import current_user

    try:
        return project_store().save(
            kind,
            name,
            payload,
            user=user.strip() or current_user(),
            message=message,
            expected_version=expected_version,
        )
    except ConflictError as exc:
        st.error(f"{T('store_conflict')}\n\n{exc}")
    except GeoplanError as exc:
        st.error(f"{exc}\n\n{T('error_hint')}")
    return None
