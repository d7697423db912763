"""`geoplan evaluate` and `geoplan explain`."""

from __future__ import annotations

import json

import openpyxl
import pytest

from geoplan.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_json_on_the_sample(capsys):
    code, out, _ = run(capsys, "evaluate", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["scheme"] == "dalian_default"
    assert set(d["classes"]) == {"A", "B", "C", "D", "T"} and all(
        d["classes"][k] > 0 for k in "ABCD"
    )
    assert d["firms_evaluated"] == sum(d["classes"].values())
    assert len(d["by_plate"]) == 5
    for row in d["by_plate"]:
        assert {"plate", "亩均税收", "亩均增加值", "classes"} <= set(row)
        assert set(row["classes"]) == {"A", "B", "C", "D", "T"}
    assert d["low_efficiency"]["parcels"] > 0 and d["low_efficiency"]["area_mu"] > 0
    assert d["zone"]["national_industrial_output_per_ha"] == 12984.94


@pytest.mark.parametrize("scheme", ["zhejiang_county", "jiangsu", "anhui_minmax", "dalian_default"])
def test_every_scheme_runs(capsys, scheme):
    code, out, _ = run(capsys, "evaluate", "--scheme", scheme, "--json")
    assert code == 0
    d = json.loads(out)
    assert d["scheme"] == scheme and all(d["classes"][k] > 0 for k in "ABCD")


def test_explain_json_sums(capsys):
    code, out, _ = run(capsys, "explain", "F000001", "--json")
    assert code == 0
    d = json.loads(out)
    assert {"components", "score", "class", "to_next_class"} <= set(d)
    if d["score"] is not None:
        assert sum(c["contribution"] for c in d["components"]) == pytest.approx(
            d["score"], abs=1e-9
        )
        assert {"indicator", "value", "benchmark", "normalized", "weight", "contribution"} <= set(
            d["components"][0]
        )
    code, out, _ = run(capsys, "explain", "F000001")
    assert code == 0 and "F000001" in out


def test_errors_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "explain", "NO-SUCH")
    assert code == 2 and "unknown firm id" in err
    code, _, err = run(capsys, "evaluate", "--scheme", "nonexistent")
    assert code == 2 and "unknown scheme" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: b\npractice: p\nmethod: ratio\ngroups:\n  规上:\n    indicators:\n      - {id: tax_per_mu}\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "evaluate", "--scheme", str(bad))
    assert code == 2 and "groups.规上.indicators.0.weight" in err and "line 7" in err
    code, _, err = run(capsys, "evaluate", "--parcels", "x.gpkg")
    assert code == 2 and "--firms" in err


def test_user_files_and_outputs(capsys, tmp_path, sample_zone):
    parcels = sample_zone.layers["parcels"]
    firms = sample_zone.layers["firms"]
    sub_p = parcels[parcels["plate"] == "七贤岭"]
    sub_f = firms[firms["parcel_id"].isin(sub_p["parcel_id"])]
    pp, fp = tmp_path / "p.gpkg", tmp_path / "f.csv"
    sub_p.to_file(pp, driver="GPKG")
    sub_f.to_csv(fp, index=False)
    out, xl = tmp_path / "r.gpkg", tmp_path / "r.xlsx"
    code, text, _ = run(
        capsys,
        "evaluate",
        "--parcels",
        str(pp),
        "--firms",
        str(fp),
        "--out",
        str(out),
        "--excel",
        str(xl),
        "--public",
        "--json",
    )
    assert code == 0
    d = json.loads(text)
    assert [r["plate"] for r in d["by_plate"]] == ["七贤岭"]
    assert d["firms_total"] == len(sub_f)
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"parcels", "firms", "low_efficiency", "compliance", "by_plate"} <= layers
    wb = openpyxl.load_workbook(xl, read_only=True)
    # one 公示 list sheet per evaluation unit (the scheme's unit: the whole zone by default)
    lists = [n for n in wb.sheetnames if n.startswith("名单")]
    assert {"汇总", "低效用地", "合规检查"} <= set(wb.sheetnames) and lists
    header = [c.value for c in next(wb[lists[0]].iter_rows(max_row=1))]
    assert "等级" in header and "企业名称" in header
    assert not any(
        h and ("税收" in h or "营业收入" in h or "增加值" in h) for h in header
    )  # 公示: no financials
    # bad user data is reported with file/field, exit 2
    broken = tmp_path / "f2.csv"
    sub_f.drop(columns="tax").to_csv(broken, index=False)
    code, _, err = run(capsys, "evaluate", "--parcels", str(pp), "--firms", str(broken))
    assert code == 2 and "tax" in err and "f2.csv" in err


def test_internal_workbook_keeps_financials(tmp_path, sample_zone):
    from geoplan.analysis.land_yield import evaluate
    from geoplan.present.report import write_workbook

    ev = evaluate(sample_zone.layers["parcels"], sample_zone.layers["firms"], "jiangsu")
    path = write_workbook(ev, tmp_path / "full.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    sheet = next(s for s in wb.sheetnames if s.startswith("名单-"))
    header = [c.value for c in next(wb[sheet].iter_rows(max_row=1))]
    assert "税收(万元)" in header
    assert not list(tmp_path.glob(".full.xlsx*"))  # no temp file left behind
