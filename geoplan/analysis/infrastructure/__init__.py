"""Infrastructure capacity: demand by land use, catchments, facility balance per phase, roads.

Does the planned growth fit the substations (变电所) and sewage plants (污水处理厂) the plans build,
phase by phase (现状 / 近期 2025 / 远期 2035)?

- **Demand** (:func:`parcel_demand`): land use × area × FAR with the coefficient table in
  ``data/standards/infra_coefficients.csv`` (power per floor or land area, water per land area,
  sewage = water × return factor × (1 + infiltration)); factors in ``infra_factors.yaml``. Both are
  editable data naming their source; unverified values say ``verified: no``.
- **Which parcels count in a phase** (:data:`PHASE_STATUS`): 现状 the built ones at their actual
  FAR; 2025 adds land under construction, 2035 also redevelops idle land, both at the committed
  FAR or the table's planned FAR. Reserve land (留白) counts only when a scenario develops it.
- **Catchments** (:func:`assign_catchments`): every parcel goes to the nearest in-service facility
  along the road network of that phase (straight-line where no road reaches; reported), or to the
  facility of a user-provided catchment polygon (layer type ``catchments``). Parcels beyond the
  supply radius of every facility are *unserved* and reported, rather than loading a facility
  across the zone.
- **Balance** (:func:`analyse` → :class:`InfraResult`): per facility and phase the capacity,
  demand, utilisation, headroom, the N-1 firm capacity of substations, and alerts. Distribution
  substations (≤ 110 kV, Dalian's 66 kV) supply parcels; a 220 kV station supplies the
  distribution stations nearest to it.
- **Roads** (:func:`frame_completion`, :func:`accessibility`): 六纵五横 built vs planned length,
  and each parcel's network distance to the nearest arterial, metro station and the 旅顺南路
  corridor.

Everything is vectorised: one multi-source Dijkstra per facility kind; no loop over parcels.

Modules: :mod:`.standards` (coefficient table and factors as typed models, phase rules),
:mod:`.demand`, :mod:`.catchments` (phase networks, cached by content, and facility assignment),
:mod:`.balance` (:func:`analyse`, alerts), :mod:`.access` (roads), :mod:`.kpis` (KPI cards).
This package re-exports their public names.
"""

from __future__ import annotations

from geoplan.analysis.infrastructure.access import access_summary, accessibility, frame_completion
from geoplan.analysis.infrastructure.balance import InfraResult, analyse
from geoplan.analysis.infrastructure.catchments import (
    METHODS,
    assign_catchments,
    attach_cached,
    geometry_digest,
    network_for_phase,
    phase_roads,
)
from geoplan.analysis.infrastructure.demand import parcel_demand
from geoplan.analysis.infrastructure.standards import (
    CAPACITY_PREFIX,
    COEF_COLUMNS,
    KINDS,
    LAYER_OF,
    PHASE_STATUS,
    ROAD_STATUS,
    UNIT,
    InfraStandards,
    load_standards,
    lookup_codes,
)

__all__ = [
    "CAPACITY_PREFIX",
    "COEF_COLUMNS",
    "KINDS",
    "LAYER_OF",
    "METHODS",
    "PHASE_STATUS",
    "ROAD_STATUS",
    "UNIT",
    "InfraResult",
    "InfraStandards",
    "access_summary",
    "accessibility",
    "analyse",
    "assign_catchments",
    "attach_cached",
    "frame_completion",
    "geometry_digest",
    "load_standards",
    "lookup_codes",
    "network_for_phase",
    "parcel_demand",
    "phase_roads",
]
