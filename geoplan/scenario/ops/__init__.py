"""Scenario operations: one module each, registered once in :data:`OPERATIONS`.

Each entry (:class:`~geoplan.scenario.ops.base.OpDef`) gives the YAML name, the typed pydantic
parameters (which also list the keys the operation accepts), the function applying it to the
scenario's :class:`~geoplan.scenario.state.State` and the KPI groups it can change:

- ``add_land`` — new land with a mix, FAR and firms (:mod:`.add_land`);
- ``change_use`` — land use / FAR / status of selected parcels (:mod:`.change_use`);
- ``replace_firms`` — 腾笼换鸟 (:mod:`.replace_firms`);
- ``raise_far`` — 工业上楼 (:mod:`.raise_far`);
- ``add_facility`` / ``expand_facility`` — substations and sewage plants (:mod:`.facilities`);
- ``add_road`` (:mod:`.add_road`);
- ``allocate`` — demand placed within capacity (:mod:`.allocate`, :mod:`..allocation`).

A new operation is a new module with a params model, an ``apply`` and an ``OpDef``, added here.
"""

from __future__ import annotations

from geoplan.scenario.operation import Operation
from geoplan.scenario.ops import (
    add_land,
    add_road,
    allocate,
    change_use,
    facilities,
    raise_far,
    replace_firms,
)
from geoplan.scenario.ops.base import OpDef
from geoplan.scenario.state import State

OPERATIONS: dict[str, OpDef] = {
    d.name: d
    for d in (
        add_land.OP,
        change_use.OP,
        replace_firms.OP,
        raise_far.OP,
        facilities.ADD,
        facilities.EXPAND,
        add_road.OP,
        allocate.OP,
    )
}


def apply(op: Operation, state: State) -> dict:
    """Apply one operation to the state; its report is appended to ``state.op_reports``."""
    out = OPERATIONS[op.op].apply(op, state)
    rep = {"op": op.op, "name": op.label, **out}
    state.op_reports.append(rep)
    return rep


__all__ = ["OPERATIONS", "OpDef", "apply"]
