"""The project store (项目库) in the app: one shared store for the team, every save versioned and
audited; errors shown on the page instead of raised."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from geoplan.errors import GeoplanError
from geoplan.text import t

logger = logging.getLogger(__name__)


def T(key: str, **fmt: object) -> str:
    return t(key, st.session_state.get("lang", "zh"), **fmt)


# --- the project store (项目库): one shared store for the team, every save versioned and audited ---


def _store_secrets() -> dict | None:
    try:
        sec = st.secrets.get("geoplan_store")
    except (
        FileNotFoundError
    ):  # no secrets.toml at all: Streamlit raises (StreamlitSecretNotFoundError)
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
