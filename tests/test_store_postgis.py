"""The project store on PostgreSQL + PostGIS (the team backend).

Needs a server: ``eval "$(bash .ci/postgis.sh)"`` exports GEOPLAN_TEST_PG_URL (+ PGPASSWORD).
Without it these tests FAIL, telling how to start one; they are skipped only when
GEOPLAN_SKIP_POSTGIS=1 is set, and then say so.
"""

from __future__ import annotations

import logging
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from conftest_store import StoreContract, make_layer, pg_url_or_fail

from geoplan.store import StoreError, open_store

pytestmark = pytest.mark.postgis


@pytest.fixture
def pg_url():
    return pg_url_or_fail()


@pytest.fixture
def schema(pg_url):
    """A fresh schema per test (dropped afterwards), so tests never see each other's items."""
    import psycopg
    from psycopg import sql

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def store(pg_url, schema):
    return open_store(pg_url, schema=schema)


@pytest.fixture
def target(pg_url, schema, store):
    return {"store": pg_url, "schema": schema}


@pytest.fixture
def reopen(pg_url, schema):
    return lambda: open_store(pg_url, schema=schema)


class TestPostgisStore(StoreContract):
    """Every behaviour of the store contract, against a real PostGIS server."""

    def test_frames_are_real_postgis_tables(self, store, pg_url, schema):
        import psycopg
        from psycopg import sql

        store.save("layer", "地块", make_layer(6, seed=2))
        store.save("layer", "wgs", make_layer(2).to_crs(4326))
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute(
                sql.SQL("SELECT name, meta FROM {} ORDER BY id").format(
                    sql.Identifier(schema, "items")
                )
            ).fetchall()
            import json

            tables = {name: json.loads(meta)["parts"][0]["table"] for name, meta in rows}
            n, srid, gtype, area = conn.execute(
                sql.SQL(
                    "SELECT count(*), max(ST_SRID(geometry)), "
                    "max(GeometryType(geometry)), sum(ST_Area(geometry)) FROM {}"
                ).format(sql.Identifier(schema, tables["地块"]))
            ).fetchone()
            assert (n, srid, gtype) == (
                6,
                0,
                "POLYGON",
            )  # local TM has no EPSG code → SRID 0, CRS in meta
            assert area == pytest.approx(6 * 50 * 50)
            assert (
                conn.execute(
                    sql.SQL("SELECT max(ST_SRID(geometry)) FROM {}").format(
                        sql.Identifier(schema, tables["wgs"])
                    )
                ).fetchone()[0]
                == 4326
            )

    def test_schema_created_concurrently_by_two_openers(self, pg_url, schema, tmp_path):
        from conftest_store import finish, start_worker

        procs = [
            start_worker(
                {
                    "store": pg_url,
                    "schema": schema,
                    "kind": "scenario",
                    "name": f"s{i}",
                    "payload": {"type": "scenario", "text": "a: 1\n"},
                }
            )
            for i in range(2)
        ]
        assert all(finish(p)["ok"] for p in procs)
        assert {r["name"] for r in open_store(pg_url, schema=schema).list()} == {"s0", "s1"}


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user, host = parts.netloc.rsplit("@", 1) if "@" in parts.netloc else ("", parts.netloc)
    user = user.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:{password}@{host}", parts.path, parts.query, ""))


def test_password_never_logged_or_shown(pg_url, schema, caplog, monkeypatch):
    password = os.environ.get("PGPASSWORD") or urlsplit(pg_url).password
    if not password:
        pytest.skip("the test server has no password (trust auth); nothing to hide")
    url = _with_password(pg_url, password)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    caplog.set_level(logging.DEBUG)
    store = open_store(url, schema=schema)
    store.save("scenario", "s", "a: 1\n")
    assert password not in store.label and password not in repr(store)
    assert password not in caplog.text
    assert "saved scenario 's' v1" in caplog.text
    with pytest.raises(StoreError) as err:
        open_store(_with_password(pg_url, password + "-wrong"), schema=schema)
    assert password not in str(err.value) and "cannot connect" in str(err.value)


def test_streamlit_style_secrets(pg_url, schema, monkeypatch):
    parts = urlsplit(pg_url)
    secrets = {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "dbname": parts.path.lstrip("/"),
        "user": parts.username,
        "password": os.environ.get("PGPASSWORD") or parts.password,
    }
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("GEOPLAN_PG_URL", raising=False)
    store = open_store("postgis", secrets=secrets, schema=schema)
    assert store.save("scenario", "from-secrets", "a: 1\n") == 1
    assert store.backend == "postgis" and "***" not in store.label
    if secrets["password"]:
        assert secrets["password"] not in store.label
    monkeypatch.setenv("GEOPLAN_PG_URL", pg_url)
    monkeypatch.setenv("PGPASSWORD", secrets["password"] or "")
    assert open_store("postgis", schema=schema).latest_version("scenario", "from-secrets") == 1


def test_bad_schema_name_rejected(pg_url):
    with pytest.raises(StoreError, match="schema name"):
        open_store(pg_url, schema='x"; DROP TABLE y; --')


def test_cli_against_postgis(pg_url, schema, tmp_path, capsys, monkeypatch):
    import json

    from geoplan.cli.main import main

    monkeypatch.setenv("GEOPLAN_PG_SCHEMA", schema)
    scen = tmp_path / "s.yaml"
    scen.write_text("name: 西拓北延\nops: []\n", encoding="utf-8")
    assert (
        main(["store", "save", "scenario", "西拓北延", str(scen), "--store", pg_url, "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert main(["store", "list", "--store", pg_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "postgis" and [i["name"] for i in out["items"]] == ["西拓北延"]
    assert (
        main(
            ["store", "export", "scenario", "西拓北延", str(tmp_path / "o.yaml"), "--store", pg_url]
        )
        == 0
    )
    assert (tmp_path / "o.yaml").read_text(encoding="utf-8") == scen.read_text(encoding="utf-8")
    # a later process (a restart) sees the same scenario
    assert open_store(pg_url, schema=schema).load("scenario", "西拓北延")["text"] == scen.read_text(
        encoding="utf-8"
    )
