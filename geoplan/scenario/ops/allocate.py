"""``allocate``: demand in 亩 per industry placed on the most suitable unconstrained land within
substation and sewage-plant headroom (the algorithm: :mod:`geoplan.scenario.allocation`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import PrivateAttr, model_validator

from geoplan.scenario import allocation
from geoplan.scenario.models import OpBase, land_uses
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import ALL, OpDef
from geoplan.scenario.params import (
    PROFILE_LEVELS,
    Bool,
    Code,
    Demand,
    Geometry,
    Mix,
    Phase,
    choice,
    fail,
    num,
)
from geoplan.scenario.state import State


class Allocate(OpBase):
    demand: Demand | None = None
    land_use: Code | None = None
    mix: Mix | None = None
    far: Annotated[float, num(0.1, 30)] = 1.5
    coverage: Annotated[float, num(0, 1)] = 0.45
    phase: Phase | None = None
    within: Geometry | None = None
    min_score: Annotated[float, num(0, 1)] = 0.5
    profile_level: Annotated[str, choice(*PROFILE_LEVELS)] = "median"
    capacity_check: Bool = True
    include_reserve: Bool = True
    _code: str = PrivateAttr(default="100101")

    @model_validator(mode="after")
    def _resolve(self) -> Allocate:
        if self.demand is None:
            fail("is required: 亩 per industry, e.g. {智能制造: 800}", "demand")
        uses = land_uses(self.land_use, self.mix, required=False) or {"100101": 1.0}
        if len(uses) > 1:
            fail("allocate takes one land use (per operation)", "mix")
        self._code = next(iter(uses))
        return self

    def request(self, phase: str) -> allocation.Request:
        assert self.demand is not None
        return allocation.Request(
            demand=dict(self.demand),
            land_use=self._code,
            far=self.far,
            coverage=self.coverage,
            phase=self.phase or phase,
            within=self.within,
            min_score=self.min_score,
            profile_level=self.profile_level,
            capacity_check=self.capacity_check,
            include_reserve=self.include_reserve,
        )


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, Allocate)
    return allocation.apply_allocate(op, state, p.request(state.phase))


OP = OpDef("allocate", Allocate, apply, ALL, "按容量配置用地", "allocate within capacity")
