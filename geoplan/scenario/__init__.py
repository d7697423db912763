"""Scenario engine: describe a future, apply it to a copy of the zone, measure it, compare futures.

- :func:`load_scenario` / :func:`parse_scenario` — validated scenario YAML (:mod:`.spec`);
- :func:`run_scenario` → :class:`ScenarioResult` (KPIs, alerts, unplaced demand, changed parcels,
  provenance; ``.write(dir)`` saves a GeoPackage atomically);
- :func:`compare` → :class:`Comparison` (KPI table with deltas against the first, diff layers).

Operations (:mod:`.ops`, one module each, registered once in :data:`OPERATIONS` with typed
parameters, the apply function and the KPI groups they change): ``add_land``, ``change_use``,
``replace_firms`` (腾笼换鸟), ``raise_far`` (工业上楼), ``add_facility``, ``expand_facility``,
``add_road`` and ``allocate`` (demand in 亩 per industry placed on the most suitable unconstrained
land within substation and sewage headroom, :mod:`.allocation`). Shared pieces: :mod:`.params`
(field types), :mod:`.state` (the working copy), :mod:`.land` and :mod:`.firms` (edits).
"""

from __future__ import annotations

from geoplan.scenario.engine import (
    Comparison,
    ScenarioResult,
    compare,
    diff_layer,
    run_many,
    run_scenario,
)
from geoplan.scenario.kpis import KPI_BY_KEY, KPIS
from geoplan.scenario.ops import OPERATIONS
from geoplan.scenario.spec import Scenario, load_scenario, parse_scenario

__all__ = [
    "KPIS",
    "KPI_BY_KEY",
    "OPERATIONS",
    "Comparison",
    "Scenario",
    "ScenarioResult",
    "compare",
    "diff_layer",
    "load_scenario",
    "parse_scenario",
    "run_many",
    "run_scenario",
]
