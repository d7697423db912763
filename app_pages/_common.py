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


# the project store helpers live in app_pages._store (re-exported here for the pages)
from app_pages._store import (  # noqa: E402
    project_store,
    store_items,
    store_label,
    store_load,
    store_save,
)

__all__ = ["project_store", "store_items", "store_label", "store_load", "store_save"]
