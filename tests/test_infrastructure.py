"""Infrastructure: demand tables, catchments, facility balance per phase, N-1, roads, accessibility.

Tiny fixtures with hand-computed answers; the standards are written per test so that editing the
shipped tables does not change what these tests check.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity

from geoplan.analysis import infrastructure as infra
from geoplan.analysis.network import build_network
from geoplan.data.crs import WORKING_CRS
from geoplan.errors import SchemaError

COEF = """# test table
code,name_zh,power_w_m2_floor,power_kw_hm2_land,water_m3_hm2d,return_factor,planned_far,verified,source
07,居住,30,250,80,0.5,2.0,no,test
08,公共,40,400,60,0.5,1.5,no,test
0802,科研,50,500,50,0.5,3.0,no,test
14,绿地,0,20,10,0.0,0,no,test
"""
FACTORS = """source: test
simultaneity: 0.5
power_factor: 1.0
infiltration: 0.0
alert_high: 0.8
distribution_max_kv: 110
default_transformers: 2
radius_m: {substation: 3000, upstream_substation: 10000, sewage_plant: 3000}
max_access_m: 200
corridor_road: 走廊路
"""


@pytest.fixture
def std(tmp_path):
    (tmp_path / "infra_coefficients.csv").write_text(COEF, encoding="utf-8")
    (tmp_path / "infra_factors.yaml").write_text(FACTORS, encoding="utf-8")
    return infra.load_standards(tmp_path)


def _parcels(rows):
    """rows: (id, x, land_use, far, status); diamonds whose lowest corner (x + 50, 20) is 20 m north
    of the x-axis road, so each parcel meets the road at one point (no ties)."""
    geoms = [
        shapely.Polygon([(x + 50, 20), (x + 100, 70), (x + 50, 120), (x, 70)]) for _, x, *_ in rows
    ]
    return gpd.GeoDataFrame(
        {
            "parcel_id": [r[0] for r in rows],
            "land_use": [r[2] for r in rows],
            "area_m2": [10_000.0] * len(rows),
            "far": [r[3] for r in rows],
            "status": [r[4] for r in rows],
        },
        geometry=geoms,
        crs=WORKING_CRS,
    )


def _roads():
    return gpd.GeoDataFrame(
        {
            "road_id": ["R1", "R2", "R3"],
            "name": ["走廊路", "支路", "远路"],
            "road_class": ["arterial", "branch", "branch"],
            "status": ["built", "built", "planned"],
        },
        geometry=[
            shapely.LineString([(0, 0), (10_000, 0)]),
            shapely.LineString([(5000, 0), (5000, 4000)]),
            shapely.LineString([(10_000, 0), (20_000, 0)]),
        ],
        crs=WORKING_CRS,
    )


def _substations(rows):
    """rows: (id, x, y, kv, cap_current, cap_2025, cap_2035, transformers)"""
    return gpd.GeoDataFrame(
        {
            "facility_id": [r[0] for r in rows],
            "name": [f"站{r[0]}" for r in rows],
            "voltage_kv": [float(r[3]) for r in rows],
            "status": ["existing"] * len(rows),
            "capacity_mva_current": [float(r[4]) for r in rows],
            "capacity_mva_2025": [float(r[5]) for r in rows],
            "capacity_mva_2035": [float(r[6]) for r in rows],
            "transformers": [r[7] for r in rows],
        },
        geometry=[shapely.Point(r[1], r[2]) for r in rows],
        crs=WORKING_CRS,
    )


def _plants(rows):
    """rows: (id, x, cap_current, cap_2025, cap_2035)"""
    return gpd.GeoDataFrame(
        {
            "facility_id": [r[0] for r in rows],
            "name": [f"厂{r[0]}" for r in rows],
            "status": ["existing"] * len(rows),
            "capacity_m3d_current": [float(r[2]) for r in rows],
            "capacity_m3d_2025": [float(r[3]) for r in rows],
            "capacity_m3d_2035": [float(r[4]) for r in rows],
        },
        geometry=[shapely.Point(r[1], -10) for r in rows],
        crs=WORKING_CRS,
    )


# --- standards -----------------------------------------------------------------------------------


def test_shipped_standards_load_and_name_their_sources():
    std = infra.load_standards()
    assert {"07", "0802", "09", "10"} <= set(std.coefficients["code"])
    assert (std.coefficients["source"].str.len() > 0).all()
    assert not std.verified and set(std.coefficients["verified"]) == {"no"}


def test_negative_coefficient_names_line_and_field(tmp_path):
    (tmp_path / "infra_coefficients.csv").write_text(
        COEF.replace("08,公共,40", "08,公共,-40"), encoding="utf-8"
    )
    (tmp_path / "infra_factors.yaml").write_text(FACTORS, encoding="utf-8")
    with pytest.raises(
        SchemaError, match=r"infra_coefficients.csv: line 4: field 'power_w_m2_floor'"
    ):
        infra.load_standards(tmp_path)


def test_bad_factor_names_line_and_field(tmp_path):
    (tmp_path / "infra_coefficients.csv").write_text(COEF, encoding="utf-8")
    (tmp_path / "infra_factors.yaml").write_text(
        FACTORS.replace("simultaneity: 0.5", "simultaneity: 5"), encoding="utf-8"
    )
    with pytest.raises(
        SchemaError, match=r"infra_factors.yaml: line 2: field 'simultaneity': must be ≤ 1"
    ):
        infra.load_standards(tmp_path)


def test_unknown_factor_key_is_refused(tmp_path):
    (tmp_path / "infra_coefficients.csv").write_text(COEF, encoding="utf-8")
    (tmp_path / "infra_factors.yaml").write_text(FACTORS + "simultanety: 0.4\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="simultanety"):
        infra.load_standards(tmp_path)


# --- demand --------------------------------------------------------------------------------------


def test_longest_prefix_lookup(std):
    rows = infra.lookup_codes(pd.Series(["0701", "080201", "0801", "99", None]), std.coefficients)
    codes = std.coefficients["code"].to_numpy()
    assert [codes[r] if r >= 0 else None for r in rows] == ["07", "0802", "08", None, None]


def test_parcel_demand_known_values_and_phase_rules(std):
    p = _parcels(
        [
            ("a", 0, "0701", 2.0, "built"),
            ("b", 200, "0802", 1.0, "under_construction"),
            ("c", 400, "0802", 4.0, "idle"),
            ("d", 600, "07", 0.0, "reserve"),
            ("e", 800, "14", 0.0, "built"),
        ]
    )
    cur = infra.parcel_demand(p, "current", std)
    # a: 20,000 m² floor × 30 W/m² = 600 kW; water 1 hm² × 80 = 80 m³/d; sewage × 0.5
    assert cur.loc[0, "power_kw"] == pytest.approx(600) and cur.loc[
        0, "sewage_m3d"
    ] == pytest.approx(40)
    # e: no floor area → land-based 1 hm² × 20 kW
    assert cur.loc[4, "power_kw"] == pytest.approx(20) and cur.loc[4, "sewage_m3d"] == 0
    assert list(cur["counted"]) == [True, False, False, False, True]
    d25 = infra.parcel_demand(p, "2025", std)
    # b: under construction counts from 2025 at max(actual 1.0, planned 3.0) = 3.0 → 30,000 m² × 50 W
    assert d25.loc[1, "counted"] and d25.loc[1, "power_kw"] == pytest.approx(1500)
    d35 = infra.parcel_demand(p, "2035", std)
    # c: idle redeveloped by 2035, its actual FAR 4.0 is above the planned 3.0 and is kept
    assert d35.loc[2, "power_kw"] == pytest.approx(2000)
    assert not d35.loc[3, "counted"]  # reserve land (留白) never counts by default


def test_committed_far_wins_over_the_table(std):
    p = _parcels([("b", 200, "0802", 1.0, "under_construction")])
    p["commit_far"] = [2.0]
    assert infra.parcel_demand(p, "2025", std).loc[0, "floor_m2"] == pytest.approx(20_000)


# --- catchments ----------------------------------------------------------------------------------


def test_catchments_nearest_along_network_with_fallbacks():
    roads = _roads()
    net = build_network(roads[roads.status == "built"])
    parcels = _parcels([("a", 1000, "07", 1, "built"), ("b", 8000, "07", 1, "built")])
    far = gpd.GeoDataFrame(
        {"parcel_id": ["c"]}, geometry=[shapely.box(2000, 3000, 2100, 3100)], crs=WORKING_CRS
    )
    parcels = pd.concat([parcels, far], ignore_index=True)
    fac = _plants([("W1", 0, 1, 1, 1), ("W2", 9000, 1, 1, 1)])
    c = infra.assign_catchments(parcels, fac, net, max_access_m=200)
    assert list(c["facility"]) == [0, 1, 0]
    # a: access 20 m + along the road from x=1050 to 0 + the plant's access leg of 10 m
    assert c.loc[0, "distance_m"] == pytest.approx(1080)
    assert list(c["method"]) == ["network", "network", "straight_line"]
    # c is 2,900 m from the road: straight line to the nearest plant (W1)
    assert c.loc[2, "distance_m"] == pytest.approx(np.hypot(2000, 3010))
    c2 = infra.assign_catchments(parcels, fac, net, max_access_m=200, radius_m=1500)
    assert list(c2["served"]) == [True, True, False] and c2.loc[2, "method"] == "beyond_radius"


def test_catchment_polygons_override_the_network():
    net = build_network(_roads())
    parcels = _parcels([("a", 1000, "07", 1, "built"), ("b", 3000, "07", 1, "built")])
    fac = _plants([("W1", 0, 1, 1, 1), ("W2", 9000, 1, 1, 1)])
    polys = gpd.GeoDataFrame(
        {"catchment_id": ["K"], "facility_id": ["W2"], "kind": ["sewage_plant"]},
        geometry=[shapely.box(500, -50, 1500, 500)],
        crs=WORKING_CRS,
    )
    c = infra.assign_catchments(parcels, fac, net, polygons=polys)
    assert list(c["facility"]) == [1, 0] and list(c["method"]) == ["polygon", "network"]


# --- balance -------------------------------------------------------------------------------------


def _zone():
    parcels = _parcels(
        [
            ("a", 1000, "07", 2.0, "built"),
            ("b", 1200, "07", 2.0, "built"),
            ("c", 8000, "0802", 1.0, "under_construction"),
            ("d", 9000, "07", 2.0, "idle"),
        ]
    )
    subs = _substations(
        [
            ("S1", 1000, -20, 66, 1.0, 1.0, 1.0, 2),
            ("S2", 8500, -20, 66, 0, 2.0, 2.0, 1),
            ("U1", 9500, -20, 220, 0, 0, 10.0, 2),
        ]
    )
    plants = _plants([("W1", 0, 100, 100, 100), ("W2", 9000, 0, 20, 200)])
    return {"parcels": parcels, "roads": _roads(), "substations": subs, "sewage_plants": plants}


def test_balance_current_phase(std):
    res = infra.analyse(_zone(), "current", standards=std)
    s = res.facilities("substation").set_index("facility_id")
    # a + b: 2 × 600 kW × 0.5 simultaneity / pf 1.0 = 0.6 MVA on S1 (1 MVA, 2 transformers)
    assert s.loc["S1", "demand"] == pytest.approx(0.6)
    assert s.loc["S1", "utilisation"] == pytest.approx(0.6) and s.loc["S1", "alert"] == "n1"
    assert s.loc["S1", "firm_capacity"] == pytest.approx(0.5) and not s.loc["S1", "n1_ok"]
    assert s.loc["S2", "alert"] == "not_in_service" and s.loc["U1", "alert"] == "not_in_service"
    w = res.facilities("sewage_plant").set_index("facility_id")
    assert w.loc["W1", "demand"] == pytest.approx(80) and w.loc["W1", "parcels"] == 2
    assert w.loc["W1", "headroom"] == pytest.approx(20)
    assert {a["alert"] for a in res.alerts} >= {"n1"}


def test_balance_2035_overload_upstream_and_unserved(std):
    res = infra.analyse(_zone(), "2035", standards=std)
    s = res.facilities("substation").set_index("facility_id")
    # c (0802, FAR max(1, 3) = 3 → 30,000 m² × 50 W = 1,500 kW) and d (idle → planned FAR 2 → 600 kW)
    # go to S2 (nearest): (1500 + 600) × 0.5 = 1.05 MVA on 2 MVA, one transformer → N-1 fails
    assert s.loc["S2", "demand"] == pytest.approx(1.05)
    assert s.loc["S2", "firm_capacity"] == 0 and s.loc["S2", "alert"] == "n1"
    # the 220 kV station feeds the 66 kV stations within its radius (S2 only: S1 is 8.5 km away
    # along the road, within 10 km → both)
    assert s.loc["U1", "demand"] == pytest.approx(0.6 + 1.05) and s.loc["U1", "parcels"] == 0
    w = res.facilities("sewage_plant").set_index("facility_id")
    assert w.loc["W2", "demand"] == pytest.approx(25 + 40)
    assert res.summary()["substations"][0]["capacity_unit"] == "MVA"


def test_overload_and_unserved_alerts(std):
    z = _zone()
    z["sewage_plants"] = _plants(
        [("W1", 0, 50, 50, 50)]
    )  # W2 gone: c, d are 8 km away (> 3 km radius)
    res = infra.analyse(z, "2035", standards=std)
    w = res.facilities("sewage_plant").set_index("facility_id")
    assert w.loc["W1", "alert"] == "overload" and w.loc["W1", "demand"] == pytest.approx(80)
    u = res.unserved.set_index("kind").loc["sewage_plant"]
    assert u["parcels"] == 2 and u["demand"] == pytest.approx(65) and u["beyond_radius"] == 2
    kinds = {(a["kind"], a["alert"]) for a in res.alerts}
    assert ("sewage_plant", "overload") in kinds and ("sewage_plant", "unserved") in kinds


def test_phase_network_uses_roads_of_the_phase(std):
    z = _zone()
    z["parcels"] = _parcels(
        [("x", 15_000, "07", 2.0, "built")]
    )  # only reachable by the planned road R3
    cur = infra.analyse(z, "current", standards=std)
    fut = infra.analyse(z, "2035", standards=std)
    # not on the current network, and W2 is not in service yet: straight line to W1 from the
    # parcel's west corner (15000, 70), far beyond the 3 km radius
    assert cur.parcels.loc[0, "sewage_method"] == "beyond_radius"
    assert cur.parcels.loc[0, "sewage_m"] == pytest.approx(np.hypot(15000, 80))
    assert fut.parcels.loc[0, "sewage_method"] in ("network", "beyond_radius")
    assert fut.parcels.loc[0, "sewage_m"] == pytest.approx(20 + 6050 + 10)


def test_base_layers_are_not_modified(std):
    z = _zone()
    before = {k: v.copy() for k, v in z.items()}
    infra.analyse(z, "2035", standards=std)
    for k, v in z.items():
        pd.testing.assert_frame_equal(v, before[k])


# --- roads ---------------------------------------------------------------------------------------


def test_frame_completion_known_lengths():
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["R1", "R2", "R3", "R4"],
            "name": ["甲", "甲", "乙", "丙"],
            "frame": ["五横", "五横", "六纵", ""],
            "status": ["built", "planned", "under_construction", "built"],
        },
        geometry=[
            shapely.LineString([(0, 0), (3000, 0)]),
            shapely.LineString([(3000, 0), (4000, 0)]),
            shapely.LineString([(0, 0), (0, 2000)]),
            shapely.LineString([(0, 0), (0, 9000)]),
        ],
        crs=WORKING_CRS,
    )
    t, total = infra.frame_completion(roads)
    assert list(t["name"]) == ["乙", "甲"]
    assert t.set_index("name").loc["甲", "built_km"] == pytest.approx(3.0)
    assert t.set_index("name").loc["甲", "planned_km"] == pytest.approx(4.0)
    assert t.set_index("name").loc["乙", "built_km"] == 0
    assert t.set_index("name").loc["乙", "under_construction_km"] == pytest.approx(2.0)
    assert total == pytest.approx(3 / 6)


def test_accessibility_known_distances(std):
    z = _zone()
    z["rail"] = gpd.GeoDataFrame(
        {
            "rail_id": ["M1"],
            "name": ["站"],
            "kind": ["station"],
            "line": ["1"],
            "status": ["built"],
        },
        geometry=[shapely.Point(5000, 3000)],
        crs=WORKING_CRS,
    )
    z["parcels"] = _parcels([("a", 1000, "07", 1, "built")])
    acc = infra.accessibility(z, "current", standards=std).iloc[0]
    assert acc["arterial_m"] == pytest.approx(20)  # straight onto the arterial 走廊路
    assert acc["corridor_m"] == pytest.approx(20)
    # to the station: 20 m access, 3,950 m east along the arterial, 3,000 m up the branch road
    assert acc["metro_m"] == pytest.approx(20 + 3950 + 3000)


# --- the sample ----------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["current", "2025", "2035"])
def test_sample_balance(sample_zone, phase):
    res = infra.analyse(sample_zone, phase)
    assert len(res.facilities("substation")) == len(sample_zone.layers["substations"])
    assert len(res.facilities("sewage_plant")) == len(sample_zone.layers["sewage_plants"])
    live = res.balance[res.balance.in_service]
    assert (live["capacity"] > 0).all() and (live.loc[live.level != "upstream", "demand"] > 0).all()
    # demand is conserved: what the facilities carry plus what is unserved is the zone's demand
    dist = (
        res.facilities("sewage_plant")["demand"].sum()
        + res.unserved.set_index("kind").loc["sewage_plant", "demand"]
    )
    assert dist == pytest.approx(res.parcels["sewage_m3d"].sum())
    ygs = res.facilities("sewage_plant").set_index("name").loc["英歌石污水处理厂", "capacity"]
    assert ygs == {"current": 0, "2025": 15000, "2035": 35000}[phase]


def test_headroom_feeds_the_suitability_facility_factor(sample_zone):
    """The balance's headroom (facilities with spare capacity) is what suitability's
    distance-to-facilities factor takes, from the library and from `geoplan suitability`."""
    from geoplan.analysis.suitability import run_suitability

    head = infra.analyse(sample_zone, "2035").headroom()
    assert {"facility_id", "kind", "headroom", "unit"} <= set(head.columns) and len(head)
    plain = run_suitability(sample_zone).summary()["weights"]
    with_head = run_suitability(sample_zone, headroom=head).summary()["weights"]
    assert "facility_distance" not in plain and with_head.get("facility_distance", 0) > 0


# --- unreachable parcels: one definition ----------------------------------------------------------


def test_unreachable_is_no_road_nearby_or_an_isolated_piece(std):
    """A parcel far from every road and one whose only road is an isolated piece are unreachable;
    one on the main network is not. The balance and the accessibility summary count the same."""
    roads = _roads()
    island = gpd.GeoDataFrame(
        {"road_id": ["R9"], "name": ["孤路"], "road_class": ["branch"], "status": ["built"]},
        geometry=[shapely.LineString([(0, 9000), (300, 9000)])],
        crs=WORKING_CRS,
    )
    z = _zone()
    z["roads"] = pd.concat([roads, island], ignore_index=True)
    p = _parcels([("on", 1000, "07", 1, "built"), ("far", 1000, "07", 1, "built")])
    p["status"] = ["built", "reserve"]  # an uncounted parcel is still unreachable
    p.loc[1, "geometry"] = shapely.affinity.translate(p.geometry.iloc[1], 0, 5000)
    isl = _parcels([("isl", 0, "07", 1, "built")])
    isl["geometry"] = isl.geometry.translate(0, 8850)  # 30 m south of the isolated road
    z["parcels"] = gpd.GeoDataFrame(pd.concat([p, isl], ignore_index=True), crs=WORKING_CRS)
    res = infra.analyse(z, "current", standards=std)
    assert dict(zip(res.parcels["parcel_id"], res.parcels["unreachable"], strict=True)) == {
        "on": False,
        "far": True,
        "isl": True,
    }
    acc = infra.accessibility(z, "current", standards=std)
    summary = infra.access_summary(acc)
    u = res.unserved.set_index("kind")
    assert {v["unreachable"] for v in summary.values()} == {2}
    assert set(u["unreachable"]) == {2}
    sl = next(a for a in res.alerts if a["alert"] == "straight_line")
    # the isolated parcel is beyond every radius, so none is assigned by straight line
    assert sl["message"].startswith("2 个地块路网不可达") and "其中 0 个" in sl["message"]


@pytest.mark.parametrize("phase", ["current", "2025", "2035"])
def test_sample_unreachable_counted_once(sample_zone, phase):
    """Issue #17: 137 in the alert, 182 in the accessibility table for the same parcels. Now one
    number: the alert, the balance and the accessibility summary all give the same count."""
    res = infra.analyse(sample_zone, phase)
    summary = infra.access_summary(infra.accessibility(sample_zone, phase))
    n = int(res.parcels["unreachable"].sum())
    assert {v["unreachable"] for v in summary.values()} == {n}
    assert set(res.unserved["unreachable"]) == {n}
    for a in res.alerts:
        if a["alert"] == "straight_line":
            assert a["message"].startswith(f"{n} 个地块")
