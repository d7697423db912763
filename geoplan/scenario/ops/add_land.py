"""``add_land``: new land (扩区 or infill) with a land-use mix, FAR and, on economic land, firms."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import shapely
from pydantic import PrivateAttr, model_validator

from geoplan.scenario import firms, land
from geoplan.scenario.models import OpBase, ProfileDoc, ProfileSpec, land_uses, profile_spec
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import ALL, OpDef
from geoplan.scenario.params import (
    INDUSTRIES,
    Bool,
    Code,
    Geometry,
    Mix,
    Phase,
    Text,
    choice,
    fail,
    per_use,
)
from geoplan.scenario.state import State
from geoplan.settings import M2_PER_MU


class AddLand(OpBase):
    geometry: Geometry | None = None
    land_use: Code | None = None
    mix: Mix | None = None
    far: object = None  # one number or {code: number}; see `fars`
    coverage: object = None
    industry: Annotated[str, choice(*INDUSTRIES)] | None = None
    profile: ProfileDoc | None = None
    phase: Phase | None = None
    plate: Text | None = None
    avoid_constraints: Bool = False
    id_prefix: Text | None = None
    # resolved by the validator
    _uses: dict[str, float] = PrivateAttr(default_factory=dict)
    _fars: dict[str, float | None] = PrivateAttr(default_factory=dict)
    _coverages: dict[str, float | None] = PrivateAttr(default_factory=dict)
    _profile: ProfileSpec | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _resolve(self) -> AddLand:
        if self.geometry is None:
            fail("is required (inline GeoJSON, {file: …} or {layer: …, id: …})", "geometry")
        self._uses = land_uses(self.land_use, self.mix, required=True)
        self._fars = per_use(self.far, self._uses, "far", lo=0, hi=30)
        self._coverages = per_use(self.coverage, self._uses, "coverage", lo=0, hi=1)
        if self.industry or self.profile is not None:
            self._profile = profile_spec(self.profile, self.industry, "profile")
        return self

    @property
    def uses(self) -> dict[str, float]:
        """{code: share} of the land (shares sum to 1)."""
        return self._uses

    @property
    def fars(self) -> dict[str, float | None]:
        return self._fars

    @property
    def coverages(self) -> dict[str, float | None]:
        return self._coverages

    @property
    def profile_of(self) -> ProfileSpec | None:
        return self._profile


def _given(v: float | None, default, code: str) -> float:
    return float(v) if v is not None else float(default(code))


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, AddLand) and p.geometry is not None
    geoms = land.resolve_geometry(p.geometry, state, op, "geometry")
    land.check_near_zone(geoms, state, op, "geometry")
    free = land.polygons_of(geoms, op, "geometry")
    requested = free.area
    free = land.minus_parcels(np.array([free], dtype=object), state.parcels)[0]
    clipped = requested - free.area
    avoided = 0.0
    hard = state.hard_union()
    if p.avoid_constraints and hard is not None:
        before = free.area
        free = shapely.difference(free, hard)
        avoided = before - free.area
    free = shapely.make_valid(free)
    if free.is_empty or free.area < M2_PER_MU:
        op.fail(
            "geometry",
            f"no free land left: the polygon ({requested / M2_PER_MU:,.0f} 亩) lies on existing "
            "parcels" + (" and hard constraints" if avoided else ""),
        )
    uses = list(p.uses)
    strips = land.split_by_shares(free, [p.uses[c] for c in uses])
    pieces, codes = [], []
    for code, strip in zip(uses, strips, strict=True):
        plots = (
            land.subdivide(strip, firms.typical_mu(code))
            if firms.is_economic([code])[0]
            else [strip]
        )
        pieces += plots
        codes += [code] * len(plots)
    fars = [_given(p.fars[c], firms.planned_far, c) for c in codes]
    covs = [_given(p.coverages[c], firms.default_coverage, c) for c in codes]
    garr = np.asarray(pieces, dtype=object)
    plates = (
        np.full(len(pieces), p.plate, dtype=object)
        if p.plate
        else land.plate_of(garr, state, "扩区")
    )
    frame = land.new_parcels(
        state,
        pieces,
        codes,
        fars,
        covs,
        land.developed_status(state, p.phase or state.phase),
        plates,
        p.id_prefix or f"SC{op.index + 1:02d}-",
        op.label,
    )
    land.append_parcels(state, frame)
    state.note(frame["parcel_id"], f"新增用地 ({op.label})")
    n_firms = 0
    if p.profile_of is not None and frame["status"].iloc[0] == "built":
        prof = firms.profile_for(p.profile_of, state, op)
        econ = firms.is_economic(frame["land_use"])
        if econ.any():
            f = frame[econ]
            new = firms.synthetic_firms(
                prof,
                f["parcel_id"].to_numpy(),
                firms.floor_of(f),
                f["area_mu"].to_numpy(),
                state=state,
                label=op.label,
                codes=f["land_use"].to_numpy(),
            )
            firms.add_firms(state, new)
            n_firms = len(new)
    return {
        "parcels_added": len(frame),
        "area_mu": round(float(frame["area_mu"].sum()), 1),
        "clipped_mu": round(clipped / M2_PER_MU, 1),
        "avoided_constraints_mu": round(avoided / M2_PER_MU, 1),
        "firms_added": n_firms,
    }


OP = OpDef("add_land", AddLand, apply, ALL, "新增用地", "add land")
