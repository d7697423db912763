"""Road network: a noded graph from the roads layer and vectorised network distances.

``build_network(roads, tolerance_m=...)`` snaps dangling road ends that stop short of another road
(within the tolerance) onto it, nodes all lines at their crossings (GEOS union on a 1 mm grid), and
returns a :class:`RoadNetwork`: node coordinates, edges carrying their road's attributes, a CSR
graph for :mod:`scipy.sparse.csgraph` and a report of isolated components.

Points or polygons attach to the network at the nearest point of the nearest edge; the straight
access leg is added to the network distance. Multi-source shortest paths run once in C
(``dijkstra(min_only=True)``) with one virtual node per source, so a source's position along its
edge and its access leg are exact; there is never a Python loop over parcels.

Status: partial — coverage, accessibility and N-1 are not built yet (issue 4 stays open).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geoplan.errors import GeoplanError

logger = logging.getLogger(__name__)

GRID_M = 0.001  # noding precision (1 mm)
_MIN_W = 1e-6  # csgraph: keep zero-length links as edges


@dataclass(frozen=True)
class Attachment:
    """Where geometries meet the network: edge index (-1: none), distance along it from u, access leg."""

    edge: np.ndarray
    along_m: np.ndarray
    access_m: np.ndarray


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    nodes_xy: np.ndarray
    edges: gpd.GeoDataFrame  # u, v, length_m, road index + road attributes, component
    graph: csr_matrix  # both directions, min weight over parallel edges
    component: np.ndarray  # per node
    report: dict
    _tree: shapely.STRtree

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def attach(self, geoms, *, max_access_m: float | None = None) -> Attachment:
        """Attach geometries (points or polygons) to the nearest edge, exactly (vectorised)."""
        g = np.asarray(_geoms(geoms))
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
        return Attachment(edge, along, access)

    def nearest_source(self, sources, targets, *, limit: float = np.inf, max_access_m: float | None = None):
        """Network distance from each target to its nearest source and that source's position.

        Returns ``(distance_m, source_index)``; unreachable targets get ``inf`` and ``-1``.
        """
        return self._nearest(self.attach(sources, max_access_m=max_access_m),
                             self.attach(targets, max_access_m=max_access_m), limit)

    distances_from = nearest_source

    def _nearest(self, sa: Attachment, ta: Attachment, limit: float):
        n = self.n_nodes
        eu = self.edges["u"].to_numpy()
        ev = self.edges["v"].to_numpy()
        el = self.edges["length_m"].to_numpy()
        good = np.flatnonzero(sa.edge >= 0)
        k = len(good)
        nt = len(ta.edge)
        out_d = np.full(nt, np.inf)
        out_s = np.full(nt, -1, dtype=np.int64)
        if k == 0:
            return out_d, out_s
        se = sa.edge[good]
        w_u = sa.access_m[good] + sa.along_m[good]
        w_v = sa.access_m[good] + (el[se] - sa.along_m[good])
        base = self.graph
        indptr = np.concatenate([base.indptr, base.indptr[-1] + 2 * np.arange(1, k + 1)])
        indices = np.concatenate([base.indices, np.column_stack([eu[se], ev[se]]).ravel()])
        data = np.concatenate([base.data, np.maximum(np.column_stack([w_u, w_v]).ravel(), _MIN_W)])
        aug = csr_matrix((data, indices, indptr), shape=(n + k, n + k))
        dist, _, src = dijkstra(aug, indices=np.arange(n, n + k), min_only=True,
                                return_predecessors=True, limit=limit)
        has = ta.edge >= 0
        te = ta.edge[has]
        du = dist[eu[te]] + ta.along_m[has]
        dv = dist[ev[te]] + (el[te] - ta.along_m[has])
        pick_u = du <= dv
        d = np.where(pick_u, du, dv)
        s = np.where(pick_u, src[eu[te]], src[ev[te]]) - n
        # sources on the same edge as the target: direct distance along the edge
        order = np.argsort(se, kind="stable")
        ses = se[order]
        lo = np.searchsorted(ses, te, "left")
        hi = np.searchsorted(ses, te, "right")
        for j in range(int((hi - lo).max(initial=0))):
            m = lo + j < hi
            kk = order[lo[m] + j]
            direct = sa.access_m[good][kk] + np.abs(ta.along_m[has][m] - sa.along_m[good][kk])
            better = direct < d[m]
            sel = np.flatnonzero(m)[better]
            d[sel] = direct[better]
            s[sel] = kk[better] + n - n
        d = d + ta.access_m[has]
        d[~np.isfinite(d) | (d > limit)] = np.inf
        s[~np.isfinite(d)] = -1
        out_d[has] = d
        out_s[has] = np.where(s >= 0, good[np.clip(s, 0, k - 1)], -1)
        return out_d, out_s


def _geoms(obj) -> np.ndarray:
    if isinstance(obj, gpd.GeoDataFrame):
        return obj.geometry.values
    if isinstance(obj, gpd.GeoSeries):
        return obj.values
    arr = np.asarray(obj)
    if arr.ndim == 2 and arr.shape[1] == 2 and arr.dtype != object:
        return shapely.points(arr)
    return arr


def build_network(roads: gpd.GeoDataFrame, *, tolerance_m: float = 5.0) -> RoadNetwork:
    """Noded, snapped road graph. Road attributes (road_id, name, road_class, frame, status) travel on edges."""
    if not isinstance(roads, gpd.GeoDataFrame) or roads.crs is None or not roads.crs.is_projected:
        msg = "roads: need a GeoDataFrame in a projected (metric) CRS, e.g. geoplan.crs.WORKING_CRS"
        raise GeoplanError(msg)
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
            proj = shapely.line_interpolate_point(lines[qj[move]], shapely.line_locate_point(lines[qj[move]], pts[qi[move]]))
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
    u, v = inv[: len(noded)], inv[len(noded):]
    length = shapely.length(noded)
    n = len(nodes_xy)
    ok = u != v
    r = np.concatenate([u[ok], v[ok]])
    c = np.concatenate([v[ok], u[ok]])
    w = np.concatenate([length[ok], length[ok]])
    o = np.lexsort((w, c, r))
    r, c, w = r[o], c[o], w[o]
    firstrc = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    graph = csr_matrix((np.maximum(w[firstrc], _MIN_W), (r[firstrc], c[firstrc])), shape=(n, n))
    ncomp, comp = connected_components(graph, directed=False)
    rd = roads.reset_index(drop=True)
    attrs = {col: rd[col].to_numpy()[src_road] for col in ("road_id", "name", "road_class", "frame", "status") if col in rd}
    edges = gpd.GeoDataFrame({"u": u, "v": v, "length_m": length, "road": src_road, **attrs,
                              "component": comp[u]}, geometry=noded, crs=roads.crs)
    comp_len = np.bincount(comp[u], weights=length, minlength=ncomp)
    main = int(np.argmax(comp_len)) if ncomp else -1
    isolated = []
    for cid in np.flatnonzero(np.arange(ncomp) != main):
        sel = edges[edges.component == cid]
        if len(sel):
            isolated.append({"component": int(cid), "length_m": round(float(sel.length_m.sum()), 1),
                             "roads": sorted(set(map(str, sel.get("name", sel.road)))) })
    report = {"nodes": n, "edges": len(edges), "components": int(ncomp), "snapped_endpoints": snapped,
              "main_component_length_share": float(comp_len[main] / comp_len.sum()) if ncomp else 0.0,
              "isolated": isolated, "tolerance_m": tolerance_m}
    if isolated:
        logger.warning("road network: %d isolated component(s) besides the main one", len(isolated))
    return RoadNetwork(nodes_xy, edges, graph, comp, report, shapely.STRtree(noded))


__all__ = ["Attachment", "RoadNetwork", "build_network"]
