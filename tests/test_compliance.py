"""工业项目建设用地控制指标 and 标准地 commitment checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoplan.analysis import compliance
from geoplan.errors import SchemaError


def parcels(**over) -> pd.DataFrame:
    base = {
        "parcel_id": ["A", "B", "C", "D", "E"],
        "plate": ["甲"] * 5,
        "land_use": ["100101", "100102", "0802", "100101", "100101"],
        "status": ["built", "built", "built", "idle", "built"],
        "industry": ["生命健康", "数字技术", "数字技术", "智能制造", None],
        "far": [0.6, 1.2, 0.3, 0.1, 0.8],
        "coverage": [0.35, 0.45, 0.2, 0.1, 0.5],
        "admin_ratio": [0.08, np.nan, 0.5, np.nan, 0.05],
        "green_ratio": [0.25, 0.1, 0.6, np.nan, np.nan],
        "investment_per_mu": [200.0, 400.0, 10.0, np.nan, np.nan],
        "tax_per_mu": [10.0, 30.0, 1.0, np.nan, np.nan],
        "energy_per_va": [0.2, 0.05, np.nan, np.nan, np.nan],
        "standard_land": [True, True, False, True, False],
        "commit_far": [1.0, 1.0, np.nan, 1.5, np.nan],
        "commit_investment_per_mu": [300.0, 300.0, np.nan, 300.0, np.nan],
        "commit_tax_per_mu": [20.0, 20.0, np.nan, 20.0, np.nan],
        "commit_energy_per_va": [0.1, 0.1, np.nan, 0.1, np.nan],
    }
    base.update(over)
    return pd.DataFrame(base)


def result(table, pid, check):
    row = table[(table["parcel_id"] == pid) & (table["check"] == check)]
    assert len(row) == 1, (pid, check)
    return row.iloc[0]


def test_control_indicators_2023():
    t = compliance.check(parcels())
    # A: 生命健康 → GB 27 医药, minimum FAR 0.7
    a = result(t, "A", "far_min")
    assert a["required"] == 0.7 and not a["passed"] and a["gap"] == pytest.approx(-0.1)
    assert result(t, "B", "far_min")["required"] == 1.0 and result(t, "B", "far_min")["passed"]
    assert not result(t, "A", "coverage_min")["passed"]  # 35 % < 40 %
    assert result(t, "B", "coverage_min")["passed"]
    assert not result(t, "A", "admin_max")["passed"] and result(t, "E", "admin_max")["passed"]
    assert not result(t, "A", "green_max")["passed"] and result(t, "B", "green_max")["passed"]
    assert not result(t, "A", "investment_min")["passed"]  # 200 < placeholder 300 for 生命健康
    # research land (C) and idle land (D) get no control checks; E (no industry) uses the default code
    assert not (t["parcel_id"] == "C").any()
    assert not ((t["parcel_id"] == "D") & (t["kind"] == "control")).any()
    assert result(t, "E", "far_min")["required"] == 0.7
    # unreported ratios are not checked; unreported investment is NA, not a pass
    assert not ((t["parcel_id"] == "B") & (t["check"] == "admin_max")).any()
    assert pd.isna(result(t, "E", "investment_min")["passed"])


def test_2008_edition_uses_30_percent():
    t = compliance.check(parcels(), edition="2008")
    assert result(t, "A", "coverage_min")["required"] == 0.30
    assert result(t, "A", "coverage_min")["passed"]
    with pytest.raises(SchemaError, match="edition"):
        compliance.check(parcels(), edition="2019")


def test_standard_land_commitments_vs_actual():
    t = compliance.check(parcels())
    std = t[t["kind"] == "standard_land"]
    assert set(std["parcel_id"]) == {"A", "B"}  # D is 标准地 but not built yet: no 达产复核
    assert not result(t, "A", "commit_far")["passed"] and result(t, "B", "commit_far")["passed"]
    assert (
        not result(t, "A", "commit_investment")["passed"]
        and result(t, "B", "commit_investment")["passed"]
    )
    assert not result(t, "A", "commit_tax")["passed"] and result(t, "B", "commit_tax")["passed"]
    e = result(t, "A", "commit_energy")  # 0.2 tce/万元 against ≤ 0.1
    assert e["op"] == "<=" and not e["passed"] and e["gap"] == pytest.approx(-0.1)
    assert result(t, "B", "commit_energy")["passed"]
    fails = compliance.failing_parcels(t, "standard_land").set_index("parcel_id")
    assert set(fails["failed"]["A"].split(",")) == {
        "commit_far",
        "commit_investment",
        "commit_tax",
        "commit_energy",
    }


def test_investment_override_and_min_far_lookup():
    t = compliance.check(parcels(), investment_min={"生命健康": 150})
    assert result(t, "A", "investment_min")["passed"]
    far = compliance.min_far_for(np.array(["新材料", "27", "3599", None], dtype=object))
    assert far.tolist() == [0.6, 0.7, 0.7, 0.7]


def test_malformed_standards_file(tmp_path):
    p = tmp_path / "std.yaml"
    p.write_text(
        "editions:\n  '2023': {coverage_min: 4, admin_max: 0.07, green_max: "
        "0.2}\nmin_far: {}\nindustry_gb: {}\ninvestment_min_per_mu: {values: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match=r"editions\.2023\.coverage_min"):
        compliance.load_standards(p)
    q = tmp_path / "std2.yaml"
    q.write_text("editions: {}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="min_far"):
        compliance.load_standards(q)


def test_sample_has_compliance_rows(sample_zone):
    from geoplan.analysis.land_yield import evaluate

    ev = evaluate(sample_zone.layers["parcels"], sample_zone.layers["firms"])
    t = ev.compliance
    assert {"control", "standard_land"} <= set(t["kind"])
    assert (t["passed"] == False).any() and (t["passed"] == True).any()  # noqa: E712
