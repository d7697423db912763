"""The app's adapters to the plan indicators, the zone's chain and tier lists and the project
store's table of actual values (shared by 总览, 规划指标 and 产业链)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app_pages import _common as C
from geoplan.errors import GeoplanError

T = C.T


@st.cache_resource(max_entries=8, show_spinner=False)
def _catalogue(folder: str, stamp: tuple):
    from geoplan.analysis.indicators import catalogue as make
    from geoplan.analysis.indicators import load_catalogue
    from geoplan.data.indicator_tables import PLAN_TARGETS_FILE, read_plan_targets
    from geoplan.standards.chains_tiers import tables_dir

    if (tables_dir(folder) / PLAN_TARGETS_FILE).exists():
        return load_catalogue(folder)
    # a zone without its own plan targets table: an empty catalogue of the same columns
    sample = tables_dir(None) / PLAN_TARGETS_FILE
    return make(read_plan_targets(sample).iloc[:0], source=PLAN_TARGETS_FILE)


def catalogue():
    """The chosen zone's plan indicator catalogue (``tables/plan_targets.csv``; empty if it has none)."""
    folder, stamp = str(C.profile().folder), C.zone_key()
    return _catalogue(folder, stamp)


def has_targets() -> bool:
    return len(catalogue().rows) > 0


@st.cache_resource(max_entries=8, show_spinner=False)
def _tier_list(folder: str, stamp: tuple):
    from geoplan.standards.chains_tiers import TIERS_FILE, load_tiers, tables_dir

    p = tables_dir(folder) / TIERS_FILE
    return load_tiers(p) if p.exists() else None


def tier_list():
    """The chosen zone's enterprise tier list (``tables/enterprise_tiers.yaml``), None if it has none."""
    return _tier_list(str(C.profile().folder), C.zone_key())


@st.cache_resource(max_entries=8, show_spinner=False)
def _chain_list(folder: str, stamp: tuple):
    from geoplan.standards.chains_tiers import CHAINS_FILE, load_chains, tables_dir

    p = tables_dir(folder) / CHAINS_FILE
    return load_chains(p) if p.exists() else None


def chain_list():
    """The chosen zone's 产业链 list (``tables/chains.yaml``), None if it has none."""
    return _chain_list(str(C.profile().folder), C.zone_key())


def saved_actuals() -> tuple[pd.DataFrame | None, int]:
    """The project store's latest table of actual values and its version (None, 0 if none)."""
    from geoplan.analysis import indicators as ind

    try:
        store = C.project_store()
        v = store.latest_version(ind.STORE_KIND, ind.STORE_NAME)
        return (store.load(ind.STORE_KIND, ind.STORE_NAME), v) if v else (None, 0)
    except GeoplanError as exc:
        st.caption(str(exc))
        return None, 0


def actuals() -> tuple[pd.DataFrame, str]:
    """The actual values in use: this session's checked table, else the store's, else none."""
    from geoplan.analysis import indicators as ind

    mine = st.session_state.get("ind_actuals")
    if mine is not None:
        return mine, ""
    saved, v = saved_actuals()
    if saved is not None:
        checked = ind.validate_actuals(saved.astype(str), catalogue(), source=ind.STORE_NAME)
        return checked, T("ind_saved_from", v=v)
    return ind.empty_actuals(), ""


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(
        pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes()
    ).hexdigest()


@st.cache_resource(max_entries=8, show_spinner=False)
def progress(_zone, key: tuple, _actuals: pd.DataFrame, digest: str) -> pd.DataFrame:
    from geoplan.analysis import indicators as ind
    from geoplan.analysis import tiers

    tl = tier_list()
    derived = tiers.indicator_values(_zone, tl) if tl is not None else {}
    derived = {k: v for k, v in derived.items() if k in catalogue().keys()}  # noqa: SIM118
    acts = ind.with_derived(_actuals, derived, ind.data_year(_zone), T("ind_derived_label"))
    return ind.progress(catalogue(), acts)


@st.cache_resource(max_entries=8, show_spinner=False)
def by_unit(_zone, key: tuple, unit: str) -> pd.DataFrame | None:
    from geoplan.analysis import tiers

    tl = tier_list()
    return tiers.by_unit(_zone, tl, unit) if tl is not None else None


def progress_now(zone, key: tuple) -> tuple[pd.DataFrame, str]:
    acts, label = actuals()
    return progress(zone, key, acts, _digest(acts)), label


def targets_summary(zone, key: tuple, lang: str, *, units: bool = True) -> None:
    """The 表2 rows with progress, and the indicators the layers give by 组团 (overview)."""
    from geoplan.present import tables

    if not has_targets():
        st.info(T("ind_no_targets"))
        return
    prog, label = progress_now(zone, key)
    st.subheader(T("ind_summary_title", n=len(prog)))
    st.caption(T("ind_summary_caption") + (f" {label}" if label else ""))
    df = tables.indicator_progress(prog, lang)
    st.dataframe(df, hide_index=True, width="stretch", height=38 + 35 * min(len(df), 20))
    from geoplan.analysis.units import available_units

    have = available_units(zone)
    bu = by_unit(zone, key, "cluster") if units and "cluster" in have else None
    if bu is not None:
        st.subheader(T("ind_by_unit_title", unit=T("ind_unit_cluster")))
        view = tables.indicator_by_unit(bu, "cluster", lang)
        st.dataframe(
            view,
            hide_index=True,
            width="stretch",
            column_config=C.num_cols(dict.fromkeys(view.columns[-1:], "%.2f")),
        )
