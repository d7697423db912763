"""The app's zone picker and the 数据 page's import wizard (Streamlit AppTest).

A bureau's files for a zone that is not Dalian (tests/bureau.py: GBK Shapefile zip in a
Gauss-Krüger zone, 三调 layer, an Excel firm list with a title row, firm points in GCJ-02) go
through the wizard: every file's mapping, code conversions and problems are shown, the zone is
created in the projects folder, the session switches to it, and every page then shows that zone
only — its parcels and its firms, never the sample's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bureau  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> bureau.Files:
    return bureau.build(tmp_path_factory.mktemp("bureau_app"))


@pytest.fixture()
def projects(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GEOPLAN_PROJECTS_DIR", str(tmp_path / "projects"))
    return tmp_path / "projects"


def _data_page(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, files: bureau.Files) -> AppTest:
    for kind, path in (
        ("zone", files.boundary), ("parcels", files.parcels), ("firms", files.firms),
        ("landuse_survey", files.survey), ("units", files.units),
    ):  # fmt: skip
        up = next(u for u in at.get("file_uploader") if u.key == f"iw_up_{kind}")
        up.upload(path.name, path.read_bytes())
    at.run()
    at.text_input(key="iw_name").input("东湖测试园区").run()
    at.radio(key="iw_firm_coord_zh").set_value("gcj02").run()
    return at


def test_wizard_shows_mappings_and_creates_the_zone(files, projects):
    at = _upload(_data_page(), files)
    at.button(key="iw_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    labels = [e.label for e in at.expander]
    assert any("地块" in x and "可导入" in x for x in labels), labels
    headers = [set(map(str, d.value.columns)) for d in at.dataframe]
    assert any({"原代码", "用地用海代码", "数量", "处理"} <= h for h in headers), (
        headers
    )  # code conversions
    assert any({"对应字段", "推导/换算"} <= h for h in headers), headers  # derived fields
    codes = next(d.value for d in at.dataframe if "原代码" in d.value.columns)
    assert {"M1", "M2"} & set(codes["原代码"])  # GB 50137 codes of the bureau's parcels, by name
    assert any("企业关联地块" in c.value for c in at.caption)
    at.button(key="iw_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    zone_file = projects / "zones" / "东湖测试园区" / "zone.yaml"
    assert zone_file.exists()
    assert at.session_state["zone_path"] == str(zone_file.resolve())


def test_picked_zone_is_the_only_zone_a_page_shows(files, projects, sample_zone):
    from geoplan.zone import load_zone
    from geoplan.zone_init import Source, init_zone

    dest = projects / "zones" / "donghu"
    init_zone(
        dest,
        [Source("zone", files.boundary), Source("parcels", files.parcels),
         Source("firms", files.firms, {"coord_system": "gcj02"}), Source("units", files.units)],
        name="东湖测试园区",
    )  # fmt: skip
    mine = load_zone(dest)
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    picker = at.sidebar.selectbox[0]
    assert len(picker.options) == 2 and any("内置示例" in o for o in picker.options)
    picker.select_index(1).run()
    assert not at.exception, [e.value for e in at.exception]
    vals = {m.label: m.value for m in at.metric}
    assert vals["地块数"] == f"{len(mine.layers['parcels']):,}"
    assert vals["企业数"] == f"{len(mine.layers['firms']):,}"  # its own firms, not the sample's
    assert vals["企业数"] != f"{len(sample_zone.layers['firms']):,}"
    assert not any("示意" in i.value for i in at.sidebar.info)  # the sample notice is the sample's
    assert not any("大连" in str(t.value) for t in at.title)  # no Dalian name in that zone's pages
    other = AppTest.from_file(APP, default_timeout=240)
    other.run()  # another session stays on the sample
    vals = {m.label: m.value for m in other.metric}
    assert vals["企业数"] == f"{len(sample_zone.layers['firms']):,}"


def test_wizard_refuses_files_without_a_boundary(files, projects):
    at = _data_page()
    up = next(u for u in at.get("file_uploader") if u.key == "iw_up_parcels")
    up.upload(files.parcels.name, files.parcels.read_bytes())
    at.run()
    assert any("边界" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "iw_create"]


def test_wizard_names_the_broken_file(files, projects, tmp_path):
    at = _data_page()
    bad = tmp_path / "坏文件.geojson"
    bad.write_text("{not json", encoding="utf-8")
    for kind, path in (("zone", files.boundary), ("parcels", bad)):
        next(u for u in at.get("file_uploader") if u.key == f"iw_up_{kind}").upload(
            path.name, path.read_bytes()
        )
    at.run()
    at.button(key="iw_preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in at.error] + [x.label for x in at.expander]
    assert any("坏文件.geojson" in s for s in shown), shown
    assert not (projects / "zones").exists() or not any((projects / "zones").iterdir())


PAGES = [
    "app_pages/overview.py", "app_pages/targets.py", "app_pages/chains.py", "app_pages/parcels.py",
    "app_pages/infrastructure.py", "app_pages/suitability.py", "app_pages/scenario.py", "app_pages/data.py",
]  # fmt: skip


@pytest.fixture(scope="module")
def donghu(files, tmp_path_factory) -> Path:
    from geoplan.zone_init import Source, init_zone

    dest = tmp_path_factory.mktemp("zones_pages") / "donghu"
    init_zone(
        dest,
        [Source("zone", files.boundary), Source("parcels", files.parcels), Source("landuse_survey", files.survey),
         Source("firms", files.firms, {"coord_system": "gcj02"}), Source("units", files.units)],
        name="东湖测试园区",
    )  # fmt: skip
    return dest / "zone.yaml"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_on_a_zone_with_only_its_own_layers(page, donghu):
    """A zone without 板块, structure, roads, facilities or a DEM: each page shows what the zone
    has (or says what is missing) — no exception, no Dalian name."""
    at = AppTest.from_file(APP, default_timeout=240)
    at.session_state["zone_path"] = str(donghu.resolve())
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [x.value for x in [*at.title, *at.header, *at.subheader, *at.caption, *at.markdown]]
    assert not [s for s in texts if "大连" in str(s)], page


def test_zone_folder_names_cannot_escape_the_zones_folder(projects):
    from geoplan.zone_init import default_zone_folder

    for name in ("..", "../../etc", "a/../../b", ".hidden", "x\x00y"):
        p = default_zone_folder(name)
        assert p.parent == projects / "zones", (name, p)
