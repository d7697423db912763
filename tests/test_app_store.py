"""The app saves and reopens scenarios and evaluations through the project store, across
restarts (a new app session reads what an earlier one wrote), on both backends; a save based on
a version someone else replaced shows a conflict instead of overwriting; the CLI's saves show in
the app."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SCENARIO = ROOT / "layers" / "scenarios" / "04_腾笼换鸟.yaml"


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_env(request, tmp_path, monkeypatch):
    """GEOPLAN_STORE pointing at a fresh GeoPackage, or at the test PostGIS server in a fresh schema."""
    if request.param == "gpkg":
        target = str(tmp_path / "project.gpkg")
        monkeypatch.setenv("GEOPLAN_STORE", target)
        yield target
        return
    from conftest_store import pg_url_or_fail

    url = pg_url_or_fail()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("GEOPLAN_STORE", url)
    monkeypatch.setenv("GEOPLAN_PG_SCHEMA", schema)
    yield url
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def fresh(page: str) -> AppTest:
    """A new app session (as after a restart: nothing in memory but what the store holds)."""
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_scenario_saved_in_the_app_reopens_in_a_new_session(store_env):
    at = fresh("app_pages/scenario.py")
    text = SCENARIO.read_text(encoding="utf-8")
    at.text_area(key=at.text_area[0].key).set_value(text).run()
    at.button(key="sc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="sc_store_name").set_value("龙王塘置换方案").run()
    at.text_input(key="store_user").set_value("王工").run()
    at.button(key="sc_store_save").click().run()
    assert any("第 1 版" in s.value for s in at.success), [e.value for e in at.error]

    again = fresh("app_pages/scenario.py")
    label = "项目库：龙王塘置换方案（第 1 版）"
    assert label in again.selectbox(key="sc_pick").options
    again.selectbox(key="sc_pick").set_value(label).run()
    assert again.text_area(key=f"sc_yaml_{label}").value == text
    data = fresh("app_pages/data.py")
    assert {"情景 · 龙王塘置换方案", "情景结果 · 龙王塘置换方案"} <= set(
        data.selectbox(key="da_store_pick").options
    )
    from geoplan.store import open_store

    log = open_store(store_env).audit_log(kind="scenario", name="龙王塘置换方案")
    assert log[-1]["user"] == "王工" and log[-1]["action"] == "save"


@pytest.fixture
def gpkg_env(tmp_path, monkeypatch):
    """The backend-independent app flows run on the GeoPackage store (the store's own contract
    tests cover conflicts on both backends)."""
    target = str(tmp_path / "project.gpkg")
    monkeypatch.setenv("GEOPLAN_STORE", target)
    return target


def test_evaluation_saved_in_the_app_reopens_with_its_numbers(gpkg_env, sample_zone):
    at = fresh("app_pages/parcels.py")
    at.button(key="pa_store_save").click().run()
    assert any("第 1 版" in s.value for s in at.success), [e.value for e in at.error]
    data = fresh("app_pages/data.py")
    data.selectbox(key="da_store_pick").set_value("评估 · 亩均评价-dalian_default").run()
    assert not data.exception, [e.value for e in data.exception]
    metrics = {m.label: m.value for m in data.metric}
    from geoplan.analysis import land_yield

    ev = land_yield.evaluate(sample_zone.layers["parcels"], sample_zone.layers["firms"])
    assert metrics["A类（优先发展）"] == f"{ev.class_counts()['A']:,}"


def test_saving_over_a_newer_version_is_a_conflict_not_a_lost_write(gpkg_env):
    from geoplan.store import open_store

    store = open_store(gpkg_env)
    store.save("scenario", "共享方案", "name: 共享方案\noperations: []\n", user="甲")
    at = fresh("app_pages/scenario.py")
    label = "项目库：共享方案（第 1 版）"
    at.selectbox(key="sc_pick").set_value(label).run()  # session opens v1 …
    store.save(
        "scenario", "共享方案", "name: 共享方案\ndescription: 乙改\noperations: []\n", user="乙"
    )  # … 乙 saves v2
    at.button(key="sc_run").click().run()
    at.text_input(key="sc_store_name").set_value("共享方案").run()
    at.button(key="sc_store_save").click().run()
    assert any("保存冲突" in e.value for e in at.error)
    assert store.latest_version("scenario", "共享方案") == 2
    assert "乙改" in store.load("scenario", "共享方案")["text"]


def test_cli_saved_scenario_shows_in_the_app(store_env):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "geoplan",
            "scenario",
            "run",
            str(SCENARIO),
            "--store",
            store_env,
            "--save-as",
            "命令行方案",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["saved"]["version"] == 1
    at = fresh("app_pages/scenario.py")
    assert "项目库：命令行方案（第 1 版）" in at.selectbox(key="sc_pick").options
