"""Shared helpers for the app pages: session settings, cached loaders, error boundary, map display.

Everything user-specific lives in ``st.session_state`` (never module globals or shared files).
Cached resources are read-only and bounded (``max_entries``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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


ZONE_STATE = "zone_path"


def zone_choices() -> list[str]:
    """The bundled sample first, then the zones in the projects folder (paths of their zone.yaml)."""
    from geoplan.zone import DEFAULT_CATALOG, ZONE_FILE, list_zones

    out = [str(DEFAULT_CATALOG)]
    out += [
        str((z / ZONE_FILE).resolve())
        for z in list_zones()
        if (z / ZONE_FILE).resolve() != DEFAULT_CATALOG
    ]
    return out


def zone_path() -> str:
    """The ``zone.yaml`` of the zone this session works on (the bundled sample until one is chosen)."""
    from geoplan.zone import DEFAULT_CATALOG

    return st.session_state.get(ZONE_STATE) or str(DEFAULT_CATALOG)


def choose_zone(path: str) -> None:
    """Switch this session to another zone (a page shows only the chosen zone, never a mix)."""
    st.session_state[ZONE_STATE] = str(path)


def is_sample() -> bool:
    from geoplan.zone import DEFAULT_CATALOG

    return zone_path() == str(DEFAULT_CATALOG)


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_zone(path: str, stamp: tuple):
    from geoplan.zone import load_zone

    return load_zone(path, copy=False)


@st.cache_resource(max_entries=8, show_spinner=False)
def _profile(path: str, stamp: tuple):
    from geoplan.zone import read_profile

    return read_profile(path)


def zone_key() -> tuple:
    """Cache key of the chosen zone: its zone.yaml and every file's size and mtime."""
    from geoplan.zone import zone_stamp

    return (zone_path(), zone_stamp(zone_path()))


def zone():
    """The chosen zone's layers (shared and read-only — never modify them)."""
    path, stamp = zone_key()
    return _load_zone(path, stamp)


base_zone = zone


def profile():
    """The chosen zone's zone.yaml (name, CRS, units, schemes, industries …)."""
    path, stamp = zone_key()
    return _profile(path, stamp)


def default_scheme() -> str:
    """The zone's 亩均 scheme (zone.yaml ``default_scheme``, else its first listed scheme)."""
    prof = profile()
    zf = prof.file
    return zf.default_scheme or (zf.schemes[0] if zf.schemes else "dalian_default")


def has_layers(
    zone, names: tuple[str, ...], *, any_of: tuple[str, ...] = (), rasters: tuple[str, ...] = ()
) -> bool:
    """Whether *zone* has what a page needs; if not, say once which layers are missing (by their
    Chinese names) and where to add them, and return False (the page shows nothing more)."""
    from geoplan.data.catalog import LAYER_TYPES

    missing = [n for n in names if zone.get(n) is None or not len(zone.layers[n])]
    if any_of and not any(zone.get(n) is not None and len(zone.layers[n]) for n in any_of):
        missing.append(" / ".join(any_of))
    missing += [r for r in rasters if r not in (zone.rasters or {})]
    if not missing:
        return True

    def label(n: str) -> str:
        parts = [LAYER_TYPES[x].label_en if lang() == "en" else LAYER_TYPES[x].label_zh
                 if x in LAYER_TYPES else T(f"raster_{x}") for x in n.split(" / ")]  # fmt: skip
        return " / ".join(parts)

    st.info(T("missing_layers", layers="、".join(label(n) for n in missing)))
    return False


def zone_label(path: str, lang_: str | None = None) -> str:
    """How a zone is named in the picker: its name, the bundled sample marked as such."""
    from geoplan.zone import DEFAULT_CATALOG, read_profile

    name = read_profile(path).name
    if path == str(DEFAULT_CATALOG):
        return t("zone_picker_sample", lang_ or lang(), name=name)
    return name


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


# the project store helpers live in app_pages._store (re-exported here for the pages)
from app_pages._store import (  # noqa: E402
    project_store,
    store_items,
    store_label,
    store_load,
    store_save,
)

__all__ = ["project_store", "store_items", "store_label", "store_load", "store_save"]
