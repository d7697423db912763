"""`geoplan infra --json` on the sample, per phase."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("phase", ["current", "2025", "2035"])
def test_infra_json_reports_every_facility(phase, sample_zone):
    res = subprocess.run([sys.executable, "-m", "geoplan", "infra", "--phase", phase, "--json"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["phase"] == phase
    assert len(doc["substations"]) == len(sample_zone.layers["substations"])
    assert len(doc["sewage_plants"]) == len(sample_zone.layers["sewage_plants"])
    assert len(doc["roads"]) == 11
    ygs = next(p for p in doc["sewage_plants"] if p["name"] == "英歌石污水处理厂")
    assert ygs["capacity"] == {"current": 0, "2025": 15000, "2035": 35000}[phase]
    served = [p for p in doc["sewage_plants"] if p["in_service"]]
    assert all(p["demand"] > 0 for p in served)


def test_infra_bad_phase_exits_2():
    res = subprocess.run([sys.executable, "-m", "geoplan", "infra", "--phase", "2040"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "phase" in res.stderr
