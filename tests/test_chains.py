"""一链一图 and enterprise tiers: the zone's lists, firm keys checked against them, chain figures,
gaps, anchors, candidate land, tier counts, figures by 组团 and the density grid."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geoplan.analysis import chains as CH
from geoplan.analysis import tiers as TI
from geoplan.analysis.units import parcel_units, unit_polygons
from geoplan.errors import ValidationError
from geoplan.standards.chains_tiers import check_firm_keys, load_chains, load_tiers

INDUSTRY_CHAIN = {
    "数字技术": "software_it",
    "文化创意": "cultural_creative",
    "智能制造": "iiot_smart_mfg",
    "洁净能源": "clean_energy",
    "生命健康": "life_science",
    "智慧海洋": "marine_tech",
}


@pytest.fixture(scope="module")
def lists():
    return load_chains(), load_tiers()


@pytest.fixture(scope="module")
def zone(sample_zone):
    """The sample with chain, chain_role and tiers on its firms (assigned here, known answers)."""
    z = sample_zone.copy()
    f = z.layers["firms"].copy()
    f["chain"] = f["industry"].map(INDUSTRY_CHAIN).fillna("")
    rank = f.groupby("chain")["revenue"].rank(ascending=False, method="first")
    f["chain_role"] = np.where(
        f["chain"] == "",
        "",
        np.where(rank <= 2, "anchor", np.where(rank <= 12, "core_supplier", "general")),
    )
    tiers = np.where(f["high_tech"], "high_tech", "")
    tiers = np.where(
        np.arange(len(f)) % 50 == 0, np.char.add(tiers.astype(str), "|dengling"), tiers
    )
    f["tiers"] = pd.Series(tiers).str.strip("|").to_numpy()
    z.layers["firms"] = f
    return z


def test_the_sample_lists(lists):
    chains, tiers = lists
    assert len(chains.chains) == 8 and all(c.source.startswith("001:L") for c in chains.chains)
    assert {
        "high_tech",
        "sme_tech",
        "chuying",
        "dengling",
        "potential_unicorn",
        "unicorn",
        "zjtx",
        "little_giant",
    } == set(tiers.by_key())
    assert tiers.by_key()["high_tech"].indicator == "hte"


def test_firm_keys_outside_the_lists_are_refused_naming_row_and_column(zone, lists):
    f = zone.layers["firms"].head(5).copy()
    f.loc[f.index[1], "chain"] = "semiconductors"
    f.loc[f.index[3], "tiers"] = "high_tech|gazelle"
    f.loc[f.index[4], "chain_role"] = "boss"
    with pytest.raises(ValidationError) as exc:
        check_firm_keys(f, *lists, source="firms.csv")
    got = {(p.row, p.field) for p in exc.value.problems}
    assert got == {(3, "chain"), (5, "tiers"), (6, "chain_role")}
    assert "gazelle" in str(exc.value) and "firms.csv" in str(exc.value)
    check_firm_keys(zone.layers["firms"], *lists)  # the fixture's keys are all known


def test_chain_overview_anchors_and_units(zone, lists):
    chains, _ = lists
    ov = CH.overview(zone, chains).set_index("chain")
    f = zone.layers["firms"]
    assert ov.loc["software_it", "firms"] == int((f["chain"] == "software_it").sum())
    assert ov.loc["software_it", "anchors"] == 2 and ov.loc["software_it", "core_suppliers"] == 10
    assert ov.loc["ai", "firms"] == 0
    a = CH.anchors(zone, "clean_energy")
    assert len(a) == 2 and a["revenue"].is_monotonic_decreasing
    top = f[f["chain"] == "clean_energy"].sort_values("revenue").iloc[-1]
    assert a.iloc[0]["firm_id"] == top["firm_id"]
    bu = CH.by_unit(zone, "clean_energy")
    assert bu["firms"].sum() == ov.loc["clean_energy", "firms"]
    assert ov.loc["clean_energy", "tax"] == pytest.approx(
        f.loc[f["chain"] == "clean_energy", "tax"].sum()
    )


def test_gaps(zone, lists):
    chains, _ = lists
    by = chains.by_key()
    assert CH.gaps(zone, by["ai"]) == [{"rule": "no_firms"}]
    rules = {g["rule"] for g in CH.gaps(zone, by["life_science"])}
    # the future 北延 组团 lies outside today's zone: no firm there yet
    assert "empty_place" in rules and "no_anchor" not in rules
    empty = [g["place"] for g in CH.gaps(zone, by["life_science"]) if g["rule"] == "empty_place"]
    assert "生命健康产业组团(北延)" in empty


def test_candidate_land_has_headroom_and_planned_places_first(zone, lists):
    from geoplan.analysis import infrastructure as infra
    from geoplan.analysis import suitability

    chains, _ = lists
    c = chains.by_key()["iiot_smart_mfg"]
    cand = CH.candidate_land(
        zone, c, suitability.suitability_for_zone(), infra.analyse(zone, "2025")
    )
    assert len(cand) > 0
    assert (cand["area_mu"] >= 30).all()
    assert (cand["substation_headroom"] > 0).all() and (cand["sewage_plant_headroom"] > 0).all()
    flags = cand["in_planned_place"].to_numpy(bool)
    assert list(flags) == sorted(flags, reverse=True)  # planned places first


def test_parcel_units_pick_the_smallest_element(zone):
    units = parcel_units(zone, "cluster")
    polys = unit_polygons(zone, "cluster")
    assert set(units) - {""} <= set(polys["name"])
    pts = zone.layers["parcels"].geometry.representative_point()
    inside = pts.within(polys.loc[polys["name"] == "英歌石科学城"].geometry.iloc[0])
    assert (units[inside.to_numpy()] != "").all()


def test_tier_counts_by_unit_and_density(zone, lists):
    _, tiers = lists
    f = zone.layers["firms"]
    flags = TI.indicator_flags(f, tiers)
    assert flags["hte"].sum() == f["high_tech"].sum()
    assert flags["growth"].sum() == (np.arange(len(f)) % 50 == 0).sum()
    counts = TI.tier_counts(zone, tiers, {"hte": ("2000", "2025")}).set_index("tier")
    assert (
        counts.loc["high_tech", "target"] == "2000" and counts.loc["dengling", "seed_count"] == 41
    )
    bu = TI.by_unit(zone, tiers, "plate")
    assert bu["firms"].sum() == len(f) and bu["ind_hte"].sum() == f["high_tech"].sum()
    ok = bu[bu["firm_land_mu"] > 0]
    assert np.allclose(ok["tax_per_mu"], ok["tax"] / ok["firm_land_mu"])
    grid = TI.density(zone, tiers, "high_tech", cell_m=1000)
    assert grid["firms"].sum() == f["high_tech"].sum()
    assert np.allclose(grid["per_km2"], grid["firms"])  # 1 km² cells


def test_cli_chains_json(zone, tmp_path, capsys):
    from geoplan.cli.main import main

    path = tmp_path / "firms.csv"
    zone.layers["firms"].to_csv(path, index=False)
    assert main(["chains", "--firms", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["count"] == 8
    se = next(c for c in doc["chains"] if c["key"] == "software_it")
    assert len(se["anchor_firms"]) == 2 and se["anchors"] == 2
    bad = zone.layers["firms"].head(3).copy()
    bad.loc[bad.index[0], "chain"] = "nope"
    bad.to_csv(path, index=False)
    assert main(["chains", "--firms", str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "field 'chain'" in err
