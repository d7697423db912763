"""Province project (#19 item 1): the seed-003 layer, the evaluation rule, bad input → exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from geoplan.cli.main import main
from geoplan.errors import GeoplanError, SchemaError, ValidationError
from geoplan.province.evaluation import RuleParams, apply_rule
from geoplan.province.layer import LIAONING, read_layer
from geoplan.province.project import DEFAULT_PROJECT, load_project, report

SEED = Path("/work/shared/seeds")


def test_layer_has_the_15_zones_of_seed_003():
    layer = read_layer(LIAONING)
    assert len(layer.zones) == 15
    national = {z.city[:2] for z in layer.zones if z.level == "national"}
    assert national == {"沈阳", "大连", "鞍山", "本溪", "锦州", "营口", "阜新", "辽阳"}  # 003:L10
    merged = {z.name[:2] for z in layer.zones if z.management == "merged"}
    assert merged == {"沈阳", "抚顺", "锦州", "营口", "辽阳", "铁岭", "绥中"}  # 003:L72
    assert layer.total_area_km2.value == 1248.9


@pytest.mark.skipif(not SEED.is_dir(), reason="seeds not on this machine")
def test_every_lead_industry_and_makerspace_is_on_its_cited_line():
    text = next(SEED.glob("003_*.txt")).read_text(encoding="utf-8").splitlines()
    layer = read_layer(LIAONING)
    for z in layer.zones:
        for fact in (z.lead_industries, z.makerspaces, z.platforms, z.funds):
            line = text[int(fact.source.split(":L")[1]) - 1]
            for item in fact.items:
                assert item in line, (z.id, item, fact.source)


def test_one_zone_one_industry_check_counts_lead_industries():
    doc = report(load_project(), drill=False)
    byid = {z["id"]: z for z in doc["zones"]}
    assert byid["dalian"]["one_zone_one_industry"] == {
        "count": 1,
        "ok": True,
        "rule": "1-2",
        "source": "003:L88",
    }
    assert byid["shenyang"]["one_zone_one_industry"]["ok"] is False  # three lead industries
    assert set(doc["one_zone_one_industry"]["not_meeting"]) == {
        z for z, r in byid.items() if not 1 <= r["one_zone_one_industry"]["count"] <= 2
    }


def test_rule_yellow_then_delist_only_for_consecutive_years():
    v = pd.DataFrame(
        {
            "zone": ["a", "a", "a", "b", "b"],
            "year": [2018, 2019, 2021, 2019, 2020],
            "开发程度": [50, 50, 50, 70, 50],
            "产业集聚度": [50, 50, 50, 70, 50],
        }
    )
    p = RuleParams(weights={"开发程度": 1, "产业集聚度": 3}, fail_below=60)
    out = apply_rule(v, p).set_index(["zone", "year"])["card"]
    assert out[("a", 2018)] == "yellow"
    assert out[("a", 2019)] == "delist"
    assert out[("a", 2021)] == "yellow"  # 2020 missing: not two consecutive years
    assert out[("b", 2019)] == "none"
    assert out[("b", 2020)] == "yellow"
    # the dimension line is a parameter too
    p2 = RuleParams(weights={"开发程度": 1, "产业集聚度": 3}, fail_below=0, dimension_fail_below=60)
    assert apply_rule(v, p2)["failed"].sum() == 4


def test_weights_change_the_score():
    v = pd.DataFrame({"zone": ["a"], "year": [2020], "开发程度": [40.0], "产业集聚度": [80.0]})
    s1 = apply_rule(v, RuleParams(weights={"开发程度": 1, "产业集聚度": 1}))["score"][0]
    s2 = apply_rule(v, RuleParams(weights={"开发程度": 1, "产业集聚度": 3}))["score"][0]
    assert s1 == pytest.approx(60.0) and s2 == pytest.approx(70.0)


def _project(tmp_path: Path, csv: str | None = None, extra: str = "") -> Path:
    src = DEFAULT_PROJECT.parent
    shutil.copy(src / "zones.yaml", tmp_path / "zones.yaml")
    (tmp_path / "values.csv").write_text(
        csv
        if csv is not None
        else "zone,year,开发程度,产业集聚度,技术创新能力,创新创业环境\ndalian,2020,70,70,70,70\n",
        encoding="utf-8",
    )
    layers = Path(__file__).resolve().parents[1] / "layers"
    (tmp_path / "province.yaml").write_text(
        f"name: t\nlayer: zones.yaml\nindicators: values.csv\nzone_folders:\n"
        f"  - {{zone: dalian, folder: {layers}}}\n{extra}",
        encoding="utf-8",
    )
    return tmp_path / "province.yaml"


def test_zone_folder_listed_twice_is_exit_2(tmp_path, capsys):
    layers = Path(__file__).resolve().parents[1] / "layers"
    y = _project(tmp_path, extra=f"  - {{zone: shenyang, folder: {layers}/../layers}}\n")
    with pytest.raises(SchemaError, match="listed twice"):
        load_project(y)
    assert main(["province", "--project", str(y), "--no-drill"]) == 2
    err = capsys.readouterr().err
    assert "province.yaml" in err and "line 6" in err and "listed twice" in err


def test_bad_csv_rows_name_row_and_column(tmp_path, capsys):
    csv = (
        "zone,year,开发程度,产业集聚度,技术创新能力,创新创业环境\n"
        "dalian,2020,70,70,70,70\n"
        "nowhere,2020,70,70,70,70\n"
        "dalian,20x0,70,70,70,70\n"
        "dalian,2019,70,abc,70,170\n"
        "dalian,2020,71,70,70,70\n"
    )
    y = _project(tmp_path, csv)
    with pytest.raises(ValidationError) as ei:
        load_project(y)
    got = {(p.row, p.field) for p in ei.value.problems}
    assert got == {(3, "zone"), (4, "year"), (5, "产业集聚度"), (5, "创新创业环境"), (6, "year")}
    assert main(["province", "--project", str(y), "--json", "--no-drill"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False and {p["row"] for p in out["problems"]} == {3, 4, 5, 6}


def test_missing_column_and_unknown_weight(tmp_path):
    y = _project(tmp_path, "zone,year,开发程度\ndalian,2020,50\n")
    with pytest.raises(ValidationError, match="产业集聚度"):
        load_project(y)
    y = _project(tmp_path, extra="evaluation: {weights: {开发度: 1}}\n")
    with pytest.raises(GeoplanError, match="unknown dimension"):
        load_project(y)


def test_cli_json_lists_15_zones_with_facts_and_drill_in(capsys):
    assert main(["province", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["zones_n"] == 15 and len(doc["zones"]) == 15
    dl = next(z for z in doc["zones"] if z["id"] == "dalian")
    assert dl["lead_industries"] == {
        "items": ["软件和服务外包产业"],
        "source": "003:L90",
        "note": None,
    }
    assert dl["zone_folder"] and dl["evaluation"]
    d = doc["drill_in"]["dalian"]
    assert sum(d["classes"].values()) > 0 and d["low_efficiency"]["parcels"] > 0
    assert d["infrastructure"]["substation"]["capacity"] > 0
    cards = {z["id"]: z["latest_card"] for z in doc["zones"]}
    assert set(doc["at_risk"]["yellow"]) == {k for k, v in cards.items() if v == "yellow"}
