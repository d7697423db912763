"""``add_road``: a new road of a class and status (it joins the network of its phase)."""

from __future__ import annotations

from typing import Annotated

import geopandas as gpd
import pandas as pd
import shapely
from pydantic import model_validator

from geoplan.data.catalog import BUILD_STATUS
from geoplan.scenario import land
from geoplan.scenario.models import OpBase
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops.base import OpDef
from geoplan.scenario.params import ROAD_CLASSES, Geometry, choice, fail, num
from geoplan.scenario.state import State


class AddRoad(OpBase):
    geometry: Geometry | None = None
    road_class: Annotated[str, choice(*ROAD_CLASSES)] = "secondary"
    status: Annotated[str, choice(*BUILD_STATUS)] = "planned"
    width_m: Annotated[float, num(1, 200, "m")] = 30.0

    @model_validator(mode="after")
    def _resolve(self) -> AddRoad:
        if self.geometry is None:
            fail("is required: a LineString (inline GeoJSON or file)", "geometry")
        return self


def apply(op: Operation, state: State) -> dict:
    p = op.params
    assert isinstance(p, AddRoad) and p.geometry is not None
    g = land.resolve_geometry(p.geometry, state, op, "geometry")
    land.check_near_zone(g, state, op, "geometry")
    lines = [x for x in g.to_numpy() if x.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        op.fail("geometry", "a road needs a LineString")
    roads = state.layers["roads"]
    rid = state.next_id("SC-R", set(roads["road_id"].astype(str)))
    row = {
        "road_id": rid,
        "name": p.name or rid,
        "road_class": p.road_class,
        "frame": "",
        "status": p.status,
        "width_m": p.width_m,
        "source": "scenario",
        "assumption": f"情景新增道路: {op.label}",
    }
    new = gpd.GeoDataFrame([row], geometry=[shapely.union_all(lines)], crs=roads.crs)
    state.layers["roads"] = pd.concat([roads, new], ignore_index=True)
    return {"road_id": rid, "length_km": round(float(new.length.sum()) / 1000, 2)}


OP = OpDef("add_road", AddRoad, apply, ("infra", "parks"), "新增道路", "add road")
