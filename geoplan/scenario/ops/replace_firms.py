"""``replace_firms`` (腾笼换鸟): selected firms leave, newcomers of a profile take their place
(same parcel, tenure and floor space)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import PrivateAttr, model_validator

from geoplan.scenario import firms, land
from geoplan.scenario.models import FirmWhere, OpBase, ProfileDoc, ProfileSpec, profile_spec
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import OpDef
from geoplan.scenario.params import KEEP, Bool, fail
from geoplan.scenario.state import State
from geoplan.settings import M2_PER_MU


class ReplaceFirms(OpBase):
    where: FirmWhere | None = None
    profile: ProfileDoc | None = None
    keep_industry: Bool = False
    _profile: ProfileSpec = PrivateAttr(default=ProfileSpec(None))

    @model_validator(mode="after")
    def _resolve(self) -> ReplaceFirms:
        if self.where is None:
            fail(
                "is required: which firms to replace (e.g. {class: D, plate: 黄泥川-龙王塘})",
                "where",
            )
        self._profile = profile_spec(self.profile, KEEP if self.keep_industry else None, "profile")
        if self.keep_industry and self._profile.explicit:
            fail("an explicit profile applies to one industry; drop keep_industry", "keep_industry")
        return self

    @property
    def profile_of(self) -> ProfileSpec:
        return self._profile


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, ReplaceFirms) and p.where is not None
    m = land.select_firms(p.where, state, op)
    if not m.any():
        op.fail("where", "selects no firm (the classes come from the base evaluation)")
    old = state.firms[m]
    ev = state.base_eval.firms.set_index("firm_id")
    land_mu = old["firm_id"].map(ev["land_mu"]).fillna(0).to_numpy()
    pf = state.parcels.set_index("parcel_id")["far"]
    far = pd.to_numeric(old["parcel_id"].map(pf), errors="coerce").fillna(0).to_numpy()
    floor = land_mu * M2_PER_MU * np.where(far > 0, far, 1.0)
    new_parts = []
    industries = sorted(old["industry"].unique()) if p.keep_industry else [p.profile_of.industry]
    for ind in industries:
        prof = firms.profile_for(p.profile_of.with_industry(str(ind)), state, op)
        sel = (
            (old["industry"] == ind).to_numpy()
            if p.keep_industry
            else np.ones(len(old), dtype=bool)
        )
        new = firms.synthetic_firms(
            prof,
            old["parcel_id"].to_numpy()[sel],
            floor[sel],
            land_mu[sel],
            state=state,
            label=op.label,
            tenant=True,
        )
        # the newcomer takes the old firm's place: same tenure and floor (so the same land share)
        new["tenure"] = old["tenure"].to_numpy()[sel] if "tenure" in old else "own"
        new["rented_floor_m2"] = (
            old["rented_floor_m2"].to_numpy()[sel] if "rented_floor_m2" in old else np.nan
        )
        new_parts.append(new)
    firms.drop_firms(state, m)
    new = pd.concat(new_parts, ignore_index=True)
    firms.add_firms(state, new)
    state.note(old["parcel_id"].unique(), f"腾笼换鸟 ({op.label})")
    return {
        "firms_replaced": int(m.sum()),
        "parcels": int(old["parcel_id"].nunique()),
        "land_mu": round(float(land_mu.sum()), 1),
        "tax_before_wan": round(float(old["tax"].sum()), 1),
        "tax_after_wan": round(float(new["tax"].sum()), 1),
    }


OP = OpDef("replace_firms", ReplaceFirms, apply, ("economy",), "腾笼换鸟", "replace firms")
