"""A zone elsewhere in China from its bureau's own files: `geoplan zone init`, then evaluate.

The files (tests/bureau.py) are built from known numbers in the 武汉东湖 area: a GBK Shapefile in
a Gauss-Krüger zone with GB 50137 codes, a 三调 layer, an Excel firm list with a title row and
Chinese headers, firm points in GCJ-02. Every assertion is an exact count or a bound.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bureau

from geoplan.cli.main import main
from geoplan.data.io import read_vector


def cli(*args: str) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args])
    text = out.getvalue()
    return code, (json.loads(text) if text.strip().startswith("{") else {}), err.getvalue() + text


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> bureau.Files:
    return bureau.build(tmp_path_factory.mktemp("bureau"))


def _init(files: bureau.Files, dest: Path, *extra: str) -> tuple[int, dict, str]:
    return cli(
        "zone", "init", str(dest), "--boundary", str(files.boundary), "--parcels", str(files.parcels),
        "--firms", str(files.firms), "--landuse-survey", str(files.survey), "--units", str(files.units),
        "--coord-system", "firms=gcj02", *extra, "--json",
    )  # fmt: skip


@pytest.fixture(scope="module")
def zone(files, tmp_path_factory) -> tuple[Path, dict]:
    dest = tmp_path_factory.mktemp("zones") / "donghu"
    code, report, text = _init(files, dest)
    assert code == 0, text
    return dest, report


def _layer(report: dict, ltype: str) -> dict:
    return next(lay for lay in report["layers"] if lay["type"] == ltype)


def test_zone_gets_a_local_crs_at_its_own_meridian(zone):
    _, report = zone
    assert report["created"] is True
    assert report["zone"]["name"] == "东湖测试园区"
    assert report["zone"]["crs"] == "CGCS2000 / local TM (CM 114.40E)"


def test_parcels_mapping_codes_and_areas(zone, files):
    folder, report = zone
    lay = _layer(report, "parcels")
    assert lay["count"] == 10
    for f, col in {
        "parcel_id": "DKBH",
        "land_use": "YDDM",
        "far": "RJL",
        "coverage": "JZMD",
    }.items():
        assert lay["mapping"][f] == col
    assert lay["mapping"]["area_m2"].startswith("derived: geometry area")
    assert lay["mapping"]["plate"] == "derived: 评价单元 by location"
    assert lay["codes"]["classification"] == "gb50137"
    assert lay["codes"]["converted"] == {
        "M1→100101": 2, "M2→100102": 1, "M0→100101": 1, "A35→0802": 1, "B2→0902": 1, "R2→070102": 1, "U12→1303": 1,
    }  # fmt: skip
    assert lay["codes"]["unmapped"] == {"08H2": 1, "X9": 1}
    assert lay["excluded"] == 2
    assert "公顷" in lay["conversions"]["area_m2"]
    assert "divided by 100" in lay["conversions"]["coverage"]
    # the 100× wrong area attribute is reported on its file row, and the geometry wins
    area_warn = [p for p in lay["problems"] if "differs from the geometry" in p["message"]]
    assert [p["row"] for p in area_warn] == [10]
    parcels = gpd.read_parquet(folder / "parcels.parquet").set_index("parcel_id")
    assert sorted(parcels.index) == [
        "DH-01",
        "DH-02",
        "DH-03",
        "DH-04",
        "DH-05",
        "DH-06",
        "DH-07",
        "DH-10",
    ]
    assert parcels.loc["DH-03", "land_use_flag"] == "new_industrial"
    assert parcels.loc["DH-03", "land_use_source"] == "M0"
    assert parcels.loc["DH-01", "coverage"] == pytest.approx(0.45)
    # geometry areas within 0.05 % of geodesic (the boxes are 300 m × 200 m in the GK zone)
    geod = Geod(ellps="GRS80")
    ll = parcels.to_crs(4326)
    for pid in parcels.index:
        geodesic = abs(geod.geometry_area_perimeter(ll.geometry[pid])[0])
        assert parcels.loc[pid, "area_m2"] == pytest.approx(geodesic, rel=5e-4)
        assert parcels.loc[pid, "area_mu"] == pytest.approx(
            parcels.loc[pid, "area_m2"] / (10000 / 15)
        )
    # 街道 by location: the west half and the east half
    assert parcels.loc["DH-01", "plate"] == "关东街道"
    assert parcels.loc["DH-05", "plate"] == "佛祖岭街道"
    excluded = pd.read_csv(folder / "excluded" / "parcels.csv")
    assert sorted(excluded["source_row"]) == [8, 9]
    assert all("未知代码" in r for r in excluded["reason"])


def test_firms_from_excel_title_row_yes_no_and_points(zone):
    folder, report = zone
    lay = _layer(report, "firms")
    assert lay["header"] == {"sheet": "企业", "rows": [3]}
    assert lay["mapping"]["credit_code"] == "统一社会信用代码"
    assert lay["mapping"]["firm_id"] == "derived: credit_code"
    assert lay["mapping"]["tax"] == "税收总额(万元)"
    assert lay["linked"] == 5 and lay["unlinked"] == 0
    assert "points in parcels" in lay["link_method"]
    firms = pd.read_parquet(folder / "firms.parquet").set_index("firm_id")
    assert firms.loc[bureau.CREDIT[0], "tax"] == 1250.5  # "1,250.5" read as a number
    assert firms.loc[bureau.CREDIT[2], "scale"] == "规下"  # 是否规上 = 否
    assert firms.loc[bureau.CREDIT[0], "scale"] == "规上"
    # the two firms without 地块编号 found by their GCJ-02 points
    assert firms.loc[bureau.CREDIT[2], "parcel_id"] == "DH-03"
    assert firms.loc[bureau.CREDIT[4], "parcel_id"] == "DH-07"
    assert firms.loc[bureau.CREDIT[0], "industry"] == "制造业"
    assert firms.loc[bureau.CREDIT[3], "industry"] == "信息技术服务业"


def test_sandiao_layer_codes(zone):
    _, report = zone
    lay = _layer(report, "landuse_survey")
    assert lay["codes"]["classification"] == "sandiao"
    assert lay["codes"]["converted"] == {"0601→1001": 1, "1004→1207": 1, "0701→0701": 1}
    assert lay["codes"]["review"] == {"05H1": 1}
    assert lay["excluded"] == 1


def test_evaluate_checks_compliance_on_the_industrial_parcels_and_names_no_dalian_place(zone):
    folder, _ = zone
    code, out, text = cli("evaluate", "--zone", str(folder), "--json")
    assert code == 0, text
    assert out["firms_total"] == 5
    assert out["compliance"]["checks"] > 0
    dumped = json.dumps(out, ensure_ascii=False)
    for place in ("大连", "七贤岭", "英歌石", "黄泥川", "龙头", "软件园"):
        assert place not in dumped
    code, layers_out, _ = cli("layers", "--zone", str(folder), "--json")
    assert code == 0
    assert {r["name"] for r in layers_out["layers"]} >= {"zone", "units", "parcels", "firms"}


def test_rerun_on_the_folder_reproduces_the_zone(zone, tmp_path):
    folder, _ = zone
    before = gpd.read_parquet(folder / "parcels.parquet")
    firms_before = pd.read_parquet(folder / "firms.parquet")
    code, _report, text = cli("zone", "init", str(folder), "--json")
    assert code == 0, text
    after = gpd.read_parquet(folder / "parcels.parquet")
    pd.testing.assert_frame_equal(before.drop(columns="geometry"), after.drop(columns="geometry"))
    assert before.geometry.geom_equals_exact(after.geometry, 1e-9).all()
    pd.testing.assert_frame_equal(firms_before, pd.read_parquet(folder / "firms.parquet"))


def test_existing_zone_is_not_overwritten_without_replace(zone, files):
    folder, _ = zone
    code, _, text = _init(files, folder)
    assert code == 2
    assert "--replace" in text


# --- mistakes: exit 2 naming file, column and what to write ----------------------------------------


def test_ambiguous_columns_are_asked_not_guessed(files, tmp_path):
    xl = pd.read_excel(files.firms, sheet_name="企业", header=2)
    xl["实缴税金(万元)"] = xl["税收总额(万元)"]
    path = tmp_path / "两列税收.xlsx"
    xl.to_excel(path, index=False)
    code, report, text = cli(
        "zone", "init", str(tmp_path / "z"), "--boundary", str(files.boundary), "--parcels", str(files.parcels),
        "--firms", str(path), "--coord-system", "firms=gcj02", "--json",
    )  # fmt: skip
    assert code == 2
    firms = _layer(report, "firms")
    amb = [p for p in firms["problems"] if p["field"] == "tax"]
    assert amb and "税收总额(万元)" in amb[0]["message"] and "实缴税金(万元)" in amb[0]["message"]
    assert "--map firms.tax=" in amb[0]["hint"]
    assert not (tmp_path / "z").exists()  # nothing written
    code, report, text = cli(
        "zone", "init", str(tmp_path / "z"), "--boundary", str(files.boundary), "--parcels", str(files.parcels),
        "--firms", str(path), "--coord-system", "firms=gcj02", "--map", "firms.tax=实缴税金(万元)", "--json",
    )  # fmt: skip
    assert code == 0, text
    assert _layer(report, "firms")["mapping"]["tax"] == "实缴税金(万元)"


def test_missing_required_field_names_the_unused_columns(files, tmp_path):
    gdf = read_vector(files.parcels)
    gdf = gdf.rename(columns={"RJL": "规划指标"})
    path = tmp_path / "no_far.gpkg"
    gdf.to_file(path, driver="GPKG")
    code, report, _ = cli(
        "zone",
        "init",
        str(tmp_path / "z"),
        "--boundary",
        str(files.boundary),
        "--parcels",
        str(path),
        "--json",
    )
    assert code == 2
    prob = next(p for p in _layer(report, "parcels")["problems"] if p["field"] == "far")
    assert prob["source"] == "no_far.gpkg"
    assert "规划指标" in prob["hint"] and "--map parcels.far=" in prob["hint"]


def test_crs_less_file_and_the_wrong_zone(files, tmp_path):
    import zipfile

    noprj = tmp_path / "no_prj.zip"
    with zipfile.ZipFile(files.parcels) as src:
        members = {
            bureau_name(i): src.read(i)
            for i in src.infolist()
            if not i.filename.lower().endswith(".prj")
        }
    bureau.gbk_zip(noprj, members)
    base = [
        "zone",
        "init",
        str(tmp_path / "z"),
        "--boundary",
        str(files.boundary),
        "--parcels",
        str(noprj),
    ]
    code, report, _ = cli(*base, "--json")
    assert code == 2
    prob = next(p for p in _layer(report, "parcels")["problems"] if p["field"] == "crs")
    assert "no coordinate reference system" in prob["message"]
    code, report, _ = cli(
        *base, "--crs", "parcels=EPSG:4546", "--json"
    )  # CM 111°E: the neighbour zone
    assert code == 2
    prob = next(p for p in _layer(report, "parcels")["problems"] if p["field"] == "geometry")
    assert "outside the zone's extent" in prob["message"]
    assert "EPSG:4547" in prob["hint"]
    code, _, text = cli(*base, "--crs", "parcels=EPSG:4547", "--json")
    assert code == 0, text


def bureau_name(info) -> str:
    from geoplan.data.archive import member_name

    return member_name(info)


def test_gb18030_csv_in_yuan_with_land_register_and_revenue_thresholds(files, tmp_path):
    firms = pd.DataFrame({
        "纳税人识别号": bureau.CREDIT[:3],
        "企业名称": ["甲", "乙", "丙"],
        "行业代码": ["C3973", "I6513", "F5211"],  # manufacturing, software, retail
        "税收(元)": ["12,505,000", "86,000", "500"],
        "营业收入(万元)": ["2500", "1999", "600"],
    })  # fmt: skip
    path = tmp_path / "税务.csv"
    firms.to_csv(path, index=False, encoding="gb18030")
    register = pd.DataFrame(
        {"宗地代码": ["DH-01", "DH-04", "DH-05"], "统一社会信用代码": bureau.CREDIT[:3]}
    )
    reg_path = tmp_path / "宗地.csv"
    register.to_csv(reg_path, index=False, encoding="utf-8")
    dest = tmp_path / "z"
    code, report, text = cli(
        "zone",
        "init",
        str(dest),
        "--boundary",
        str(files.boundary),
        "--parcels",
        str(files.parcels),
        "--firms",
        str(path),
        "--land-register",
        str(reg_path),
        "--json",
    )
    assert code == 0, text
    lay = _layer(report, "firms")
    assert "×0.0001" in lay["conversions"]["tax"]
    assert lay["mapping"]["scale"].startswith("derived: revenue")
    assert lay["linked"] == 3 and "credit_code" in lay["link_method"]
    out = pd.read_parquet(dest / "firms.parquet").set_index("credit_code")
    assert out.loc[bureau.CREDIT[0], "tax"] == pytest.approx(1250.5)
    # 工业 ≥ 2000 万元; 软件 ≥ 2000 万元 (1999 is below); 零售 ≥ 500 万元
    assert list(out.loc[bureau.CREDIT[:3], "scale"]) == ["规上", "规下", "规上"]
    assert list(out.loc[bureau.CREDIT[:3], "parcel_id"]) == ["DH-01", "DH-04", "DH-05"]


def test_zip_with_two_layers_asks_which(files, tmp_path):
    import zipfile

    with zipfile.ZipFile(files.parcels) as src:
        members = {bureau_name(i): src.read(i) for i in src.infolist()}
    both = {**members, **{k.replace("控规地块", "现状地块"): v for k, v in members.items()}}
    two = bureau.gbk_zip(tmp_path / "two.zip", both)
    code, _report, text = cli(
        "zone",
        "init",
        str(tmp_path / "z"),
        "--boundary",
        str(files.boundary),
        "--parcels",
        str(two),
        "--json",
    )
    assert code == 2
    assert "several layers" in text and "--layer" in text and "现状地块" in text
    code, _, text = cli(
        "zone",
        "init",
        str(tmp_path / "z"),
        "--boundary",
        str(files.boundary),
        "--parcels",
        str(two),
        "--layer",
        "parcels=控规地块",
        "--json",
    )
    assert code == 0, text


# --- the working CRS anywhere in China ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat"), [(75.99, 39.47), (126.63, 45.75), (109.51, 18.25), (91.11, 29.65)]
)
def test_working_crs_areas_within_half_a_permille_of_geodesic_anywhere_in_china(lon, lat):
    from geoplan.data import crs as gcrs

    zone = shapely.box(lon - 0.6, lat - 0.4, lon + 0.6, lat + 0.4)  # a zone ≈ 100 km across
    crs = gcrs.working_crs_for(zone.bounds)
    geod = Geod(ellps="GRS80")
    rng = np.random.default_rng(int(lon * 100))
    for _ in range(20):
        x, y = (
            rng.uniform(zone.bounds[0], zone.bounds[2]),
            rng.uniform(zone.bounds[1], zone.bounds[3]),
        )
        cell = shapely.box(x, y, x + 0.01, y + 0.01)
        planar = gpd.GeoSeries([cell], crs=4326).to_crs(crs).area.iloc[0]
        geodesic = abs(geod.geometry_area_perimeter(cell)[0])
        assert planar == pytest.approx(geodesic, rel=5e-4)


def test_a_province_sized_extent_is_refused():
    from geoplan.data import crs as gcrs
    from geoplan.errors import CRSError

    with pytest.raises(CRSError, match="km wide"):
        gcrs.working_crs_for((118.8, 38.7, 125.8, 43.5))  # Liaoning
