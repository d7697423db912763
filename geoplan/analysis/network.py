"""Road network: a noded graph from the roads layer and vectorised network distances.

``build_network(roads, tolerance_m=...)`` snaps dangling road ends that stop short of another road
(within the tolerance) onto it, nodes all lines at their crossings (GEOS union on a 1 mm grid), and
returns a :class:`RoadNetwork`: node coordinates, edges carrying their road's attributes, a CSR
graph for :mod:`scipy.sparse.csgraph` and a report of isolated components.

Points or polygons attach to the network at the nearest point of the nearest edge (a parcel's
access point); the straight access leg is added to the network distance. For a point this is the
exact network distance; a polygon is reduced to that one access point (``geoplan.analysis.coverage`` adds
more access points along a boundary where frontage matters). Multi-source shortest paths run once
in C (``dijkstra(min_only=True)``) with one virtual node per source, so a source's position along
its edge is exact; there is never a Python loop over parcels.

Networks and attachments are content-cached (:mod:`geoplan.cache`, in memory and on disk): a
network under the key of its roads' content (geometry, the attributes edges carry, CRS) and the
tolerance; an attachment of a layer under the network's key, the layer's geometry (WKB) and the
access limit. A new process (the CLI, a fresh app server) reads them instead of rebuilding them;
a changed road or parcel changes the key. The cache is never needed for correctness.

Used by :mod:`geoplan.analysis.infrastructure` (catchments, accessibility) and :mod:`geoplan.analysis.coverage`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geoplan import cache
from geoplan.errors import GeoplanError

logger = logging.getLogger(__name__)

GRID_M = 0.001  # noding precision (1 mm)
_MIN_W = 1e-6  # csgraph: keep zero-length links as edges
#: Attachments of fewer geometries are computed, not cached (hashing would cost about as much).
ATTACH_CACHE_MIN = 64
#: Road attributes that travel on the edges (and so are part of a network's cache key).
EDGE_ATTRS = ("road_id", "name", "road_class", "frame", "status")


@dataclass(frozen=True)
class Attachment:
    """Where geometries meet the network.

    Per geometry: the edge (-1: none within reach), the distance along it from its ``u`` end, the
    straight access leg, and — for a vectorised gather — the edge's end nodes ``u``/``v`` with the
    distances ``to_u``/``to_v`` from the attachment point to them (``inf`` when not attached).
    """

    edge: np.ndarray
    along_m: np.ndarray
    access_m: np.ndarray
    u: np.ndarray
    v: np.ndarray
    to_u: np.ndarray
    to_v: np.ndarray

    def subset(self, mask: np.ndarray) -> Attachment:
        return Attachment(
            *(
                a[mask]
                for a in (
                    self.edge,
                    self.along_m,
                    self.access_m,
                    self.u,
                    self.v,
                    self.to_u,
                    self.to_v,
                )
            )
        )


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    nodes_xy: np.ndarray
    edges: gpd.GeoDataFrame  # u, v, length_m, road index + road attributes, component
    graph: csr_matrix  # both directions, min weight over parallel edges
    component: np.ndarray  # per node
    report: dict
    _tree: shapely.STRtree
    _arrays: tuple = ()  # (u, v, length_m) as numpy arrays, set by build_network
    memo: dict = field(default_factory=dict, repr=False)  # per-network caches (attachments)
    key: str = ""  # content key (geoplan.cache) of the roads and tolerance it was built from

    def __getstate__(self) -> dict:
        # the per-network memo is a process-local cache: never pickled (disk cache, app threads)
        state = dict(self.__dict__)
        state["memo"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def attach(self, geoms, *, max_access_m: float | None = None) -> Attachment:
        """Attach geometries (points or polygons) to the nearest edge, exactly (vectorised).

        Content-cached (memory and disk) for a network with a :attr:`key`; the arrays of the
        returned attachment are read-only (shared with later callers).
        """
        g = np.asarray(_geoms(geoms))
        if not self.key or len(g) < ATTACH_CACHE_MIN:
            return self._attach(g, max_access_m)
        k = cache.key(
            "attach",
            self.key,
            None if max_access_m is None else float(max_access_m),
            shapely.to_wkb(g, hex=False),
        )
        return _frozen(
            cache.memo("attach", k, lambda: self._attach(g, max_access_m), disk=True, entries=8)
        )

    def _attach(self, g: np.ndarray, max_access_m: float | None) -> Attachment:
        n = len(g)
        edge = np.full(n, -1, dtype=np.int64)
        along = np.zeros(n)
        access = np.full(n, np.inf)
        ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
        if ok.any() and len(self.edges):
            idx, dist = self._tree.query_nearest(g[ok], return_distance=True, all_matches=False)
            src = np.flatnonzero(ok)[idx[0]]
            e = idx[1]
            lines = self.edges.geometry.values[e]
            link = shapely.shortest_line(g[src], lines)
            on_edge = shapely.get_point(link, 1)
            edge[src] = e
            along[src] = shapely.line_locate_point(lines, on_edge)
            access[src] = dist
        if max_access_m is not None:
            far = access > max_access_m
            edge[far] = -1
        eu, ev, el = self._uvl
        has = edge >= 0
        e0 = np.where(has, edge, 0)
        u = np.where(has, eu[e0] if len(eu) else 0, 0)
        v = np.where(has, ev[e0] if len(ev) else 0, 0)
        to_u = np.where(has, along, np.inf)
        to_v = np.where(has, (el[e0] if len(el) else 0.0) - along, np.inf)
        return Attachment(edge, along, access, u, v, to_u, to_v)

    def nearest_source(
        self, sources, targets, *, limit: float = np.inf, max_access_m: float | None = None
    ):
        """Network distance from each target to its nearest source and that source's position.

        *sources* and *targets* are geometries (points or polygons, or an ``(n, 2)`` array of
        coordinates) or :class:`Attachment` s from :meth:`attach` (attach a layer once and reuse
        it: attaching is the costly part, the distances are one Dijkstra). Returns
        ``(distance_m, source_index)``; unreachable targets (or beyond *limit*) get ``inf``, ``-1``.
        """
        sa = (
            sources
            if isinstance(sources, Attachment)
            else self.attach(sources, max_access_m=max_access_m)
        )
        ta = (
            targets
            if isinstance(targets, Attachment)
            else self.attach(targets, max_access_m=max_access_m)
        )
        dist, src = self._from_attachment(sa, limit)
        return self._gather(dist, src, ta, limit, sa)

    def distance_to_edges(
        self, edge_mask, targets, *, limit: float = np.inf, max_access_m: float | None = None
    ) -> np.ndarray:
        """Network distance from each target to the nearest edge selected by *edge_mask* (e.g. the
        arterial roads): 0 along the way for a target attached to a selected edge, else through the
        nearest node of a selected edge. ``inf`` where none is reachable."""
        ta = (
            targets
            if isinstance(targets, Attachment)
            else self.attach(targets, max_access_m=max_access_m)
        )
        m = np.asarray(edge_mask, dtype=bool)
        nodes = self.nodes_of(m)
        if len(nodes) == 0:
            return np.full(len(ta.edge), np.inf)
        dist = dijkstra(self.graph, indices=nodes, min_only=True, limit=limit)
        d, _ = self._gather(dist, np.zeros(self.n_nodes, dtype=np.int64), ta, limit, None)
        on = (ta.edge >= 0) & np.append(m, False)[ta.edge]
        d[on] = ta.access_m[on]
        return d

    def nodes_of(self, edge_mask) -> np.ndarray:
        """The nodes of the edges selected by a boolean mask over :attr:`edges`."""
        m = np.asarray(edge_mask, dtype=bool)
        return np.unique(
            np.concatenate([self.edges["u"].to_numpy()[m], self.edges["v"].to_numpy()[m]])
        )

    def _from_attachment(self, sa: Attachment, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """Multi-source Dijkstra from attached sources: distance and source position per node.

        Each source becomes a virtual node linked to both ends of its edge (access leg + the part
        of the edge to that end), so positions along an edge are exact. One C call, no loop.
        """
        n = self.n_nodes
        good = np.flatnonzero(sa.edge >= 0)
        k = len(good)
        if k == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        eu, ev, el = self._uvl
        se = sa.edge[good]
        w_u = sa.access_m[good] + sa.along_m[good]
        w_v = sa.access_m[good] + (el[se] - sa.along_m[good])
        base = self.graph
        # keep the base graph's index dtypes: a mixed int32/int64 graph would be converted (copied)
        # by csgraph on every call
        indptr = np.concatenate(
            [base.indptr, (base.indptr[-1] + 2 * np.arange(1, k + 1)).astype(base.indptr.dtype)]
        )
        indices = np.concatenate(
            [base.indices, np.column_stack([eu[se], ev[se]]).ravel().astype(base.indices.dtype)]
        )
        data = np.concatenate([base.data, np.maximum(np.column_stack([w_u, w_v]).ravel(), _MIN_W)])
        aug = csr_matrix((data, indices, indptr), shape=(n + k, n + k), copy=False)
        dist, _, origin = dijkstra(
            aug, indices=np.arange(n, n + k), min_only=True, return_predecessors=True, limit=limit
        )
        src = np.where(origin >= n, good[np.clip(origin - n, 0, k - 1)], -1)
        return dist[:n], src[:n]

    def _gather(
        self, dist: np.ndarray, src: np.ndarray, ta: Attachment, limit: float, sa: Attachment | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distances at the targets from per-node distances (vectorised over targets).

        A target reaches the network at a point of its edge and takes the better of the edge's
        two ends; a source attached to the same edge may be closer directly along the edge.
        """
        # a handful of passes over the targets: np.take, in-place ufuncs, and the end node picked
        # arithmetically (u + (v - u)·[v is nearer]; np.where on int64 costs several passes)
        du = dist.take(ta.u)
        du += ta.to_u
        dv = dist.take(ta.v)
        dv += ta.to_v
        pick_v = np.less(dv, du)  # ties go to u
        d = np.minimum(du, dv, out=du)
        node = np.subtract(ta.v, ta.u)
        node *= pick_v
        node += ta.u
        s = src.take(node)
        if sa is not None and len(ta.edge):
            good = np.flatnonzero(sa.edge >= 0)
            mark = np.zeros(len(self.edges) + 1, dtype=bool)
            mark[sa.edge[good]] = True
            on = np.flatnonzero(mark.take(ta.edge))  # edge -1 reads the spare last slot (False)
            if len(on):
                se = sa.edge[good]
                order = np.argsort(se, kind="stable")
                ses = se[order]
                te = ta.edge[on]
                lo = np.searchsorted(ses, te, "left")
                hi = np.searchsorted(ses, te, "right")
                # rounds over the (few) sources sharing a target's edge
                for j in range(int((hi - lo).max(initial=0))):
                    m = lo + j < hi
                    kk = good[order[lo[m] + j]]
                    tgt = on[m]
                    direct = sa.access_m[kk] + np.abs(ta.along_m[tgt] - sa.along_m[kk])
                    better = direct < d[tgt]
                    d[tgt[better]] = direct[better]
                    s[tgt[better]] = kk[better]
        d += ta.access_m
        # unreachable (inf), beyond the limit or NaN; a finite distance always has a source
        # (a node reached by the Dijkstra carries its origin), so s < 0 needs no test
        ok = (
            np.less_equal(d, limit, out=pick_v)
            if np.isfinite(limit)
            else np.less(d, np.inf, out=pick_v)
        )
        if not ok.all():
            bad = ~ok
            d[bad] = np.inf
            s[bad] = -1
        return d, s

    @property
    def _uvl(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._arrays


def _frozen(att: Attachment) -> Attachment:
    for a in (att.edge, att.along_m, att.access_m, att.u, att.v, att.to_u, att.to_v):
        a.setflags(write=False)
    return att


def _geoms(obj) -> np.ndarray:
    if isinstance(obj, gpd.GeoDataFrame):
        return obj.geometry.values
    if isinstance(obj, gpd.GeoSeries):
        return obj.values
    arr = np.asarray(obj)
    if arr.ndim == 2 and arr.shape[1] == 2 and arr.dtype != object:
        return shapely.points(arr)
    return arr


def network_key(roads: gpd.GeoDataFrame, tolerance_m: float) -> str:
    """The content key of the network :func:`build_network` makes from *roads* (order matters:
    edges refer to road rows by position)."""
    cols = [c for c in EDGE_ATTRS if c in roads.columns]
    frame = roads[[*cols, roads.geometry.name]].reset_index(drop=True)
    return cache.key("road-network", frame, float(tolerance_m))


def build_network(roads: gpd.GeoDataFrame, *, tolerance_m: float = 5.0) -> RoadNetwork:
    """Noded, snapped road graph. Road attributes (road_id, name, road_class, frame, status) travel on edges.

    Content-cached in memory and on disk (see the module notes): callers share the returned
    network and must not modify it.
    """
    if not isinstance(roads, gpd.GeoDataFrame) or roads.crs is None or not roads.crs.is_projected:
        msg = "roads: need a GeoDataFrame in a projected (metric) CRS, e.g. geoplan.data.crs.WORKING_CRS"
        raise GeoplanError(msg)
    k = network_key(roads, tolerance_m)
    net = cache.memo("network", k, lambda: _build(roads, tolerance_m, k), disk=True, entries=8)
    if net.report["isolated"]:
        logger.warning(
            "road network: %d isolated component(s) besides the main one",
            len(net.report["isolated"]),
        )
    return net


def _build(roads: gpd.GeoDataFrame, tolerance_m: float, k: str) -> RoadNetwork:
    parts = roads.reset_index(drop=True).explode(index_parts=False)
    parts = parts[~(parts.geometry.is_empty | parts.geometry.isna())]
    parts = parts[parts.geom_type == "LineString"]
    if parts.empty:
        msg = "roads: no line geometry to build a network from"
        raise GeoplanError(msg)
    road_idx = parts.index.to_numpy()
    lines = np.array(parts.geometry.values, dtype=object)
    # 1. snap endpoints: clusters of ends within tolerance merge; dangling ends snap onto a nearby line
    coords, cidx = shapely.get_coordinates(lines, return_index=True)
    first = np.searchsorted(cidx, np.arange(len(lines)), "left")
    last = np.searchsorted(cidx, np.arange(len(lines)), "right") - 1
    ends = np.concatenate([first, last])
    exy = coords[ends]
    snapped = 0
    if tolerance_m > 0:
        pairs = cKDTree(exy).query_pairs(tolerance_m, output_type="ndarray")
        if len(pairs):
            m = len(exy)
            g = csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
            _, lab = connected_components(g, directed=False)
            cx = np.bincount(lab, exy[:, 0]) / np.bincount(lab)
            cy = np.bincount(lab, exy[:, 1]) / np.bincount(lab)
            new = np.column_stack([cx[lab], cy[lab]])
            snapped += int((np.hypot(*(new - exy).T) > 0).sum())
            exy = new
        owner = np.concatenate([np.arange(len(lines)), np.arange(len(lines))])
        tree = shapely.STRtree(lines)
        pts = shapely.points(exy)
        qi, qj = tree.query(pts, predicate="dwithin", distance=tolerance_m)
        keep = owner[qi] != qj
        qi, qj = qi[keep], qj[keep]
        if len(qi):
            dd = shapely.distance(pts[qi], lines[qj])
            o = np.lexsort((dd, qi))
            qi, qj, dd = qi[o], qj[o], dd[o]
            firsti = np.r_[True, qi[1:] != qi[:-1]]
            qi, qj, dd = qi[firsti], qj[firsti], dd[firsti]
            move = dd > GRID_M
            proj = shapely.line_interpolate_point(
                lines[qj[move]], shapely.line_locate_point(lines[qj[move]], pts[qi[move]])
            )
            exy[qi[move]] = shapely.get_coordinates(proj)
            snapped += int(move.sum())
        coords = coords.copy()
        coords[ends] = exy
        lines = shapely.linestrings(coords, indices=cidx)
    # 2. node at every crossing
    noded = shapely.get_parts(shapely.union_all(lines, grid_size=GRID_M))
    noded = noded[shapely.get_type_id(noded) == 1]
    noded = noded[shapely.length(noded) > 0]
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    _, near = shapely.STRtree(lines).query_nearest(mid, all_matches=False)
    src_road = road_idx[near]
    a = shapely.get_coordinates(shapely.get_point(noded, 0))
    b = shapely.get_coordinates(shapely.get_point(noded, -1))
    key = np.round(np.vstack([a, b]) / GRID_M).astype(np.int64)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    nodes_xy = uniq * GRID_M
    u, v = inv[: len(noded)], inv[len(noded) :]
    length = shapely.length(noded)
    n = len(nodes_xy)
    ok = u != v
    r = np.concatenate([u[ok], v[ok]])
    c = np.concatenate([v[ok], u[ok]])
    w = np.concatenate([length[ok], length[ok]])
    o = np.lexsort((w, c, r))
    r, c, w = r[o], c[o], w[o]
    firstrc = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])][: len(r)]
    graph = csr_matrix((np.maximum(w[firstrc], _MIN_W), (r[firstrc], c[firstrc])), shape=(n, n))
    ncomp, comp = connected_components(graph, directed=False)
    rd = roads.reset_index(drop=True)
    attrs = {
        col: rd[col].to_numpy()[src_road]
        for col in ("road_id", "name", "road_class", "frame", "status")
        if col in rd
    }
    edges = gpd.GeoDataFrame(
        {"u": u, "v": v, "length_m": length, "road": src_road, **attrs, "component": comp[u]},
        geometry=noded,
        crs=roads.crs,
    )
    comp_len = np.bincount(comp[u], weights=length, minlength=ncomp)
    main = int(np.argmax(comp_len)) if ncomp else -1
    isolated = []
    for cid in np.flatnonzero(np.arange(ncomp) != main):
        sel = edges[edges.component == cid]
        if len(sel):
            isolated.append(
                {
                    "component": int(cid),
                    "length_m": round(float(sel.length_m.sum()), 1),
                    "roads": sorted(set(map(str, sel.get("name", sel.road)))),
                }
            )
    report = {
        "nodes": n,
        "edges": len(edges),
        "components": int(ncomp),
        "snapped_endpoints": snapped,
        "main_component_length_share": float(comp_len[main] / comp_len.sum()) if ncomp else 0.0,
        "isolated": isolated,
        "tolerance_m": tolerance_m,
    }
    return RoadNetwork(
        nodes_xy,
        edges,
        graph,
        comp,
        report,
        shapely.STRtree(noded),
        (u.astype(np.int64), v.astype(np.int64), np.asarray(length, dtype=float)),
        key=k,
    )


__all__ = ["Attachment", "RoadNetwork", "build_network", "network_key"]
