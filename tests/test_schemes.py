"""Scheme YAML loading and validation."""

from __future__ import annotations

import pytest

from geoplan.analysis.land_yield.schemes import (
    INDICATORS,
    available_schemes,
    load_scheme,
    parse_scheme,
)
from geoplan.errors import SchemaError

SHIPPED = ["anhui_minmax", "dalian_default", "jiangsu", "zhejiang_county"]

GOOD = """\
name: t
practice: test
method: ratio
groups:
  规上:
    indicators:
      - {id: tax_per_mu, weight: 60, benchmark: 10}
      - {id: va_per_mu, weight: 40, derive: {stat: mean, k: 2}}
classes:
  rule: percentile
  shares: {A: 0.2, B: 0.4, C: 0.35, D: 0.05}
"""


def test_shipped_schemes_load_and_name_their_practice():
    assert set(SHIPPED) <= set(available_schemes())
    for name in SHIPPED:
        s = load_scheme(name)
        assert s.name == name
        assert len(s.practice) > 40 and s.source
        for g in s.groups.values():
            assert all(i.id in INDICATORS for i in g.indicators)


def test_shipped_weights_follow_the_documented_practice():
    # the shipped schemes now declare 评价名单 (lists) instead of 规上/规下 groups (issue #15)
    zj = load_scheme("zhejiang_county")
    assert [i.weight for i in zj.groups["规上工业"].indicators] == [30, 20, 20, 10, 10, 10]
    assert [i.weight for i in zj.groups["规下工业"].indicators] == [50, 50]
    assert zj.groups["规上工业"].indicators[0].benchmark == 24.097
    assert zj.tenants == "holder" and zj.unit == "zone"
    js = load_scheme("jiangsu")
    assert [i.weight for i in js.groups["规上工业"].indicators] == [45, 35, 20]
    assert js.classes.shares == {"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05}
    assert js.groups["规上工业"].indicators[0].derive_k == 2
    assert js.groups["规下工业"].scopes[0].land_mu_min == 3
    assert load_scheme("anhui_minmax").method == "minmax"
    dl = load_scheme("dalian_default")
    assert dl.unit == "zone" and dl.tenants == "own_list"
    # no list applies the industrial set (energy, emissions) to service firms
    for lst in dl.lists:
        ids = {i.id for i in lst.indicators}
        if any(s.sector == ("service",) for s in lst.scopes):
            assert not ids & {"va_per_energy", "va_per_emission"}


def test_good_text_parses():
    s = parse_scheme(GOOD)
    # derive: {stat: mean, k} now means k × the aggregate Σnum/Σden (issue #15: the mean of
    # per-firm ratios was wrong)
    assert s.groups["规上"].indicators[1].derive_stat == "aggregate"
    assert s.groups["规上"].indicators[1].derive_k == 2
    assert s.groups["规上"].total_weight == 100


@pytest.mark.parametrize(
    ("change", "field", "line"),
    [
        (("weight: 60, ", ""), "groups.规上.indicators.0.weight", 7),
        (("id: va_per_mu", "id: va_per_moo"), "groups.规上.indicators.1.id", 8),
        (("weight: 60", "weight: -3"), "groups.规上.indicators.0.weight", 7),
        (("benchmark: 10", "benchmark: ten"), "groups.规上.indicators.0.benchmark", 7),
        (("D: 0.05", "D: 0.5"), "classes.shares", 11),
        (("method: ratio", "method: magic"), "method", 3),
        (("practice: test\n", ""), "practice", None),
        (("规上:", "规中:"), "groups.规中", 5),
        (("rule: percentile", "rule: percentile\n  colour: red"), "classes.colour", None),
    ],
)
def test_malformed_scheme_names_field_and_line(change, field, line):
    text = GOOD.replace(*change)
    with pytest.raises(SchemaError) as err:
        parse_scheme(text, source="bad.yaml")
    msg = str(err.value)
    assert "bad.yaml" in msg
    assert f"field '{field}'" in msg
    if line:
        assert f"line {line}" in msg


def test_unknown_top_key_and_minmax_weight_sum():
    with pytest.raises(SchemaError, match="colour"):
        parse_scheme(GOOD + "colour: red\n", source="x.yaml")
    mm = GOOD.replace("method: ratio", "method: minmax").replace("weight: 40", "weight: 30")
    with pytest.raises(SchemaError, match="sum to 100"):
        parse_scheme(mm)


def test_ratio_needs_a_benchmark_and_thresholds_are_ordered():
    with pytest.raises(SchemaError, match=r"indicators\.0.benchmark"):
        parse_scheme(GOOD.replace(", benchmark: 10", ""))
    th = GOOD.replace("rule: percentile", "rule: threshold").replace(
        "shares: {A: 0.2, B: 0.4, C: 0.35, D: 0.05}", "thresholds: {A: 80, B: 90, C: 60}"
    )
    with pytest.raises(SchemaError, match="A > B > C"):
        parse_scheme(th)


def test_bad_yaml_and_unknown_names(tmp_path):
    with pytest.raises(SchemaError, match="line"):
        parse_scheme("name: [unclosed\n", source="broken.yaml")
    with pytest.raises(SchemaError, match=r"unknown scheme .nope.*dalian_default"):
        load_scheme("nope")
    p = tmp_path / "mine.yaml"
    p.write_text(GOOD, encoding="utf-8")
    assert load_scheme(p).name == "t"
    with pytest.raises(SchemaError, match="not found"):
        load_scheme(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("weight: 60", "weight: x"), encoding="utf-8")
    with pytest.raises(
        SchemaError, match=r"bad.yaml: line 7: field 'groups.规上.indicators\.0.weight'"
    ):
        load_scheme(bad)


def test_low_efficiency_parameters_are_validated():
    with pytest.raises(SchemaError, match=r"low_efficiency\.idle_yearz"):
        parse_scheme(GOOD + "low_efficiency:\n  idle_yearz: 3\n")
    with pytest.raises(SchemaError, match=r"low_efficiency\.vacant_built"):
        parse_scheme(GOOD + "low_efficiency:\n  vacant_built: 3\n")
    assert parse_scheme(GOOD + "low_efficiency:\n  idle_years: 3\n").low_efficiency == {
        "idle_years": 3
    }
