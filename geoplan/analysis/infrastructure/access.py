"""Roads: 六纵五横 completion and each parcel's network distance to the nearest arterial road,
metro station and the 旅顺南路 corridor."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.analysis.infrastructure.balance import require_layer, round_or_none
from geoplan.analysis.infrastructure.catchments import attach_cached, network_for_phase, unreachable
from geoplan.analysis.infrastructure.standards import ROAD_STATUS, InfraStandards, load_standards


def frame_completion(roads: gpd.GeoDataFrame) -> tuple[pd.DataFrame, float]:
    """Per 六纵五横 road (grouped by name): built_km, under_construction_km, planned_km (total in
    the plan) and completion; 六纵 first, then 五横, in road_id order. Returns the table and the
    frame's overall completion Σ built_km / Σ planned_km."""
    cols = ["name", "frame", "built_km", "under_construction_km", "planned_km", "completion"]
    if "frame" not in roads:
        return pd.DataFrame(columns=cols), 0.0
    fr = roads[roads["frame"].fillna("").isin(["六纵", "五横"])].copy()
    if fr.empty:
        return pd.DataFrame(columns=cols), 0.0
    fr["km"] = fr.geometry.length / 1000.0
    fr["built_km"] = fr["km"].where(fr["status"] == "built", 0.0)
    fr["under_construction_km"] = fr["km"].where(fr["status"] == "under_construction", 0.0)
    fr["order"] = fr["frame"].map({"六纵": 0, "五横": 1})
    t = (
        fr.sort_values(["order", "road_id"])
        .groupby("name", sort=False)
        .agg(
            frame=("frame", "first"),
            built_km=("built_km", "sum"),
            under_construction_km=("under_construction_km", "sum"),
            planned_km=("km", "sum"),
        )
        .reset_index()
    )
    t["completion"] = t["built_km"] / t["planned_km"]
    total = float(t["built_km"].sum() / t["planned_km"].sum())
    return t[cols], total


def accessibility(
    zone: Any,
    phase: str = "current",
    *,
    standards: InfraStandards | None = None,
    tolerance_m: float = 5.0,
) -> pd.DataFrame:
    """Per parcel: network distance (m) to the nearest arterial road (主干路 or expressway), metro
    station in service and the 旅顺南路 corridor, on the phase's network (inf: not reachable)."""
    phase = settings.phase_key(phase)
    std = standards or load_standards()
    layers = zone.layers if hasattr(zone, "layers") else dict(zone)
    parcels = require_layer(layers, "parcels")
    net = network_for_phase(require_layer(layers, "roads"), phase, tolerance_m=tolerance_m)
    att = attach_cached(net, parcels, max_access_m=std.max_access_m)
    e = net.edges
    cls = e["road_class"] if "road_class" in e else pd.Series("", index=e.index)
    names = e["name"] if "name" in e else pd.Series("", index=e.index)
    out = pd.DataFrame({"parcel_id": parcels["parcel_id"].to_numpy()})
    out["arterial_m"] = net.distance_to_edges(cls.isin(["arterial", "expressway"]).to_numpy(), att)
    out["corridor_m"] = net.distance_to_edges((names == std.corridor_road).to_numpy(), att)
    out["unreachable"] = unreachable(net, att)
    rail = layers.get("rail")
    out["metro_m"] = np.inf
    if rail is not None and len(rail):
        keep = ROAD_STATUS[phase]
        st = rail[(rail["kind"] == "station") & rail["status"].isin(keep)]
        if len(st):
            out["metro_m"] = net.nearest_source(st, att, max_access_m=std.max_access_m)[0]
    return out


def access_summary(acc: pd.DataFrame, parcels: pd.DataFrame | None = None) -> dict:
    """Median distances and the share of parcels within 500 m / 800 m of each target."""
    res = {}
    n_unreachable = int(acc["unreachable"].sum()) if "unreachable" in acc else None
    for col in ("arterial_m", "metro_m", "corridor_m"):
        v = acc[col].to_numpy(float)
        fin = np.isfinite(v)
        res[col[:-2]] = {
            "median_m": round_or_none(np.median(v[fin]), 0) if fin.any() else None,
            "within_500m": round_or_none(float((v <= 500).mean()), 4) if len(v) else None,
            "within_800m": round_or_none(float((v <= 800).mean()), 4) if len(v) else None,
            # the one definition (catchments.unreachable), the same count for every target;
            # no_path adds the parcels that are on the network but cannot reach this target
            "unreachable": n_unreachable if n_unreachable is not None else int((~fin).sum()),
            "no_path": int((~fin).sum()),
        }
    return res
