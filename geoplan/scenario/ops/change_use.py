"""``change_use``: change the land use, FAR, coverage or status of selected parcels (再开发),
with their firms kept, removed or replaced by newcomers of an industry."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import PrivateAttr, model_validator

from geoplan.data.catalog import PARCEL_STATUS
from geoplan.scenario import firms, land
from geoplan.scenario.models import (
    OpBase,
    ProfileDoc,
    ProfileSpec,
    Selection,
    land_uses,
    profile_spec,
)
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import ALL, OpDef
from geoplan.scenario.params import INDUSTRIES, Code, Mix, choice, fail, num
from geoplan.scenario.state import State


class ChangeUse(OpBase, Selection):
    land_use: Code | None = None
    mix: Mix | None = None
    far: Annotated[float, num(0, 30)] | None = None
    coverage: Annotated[float, num(0, 1)] | None = None
    status: Annotated[str, choice(*PARCEL_STATUS)] | None = None
    industry: Annotated[str, choice(*INDUSTRIES)] | None = None
    profile: ProfileDoc | None = None
    firms: Annotated[str, choice("keep", "remove", "replace")] | None = None
    _profile: ProfileSpec | None = PrivateAttr(default=None)
    _use: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _resolve(self) -> ChangeUse:
        self.check_selection()
        uses = land_uses(self.land_use, self.mix, required=False)
        if len(uses) > 1:
            fail("change_use takes one land use per operation", "mix")
        if not uses and all(
            getattr(self, k) is None for k in ("far", "coverage", "status", "industry")
        ):
            fail("says nothing to change: give land_use, far, coverage, status or industry")
        self._use = next(iter(uses), None)
        if self.industry:
            self._profile = profile_spec(self.profile, self.industry, "profile")
        return self

    @property
    def new_use(self) -> str | None:
        return self._use

    @property
    def firm_action(self) -> str:
        return self.firms or ("replace" if self.industry else "keep")

    @property
    def profile_of(self) -> ProfileSpec | None:
        return self._profile


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, ChangeUse)
    m = land.selected_parcels(p, state, op)
    parcels = state.parcels.copy()
    idx = np.flatnonzero(m)
    changed = []
    if p.new_use:
        parcels.loc[idx, "land_use"] = p.new_use
        changed.append(f"用途→{p.new_use}")
    if p.far is not None:
        parcels.loc[idx, "far"] = p.far
        changed.append(f"容积率→{p.far:g}")
    if p.coverage is not None:
        parcels.loc[idx, "coverage"] = p.coverage
    if p.status:
        parcels.loc[idx, "status"] = p.status
    elif p.new_use or p.far is not None:
        # redeveloped land: idle/reserve parcels become developed land in the scenario
        st = parcels.loc[idx, "status"].to_numpy()
        parcels.loc[idx, "status"] = np.where(np.isin(st, ["idle", "reserve"]), "built", st)
    state.layers["parcels"] = parcels
    ids = set(parcels["parcel_id"].to_numpy()[idx])
    fm = state.firms["parcel_id"].isin(ids).to_numpy()
    removed = firms.drop_firms(state, fm) if p.firm_action in ("remove", "replace") else 0
    added = 0
    if p.firm_action == "replace" and p.profile_of is not None:
        prof = firms.profile_for(p.profile_of, state, op)
        sel = parcels.iloc[idx]
        sel = sel[firms.is_economic(sel["land_use"])]
        new = firms.synthetic_firms(
            prof,
            sel["parcel_id"].to_numpy(),
            firms.floor_of(sel),
            sel["area_mu"].to_numpy(),
            state=state,
            label=op.label,
            codes=sel["land_use"].to_numpy(),
        )
        firms.add_firms(state, new)
        added = len(new)
    state.note(ids, "改变用途 " + ", ".join(changed) if changed else "改变属性")
    return {
        "parcels_changed": len(idx),
        "area_mu": round(float(parcels["area_mu"].to_numpy()[idx].sum()), 1),
        "firms_removed": removed,
        "firms_added": added,
    }


OP = OpDef("change_use", ChangeUse, apply, ALL, "改变用途", "change use")
