"""``raise_far`` (工业上楼): a higher FAR on selected parcels; the added floor space gets tenant
firms at the parcel's industry profile."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import model_validator

from geoplan.scenario import firms, land
from geoplan.scenario.models import OpBase, ProfileDoc, ProfileSpec, Selection, profile_spec
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import OpDef
from geoplan.scenario.params import fail, num
from geoplan.scenario.state import State


class RaiseFar(OpBase, Selection):
    far: Annotated[float, num(0.05, 30)] | None = None
    factor: Annotated[float, num(1.0, 10)] | None = None
    profile: ProfileDoc | None = None

    @model_validator(mode="after")
    def _resolve(self) -> RaiseFar:
        self.check_selection()
        if (self.far is None) == (self.factor is None):
            fail("give either a target 'far' or a 'factor'", "far")
        if self.profile is not None:
            profile_spec(self.profile, None, "profile")  # industry or explicit figures
        return self

    def profile_for_industry(self, industry: str) -> ProfileSpec:
        """The profile of the newcomers on a parcel of *industry* (智能制造 where unknown)."""
        ind = industry or "智能制造"
        if self.profile is None:
            return ProfileSpec(ind, "median")
        pd_ = self.profile
        explicit = pd_.explicit()
        return ProfileSpec(pd_.industry or ind, pd_.level, explicit, pd_.far)


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, RaiseFar)
    m = land.selected_parcels(p, state, op)
    parcels = state.parcels.copy()
    idx = np.flatnonzero(m)
    old = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()[idx]
    new = np.maximum(old, p.far) if p.far is not None else old * (p.factor or 1.0)
    parcels.loc[idx, "far"] = new
    state.layers["parcels"] = parcels
    gain = (new - old) * parcels["area_m2"].to_numpy()[idx]
    grow = gain > 0
    added = 0
    if grow.any():
        ids = parcels["parcel_id"].to_numpy()[idx][grow]
        ev = state.base_eval.parcels.set_index("parcel_id")["industry"]
        ind = pd.Series(ids).map(ev).fillna("")
        parts = []
        for industry in sorted(set(ind)):
            prof = firms.profile_for(p.profile_for_industry(industry), state, op)
            sel = (ind == industry).to_numpy()
            parts.append(
                firms.synthetic_firms(
                    prof,
                    ids[sel],
                    gain[grow][sel],
                    np.zeros(sel.sum()),
                    state=state,
                    label=op.label + "·工业上楼",
                    tenant=True,
                )
            )
        if parts:
            nf = pd.concat(parts, ignore_index=True)
            firms.add_firms(state, nf)
            added = len(nf)
    state.note(parcels["parcel_id"].to_numpy()[idx][grow], f"工业上楼/提高容积率 ({op.label})")
    return {
        "parcels": int(grow.sum()),
        "floor_added_m2": round(float(gain.sum()), 0),
        "firms_added": added,
    }


OP = OpDef(
    "raise_far", RaiseFar, apply, ("land", "economy", "infra", "parks"), "工业上楼", "raise FAR"
)
