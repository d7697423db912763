"""Road network: noding, snapping, isolated components, exact network distances (tiny known answers)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis.network import build_network
from geoplan.data.crs import WORKING_CRS
from geoplan.errors import GeoplanError


def _roads():
    geoms = [
        shapely.LineString([(0, 0), (1000, 0)]),
        shapely.LineString([(500, -500), (500, 500)]),  # crosses the first one: must be noded
        shapely.LineString([(1003, 0), (2000, 0)]),  # stops 3 m short: snapped at 5 m tolerance
        shapely.LineString([(0, 5000), (100, 5000)]),  # isolated
    ]
    return gpd.GeoDataFrame(
        {"road_id": list("abcd"), "name": list("ABCD")}, geometry=geoms, crs=WORKING_CRS
    )


def test_noding_snapping_and_isolated_component():
    net = build_network(_roads(), tolerance_m=5)
    assert net.report["components"] == 2
    assert [c["roads"] for c in net.report["isolated"]] == [["D"]]
    assert net.report["snapped_endpoints"] >= 1
    # crossing at (500, 0) is a node of degree 4
    node = np.flatnonzero(np.hypot(*(net.nodes_xy - [500, 0]).T) < 1e-6)
    assert len(node) == 1 and net.graph[node[0]].nnz == 4


def test_without_snapping_the_gap_splits_the_network():
    net = build_network(_roads(), tolerance_m=0)
    assert net.report["components"] == 3


def test_nearest_source_distances_are_exact():
    net = build_network(_roads(), tolerance_m=5)
    d, s = net.nearest_source(
        np.array([[0, 10.0], [2000, 0]]), np.array([[500, 400.0], [1500, 20], [50, 5010]])
    )
    assert d[0] == pytest.approx(910, abs=0.01) and s[0] == 0
    assert d[1] == pytest.approx(520, abs=0.01) and s[1] == 1
    assert np.isinf(d[2]) and s[2] == -1


def test_max_access_leaves_far_targets_unattached():
    net = build_network(_roads(), tolerance_m=5)
    att = net.attach(np.array([[500, 300.0], [300, 900]]), max_access_m=100)
    assert att.edge[0] >= 0 and att.edge[1] == -1


def test_geographic_crs_is_rejected():
    with pytest.raises(GeoplanError):
        build_network(_roads().to_crs(4326))


def test_sample_network_builds_connected(sample_zone):
    net = build_network(sample_zone.layers["roads"])
    d, s = net.nearest_source(sample_zone.layers["substations"], sample_zone.layers["parcels"])
    assert net.report["edges"] > len(sample_zone.layers["roads"])
    assert np.isfinite(d).mean() > 0.95 and (s >= 0).mean() > 0.95


def test_a_single_closed_ring_builds_instead_of_crashing():
    ring = gpd.GeoDataFrame(
        {"road_id": ["ring"]},
        geometry=[shapely.LineString([(0, 0), (100, 0), (100, 100), (0, 0)])],
        crs=WORKING_CRS,
    )
    net = build_network(ring, tolerance_m=0)
    assert net.report["edges"] >= 1
    d, s = net.nearest_source(np.array([[50, -5.0]]), np.array([[100, 50.0]]))
    assert s[0] == 0 and np.isfinite(d[0])


def test_distance_to_edges_is_zero_along_a_selected_edge():
    net = build_network(_roads(), tolerance_m=5)
    sel = (net.edges["name"] == "B").to_numpy()
    d = net.distance_to_edges(sel, np.array([[500, 300.0], [900, 10.0], [50, 5010.0]]))
    assert d[0] == pytest.approx(0) and d[1] == pytest.approx(10 + 400) and np.isinf(d[2])
