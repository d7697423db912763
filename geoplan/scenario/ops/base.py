"""What an operation is in the registry: its typed parameters, how it is applied, what it changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geoplan.scenario.kpis import KPI_GROUPS
from geoplan.scenario.models import OpBase

if TYPE_CHECKING:
    from geoplan.scenario.operation import Operation
    from geoplan.scenario.state import State


@dataclass(frozen=True)
class OpDef:
    """One scenario operation: ``name`` (the YAML ``op:``), its pydantic ``params`` model (which
    also lists the keys it accepts), the ``apply`` function (edits the state, returns the run
    report's summary) and the KPI groups (:data:`~geoplan.scenario.kpis.KPI_GROUPS`) it can
    change."""

    name: str
    params: type[OpBase]
    apply: Callable[[Operation, State], dict]
    affects: tuple[str, ...]
    zh: str
    en: str

    @property
    def kpis(self) -> tuple[str, ...]:
        """The KPI keys this operation can change."""
        return tuple(k for g in self.affects for k in KPI_GROUPS[g])

    @property
    def keys(self) -> set[str]:
        """The YAML keys the operation accepts."""
        return {f.alias or n for n, f in self.params.model_fields.items()}


#: every KPI group: operations that edit parcels change all of them
ALL = ("land", "economy", "infra", "constraints", "parks")
