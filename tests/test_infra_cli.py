"""`geoplan infra --json` on the sample, per phase."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("phase", ["current", "2025", "2035"])
def test_infra_json_reports_every_facility(phase, sample_zone):
    res = subprocess.run(
        [sys.executable, "-m", "geoplan", "infra", "--phase", phase, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["phase"] == phase
    assert len(doc["substations"]) == len(sample_zone.layers["substations"])
    assert len(doc["sewage_plants"]) == len(sample_zone.layers["sewage_plants"])
    for item in doc["substations"] + doc["sewage_plants"]:
        assert {
            "name",
            "capacity",
            "demand",
            "utilisation",
            "status",
            "capacity_unit",
            "demand_unit",
        } <= set(item)
    assert {i["capacity_unit"] for i in doc["substations"]} == {"MVA"}
    assert {i["capacity_unit"] for i in doc["sewage_plants"]} == {"m³/d"}
    assert len(doc["roads"]) == 11 and all(
        {"name", "built_km", "planned_km"} <= set(r) for r in doc["roads"]
    )
    ygs = next(p for p in doc["sewage_plants"] if p["name"] == "英歌石污水处理厂")
    assert ygs["capacity"] == {"current": 0, "2025": 15000, "2035": 35000}[phase]
    served = [p for p in doc["sewage_plants"] if p["in_service"]]
    assert served and all(p["demand"] > 0 for p in served)
    assert set(doc["coverage"]) == {"park_500m", "green_50m", "kindergarten", "school", "clinic"}
    assert all(v is not None and 0 <= v <= 1 for v in doc["coverage"].values())
    assert 0 < doc["frame_completion"] < 1


def test_infra_bad_phase_exits_2():
    res = subprocess.run(
        [sys.executable, "-m", "geoplan", "infra", "--phase", "2040"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "phase" in res.stderr and "Traceback" not in res.stderr


def test_infra_broken_standards_exit_2(tmp_path):
    (tmp_path / "infra_coefficients.csv").write_text(
        "code,power_w_m2_floor\n07,abc\n", encoding="utf-8"
    )
    res = subprocess.run(
        [sys.executable, "-m", "geoplan", "infra", "--standards", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        res.returncode == 2
        and "infra_coefficients.csv" in res.stderr
        and "Traceback" not in res.stderr
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_infra_human_output_has_no_status_codes(lang):
    """Status words come from message keys (超载 / 不满足N-1 / 未投运 …), never the codes."""
    res = subprocess.run(
        [sys.executable, "-m", "geoplan", "infra", "--phase", "current", "--lang", lang],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    words = res.stdout.split()
    for code in ("overload", "n1", "not_in_service", "high", "ok", "unserved"):
        assert code not in words
    if lang == "zh":
        assert "超载" in res.stdout and "未投运" in res.stdout
    else:
        assert "Overloaded" in res.stdout and "Not in service" in res.stdout


def test_every_alert_code_has_texts():
    from geoplan.analysis.infrastructure import balance
    from geoplan.text import has

    for code in ("ok", "high", "overload", "n1", "not_in_service", "unserved", "straight_line"):
        assert has(f"alert_status_{code}")
    for code in ("overload", "high", "n1", "unserved", "straight_line"):
        assert has(f"infra_alert_{code}")
    assert balance.both("infra_upstream_outside", n=2)[0].startswith("2 座")


@pytest.mark.parametrize("tol", ["-5", "nan", "1e9"])
def test_infra_bad_tolerance_exits_2(tol):
    res = subprocess.run(
        [sys.executable, "-m", "geoplan", "infra", f"--tolerance={tol}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "tolerance" in res.stderr and "Traceback" not in res.stderr
