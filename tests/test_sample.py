"""The bundled Dalian sample (示意): authored layers, generated parcels/firms/DEM, determinism."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan import settings
from geoplan.data.crs import WORKING_CRS
from geoplan.data.layers import load_layer
from geoplan.sample import generate as sample
from geoplan.zone import read_catalog

SHIPPED = (
    "zone",
    "plates",
    "structure",
    "clusters",
    "substations",
    "sewage_plants",
    "roads",
    "rail",
    "facilities",
    "constraints",
)


@pytest.fixture(scope="module")
def z(sample_zone):
    return sample_zone


# ------------------------------------------------------------------------------------------ layers


def test_catalog_lists_every_shipped_layer_and_each_validates_cleanly():
    _, entries, rasters = read_catalog(settings.SAMPLE_ZONE_DIR / "zone.yaml")
    names = {e.name for e in entries}
    assert set(SHIPPED) | {"parcels", "firms"} <= names
    for e in entries:
        layer = load_layer(e.path, e.type, strict=False)
        assert layer.report.ok, (e.name, [str(p) for p in layer.report.errors][:5])
        assert not layer.report.warnings, (e.name, [str(p) for p in layer.report.warnings][:5])
        assert len(layer.data) > 0, e.name
    assert rasters["dem"].exists()


@pytest.mark.parametrize("name", SHIPPED)
def test_layer_files_are_wgs84_geojson_one_feature_per_line(name):
    path = settings.LAYERS_DIR / f"{name}.geojson"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: lon/lat WGS84
    lines = text.strip().splitlines()
    assert len(lines) == len(doc["features"]) + 2
    assert all(line.startswith('{"type":"Feature"') for line in lines[1:-1])
    # every non-seed value says where it comes from
    assert all(f["properties"].get("source") for f in doc["features"]), name
    xs = [c for f in doc["features"] for c in _coords(f["geometry"])]
    lon, lat = np.array(xs).T
    assert lon.min() > 121.2 and lon.max() < 121.6 and lat.min() > 38.78 and lat.max() < 39.05


def _coords(geom):
    g = shapely.geometry.shape(geom)
    return shapely.get_coordinates(g).tolist()


def _plan_named(layer):
    """The plan-named facilities; the rest are schematic stand-ins for unlisted existing ones."""
    schematic = layer["source"].str.contains("示意补全")
    assert (layer.loc[schematic, "status"] == "existing").all()
    assert layer.loc[schematic, "name"].str.endswith("(示意补全)").all()
    assert layer.loc[schematic, "assumption"].str.contains("非真实设施").all()
    return layer[~schematic]


def test_seed_sewage_plant_capacities(z):
    sp = _plan_named(z.sewage_plants).set_index("name")
    expected = {  # m³/d: current, 2025 (近期), 2035 (远期)
        "凌水河污水处理厂": (None, 120_000, 120_000),
        "小平岛污水处理厂": (8_000, 8_000, 8_000),
        "河口湾污水处理厂": (None, 30_000, 30_000),
        "黄泥川污水处理厂": (10_000, 10_000, 10_000),
        "龙王塘污水处理厂": (0, 10_000, 30_000),
        "英歌石污水处理厂": (0, 15_000, 35_000),
    }
    assert set(sp.index) == set(expected)
    for name, (cur, near, far) in expected.items():
        row = sp.loc[name]
        if cur is not None:
            assert row["capacity_m3d_current"] == cur, name
        assert row["capacity_m3d_2025"] == near, name
        assert row["capacity_m3d_2035"] == far, name
    # a plant that is not built yet has no current capacity, and built ones do
    not_built = sp["status"].isin(["new", "planned"])
    assert (sp.loc[not_built, "capacity_m3d_current"] == 0).all()
    assert (sp.loc[~not_built, "capacity_m3d_current"] > 0).all()
    assert sp.loc["黄泥川污水处理厂", "status"] == "existing"


def test_seed_substations(z):
    ss = _plan_named(z.substations).set_index("name")
    assert len(ss) == 8
    status = ss["status"].to_dict()
    assert status["七贤岭66kV变电所"] == "expand" and status["龙王塘66kV变电所"] == "expand"
    for new in ("凌水湾66kV变电所", "河口湾66kV变电所", "龙头66kV变电所", "鲍鱼肚66kV变电所"):
        assert status[new] == "new", new
    assert status["英歌石66kV变电所"] == "existing"
    assert ss.loc["龙头220kV变电站", "voltage_kv"] == 220 and status["龙头220kV变电站"] == "planned"
    assert ss.loc["龙头220kV变电站", "plan_period"] == "十四五"
    assert ss["assumption"].str.contains("MVA").all()  # MVA values are assumptions with a basis
    assert (ss["capacity_mva_2035"] >= ss["capacity_mva_2025"]).all()
    assert (ss["capacity_mva_2025"] >= ss["capacity_mva_current"]).all()


def test_eleven_frame_roads_and_a_connected_network(z):
    roads = z.roads
    framed = roads[roads["frame"].isin(["六纵", "五横"])]
    names = framed.groupby("frame")["name"].apply(set).to_dict()
    assert names["六纵"] == {"红凌路", "河周路", "前黄路", "风采路", "龙英路", "山英路"}
    assert names["五横"] == {"旅顺中路", "中部通道", "旅顺南路", "南部滨海大道", "轨道交通走廊"}
    assert framed["name"].nunique() == 11
    assert (roads["width_m"] > 0).all()
    assert roads["assumption"].str.contains("宽度").all()
    # noded network: one connected component
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    noded = shapely.node(shapely.GeometryCollection(list(roads.geometry)))
    segs = shapely.get_parts(noded)
    ends = np.round(
        np.r_[
            shapely.get_coordinates(shapely.get_point(segs, 0)),
            shapely.get_coordinates(shapely.get_point(segs, -1)),
        ],
        0,
    )
    _, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.ravel()
    a, b = node[: len(segs)], node[len(segs) :]
    graph = coo_matrix((np.ones(len(segs)), (a, b)), shape=(node.max() + 1,) * 2)
    n_comp, _ = connected_components(graph, directed=False)
    assert n_comp == 1


def test_rail_lines_and_stations(z):
    rail = z.rail
    lines = rail[rail["kind"] == "line"]
    assert {"1号线", "12号线"} <= set(lines["line"])
    stations = rail[rail["kind"] == "station"]
    assert {"河口站", "七贤岭站", "海事大学站", "蔡大岭站", "黄泥川站", "龙王塘站"} <= set(
        stations["name"]
    )
    assert set(stations.geometry.geom_type) == {"Point"}
    # stations sit on their line (within 50 m)
    l1 = lines[lines["line"] == "1号线"].geometry.iloc[0]
    for nm in ("海事大学站", "七贤岭站", "河口站"):
        assert stations[stations["name"] == nm].geometry.iloc[0].distance(l1) < 50


def test_facilities_constraints_structure_clusters(z):
    fac = z.facilities
    parks = fac[fac["kind"] == "park"]
    assert (parks["area_m2"] >= 5000).sum() >= 5
    assert parks["area_m2"].between(2000, 5000, inclusive="left").sum() >= 3
    assert {"大连理工大学(凌水主校区)", "大连海事大学(凌海校区)"} <= set(
        fac.loc[fac["kind"] == "university", "name"]
    )
    for kind in ("school", "kindergarten", "hospital", "clinic"):
        assert (fac["kind"] == kind).any(), kind
    cons = z.constraints
    hard_kinds = set(cons.loc[cons["hard"].astype(bool), "kind"])
    assert {"forest_park", "coastal_setback", "water_source"} <= hard_kinds
    assert cons.loc[cons["kind"] == "coastal_setback", "setback_m"].iloc[0] == 200
    st = z.structure
    assert {"corridor", "core", "city", "cluster", "ecology"} == set(st["kind"])
    clusters_named = set(st.loc[st["kind"] == "cluster", "name"])
    for name in (
        "黄泥川新兴产业组团",
        "龙王塘未来产业新城组团",
        "凌水湾总部组团",
        "小平岛传媒组团",
        "庙岭新材料组团",
    ):
        assert name in clusters_named
    assert (st.loc[st["name"].str.contains("西拓|北延"), "status"] == "future").sum() == 3
    assert set(z.clusters["industry"]) == set(sample.INDUSTRIES)
    assert z.clusters["chain"].str.endswith("产业链").sum() >= 8
    assert set(z.plates["name"]) == set(sample.PLATES)


# ------------------------------------------------------------------------------------------ parcels


def test_parcels_count_fields_and_areas(z):
    p = z.parcels
    assert len(p) >= 3000
    assert p.crs == WORKING_CRS
    assert p["parcel_id"].is_unique
    assert set(p["land_use"]) <= set(sample.LAND_USE_NAMES)
    assert set(p["plate"]) == set(sample.PLATES)
    area = p.geometry.area.to_numpy()
    np.testing.assert_allclose(p["area_m2"], area, rtol=1e-6, atol=0.1)
    np.testing.assert_allclose(p["area_mu"], area / settings.M2_PER_MU, rtol=1e-4, atol=0.01)
    ind = p[p["land_use"].isin(sample.INDUSTRIAL)]
    assert ind["area_mu"].between(20, 150).all()
    res = p[p["land_use"].isin(["0701", "0901", "0902"])]
    assert res["area_mu"].quantile(0.05) >= 5 and res["area_mu"].quantile(0.95) <= 60
    assert {"built", "under_construction", "idle", "reserve"} == set(p["status"])
    assert p["source"].notna().all() and p["assumption"].notna().all()


def test_parcels_do_not_overlap(z):
    p = z.parcels
    geoms = p.geometry.to_numpy()
    left, right = p.sindex.query(geoms, predicate="intersects")
    pairs = left < right
    inter = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert inter.max(initial=0) < 1.0  # shared edges only (sub-m² numeric slivers tolerated)


def test_parcels_stay_in_plates_off_roads_and_hard_constraints(z):
    p = z.parcels
    geoms = p.geometry.to_numpy()
    # inside their own plate (and so inside the zone)
    plates = z.plates.set_index("name").geometry
    own_plate = plates.loc[p["plate"]].to_numpy()
    assert shapely.covered_by(geoms, shapely.buffer(own_plate, 0.5)).all()
    zone = z.zone.geometry.union_all().buffer(0.5)
    assert shapely.covered_by(geoms, zone).all()
    # road centre lines never cross a parcel, and parcels keep half the right-of-way free
    roads = z.roads
    corridor = shapely.buffer(
        roads.geometry.to_numpy(), roads["width_m"].to_numpy() / 2, cap_style="flat"
    )
    r_idx, p_idx = p.sindex.query(corridor, predicate="intersects")
    overlap = shapely.area(shapely.intersection(corridor[r_idx], geoms[p_idx]))
    assert overlap.max(initial=0) < 1.0
    # hard constraints (forest park, water source, reservoir, coastal setback) and hills stay free
    cons = z.constraints
    free = cons[cons["hard"].astype(bool) | (cons["kind"] == "steep_slope")].geometry.to_numpy()
    c_idx, p_idx = p.sindex.query(free, predicate="intersects")
    overlap = shapely.area(shapely.intersection(free[c_idx], geoms[p_idx]))
    assert overlap.max(initial=0) < 1.0


def test_parcel_land_use_follows_plates_and_special_land(z):
    p = z.parcels
    share = pd.crosstab(
        p["plate"], p["land_use"], values=p["area_m2"], aggfunc="sum", normalize="index"
    ).fillna(0)
    industrial = share[list(sample.INDUSTRIAL)].sum(axis=1)
    assert industrial["龙头"] > 0.4
    assert share.loc["英歌石", "0802"] + share.loc["英歌石", "16"] > 0.5
    assert share.loc["英歌石", "16"] > 0.2
    assert share.loc["七贤岭", ["0901", "0902", "0701"]].sum() > 0.5
    assert {"1302", "1303", "080401", "080403", "080404", "0806", "1401"} <= set(p["land_use"])
    idle = p[p["status"] == "idle"]
    assert len(idle) >= 50 and idle["idle_since"].notna().all()
    assert p.loc[p["status"] != "idle", "idle_since"].isna().all()
    assert (p.loc[p["status"] == "reserve", "far"] == 0).all()
    low = p[p["land_use"].isin(sample.INDUSTRIAL) & (p["status"] == "built") & (p["far"] < 0.6)]
    assert len(low) >= 30  # low-yield industrial land (低效用地 candidates)
    std = p[p["standard_land"].astype(bool)]
    assert 20 <= len(std) <= 80
    for col in (
        "commit_far",
        "commit_investment_per_mu",
        "commit_tax_per_mu",
        "commit_energy_per_va",
    ):
        assert std[col].notna().all() and p.loc[~p["standard_land"].astype(bool), col].isna().all()
    m0 = p[p["assumption"].str.contains("工业上楼")]
    assert len(m0) >= 5 and (m0["far"] >= 3).all()


# ------------------------------------------------------------------------------------------ firms


def test_firms_link_to_parcels_and_respect_floor_area(z):
    f, p = z.firms, z.parcels
    assert len(f) >= 5000 and f["firm_id"].is_unique
    assert f["parcel_id"].isin(p["parcel_id"]).all()
    assert set(f["industry"]) == set(sample.INDUSTRIES)
    owners = f[f["tenure"] == "own"]
    assert owners["parcel_id"].is_unique  # at most one land holder per parcel
    assert owners["rented_floor_m2"].isna().all()
    floor = p.set_index("parcel_id")["area_m2"] * p.set_index("parcel_id")["far"]
    rented = f[f["tenure"] == "rent"].groupby("parcel_id")["rented_floor_m2"].sum()
    assert (rented <= floor.loc[rented.index] + 1e-6).all()
    holders = p.set_index("parcel_id").loc[owners["parcel_id"], "holder"].to_numpy()
    assert (holders == owners["name"].to_numpy()).all()
    per_tower = f[f["tenure"] == "rent"].groupby("parcel_id").size()
    assert per_tower.max() >= 30  # many tenants in software-park towers


def test_firm_calibration_and_distributions(z):
    f = z.firms
    assert f["value_added"].sum() == pytest.approx(sample.TARGET_VALUE_ADDED, rel=0.01)
    assert int(f["high_tech"].sum()) == sample.TARGET_HIGH_TECH
    va = np.sort(f["value_added"].to_numpy())[::-1]
    # heavy tail: the top 1 % of firms hold over a fifth, the top 10 % over half of value added
    assert va[: len(va) // 100].sum() / va.sum() > 0.2
    assert va[: len(va) // 10].sum() / va.sum() > 0.55
    assert (f["scale"] == "规下").mean() > 0.7
    assert f["emissions_t"].isna().any() and f["emissions_t"].notna().mean() > 0.8
    tenants = f[f["tenure"] == "rent"]
    assert tenants["rented_floor_m2"].isna().any() and (tenants["rented_floor_m2"] == 0).any()
    assert (f["founded"] >= sample.DATA_YEAR - 1).sum() >= 100  # T-class (< 2 years)
    assert (f["sector"] == "utility").sum() >= 3
    assert (f[["tax", "revenue", "energy_tce", "employees"]] >= 0).all().all()
    assert f["name"].is_unique


# ------------------------------------------------------------------------------------------ DEM


def test_dem_is_plausible(z):
    import rasterio
    import rasterio.features

    with rasterio.open(z.dem_path) as ds:
        assert rasterio.crs.CRS.from_wkt(WORKING_CRS.to_wkt()) == ds.crs
        assert 20 <= ds.res[0] <= 30
        assert ds.nodata is not None and ds.profile["tiled"] and ds.profile["compress"] == "deflate"
        dem = ds.read(1, masked=True)
        cons = z.constraints

        def sample_at(geoms):
            pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
            return np.array([v[0] for v in ds.sample(pts, masked=True)], dtype=float)

        fp = cons[cons["kind"] == "forest_park"].geometry
        inner = fp.buffer(-1500)
        peak = max(
            dem[rasterio.features.geometry_mask(inner, dem.shape, ds.transform, invert=True)].max(),
            0,
        )
        assert peak > 300  # hills of several hundred metres around 金龙寺
        # coastal setback band: low ground next to the sea
        band = cons[cons["kind"] == "coastal_setback"].geometry
        band_vals = dem[rasterio.features.geometry_mask(band, dem.shape, ds.transform, invert=True)]
        assert band_vals.min() <= 2 and np.ma.median(band_vals) < 20
        # parcels lie on land below the hill tops
        vals = sample_at(z.parcels.geometry.to_numpy()[::25])
        assert np.isfinite(vals).all() and np.median(vals) < 120
    shipped = ("parcels.parquet", "firms.parquet", "dem.tif")
    assert sum((settings.SAMPLE_ZONE_DIR / name).stat().st_size for name in shipped) < 5_000_000


# ------------------------------------------------------------------------------------------ determinism


def test_generator_reproduces_committed_data(tmp_path):
    paths = sample.generate(tmp_path, sample.DEFAULT_SEED)
    new_f = pd.read_parquet(paths["firms"])
    old_f = pd.read_parquet(settings.SAMPLE_ZONE_DIR / "firms.parquet")
    pd.testing.assert_frame_equal(new_f, old_f)
    new_p = gpd.read_parquet(paths["parcels"])
    old_p = gpd.read_parquet(settings.SAMPLE_ZONE_DIR / "parcels.parquet")
    pd.testing.assert_frame_equal(new_p.drop(columns="geometry"), old_p.drop(columns="geometry"))
    # same plots (centimetre tolerance: robust to GEOS rounding differences between builds)
    assert shapely.equals_exact(
        new_p.geometry.to_numpy(), old_p.geometry.to_numpy(), tolerance=0.01
    ).all()
    assert new_p.crs == old_p.crs == WORKING_CRS
    import rasterio

    with rasterio.open(paths["dem"]) as a, rasterio.open(settings.SAMPLE_ZONE_DIR / "dem.tif") as b:
        assert a.transform == b.transform
        np.testing.assert_array_equal(a.read(1), b.read(1))


def test_a_different_seed_gives_different_data(tmp_path):
    """A different seed gives different plots and firms (the seed is really used)."""
    paths = sample.generate(tmp_path, sample.DEFAULT_SEED + 1)
    other = pd.read_parquet(paths["firms"])
    base = pd.read_parquet(settings.SAMPLE_ZONE_DIR / "firms.parquet")
    assert len(other) != len(base) or not other["value_added"].equals(base["value_added"])
    assert other["value_added"].sum() == pytest.approx(sample.TARGET_VALUE_ADDED, rel=0.01)
