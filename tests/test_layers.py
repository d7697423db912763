"""Loading and validation: a corpus of bad files generated here must get clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import make_parcels

from geoplan.data import io
from geoplan.data.catalog import LAYER_TYPES, docs_markdown
from geoplan.data.crs import WORKING_CRS, wgs84_to_gcj02
from geoplan.data.layers import load_layer, validate_file, validate_frame
from geoplan.errors import LoadError, ValidationError


def _messages(report) -> str:
    return "\n".join(p.format() for p in report.problems)


def _write_zip_shp(
    gdf: gpd.GeoDataFrame,
    folder: Path,
    *,
    encoding: str = "UTF-8",
    keep_cpg: bool = True,
    keep_prj: bool = True,
    name: str = "layer",
) -> Path:
    shp_dir = folder / f"{name}_shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / f"{name}.shp", encoding=encoding, engine="pyogrio")
    if not keep_cpg:
        (shp_dir / f"{name}.cpg").unlink(missing_ok=True)
    if not keep_prj:
        (shp_dir / f"{name}.prj").unlink(missing_ok=True)
    z = folder / f"{name}.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    return z


# --- valid files in every supported format ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "zip", "parquet"])
def test_valid_parcels_load_in_every_format(tmp_path, parcels_4326, fmt):
    path = tmp_path / f"p.{fmt}"
    if fmt == "zip":
        path = _write_zip_shp(parcels_4326, tmp_path)
    elif fmt == "parquet":
        parcels_4326.to_parquet(path)
    else:
        parcels_4326.to_file(path, engine="pyogrio")
    layer = load_layer(path, "parcels")
    assert layer.report.ok, _messages(layer.report)
    assert layer.data.crs == WORKING_CRS
    assert len(layer.data) == 4
    assert layer.data["area_m2"].dtype == "float64"


# --- CRS problems ------------------------------------------------------------------------------


def test_missing_crs_is_reported_and_can_be_named(tmp_path, parcels_4326):
    z = _write_zip_shp(parcels_4326, tmp_path, keep_prj=False)
    report = validate_file(z, "parcels")
    assert not report.ok
    assert "no coordinate reference system" in _messages(report)
    assert "--crs" in _messages(report)
    assert load_layer(z, "parcels", crs="EPSG:4326").report.ok


def test_projected_coordinates_labelled_lonlat_are_caught(tmp_path, parcels_4326):
    wrong = parcels_4326.to_crs(4549).set_crs(4326, allow_override=True)  # metres labelled degrees
    path = tmp_path / "wrong.gpkg"
    wrong.to_file(path, engine="pyogrio")
    report = validate_file(path, "parcels")
    assert not report.ok
    assert "not lon/lat" in _messages(report)


def test_lonlat_labelled_projected_is_caught_by_location(tmp_path, parcels_4326):
    wrong = parcels_4326.set_crs(4549, allow_override=True)  # degrees labelled metres
    path = tmp_path / "wrong2.gpkg"
    wrong.to_file(path, engine="pyogrio")
    report = validate_file(path, "parcels")
    assert not report.ok
    assert "outside China" in _messages(report)
    assert "CRS" in _messages(report)
    # against the zone's own extent, the message says how far and names the CRS to try
    report = validate_file(path, "parcels", zone_bounds=(121.30, 38.78, 121.56, 38.95))
    assert "outside the zone's extent" in _messages(report)


def test_gcj02_declared_data_is_converted_on_entry(tmp_path, parcels_4326):
    shifted = parcels_4326.copy()
    shifted.geometry = shapely.transform(
        parcels_4326.geometry.to_numpy(),
        lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
    )
    path = tmp_path / "gcj.geojson"
    shifted.to_file(path, engine="pyogrio")
    as_is = load_layer(path, "parcels").data
    converted = load_layer(path, "parcels", coord_system="gcj02").data
    truth = parcels_4326.to_crs(WORKING_CRS)
    off = as_is.geometry.centroid.distance(truth.geometry.centroid)
    fixed = converted.geometry.centroid.distance(truth.geometry.centroid)
    assert off.min() > 300  # GCJ-02 is hundreds of metres off in Dalian
    assert fixed.max() < 0.5


# --- geometry problems -------------------------------------------------------------------------


def test_invalid_empty_and_wrong_geometry_types(parcels_4326):
    gdf = pd.concat([parcels_4326] * 2, ignore_index=True)
    gdf["parcel_id"] = [f"X{i}" for i in range(len(gdf))]
    geoms = gdf.geometry.to_numpy().copy()
    geoms[0] = shapely.Polygon(
        [(121.40, 38.86), (121.41, 38.87), (121.41, 38.86), (121.40, 38.87)]
    )  # bow-tie
    geoms[1] = shapely.Polygon()
    geoms[2] = shapely.LineString([(121.40, 38.86), (121.41, 38.87)])
    geoms[3] = None
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=4326))
    _, report = validate_frame(gdf, "parcels", source="mixed.gpkg")
    by_row = {(p.row, p.field): p.message for p in report.errors}
    assert "Self-intersection" in by_row[(1, "geometry")]
    assert "empty" in by_row[(2, "geometry")]
    assert "LineString not allowed" in by_row[(3, "geometry")]
    assert "no geometry" in by_row[(4, "geometry")]
    assert all(p.source == "mixed.gpkg" for p in report.problems)


def test_invalid_geometry_repaired_only_when_asked(tmp_path, parcels_4326):
    gdf = parcels_4326.copy()
    geoms = gdf.geometry.to_numpy().copy()
    geoms[0] = shapely.Polygon([(121.40, 38.86), (121.41, 38.87), (121.41, 38.86), (121.40, 38.87)])
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=4326))
    path = tmp_path / "bowtie.gpkg"
    gdf.to_file(path, engine="pyogrio")
    with pytest.raises(ValidationError, match="invalid geometry"):
        load_layer(path, "parcels")
    repaired = load_layer(path, "parcels", repair=True)
    assert repaired.report.ok and repaired.report.repaired == 1
    assert repaired.data.geometry.is_valid.all()
    assert repaired.data.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")
    assert not gpd.read_file(path).geometry.is_valid.all()  # the file itself is never modified


# --- attribute problems ------------------------------------------------------------------------


def test_missing_and_extra_columns(parcels_4326):
    gdf = parcels_4326.drop(columns=["far", "plate"]).rename(columns={"status": "Status"})
    gdf["comment"] = "x"
    _, report = validate_frame(gdf, "parcels")
    text = _messages(report)
    assert "field 'far': required column is missing" in text
    assert "rename column 'Status' to 'status'" in text
    warn = " ".join(p.message for p in report.warnings)
    assert "comment" in warn and "Status" in warn


def test_non_numeric_negative_duplicate_and_out_of_range(parcels_4326):
    gdf = parcels_4326.copy()
    gdf["area_m2"] = gdf["area_m2"].astype(object)
    gdf.loc[1, "area_m2"] = "九千"
    gdf.loc[2, "area_mu"] = -3.0
    gdf.loc[3, "parcel_id"] = gdf.loc[0, "parcel_id"]
    gdf.loc[0, "coverage"] = 45  # percent instead of ratio
    gdf.loc[2, "status"] = "闲置"
    _, report = validate_frame(gdf, "parcels", source="p.gpkg")
    found = {(p.row, p.field) for p in report.errors}
    assert {
        (2, "area_m2"),
        (3, "area_mu"),
        (1, "parcel_id"),
        (4, "parcel_id"),
        (1, "coverage"),
        (3, "status"),
    } <= found
    msg = next(p for p in report.errors if p.field == "area_m2")
    assert "'九千'" in msg.message and "numeric" in msg.hint
    assert "row 2" in msg.format() and "p.gpkg" in msg.format()


def test_negative_tax_in_firms_table(tmp_path):
    firms = pd.DataFrame(
        {
            "firm_id": ["F1", "F2"],
            "parcel_id": ["P1", "P1"],
            "name": ["甲公司", "乙公司"],
            "industry": ["数字技术", "新材料"],
            "scale": ["规上", "规下"],
            "tax": [10.0, -5.0],
            "revenue": [100.0, 50.0],
            "value_added": [30.0, 10.0],
            "energy_tce": [1.0, 2.0],
            "employees": [10, 3],
        }
    )
    path = tmp_path / "firms.csv"
    firms.to_csv(path, index=False, encoding="gb18030")
    report = validate_file(path, "firms")
    assert [(p.row, p.field) for p in report.errors] == [(2, "tax")]
    firms.loc[1, "tax"] = 5.0
    firms.to_csv(path, index=False, encoding="gb18030")
    layer = load_layer(path, "firms")
    assert layer.data["name"].tolist() == ["甲公司", "乙公司"]  # GB18030 CSV decoded


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("keep_cpg", [True, False])
def test_gbk_shapefile_attributes_decode(tmp_path, parcels_4326, keep_cpg):
    gdf = parcels_4326.copy()
    gdf["plate"] = ["黄泥川-龙王塘", "英歌石", "七贤岭", "软件园-凌水"]
    z = _write_zip_shp(gdf, tmp_path, encoding="GBK", keep_cpg=keep_cpg)
    with zipfile.ZipFile(z) as zf:
        assert any(n.endswith(".cpg") for n in zf.namelist()) is keep_cpg
    layer = load_layer(z, "parcels")
    assert layer.data["plate"].tolist() == gdf["plate"].tolist()


def test_gb18030_detected_from_bytes(tmp_path, parcels_4326):
    gdf = parcels_4326.copy()
    gdf["plate"] = "龙头"
    z = _write_zip_shp(gdf, tmp_path, encoding="GB18030", keep_cpg=False)
    with io._extracted_vector(z, None) as shp:
        assert io.detect_dbf_encoding(shp) == "GB18030"


# --- broken and unsafe files -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "parquet", "zip"])
def test_truncated_files_give_a_load_error_naming_the_file(tmp_path, parcels_4326, fmt):
    full = tmp_path / f"full.{fmt}"
    if fmt == "zip":
        full = _write_zip_shp(make_parcels(50), tmp_path)
    elif fmt == "parquet":
        make_parcels(50).to_parquet(full)
    else:
        make_parcels(50).to_file(full, engine="pyogrio")
    data = full.read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(LoadError) as info:
        load_layer(cut, "parcels")
    assert f"cut.{fmt}" in str(info.value)
    report = validate_file(cut, "parcels")
    assert not report.ok


def test_zip_with_parent_paths_is_refused(tmp_path, parcels_4326):
    z = _write_zip_shp(parcels_4326, tmp_path)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(z) as src, zipfile.ZipFile(evil, "w") as dst:
        for n in src.namelist():
            dst.writestr(f"../../{n}", src.read(n))
    with pytest.raises(LoadError, match="unsafe member name"):
        load_layer(evil, "parcels")
    assert not (tmp_path.parent / "layer.shp").exists()


def test_empty_and_unknown_files(tmp_path):
    empty = tmp_path / "e.gpkg"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load_layer(empty, "parcels")
    other = tmp_path / "x.dwg"
    other.write_bytes(b"AC1032")
    with pytest.raises(LoadError, match="unsupported"):
        load_layer(other, "parcels")
    with pytest.raises(LoadError, match="not found"):
        load_layer(tmp_path / "nope.gpkg", "parcels")


def test_zip_without_dbf_is_explained(tmp_path, parcels_4326):
    z = _write_zip_shp(parcels_4326, tmp_path)
    partial = tmp_path / "partial.zip"
    with zipfile.ZipFile(z) as src, zipfile.ZipFile(partial, "w") as dst:
        for n in src.namelist():
            if not n.endswith(".dbf"):
                dst.writestr(n, src.read(n))
    with pytest.raises(LoadError, match=r"\.dbf"):
        load_layer(partial, "parcels")


# --- the declaration is the single source -------------------------------------------------------


def test_every_layer_type_declares_id_and_documents_fields():
    for lt in LAYER_TYPES.values():
        assert lt.field(lt.id_field) is not None and lt.field(lt.id_field).unique
        assert all(f.label_zh and f.label_en for f in lt.fields)
    doc = docs_markdown()
    for name in LAYER_TYPES:
        assert f"`{name}`" in doc
    assert set(LAYER_TYPES) >= {
        "zone",
        "plates",
        "structure",
        "clusters",
        "parcels",
        "firms",
        "substations",
        "sewage_plants",
        "roads",
        "rail",
        "facilities",
        "constraints",
    }


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    io.write_text_atomic(target, "v1")
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer died")
    assert target.read_text() == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_geojson_writer_is_one_feature_per_line(tmp_path, parcels_4326):
    path = io.write_geojson_atomic(tmp_path / "p.geojson", parcels_4326)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 + len(parcels_4326)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["plate"] == "黄泥川-龙王塘"


# --- import hygiene ------------------------------------------------------------------------------


def test_import_geoplan_does_not_import_the_app_stack():
    code = (
        "import sys, geoplan, geoplan.data.layers, geoplan.zone, geoplan.cli, geoplan.data.crs;"
        "import geoplan.cli.main as c; c.build_parser();"
        "bad=[m for m in ('streamlit','folium','branca','streamlit_folium') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_nullable_integer_columns_with_missing_values_validate(parcels_4326):
    gdf = parcels_4326.copy()
    gdf["lease_start"] = pd.array([2010, None, 2015, 3000], dtype="Int64")
    out, report = validate_frame(gdf, "parcels")
    assert [(p.row, p.field) for p in report.errors] == [(4, "lease_start")]
    assert str(out["lease_start"].dtype) == "Int64" and out["lease_start"].isna().sum() == 1


# --- silent wrong results refused (issue: hardening) ------------------------------------------------


def test_area_attribute_100x_off_is_reported_and_the_geometry_wins(tmp_path, parcels_4326):
    gdf = parcels_4326.copy()
    true_m2 = gdf.to_crs(WORKING_CRS).geometry.area.to_numpy()
    gdf["area_m2"], gdf["area_mu"] = true_m2, true_m2 / (10000 / 15)
    gdf.loc[1, "area_m2"] = gdf.loc[1, "area_m2"] * 100
    path = tmp_path / "area.gpkg"
    gdf.to_file(path, engine="pyogrio")
    layer = load_layer(path, "parcels")
    geom = layer.data.geometry.area.to_numpy()
    assert layer.data["area_m2"].iloc[1] == pytest.approx(geom[1])
    assert layer.data["area_mu"].iloc[1] == pytest.approx(geom[1] / (10000 / 15))
    warn = [p for p in layer.report.warnings if p.field == "area_m2"]
    assert [p.row for p in warn] == [2]


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308, "inf"])
def test_non_finite_and_absurd_firm_values_are_errors(tmp_path, bad):
    firms = pd.DataFrame({
        "firm_id": ["F1", "F2"], "parcel_id": ["P000", "P001"], "name": ["甲", "乙"], "industry": ["新材料"] * 2,
        "scale": ["规上", "规下"], "tax": [10.0, bad], "revenue": [100.0, 50.0], "value_added": [30.0, 10.0],
        "energy_tce": [1.0, 1.0], "employees": [10, 5],
    })  # fmt: skip
    path = tmp_path / "firms.csv"
    firms.to_csv(path, index=False)
    report = validate_file(path, "firms")
    assert not report.ok
    prob = next(p for p in report.errors if p.field == "tax")
    assert prob.row == 2
