"""Property: the bundled sample, exported as a bureau would (Chinese headers, GB 50137 codes,
公顷, 万千瓦时, 是/否) and imported with `geoplan zone init`, evaluates to the same classes."""

from __future__ import annotations

import contextlib
import io
import json

import geopandas as gpd
import pandas as pd
import pytest

from geoplan import settings
from geoplan.cli.main import main

#: 用地用海 2023 → GB 50137-2011 for the codes the sample uses (what a 控规 would carry)
TO_GB = {
    "0802": "A35", "0701": "R2", "0702": "R12", "0902": "B2", "0901": "B1", "100101": "M1", "100102": "M2",
    "100103": "M3", "1401": "G1", "1402": "G2", "1403": "G3", "080401": "A31", "080403": "A33",
    "080404": "A33", "0806": "A5", "0803": "A2", "1303": "U12", "1302": "U21", "16": "16",
}  # fmt: skip
STATUS_ZH = {"built": "已建成", "under_construction": "在建", "idle": "闲置", "reserve": "储备"}


def _export(tmp_path) -> dict[str, str]:
    z = settings.SAMPLE_ZONE_DIR
    parcels = gpd.read_parquet(z / "parcels.parquet")
    out = gpd.GeoDataFrame(
        {
            "地块编号": parcels["parcel_id"],
            "用地代码": parcels["land_use"].map(TO_GB),
            "用地面积(公顷)": (parcels["area_m2"] / 10_000).round(6),
            "容积率": parcels["far"],
            "建筑系数(%)": (parcels["coverage"] * 100).round(4),
            "状态": parcels["status"].map(STATUS_ZH),
            "所在板块": parcels["plate"],
            "出让年份": parcels["lease_start"],
            "土地使用权人": parcels["holder"],
            "绿地率": parcels["green_ratio"],
            "行政办公及生活服务设施用地比例": parcels["admin_ratio"],
            "固定资产投资(万元)": parcels["investment"],
            "闲置起始年": parcels["idle_since"],
            "是否标准地": parcels["standard_land"].map({True: "是", False: "否"}),
            "承诺容积率": parcels["commit_far"],
            "承诺亩均投资(万元/亩)": parcels["commit_investment_per_mu"],
            "承诺亩均税收(万元/亩)": parcels["commit_tax_per_mu"],
        },
        geometry=parcels.geometry,
        crs=parcels.crs,
    ).to_crs(4490)
    assert out["用地代码"].notna().all()
    ppath = tmp_path / "控规.gpkg"
    out.to_file(ppath, driver="GPKG")
    firms = pd.read_parquet(z / "firms.parquet")
    f = pd.DataFrame({
        "企业编号": firms["firm_id"], "所在地块": firms["parcel_id"], "企业名称": firms["name"],
        "产业": firms["industry"], "规模": firms["scale"], "税收(万元)": firms["tax"],
        "营业收入(万元)": firms["revenue"], "增加值(万元)": firms["value_added"],
        "综合能耗(吨标准煤)": firms["energy_tce"], "从业人员": firms["employees"],
        "主要污染物排放(吨)": firms["emissions_t"], "用电量(万千瓦时)": firms["electricity_mwh"] / 10,
        "研发经费(万元)": firms["rd_spend"], "固定资产投资(万元)": firms["fixed_investment"],
        "用地方式": firms["tenure"].map({"own": "自有", "rent": "租赁"}),
        "租用建筑面积(平方米)": firms["rented_floor_m2"], "成立年份": firms["founded"],
        "是否高新技术企业": firms["high_tech"].map({True: "是", False: "否"}), "行业门类": firms["sector"],
    })  # fmt: skip
    fpath = tmp_path / "企业.csv"
    f.to_csv(fpath, index=False, encoding="gb18030")
    return {"parcels": str(ppath), "firms": str(fpath), "boundary": str(z / "zone.geojson")}


def _classes(zone_dir) -> pd.Series:
    from geoplan.analysis.land_yield import evaluate
    from geoplan.analysis.land_yield.schemes import load_scheme
    from geoplan.zone import load_zone

    z = load_zone(zone_dir)
    ev = evaluate(z.layers["parcels"], z.layers["firms"], load_scheme("dalian_default"), year=2023)
    return ev.firms.set_index("firm_id")["class"].sort_index()


@pytest.mark.slow
def test_sample_exported_as_a_bureau_would_imports_to_the_same_classes(tmp_path):
    files = _export(tmp_path)
    dest = tmp_path / "dalian_again"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["zone", "init", str(dest), "--boundary", files["boundary"], "--parcels", files["parcels"],
                     "--firms", files["firms"], "--code-map", "16=16", "--repair", "--json"])  # fmt: skip
    report = json.loads(buf.getvalue())
    assert code == 0, report
    parcels = next(lay for lay in report["layers"] if lay["type"] == "parcels")
    assert parcels["codes"]["classification"] == "gb50137"
    assert parcels["excluded"] == 0 and parcels["count"] == 3602
    firms = next(lay for lay in report["layers"] if lay["type"] == "firms")
    assert firms["linked"] == firms["count"]
    assert "×10" in firms["conversions"]["electricity_mwh"]
    pd.testing.assert_series_equal(
        _classes(dest), _classes(settings.SAMPLE_ZONE_DIR), check_dtype=False
    )
