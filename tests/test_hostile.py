"""A corpus of hostile and broken inputs, each fed to the CLI as a user would, in a fresh process.

Every case must end in a clear refusal: exit 2, no traceback, a message that names the file (and
the row/field where there is one), nothing written outside the output path, the base data
byte-identical — and, for the resource cases, within a time and memory bound measured in the child
(``resource.getrusage``; a bound, not a timing of the happy path). The corpus keeps growing: add
the input that broke something, and what the message must say.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geoplan import settings

ROOT = Path(__file__).resolve().parent.parent

#: Run one CLI call in a child, report exit code, output and the child's own peak RSS and CPU.
_RUNNER = """
import json, resource, sys, time
t0 = time.process_time()
from geoplan.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 2
# the peak of this process's own memory (VmHWM: reset by exec, unlike ru_maxrss, which Linux
# carries over from the forking parent — a large pytest process would show as this child's peak)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
rss = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sys.stderr.write("\\n@@" + json.dumps({"code": code, "rss_mb": rss,
                                       "cpu_s": time.process_time() - t0}) + "\\n")
sys.exit(code)
"""

#: No refusal may need more than this (the libraries alone take ~300 MB).
MAX_RSS_MB = 900
MAX_CPU_S = 30


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    stats = {}
    err = res.stderr
    if "@@" in err:
        err, _, tail = err.rpartition("@@")
        stats = json.loads(tail)
    return {
        "code": res.returncode,
        "out": res.stdout,
        "err": err,
        "text": res.stdout + err,
        **stats,
    }


def refused(r: dict, *needles: str) -> None:
    assert r["code"] == 2, r["text"][-2000:]
    assert "Traceback" not in r["text"], r["text"][-3000:]
    for n in needles:
        assert n in r["text"], f"{n!r} not in:\n{r['text'][-2000:]}"
    assert r["rss_mb"] < MAX_RSS_MB, f"peak RSS {r['rss_mb']:.0f} MB"
    assert r["cpu_s"] < MAX_CPU_S, f"CPU {r['cpu_s']:.1f} s"


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def base_data_untouched():
    """Whatever the corpus does, the bundled zone and the product data stay byte-identical."""
    before = _tree(settings.SAMPLE_ZONE_DIR), _tree(settings.DATA_DIR)
    yield
    assert (_tree(settings.SAMPLE_ZONE_DIR), _tree(settings.DATA_DIR)) == before


# --- resource exhaustion --------------------------------------------------------------------------

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
    )
    + "name: bomb\noperations: []\n"
)


@pytest.mark.slow
def test_yaml_alias_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    assert len(BOMB) < 400
    refused(run("scenario", "run", str(path)), "bomb.yaml", "aliases")
    refused(run("store", "save", "scenario", "bomb", str(path), "--store", str(tmp_path / "s.gpkg")),
            "aliases")  # fmt: skip


@pytest.mark.slow
def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nops: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    refused(run("scenario", "run", str(path)), "deep.yaml", "nested")


def _zip_bomb(path: Path, size: int = 1_000_000_000) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("big.shp", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 24)
            for _ in range(size // len(chunk)):
                f.write(chunk)
        zf.writestr("big.shx", b"\0" * 100)
        zf.writestr("big.dbf", b"\0" * 100)
    return path


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    path = _zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip")
    assert path.stat().st_size < 2_000_000
    return path


@pytest.mark.slow
def test_zip_bomb_is_refused_before_extraction(zip_bomb, tmp_path):
    r = run("validate", str(zip_bomb), "--type", "parcels")
    refused(r, "bomb.zip", "zip bomb")
    assert r["cpu_s"] < 5
    refused(run("zone", "init", str(tmp_path / "z"), "--boundary", str(settings.SAMPLE_ZONE_DIR / "zone.geojson"),
                "--parcels", str(zip_bomb)), "bomb.zip", "zip bomb")  # fmt: skip
    refused(
        run("store", "save", "layer", "x", str(zip_bomb), "--store", str(tmp_path / "s.gpkg")),
        "zip bomb",
    )
    assert not (tmp_path / "z").exists()


# --- reading and creating what it must not ---------------------------------------------------------


def test_store_list_never_creates_a_store(tmp_path):
    missing = tmp_path / "no" / "such.gpkg"
    refused(run("store", "list", "--store", str(missing)), "no such store")
    assert not (tmp_path / "no").exists()
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    for action in (["list"], ["audit"], ["export", "scenario", "x", str(tmp_path / "x.yaml")]):
        refused(run("store", *action, "--store", str(empty)), "not a GeoPlan store")
    assert empty.read_bytes() == b""


def test_malformed_postgresql_url(tmp_path):
    refused(run("store", "list", "--store", "postgresql://[::1"), "invalid PostgreSQL address")


# --- silent wrong results ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["inf", "-inf", "1e308", "nan"])
def test_non_finite_and_absurd_firm_values(tmp_path, bad):
    firms = pd.read_parquet(settings.SAMPLE_ZONE_DIR / "firms.parquet").head(20)
    firms["tax"] = firms["tax"].astype(object)
    firms.loc[firms.index[3], "tax"] = bad
    path = tmp_path / "firms.csv"
    firms.to_csv(path, index=False)
    r = run("validate", str(path), "--type", "firms", "--json")
    if (
        bad == "nan"
    ):  # "nan" written out is a placeholder cell: the value is missing, and tax is required
        refused(r, "firms.csv", "tax")
    else:
        refused(r, "firms.csv", "tax")
        doc = json.loads(r["out"])
        # rows are the file's own line numbers (the header is line 1), as a user finds them
        assert any(
            p["field"] == "tax" and p["row"] == 5 and p["severity"] == "error"
            for p in doc["problems"]
        )


def test_wrong_gauss_kruger_zone_is_caught_and_the_right_one_named(tmp_path):
    import geopandas as gpd

    parcels = gpd.read_parquet(settings.SAMPLE_ZONE_DIR / "parcels.parquet").head(30).to_crs(4550)
    folder = tmp_path / "shp"
    folder.mkdir()
    parcels[["parcel_id", "geometry"]].to_file(folder / "gk.shp")
    (folder / "gk.prj").unlink()  # a CRS-less export in CM 123°E, as surveyors send them
    z = tmp_path / "gk.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    r = run("validate", str(z), "--type", "parcels", "--crs", "EPSG:4549")  # the neighbouring zone
    refused(r, "gk.zip", "outside the zone's extent", "EPSG:4550")


def test_zone_file_that_is_a_list_or_empty(tmp_path):
    for i, text in enumerate(
        [
            "[]\n",
            "",
            "zone: x\nlayers: []\n",
            "zone: x\nlayers:\n  - {name: a, type: nope, path: a.gpkg}\n",
        ]
    ):
        folder = tmp_path / f"z{i}"
        folder.mkdir()
        (folder / "zone.yaml").write_text(text, encoding="utf-8")
        refused(run("layers", "--zone", str(folder)), "zone.yaml")


def test_zone_file_naming_a_path_outside_the_zone(tmp_path):
    folder = tmp_path / "z"
    folder.mkdir()
    (folder / "zone.yaml").write_text("zone: x\nlayers:\n  - {name: p, type: parcels, path: ../../etc/passwd}\n",
                                      encoding="utf-8")  # fmt: skip
    refused(run("layers", "--zone", str(folder)), "outside the zone folder")


def test_stale_temp_files_of_a_killed_writer_are_removed(tmp_path):
    from geoplan.data.io import write_text_atomic

    target = tmp_path / "ev.xlsx"
    dead = tmp_path / ".ev.xlsx.999999999.abcd.xlsx"  # pid 999999999 does not run
    dead.write_bytes(b"partial")
    live = tmp_path / f".ev.xlsx.{os.getpid()}.efgh.xlsx"  # ours: another write in progress
    live.write_bytes(b"in progress")
    write_text_atomic(target, "whole")
    assert target.read_text() == "whole"
    assert not dead.exists() and live.exists()


# --- poor messages ----------------------------------------------------------------------------------------


def test_cpg_that_lies_about_gbk(tmp_path):
    import geopandas as gpd
    import shapely

    folder = tmp_path / "shp"
    folder.mkdir()
    g = gpd.GeoDataFrame(
        {"名称": ["龙头分园"]}, geometry=[shapely.box(121.40, 38.86, 121.41, 38.87)], crs=4326
    )
    g.to_file(folder / "a.shp", encoding="GBK")
    (folder / "a.cpg").write_text("UTF-8")
    z = tmp_path / "cpg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    refused(run("validate", str(z), "--type", "zone"), "cpg.zip", "--encoding gbk")


def test_huge_coordinates_name_rows_not_wkt(tmp_path):
    import geopandas as gpd
    import shapely

    g = gpd.read_parquet(settings.SAMPLE_ZONE_DIR / "parcels.parquet").head(5).to_crs(4326)
    g.loc[g.index[2], "geometry"] = shapely.box(1e300, 1e300, 2e300, 2e300)
    path = tmp_path / "huge.gpkg"
    g.to_file(path, driver="GPKG")
    r = run("validate", str(path), "--type", "parcels")
    refused(r, "huge.gpkg", "row")
    assert "POLYGON" not in r["text"]


def test_excel_with_a_title_row_names_the_header_row(tmp_path):
    df = pd.DataFrame(
        {"企业名称": ["甲"], "税收(万元)": [1.0]}
    )  # no credit code, no parcel: cannot link
    path = tmp_path / "t.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame([["2023年企业名单"]]).to_excel(xw, header=False, index=False)
        df.to_excel(xw, startrow=1, index=False)
    r = run("validate", str(path), "--type", "firms", "--json")
    refused(r, "t.xlsx")
    doc = json.loads(r["out"])
    assert doc["header"] == {"sheet": "Sheet1", "rows": [2]}


def test_a_folder_is_called_a_folder(tmp_path):
    refused(run("validate", str(tmp_path), "--type", "parcels"), "folder")
    refused(run("scenario", "run", str(tmp_path)), "folder")


# --- suitability (DEM, numeric options, output suffixes) -----------------------------------------


def _dem(path: Path, z, crs, transform) -> Path:
    import numpy as np
    import rasterio

    z = np.asarray(z, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=z.shape[1],
        height=z.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=-9999.0,
    ) as dst:
        dst.write(z, 1)  # fmt: skip
    return path


def _sample_dem_grid():
    import rasterio

    with rasterio.open(settings.SAMPLE_ZONE_DIR / "dem.tif") as src:
        return src.crs, src.transform, src.width, src.height


def test_dem_all_nodata_or_one_pixel_is_nothing_to_analyse(tmp_path):
    import numpy as np

    crs, transform, w, h = _sample_dem_grid()
    empty = _dem(tmp_path / "empty.tif", np.full((h // 4, w // 4), -9999.0), crs, transform)
    r = run("suitability", "--dem", str(empty))
    refused(r, "empty.tif", "nothing to analyse")
    assert "0.0 亩" not in r["text"]
    one = _dem(tmp_path / "one.tif", [[12.0]], crs, transform)
    refused(run("suitability", "--dem", str(one), "--json"), "one.tif", "nothing to analyse", "2×2")


def test_dem_in_web_mercator_names_the_reproject_option(tmp_path):
    import numpy as np
    from rasterio.transform import from_origin
    from rasterio.warp import transform as warp

    xs, ys = warp("EPSG:4326", "EPSG:3857", [121.5], [38.9])
    dem = _dem(tmp_path / "merc.tif", np.full((50, 50), 20.0), "EPSG:3857",
               from_origin(xs[0], ys[0], 30.0, 30.0))  # fmt: skip
    r = run("suitability", "--dem", str(dem))
    refused(r, "merc.tif", "--reproject-dem")
    assert "to_working" not in r["text"] and "geoplan.data" not in r["text"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--min-score", "nan"),
        ("--min-score", "1.5"),
        ("--min-score", "-0.1"),
        ("--min-area-mu", "inf"),
        ("--min-area-mu", "-5"),
        ("--setback-m", "1e308"),
        ("--setback-m", "abc"),
        ("--max-slope-pct", "-1"),
    ],
)
def test_suitability_numeric_options_are_validated(option, value):
    refused(run("suitability", option, value), option)


@pytest.mark.parametrize(
    ("option", "name"),
    [
        ("--out", "score.csv"),
        ("--factors", "f.gpkg"),
        ("--constraints-out", "c.png"),
        ("--candidates", "cands.xlsx"),
        ("--zonal", "z.tif"),
    ],
)
def test_suitability_output_suffixes_are_checked_before_any_work(tmp_path, option, name):
    r = run("suitability", option, str(tmp_path / name))
    refused(r, option, name)
    assert r["cpu_s"] < 10  # refused before the grid is computed
    assert not list(tmp_path.iterdir())


def test_suitability_dem_that_is_a_folder_is_called_a_folder(tmp_path):
    refused(run("suitability", "--dem", str(tmp_path)), "folder")


# --- scenarios: paths, magnitudes, geometry, outputs (infra helper) ---------------------------------

_LAND = '  - op: add_land\n    land_use: "100101"\n'


def _scenario(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text("name: s\nphase: 2035\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("base: /etc/passwd\n", "field 'base'"),
        ("base: ../../../../../../etc/passwd\n", "field 'base'"),
        ("operations:\n" + _LAND + "    geometry: {file: /etc/passwd}\n", "geometry.file"),
        ("operations:\n" + _LAND + "    geometry: /etc/hostname\n", "geometry.file"),
    ],
)
def test_scenario_paths_stay_inside_the_zone_and_store(tmp_path, body, field):
    """`file:` / `base:` resolve only inside the zone folder, the project store and the scenario's
    own folder: a hostile path is exit 2 naming the field, never a read of that file."""
    r = run("scenario", "run", str(_scenario(tmp_path, body)))
    refused(r, "s.yaml", field, "outside the zone folder and the project store")


def test_app_scenario_text_cannot_point_at_server_files(tmp_path):
    """The app parses scenario text with the default roots (no scenario folder of its own)."""
    from geoplan.errors import SchemaError
    from geoplan.scenario import parse_scenario

    other = tmp_path / "x.geojson"
    other.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    for body in (
        f"base: {tmp_path}/zone.yaml\n",
        "operations:\n" + _LAND + f"    geometry: {{file: {other}}}\n",
    ):
        with pytest.raises(SchemaError, match="outside the zone folder"):
            parse_scenario("name: s\n" + body, source="box", folder=settings.SCENARIOS_DIR)


@pytest.mark.parametrize(
    ("op", "needle"),
    [
        ("  - op: add_facility\n    kind: substation\n    location: [121.45, 38.85]\n"
         "    capacity: {2035: .inf}\n", "not finite"),
        ("  - op: add_facility\n    kind: substation\n    location: [121.45, 38.85]\n"
         "    capacity: {2035: 1e308}\n", "out of range"),
        ("  - op: add_facility\n    kind: sewage_plant\n    location: [121.45, 38.85]\n"
         "    capacity: 6000000\n", "out of range"),
        ("  - op: expand_facility\n    facility: 黄泥川污水处理厂\n    capacity: {2035: 1.0e+308}\n",
         "out of range"),
        ("  - op: expand_facility\n    facility: 七贤岭66kV变电所\n    capacity: {2035: 20000}\n",
         "out of range"),
        ("  - op: allocate\n    demand: {智能制造: .nan}\n", "not finite"),
    ],
)  # fmt: skip
def test_scenario_absurd_magnitudes_are_errors(tmp_path, op, needle):
    """`.inf` / `1e308` capacities used to report "inf MVA" (or "must be a number"): now an error
    saying not finite / out of range, naming the field (the range is per facility kind)."""
    r = run("scenario", "run", str(_scenario(tmp_path, "operations:\n" + op)))
    refused(r, "s.yaml", "field 'operations.0.", needle)


def test_add_land_with_a_three_district_multipolygon_works(tmp_path):
    """One add_land over a valid MultiPolygon of three districts (the structure's three future
    组团 E13/E14/E15, each of which alone runs) places land in every district."""
    import geopandas as gpd
    import shapely

    st = gpd.read_file(settings.SAMPLE_ZONE_DIR / "structure.geojson").to_crs("EPSG:4326")
    parts = st[st["element_id"].isin(["E13", "E14", "E15"])].geometry.to_numpy()
    mp = shapely.MultiPolygon([p for g in parts for p in shapely.get_parts(g)])
    assert mp.is_valid and len(mp.geoms) == 3
    body = (
        "operations:\n  - op: add_land\n    name: 三组团\n"
        '    mix: {"100101": 0.7, "0802": 0.2, "1401": 0.1}\n    industry: 洁净能源\n'
        f"    geometry: {json.dumps(shapely.geometry.mapping(mp))}\n"
    )
    out = tmp_path / "out"
    r = run("scenario", "run", str(_scenario(tmp_path, body)), "--json", "--out", str(out))
    assert r["code"] == 0 and "Traceback" not in r["text"], r["text"][-3000:]
    rep = json.loads(r["out"])["operations"][0]
    assert rep["parcels_added"] > 3 and rep["firms_added"] > 0
    added = gpd.read_file(next(out.glob("*.gpkg")), layer="parcels")
    added = added[added["parcel_id"].str.startswith("SC01-")].to_crs("EPSG:4326")
    hit = [bool(added.intersects(p.buffer(-1e-4)).any()) for p in mp.geoms]
    assert hit == [True, True, True]


def test_scenario_out_must_be_a_folder_or_gpkg(tmp_path):
    """`--out` an existing file (not .gpkg) or a folder named *.gpkg: exit 2 before any work."""
    sc = _scenario(tmp_path, "operations: []\n")
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me", encoding="utf-8")
    refused(run("scenario", "run", str(sc), "--out", str(existing)), "--out", "is a file")
    assert existing.read_text(encoding="utf-8") == "keep me"
    folder = tmp_path / "res.gpkg"
    folder.mkdir()
    refused(run("scenario", "run", str(sc), "--out", str(folder)), "--out", "folder")
    refused(
        run("scenario", "compare", str(sc), str(sc), "--out", str(existing)), "--out", "is a file"
    )


def test_app_scenario_box_refuses_a_server_path():
    """In the app, `base: /etc/passwd` in the scenario box is the page's error element naming the
    field (it used to be a traceback)."""
    testing = pytest.importorskip("streamlit.testing.v1")
    at = testing.AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("app_pages/scenario.py")
    at.run()
    key = at.text_area[0].key
    at.text_area(key=key).set_value("name: 读文件\nbase: /etc/passwd\noperations: []\n").run()
    at.button(key="sc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    msg = " ".join(e.value for e in at.error)
    assert "base" in msg and "outside the zone folder" in msg and "root:" not in msg
