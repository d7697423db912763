"""Plan indicators: the catalogue (20 表2 rows + the 十三五 series), actual values checked whole,
progress on a linear path, verdicts by measure, the CLI and its bad-input exits."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geoplan.analysis import indicators as ind
from geoplan.data.indicator_tables import read_actuals
from geoplan.errors import ValidationError


@pytest.fixture(scope="module")
def cat():
    return ind.load_catalogue()


def _raw(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [(str(k), str(y), str(v), "", "") for k, y, v in rows],
        columns=["key", "year", "value", "note", "source"],
    )


def test_catalogue_has_every_table2_row_and_the_13th_series(cat):
    t2 = cat.table2
    assert len(t2) == 20
    assert list(t2["row_no"].astype(int)) == list(range(1, 21))
    assert set(t2.loc[t2["nature"] == "约束性", "key"]) == {
        "air_quality_days",
        "energy_intensity_fall",
    }
    assert all(s.startswith("001:L") for s in t2["source"])
    hte = cat.series("hte")
    assert set(hte["table"]) == {"附表", "表1"} and set(hte["series_relation"]) == {"flow_vs_stock"}


def test_linear_path_verdicts(cat):
    # hte: 967 (2020) → 2000 (2025); the path expects 967 + 1033 * 3/5 = 1586.8 in 2023
    acts = ind.validate_actuals(_raw([("hte", 2023, 1600), ("patents", 2023, 7000)]), cat)
    prog = ind.progress(cat, acts).set_index("key")
    assert prog.loc["hte", "expected"] == pytest.approx(1586.8)
    assert prog.loc["hte", "verdict"] == "on_track"
    assert prog.loc["hte", "progress"] == pytest.approx((1600 - 967) / (2000 - 967))
    assert prog.loc["patents", "verdict"] == "behind"  # 6726 → 10000: 2023 expects 8690.4
    acts = ind.validate_actuals(_raw([("hte", 2024, 2100)]), cat)
    assert ind.progress(cat, acts).set_index("key").loc["hte", "verdict"] == "achieved"


def test_verdicts_by_measure(cat):
    acts = ind.validate_actuals(
        _raw(
            [
                ("gdp_growth", 2021, 8.0),
                ("gdp_growth", 2022, 6.0),  # mean 7.0 < 7.5
                ("unemployment", 2022, 3.2),  # ceiling <4
                ("foreign_rd_institutions", 2021, 1),
                ("foreign_rd_institutions", 2022, 1),  # 2 of 3 by 2022 (2/5 of the period)
                ("energy_intensity_fall", 2022, 5),
            ]
        ),
        cat,
    )
    prog = ind.progress(cat, acts).set_index("key")
    assert prog.loc["gdp_growth", "verdict"] == "behind"
    assert prog.loc["gdp_growth", "actual"] == pytest.approx(7.0)
    assert prog.loc["unemployment", "verdict"] == "within_ceiling"
    assert prog.loc["foreign_rd_institutions", "verdict"] == "on_track"
    assert prog.loc["foreign_rd_institutions", "expected"] == pytest.approx(3 * 2 / 5)
    assert prog.loc["energy_intensity_fall", "verdict"] == "not_assessed"
    assert prog.loc["sme", "verdict"] == "no_data"


@pytest.mark.parametrize(
    ("rows", "field", "text"),
    [
        ([("nope", 2023, 1)], "key", "unknown indicator key 'nope'"),
        ([("hte", 2023, "many")], "value", "not a number"),
        ([("digital", 2023, 140)], "value", "out of range"),
        ([("hte", 2019, 900)], "year", "outside the 十四五 plan period 2021-2025"),
        ([("hte", "2023.5", 900)], "year", "not a whole number"),
        ([("hte", 2023, 1), ("hte", 2023, 2)], "year", "given twice"),
        ([("hte", 2023, -5)], "value", "out of range"),
    ],
)
def test_bad_actuals_name_row_and_column(cat, rows, field, text):
    with pytest.raises(ValidationError) as exc:
        ind.validate_actuals(_raw(rows), cat, source="actuals.csv")
    p = exc.value.problems[-1]
    assert p.field == field and text in p.message and p.source == "actuals.csv"
    assert p.row == len(rows) + 1  # header is row 1


def test_read_actuals_maps_chinese_headers_and_refuses_unknown_columns(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("指标代码,年份,数值,备注\nhte,2023,1200,示意\n", encoding="gb18030")
    df = read_actuals(p)
    assert list(df.columns) == ["key", "year", "value", "note", "source"]
    assert df.iloc[0]["key"] == "hte" and df.iloc[0]["note"] == "示意"
    p.write_text("key,year,value,colour\nhte,2023,1,red\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown column 'colour'"):
        read_actuals(p)
    p.write_text("key,value\nhte,1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="required column 'year'"):
        read_actuals(p)


def test_report_derives_firm_counts_from_the_layers(sample_zone, cat):
    from geoplan.analysis import tiers
    from geoplan.standards.chains_tiers import load_tiers

    tl = load_tiers()
    doc = ind.report(sample_zone, cat, tl, ind.empty_actuals(), derived_label="示意")
    hte = next(i for i in doc["indicators"] if i["key"] == "hte")
    n = tiers.indicator_values(sample_zone, tl)["hte"]
    assert n > 0 and hte["actual"] == n and hte["actual_derived"] is True
    assert hte["actual_year"] == doc["data_year"]
    units = doc["by_cluster"]
    assert sum(u["firms"] for u in units) == len(sample_zone.layers["firms"])
    assert sum(u["hte"] for u in units) == n
    assert json.dumps(doc, allow_nan=False)  # no NaN in the JSON


def test_cli_indicators_json_and_bad_input(tmp_path, capsys):
    from geoplan.cli.main import main

    assert main(["indicators", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"] == 20 and len(doc["indicators"]) == 20
    assert all("verdict" in i and "progress" in i for i in doc["indicators"])
    bad = tmp_path / "bad.csv"
    bad.write_text("key,year,value\nhte,2023,1100\nhte,2030,1\n", encoding="utf-8")
    assert main(["indicators", "--actuals", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 3" in err and "field 'year'" in err


def test_cli_saves_the_whole_table_or_nothing(tmp_path, capsys):
    from geoplan.cli.main import main
    from geoplan.store import open_store

    store = tmp_path / "p.gpkg"
    good = tmp_path / "good.csv"
    good.write_text("key,year,value\nhte,2023,1100\nsme,2023,2000\n", encoding="utf-8")
    assert (
        main(
            [
                "indicators",
                "--actuals",
                str(good),
                "--store",
                str(store),
                "--save",
                "--user",
                "王工",
            ]
        )
        == 0
    )
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("key,year,value\nhte,2024,1300\nnope,2024,1\n", encoding="utf-8")
    assert main(["indicators", "--actuals", str(bad), "--store", str(store), "--save"]) == 2
    s = open_store(store)
    assert s.latest_version(ind.STORE_KIND, ind.STORE_NAME) == 1  # the bad table saved nothing
    saved = s.load(ind.STORE_KIND, ind.STORE_NAME)
    assert list(saved["key"]) == ["hte", "sme"]
    assert any(a["user"] == "王工" and a["name"] == ind.STORE_NAME for a in s.audit_log())
    assert main(["indicators", "--store", str(store), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    hte = next(i for i in doc["indicators"] if i["key"] == "hte")
    assert hte["actual"] == 1100 and hte["actual_year"] == 2023 and not hte["actual_derived"]
