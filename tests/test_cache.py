"""The disk cache of road networks, attachments and coverage (geoplan.cache): cold and warm give
the same results, a changed input or parameter changes the key, a corrupt file is recomputed,
concurrent writers in two processes leave a readable entry."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan import cache
from geoplan.analysis import coverage as C
from geoplan.analysis import network as N

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """An empty disk cache and an empty memory cache for the test (restored afterwards)."""
    monkeypatch.setenv("GEOPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GEOPLAN_CACHE_MAX_MB", raising=False)
    cache.forget_memory()
    yield tmp_path / "cache"
    cache.forget_memory()


def _files(folder: Path, namespace: str) -> list[Path]:
    return sorted((folder / "v1" / namespace).glob("*.pkl"))


def _no_compute(monkeypatch):
    """Make any recomputation of a network or an attachment fail: the value must come from disk."""

    def boom(*a, **k):
        raise AssertionError("recomputed although the disk cache holds the value")

    monkeypatch.setattr(N, "_build", boom)
    monkeypatch.setattr(N.RoadNetwork, "_attach", boom)
    monkeypatch.setattr(C, "_coverage", boom)


def _same_network(a: N.RoadNetwork, b: N.RoadNetwork) -> None:
    np.testing.assert_array_equal(a.nodes_xy, b.nodes_xy)
    np.testing.assert_array_equal(a.component, b.component)
    assert (a.graph != b.graph).nnz == 0
    pd.testing.assert_frame_equal(a.edges, b.edges)
    assert a.report == b.report
    assert a.key == b.key


def _same_attachment(a: N.Attachment, b: N.Attachment) -> None:
    for x, y in zip(
        (a.edge, a.along_m, a.access_m, a.u, a.v, a.to_u, a.to_v),
        (b.edge, b.along_m, b.access_m, b.u, b.v, b.to_u, b.to_v),
        strict=True,
    ):
        np.testing.assert_array_equal(x, y)


def _same_coverage(a: C.CoverageResult, b: C.CoverageResult) -> None:
    pd.testing.assert_frame_equal(a.parcels, b.parcels)
    pd.testing.assert_frame_equal(a.gaps, b.gaps)
    assert a.shares.keys() == b.shares.keys()
    np.testing.assert_array_equal(list(a.shares.values()), list(b.shares.values()))
    assert a.warnings == b.warnings


def test_cold_and_warm_network_attachment_and_coverage_are_identical(
    disk, sample_zone, monkeypatch
):
    z = sample_zone.layers
    cold_net = N.build_network(z["roads"], tolerance_m=5.0)
    cold_att = cold_net.attach(z["parcels"], max_access_m=500.0)
    cold_cov = C.service_coverage(z["parcels"], z["facilities"], z["roads"], phase="2035")
    for ns in ("network", "attach", "coverage"):
        assert len(_files(disk, ns)) >= 1, ns
    cache.forget_memory()  # a new process: only the disk remains
    attach = N.RoadNetwork._attach
    _no_compute(monkeypatch)
    warm_net = N.build_network(z["roads"], tolerance_m=5.0)
    assert warm_net is not cold_net
    _same_network(cold_net, warm_net)
    _same_attachment(cold_att, warm_net.attach(z["parcels"], max_access_m=500.0))
    warm_cov = C.service_coverage(z["parcels"], z["facilities"], z["roads"], phase="2035")
    _same_coverage(cold_cov, warm_cov)
    # a network read from disk computes the same distances as a new one (the few facilities are
    # attached directly, not cached)
    monkeypatch.setattr(N.RoadNetwork, "_attach", attach)
    d0 = cold_net.nearest_source(z["facilities"], cold_att)[0]
    d1 = warm_net.nearest_source(
        z["facilities"], warm_net.attach(z["parcels"], max_access_m=500.0)
    )[0]
    np.testing.assert_array_equal(d0, d1)


def test_the_cache_is_not_needed_and_callers_cannot_spoil_it(disk, sample_zone, monkeypatch):
    z = sample_zone.layers
    first = C.service_coverage(z["parcels"], z["facilities"], z["roads"])
    first.parcels["park_500m"] = False  # a caller edits its copy …
    first.shares["park_500m"] = -1.0
    again = C.service_coverage(z["parcels"], z["facilities"], z["roads"])
    assert again.shares["park_500m"] != -1.0 and again.parcels["park_500m"].any()
    att = N.build_network(z["roads"]).attach(z["parcels"])
    with pytest.raises(ValueError, match="read-only"):
        att.edge[0] = 7  # shared arrays cannot be modified in place
    monkeypatch.setenv("GEOPLAN_CACHE_MAX_MB", "0")  # disk cache off: same results
    cache.forget_memory()
    off = C.service_coverage(z["parcels"], z["facilities"], z["roads"])
    _same_coverage(again, off)


def test_a_changed_input_or_parameter_changes_the_key(sample_zone):
    z = sample_zone.layers
    roads, parcels, fac = z["roads"], z["parcels"], z["facilities"]
    base = N.network_key(roads, 5.0)
    assert N.network_key(roads.copy(), 5.0) == base  # same content, same key
    assert N.network_key(roads, 2.0) != base
    moved = roads.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.affinity.translate(
        moved.geometry.iloc[0], 1.0, 0.0
    )
    assert N.network_key(moved, 5.0) != base
    status = roads.copy()
    status.loc[status.index[0], "status"] = (
        "planned" if status["status"].iloc[0] != "planned" else "built"
    )
    assert N.network_key(status, 5.0) != base
    unused = roads.copy()
    unused["remark"] = "x"  # a column edges do not carry does not change the network
    assert N.network_key(unused, 5.0) == base

    std = C.load_standards()
    key = C._coverage_key(parcels, fac, roads, None, "current", std)
    assert C._coverage_key(parcels, fac, roads, None, "2035", std) != key
    far = parcels.copy()
    far.loc[far.index[0], "far"] = float(far["far"].iloc[0]) + 0.5
    assert C._coverage_key(far, fac, roads, None, "current", std) != key
    shifted = fac.copy()
    shifted.loc[shifted.index[0], "geometry"] = shapely.affinity.translate(
        shifted.geometry.iloc[0], 0.0, 10.0
    )
    assert C._coverage_key(parcels, shifted, roads, None, "current", std) != key
    std2 = C.load_standards()
    std2["standards"]["clinic"]["radius_m"] += 100
    assert C._coverage_key(parcels, fac, roads, None, "current", std2) != key
    taxed = parcels.copy()
    taxed["tax_wan"] = 1.0  # coverage does not read tax figures: same key
    assert C._coverage_key(taxed, fac, roads, None, "current", std) == key


def test_a_changed_input_recomputes(disk, sample_zone):
    z = sample_zone.layers
    net = N.build_network(z["roads"])
    shorter = z["roads"].iloc[:-5]
    other = N.build_network(shorter)
    assert other.key != net.key and other.report["edges"] < net.report["edges"]
    a = net.attach(z["parcels"], max_access_m=500.0)
    b = net.attach(z["parcels"], max_access_m=20.0)
    assert (b.edge == -1).sum() > (a.edge == -1).sum()


def test_a_corrupt_cache_file_is_ignored_and_recomputed(disk, sample_zone, caplog):
    z = sample_zone.layers
    net = N.build_network(z["roads"])
    att = net.attach(z["parcels"])
    cov = C.service_coverage(z["parcels"], z["facilities"], z["roads"])
    files = [p for ns in ("network", "attach", "coverage") for p in _files(disk, ns)]
    assert files
    for i, p in enumerate(files):  # truncated, garbage, empty
        p.write_bytes(
            p.read_bytes()[:100] if i % 3 == 0 else b"\x80\x05garbage" if i % 3 == 1 else b""
        )
    cache.forget_memory()
    net2 = N.build_network(z["roads"])
    _same_network(net, net2)
    _same_attachment(att, net2.attach(z["parcels"]))
    _same_coverage(cov, C.service_coverage(z["parcels"], z["facilities"], z["roads"]))
    assert "unreadable entry" in caplog.text
    # the recomputed entries replaced the corrupt files
    cache.forget_memory()
    for p in [p for ns in ("network", "attach", "coverage") for p in _files(disk, ns)]:
        with p.open("rb") as f:
            pickle.load(f)


_WRITER = r"""
import sys
import numpy as np
from geoplan import cache
tag = int(sys.argv[1])
for i in range(40):
    cache.forget_memory()
    # the same key from both processes; a value big enough that a torn write would show
    cache.memo("race", "k", lambda: np.full(400_000, 7.0), disk=True)
    cache._disk_put("race", "k", np.full(400_000, 7.0))
print("ok")
"""


def test_concurrent_writers_in_two_processes_leave_a_readable_entry(disk):
    env = dict(os.environ, PYTHONPATH=str(ROOT), GEOPLAN_CACHE_DIR=str(disk))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(t)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for t in (1, 2)
    ]
    target = disk / "v1" / "race" / "k.pkl"
    reads = 0
    while any(p.poll() is None for p in procs):
        if target.exists():
            try:
                data = target.read_bytes()
            except FileNotFoundError:
                continue
            value = pickle.loads(data)  # a whole file or none: never torn
            assert value.shape == (400_000,) and (value == 7.0).all()
            reads += 1
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err.decode()
        assert out.strip() == b"ok"
    value = pickle.loads(target.read_bytes())
    assert (value == 7.0).all()
    assert not list(target.parent.glob(".tmp-*"))  # no temp files left behind
    cache.forget_memory()
    assert (cache.memo("race", "k", lambda: None, disk=True) == 7.0).all()


def test_the_cli_evaluation_is_cached_on_disk_by_content(disk, monkeypatch, capsys):
    from geoplan.analysis import land_yield
    from geoplan.cli.main import main

    calls = []
    real = land_yield.evaluate
    monkeypatch.setattr(land_yield, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert main(["evaluate", "--json"]) == 0
    cold = capsys.readouterr().out
    cache.forget_memory()  # a new process
    assert main(["evaluate", "--json"]) == 0
    assert capsys.readouterr().out == cold and len(calls) == 1  # read from disk
    assert main(["evaluate", "--json", "--tenant-rule", "holder"]) == 0
    capsys.readouterr()
    assert len(calls) == 2  # another option, another key


def test_the_zone_is_read_from_disk_in_a_new_process(disk, monkeypatch):
    from geoplan import zone as Z

    cold = Z.load_zone()
    assert _files(disk, "zone")
    cache.forget_memory()

    def boom(path):
        raise AssertionError("zone parsed again although the disk cache holds it")

    monkeypatch.setattr(Z, "_load", boom)
    warm = Z.load_zone()
    assert sorted(warm.layers) == sorted(cold.layers)
    for name, frame in cold.layers.items():
        pd.testing.assert_frame_equal(warm.layers[name], frame)
    assert warm.folder == cold.folder and warm.rasters == cold.rasters


def test_an_edited_zone_file_is_read_again(disk, tmp_path):
    import shutil

    from geoplan import zone as Z

    folder = tmp_path / "zone"
    shutil.copytree(ROOT / "layers", folder)
    before = Z.load_zone(folder)
    fac = folder / "facilities.geojson"
    text = fac.read_text(encoding="utf-8")
    fac.write_text(text.replace("示意", "示例", 1) if "示意" in text else text + "\n", "utf-8")
    cache.forget_memory()
    after = Z.load_zone(folder)
    assert len(_files(disk, "zone")) == 2  # a new key for the new content
    assert after.folder == folder.resolve() and before.folder == folder.resolve()
