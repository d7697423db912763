"""The 亩均 method as a county would sign it (issue #15): aggregate benchmarks, lists and scope,
minimum land, ties to the worse class, class shares, 加分/扣分/一票否决, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_land_yield import make_firm, make_parcels

from geoplan.analysis import land_yield as ly
from geoplan.analysis.land_yield.attributes import check_attributes, read_attributes
from geoplan.analysis.land_yield.schemes import INDICATORS, parse_scheme
from geoplan.cli.main import main
from geoplan.errors import GeoplanError, SchemaError, ValidationError
from geoplan.settings import PROJECT_ROOT

ATTRS = PROJECT_ROOT / "layers" / "tables" / "firm_attributes.csv"

ONE_LIST = """
name: one_list
practice: a test scheme with one list ranked by shares
method: ratio
unit: zone
classes:
  rule: percentile
  shares: {A: 0.2, B: 0.4, C: 0.3, D: 0.1}
lists:
  - id: 工业
    scope: {sector: [industry]}
    min_land_mu: 3
    indicators:
      - {id: tax_per_mu, weight: 100, benchmark: {k: 1, of: aggregate, year: current}}
exclusions: {founded_within_years: null, sectors: [], land_uses: []}
adjustments:
  - {item: safety_accident, kind: veto}
  - {item: high_tech_cert, kind: bonus, points: 5}
"""


@pytest.fixture(scope="module")
def default_eval(sample_zone):
    z = sample_zone
    attrs = read_attributes(ATTRS, z.layers["firms"]["firm_id"])
    return ly.evaluate(
        z.layers["parcels"],
        z.layers["firms"],
        "dalian_default",
        plates=z.layers["plates"],
        with_extras=False,
        attributes=attrs,
    )


def _zone(taxes: list[float], land: float = 10.0, **kw):
    parcels = make_parcels([{"parcel_id": f"P{i}", "area_mu": land} for i in range(len(taxes))])
    firms = pd.DataFrame(
        [make_firm(f"F{i}", f"P{i}", tax=float(t), **kw) for i, t in enumerate(taxes)]
    )
    return parcels, firms


# --------------------------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------------------------


def test_every_benchmark_is_its_rules_aggregate(default_eval):
    ev = default_eval
    f = ev.firms
    sch = ev.scheme_obj
    checked = 0
    for lst in sch.lists:
        members = f[(f["list"] == lst.name) & f["class_source"].isin(["score", "veto"])]
        if members.empty:
            continue
        for spec in lst.indicators:
            d = INDICATORS[spec.id]
            assert spec.benchmark is None and spec.derive_stat == "aggregate"
            num = members[d.numerator].to_numpy(dtype=float)
            den = members[d.denominator].to_numpy(dtype=float)
            ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
            expected = spec.derive_k * d.factor * num[ok].sum() / den[ok].sum()
            got = members[f"benchmark_{spec.id}"].to_numpy()
            assert np.allclose(got, expected, rtol=1e-12), (lst.name, spec.id)
            # never the mean of per-firm ratios (issue #15 item 1)
            ratios = members[spec.id].to_numpy(dtype=float)
            assert expected != pytest.approx(np.nanmean(ratios), rel=1e-3)
            checked += 1
    assert checked >= 10


def test_audit_shows_benchmark_rule_and_sums(default_eval):
    ev = default_eval
    fid = ev.firms.loc[
        (ev.firms["list"] == "规上工业") & (ev.firms["class_source"] == "score"), "firm_id"
    ].iloc[0]
    d = ly.explain(ev, fid)
    for c in d["components"]:
        if c["kind"] != "indicator":
            continue
        assert "Σ" in c["benchmark_rule"] and c["benchmark_year"] == ev.year
        k = c["benchmark_k"] * INDICATORS[c["indicator"]].factor
        assert c["benchmark"] == pytest.approx(
            k * c["benchmark_num_sum"] / c["benchmark_den_sum"], rel=1e-12
        )
        assert c["benchmark_firms"] > 0


def test_fixed_benchmarks_are_the_schemes_values(sample_zone):
    z = sample_zone
    ev = ly.evaluate(z.layers["parcels"], z.layers["firms"], "zhejiang_county", with_extras=False)
    m = ev.firms[(ev.firms["list"] == "规上工业") & (ev.firms["class_source"] == "score")]
    assert len(m) and (m["benchmark_tax_per_mu"] == 24.097).all()
    c = ly.explain(ev, m["firm_id"].iloc[0])["components"][0]
    assert c["benchmark"] == 24.097 and c["benchmark_rule"].startswith("fixed 24.097")


def test_named_benchmark_year_uses_that_years_figures():
    parcels, firms = _zone([10, 20, 30, 40, 50])
    text = ONE_LIST.replace("year: current", "year: prior")
    with pytest.raises(GeoplanError, match=r"lists\.0\.indicators\.0\.benchmark.*2022"):
        ly.evaluate(parcels, firms, parse_scheme(text, source="t.yaml"), year=2023)
    hist = firms[["firm_id"]].assign(year=2022, tax=firms["tax"] / 2)
    ev = ly.evaluate(parcels, firms, parse_scheme(text), year=2023, history=hist)
    assert ev.firms["benchmark_tax_per_mu"].iloc[0] == pytest.approx(150 / 2 / 50)


# --------------------------------------------------------------------------------------------
# scope, minimum land, tenants
# --------------------------------------------------------------------------------------------


def test_no_firm_below_min_land_is_classed_on_its_own_per_mu_figures(default_eval, sample_zone):
    for ev in (
        default_eval,
        ly.evaluate(
            sample_zone.layers["parcels"],
            sample_zone.layers["firms"],
            "jiangsu",
            with_extras=False,
        ),
    ):
        sch = ev.scheme_obj
        f = ev.firms
        for lst in sch.lists:
            per_mu = any(INDICATORS[s.id].per_mu for s in lst.indicators)
            own = f[(f["list"] == lst.name) & f["class_source"].isin(["score", "veto"])]
            if per_mu:
                assert (own["land_mu"] >= (lst.min_land_mu or 0.0)).all(), lst.name
        # the 0.0024 亩 tenant of issue #15 is never ranked on 亩均 figures
        scored = f[f["class_source"] == "score"]
        small = scored[scored["land_mu"] < 1.0]
        for name in small["group"].unique():
            assert not any(INDICATORS[s.id].per_mu for s in sch.groups[name].indicators)


def test_below_min_land_is_t_or_follows_the_holder():
    parcels = make_parcels(
        [{"parcel_id": "P0", "area_mu": 2.0}, {"parcel_id": "P1", "area_mu": 20.0}]
    )
    firms = pd.DataFrame(
        [
            make_firm("S", "P0", tax=50.0),
            make_firm("H", "P1", tax=500.0),
            make_firm("R", "P1", tenure="rent", rented_floor_m2=1000.0, tax=5.0),
        ]
    )
    ev = ly.evaluate(parcels, firms, parse_scheme(ONE_LIST), year=2023)
    f = ev.firms.set_index("firm_id")
    assert f.loc["S", "class"] == "T" and "3亩" in f.loc["S", "t_reason"]
    assert not f.loc["S", "min_land_ok"]
    assert f.loc["R", "class"] == "T"  # the tenant's 0.33 亩 share is below 3 亩 too
    held = parse_scheme(ONE_LIST.replace("min_land_mu: 3", "min_land_mu: 3\n    below_min: holder"))
    ev2 = ly.evaluate(parcels, firms, held, year=2023)
    g = ev2.firms.set_index("firm_id")
    assert g.loc["R", "class_source"] == "holder" and g.loc["R", "class"] == g.loc["H", "class"]
    assert g.loc["S", "class"] == "T"  # an owner below the minimum has no holder to follow


def test_scope_keeps_services_out_and_industry_sets_on_industry(default_eval):
    f = default_eval.firms
    out = f[f["class_source"] == "scope"]
    assert len(out) > 0 and (out["class"] == "").all()
    assert ((out["scale"] == "规下") & (out["sector"] == "service")).mean() > 0.95
    scored = f[f["class_source"] == "score"]
    services = scored[scored["sector"] == "service"]
    sch = default_eval.scheme_obj
    for name in services["group"].unique():
        ids = {s.id for s in sch.groups[name].indicators}
        assert not ids & {"va_per_energy", "va_per_emission"}


# --------------------------------------------------------------------------------------------
# classes: ties, shares, veto
# --------------------------------------------------------------------------------------------


def test_ties_never_lift_a_firm():
    # 10 firms; A = best 2. F1 and F2 tie for places 2–3: both fall to B, none is lifted to A
    taxes = [100, 90, 90, 70, 60, 50, 40, 30, 0, 0]
    parcels, firms = _zone(taxes)
    ev = ly.evaluate(parcels, firms, parse_scheme(ONE_LIST), year=2023)
    c = ev.firms.set_index("firm_id")["class"]
    assert c["F0"] == "A" and c["F1"] == "B" and c["F2"] == "B"
    # the two zero-tax firms tie for places 9–10, inside D (the last 10 % = 1 firm): both D
    assert c["F8"] == "D" and c["F9"] == "D"
    # breaking the tie upwards lifts only the firm that earned it
    up = ly.evaluate(parcels, firms.assign(tax=[100, 90.5, *taxes[2:]]), parse_scheme(ONE_LIST))
    cu = up.firms.set_index("firm_id")["class"]
    assert cu["F1"] == "A" and cu["F2"] == "B"
    # the tie is independent of row order
    rev = ly.evaluate(parcels, firms.iloc[::-1], parse_scheme(ONE_LIST), year=2023)
    assert (rev.firms.set_index("firm_id")["class"].reindex(c.index) == c).all()


def test_class_shares_match_the_rule(default_eval):
    ev = default_eval
    sch = ev.scheme_obj
    f = ev.firms[ev.firms["class_source"] == "score"]
    for (_, name), g in f.groupby(["unit", "group"]):
        sh = sch.class_rule(sch.groups[name]).shares
        scores = np.sort(np.round(g["score"].to_numpy(), 9))[::-1]
        n, cum, share = len(g), 0, 0.0
        for k in "ABC":
            share += sh[k]
            cut = int(np.floor(n * share + 0.5 + 1e-9))
            cum += int((g["class"] == k).sum())
            assert cum <= cut
            if 0 < cut < n and scores[cut - 1] != scores[cut]:
                assert cum == cut  # no tie at the cut: the share is exact


def test_veto_forces_the_worst_class_and_bonus_counts_exactly(default_eval):
    ev = default_eval
    f = ev.firms.set_index("firm_id")
    assert f.loc["F001029", "class"] == "D" and f.loc["F001029", "class_source"] == "veto"
    assert "安全生产事故" in f.loc["F001029", "veto"]
    d = ly.explain(ev, "F001397")
    adj = [c for c in d["components"] if c["kind"] == "adjustment"]
    assert [c["contribution"] for c in adj] == [2.0, 2.0]  # high-tech 2 + innovation 2 × 1
    assert sum(c["contribution"] for c in d["components"]) == d["score"]
    assert f.loc["F001397", "bonus"] == 4.0
    assert np.isnan(f.loc["F001042", "bonus"]) or f.loc["F001042", "bonus"] == 0.0  # 2022 row
    # a vetoed firm is D even with the best score of its list
    parcels, firms = _zone([100, 90, 80, 70, 60])
    attrs = pd.DataFrame(
        {"firm_id": ["F0"], "item": ["safety_accident"], "value": [1], "year": [2023]}
    )
    v = ly.evaluate(parcels, firms, parse_scheme(ONE_LIST), year=2023, attributes=attrs)
    assert v.firms.set_index("firm_id").loc["F0", "class"] == "D"
    assert ly.explain(v, "F0")["to_next_class"][0]["reachable"] is False


def test_what_if_is_exact_with_ties_to_the_worse_class(sample_zone):
    z = sample_zone
    sch = "zhejiang_county"  # fixed benchmarks: a firm's change moves no benchmark
    ev = ly.evaluate(z.layers["parcels"], z.layers["firms"], sch, with_extras=False)
    f = ev.firms
    c = f[(f["group"] == "规上工业") & (f["class"] == "C") & (f["class_source"] == "score")]
    fid = c.sort_values("score", ascending=False)["firm_id"].iloc[0]
    d = ly.explain(ev, fid)
    step = {t["indicator"]: t for t in d["to_next_class"]}["tax_per_mu"]
    assert step["reachable"] and step["strictly_above"]
    row = f.index[f["firm_id"] == fid][0]
    for bump, cls in ((1e-6, "B"), (-1e-3, "C")):
        firms = z.layers["firms"].copy()
        firms.loc[firms["firm_id"] == fid, "tax"] = step["required_field_value"] + bump
        after = ly.evaluate(z.layers["parcels"], firms, sch, with_extras=False)
        assert after.firms.loc[row, "class"] == cls


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("weight: 100", "weight: 90"), "lists.0.indicators", "sum to 100"),
        (("{k: 1, of: aggregate, year: current}", "0"), "lists.0.indicators.0.benchmark", "> 0"),
        (
            ("{k: 1, of: aggregate, year: current}", "{fixed: 0}"),
            "lists.0.indicators.0.benchmark.fixed",
            "> 0",
        ),
        (("kind: veto", "kind: ban"), "adjustments.0.kind", "unknown value"),
        (("item: high_tech_cert", "item: lucky"), "adjustments.1.item", "unknown item"),
        (("unit: zone", "unit: zone\ntenants: own_list"), "tenants", "tenure: [rent]"),
    ],
)
def test_bad_schemes_name_file_line_and_field(change, field, message):
    with pytest.raises(SchemaError) as err:
        parse_scheme(ONE_LIST.replace(*change), source="bad.yaml")
    msg = str(err.value)
    assert "bad.yaml: line " in msg and f"field '{field}'" in msg and message in msg


def test_bad_attribute_tables_name_row_and_field(sample_zone):
    ids = sample_zone.layers["firms"]["firm_id"]
    bad = pd.DataFrame(
        {
            "firm_id": ["F000001", "NOPE", "F000002", "F000003"],
            "item": ["high_tech_cert", "high_tech_cert", "lucky_charm", "env_penalty"],
            "value": ["1", "1", "1", "-2"],
            "year": ["2023", "2023", "2023", "soon"],
        }
    )
    with pytest.raises(ValidationError) as err:
        check_attributes(bad, "attrs.csv", ids)
    msg = str(err.value)
    assert "attrs.csv: row 2: field 'firm_id': unknown firm 'NOPE'" in msg
    assert "row 3: field 'item'" in msg and "lucky_charm" in msg
    assert "row 4: field 'value'" in msg and "row 4: field 'year'" in msg
    assert check_attributes(bad.iloc[:1], "ok.csv", ids)["value"].iloc[0] == 1.0


def test_cli_bad_input_exits_2(capsys, tmp_path):
    p = tmp_path / "attrs.csv"
    p.write_text("firm_id,item,value,year\nF000001,lucky_charm,1,2023\n", encoding="utf-8")
    assert main(["evaluate", "--attributes", str(p), "--json"]) == 2
    err = capsys.readouterr().err
    assert "attrs.csv" in err and "row 1" in err and "'item'" in err
    s = tmp_path / "prior.yaml"
    s.write_text(ONE_LIST.replace("year: current", "year: prior"), encoding="utf-8")
    assert main(["evaluate", "--scheme", str(s), "--json"]) == 2
    err = capsys.readouterr().err
    assert "prior.yaml: line" in err and "lists.0.indicators.0.benchmark" in err and "2022" in err
