"""Scenario engine: parsing (errors name line and field), every operation, allocation within
capacity, KPIs, comparison, persistence, determinism, and the base left untouched."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geoplan import scenario as S
from geoplan.errors import GeoplanError, SchemaError
from geoplan.scenario.land import split_by_shares, subdivide
from geoplan.settings import DATA_DIR, LAYERS_DIR, M2_PER_MU, SCENARIOS_DIR

EXAMPLES = sorted(SCENARIOS_DIR.glob("*.yaml"))


def run(text: str, **kw):
    return S.run_scenario(S.parse_scenario(text, source="t.yaml"), **kw)


def _poly(lon0, lat0, d=0.004):
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d], [lon0, lat0]]
        ],
    }


# --- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "name: x\noperations:\n  - op: add_lnd\n",
            r"t.yaml: line 3: field 'operations.0.op': unknown operation 'add_lnd'",
        ),
        ("name: x\noperations: [\n", r"t.yaml: line \d+: not valid YAML"),
        ("description: no name\n", r"field 'name': is required"),
        ("name: x\nphase: 2040\n", r"field 'phase': unknown phase"),
        (
            "name: x\noperations:\n  - op: change_use\n    parcels: [A]\n    land_use: 701\n",
            r"line 5: field 'operations.0.land_use': write land-use codes as quoted text",
        ),
        (
            "name: x\noperations:\n  - op: add_land\n    geometry: {layer: structure, id: E13}\n"
            '    mix: {"100101": 0.5, "0802": 0.2}\n',
            r"line 5: field 'operations.0.mix': shares must add up to 1",
        ),
        (
            "name: x\noperations:\n  - op: allocate\n    demand: {造船: 10}\n",
            r"field 'operations.0.demand.造船': unknown industry",
        ),
        (
            "name: x\noperations:\n  - op: raise_far\n    parcels: [A]\n    far: 2\n    colour: red\n",
            r"line 6: field 'operations.0.colour': unknown key",
        ),
        (
            "name: x\noperations:\n  - op: expand_facility\n    facility: WWTP05\n    capacity: {2040: 5}\n",
            r"field 'operations.0.capacity.2040': unknown phase",
        ),
        (
            "name: x\noperations:\n  - op: raise_far\n    parcels: [A]\n    far: -1\n",
            r"field 'operations.0.far': must be ≥",
        ),
        (
            'name: x\noperations:\n  - op: add_land\n    land_use: "100101"\n'
            "    geometry: {type: Polygon, coordinates: [[[0, 0]]]}\n",
            r"line 5: field 'operations.0.geometry': not valid GeoJSON",
        ),
    ],
)
def test_malformed_scenarios_name_line_and_field(text, match):
    with pytest.raises(SchemaError, match=match):
        S.parse_scenario(text, source="t.yaml")


def test_examples_parse_and_describe_themselves():
    assert len(EXAMPLES) == 4
    for p in EXAMPLES:
        sc = S.load_scenario(p)
        assert sc.name and sc.description and sc.phase in ("current", "2025", "2035")


def test_non_utf8_file_is_refused(tmp_path):
    p = tmp_path / "gbk.yaml"
    p.write_bytes("name: 西拓\n".encode("gbk"))
    with pytest.raises(SchemaError, match="not UTF-8"):
        S.load_scenario(p)


# --- references into the zone (checked when applied) -------------------------------------------------


@pytest.mark.parametrize(
    ("ops", "match"),
    [
        (
            '  - op: change_use\n    parcels: [NOPE-1, DL-LS-0001]\n    land_use: "0701"\n',
            r"line 4: field 'operations.0.parcels': unknown parcel id\(s\): NOPE-1",
        ),
        (
            '  - op: add_land\n    land_use: "100101"\n    geometry: '
            + json.dumps(_poly(116.3, 39.9))
            + "\n",
            r"field 'operations.0.geometry': the geometry lies \d+\.\d km outside the zone",
        ),
        (
            "  - op: expand_facility\n    facility: 不存在的厂\n    capacity: {2035: 1}\n",
            r"field 'operations.0.facility': no substation or sewage plant '不存在的厂'",
        ),
        (
            '  - op: add_land\n    land_use: "100101"\n    geometry: {layer: structure, id: E99}\n',
            r"field 'operations.0.geometry': no feature E99 in layer 'structure'",
        ),
        (
            "  - op: raise_far\n    where: {plate: 月球}\n    far: 2\n",
            r"field 'operations.0.where.plate': unknown plate",
        ),
    ],
)
def test_bad_references_name_line_and_field(ops, match):
    with pytest.raises(GeoplanError, match=match):
        run("name: x\noperations:\n" + ops)


# --- operations ----------------------------------------------------------------------------------


def test_add_land_splits_mix_clips_parcels_and_adds_firms(sample_zone):
    # a square around a built parcel: part of it is taken by existing parcels and must be clipped
    p = sample_zone.layers["parcels"]
    pt = p[p["status"] == "built"].to_crs(4326).geometry.iloc[0].representative_point()
    geom = _poly(pt.x - 0.005, pt.y - 0.005, 0.01)
    res = run(f"""name: 加地
phase: current
operations:
  - op: add_land
    name: 测试组团
    geometry: {json.dumps(geom)}
    mix: {{"100101": 0.7, "1401": 0.3}}
    far: 1.2
    industry: 智能制造
""")
    rep = res.operations[0]
    new = res.layers["parcels"]
    new = new[new["parcel_id"].str.startswith("SC01-")]
    assert rep["parcels_added"] == len(new) > 0
    # the new land never overlaps an existing parcel (clipped), and the mix holds by area
    base = sample_zone.layers["parcels"]
    hit = base.sindex.query(new.geometry.to_numpy(), predicate="overlaps")
    assert (
        len(hit[0]) == 0
        or shapely.area(
            shapely.intersection(new.geometry.to_numpy()[hit[0]], base.geometry.to_numpy()[hit[1]])
        ).max()
        < 1.0
    )
    share = new.groupby("land_use")["area_mu"].sum() / new["area_mu"].sum()
    assert share["100101"] == pytest.approx(0.7, abs=0.005)
    import geopandas as gpd

    from geoplan.data.crs import WORKING_CRS

    requested = (
        gpd.GeoSeries([shapely.geometry.shape(geom)], crs=4326).to_crs(WORKING_CRS).area.iloc[0]
        / M2_PER_MU
    )
    assert (
        rep["area_mu"] + rep["clipped_mu"] == pytest.approx(requested, rel=1e-3)
        and rep["clipped_mu"] > 0
    )
    ind = new[new["land_use"] == "100101"]
    assert (ind["far"] == 1.2).all() and ind["area_mu"].median() < 80  # subdivided into plots
    firms = res.layers["firms"]
    assert firms["parcel_id"].isin(ind["parcel_id"]).sum() == rep["firms_added"] > 0
    assert set(firms.loc[firms["parcel_id"].isin(ind["parcel_id"]), "industry"]) == {"智能制造"}
    assert res.kpis["land_industrial_mu"] > S.run_scenario(EXAMPLES[0]).kpis["land_industrial_mu"]


def test_add_land_inside_a_hard_constraint_is_a_violation(sample_zone):
    cons = sample_zone.layers["constraints"]
    forest = cons[cons["kind"] == "forest_park"].to_crs(4326).geometry.iloc[0]
    pt = forest.representative_point()
    geom = _poly(pt.x - 0.002, pt.y - 0.002, 0.004)
    text = f"""name: 森林公园内开发
operations:
  - op: add_land
    geometry: {json.dumps(geom)}
    land_use: "0701"
    far: 2.0
"""
    res = run(text)
    assert res.kpis["constraint_violation_mu"] > 100
    assert any(a["alert"] == "constraint" for a in res.alerts)
    with pytest.raises(
        GeoplanError, match=re.escape("line 4: field 'operations.0.geometry': no free land left")
    ):
        run(text + "    avoid_constraints: true\n")  # all of it is forest park: nothing left to add


def test_avoid_constraints_clips_hard_constraints(sample_zone):
    cons = sample_zone.layers["constraints"]
    forest = cons[cons["kind"] == "forest_park"].to_crs(4326).geometry.iloc[0]
    x0, y0, _, y1 = forest.bounds
    geom = _poly(x0 - 0.003, (y0 + y1) / 2, 0.006)  # straddles the forest park's western edge
    res = run(f"""name: 退让
operations:
  - op: add_land
    geometry: {json.dumps(geom)}
    land_use: "100101"
    avoid_constraints: true
""")
    assert res.operations[0]["avoided_constraints_mu"] > 0
    assert res.kpis["constraint_violation_mu"] == pytest.approx(0, abs=0.5)


def test_change_use_and_raise_far(sample_zone):
    p = sample_zone.layers["parcels"]
    ind = p[
        (p["land_use"].str.startswith("1001")) & (p["status"] == "built") & (p["far"] < 1.0)
    ].head(3)
    ids = list(ind["parcel_id"])
    res = run(f"""name: 改造
operations:
  - op: raise_far
    name: 工业上楼
    parcels: {json.dumps(ids)}
    far: 3.0
  - op: change_use
    parcels: [{ids[0]}]
    land_use: "0701"
    far: 2.5
    firms: remove
""")
    after = res.layers["parcels"].set_index("parcel_id")
    assert after.loc[ids[1], "far"] == 3.0 and after.loc[ids[0], "land_use"] == "0701"
    gain = float(((3.0 - ind["far"]) * ind["area_m2"]).sum())
    assert res.operations[0]["floor_added_m2"] == pytest.approx(gain, abs=1)  # reported in whole m²
    assert res.operations[1]["firms_removed"] >= 1
    assert not res.layers["firms"]["parcel_id"].eq(ids[0]).any()
    changed = res.changed.set_index("parcel_id")
    assert "far" in changed.loc[ids[1], "change"] and "firms" in changed.loc[ids[1], "change"]
    assert "land_use" in changed.loc[ids[0], "change"]


def test_replace_firms_uses_the_a_class_median_of_the_industry():
    res = S.run_scenario(EXAMPLES[3])
    rep = res.operations[0]
    assert rep["firms_replaced"] > 0 and rep["tax_after_wan"] > rep["tax_before_wan"]
    base = S.run_scenario(EXAMPLES[0])
    assert res.kpis["tax_100m"] > base.kpis["tax_100m"]
    assert res.kpis["class_D"] <= base.kpis["class_D"]


def test_facilities_change_the_balance():
    res = run("""name: 设施
phase: 2025
operations:
  - op: add_facility
    name: 新变电所
    kind: substation
    location: [121.45, 38.86]
    capacity: {2025: 100}
  - op: expand_facility
    facility: 黄泥川污水处理厂
    capacity: {2025: 40000}
""")
    b = res.balance.set_index("name")
    assert b.loc["新变电所", "capacity"] == 100 and b.loc["新变电所", "demand"] > 0
    assert b.loc["黄泥川污水处理厂", "capacity"] == 40000
    assert (
        res.operations[1]["before"]["2035"] == 10000 and res.operations[1]["after"]["2035"] == 40000
    )


def test_add_road_changes_accessibility_of_the_network():
    res = run("""name: 路
phase: current
operations:
  - op: add_road
    name: 测试路
    road_class: secondary
    status: built
    geometry: {type: LineString, coordinates: [[121.40, 38.85], [121.43, 38.85]]}
""")
    roads = res.layers["roads"]
    assert (roads["name"] == "测试路").sum() == 1 and res.operations[0]["length_km"] > 2


# --- allocation ----------------------------------------------------------------------------------


def test_allocation_within_capacity_reports_what_it_cannot_place():
    res = run("""name: 容量耗尽
phase: 2025
operations:
  - op: allocate
    demand: {智能制造: 60000, 新材料: 500}
    land_use: "100101"
    far: 2.0
""")
    un = {u["industry"]: u for u in res.unplaced}
    assert "智能制造" in un and un["智能制造"]["unplaced_mu"] > 0
    reasons = {r["reason"] for r in un["智能制造"]["reasons"]}
    assert reasons & {"substation_headroom", "sewage_plant_headroom", "no_land"}
    rep = res.operations[0]
    assert rep["placed_mu"]["智能制造"] + un["智能制造"]["unplaced_mu"] == pytest.approx(
        60000, abs=1
    )
    # nothing placed where the facilities had no headroom: every facility that received allocated
    # land ends within its capacity (allowing for the land's own access point choosing a neighbour)
    p = res.layers["parcels"]
    alloc = set(
        p.loc[
            p["parcel_id"].str.startswith("AL")
            | p["parcel_id"].isin(
                res.changed.loc[res.changed["note"].str.contains("配置"), "parcel_id"]
            ),
            "parcel_id",
        ]
    )
    assert alloc
    ip = res.infra.parcels.set_index("parcel_id")
    got = set(ip.loc[list(alloc), "substation_id"].dropna())
    base = S.run_scenario(
        S.parse_scenario("name: b\nphase: 2025\n", source="b.yaml")
    ).balance.set_index("facility_id")
    after = res.balance.set_index("facility_id")
    was_ok = [f for f in got if base.loc[f, "utilisation"] <= 0.98]
    assert was_ok and all(after.loc[f, "utilisation"] <= 1.05 for f in was_ok)
    # and never on a hard constraint
    assert res.kpis["constraint_violation_mu"] == pytest.approx(
        base_kpi("constraint_violation_mu"), abs=0.5
    )


def base_kpi(key):
    return S.run_scenario(S.parse_scenario("name: b\nphase: 2025\n", source="b.yaml")).kpis[key]


def test_allocation_without_capacity_check_places_more():
    text = """name: 不查容量
phase: 2025
operations:
  - op: allocate
    demand: {智能制造: 3000}
    capacity_check: {check}
"""
    on = run(text.replace("{check}", "true"))
    off = run(text.replace("{check}", "false"))
    placed_on = on.operations[0]["placed_mu"]["智能制造"]
    placed_off = off.operations[0]["placed_mu"]["智能制造"]
    assert placed_off == pytest.approx(3000, abs=1) and placed_off >= placed_on


# --- examples, comparison, persistence -----------------------------------------------------------


def _tree_digest() -> dict[str, str]:
    files = [*LAYERS_DIR.rglob("*"), *DATA_DIR.rglob("*")]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def test_examples_run_compare_and_leave_the_base_byte_identical(tmp_path, sample_zone):
    before = _tree_digest()
    base_parcels = sample_zone.layers["parcels"].copy()
    results = S.run_many(EXAMPLES)
    c = S.compare(results)
    assert c.names[0] == "现状基准" and len(c.names) == 4
    t = c.table
    for n in c.names[1:]:
        np.testing.assert_allclose(
            t[f"Δ {n}"].to_numpy(float), (t[n] - t[c.names[0]]).to_numpy(float)
        )
    # the western expansion adds land outside the zone and new jobs; 工业上楼 adds floor area
    assert t.loc["expansion_mu", "西拓北延远期2035"] > 10000
    assert t.loc["jobs", "Δ 西拓北延远期2035"] > 0
    assert t.loc["floor_10k_m2", "Δ 十四五近期2025"] > 0
    assert c.diff(2)["change"].str.contains("added").sum() > 100
    for r in results:
        out = r.write(tmp_path)
        assert out.exists()
    assert not list(tmp_path.glob("*.tmp*")) and not list(tmp_path.glob(".*"))
    assert _tree_digest() == before
    import pandas as pd

    pd.testing.assert_frame_equal(sample_zone.layers["parcels"], base_parcels)
    from geoplan.zone import load_zone

    pd.testing.assert_frame_equal(load_zone(copy=False).layers["parcels"], base_parcels)


def test_results_are_deterministic_and_carry_provenance():
    a = S.run_scenario(EXAMPLES[2]).summary()
    b = S.run_scenario(EXAMPLES[2]).summary()
    for doc in (a, b):
        doc["provenance"].pop("created")
        doc["provenance"].pop("seconds")
    assert a == b
    prov = a["provenance"]
    assert len(prov["scenario_sha256"]) == 64 and "parcels.parquet" in prov["inputs_sha256"]
    assert prov["scheme"] == "dalian_default" and "geoplan" in prov["versions"]


def test_written_geopackage_has_every_layer(tmp_path):
    import pyogrio

    res = S.run_scenario(EXAMPLES[1])
    out = res.write(tmp_path / "r.gpkg")
    names = {n for n, _ in pyogrio.list_layers(out)}
    assert {
        "parcels",
        "changed_parcels",
        "facilities",
        "kpis",
        "provenance",
        "scenario_yaml",
    } <= names
    prov = pyogrio.read_dataframe(out, layer="provenance")
    assert "scenario_sha256" in set(prov["key"])


# --- geometry helpers ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=5), st.floats(0, 170), st.floats(0.2, 3))
def test_split_by_shares_tiles_the_polygon(shares, angle, aspect):
    import shapely.affinity

    g = shapely.affinity.rotate(shapely.box(0, 0, 1000 * aspect, 1000), angle)
    g = g.difference(shapely.Point(300, 300).buffer(150))
    parts = split_by_shares(g, shares)
    areas = np.array([p.area for p in parts])
    assert areas.sum() == pytest.approx(g.area, rel=1e-6)
    np.testing.assert_allclose(areas / g.area, np.array(shares) / sum(shares), atol=1e-4)
    assert shapely.union_all(parts).symmetric_difference(g).area < 1e-3 * g.area


def test_subdivide_makes_plots_of_about_the_target_size():
    g = shapely.box(0, 0, 3000, 2000)
    plots = subdivide(g, 50)
    areas = np.array([p.area for p in plots]) / M2_PER_MU
    assert areas.sum() == pytest.approx(g.area / M2_PER_MU, rel=1e-6)
    assert 30 < np.median(areas) < 70 and areas.min() > 50 / 3 - 1e-6


# --- CLI ------------------------------------------------------------------------------------------


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "geoplan", *args], capture_output=True, text=True, timeout=600
    )


def test_cli_run_and_compare_json(tmp_path):
    r = _cli("scenario", "run", str(EXAMPLES[3]), "--json", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"name", "kpis", "alerts", "unplaced"} <= set(doc) and Path(doc["output"]).exists()
    c = _cli("scenario", "compare", *map(str, EXAMPLES[:2]), "--json")
    assert c.returncode == 0, c.stderr
    cd = json.loads(c.stdout)
    assert [s["name"] for s in cd["scenarios"]] == ["现状基准", "十四五近期2025"]
    row = next(r for r in cd["table"] if r["key"] == "floor_10k_m2")
    assert row["delta"]["十四五近期2025"] > 0


@pytest.mark.parametrize(
    "text",
    [
        "name: x\noperations:\n  - op: teleport\n",
        'name: x\noperations:\n  - op: change_use\n    parcels: [ZZZ]\n    land_use: "0701"\n',
        "name: [broken\n",
        'name: x\noperations:\n  - op: add_land\n    land_use: "100101"\n'
        "    geometry: {type: Polygon, coordinates: [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10]]]}\n",
    ],
)
def test_cli_bad_scenarios_exit_2_without_traceback(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    r = _cli("scenario", "run", str(p))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "bad.yaml" in r.stderr


def test_allocation_within_a_polygon_stays_inside_it(sample_zone):
    res = run("""name: 限定范围
phase: 2035
operations:
  - op: allocate
    demand: {新材料: 300}
    within: {layer: structure, id: E09}
    capacity_check: false
""")
    area = sample_zone.layers["structure"].set_index("element_id").geometry["E09"]
    p = res.layers["parcels"]
    placed = p[
        p["parcel_id"].isin(
            res.changed.loc[res.changed["note"].str.contains("按容量约束配置用地"), "parcel_id"]
        )
    ]
    assert len(placed) and placed["land_use"].eq("100101").all()
    assert placed["area_mu"].sum() == pytest.approx(300, abs=1)
    assert shapely.intersects(placed.geometry.to_numpy(), area).all()
    inside = shapely.area(shapely.intersection(placed.geometry.to_numpy(), area)).sum()
    assert inside / placed.geometry.area.sum() > 0.95


def test_split_survives_a_degenerate_geos_rectangle():
    """GEOS returns a two-corner 'rectangle' for this valid polygon (found by hypothesis): the
    cut axis then comes from rotating calipers and the halves still tile the polygon."""
    import shapely.affinity

    from geoplan.scenario.land import rectangle_corners

    g = shapely.affinity.rotate(shapely.box(0, 0, 1000 * 1.620537029146905, 1000), 100.0)
    g = g.difference(shapely.Point(300, 300).buffer(150))
    assert shapely.Polygon(rectangle_corners(g)).area >= g.area
    parts = split_by_shares(g, [1.0, 1.0])
    np.testing.assert_allclose([p.area / g.area for p in parts], [0.5, 0.5], atol=1e-4)


# --- the registry of operations ----------------------------------------------------------------------


def test_one_registry_names_params_apply_and_kpis():
    from geoplan.scenario.kpis import KPI_BY_KEY, KPI_GROUPS
    from geoplan.scenario.models import OpBase
    from geoplan.scenario.ops import OPERATIONS

    assert set(OPERATIONS) == {
        "add_land",
        "change_use",
        "replace_firms",
        "raise_far",
        "add_facility",
        "expand_facility",
        "add_road",
        "allocate",
    }
    assert S.OPERATIONS is OPERATIONS
    grouped = {k for keys in KPI_GROUPS.values() for k in keys}
    assert grouped == set(KPI_BY_KEY)  # every KPI belongs to exactly one group
    for name, d in OPERATIONS.items():
        assert d.name == name and issubclass(d.params, OpBase) and callable(d.apply)
        assert {"op", "name", "note"} <= d.keys and d.kpis and set(d.kpis) <= set(KPI_BY_KEY)


@pytest.mark.parametrize(
    "op",
    [
        "  - op: expand_facility\n    facility: 黄泥川污水处理厂\n    capacity: {2035: 60000}\n",
        "  - op: replace_firms\n    where: {class: D}\n    profile: {industry: 数字技术}\n",
    ],
)
def test_an_operation_changes_only_the_kpis_it_declares(op):
    from geoplan.scenario.ops import OPERATIONS

    base = run("name: b\nphase: 2035\n").kpis
    res = run("name: x\nphase: 2035\noperations:\n" + op)
    changed = {k for k, v in base.items() if not np.isclose(v, res.kpis[k], rtol=1e-9, atol=1e-9)}
    declared = set(OPERATIONS[res.operations[0]["op"]].kpis)
    assert changed and changed <= declared, changed - declared


def test_unknown_key_lists_the_keys_the_operation_takes():
    with pytest.raises(
        SchemaError, match=r"field 'operations.0.where.klass': unknown key; allowed: class"
    ):
        S.parse_scenario(
            "name: x\noperations:\n  - op: replace_firms\n    where: {klass: D}\n", source="t.yaml"
        )
    with pytest.raises(SchemaError, match=r"'operations.0.colour': unknown key; allowed: .*factor"):
        S.parse_scenario(
            "name: x\noperations:\n  - op: raise_far\n    parcels: [A]\n    far: 2\n    colour: red\n",
            source="t.yaml",
        )


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (".inf", "not finite"),
        ("1e308", "out of range"),
        ("-1", "must be ≥ 1"),
        ("abc", "must be a number"),
    ],
)
def test_numbers_are_finite_and_in_range(value, needle):
    text = f"name: x\noperations:\n  - op: raise_far\n    parcels: [A]\n    factor: {value}\n"
    with pytest.raises(SchemaError, match=rf"line 5: field 'operations.0.factor': {needle}"):
        S.parse_scenario(text, source="t.yaml")
