"""亩产效益 (亩均效益综合评价) evaluation: indicators, land shares, scores, classes, audit, what-if.

Entry points (stable contract, used by the scenario engine and the app):

- :func:`evaluate` → :class:`Evaluation` (firms, parcels, aggregates, 低效用地, compliance,
  unscored firms) for a scheme from :mod:`geoplan.analysis.land_yield.schemes`;
- :func:`explain` → the per-indicator breakdown of one firm's score (value, benchmark, normalized
  score, weight, contribution; contributions add up exactly to the score) and, per indicator, the
  smallest single change that lifts the firm to the next class;
- :func:`summary` → the JSON-ready summary printed by ``geoplan evaluate --json``.

Land per firm
-------------
A firm that holds its parcel (``tenure == "own"``) is evaluated on the parcel. A tenant
(``tenure == "rent"``) takes the share ``rented_floor_m2 / (far × area_m2) × area_mu``; the holder
keeps what the tenants do not take (land is conserved per parcel). With ``tenant_rule="holder"``
(the Jiangshan practice) tenants are not scored themselves: they take the land holder's class and
the holder is evaluated on the whole parcel. A firm with no usable land (unknown parcel, zero
area, tenant without floor figures, building with no floor area) is listed in
``Evaluation.unscored`` with the reason — never divided by zero, never silently scored.

Lists, benchmarks and classes
-----------------------------
Each firm with land goes to the first 评价名单 (list) of the scheme whose scope takes it; firms
no list takes are outside the evaluation (``class_source == "scope"``, no class). Within a list
and an evaluation unit (the zone, or a 街道/板块 field the scheme names), benchmarks are fixed or
k × Σnumerator ÷ Σdenominator (never a mean of per-firm ratios); a firm below the list's
minimum land is T or follows its land holder, never classed on its own per-亩 figures; ranks
give ties to the worse class; 一票否决 items force D and 加分/扣分 items add to the score.

Everything is vectorised over firms (numpy + pandas groupby); 10⁶ firms run in seconds.
Modules: :mod:`.schemes` + :mod:`.scheme_file` (scheme model and file format), :mod:`.tenants`
(land per firm), :mod:`.lists` (scope, T rules, units), :mod:`.indicators`, :mod:`.benchmarks`,
:mod:`.scoring` (normalisation, caps, weights), :mod:`.attributes` (加分/扣分/否决 table),
:mod:`.classes`, :mod:`.aggregates` (parcels and aggregates), :mod:`.audit` (explain, what-if),
:mod:`.summary`, :mod:`.evaluation` (orchestration).
"""

from __future__ import annotations

from geoplan.analysis.land_yield.aggregates import aggregate, parcel_indicators
from geoplan.analysis.land_yield.audit import explain
from geoplan.analysis.land_yield.classes import assign_classes
from geoplan.analysis.land_yield.common import (
    ALL_CLASSES,
    CLASS_ORDER,
    DEFAULT_YEAR,
    MU_PER_HA,
    NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
    NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
    SUM_FIELDS,
)
from geoplan.analysis.land_yield.evaluation import Evaluation, evaluate
from geoplan.analysis.land_yield.indicators import CORE_INDICATORS, compute_indicators
from geoplan.analysis.land_yield.plates import assign_plates, inner_points, plate_codes
from geoplan.analysis.land_yield.schemes import CLASS_LABELS, INDICATORS, Scheme, load_scheme
from geoplan.analysis.land_yield.summary import summary
from geoplan.analysis.land_yield.tenants import LAND_RULES, UNSCORED_REASONS, land_shares

__all__ = [
    "ALL_CLASSES",
    "CLASS_LABELS",
    "CLASS_ORDER",
    "CORE_INDICATORS",
    "DEFAULT_YEAR",
    "INDICATORS",
    "LAND_RULES",
    "MU_PER_HA",
    "NATIONAL_HIGH_TECH_OUTPUT_PER_HA",
    "NATIONAL_INDUSTRIAL_OUTPUT_PER_HA",
    "SUM_FIELDS",
    "UNSCORED_REASONS",
    "Evaluation",
    "Scheme",
    "aggregate",
    "assign_classes",
    "assign_plates",
    "compute_indicators",
    "evaluate",
    "explain",
    "inner_points",
    "land_shares",
    "load_scheme",
    "parcel_indicators",
    "plate_codes",
    "summary",
]
