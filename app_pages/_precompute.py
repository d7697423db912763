"""The zone's base results, computed once per server and shared by every session.

The analyses the pages need (infrastructure balance and coverage per phase, the 亩均 evaluation,
suitability, 六纵五横, accessibility) are ``st.cache_resource`` functions: one value per server
process, computed once even when several sessions ask at the same time (Streamlit holds a lock
per key). When the server starts, :func:`start` runs them for the bundled zone in one background
thread, most-wanted first, so the first visitor's pages find them ready; the sidebar shows the
progress (:func:`progress_widget`). A page asking for a result that is being computed waits for
it; one the thread has not reached yet is computed at once by the page.

Results are shared and read-only: never modify them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from app_pages import _common as C
from geoplan.errors import GeoplanError
from geoplan.settings import PHASES

logger = logging.getLogger(__name__)


def section(fn: Callable[[], Any]) -> Any:
    """Run one page section's computation; a user problem (GeoplanError) is shown and the page
    goes on. A defect is not turned into a message: it propagates."""
    try:
        return fn()
    except GeoplanError as exc:
        st.error(f"{exc}\n\n{C.T('error_hint')}")
    return None


# ------------------------------------------------------------------------------ shared analyses
@st.cache_resource(max_entries=6, show_spinner=False)
def balance(_zone, key: tuple, phase: str):
    """InfraResult of a phase (both facility kinds)."""
    from geoplan.analysis import infrastructure as infra

    return infra.analyse(_zone, phase)


@st.cache_resource(max_entries=6, show_spinner=False)
def coverage(_zone, key: tuple, phase: str):
    """CoverageResult of a phase (500米见园 …)."""
    from geoplan.analysis import coverage as cov

    layers = _zone.layers
    for name in ("parcels", "facilities", "roads"):
        if layers.get(name) is None:
            msg = f"the zone has no '{name}' layer (needed for the service coverage)"
            raise GeoplanError(msg)
    return cov.service_coverage(
        layers["parcels"], layers["facilities"], layers["roads"], phase=phase
    )


@st.cache_resource(max_entries=6, show_spinner=False)
def access(_zone, key: tuple, phase: str) -> dict:
    from geoplan.analysis import infrastructure as infra

    return infra.access_summary(infra.accessibility(_zone, phase))


@st.cache_resource(max_entries=4, show_spinner=False)
def frame(_zone, key: tuple):
    from geoplan.analysis import infrastructure as infra

    roads = _zone.layers.get("roads")
    if roads is None:
        msg = "the zone has no 'roads' layer"
        raise GeoplanError(msg)
    return infra.frame_completion(roads)


@st.cache_resource(max_entries=2, show_spinner=False)
def coverage_radii() -> dict[str, tuple[str, str]]:
    """Per standard, the distance rule as text parameters (from data/standards/coverage.yaml)."""
    from geoplan.analysis import coverage as cov

    std = cov.load_standards()["standards"]
    out = {}
    for k, spec in std.items():
        if "tiers" in spec:
            out[k] = ("walk", "/".join(f"{t['radius_m']:g}" for t in spec["tiers"]))
        else:
            out[k] = ("straight" if k == "green_50m" else "walk", f"{spec['radius_m']:g}")
    return out


# ------------------------------------------------------------------------------ background warm-up
@dataclass
class Warmup:
    """Progress of the server's background warm-up (one per server)."""

    jobs: list[tuple[str, Callable[[], Any]]]
    done: int = 0
    failed: list[str] = field(default_factory=list)
    current: str = ""
    thread: threading.Thread | None = None

    @property
    def finished(self) -> bool:
        return self.done + len(self.failed) >= len(self.jobs)

    def run(self) -> None:
        for name, job in self.jobs:
            self.current = name
            try:
                job()
                self.done += 1
            except Exception:  # a failed warm-up costs a page its head start, nothing else
                logger.exception("warm-up step %s failed", name)
                self.failed.append(name)
        self.current = ""


def _jobs(zone, key: tuple, scheme: str, sample: bool) -> list[tuple[str, Callable[[], Any]]]:
    """What to warm up for *zone*: only the analyses its layers allow (a zone without roads gets
    no network, one without facilities no coverage)."""
    from app_pages import _eval as E

    has = {name for name, df in zone.layers.items() if df is not None and len(df)}
    infra = "roads" in has and bool({"substations", "sewage_plants"} & has)
    cov = {"parcels", "facilities", "roads"} <= has
    jobs: list[tuple[str, Callable[[], Any]]] = []
    if infra:
        jobs.append(("balance current", lambda: balance(zone, key, "current")))
    if {"parcels", "firms"} <= has:
        jobs.append(("evaluation", lambda: E._evaluate(zone, key, scheme)))
    if cov:
        jobs.append(("coverage current", lambda: coverage(zone, key, "current")))
    if "roads" in has:
        jobs.append(("frame", lambda: frame(zone, key)))
        jobs.append(("access current", lambda: access(zone, key, "current")))
    for phase in PHASES[1:]:
        if infra:
            jobs.append((f"balance {phase}", lambda p=phase: balance(zone, key, p)))
        if cov:
            jobs.append((f"coverage {phase}", lambda p=phase: coverage(zone, key, p)))
    if sample:  # the suitability grid needs the zone's DEM and factor table (the sample has both)
        jobs.append(("suitability", _suitability))
    return jobs


def _suitability() -> None:
    from geoplan.analysis import suitability

    suitability.suitability_for_zone()


@st.cache_resource(max_entries=4, show_spinner=False)
def _warmup(key: tuple, scheme: str, sample: bool) -> Warmup:
    w = Warmup(_jobs(C.zone(), key, scheme, sample))
    w.thread = threading.Thread(target=w.run, name="geoplan-warmup", daemon=True)
    w.thread.start()
    return w


def start() -> Warmup:
    """Start (once per server and zone) the background warm-up of the chosen zone's base results."""
    return _warmup(C.zone_key(), C.default_scheme(), C.is_sample())


def progress_widget() -> None:
    """A progress bar in the sidebar while the warm-up runs (refreshes itself until done)."""
    w = start()
    if w.finished:
        if w.failed:
            st.caption(C.T("precompute_failed", what=", ".join(w.failed)))
        return

    @st.fragment(run_every=1.0)
    def _bar() -> None:
        w = start()
        if w.finished:
            st.caption(C.T("precompute_done"))
            return
        st.progress(
            w.done / len(w.jobs), text=C.T("precompute_running", done=w.done, total=len(w.jobs))
        )

    _bar()
