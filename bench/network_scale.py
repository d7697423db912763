"""Catchment assignment for 100,000 parcels on a ≥50,000-edge generated grid network.

Prints the build time, the catchment time (attach parcels + facilities, augmented multi-source
Dijkstra, gather) and its ratio to a bare ``csgraph.dijkstra(min_only=True)`` from the facilities'
nearest nodes on the same graph, measured side by side in one run. Target ratio ≤ 1.5.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geoplan.crs import WORKING_CRS
from geoplan.infrastructure import assign_catchments
from geoplan.network import build_network


def main(n_lines: int = 160, n_parcels: int = 100_000, n_fac: int = 20, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    step, size = 100.0, 100.0 * (n_lines - 1)
    pos = np.arange(n_lines) * step
    jit = rng.uniform(-20, 20, n_lines)
    lines = [shapely.LineString([(0, y + j), (size, y - j)]) for y, j in zip(pos, jit, strict=True)]
    lines += [shapely.LineString([(x + j, 0), (x - j, size)]) for x, j in zip(pos, jit, strict=True)]
    roads = gpd.GeoDataFrame({"road_id": [f"R{i}" for i in range(len(lines))]}, geometry=lines, crs=WORKING_CRS)
    t = time.perf_counter()
    net = build_network(roads, tolerance_m=2.0)
    t_build = time.perf_counter() - t
    xy = rng.uniform(0, size, (n_parcels, 2))
    parcels = gpd.GeoDataFrame(geometry=shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + 30, xy[:, 1] + 30), crs=WORKING_CRS)
    fac = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(0, size, (n_fac, 2))), crs=WORKING_CRS)
    src_nodes = np.unique(net._tree.query_nearest(fac.geometry.values)[1])
    src_nodes = net.edges["u"].to_numpy()[src_nodes]
    best_c, best_d = np.inf, np.inf
    for _ in range(3):
        t = time.perf_counter()
        dijkstra(net.graph, indices=src_nodes, min_only=True)
        best_d = min(best_d, time.perf_counter() - t)
        t = time.perf_counter()
        c = assign_catchments(parcels, fac, net)
        best_c = min(best_c, time.perf_counter() - t)
    print(f"network: {net.report['nodes']} nodes, {net.report['edges']} edges (build {t_build:.2f} s)")
    print(f"catchments for {n_parcels} parcels, {n_fac} facilities: {best_c:.3f} s "
          f"(network {np.mean(c['method'] == 'network'):.1%})")
    print(f"bare csgraph multi-source dijkstra: {best_d:.4f} s")
    print(f"ratio catchment / bare dijkstra: {best_c / best_d:.1f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
