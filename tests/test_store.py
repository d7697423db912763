"""The project store on its default backend: one GeoPackage per project (geoplan.store)."""

from __future__ import annotations

import json
import os
import sqlite3

import pandas as pd
import pytest
from conftest_store import StoreContract, make_layer, pg_url_or_fail

from geoplan.cli.main import main
from geoplan.store import (
    StoreError,
    open_store,
    project_path,
    redact_url,
    safe_name,
    sanitize_filename,
)


@pytest.fixture
def gpkg_path(tmp_path):
    return tmp_path / "projects" / "测试项目.gpkg"


@pytest.fixture
def store(gpkg_path):
    return open_store(gpkg_path)


@pytest.fixture
def target(gpkg_path, store):
    return {"store": str(gpkg_path), "schema": None}


@pytest.fixture
def reopen(gpkg_path):
    return lambda: open_store(gpkg_path, create=False)


class TestGpkgStore(StoreContract):
    """Every behaviour of the store contract, on a GeoPackage file."""

    def test_file_is_a_real_geopackage_readable_by_gdal(self, store, gpkg_path):
        import pyogrio

        from geoplan.data.crs import WORKING_CRS

        g = make_layer(12, seed=5)
        store.save("layer", "地块", g)
        store.save("layer", "地块", make_layer(3, seed=6))
        store.save("layer", "geo4326", g.to_crs(4326))
        with sqlite3.connect(gpkg_path) as con:
            assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = dict(
                con.execute(
                    "SELECT identifier, table_name FROM gpkg_contents WHERE data_type='features'"
                )
            )
        assert set(tables) == {"layer/地块/v1", "layer/地块/v2", "layer/geo4326/v1"}
        via_gdal = pyogrio.read_dataframe(gpkg_path, layer=tables["layer/地块/v1"])
        assert via_gdal.crs.equals(WORKING_CRS)
        assert via_gdal.geometry.geom_equals_exact(g.geometry, 1e-9).all()
        assert list(via_gdal["plate"]) == list(g["plate"])
        assert (
            pyogrio.read_dataframe(gpkg_path, layer=tables["layer/geo4326/v1"]).crs.to_epsg()
            == 4326
        )

    def test_refuses_to_write_into_a_data_file(self, tmp_path):
        data = tmp_path / "parcels.gpkg"
        make_layer(3).to_file(data, driver="GPKG")
        before = data.read_bytes()
        with pytest.raises(StoreError, match="not a GeoPlan store"):
            open_store(data)
        assert data.read_bytes() == before
        junk = tmp_path / "junk.gpkg"
        junk.write_bytes(b"this is not sqlite" * 100)
        with pytest.raises(StoreError, match="not a readable GeoPackage"):
            open_store(junk)
        with pytest.raises(StoreError, match="no such store"):
            open_store(tmp_path / "missing.gpkg", create=False)

    def test_kill_leaves_a_consistent_sqlite_file(self, store, target, gpkg_path, tmp_path):
        from conftest_store import kill, start_worker, wait_for_file

        store.save("layer", "big", make_layer(5))
        marker = tmp_path / "m"
        proc = start_worker(
            {
                **target,
                "kind": "layer",
                "name": "big",
                "payload": {"type": "layer", "rows": 20000},
                "hook": {"at": "after_chunk", "marker": str(marker), "pause": True},
            }
        )
        wait_for_file(marker, proc)
        kill(proc)
        with sqlite3.connect(gpkg_path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # no orphan tables of the killed version
            assert (
                con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name GLOB 'gp[0-9]*'"
                ).fetchone()[0]
                == 1
            )


# ------------------------------------------------------------------------------------------
# names, paths, URLs, defaults
# ------------------------------------------------------------------------------------------


def test_safe_name_keeps_chinese_and_normalises_space():
    assert safe_name(" 西拓北延  方案（一）·v2 ") == "西拓北延 方案（一）·v2"
    assert safe_name("ｶﾞ") == "ｶﾞ"  # NFC keeps compatibility characters as they are
    with pytest.raises(StoreError):
        safe_name(123)


def test_sanitize_filename_for_uploads():
    assert sanitize_filename("../../etc/地块.gpkg") == "地块.gpkg"
    assert sanitize_filename("C:\\Users\\王\\规划..图.zip") == "规划.图.zip"
    assert sanitize_filename("..\x00evil?.shp") == "_evil_.shp"
    assert sanitize_filename("") == "upload"
    assert sanitize_filename("...") == "upload"
    for raw in ["../../x", "a/b/c", "\x1b[31m", "x" * 500, ".env"]:
        safe_name(sanitize_filename(raw))  # always acceptable as an item name


def test_project_path_never_leaves_the_projects_folder(tmp_path):
    root = tmp_path / "projects"
    root.mkdir()
    assert project_path("黄泥川扩区", root=root) == (root / "黄泥川扩区.gpkg").resolve()
    assert project_path("a.gpkg", root=root) == (root / "a.gpkg").resolve()
    for bad in ["../x", "/etc/passwd", "..", "a/../../b", "sub/x"]:
        with pytest.raises(StoreError):
            project_path(bad, root=root)
    from geoplan.store import open_project

    assert open_project("规划局", root=root).path == (root / "规划局.gpkg").resolve()
    for bad in ["../evil.gpkg", str(tmp_path / "abs.gpkg"), "x/y.gpkg"]:
        with pytest.raises(StoreError):
            open_project(bad, root=root)
    assert not (tmp_path / "evil.gpkg").exists() and not (tmp_path / "abs.gpkg").exists()
    outside = tmp_path / "outside.gpkg"
    os.symlink(outside, root / "link.gpkg")
    with pytest.raises(StoreError, match="outside the projects folder"):
        project_path("link", root=root)


def test_open_store_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOPLAN_PROJECTS_DIR", str(tmp_path / "p"))
    monkeypatch.delenv("GEOPLAN_STORE", raising=False)
    s = open_store()
    assert s.path == tmp_path / "p" / "default.gpkg" and s.path.exists()
    assert open_store("规划局").path == (tmp_path / "p" / "规划局.gpkg").resolve()
    monkeypatch.setenv("GEOPLAN_STORE", str(tmp_path / "team.gpkg"))
    assert open_store().path == tmp_path / "team.gpkg"
    with pytest.raises(StoreError, match=r"must end in \.gpkg"):
        open_store(str(tmp_path / "x.sqlite"))
    with pytest.raises(StoreError, match="unsupported store address"):
        open_store("postgis://u:secret@h/db")
    monkeypatch.delenv("GEOPLAN_PG_URL", raising=False)
    with pytest.raises(StoreError, match="GEOPLAN_PG_URL"):
        open_store("postgis")


def test_redact_url_hides_passwords():
    assert (
        redact_url("postgresql://planner:s3cr%40t@db.intra:5432/geoplan")
        == "postgresql://planner:***@db.intra:5432/geoplan"
    )
    assert (
        redact_url("postgresql://planner@db/geoplan?password=abc&sslmode=require")
        == "postgresql://planner@db/geoplan?password=***&sslmode=require"
    )
    assert "pw" not in redact_url("postgres://u:pw@h/d")


def test_postgis_tests_never_skip_silently(monkeypatch):
    monkeypatch.delenv("GEOPLAN_TEST_PG_URL", raising=False)
    monkeypatch.delenv("GEOPLAN_SKIP_POSTGIS", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"postgis\.sh"):
        pg_url_or_fail()
    monkeypatch.setenv("GEOPLAN_SKIP_POSTGIS", "1")
    with pytest.raises(pytest.skip.Exception, match="explicitly disabled"):
        pg_url_or_fail()
    monkeypatch.setenv("GEOPLAN_TEST_PG_URL", "postgresql://u@h/d")
    assert pg_url_or_fail() == "postgresql://u@h/d"


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def _cli_json(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)


def test_cli_save_list_export_roundtrip(tmp_path, capsys):
    store = str(tmp_path / "cli.gpkg")
    scen = tmp_path / "s.yaml"
    scen.write_text("name: 西拓北延\nops: []\n", encoding="utf-8")
    layer = tmp_path / "l.gpkg"
    make_layer(4).to_file(layer, driver="GPKG")

    code, out = _cli_json(
        capsys,
        "store",
        "save",
        "scenario",
        "西拓北延",
        str(scen),
        "--store",
        store,
        "-m",
        "初稿",
        "--user",
        "王工",
        "--json",
    )
    assert (
        code == 0 and out["version"] == 1 and out["kind"] == "scenario" and out["backend"] == "gpkg"
    )
    code, out = _cli_json(
        capsys, "store", "save", "layer", "地块", str(layer), "--store", store, "--json"
    )
    assert code == 0 and out["version"] == 1
    code, out = _cli_json(capsys, "store", "list", "--store", store, "--json")
    assert code == 0
    assert [(i["kind"], i["name"], i["version"], i["user"]) for i in out["items"]] == [
        ("layer", "地块", 1, out["items"][0]["user"]),
        ("scenario", "西拓北延", 1, "王工"),
    ]
    assert set(out["items"][0]) >= {
        "kind",
        "name",
        "version",
        "user",
        "time",
        "message",
        "versions",
    }
    # conflict → exit 2 with a JSON error, nothing written
    code, out = _cli_json(
        capsys,
        "store",
        "save",
        "scenario",
        "西拓北延",
        str(scen),
        "--store",
        store,
        "--expected-version",
        "0",
        "--json",
    )
    assert code == 2 and "save conflict" in out["error"]
    code, out = _cli_json(
        capsys,
        "store",
        "export",
        "scenario",
        "西拓北延",
        str(tmp_path / "o.yaml"),
        "--store",
        store,
        "--json",
    )
    assert code == 0 and out["version"] == 1
    assert (tmp_path / "o.yaml").read_text(encoding="utf-8") == scen.read_text(encoding="utf-8")
    code, out = _cli_json(
        capsys,
        "store",
        "list",
        "--store",
        store,
        "--kind",
        "scenario",
        "--name",
        "西拓北延",
        "--json",
    )
    assert [h["version"] for h in out["history"]] == [1]
    code, out = _cli_json(capsys, "store", "audit", "--store", store, "--json")
    assert [e["action"] for e in out["entries"]] == ["save", "save", "conflict", "export"]


def test_cli_evaluation_export_then_save_roundtrip(tmp_path, capsys):
    s = open_store(tmp_path / "a.gpkg")
    payload = {"parcels": make_layer(3), "summary": {"n": 3, "名称": "亩均"}}
    s.save("evaluation", "评价", payload)
    out = tmp_path / "e.gpkg"
    assert (
        main(
            ["store", "export", "evaluation", "评价", str(out), "--store", str(tmp_path / "a.gpkg")]
        )
        == 0
    )
    assert (
        main(["store", "save", "evaluation", "评价", str(out), "--store", str(tmp_path / "b.gpkg")])
        == 0
    )
    back = open_store(tmp_path / "b.gpkg").load("evaluation", "评价")
    assert back["summary"] == payload["summary"]
    assert list(back["parcels"]["parcel_id"]) == list(payload["parcels"]["parcel_id"])
    assert back["parcels"].crs.equals(payload["parcels"].crs)


def test_cli_user_errors_exit_2(tmp_path, capsys):
    store = str(tmp_path / "c.gpkg")
    assert (
        main(["store", "save", "scenario", "../x", str(tmp_path / "none.yaml"), "--store", store])
        == 2
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n", encoding="utf-8")
    assert main(["store", "save", "scenario", "x", str(bad), "--store", store]) == 2
    assert (
        main(["store", "export", "layer", "nothing", str(tmp_path / "o.gpkg"), "--store", store])
        == 2
    )
    assert main(["store", "list", "--store", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not valid YAML" in err and "no layer named" in err


def test_cli_save_layer_from_sample_data(tmp_path, capsys):
    from geoplan.settings import SAMPLE_ZONE_DIR

    parcels = SAMPLE_ZONE_DIR / "parcels.parquet"
    if not parcels.exists():
        pytest.skip("the bundled sample (layers/parcels.parquet) is not generated yet")
    store = str(tmp_path / "s.gpkg")
    code, _ = _cli_json(
        capsys, "store", "save", "layer", "parcels", str(parcels), "--store", store, "--json"
    )
    assert code == 0
    import geopandas as gpd

    original = gpd.read_parquet(parcels)
    back = open_store(store).load("layer", "parcels")
    pd.testing.assert_frame_equal(back, original)
