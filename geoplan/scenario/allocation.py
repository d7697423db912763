"""Capacity-constrained allocation: place industrial land demand (亩 per industry) on the most
suitable unconstrained land **within substation and sewage-plant headroom**.

Candidate land (:func:`candidate_units`) is the zone's reserve (留白) and idle parcels plus the
suitability analysis's candidate patches outside every parcel, all off hard constraints and at or
above ``min_score``. Each candidate is served by the substation and sewage plant of its catchment
(nearest along the phase's road network, within the supply radius). Industries are placed in the
order given; candidates are taken best score first (ties: larger, then id, so the result is
deterministic). A candidate is cut (:func:`~geoplan.scenario.land.split_by_shares`) when the
demand left, or its facilities' headroom, takes only part of it; the headroom of both facilities
is drawn down as land is placed. Whatever cannot be placed is reported with the reasons: no
suitable land left, no facility in reach, or the headroom of named facilities used up.

Only distribution substations (≤ 110 kV) are checked; a 220 kV station's load follows from them
and shows in the balance after the run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis import infrastructure as infra
from geoplan.errors import GeoplanError
from geoplan.scenario import firms, land
from geoplan.scenario.models import ProfileSpec
from geoplan.scenario.operation import Operation
from geoplan.scenario.params import GeometrySpec
from geoplan.scenario.state import State
from geoplan.settings import M2_PER_MU
from geoplan.text import both

logger = logging.getLogger(__name__)

MIN_PIECE_MU = 1.0  # smaller remainders are not worth a parcel


@dataclass(frozen=True)
class Request:
    """What to allocate (from the ``allocate`` operation's parameters)."""

    demand: dict[str, float]  # 亩 per industry, placed in this order
    land_use: str = "100101"
    far: float = 1.5
    coverage: float = 0.45
    phase: str = "current"
    within: GeometrySpec | None = None
    min_score: float = 0.5
    profile_level: str = "median"
    capacity_check: bool = True
    include_reserve: bool = True


def _suitability(state: State):
    if state.suitability is None:
        from geoplan.analysis import suitability

        if state.catalog is not None:
            state.suitability = suitability.suitability_for_zone(state.catalog)
        else:
            if state.dem_path is None:
                msg = "allocate needs a DEM for the suitability analysis (the zone's catalog names no 'dem')"
                raise GeoplanError(msg)
            state.suitability = suitability.run_suitability(state.layers, state.dem_path)
    return state.suitability


def candidate_units(state: State, p: Request, op: Operation) -> gpd.GeoDataFrame:
    """Free, suitable land: reserve/idle parcels and greenfield candidate patches (working CRS)."""
    suit = _suitability(state)
    parcels = state.parcels
    frames = []
    if p.include_reserve:
        free = parcels[parcels["status"].isin(["reserve", "idle"])]
        if len(free):
            z = suit.zonal(free[["parcel_id", "geometry"]].reset_index(drop=True))
            frames.append(
                gpd.GeoDataFrame(
                    {
                        "unit": z["parcel_id"].to_numpy(),
                        "parcel_id": z["parcel_id"].to_numpy(),
                        "score": z["suit_mean_free"].to_numpy(),
                        "constrained": z["suit_constrained_share"].to_numpy(),
                    },
                    geometry=z.geometry.to_numpy(),
                    crs=parcels.crs,
                )
            )
    cand = suit.candidates
    if len(cand):
        g = shapely.make_valid(land.minus_parcels(cand.geometry.to_numpy(), parcels))
        frames.append(
            gpd.GeoDataFrame(
                {
                    "unit": cand["candidate_id"].to_numpy(),
                    "parcel_id": None,
                    "score": cand["mean_score"].to_numpy(),
                    "constrained": 0.0,
                },
                geometry=g,
                crs=cand.crs,
            )
        )
    if not frames:
        return gpd.GeoDataFrame(
            {"unit": [], "parcel_id": [], "score": [], "constrained": []},
            geometry=[],
            crs=parcels.crs,
        )
    units = pd.concat(frames, ignore_index=True)
    units = units.explode(index_parts=False, ignore_index=True)
    units = units[units.geometry.geom_type == "Polygon"]
    if p.within is not None:
        w = land.polygons_of(land.resolve_geometry(p.within, state, op, "within"), op, "within")
        units = units.assign(geometry=shapely.intersection(units.geometry.to_numpy(), w))
        units = units[~units.geometry.is_empty]
    hard = state.hard_union()
    if hard is not None:
        units = units.assign(
            geometry=shapely.make_valid(shapely.difference(units.geometry.to_numpy(), hard))
        )
        units = units.explode(index_parts=False, ignore_index=True)
        units = units[units.geometry.geom_type == "Polygon"]
    units = units.assign(area_mu=units.geometry.area / M2_PER_MU)
    units = units[(units["area_mu"] >= MIN_PIECE_MU) & (units["score"].fillna(-1) >= p.min_score)]
    units = units.sort_values(
        ["score", "area_mu", "unit"], ascending=[False, False, True], kind="stable"
    )
    return units.reset_index(drop=True)


def _per_mu_demand(state: State, code: str, far: float, phase: str) -> tuple[float, float]:
    std = infra.load_standards()
    one = pd.DataFrame(
        {"land_use": [code], "area_m2": [M2_PER_MU], "far": [far], "status": ["built"]}
    )
    d = infra.parcel_demand(one, phase, std).iloc[0]
    return float(d["power_kw"] * std.simultaneity / std.power_factor / 1000.0), float(
        d["sewage_m3d"]
    )


@dataclass
class _Supply:
    """Which facility serves each candidate (per kind; None: none in reach) and the headroom
    left per facility, drawn down as land is placed."""

    serve: dict[str, Any]  # kind → object array of facility ids (None: none in reach)
    headroom: dict[str, float]
    names: dict[str, str]


def _supply(state: State, units: gpd.GeoDataFrame, phase: str) -> _Supply:
    """Facilities serving each candidate, and their headroom in the allocation's phase."""
    res = infra.analyse(state.layers, phase)
    std = res.standards
    net = infra.network_for_phase(state.layers["roads"], phase)
    att = net.attach(units, max_access_m=std.max_access_m)
    out = _Supply({}, {}, {})
    for kind in infra.KINDS:
        b = res.facilities(kind).reset_index(drop=True)
        supply = b["in_service"].to_numpy() & (b["level"].to_numpy() != "upstream")
        layer = state.layers[infra.LAYER_OF[kind]].reset_index(drop=True)[supply]
        c = infra.assign_catchments(
            units,
            layer,
            net,
            radius_m=std.radius_m[kind],
            max_access_m=std.max_access_m,
            parcels_att=att,
        )
        fid = layer["facility_id"].astype(str).to_numpy()
        f = c["facility"].to_numpy()
        out.serve[kind] = np.where(c["served"].to_numpy() & (f >= 0), fid[np.maximum(f, 0)], None)
        for r in b[supply].itertuples():
            out.headroom[str(r.facility_id)] = max(float(r.headroom), 0.0)
            out.names[str(r.facility_id)] = str(r.name)
    return out


def _fit(
    i: int, take: float, per_mu: dict[str, float], sup: _Supply
) -> tuple[float, tuple[str, str | None] | None]:
    """How much of *take* 亩 candidate *i*'s facilities can carry, and why not more."""
    for kind, dem in per_mu.items():
        fid = sup.serve[kind][i]
        if fid is None:
            return 0.0, (f"no_{kind}", None)
        if dem > 0 and take * dem > sup.headroom[fid]:
            take = sup.headroom[fid] / dem
            if take < MIN_PIECE_MU:
                return 0.0, (f"{kind}_headroom", fid)
    return take, None


@dataclass
class _Placement:
    """The land taken so far: new pieces, reserve parcels shrunk or taken whole."""

    avail: np.ndarray  # 亩 left per candidate
    geoms: np.ndarray  # what is left of each candidate
    new_rows: list[dict] = field(default_factory=list)
    shrink: dict[str, shapely.Geometry] = field(default_factory=dict)  # parcel id → rest
    convert: dict[str, dict] = field(default_factory=dict)  # parcel id → taken whole


def _place_industry(
    industry: str,
    demand: float,
    units: gpd.GeoDataFrame,
    pl: _Placement,
    sup: _Supply,
    per_mu: dict[str, float],
    p: Request,
) -> tuple[float, dict, dict]:
    """Take candidates best first for one industry; returns (remaining 亩, blocked 亩 by reason,
    facilities by reason)."""
    remaining = demand
    blocked: dict[str, float] = defaultdict(float)
    blocked_by: dict[str, set] = defaultdict(set)
    pieces: list[tuple[int, float]] = []  # (unit, 亩)
    avail = pl.avail
    for i in range(len(units)):
        if remaining < MIN_PIECE_MU:
            break
        if avail[i] < MIN_PIECE_MU:
            continue
        take, reason = min(remaining, avail[i]), None
        if p.capacity_check:
            take, reason = _fit(i, take, per_mu, sup)
        if take < MIN_PIECE_MU:
            kind_reason, fid = reason or ("too_small", None)
            blocked[kind_reason] += min(remaining, avail[i])
            if fid:
                blocked_by[kind_reason].add(sup.names[fid])
            continue
        if p.capacity_check:
            for kind, dem in per_mu.items():
                sup.headroom[sup.serve[kind][i]] -= take * dem
        pieces.append((i, take))
        avail[i] -= take
        remaining -= take
    _cut(industry, pieces, units, pl)
    return remaining, blocked, blocked_by


def _cut(industry: str, pieces: list[tuple[int, float]], units: gpd.GeoDataFrame, pl) -> None:
    """Cut the taken pieces off their candidates (whole reserve parcels change use instead)."""
    scores = units["score"].to_numpy()
    for i, take in pieces:
        g = pl.geoms[i]
        whole = pl.avail[i] < MIN_PIECE_MU
        piece, rest = (
            (g, None) if whole else land.split_by_shares(g, [take, g.area / M2_PER_MU - take])
        )
        pl.geoms[i] = rest if rest is not None else shapely.Polygon()
        pid = units["parcel_id"].iloc[i]
        if pid is not None and whole and pid not in pl.shrink and pid not in pl.convert:
            pl.convert[pid] = {"industry": industry, "score": scores[i]}
            continue
        if pid is not None:
            pl.shrink[pid] = pl.geoms[i]
        pl.new_rows.append(
            {
                "geometry": piece,
                "industry": industry,
                "score": scores[i],
                "from": pid or units["unit"].iloc[i],
            }
        )


def apply_allocate(op: Operation, state: State, p: Request) -> dict:
    """Place *p*'s demand; the run report's summary (placed / unplaced 亩, candidates …)."""
    phase = p.phase
    units = candidate_units(state, p, op)
    status = land.developed_status(state, phase)
    mva_mu, sew_mu = _per_mu_demand(state, p.land_use, p.far, phase)
    per_mu = {"substation": mva_mu, "sewage_plant": sew_mu}
    sup = _supply(state, units, phase)
    pl = _Placement(units["area_mu"].to_numpy().copy(), units.geometry.to_numpy().copy())
    placed_total = {}
    unplaced = []
    for industry, demand in p.demand.items():
        remaining, blocked, blocked_by = _place_industry(
            industry, demand, units, pl, sup, per_mu, p
        )
        placed = demand - max(remaining, 0.0)
        placed_total[industry] = placed
        if remaining >= MIN_PIECE_MU:
            unplaced.append(
                {
                    "industry": industry,
                    "demand_mu": round(demand, 1),
                    "placed_mu": round(placed, 1),
                    "unplaced_mu": round(remaining, 1),
                    "reasons": _reasons(remaining, blocked, blocked_by, len(units)),
                    "operation": op.label,
                }
            )
    summary = _commit(state, op, p, status, pl.new_rows, pl.shrink, pl.convert)
    state.unplaced.extend(unplaced)
    return {
        "placed_mu": {k: round(v, 1) for k, v in placed_total.items()},
        "unplaced_mu": {u["industry"]: u["unplaced_mu"] for u in unplaced},
        "candidates": len(units),
        **summary,
        "per_mu": {"power_mva": round(mva_mu, 5), "sewage_m3d": round(sew_mu, 3)},
    }


def _label(reason: str) -> str:
    """A reason in both languages ("变电所余量不足 / substation headroom used up")."""
    zh, en = both(f"alloc_reason_{reason}")
    return f"{zh} / {en}"


def _reasons(remaining: float, blocked: dict, blocked_by: dict, n_units: int) -> list[dict]:
    out = [
        {
            "reason": k,
            "label": _label(k),
            "blocked_mu": round(v, 1),
            "facilities": sorted(blocked_by.get(k, ())),
        }
        for k, v in sorted(blocked.items(), key=lambda kv: -kv[1])
    ]
    left = remaining - sum(blocked.values())
    if left >= MIN_PIECE_MU or not out:
        out.append(
            {
                "reason": "no_land",
                "label": _label("no_land"),
                "blocked_mu": round(max(left, 0.0), 1),
                "facilities": [],
            }
        )
    return out


def _commit(
    state: State,
    op: Operation,
    p: Request,
    status: str,
    new_rows: list[dict],
    shrink: dict,
    convert: dict,
) -> dict:
    parcels = state.parcels.copy()
    far, cov, code = p.far, p.coverage, p.land_use
    ids = parcels["parcel_id"].astype(str)
    if shrink:
        pos = ids[ids.isin(list(shrink))].index
        g = np.array([shrink[pid] for pid in ids[pos]], dtype=object)
        parcels.loc[pos, "geometry"] = g
        parcels.loc[pos, "area_m2"] = shapely.area(g)
        parcels.loc[pos, "area_mu"] = shapely.area(g) / M2_PER_MU
    if convert:
        pos = ids[ids.isin(list(convert))].index
        parcels.loc[pos, "land_use"] = code
        parcels.loc[pos, "far"] = far
        parcels.loc[pos, "coverage"] = cov
        parcels.loc[pos, "status"] = status
    state.layers["parcels"] = parcels
    frame = gpd.GeoDataFrame()
    if new_rows:
        geoms = [r["geometry"] for r in new_rows]
        plates = land.plate_of(np.asarray(geoms, dtype=object), state, "扩区")
        frame = land.new_parcels(
            state,
            geoms,
            [code] * len(geoms),
            [far] * len(geoms),
            [cov] * len(geoms),
            status,
            plates,
            f"AL{op.index + 1:02d}-",
            op.label,
        )
        frame["allocated_industry"] = [r["industry"] for r in new_rows]
        land.append_parcels(state, frame)
    firms_added = 0
    if status == "built":
        conv = state.parcels[state.parcels["parcel_id"].isin(list(convert))]
        targets = [(conv, conv["parcel_id"].map({k: v["industry"] for k, v in convert.items()}))]
        if len(frame):
            targets.append((frame, frame["allocated_industry"]))
        for fr, inds in targets:
            for industry in sorted(set(inds)):
                sel = fr[(inds == industry).to_numpy()]
                prof = firms.profile_for(
                    ProfileSpec(industry, p.profile_level),
                    state,
                    op,
                    "demand",
                )
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
                firms_added += len(new)
    state.note(
        list(convert) + (list(frame["parcel_id"]) if len(frame) else []),
        f"按容量约束配置用地 ({op.label})",
    )
    state.note(list(shrink), f"部分用地被配置 ({op.label})")
    return {
        "parcels_added": len(frame),
        "parcels_converted": len(convert),
        "firms_added": firms_added,
    }
