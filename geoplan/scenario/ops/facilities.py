"""``add_facility`` (a new substation / sewage plant) and ``expand_facility`` (more capacity,
more transformers)."""

from __future__ import annotations

from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import model_validator

from geoplan.analysis import infrastructure as infra
from geoplan.scenario import land
from geoplan.scenario.models import OpBase
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import OpDef
from geoplan.scenario.params import (
    KINDS,
    MAX_CAPACITY,
    UNIT,
    Capacity,
    Location,
    Text,
    choice,
    fail,
    integer,
    num,
)
from geoplan.scenario.state import State
from geoplan.settings import PHASES


def check_capacity(caps: dict[str, float], kind: str, key: str = "capacity") -> None:
    """Capacities within the plausible range of the facility kind (:data:`MAX_CAPACITY`)."""
    hi = MAX_CAPACITY[kind]
    for ph, c in caps.items():
        if c > hi:
            fail(f"out of range: must be ≤ {hi:g} {UNIT[kind]} for a {kind}, got {c:g}", key, ph)


class AddFacility(OpBase):
    kind: Annotated[str, choice(*KINDS)]
    location: Location | None = None
    capacity: Capacity | None = None
    voltage_kv: Annotated[float, num(1, 1000, "kV")] | None = None
    transformers: Annotated[int, integer(1, 12)] | None = None
    facility_id: Text | None = None

    @model_validator(mode="after")
    def _resolve(self) -> AddFacility:
        if self.location is None:
            fail("is required: [longitude, latitude] or GeoJSON point", "location")
        if self.capacity is None:
            fail(f"is required ({UNIT[self.kind]}, per phase: {{2025: …, 2035: …}})", "capacity")
        check_capacity(self.capacity, self.kind)
        return self


def phase_capacities(given: dict[str, float], current: np.ndarray) -> dict[str, float]:
    """Capacities per phase: given phases set, later phases inherit the latest given one (never
    below what they had)."""
    out, last = {}, None
    for i, ph in enumerate(PHASES):
        if ph in given:
            last = given[ph]
            out[ph] = float(given[ph])
        elif last is not None:
            out[ph] = float(max(last, current[i]))
        else:
            out[ph] = float(current[i])
    return out


def apply_add(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, AddFacility) and p.location is not None and p.capacity is not None
    kind = p.kind
    layer_name = infra.LAYER_OF[kind]
    layer = state.layers[layer_name]
    g = land.resolve_geometry(p.location, state, op, "location")
    land.check_near_zone(g, state, op, "location")
    pt = g.to_numpy()[0]
    if pt.geom_type != "Point":
        pt = pt.representative_point()
    existing = set(layer["facility_id"].astype(str))
    fid = p.facility_id or state.next_id("SC-SS" if kind == "substation" else "SC-WW", existing)
    if fid in existing:
        op.fail("facility_id", f"{fid} already exists in {layer_name}")
    caps = phase_capacities(p.capacity, np.zeros(3))
    prefix = infra.CAPACITY_PREFIX[kind]
    row = {
        "facility_id": fid,
        "name": p.name or fid,
        "status": "new",
        **{f"{prefix}_{ph}": c for ph, c in caps.items()},
        "plan_period": "情景",
        "source": "scenario",
        "assumption": f"情景新增设施: {op.label}",
    }
    if kind == "substation":
        row |= {
            "voltage_kv": p.voltage_kv if p.voltage_kv is not None else 66.0,
            "transformers": p.transformers if p.transformers is not None else 2,
        }
    new = gpd.GeoDataFrame([row], geometry=[pt], crs=layer.crs)
    state.layers[layer_name] = pd.concat([layer, new], ignore_index=True)
    return {"facility_id": fid, "kind": kind, "capacity": caps}


class ExpandFacility(OpBase):
    facility: Text | None = None
    capacity: Capacity | None = None
    transformers: Annotated[int, integer(1, 12)] | None = None

    @model_validator(mode="after")
    def _resolve(self) -> ExpandFacility:
        if self.facility is None:
            fail("is required: the facility's id or name", "facility")
        if self.capacity is None:
            fail("is required (per phase: {2025: …, 2035: …})", "capacity")
        return self


def apply_expand(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, ExpandFacility) and p.capacity is not None
    for kind in infra.KINDS:
        name = infra.LAYER_OF[kind]
        layer = state.layers[name]
        hit = (layer["facility_id"].astype(str) == p.facility) | (
            layer["name"].astype(str) == p.facility
        )
        if not hit.any():
            continue
        hi = MAX_CAPACITY[kind]
        for ph, c in p.capacity.items():
            if c > hi:
                op.fail(
                    f"capacity.{ph}",
                    f"out of range: must be ≤ {hi:g} {UNIT[kind]} for a {kind}, got {c:g}",
                )
        i = int(np.flatnonzero(hit.to_numpy())[0])
        prefix = infra.CAPACITY_PREFIX[kind]
        cur = np.array([float(layer[f"{prefix}_{ph}"].iloc[i]) for ph in PHASES])
        caps = phase_capacities(p.capacity, cur)
        layer = layer.copy()
        for ph, c in caps.items():
            layer.loc[layer.index[i], f"{prefix}_{ph}"] = c
        if layer["status"].iloc[i] == "existing":
            layer.loc[layer.index[i], "status"] = "expand"
        if p.transformers and kind == "substation":
            layer.loc[layer.index[i], "transformers"] = p.transformers
        state.layers[name] = layer
        return {
            "facility_id": layer["facility_id"].iloc[i],
            "kind": kind,
            "before": dict(zip(PHASES, cur.tolist(), strict=True)),
            "after": caps,
        }
    names = [
        n for k in infra.KINDS for n in state.layers[infra.LAYER_OF[k]]["name"].astype(str).head(8)
    ]
    op.fail(
        "facility",
        f"no substation or sewage plant {p.facility!r} (e.g. {', '.join(names[:6])} …)",
    )


ADD = OpDef("add_facility", AddFacility, apply_add, ("infra",), "新增设施", "add facility")
EXPAND = OpDef(
    "expand_facility", ExpandFacility, apply_expand, ("infra",), "设施扩容", "expand facility"
)
