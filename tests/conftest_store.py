"""Helpers shared by tests/test_store.py and tests/test_store_postgis.py (not a conftest plugin).

Also a worker script: ``python tests/conftest_store.py '<json>'`` saves one item in a separate
process, optionally stopping at a store hook (so a test can SIGKILL it mid-save, or hold it inside
the save transaction while a second process tries to save). It prints one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

REPO = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve()
#: generous guard against a hung worker; never a measurement
GUARD_S = 180.0


def make_layer(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """A deterministic layer of *n* small squares in the working CRS with a few typed columns."""
    from geoplan.data.crs import WORKING_CRS

    rng = np.random.default_rng(seed)
    x = 495000 + rng.uniform(0, 20000, n)
    y = 4300000 + rng.uniform(0, 20000, n)
    geoms = shapely.box(x, y, x + 50, y + 50)
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{seed}-{i:06d}" for i in range(n)],
            "tax_per_mu": rng.normal(30, 10, n).round(3),
            "floors": rng.integers(1, 20, n),
            "plate": np.where(rng.random(n) < 0.5, "黄泥川", "龙王塘"),
        },
        geometry=geoms,
        crs=WORKING_CRS,
    )


def pg_url_or_fail() -> str:
    """GEOPLAN_TEST_PG_URL, or skip (only if GEOPLAN_SKIP_POSTGIS=1, with that reason) or fail."""
    url = os.environ.get("GEOPLAN_TEST_PG_URL", "").strip()
    if url:
        return url
    if os.environ.get("GEOPLAN_SKIP_POSTGIS", "").strip() == "1":
        pytest.skip(
            "PostGIS store tests explicitly disabled with GEOPLAN_SKIP_POSTGIS=1 "
            "(GEOPLAN_TEST_PG_URL is not set)"
        )
    pytest.fail(
        "GEOPLAN_TEST_PG_URL is not set, so the PostGIS store tests cannot run. Start a throwaway "
        'server with:  eval "$(bash .ci/postgis.sh)"  (installs postgresql+postgis if missing), '
        "or set GEOPLAN_SKIP_POSTGIS=1 to skip them explicitly.",
        pytrace=False,
    )


def start_worker(job: dict) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(job)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_file(path: Path, proc: subprocess.Popen | None = None) -> None:
    """Wait until *path* exists (the worker reached a point); fail if the worker died first."""
    deadline = time.monotonic() + GUARD_S
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"worker exited (code {proc.returncode}) before {path.name}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"worker never reached {path.name}")
        time.sleep(0.01)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=GUARD_S)
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    assert lines, f"worker printed no result (code {proc.returncode}):\n{out}\n{err}"
    return json.loads(lines[-1])


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=GUARD_S)
    assert proc.returncode == -signal.SIGKILL


# ------------------------------------------------------------------------------------------
# the worker (runs in a child process)
# ------------------------------------------------------------------------------------------


def _worker(job: dict) -> None:
    import geoplan.store.base as gs
    from geoplan.errors import ConflictError

    store = gs.open_store(job["store"], schema=job.get("schema"))
    hook = job.get("hook")
    if hook:
        marker = Path(hook["marker"])
        release = Path(hook["release"]) if hook.get("release") else None
        state = {"hit": False}

        def at_hook() -> None:
            if state["hit"]:
                return
            state["hit"] = True
            marker.write_text("reached")
            if hook.get("pause"):
                while release is None or not release.exists():
                    time.sleep(0.01)

        gs.HOOKS[hook["at"]] = at_hook
    if job.get("before"):
        Path(job["before"]).write_text("about to save")
    p = job["payload"]
    payload = make_layer(p["rows"], p.get("seed", 0)) if p["type"] == "layer" else p["text"]
    if job.get(
        "with_result"
    ):  # a scenario and its result in one transaction (scenario run --store)
        result = {"summary": {"n": 1}, "parcels": make_layer(p.get("result_rows", 30000), 5)}
        try:
            versions = store.save_many(
                [
                    ("scenario", job["name"], payload, job.get("expected")),
                    ("result", job["name"], result, job.get("expected_result")),
                ],
                user=job.get("user", "worker"),
            )
        except ConflictError as exc:
            sys.stdout.write(
                json.dumps({"ok": False, "error": "ConflictError", "message": str(exc)}) + "\n"
            )
            return
        sys.stdout.write(json.dumps({"ok": True, "versions": versions}) + "\n")
        return
    try:
        version = store.save(
            job["kind"],
            job["name"],
            payload,
            user=job.get("user", "worker"),
            message=job.get("message", ""),
            expected_version=job.get("expected"),
            force=job.get("force", False),
        )
    except ConflictError as exc:
        sys.stdout.write(
            json.dumps(
                {"ok": False, "error": "ConflictError", "message": str(exc)}, ensure_ascii=False
            )
            + "\n"
        )
        return
    sys.stdout.write(json.dumps({"ok": True, "version": version}) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    _worker(json.loads(sys.argv[1]))


# ------------------------------------------------------------------------------------------
# The behaviour every backend must show. Test modules subclass this with fixtures:
#   store   – a fresh, empty Store
#   target  – {"store": address, "schema": schema or None}: how a worker process opens it
#   reopen  – callable returning a new Store object on the same storage ("after a restart")
# ------------------------------------------------------------------------------------------


class StoreContract:
    def test_layer_roundtrip_keeps_dtypes_crs_and_chinese(self, store, reopen):
        from geoplan.data.crs import WORKING_CRS

        g = make_layer(7, seed=1)
        g["n"] = pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64")
        g["ok"] = [True, False, True, True, False, True, False]
        g["since"] = pd.to_datetime(["2024-03-01 08:00"] * 7).tz_localize("Asia/Shanghai")
        g["名称"] = ["甲", None, "丙", "丁", "戊", "己", "庚"]
        g["extra"] = [[1, 2], {"a": 1}, None, [], "x", 3, 2.5]
        g["class"] = pd.Categorical(
            ["A", "B", None, "A", "D", "B", "A"], categories=["D", "C", "B", "A"], ordered=True
        )
        g["f32"] = np.arange(7, dtype="float32")
        g["s"] = pd.array(["x", None, "z", "w", "v", "u", "t"], dtype="string")
        g.loc[2, "tax_per_mu"] = np.nan
        g.loc[3, "geometry"] = None
        g.loc[4, "geometry"] = shapely.Polygon()
        v = store.save("layer", "地块 parcels", g, user="王工", message="首次导入")
        assert v == 1
        back = reopen().load("layer", "地块 parcels")
        assert back.crs == WORKING_CRS
        pd.testing.assert_frame_equal(back, g)
        assert back.geometry.iloc[4].is_empty and back.geometry.iloc[3] is None

    def test_plain_table_with_index_roundtrip(self, store):
        firms = pd.DataFrame(
            {
                "firm_id": ["F1", "F2", "F3"],
                "tax_wan": [12.5, 0.0, 3.25],
                "employees": np.array([10, 0, 7], dtype="int32"),
            },
            index=pd.Index(["a", "b", "c"], name="key"),
        )
        store.save("layer", "firms", firms)
        pd.testing.assert_frame_equal(store.load("layer", "firms"), firms)
        # hostile / awkward column names are data, never SQL
        odd = pd.DataFrame(
            {
                'a"; DROP TABLE items; --': [1],
                "A": [2],
                "a": [3],
                "geoplan_fid": [4],
                "很长的中文字段名" * 4: [5],
                "": [6],
            }
        )
        store.save("layer", "odd", odd)
        pd.testing.assert_frame_equal(store.load("layer", "odd"), odd)
        assert store.latest_version("layer", "firms") == 1
        empty = make_layer(0)
        store.save("layer", "empty", empty)
        back = store.load("layer", "empty")
        assert (
            len(back) == 0 and list(back.columns) == list(empty.columns) and back.crs == empty.crs
        )

    def test_evaluation_and_result_bundles_roundtrip(self, store):
        g = make_layer(5, seed=2)
        scores = pd.Series([1.0, 2.0, np.nan], name="score")
        payload = {
            "parcels": g,
            "by_plate": pd.DataFrame({"plate": ["黄泥川"], "mu": [12.0]}),
            "summary": {
                "classes": {"A": 3, "B": 2},
                "mean": 0.5,
                "nan": float("nan"),
                "np": np.float64(1.5),
                "list": [1, "二", None],
            },
            "nested": [{"s": scores}],
        }
        store.save("evaluation", "亩均评价2024", payload)
        back = store.load("evaluation", "亩均评价2024")
        pd.testing.assert_frame_equal(back["parcels"], g)
        pd.testing.assert_frame_equal(back["by_plate"], payload["by_plate"])
        pd.testing.assert_series_equal(back["nested"][0]["s"], scores)
        assert back["summary"]["classes"] == {"A": 3, "B": 2} and back["summary"]["np"] == 1.5
        assert np.isnan(back["summary"]["nan"]) and back["summary"]["list"] == [1, "二", None]
        store.save(
            "result",
            "西拓北延-结果",
            {"kpis": pd.DataFrame({"k": [1]}), "provenance": {"scenario_version": 3}},
        )
        assert store.load("result", "西拓北延-结果")["provenance"] == {"scenario_version": 3}

    def test_scenario_text_kept_exactly_and_bad_yaml_rejected(self, store):
        from geoplan.errors import SchemaError
        from geoplan.store import PayloadError

        text = "# 西拓北延\nname: 西拓北延\nops:\n  - {op: rezone, parcels: [P1], to: '100101'}\n"
        store.save("scenario", "西拓北延", text)
        assert store.load("scenario", "西拓北延") == {"text": text, "meta": {}}
        store.save("scenario", "西拓北延", {"text": text + "# v2\n", "meta": {"base": "现状"}})
        assert store.load("scenario", "西拓北延")["meta"] == {"base": "现状"}
        with pytest.raises(SchemaError, match="line 2"):
            store.save("scenario", "坏", "a: 1\n  b: [\n")
        with pytest.raises(PayloadError):
            store.save("layer", "x", {"not": "a frame"})
        with pytest.raises(PayloadError, match="not a string"):
            store.save("evaluation", "x", {1: "int key"})
        assert store.latest_version("scenario", "坏") == 0

    def test_versions_are_immutable_and_listed(self, store, reopen):
        for i in range(3):
            assert (
                store.save(
                    "layer", "roads", make_layer(3 + i, seed=i), user=f"u{i}", message=f"m{i}"
                )
                == i + 1
            )
        store.save("scenario", "s", "a: 1\n")
        s2 = reopen()
        for i in range(3):
            pd.testing.assert_frame_equal(
                s2.load("layer", "roads", version=i + 1), make_layer(3 + i, seed=i)
            )
        hist = s2.history("layer", "roads")
        assert [(h["version"], h["user"], h["message"], h["rows"]) for h in hist] == [
            (1, "u0", "m0", [3]),
            (2, "u1", "m1", [4]),
            (3, "u2", "m2", [5]),
        ]
        items = {(r["kind"], r["name"]): r for r in s2.list()}
        assert set(items) == {("layer", "roads"), ("scenario", "s")}
        assert (
            items[("layer", "roads")]["version"] == 3 and items[("layer", "roads")]["versions"] == 3
        )
        assert [r["name"] for r in s2.list("scenario")] == ["s"]
        from geoplan.store import ItemNotFoundError

        with pytest.raises(ItemNotFoundError, match="no version 9"):
            s2.load("layer", "roads", version=9)
        with pytest.raises(ItemNotFoundError, match="no layer named"):
            s2.load("layer", "nothing")

    def test_expected_version_conflict_writes_nothing_and_is_audited(self, store):
        from geoplan.errors import ConflictError

        assert store.save("scenario", "腾笼换鸟", "v: 1\n", expected_version=0) == 1
        assert store.save("scenario", "腾笼换鸟", "v: 2\n", user="李工", expected_version=1) == 2
        with pytest.raises(ConflictError, match=r"version 2 was saved by 李工"):
            store.save("scenario", "腾笼换鸟", "v: lost?\n", user="王工", expected_version=1)
        with pytest.raises(ConflictError, match="already exists"):
            store.save("scenario", "腾笼换鸟", "v: new\n", expected_version=0)
        assert store.latest_version("scenario", "腾笼换鸟") == 2
        assert store.load("scenario", "腾笼换鸟")["text"] == "v: 2\n"
        log = store.audit_log(kind="scenario", name="腾笼换鸟")
        assert [e["action"] for e in log] == ["save", "save", "conflict", "conflict"]
        assert log[2]["user"] == "王工" and log[2]["details"] == {
            "expected_version": 1,
            "latest_version": 2,
        }

    def test_audit_log_says_who_when_what_changed(self, store):
        g = make_layer(4)
        store.save("layer", "parcels", g, user="王工", message="导入")
        g2 = make_layer(6).assign(new_col=1.0).drop(columns=["floors"])
        store.save("layer", "parcels", g2, user="李工", message="补充")
        store.save("scenario", "s", "a: 1\nb: 2\n", user="张工")
        store.save("scenario", "s", "a: 1\nb: 3\nc: 4\n", user="张工", message="改b")
        log = store.audit_log()
        assert [(e["user"], e["action"], e["kind"], e["name"], e["version"]) for e in log] == [
            ("王工", "save", "layer", "parcels", 1),
            ("李工", "save", "layer", "parcels", 2),
            ("张工", "save", "scenario", "s", 1),
            ("张工", "save", "scenario", "s", 2),
        ]
        assert all(e["time"] and e["time"].endswith("Z") for e in log)
        change = log[1]["details"]["changes"][0]
        assert change == {
            "table": 0,
            "rows_before": 4,
            "rows_after": 6,
            "columns_added": ["new_col"],
            "columns_removed": ["floors"],
        }
        assert log[3]["details"]["lines_added"] == 2 and log[3]["details"]["lines_removed"] == 1
        assert "+b: 3" in log[3]["details"]["diff"]
        assert [e["version"] for e in store.audit_log(limit=2)] == [1, 2]

    def test_names_are_sanitised(self, store):
        from geoplan.store import StoreError

        for bad in [
            "../etc/passwd",
            "a/b",
            "a\\b",
            "..",
            ".hidden",
            "x\x00y",
            "tab\there",
            "",
            "   ",
            "a" * 121,
            "C:evil",
            "rtl\u202eexe",
        ]:
            with pytest.raises(StoreError):
                store.save("scenario", bad, "a: 1\n")
        assert store.save("scenario", "  西拓北延   方案（一）  ", "a: 1\n") == 1
        assert [r["name"] for r in store.list()] == ["西拓北延 方案（一）"]
        with pytest.raises(StoreError, match="unknown item kind"):
            store.save("table", "x", "a: 1\n")

    def test_export_writes_files_atomically(self, store, tmp_path):
        import pyogrio

        from geoplan.store import StoreError

        g = make_layer(5)
        store.save("layer", "地块", g)
        text = "name: 方案\n"
        store.save("scenario", "方案", text)
        store.save("evaluation", "评价", {"parcels": g, "summary": {"n": 5}})
        out = store.export("layer", "地块", tmp_path / "p.gpkg")
        assert len(pyogrio.read_dataframe(out)) == 5
        assert (
            store.export("layer", "地块", tmp_path / "p.geojson")
            .read_text(encoding="utf-8")
            .count('"Feature"')
            == 5
        )
        assert (store.export("scenario", "方案", tmp_path / "s.yaml")).read_text(
            encoding="utf-8"
        ) == text
        ev = store.export("evaluation", "评价", tmp_path / "e.gpkg")
        assert {name for name, _ in pyogrio.list_layers(ev)} == {"parcels", "geoplan_document"}
        existing = tmp_path / "keep.txt"
        existing.write_text("old")
        with pytest.raises(Exception, match="cannot export"):
            store.export("layer", "地块", existing)
        assert existing.read_text() == "old"
        with pytest.raises(StoreError, match="outside"):
            store.export("layer", "地块", tmp_path / ".." / "x.gpkg", within=tmp_path)
        assert [e["action"] for e in store.audit_log()][-4:] == ["export"] * 4

    # --- processes: kill and concurrency -------------------------------------------------

    def test_writer_killed_mid_save_leaves_previous_version(self, store, target, reopen, tmp_path):
        base = make_layer(50, seed=7)
        store.save("layer", "big", base, message="v1")
        marker = tmp_path / "mid-write"
        proc = start_worker(
            {
                **target,
                "kind": "layer",
                "name": "big",
                "payload": {"type": "layer", "rows": 30000, "seed": 8},
                "hook": {"at": "after_chunk", "marker": str(marker), "pause": True},
            }
        )
        wait_for_file(marker, proc)  # rows of version 2 are being written inside the transaction
        # readers are not blocked by the open save and never see its uncommitted rows
        assert reopen().latest_version("layer", "big") == 1
        pd.testing.assert_frame_equal(reopen().load("layer", "big"), base)
        kill(proc)
        s2 = reopen()
        assert s2.latest_version("layer", "big") == 1
        assert [h["version"] for h in s2.history("layer", "big")] == [1]
        pd.testing.assert_frame_equal(s2.load("layer", "big"), base)
        assert [e["version"] for e in s2.audit_log(name="big")] == [1]
        # the store is not left locked or damaged: the next save works and gets version 2
        assert s2.save("layer", "big", make_layer(10, seed=9)) == 2
        pd.testing.assert_frame_equal(s2.load("layer", "big", version=1), base)

    def test_scenario_and_result_saved_together_or_not_at_all(
        self, store, target, reopen, tmp_path
    ):
        store.save("scenario", "西拓", "v: 1\n")
        store.save("result", "西拓", {"summary": {"n": 0}, "parcels": make_layer(5, seed=1)})
        marker = tmp_path / "mid-result"
        proc = start_worker({
            **target, "kind": "scenario", "name": "西拓", "with_result": True,
            "payload": {"type": "scenario", "text": "v: 2\n", "result_rows": 30000},
            "hook": {"at": "after_chunk", "marker": str(marker), "pause": True},
        })  # fmt: skip
        wait_for_file(
            marker, proc
        )  # the scenario row is written, the result's rows are being written
        kill(proc)
        s2 = reopen()
        assert (
            s2.latest_version("scenario", "西拓") == 1
        )  # the scenario did not land without its result
        assert s2.latest_version("result", "西拓") == 1
        assert s2.load("scenario", "西拓")["text"] == "v: 1\n"
        # and a whole save of both still works
        proc = start_worker({
            **target, "kind": "scenario", "name": "西拓", "with_result": True,
            "payload": {"type": "scenario", "text": "v: 2\n", "result_rows": 10},
        })  # fmt: skip
        assert finish(proc) == {"ok": True, "versions": [2, 2]}

    def test_writer_killed_anywhere_in_save_never_leaves_partial_version(
        self, store, target, reopen, tmp_path
    ):
        base = make_layer(20, seed=3)
        store.save("layer", "big", base)
        marker = tmp_path / "in-transaction"
        proc = start_worker(
            {
                **target,
                "kind": "layer",
                "name": "big",
                "payload": {"type": "layer", "rows": 40000, "seed": 4},
                "hook": {"at": "after_check", "marker": str(marker), "pause": False},
            }
        )
        wait_for_file(marker, proc)
        proc.kill()  # wherever the writer is now: filling tables, committing, or done
        proc.wait(timeout=GUARD_S)
        s2 = reopen()
        pd.testing.assert_frame_equal(s2.load("layer", "big", version=1), base)
        latest = s2.latest_version("layer", "big")
        assert latest in (1, 2)
        if latest == 2:  # the commit made it before the kill: then version 2 must be complete
            pd.testing.assert_frame_equal(s2.load("layer", "big"), make_layer(40000, seed=4))

    def test_concurrent_saves_with_same_expected_version_one_conflicts(
        self, store, target, tmp_path
    ):
        store.save("scenario", "西拓北延", "v: 1\n")
        go = tmp_path / "go"
        procs = []
        for who in ("王工", "李工"):
            job = {
                **target,
                "kind": "scenario",
                "name": "西拓北延",
                "payload": {"type": "scenario", "text": f"by: {who}\n"},
                "user": who,
                "expected": 1,
                "hook": {
                    "at": "after_check",
                    "marker": str(tmp_path / f"m-{who}"),
                    "pause": True,
                    "release": str(go),
                },
            }
            procs.append(start_worker(job))
        # release both at once; each may already be waiting inside its transaction or for the lock
        wait_for_any([tmp_path / "m-王工", tmp_path / "m-李工"], procs)
        go.write_text("go")
        results = [finish(p) for p in procs]
        assert sorted(r["ok"] for r in results) == [False, True], results
        loser = next(r for r in results if not r["ok"])
        assert loser["error"] == "ConflictError" and "version 2 was saved by" in loser["message"]
        winner_text = store.load("scenario", "西拓北延")["text"]
        assert store.latest_version("scenario", "西拓北延") == 2
        assert winner_text in ("by: 王工\n", "by: 李工\n")
        assert store.load("scenario", "西拓北延", version=1)["text"] == "v: 1\n"

    def test_second_writer_waits_for_first_then_conflicts(self, store, target, tmp_path):
        store.save("scenario", "s", "v: 1\n")
        held, release, before_b = tmp_path / "held", tmp_path / "release", tmp_path / "b-starting"
        a = start_worker(
            {
                **target,
                "kind": "scenario",
                "name": "s",
                "payload": {"type": "scenario", "text": "by: A\n"},
                "user": "A",
                "expected": 1,
                "hook": {
                    "at": "after_check",
                    "marker": str(held),
                    "pause": True,
                    "release": str(release),
                },
            }
        )
        wait_for_file(held, a)  # A checked version 1 and holds the save open
        b = start_worker(
            {
                **target,
                "kind": "scenario",
                "name": "s",
                "payload": {"type": "scenario", "text": "by: B\n"},
                "user": "B",
                "expected": 1,
                "hook": {"at": "before_lock", "marker": str(before_b), "pause": False},
            }
        )
        wait_for_file(before_b, b)
        wait_until_blocked(
            target, b
        )  # B is now waiting for A's lock (or, if broken, past its check)
        release.write_text("go")
        ra, rb = finish(a), finish(b)
        assert ra == {"ok": True, "version": 2}
        assert rb["ok"] is False and rb["error"] == "ConflictError"
        assert store.load("scenario", "s")["text"] == "by: A\n"

    def _two_writers(self, target, tmp_path, *, force: bool) -> tuple[dict, dict]:
        """A holds its save open after its check; B reads the latest version and waits; then A
        finishes. Neither names the version it edited (the CLI's default)."""
        held, release, before_b = tmp_path / "held", tmp_path / "release", tmp_path / "b-starting"
        a = start_worker({
            **target, "kind": "scenario", "name": "s", "payload": {"type": "scenario", "text": "by: A\n"},
            "user": "A", "force": force,
            "hook": {"at": "after_check", "marker": str(held), "pause": True, "release": str(release)},
        })  # fmt: skip
        wait_for_file(held, a)
        b = start_worker({
            **target, "kind": "scenario", "name": "s", "payload": {"type": "scenario", "text": "by: B\n"},
            "user": "B", "force": force,
            "hook": {"at": "before_lock", "marker": str(before_b), "pause": False},
        })  # fmt: skip
        wait_for_file(before_b, b)  # B has read the latest version (1) and is about to lock
        wait_until_blocked(target, b)
        release.write_text("go")
        return finish(a), finish(b)

    def test_concurrent_saves_without_expected_version_conflict_by_default(
        self, store, target, tmp_path
    ):
        store.save("scenario", "s", "v: 1\n")
        ra, rb = self._two_writers(target, tmp_path, force=False)
        assert ra == {"ok": True, "version": 2}
        assert rb["ok"] is False and rb["error"] == "ConflictError"
        assert store.load("scenario", "s")["text"] == "by: A\n"
        assert store.audit_log(kind="scenario", name="s")[-1]["action"] == "conflict"

    def test_forced_concurrent_saves_keep_both_and_say_so(self, store, target, tmp_path):
        store.save("scenario", "s", "v: 1\n")
        ra, rb = self._two_writers(target, tmp_path, force=True)
        assert ra["ok"] and rb["ok"]
        assert sorted([ra["version"], rb["version"]]) == [2, 3]
        saves = [e for e in store.audit_log(kind="scenario", name="s") if e["action"] == "save"]
        assert [bool(e["details"].get("forced")) for e in saves] == [False, True, True]
        texts = {store.load("scenario", "s", version=v)["text"] for v in (2, 3)}
        assert texts == {"by: A\n", "by: B\n"}
        assert [h["user"] for h in store.history("scenario", "s")][1:] in (["A", "B"], ["B", "A"])


def wait_until_blocked(target: dict, proc: subprocess.Popen) -> None:
    """Give a worker that is about to take the item lock the chance to get stuck on it.

    PostgreSQL: wait until the server shows a geoplan session waiting on a lock (exact).
    SQLite has no such view; a short grace period lets a broken (non-blocking) save run past
    its version check, which the test then detects. No time is measured or asserted.
    """
    if target.get("schema") is None:
        time.sleep(0.5)
        return
    import psycopg

    deadline = time.monotonic() + GUARD_S
    with psycopg.connect(target["store"], autocommit=True) as conn:
        while True:
            n = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geoplan' "
                "AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if n:
                return
            if proc.poll() is not None or time.monotonic() > deadline:
                return  # the worker finished without blocking: the assertions will tell
            time.sleep(0.01)


def wait_for_any(paths: list[Path], procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + GUARD_S
    while not any(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"worker exited early (code {proc.returncode}):\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail("no worker reached its save")
        time.sleep(0.01)
