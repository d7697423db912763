"""Evaluation history (transitions, repeat D, 企业画像), the firm history table and the 差别化
measures table."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoplan.analysis import policy
from geoplan.analysis.history import History, evaluate_history
from geoplan.cli.main import main
from geoplan.data.firm_years import read_firm_years
from geoplan.errors import ValidationError

sys.path.insert(0, str(Path(__file__).parent))
import itertools

from firm_history import make_firm_years

ROOT = Path(__file__).resolve().parent.parent


def _hist(classes: dict[str, list[str]], years=(2021, 2022, 2023)) -> History:
    rows = []
    for fid, cs in classes.items():
        for y, c in zip(years, cs, strict=True):
            if c is not None:
                rows.append(
                    {
                        "firm_id": fid,
                        "name": f"n{fid}",
                        "year": y,
                        "list": "规上",
                        "unit": "u",
                        "class": c,
                        "score": 1.0,
                        "tax_per_mu": float(len(fid)),
                    }
                )
    return History("s", list(years), pd.DataFrame(rows), ["tax_per_mu"])


def test_transitions_repeat_d_and_run_length_on_a_known_history():
    h = _hist(
        {
            "a": ["D", "D", "D"],
            "b": ["C", "D", "D"],
            "c": ["D", "C", "D"],
            "d": ["A", "B", "B"],
            "e": [None, "D", "C"],  # entered in 2022
        }
    )
    tr = h.transitions()
    assert [(t["from"], t["to"]) for t in tr] == [(2021, 2022), (2022, 2023)]
    assert tr[0]["firms"] == 4 and tr[1]["firms"] == 5
    assert tr[0]["counts"]["D"]["D"] == 1 and tr[0]["counts"]["C"]["D"] == 1
    assert tr[0]["counts"]["D"]["C"] == 1 and tr[0]["counts"]["A"]["B"] == 1
    assert tr[1]["counts"]["D"]["C"] == 1 and tr[1]["up"] == 1 and tr[1]["down"] == 1
    rd = h.repeat_d()
    assert dict(zip(rd["firm_id"], rd["years"], strict=True)) == {"a": 3, "b": 2}
    assert rd.iloc[0]["firm_id"] == "a" and rd.iloc[1]["first"] == 2022
    run = h.run_length().set_index("firm_id")
    assert run.loc["a", "years"] == 3 and run.loc["c", "years"] == 1
    assert run.loc["d", "years"] == 2 and run.loc["e", "class"] == "C"


def test_a_gap_year_breaks_a_run():
    h = _hist({"a": ["D", "D"]}, years=(2019, 2021))
    assert h.repeat_d().empty and h.run_length().set_index("firm_id").loc["a", "years"] == 1


@pytest.fixture(scope="module")
def history(sample_zone):
    z = sample_zone
    table = make_firm_years(z.layers["firms"])
    return evaluate_history(
        z.layers["parcels"], z.layers["firms"], table, "dalian_default", plates=z.layers["plates"]
    )


def test_history_of_the_sample(history, sample_zone):
    from geoplan.analysis.land_yield import evaluate

    z = sample_zone
    assert history.years == [2021, 2022, 2023]
    # the latest year is the firms layer's figures: the same classes as a plain evaluation
    ev = evaluate(
        z.layers["parcels"], z.layers["firms"], "dalian_default", plates=z.layers["plates"]
    )
    latest = history.firms[history.firms["year"] == 2023].set_index("firm_id")["class"]
    plain = ev.firms.set_index(ev.firms["firm_id"].astype(str))["class"].fillna("")
    assert (latest.reindex(plain.index).fillna("") == plain).all()
    # firms that did not report a year are not evaluated in it (churn)
    n = history.firms.groupby("year").size()
    assert n[2021] < n[2022] < n[2023]
    for tr in history.transitions():
        both = history.classes()
        a, b = both[tr["from"]], both[tr["to"]]
        assert tr["firms"] == int(((a != "") & (b != "")).sum())
        assert sum(sum(r.values()) for r in tr["counts"].values()) == tr["firms"]
    rd = history.repeat_d()
    wide = history.classes()
    for fid in rd["firm_id"].head(20):
        cs = list(wide.loc[fid])
        assert any(x == y == "D" for x, y in itertools.pairwise(cs))


def test_firm_profile_against_its_list_median(history):
    f = history.firms
    fid = str(f.loc[f["class"] == "C", "firm_id"].iloc[0])
    p = history.profile(fid)
    assert sorted(p["year"].unique()) == history.years or len(p["year"].unique()) >= 1
    row = p[(p["indicator"] == "tax_per_mu")].iloc[-1]
    peers = f[
        (f["year"] == row["year"])
        & (f["list"] == row["list"])
        & (f["unit"] == row["unit"])
        & f["class"].isin(["A", "B", "C", "D"])
    ]
    assert row["list_median"] == pytest.approx(peers["tax_per_mu"].median())
    prof = history.profiles()
    mine = prof[(prof["firm_id"] == fid) & (prof["year"] == row["year"])]
    assert mine["tax_per_mu_median"].iloc[0] == pytest.approx(row["list_median"])


# --- the firm history table ----------------------------------------------------------------------


def test_firm_years_table_is_validated(tmp_path, sample_zone):
    firms = sample_zone.layers["firms"]
    t = make_firm_years(firms.head(50))
    good = tmp_path / "firm_years.csv"
    t.to_csv(good, index=False)
    assert len(read_firm_years(good, firms)) == len(t)
    bad = t.copy().astype({"year": object, "tax": object})
    bad.loc[3, "firm_id"] = "NOPE"
    bad.loc[5, "year"] = "2O22"
    bad.loc[7, "tax"] = "lots"
    bad = pd.concat([bad, bad.iloc[[0]]], ignore_index=True)  # a firm twice in a year
    p = tmp_path / "bad.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(ValidationError) as exc:
        read_firm_years(p, firms)
    text = str(exc.value)
    assert "bad.csv" in text
    assert "row 5: field 'firm_id'" in text and "NOPE" in text  # CSV line = index + 2
    assert "row 7: field 'year'" in text and "row 9: field 'tax'" in text
    assert "appears twice" in text
    parcels = sample_zone.layers["parcels"].head(3).assign(eval_year=[2023, 2023, 2019])
    with pytest.raises(ValidationError) as exc:
        read_firm_years(good, firms, parcels)
    assert "eval_year 2019" in str(exc.value) and "row 3" in str(exc.value)


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def history_zone(tmp_path_factory, sample_zone):
    d = tmp_path_factory.mktemp("zone") / "zone"
    shutil.copytree(ROOT / "layers", d)
    make_firm_years(sample_zone.layers["firms"]).to_parquet(d / "tables" / "firm_years.parquet")
    return d


def test_cli_history_json_and_workbook(history_zone, tmp_path):
    x = tmp_path / "h.xlsx"
    code, out, err = _cli(
        "evaluate", "--zone", str(history_zone), "--history", "--excel", str(x), "--json"
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["history_years"] == [2021, 2022, 2023]
    assert len(d["transitions"]) == 2 and d["repeat_d"]["firms"] == len(d["repeat_d"]["list"])
    assert d["repeat_d"]["firms"] > 0 and d["measures"]["by_measure"]["electricity"]["cost_wan"] > 0
    import openpyxl

    wb = openpyxl.load_workbook(x, read_only=True)
    assert {"等级变化", "连续D类", "企业画像", "差别化措施"} <= set(wb.sheetnames)


def test_cli_history_without_a_table_and_with_a_bad_table(tmp_path):
    code, _, err = _cli("evaluate", "--history", "--json")
    assert code == 2 and "firm_years" in err
    bad = tmp_path / "fy.csv"
    pd.DataFrame({"firm_id": ["F000001", "ZZZ"], "year": [2023, 2023], "tax": [1, 2]}).to_csv(
        bad, index=False
    )
    code, _, err = _cli("evaluate", "--history", "--firm-years", str(bad), "--json")
    assert code == 2 and "fy.csv" in err and "row 3" in err and "firm_id" in err


# --- 差别化 measures -------------------------------------------------------------------------------


def test_the_shipped_table_reads_and_carries_sources():
    ms = policy.read_measures()
    assert {m.measure for m in ms} == set(policy.MEASURES)
    elec_d = sorted(
        (m.min_years, m.amount) for m in ms if m.cls == "D" and m.measure == "electricity"
    )
    assert elec_d == [(1, 0.05), (2, 0.10), (3, 0.15)]  # Shandong 2022 (domain anchors A.3)
    assert all(m.source for m in ms) and all(m.verified or m.basis for m in ms)


def test_measures_follow_class_and_consecutive_years():
    firms = pd.DataFrame(
        {
            "firm_id": ["d1", "d2", "d3", "c1", "a1", "b1"],
            "name": list("uvwxyz"),
            "class": ["D", "D", "D", "C", "A", "B"],
            "electricity_mwh": [100.0, 100.0, np.nan, 50.0, 10.0, 10.0],
        }
    )
    years = pd.Series({"d1": 1, "d2": 2, "d3": 4, "c1": 1})
    m = policy.firm_measures(firms, policy.read_measures(), years)
    e = m[m["measure"] == "electricity"].set_index("firm_id")
    assert e.loc["d1", "amount"] == 0.05 and e.loc["d2", "amount"] == 0.10
    assert e.loc["d3", "amount"] == 0.15 and np.isnan(e.loc["d3", "cost_wan"])  # no figure
    assert e.loc["d2", "cost_wan"] == pytest.approx(100 * 1000 * 0.10 / 10_000)  # 1.0 万元
    assert e.loc["c1", "cost_wan"] == pytest.approx(50 * 1000 * 0.05 / 10_000)
    assert "b1" not in set(m["firm_id"])
    assert set(m.loc[m["firm_id"] == "d2", "measure"]) >= {"credit", "water", "land"}
    assert "credit" not in set(m.loc[m["firm_id"] == "d1", "measure"])  # credit from year 2


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("X,电价,1,,0.05,元/kWh,b,s,yes", "field 'class'"),
        ("D,电费,1,,0.05,元/kWh,b,s,yes", "field 'measure'"),
        ("D,电价,one,,0.05,元/kWh,b,s,yes", "field 'min_years'"),
        ("D,电价,3,2,0.05,元/kWh,b,s,yes", "field 'max_years'"),
        ("D,电价,1,,abc,元/kWh,b,s,yes", "field 'amount'"),
        ("D,电价,1,,0.05,,b,s,yes", "field 'unit'"),
        ("D,电价,1,,0.05,元/kWh,b,,yes", "field 'source'"),
    ],
)
def test_a_bad_measures_table_names_row_and_column(tmp_path, line, where):
    p = tmp_path / "m.csv"
    head = "class,measure,min_years,max_years,amount,unit,basis,source,verified"
    p.write_text(f"{head}\nD,电价,1,,0.05,元/kWh,b,s,yes\n{line}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        policy.read_measures(p)
    assert f"row 3: {where}" in str(exc.value)
    code, _, err = _cli("evaluate", "--policy", str(p), "--json")
    assert code == 2 and "m.csv" in err and where in err
