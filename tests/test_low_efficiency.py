"""低效用地 rules → reasons, routes and the gain at the plate median."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.analysis.low_efficiency import ROUTES, find_low_efficiency
from geoplan.data.crs import WORKING_CRS


def parcels(rows: list[dict]) -> gpd.GeoDataFrame:
    base = {
        "plate": "甲",
        "land_use": "100101",
        "status": "built",
        "area_mu": 10.0,
        "far": 1.5,
        "coverage": 0.5,
        "class": "B",
        "industry": "智能制造",
        "n_firms": 1,
        "n_tenants": 0,
        "tenant_floor_m2": 0.0,
        "tax_per_mu": 20.0,
        "va_per_mu": 100.0,
        "investment_per_mu": 400.0,
        "idle_since": np.nan,
        "standard_land": False,
        "commit_investment_per_mu": np.nan,
        "main_sector": "industry",
        "rd_spend": 10.0,
    }
    df = pd.DataFrame([{**base, "parcel_id": f"P{i}", **r} for i, r in enumerate(rows)])
    geoms = [shapely.box(i * 200, 0, i * 200 + 100, 100) for i in range(len(df))]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=WORKING_CRS)


def test_each_criterion_and_route():
    p = parcels(
        [
            {},  # P0 fine
            {
                "status": "idle",
                "idle_since": 2019,
                "n_firms": 0,
                "tax_per_mu": np.nan,
                "va_per_mu": np.nan,
            },  # P1 idle 4 years
            {
                "status": "idle",
                "idle_since": 2022,
                "n_firms": 0,
                "tax_per_mu": np.nan,
                "va_per_mu": np.nan,
            },  # P2 idle 1 year
            {"class": "D", "far": 0.3, "tax_per_mu": 2.0, "va_per_mu": 10.0},  # P3 D + very low FAR
            {"class": "C", "far": 0.6, "coverage": 0.45},  # P4 C + FAR below 0.7
            {"coverage": 0.3},  # P5 coverage below 40 %
            {
                "n_firms": 0,
                "land_use": "0902",
                "tax_per_mu": np.nan,
                "va_per_mu": np.nan,
            },  # P6 built, nobody reports
            {"n_tenants": 25, "tenant_floor_m2": 25 * 150.0, "land_use": "0802"},  # P7 fragmented
            {
                "standard_land": True,
                "commit_investment_per_mu": 500.0,
            },  # P8 invests less than promised
            {"class": "D", "tax_per_mu": 5.0, "land_use": "0901"},  # P9 D, tax < half the median
            {"land_use": "0701", "n_firms": 0},  # P10 housing: out of scope
            {
                "main_sector": "service",
                "rd_spend": 5.0,
            },  # P11 industrial land used by a service firm
            {
                "land_use": "0802",
                "main_sector": "service",
                "rd_spend": 0.0,
            },  # P12 research land, no R&D
            {
                "n_tenants": 25,
                "tenant_floor_m2": 25 * 2000.0,
                "land_use": "0802",
            },  # P13 25 big tenants: fine
        ]
    )
    out = find_low_efficiency(p, year=2023).set_index("parcel_id")
    assert set(out.index) == {"P1", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P11", "P12"}
    assert out.loc["P11", "criteria"] == "unclear" and out.loc["P11", "route"] == "产业置换"
    assert "科研用地无研发投入" in out.loc["P12", "reasons"]
    assert out.loc["P1", "route"] == "依法收回" and out.loc["P1", "criteria"] == "idle"
    assert "4年" in out.loc["P1", "reasons"]
    assert out.loc["P3", "route"] == "拆除重建" and "low_yield" in out.loc["P3", "criteria"]
    assert out.loc["P4", "route"] == "整治改造"
    assert out.loc["P5", "route"] == "整治改造" and "建筑系数" in out.loc["P5", "reasons"]
    assert out.loc["P6", "route"] == "出售转让" and out.loc["P6", "criteria_zh"] == "功能不清"
    assert out.loc["P7", "route"] == "协议约定" and out.loc["P7", "criteria_zh"] == "产权分散"
    assert out.loc["P8", "route"] == "协议约定" and "承诺" in out.loc["P8", "reasons"]
    assert out.loc["P9", "route"] == "产业置换"
    assert out["route"].isin(ROUTES).all()
    assert out.crs == p.crs and out.loc["P1", "area_mu"] == 10.0


def test_gain_to_plate_median():
    p = parcels(
        [
            {"tax_per_mu": 10.0, "va_per_mu": 50.0},
            {"tax_per_mu": 20.0, "va_per_mu": 100.0},
            {"tax_per_mu": 30.0, "va_per_mu": 150.0},
            {"class": "D", "far": 0.3, "tax_per_mu": 2.0, "va_per_mu": 10.0, "area_mu": 8.0},
            {"tax_per_mu": 99.0, "plate": "乙"},
        ]
    )
    out = find_low_efficiency(p).set_index("parcel_id")
    # plate 甲 median of 10, 20, 30, 2 = 15 → gain (15 − 2) × 8 亩
    assert out.loc["P3", "plate_median_tax_per_mu"] == pytest.approx(15.0)
    assert out.loc["P3", "gain_tax"] == pytest.approx(13.0 * 8)
    assert out.loc["P3", "gain_va"] == pytest.approx((75.0 - 10.0) * 8)


def test_rules_are_configurable():
    p = parcels([{"status": "idle", "idle_since": 2022, "n_firms": 0}, {"coverage": 0.35}])
    assert len(find_low_efficiency(p, year=2023)) == 1  # coverage only
    out = find_low_efficiency(p, {"idle_years": 1, "coverage_min": 0.3}, year=2023)
    assert out["parcel_id"].tolist() == ["P0"]
    assert len(find_low_efficiency(p.iloc[:0], year=2023)) == 0


def test_scheme_overrides_reach_the_rules(sample_zone):
    from geoplan.analysis.land_yield import evaluate
    from geoplan.analysis.land_yield.schemes import load_scheme

    z = sample_zone
    base = load_scheme("dalian_default")
    import dataclasses

    strict = dataclasses.replace(base, low_efficiency={**base.low_efficiency, "idle_years": 50})
    a = evaluate(z.layers["parcels"], z.layers["firms"], base)
    b = evaluate(z.layers["parcels"], z.layers["firms"], strict)
    assert (a.low_efficiency["criteria"].str.contains("idle")).sum() > 0
    assert (b.low_efficiency["criteria"].str.contains("idle")).sum() == 0
