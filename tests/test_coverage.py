"""geoplan.analysis.coverage: 500米见园 / 50米见绿 / service radii on a tiny street with known answers.

The fixture is one straight branch road along y = 0 (x 0…2000 m, local coordinates shifted into the
zone). Residential parcels are 100 m × 100 m blocks 20 m north of the road (y 20…120):

    R200 x 200–300 far 2 | R400 x 400–500 far 1 | R700 x 700–800 far 3 | R800 x 800–900 far 1
    RUC  x 1000–1100 under construction, far 0 (floor = land) | R1600 x 1600–1700 far 1
    RRES x 2100–2200 reserve (never counted)

Walking distance = access leg of the source + along the road + access leg of the parcel (20 m),
from the nearest point of each geometry, e.g. big park F1 (top edge 10 m south of the road, x 0–80)
to R200: 10 + (200 − 80) + 20 = 150 m.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.analysis import coverage as C
from geoplan.analysis.network import build_network
from geoplan.data.crs import WGS84, WORKING_CRS
from geoplan.errors import CRSError, GeoplanError, SchemaError

X0, Y0 = 500_000.0, 4_300_000.0


def box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy):
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def parcels_frame(rows):
    ids, lu, far, status, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {
            "parcel_id": list(ids),
            "land_use": list(lu),
            "area_m2": [shapely.area(g) for g in geoms],
            "far": list(far),
            "status": list(status),
        },
        geometry=list(geoms),
        crs=WORKING_CRS,
    )


def facilities_frame(rows):
    ids, kind, status, area, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {
            "facility_id": list(ids),
            "name": list(ids),
            "kind": list(kind),
            "status": list(status),
            "area_m2": [np.nan if a is None else float(a) for a in area],
        },
        geometry=list(geoms),
        crs=WORKING_CRS,
    )


def roads_frame(rows):
    ids, cls, status, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"road_id": list(ids), "name": list(ids), "road_class": list(cls), "status": list(status)},
        geometry=list(geoms),
        crs=WORKING_CRS,
    )


def street_parcels():
    return parcels_frame(
        [
            ("R200", "0701", 2.0, "built", box(200, 20, 300, 120)),
            ("R400", "0701", 1.0, "built", box(400, 20, 500, 120)),
            ("R700", "0702", 3.0, "built", box(700, 20, 800, 120)),
            ("R800", "0701", 1.0, "built", box(800, 20, 900, 120)),
            ("RUC", "0701", 0.0, "under_construction", box(1000, 20, 1100, 120)),
            ("R1600", "0701", 1.0, "built", box(1600, 20, 1700, 120)),
            ("RRES", "0701", 1.0, "reserve", box(2100, 20, 2200, 120)),
            ("IND", "1001", 1.0, "built", box(1300, 20, 1400, 120)),
            ("GREEN", "1402", 0.0, "built", box(200, 150, 300, 160)),  # strip 30 m north of R200
            (
                "PARKP",
                "1401",
                0.0,
                "idle",
                box(1800, 20, 1900, 80),
            ),  # 6,000 m² 公园绿地, idle: 2035 only
        ]
    )


def street_facilities():
    return facilities_frame(
        [
            ("F1", "park", "existing", None, box(0, -90, 80, -10)),  # 6,400 m² from the polygon
            ("F2", "park", "existing", 3000, box(1200, -40, 1300, -10)),  # small tier: 300 m only
            ("F3", "park", "planned", 8000, pt(750, -40)),
            ("F4", "park", "existing", None, pt(1650, -20)),  # point without area → warning
            ("F5", "school", "existing", None, pt(450, -25)),
            ("F6", "kindergarten", "planned", None, pt(1650, -30)),
            ("F7", "hospital", "existing", None, pt(1000, -500)),
            ("F8", "clinic", "existing", None, pt(150, -5)),
        ]
    )


def street_roads(expressway_class="expressway"):
    return roads_frame(
        [
            ("A", "branch", "built", line((0, 0), (2000, 0))),
            # would bring the hospital to R1600 in 781 m + 20 m, but expressways are not walkable
            ("X", expressway_class, "built", line((1000, -500), (1600, 0))),
        ]
    )


@pytest.fixture(scope="module")
def street():
    return street_parcels(), street_facilities(), street_roads()


@pytest.fixture(scope="module")
def current(street):
    return C.service_coverage(*street, phase="current")


@pytest.fixture(scope="module")
def near(street):
    return C.service_coverage(*street, phase="2025")


def col(result, name):
    t = result.parcels.set_index("parcel_id")
    return {pid: t.at[pid, name] for pid in t.index}


# --- distances and flags -------------------------------------------------------------------


def test_parcels_counted_per_phase(current, near, street):
    assert list(current.parcels.parcel_id) == ["R200", "R400", "R700", "R800", "R1600"]
    assert list(near.parcels.parcel_id) == ["R200", "R400", "R700", "R800", "RUC", "R1600"]
    far2035 = C.service_coverage(*street, phase="远期")
    assert far2035.phase == "2035" and "RRES" not in set(far2035.parcels.parcel_id)
    assert col(current, "floor_m2") == pytest.approx(
        {"R200": 20000, "R400": 10000, "R700": 30000, "R800": 10000, "R1600": 10000}
    )


def test_park_tiers_walking_distances(current):
    large, small = col(current, "park_500m_large_m"), col(current, "park_500m_small_m")
    assert large["R200"] == pytest.approx(150, abs=1e-6)  # 10 + 120 + 20 from F1
    assert large["R400"] == pytest.approx(350, abs=1e-6)
    assert math.isinf(large["R700"])  # 650 m > 500 m
    assert small["R200"] == pytest.approx(150, abs=1e-6)
    assert math.isinf(small["R400"])  # 350 m > 300 m
    # F2 (3,000 m²) is 10 + 400 + 20 = 430 m from R700 and 330 m from R1600: beyond its 300 m tier
    assert math.isinf(small["R700"]) and math.isinf(small["R1600"])
    d = col(current, "park_500m_m")
    assert d["R200"] == pytest.approx(150, abs=1e-6) and d["R400"] == pytest.approx(350, abs=1e-6)
    assert col(current, "park_500m") == {
        "R200": True,
        "R400": True,
        "R700": False,
        "R800": False,
        "R1600": False,
    }


def test_small_park_counts_within_300m(near):
    small = col(near, "park_500m_small_m")
    assert small["RUC"] == pytest.approx(130, abs=1e-6)  # F2: 10 + 100 + 20
    assert col(near, "park_500m")["RUC"]


def test_frontage_parallel_to_the_road_is_measured_from_its_nearest_point(near, current):
    # the planned park F3 (point at x 750) faces the middle of R700's 100 m frontage: 40 + 0 + 20,
    # not the 40 + 50 + 20 a single corner attachment would give
    assert col(near, "park_500m_large_m")["R700"] == pytest.approx(60, abs=1e-6)
    assert col(near, "park_500m_large_m")["R800"] == pytest.approx(110, abs=1e-6)
    assert col(current, "school_m")["R400"] == pytest.approx(45, abs=1e-6)


def test_services_walking_distances(current, near):
    school = col(current, "school_m")
    assert school == pytest.approx(
        {"R200": 195, "R400": 45, "R700": 295, "R800": 395, "R1600": np.inf}, abs=1e-6
    )
    clinic = col(
        current, "clinic_m"
    )  # clinic F8 (R200…R700) and hospital F7 (R800: 500 + 100 + 20)
    assert clinic == pytest.approx(
        {"R200": 75, "R400": 275, "R700": 575, "R800": 620, "R1600": np.inf}, abs=1e-6
    )
    assert col(near, "clinic_m")["RUC"] == pytest.approx(520, abs=1e-6)  # hospital: 500 + 0 + 20
    assert col(current, "clinic") == {
        "R200": True,
        "R400": True,
        "R700": True,
        "R800": True,
        "R1600": False,
    }
    assert col(near, "kindergarten_m")["R1600"] == pytest.approx(50, abs=1e-6)
    assert math.isinf(col(near, "kindergarten_m")["RUC"])  # 600 m > 300 m


def test_green_50m_is_straight_line_from_the_boundary(current, near):
    g = col(current, "green_50m_m")
    assert g["R200"] == pytest.approx(30)  # the 1402 strip
    assert g["R400"] == pytest.approx(math.hypot(100, 30))
    assert g["R1600"] == pytest.approx(40)  # a point park without area still is green space
    assert col(current, "green_50m") == {
        "R200": True,
        "R400": False,
        "R700": False,
        "R800": False,
        "R1600": True,
    }
    assert col(near, "green_50m_m")["R700"] == pytest.approx(60)  # planned point park F3


# --- shares, gaps, summary -----------------------------------------------------------------


def test_shares_are_weighted_by_floor_area(current, near):
    assert current.shares == pytest.approx(
        {
            "park_500m": 30000 / 80000,
            "green_50m": 30000 / 80000,
            "kindergarten": 0.0,
            "school": 70000 / 80000,
            "clinic": 70000 / 80000,
        }
    )
    assert near.shares["park_500m"] == pytest.approx(80000 / 90000)
    assert near.shares["kindergarten"] == pytest.approx(10000 / 90000)
    assert list(current.shares) == ["park_500m", "green_50m", "kindergarten", "school", "clinic"]


def test_gaps_are_dissolved_patches(current):
    g = current.gaps
    assert g.crs == WORKING_CRS
    park = g[g.standard == "park_500m"].reset_index(drop=True)
    assert len(park) == 2  # R700 + R800 touch → one patch; R1600 alone
    assert park.area_m2.tolist() == pytest.approx([20000, 10000])
    assert park.floor_m2.tolist() == pytest.approx([40000, 10000])
    assert park.n_parcels.tolist() == [2, 1]
    assert park.geometry.iloc[0].equals(box(700, 20, 900, 120))
    kg = g[g.standard == "kindergarten"]  # nothing covered: every parcel is in a gap
    assert kg.n_parcels.sum() == 5 and kg.floor_m2.sum() == pytest.approx(80000)
    assert set(g.geom_type) == {"Polygon"}
    assert list(g.columns) == ["standard", "area_m2", "floor_m2", "n_parcels", "geometry"]


def test_summary_is_json_ready(current, near):
    s = current.summary()
    text = json.dumps(s, allow_nan=False)
    assert json.loads(text)["phase"] == "current"
    assert set(s) == {"phase", "shares", "residential_floor_m2", "gaps", "warnings"}
    assert s["residential_floor_m2"] == pytest.approx(80000)
    assert s["gaps"]["park_500m"] == {"area_m2": 30000.0, "floor_m2": 50000.0, "n_parcels": 3}
    assert s["shares"]["park_500m"] == pytest.approx(0.375)
    assert near.summary()["gaps"]["park_500m"]["n_parcels"] == 1


def test_no_residential_parcels_gives_undefined_shares(street):
    parcels, fac, roads = street
    r = C.service_coverage(parcels[~parcels.land_use.str.startswith("07")], fac, roads)
    assert len(r.parcels) == 0 and r.gaps.empty and r.gaps.crs == WORKING_CRS
    assert all(math.isnan(v) for v in r.shares.values())
    s = r.summary()
    assert s["shares"] == dict.fromkeys(C.REQUIRED_STANDARDS)
    assert s["residential_floor_m2"] == 0.0
    json.dumps(s, allow_nan=False)
    assert any("no residential parcels" in w for w in r.warnings)


# --- phases and warnings -------------------------------------------------------------------


def test_planned_park_counts_in_2025_not_current(current, near):
    assert not col(current, "park_500m")["R700"]
    assert col(near, "park_500m")["R700"]


def test_idle_green_parcel_counts_as_park_in_2035(street, near):
    assert not col(near, "park_500m")["R1600"]
    r = C.service_coverage(*street, phase=2035)
    assert col(r, "park_500m_large_m")["R1600"] == pytest.approx(140, abs=1e-6)  # 20 + 100 + 20
    assert r.shares["park_500m"] == pytest.approx(1.0)


def test_warnings(current, near):
    assert any("F4" in w and "area_m2" in w for w in current.warnings)
    assert any(w.startswith("kindergarten:") for w in current.warnings)
    assert not any(w.startswith("kindergarten:") for w in near.warnings)
    far = [w for w in near.warnings if "FAR" in w]
    assert len(far) == 1 and "RUC" in far[0]
    assert not any("FAR" in w for w in current.warnings)


def test_expressways_are_not_walkable(street):
    parcels, fac, _ = street
    walk = C.service_coverage(parcels, fac, street_roads(expressway_class="secondary"))
    assert col(walk, "clinic_m")["R1600"] == pytest.approx(math.hypot(600, 500) + 20, abs=1e-6)
    assert math.isinf(col(C.service_coverage(parcels, fac, street_roads()), "clinic_m")["R1600"])


def test_roads_are_filtered_by_phase():
    # two parallel streets 600 m apart; the link between them is only planned
    roads = roads_frame(
        [
            ("A", "branch", "built", line((0, 0), (2000, 0))),
            ("B", "branch", "built", line((0, 600), (2000, 600))),
            ("L", "branch", "planned", line((1000, 0), (1000, 600))),
        ]
    )
    parcels = parcels_frame([("N", "0701", 1.0, "built", box(950, 620, 1050, 700))])
    fac = facilities_frame([("H", "clinic", "existing", None, pt(1000, -20))])
    for phase in ("current", "2025"):
        assert math.isinf(
            col(C.service_coverage(parcels, fac, roads, phase=phase), "clinic_m")["N"]
        )
    r = C.service_coverage(parcels, fac, roads, phase="2035")
    assert col(r, "clinic_m")["N"] == pytest.approx(640, abs=1e-6)


def test_prebuilt_network_is_used_as_given(street, current):
    parcels, fac, roads = street
    net = build_network(roads[roads.road_class != "expressway"])
    r = C.service_coverage(parcels, fac, network=net)
    assert r.parcels.drop(columns="parcel_id").equals(current.parcels.drop(columns="parcel_id"))


def test_no_walkable_road_warns(street):
    parcels, fac, roads = street
    r = C.service_coverage(parcels, fac, roads[roads.road_class == "expressway"])
    assert any("no walkable road" in w for w in r.warnings)
    assert r.shares["school"] == 0.0 and r.shares["green_50m"] > 0


def test_pruned_sites_match_every_candidate():
    """The exact pruning in _sites must not change any distance (random streets and blocks)."""
    rng = np.random.default_rng(7)
    roads = roads_frame(
        [
            (f"H{i}", "branch", "built", line((0, 250 * i + rng.uniform(-30, 30)), (1500, 250 * i)))
            for i in range(6)
        ]
        + [
            (f"V{i}", "branch", "built", line((300 * i, 0), (300 * i + rng.uniform(-40, 40), 1300)))
            for i in range(6)
        ]
    )
    net = build_network(roads)
    xy = rng.uniform(0, 1300, (60, 2))
    targets = np.array(
        [
            shapely.affinity.rotate(
                box(x, y, x + rng.uniform(30, 150), y + rng.uniform(30, 90)), rng.uniform(0, 90)
            )
            for x, y in xy
        ]
    )
    sources = np.array(
        [box(x, y, x + 60, y + 40) for x, y in rng.uniform(0, 1300, (5, 2))]
        + [pt(x, y) for x, y in rng.uniform(0, 1300, (5, 2))]
    )
    step = 10.0
    tsites = C._sites(net, targets, step, 1000)
    got = C._walk(net, C._sites(net, sources, step, 400), tsites, 400)
    cand, owner = C._candidates(targets, step)

    def every_candidate(src: np.ndarray, radius: float) -> np.ndarray:
        d, _ = net.nearest_source(C._candidates(src, step)[0], cand, limit=radius)
        want = np.full(len(targets), np.inf)
        np.minimum.at(want, owner, d)
        return want

    want = every_candidate(sources, 400)
    assert np.isfinite(want).sum() > 10 and np.isinf(want).sum() > 0
    np.testing.assert_allclose(got, want, atol=1e-6)
    # sources attached once with a longer access limit, then a subset of them at a shorter radius
    # (what service_coverage does for the tiers and kinds): the same distances
    wide = C._sites(net, sources, step, 1000)
    for radius in (150.0, 400.0):
        for mask in (np.arange(len(sources)) % 2 == 0, np.arange(len(sources)) >= 3):
            got = C._walk(net, wide.of(mask), tsites, radius)
            np.testing.assert_allclose(got, every_candidate(sources[mask], radius), atol=1e-6)


# --- standards file ------------------------------------------------------------------------


def test_default_standards():
    s = C.load_standards()
    assert list(s["standards"]) == list(C.REQUIRED_STANDARDS)
    park = s["standards"]["park_500m"]
    assert [(t["min_area_m2"], t["radius_m"]) for t in park["tiers"]] == [(5000, 500), (2000, 300)]
    assert s["standards"]["green_50m"]["radius_m"] == 50
    assert s["standards"]["kindergarten"]["radius_m"] == 300
    assert s["standards"]["school"]["radius_m"] == 500
    assert s["standards"]["clinic"] == {
        **s["standards"]["clinic"],
        "kinds": ["clinic", "hospital"],
        "radius_m": 1000,
    }
    assert all(v["verified"] is False and v["source"] for v in s["standards"].values())
    assert "GB 50180-2018" in s["standards"]["school"]["source"]
    assert C.load_standards(s) == s  # the normalised form validates again unchanged


def test_standards_mapping_changes_the_result(street, current):
    s = C.load_standards()
    s["standards"]["school"]["radius_m"] = 200
    r = C.service_coverage(*street, standards=s)
    assert col(r, "school") == {
        "R200": True,
        "R400": True,
        "R700": False,
        "R800": False,
        "R1600": False,
    }
    assert r.shares["school"] == pytest.approx(30000 / 80000)
    assert current.shares["school"] == pytest.approx(70000 / 80000)


def test_extra_walking_standard(street):
    s = C.load_standards()
    s["standards"]["sports"] = {
        "kinds": ["clinic"],
        "radius_m": 100,
        "source": "test",
        "verified": False,
    }
    r = C.service_coverage(*street, standards=s)
    assert col(r, "sports_m")["R200"] == pytest.approx(75, abs=1e-6)
    assert r.shares["sports"] == pytest.approx(20000 / 80000)


DEFAULT_TEXT = C.DEFAULT_STANDARDS.read_text(encoding="utf-8")


def _write(tmp_path, text):
    p = tmp_path / "cov.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _line_of(text, needle):
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "field", "line_of"),
    [
        ("    radius_m: 500\n", "    radius_m: -5\n", "standards.school.radius_m", "radius_m: -5"),
        (
            "kinds: [clinic, hospital]",
            "kinds: [clinic, pharmacy]",
            "standards.clinic.kinds",
            "pharmacy",
        ),
        (
            "{name: small, min_area_m2: 2000, radius_m: 300}",
            "{name: small, min_area_m2: lots, radius_m: 300}",
            "standards.park_500m.tiers.1.min_area_m2",
            "min_area_m2: lots",
        ),
        (
            "    radius_m: 50                # straight line, not network\n",
            "    radius: 50\n",
            "standards.green_50m.radius",
            "radius: 50",
        ),
        (
            "  boundary_step_m: 10.0\n",
            "  boundary_step_m: 0\n",
            "walking.boundary_step_m",
            "boundary_step_m: 0",
        ),
        ('  residential: ["07"]', "  residential: [7]", "land_use.residential", "residential: [7]"),
        (
            "exclude_road_classes: [expressway]",
            "exclude_road_classes: [motorway]",
            "walking.exclude_road_classes",
            "motorway",
        ),
    ],
)
def test_malformed_standards_name_file_line_and_field(tmp_path, old, new, field, line_of):
    assert old in DEFAULT_TEXT
    text = DEFAULT_TEXT.replace(old, new, 1)
    with pytest.raises(SchemaError) as exc:
        C.load_standards(_write(tmp_path, text))
    msg = str(exc.value)
    assert msg.startswith("cov.yaml: line ")
    assert f"field '{field}'" in msg
    assert f"line {_line_of(text, line_of)}:" in msg


def test_standards_missing_source_and_required_entry(tmp_path):
    text = DEFAULT_TEXT.replace(
        '    source: "GB 50180-2018 城市居住区规划设计标准, 10-minute', '    note: "x', 1
    )
    with pytest.raises(SchemaError, match=r"cov\.yaml: line \d+: field 'standards\.school\.note'"):
        C.load_standards(_write(tmp_path, text))
    s = C.load_standards()
    del s["standards"]["school"]["source"]
    with pytest.raises(SchemaError, match=r"field 'standards\.school\.source': is required"):
        C.load_standards(s)
    s = C.load_standards()
    del s["standards"]["kindergarten"]
    with pytest.raises(SchemaError, match=r"field 'standards\.kindergarten': is required"):
        C.load_standards(s)
    s = C.load_standards()
    s["standards"]["park_500m"]["tiers"] = []
    with pytest.raises(SchemaError, match=r"standards\.park_500m\.tiers"):
        C.service_coverage(street_parcels(), street_facilities(), street_roads(), standards=s)


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(SchemaError, match=r"cov\.yaml: line \d+: not valid YAML"):
        C.load_standards(_write(tmp_path, "standards: [a, b\nsource: x\n"))
    with pytest.raises(SchemaError, match="cannot read"):
        C.load_standards(tmp_path / "nope.yaml")


# --- input errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "column"),
    [
        ("parcels", "far"),
        ("parcels", "land_use"),
        ("facilities", "kind"),
        ("roads", "road_class"),
    ],
)
def test_missing_columns_name_layer_and_column(street, layer, column):
    frames = dict(zip(("parcels", "facilities", "roads"), street, strict=True))
    frames[layer] = frames[layer].drop(columns=column)
    with pytest.raises(GeoplanError, match=rf"^{layer}: missing column\(s\) '{column}'"):
        C.service_coverage(frames["parcels"], frames["facilities"], frames["roads"])


def test_facilities_without_area_column_use_polygon_area(street):
    parcels, fac, roads = street
    r = C.service_coverage(parcels, fac.drop(columns="area_m2"), roads)
    # F2 loses its 3,000 m² and is measured as its 100 × 30 m polygon: still the small tier
    assert col(r, "park_500m_small_m")["R200"] == pytest.approx(150, abs=1e-6)
    assert any("F4" in w for w in r.warnings)


def test_needs_roads_or_network_and_matching_crs(street):
    parcels, fac, roads = street
    with pytest.raises(GeoplanError, match="roads"):
        C.service_coverage(parcels, fac)
    with pytest.raises(CRSError):
        C.service_coverage(parcels, fac.to_crs(WGS84), roads)
    with pytest.raises(CRSError, match="metric"):
        C.service_coverage(parcels.to_crs(WGS84), fac.to_crs(WGS84), roads.to_crs(WGS84))
    with pytest.raises(GeoplanError, match="phase"):
        C.service_coverage(parcels, fac, roads, phase="2050")
    with pytest.raises(GeoplanError, match=r"^parcels: need a GeoDataFrame"):
        C.service_coverage(parcels.drop(columns="geometry").to_dict(), fac, roads)


# --- the bundled sample --------------------------------------------------------------------


def test_sample_zone_coverage(sample_zone):
    z = sample_zone
    res = {
        ph: C.service_coverage(
            z.layers["parcels"], z.layers["facilities"], z.layers["roads"], phase=ph
        )
        for ph in ("current", "2035")
    }
    for r in res.values():
        assert set(r.shares) == set(C.REQUIRED_STANDARDS)
        assert all(0.0 <= v <= 1.0 for v in r.shares.values())
        assert len(r.parcels) > 100 and r.parcels["floor_m2"].gt(0).all()
        assert r.gaps.crs == WORKING_CRS
        assert set(r.gaps.geom_type) <= {"Polygon", "MultiPolygon"} and not r.gaps.empty
        assert r.gaps.is_valid.all()
        for std, v in r.shares.items():  # uncovered floor in the gaps = 1 − share
            gap_floor = r.gaps.loc[r.gaps.standard == std, "floor_m2"].sum()
            assert 1 - gap_floor / r.residential_floor_m2 == pytest.approx(v, abs=1e-9)
        json.dumps(r.summary(), allow_nan=False)
    assert res["2035"].shares["park_500m"] >= res["current"].shares["park_500m"]
    assert res["current"].shares["park_500m"] > 0
