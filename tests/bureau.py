"""Bureau-style files for a zone that is not Dalian (武汉东湖 area, tests only).

A 控规 parcel Shapefile in GBK without .cpg in CGCS2000 3-degree Gauss-Krüger CM 114°E
(EPSG:4547) with DKBH / YDDM (GB 50137 codes) / YDMJ (公顷, no unit in the header) / RJL / JZMD
(percent); a 三调 地类图斑 GeoPackage with BSM / DLBM / DLMC / TBMJ; an Excel firm list with a title
row, Chinese headers, 是/否, GB/T 4754 codes and 税收总额(万元); firm points in GCJ-02; 街道 units.
Everything is built from known numbers so tests can assert exact results.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.data.crs import wgs84_to_gcj02

LON0, LAT0 = 114.40, 30.48
GK = 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (no zone prefix)

#: (DKBH, YDDM, FAR, 建筑密度 %), one 300 m × 200 m block each (6 公顷)
PARCELS = [
    ("DH-01", "M1", 1.2, 45),
    ("DH-02", "M2", 0.9, 38),
    ("DH-03", "M0", 2.5, 40),
    ("DH-04", "A35", 1.5, 30),
    ("DH-05", "B2", 3.0, 35),
    ("DH-06", "R2", 2.2, 25),
    ("DH-07", "U12", 0.5, 20),
    ("DH-08", "08H2", 1.0, 30),  # a 三调 code in a GB 50137 file: unknown here
    ("DH-09", "X9", 1.0, 30),  # a typo: unknown
    ("DH-10", "M1", 1.0, 50),  # its YDMJ attribute is 100× wrong
]


@dataclass
class Files:
    folder: Path
    boundary: Path
    parcels: Path
    survey: Path
    firms: Path
    units: Path

    def geoms_4326(self) -> gpd.GeoDataFrame:
        return gpd.read_file(self.parcels).set_crs(GK, allow_override=True).to_crs(4326)


def _blocks() -> gpd.GeoDataFrame:
    """Parcels as 300 × 200 m boxes in GK metres around (LON0, LAT0), two rows of five."""
    origin = gpd.GeoSeries([shapely.Point(LON0, LAT0)], crs=4326).to_crs(GK).iloc[0]
    boxes = []
    for i in range(len(PARCELS)):
        x0 = origin.x + (i % 5) * 400.0
        y0 = origin.y + (i // 5) * 300.0
        boxes.append(shapely.box(x0, y0, x0 + 300.0, y0 + 200.0))
    return gpd.GeoDataFrame(geometry=boxes, crs=GK)


def build(folder: Path) -> Files:
    folder.mkdir(parents=True, exist_ok=True)
    blocks = _blocks()
    # boundary: the blocks' extent + 1 km, in WGS84 GeoJSON with a 名称
    ext = shapely.box(*blocks.total_bounds).buffer(1000, join_style="mitre")
    bnd = gpd.GeoDataFrame({"名称": ["东湖测试园区"]}, geometry=[ext], crs=GK).to_crs(4326)
    boundary = folder / "boundary.geojson"
    bnd.to_file(boundary, driver="GeoJSON")
    # 街道 units: west and east halves
    x0, y0, x1, y1 = ext.bounds
    xm = (x0 + x1) / 2
    units = gpd.GeoDataFrame(
        {"街道": ["关东街道", "佛祖岭街道"]},
        geometry=[shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1)],
        crs=GK,
    ).to_crs(4326)
    units_path = folder / "streets.geojson"
    units.to_file(units_path, driver="GeoJSON")
    # parcels: GBK Shapefile without .cpg, in a zip, in a sub-folder, GBK member names
    area_ha = blocks.geometry.area / 10_000.0
    ydmj = area_ha.round(4).to_numpy().copy()
    ydmj[-1] = ydmj[-1] * 100  # 100× wrong
    attrs = gpd.GeoDataFrame(
        {
            "DKBH": [p[0] for p in PARCELS],
            "YDDM": [p[1] for p in PARCELS],
            "YDMJ": ydmj,
            "RJL": [p[2] for p in PARCELS],
            "JZMD": [p[3] for p in PARCELS],
            "备注": ["东湖"] * len(PARCELS),
        },
        geometry=blocks.geometry,
        crs=GK,
    )
    shp_dir = folder / "shp"
    shp_dir.mkdir(exist_ok=True)
    shp = shp_dir / "控规地块.shp"
    attrs.to_file(shp, driver="ESRI Shapefile", encoding="GBK")
    for extra in shp_dir.glob("*.cpg"):
        extra.unlink()
    parcels = folder / "kg_parcels.zip"
    gbk_zip(parcels, {f"成果/{m.name}": m.read_bytes() for m in sorted(shp_dir.iterdir())})
    # 三调 patches: the same blocks, CGCS2000 geographic, DLBM codes
    survey = gpd.GeoDataFrame(
        {
            "BSM": [f"42011{i:05d}" for i in range(4)],
            "DLBM": ["0601", "05H1", "1004", "0701"],
            "DLMC": ["工业用地", "商业服务业设施用地", "城镇村道路用地", "城镇住宅用地"],
            "TBMJ": blocks.geometry.area.to_numpy()[:4].round(2),
        },
        geometry=blocks.geometry.to_numpy()[:4],
        crs=GK,
    ).to_crs(4490)
    survey_path = folder / "dltb.gpkg"
    survey.to_file(survey_path, layer="DLTB", driver="GPKG")
    # firm list: title row, header row, 是/否, GB/T 4754 codes, points in GCJ-02 for two firms
    cent = blocks.geometry.centroid.to_crs(4326)
    glon, glat = wgs84_to_gcj02(cent.x.to_numpy(), cent.y.to_numpy())
    firms = pd.DataFrame(
        {
            "统一社会信用代码": CREDIT,
            "企业名称": [
                "武汉光谷芯片有限公司",
                "东湖新材料股份有限公司",
                "光谷生物科技有限公司",
                "东湖软件有限公司",
                "东湖物流有限公司",
            ],
            "是否规上": ["是", "是", "否", "是", "否"],
            "行业代码": ["C3973", "C2651", "M7340", "I6513", "G5920"],
            "税收总额(万元)": ["1,250.5", "860", "12.3", "430", "3"],
            "营业收入(万元)": [52000, 31000, 410, 9000, 120],
            "地块编号": ["DH-01", "DH-02", None, "DH-05", None],
            "经度": [None, None, glon[2], None, glon[6]],
            "纬度": [None, None, glat[2], None, glat[6]],
        }
    )
    firms_path = folder / "企业税收.xlsx"
    with pd.ExcelWriter(firms_path, engine="openpyxl") as xw:
        pd.DataFrame([["2023年度东湖测试园区企业税收统计表"]]).to_excel(
            xw, sheet_name="企业", header=False, index=False
        )
        firms.to_excel(xw, sheet_name="企业", startrow=2, index=False)
        pd.DataFrame({"说明": ["数据来源: 税务局"]}).to_excel(xw, sheet_name="说明", index=False)
    return Files(folder, boundary, parcels, survey_path, firms_path, units_path)


class GbkInfo(zipfile.ZipInfo):
    """A member name stored as Chinese Windows stores it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(GbkInfo(name), data)
    return path


def credit_code(base17: str) -> str:
    """A valid 统一社会信用代码 from 17 characters (GB 32100-2015 check digit)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(base17, weights, strict=True))
    return base17 + alphabet[(31 - total % 31) % 31]


CREDIT = [credit_code(f"91420100MA4K{n:05d}") for n in range(5)]
_ = np
