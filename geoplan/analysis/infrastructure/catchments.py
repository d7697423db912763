"""Road network per phase (cached by content) and catchments: which facility serves each parcel.

Every parcel goes to the nearest in-service facility along the road network of that phase
(straight-line where no road reaches; reported), or to the facility of a user-provided catchment
polygon (layer type ``catchments``). Parcels beyond the supply radius of every facility are
*unserved* and reported, rather than loading a facility across the zone. One multi-source Dijkstra
per facility kind; no loop over parcels.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import cache, settings
from geoplan.analysis.infrastructure.standards import ROAD_STATUS
from geoplan.analysis.network import Attachment, RoadNetwork, build_network

#: Road networks kept in memory (a few phases × a few scenarios' road edits).
NETWORK_ENTRIES = 24


def geometry_digest(frame: gpd.GeoDataFrame, *cols: str) -> str:
    """A content hash of a layer's geometry (and some columns): a cache key that changes
    whenever a scenario edits the layer, and only then."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(frame.crs).encode())
    h.update(str(len(frame)).encode())
    h.update(b"".join(shapely.to_wkb(frame.geometry.values, hex=False)))
    have = [c for c in cols if c in frame]
    if have:
        h.update(pd.util.hash_pandas_object(frame[have], index=False).to_numpy().tobytes())
    return h.hexdigest()


def phase_roads(roads: gpd.GeoDataFrame, phase: str) -> gpd.GeoDataFrame:
    """The roads that exist in a phase (built; + under construction by 2025; + planned by 2035)."""
    phase = settings.phase_key(phase)
    if "status" not in roads:
        return roads
    return roads[roads["status"].isin(ROAD_STATUS[phase])]


def network_for_phase(
    roads: gpd.GeoDataFrame, phase: str, *, tolerance_m: float = 5.0, walking: bool = False
) -> RoadNetwork:
    """The road network of a phase, cached by the roads' content (scenarios reuse it)."""
    sel = phase_roads(roads, phase)
    if walking and "road_class" in sel:
        sel = sel[sel["road_class"] != "expressway"]
    k = cache.key(
        "net", geometry_digest(sel, "road_id", "name", "road_class", "frame", "status"), tolerance_m
    )
    return cache.memo(
        "infra_network",
        k,
        lambda: build_network(sel, tolerance_m=tolerance_m),
        entries=NETWORK_ENTRIES,
    )


def attach_cached(
    network: RoadNetwork, frame: gpd.GeoDataFrame, *, max_access_m: float | None = None
) -> Attachment:
    """:meth:`RoadNetwork.attach` of a layer, cached per geometry on the network: a scenario
    that adds or reshapes a few parcels attaches only those, not the whole layer again."""
    wkb = shapely.to_wkb(frame.geometry.values, hex=False)
    memo = network.memo.setdefault(("rows", max_access_m), {"index": {}, "arrays": None})
    index: dict[bytes, int] = memo["index"]
    missing = [i for i, k in enumerate(wkb) if k not in index]
    if missing:
        if len(index) > 500_000:  # bound the memory of a long-running app
            index.clear()
            memo["arrays"] = None
            missing = list(range(len(wkb)))
        att = network.attach(frame.geometry.values[missing], max_access_m=max_access_m)
        new = (att.edge, att.along_m, att.access_m, att.u, att.v, att.to_u, att.to_v)
        start = len(index)
        memo["arrays"] = (
            new
            if memo["arrays"] is None
            else tuple(
                np.concatenate([old, add]) for old, add in zip(memo["arrays"], new, strict=True)
            )
        )
        for j, i in enumerate(missing):
            index.setdefault(wkb[i], start + j)
    rows = np.fromiter((index[k] for k in wkb), dtype=np.int64, count=len(wkb))
    return (
        Attachment(*(col[rows] for col in memo["arrays"]))
        if len(wkb)
        else network.attach(frame.geometry.values, max_access_m=max_access_m)
    )


METHODS = ("none", "polygon", "network", "straight_line", "beyond_radius")
_METHOD_DTYPE = pd.CategoricalDtype(list(METHODS))


def assign_catchments(
    parcels: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    network: RoadNetwork,
    *,
    radius_m: float = np.inf,
    max_access_m: float | None = 500.0,
    polygons: gpd.GeoDataFrame | None = None,
    parcels_att: Attachment | None = None,
) -> pd.DataFrame:
    """Assign each parcel to a facility (row position in *facilities*).

    Columns: ``facility`` (position, -1 if none), ``distance_m`` (network distance; where the
    parcel or facility has no road within *max_access_m*, the straight line from the parcel's
    boundary to the facility nearest its centre), ``method`` (categorical:
    ``polygon`` | ``network`` | ``straight_line`` | ``beyond_radius`` | ``none``) and ``served``
    (False beyond *radius_m* or with no facility at all). Pass *parcels_att* (see
    :func:`attach_cached`) to skip attaching the parcels: the rest is one Dijkstra and a gather.
    """
    n = len(parcels)
    fac = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    code = np.zeros(n, dtype=np.int8)  # index into METHODS
    if len(facilities) and n:
        todo = np.ones(n, dtype=bool)
        if polygons is not None and len(polygons):
            ids = facilities["facility_id"].astype(str).to_numpy()
            pos = pd.Series(np.arange(len(ids)), index=ids)
            pts = parcels.geometry.representative_point().values
            pi, ci = polygons.sindex.query(pts, predicate="within")
            fpos = pd.Series(polygons["facility_id"].astype(str).to_numpy()[ci]).map(pos).to_numpy()
            ok = ~pd.isna(fpos)
            pi, fpos = pi[ok], fpos[ok].astype(np.int64)
            first = np.unique(pi, return_index=True)[1]
            pi, fpos = pi[first], fpos[first]
            fac[pi] = fpos
            dist[pi] = shapely.distance(pts[pi], facilities.geometry.values[fpos])
            code[pi] = 1
            todo[pi] = False
        att = (
            parcels_att
            if parcels_att is not None
            else attach_cached(network, parcels, max_access_m=max_access_m)
        )
        sub = att if todo.all() else att.subset(todo)
        d, s = network.nearest_source(
            attach_cached(network, facilities, max_access_m=max_access_m), sub
        )
        if todo.all():
            fac, dist = s, d
            code[s >= 0] = 2
        else:
            idx = np.flatnonzero(todo)
            got = s >= 0
            fac[idx[got]], dist[idx[got]], code[idx[got]] = s[got], d[got], 2
        miss = np.flatnonzero(todo & (fac < 0))
        if len(miss):  # no road reaches: straight line to the facility nearest the parcel's centre
            fg = np.asarray(facilities.geometry.values)
            pg = np.asarray(parcels.geometry.values[miss])
            qi, qj = shapely.STRtree(fg).query_nearest(shapely.centroid(pg), all_matches=False)
            fac[miss[qi]], code[miss[qi]] = qj, 3
            dist[miss[qi]] = shapely.distance(pg[qi], fg[qj])  # from the parcel's boundary
    served = fac >= 0
    if np.isfinite(radius_m):
        served &= (code == 1) | (dist <= radius_m)
        code[(fac >= 0) & ~served] = 4
    method = pd.Categorical.from_codes(code, dtype=_METHOD_DTYPE, validate=False)
    out = pd.DataFrame(
        {"facility": fac, "distance_m": dist, "method": method, "served": served}, copy=False
    )
    if (
        not isinstance(parcels.index, pd.RangeIndex)
        or parcels.index.start != 0
        or parcels.index.step != 1
    ):
        out.index = parcels.index
    return out


def unreachable(network: RoadNetwork, att: Attachment) -> np.ndarray:
    """**Unreachable parcels** (路网不可达地块), defined once for every report: a parcel is
    unreachable in a phase when no road of that phase's network lies within the access distance
    (``max_access_m`` of the attachment), or when its nearest road belongs to an isolated piece of
    the network (not the main component, the one with the most road length). Counted over all
    parcels, whatever their status; the balance assigns the ones that carry demand by straight
    line, and the accessibility table leaves them out of its medians."""
    edge = np.asarray(att.edge)
    out = edge < 0
    comp = network.edges["component"].to_numpy() if "component" in network.edges else None
    if comp is not None and len(comp) and (~out).any():
        lengths = network.edges["length_m"].to_numpy(float)
        main = int(np.argmax(np.bincount(comp, weights=lengths)))
        on = np.flatnonzero(~out)
        out[on] = comp[edge[on]] != main
    return out
