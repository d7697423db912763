"""Streamlit AppTest for every page: renders without exceptions, key widgets, scorecard, language,
error boundary, and the scenario comparison."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = {
    "app_pages/overview.py": {"radio": ["ov_structure_zh"], "metrics": 6},
    "app_pages/parcels.py": {
        "selectbox": ["pa_by_zh"],
        "multiselect": ["pa_plate", "pa_status_zh"],
        "text_input": ["pa_find"],
    },
    "app_pages/infrastructure.py": {"radio": ["in_kind_zh", "in_phase_zh"]},
    "app_pages/suitability.py": {"radio": ["su_what_zh"], "slider": ["su_min_area"]},
    "app_pages/scenario.py": {
        "selectbox": ["sc_use_zh"],
        "number_input": ["sc_far"],
        "button": ["sc_run"],
    },
    "app_pages/data.py": {"text_input": ["iw_name"], "radio": ["iw_coord_zh", "iw_firm_coord_zh"]},
}


def run_page(page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def keys(elements) -> set:
    return {e.key for e in elements}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_with_key_widgets(page):
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "lang" in keys(at.radio) and "basemap_zh" in keys(at.selectbox)  # shared sidebar
    assert any("示意" in i.value for i in at.sidebar.info)
    for kind, wanted in PAGES[page].items():
        if kind == "metrics":
            assert len(at.metric) >= wanted
            continue
        present = keys(getattr(at, kind))
        assert set(wanted) <= present, (kind, wanted, present)


def test_overview_kpis_come_from_the_sample(sample_zone):
    at = run_page()
    vals = {m.label: m.value for m in at.metric}
    assert vals["地块数"] == f"{len(sample_zone.layers['parcels']):,}"
    assert vals["企业数"] == f"{len(sample_zone.layers['firms']):,}"
    targets = at.dataframe[0].value
    assert "有效高新技术企业数 (家)" in set(targets["指标"])


def test_english_switch():
    at = run_page(lang="en")
    assert not at.exception
    assert at.title[0].value == "Dalian High-tech Zone planning assistant"
    assert any(m.label == "Parcels" for m in at.metric)


def test_find_parcel_shows_scorecard(sample_zone):
    pid = str(sample_zone.layers["parcels"]["parcel_id"].iloc[10])
    at = run_page("app_pages/parcels.py")
    at.text_input(key="pa_find").input(pid).run()
    assert at.selectbox(key="pa_pick").value == pid
    assert not at.exception, [e.value for e in at.exception]
    heads = [s.value for s in at.subheader]
    assert any(pid in h and "地块评估卡片" in h for h in heads), heads
    assert len(at.tabs) >= 4
    labels = {m.label for m in at.metric}
    assert {"用地性质", "面积(亩)", "容积率"} <= labels


def test_find_by_firm_name(sample_zone):
    firms = sample_zone.layers["firms"]
    name, pid = str(firms["name"].iloc[5]), str(firms["parcel_id"].iloc[5])
    at = run_page("app_pages/parcels.py")
    at.text_input(key="pa_find").input(name).run()
    assert pid in at.selectbox(key="pa_pick").options


def test_filter_changes_parcel_count(sample_zone):
    at = run_page("app_pages/parcels.py")
    plate = sorted(sample_zone.layers["parcels"]["plate"].unique())[0]
    at.multiselect(key="pa_plate").select(plate).run()
    n = int((sample_zone.layers["parcels"]["plate"] == plate).sum())
    assert any(f"显示 {n} 个地块" in c.value for c in at.caption)


def test_error_boundary_shows_st_error(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    at = run_page(basemap_zh="tianditu")
    assert not at.exception
    assert any("TIANDITU_KEY" in e.value for e in at.error)


def test_every_ui_string_key_exists_in_both_languages():
    from geoplan.text import STRINGS

    used = set()
    for f in [
        ROOT / "app.py",
        *(ROOT / "app_pages").glob("*.py"),
        *(ROOT / "geoplan" / "present").glob("*.py"),
    ]:
        used |= set(re.findall(r"""\bT\(\s*"([a-z0-9_]+)\"""", f.read_text(encoding="utf-8")))
        used |= set(re.findall(r"""\bt\(\s*"([a-z0-9_]+)\"""", f.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in STRINGS)
    assert not missing, missing
    assert all(zh and en for zh, en in STRINGS.values())


def test_scenario_run_yields_comparison():
    pytest.importorskip("geoplan.scenario", reason="scenario engine (issue 6) not in the tree yet")
    at = run_page("app_pages/scenario.py")
    at.button(key="sc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("情景对比" in s.value for s in at.subheader)
    assert len(at.dataframe) >= 1


def test_parcels_page_offers_both_excel_downloads(sample_zone):
    pytest.importorskip("geoplan.present.report")
    import sys

    sys.path.insert(0, str(ROOT))
    at = run_page("app_pages/parcels.py")
    assert not at.exception
    assert len(at.get("download_button")) >= 2  # internal + 公示
    from app_pages import _eval as E
    from geoplan.analysis import land_yield

    z = sample_zone
    ev = land_yield.evaluate(z.layers["parcels"], z.layers["firms"], plates=z.layers["plates"])
    internal, public = E._workbook(ev, "internal"), E._workbook(ev, "public")
    assert internal[:2] == b"PK" and public[:2] == b"PK" and internal != public


@pytest.mark.parametrize(
    "page",
    [
        "app_pages/parcels.py",
        "app_pages/infrastructure.py",
        "app_pages/data.py",
        "app_pages/scenario.py",
    ],
)
def test_pages_in_english(page):
    at = run_page(page, lang="en")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert not any("模块建设中" in i.value for i in at.info)  # pending notes are translated too


def test_language_switch_keeps_page_working():
    at = run_page()
    at.radio(key="ov_structure_zh").set_value("13th").run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.radio(key="ov_structure_en").value == "14th"  # per-language widget state
    assert at.title[0].value.startswith("Dalian")


def test_drawn_polygon_is_added_to_the_scenario_yaml(sample_zone):
    import yaml

    p = sample_zone.layers["parcels"]
    drawn = p.iloc[:1][["geometry"]].copy()
    drawn["geometry"] = drawn.geometry.buffer(200).envelope
    at = run_page("app_pages/scenario.py", sc_drawn=drawn)
    assert any(m.label == "已绘制范围面积" for m in at.metric)
    at.button(key="sc_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    doc = yaml.safe_load(at.text_area[0].value)
    op = doc["operations"][-1]
    assert (
        op["op"] == "add_land"
        and op["land_use"] == "100101"
        and op["geometry"]["type"] == "Polygon"
    )
    assert op["industry"] == "智能制造" and doc["name"].endswith(
        "（修改）"
    )  # jobs and output, own name
    lon, lat = op["geometry"]["coordinates"][0][0]
    assert 121 < lon < 122 and 38.5 < lat < 39.5  # EPSG:4326 in the scenario file


# --- 基础设施 page -------------------------------------------------------------------------------


def _frame_with(at: AppTest, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, (column, [list(d.value.columns) for d in at.dataframe])
    return frames[0]


def test_infra_page_sewage_balance_2035(sample_zone):
    at = run_page("app_pages/infrastructure.py")
    at.radio(key="in_phase_zh").set_value("2035").run()
    at.radio(key="in_kind_zh").set_value("sewage_plants").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    df = _frame_with(at, "容量(m³/d)")
    plants = sample_zone.layers["sewage_plants"]
    assert len(df) == len(plants)
    assert set(df["名称"]) == set(plants["name"].astype(str))
    row = df[df["名称"] == "英歌石污水处理厂"]
    assert len(row) == 1 and row["容量(m³/d)"].iloc[0] == 35000
    assert {"需求(m³/d)", "负载率(%)", "余量(m³/d)", "预警"} <= set(df.columns)
    # utilisation in % = demand / capacity
    r = row.iloc[0]
    assert float(r["负载率(%)"]) == pytest.approx(100 * r["需求(m³/d)"] / 35000, abs=0.1)
    assert any("污水处理厂" in w.value for w in at.warning)  # alert summary of this kind


def test_infra_page_coverage_metrics_are_shares():
    at = run_page("app_pages/infrastructure.py")
    assert not at.exception, [e.value for e in at.exception]
    vals = {m.label: m.value for m in at.metric}
    for label in ("500米见园", "50米见绿", "幼儿园", "小学", "社区卫生服务"):
        assert label in vals, (label, sorted(vals))
        v = vals[label]
        assert v.endswith("%"), v
        assert 0.0 <= float(v.rstrip("%")) <= 100.0
    gaps = _frame_with(at, "盲区片数")
    assert len(gaps) == 5 and (gaps["盲区片数"] >= 0).all()
    frame = _frame_with(at, "已建(km)")
    assert {"旅顺南路", "中部通道"} <= set(frame["道路"])
    assert any(m.label.startswith("六纵五横 完成度") for m in at.metric)


def test_infra_page_widget_changes_reuse_cached_analyses(monkeypatch, tmp_path):
    import shutil
    import sys

    sys.path.insert(0, str(ROOT))
    from app_pages import _precompute as P
    from geoplan.analysis import coverage
    from geoplan.analysis import infrastructure as infra

    calls = {"analyse": 0, "coverage": 0}

    def counting(name, fn):
        def wrapper(*a, **k):
            calls[name] += 1
            return fn(*a, **k)

        return wrapper

    monkeypatch.setattr(infra, "analyse", counting("analyse", infra.analyse))
    monkeypatch.setattr(
        coverage, "service_coverage", counting("coverage", coverage.service_coverage)
    )
    # a zone of its own (a copy of the sample): this test's cache entries are fresh whatever ran
    # before, and no background warm-up computes beside the page
    shutil.copytree(ROOT / "layers", tmp_path / "zone")
    monkeypatch.setattr(P, "_jobs", lambda *a, **k: [])
    at = run_page("app_pages/infrastructure.py", zone_path=str(tmp_path / "zone" / "zone.yaml"))
    assert not at.exception, [e.value for e in at.exception]
    assert calls == {"analyse": 1, "coverage": 1}
    at.radio(key="in_kind_zh").set_value("sewage_plants").run()  # same phase: nothing recomputed
    assert calls == {"analyse": 1, "coverage": 1}
    at.radio(key="lang").set_value("en").run()  # language (and map) change: still nothing
    assert calls == {"analyse": 1, "coverage": 1}
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="in_phase_en").value == "current"


def test_infra_page_alerts_are_translated():
    at = run_page("app_pages/infrastructure.py", lang="en")
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "overloaded: demand" in text  # the sample overloads substations today
    assert "超载" not in text
    assert any(m.label.startswith("In-service capacity") for m in at.metric)


def test_infra_spread_colors_keeps_neighbours_apart():
    from geoplan.present.viz import spread_colors

    # two pairs of close points, far apart: with two colours each pair gets both
    assert spread_colors([(0, 0), (1, 0), (100, 0), (101, 0)], ["a", "b"]) == ["a", "b", "a", "b"]
    assert len(set(spread_colors([(i, 0) for i in range(5)], list("abcde")))) == 5
    assert spread_colors([], ["a"]) == []


def test_infra_page_dynamic_string_keys_exist(sample_zone):
    """Keys the 基础设施 page builds from library values (alerts, facility status, standards)."""
    from geoplan.analysis.coverage import REQUIRED_STANDARDS
    from geoplan.text import STRINGS

    statuses = set(sample_zone.layers["substations"]["status"]) | set(
        sample_zone.layers["sewage_plants"]["status"]
    )
    wanted = (
        [f"in_alert_{a}" for a in ("ok", "high", "overload", "n1", "not_in_service")]
        + [f"in_fstatus_{s}" for s in statuses]
        + [f"in_cov_{s}" for s in REQUIRED_STANDARDS]
        + [f"in_alerts_{k}" for k in ("overload", "high", "n1", "unserved")]
    )
    assert not [k for k in wanted if k not in STRINGS]


def test_broken_scenario_shows_the_line_and_field_not_a_traceback():
    at = run_page("app_pages/scenario.py")
    key = at.text_area[0].key
    at.text_area(key=key).set_value(
        "name: 坏情景\noperations:\n  - op: raise_far\n    parcels: [NOPE-1]\n    far: 2\n"
    ).run()
    at.button(key="sc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    msg = " ".join(e.value for e in at.error)
    assert "line 4" in msg and "operations.0.parcels" in msg and "NOPE-1" in msg
