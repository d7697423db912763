"""Parcels of the sample: blocks between roads inside the plates, subdivided into plots."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.data.crs import WORKING_CRS
from geoplan.sample.geometry import merge_small, remove_overlaps, split, sub_area
from geoplan.sample.params import (
    INDUSTRIAL,
    MIX,
    PLATES,
    PLOT_ONLY,
    SIZE_MU,
    SOURCE,
    TOWER_PLATES,
)
from geoplan.settings import M2_PER_MU


def build_parcels(
    layers: dict[str, gpd.GeoDataFrame], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Blocks between roads inside the plates, subdivided into plots with land use and attributes."""
    plates, roads, cons = layers["plates"], layers["roads"], layers["constraints"]
    widths = roads["width_m"].fillna(20.0).to_numpy()
    corridors = shapely.union_all(
        shapely.buffer(roads.geometry.to_numpy(), widths / 2 + 3, cap_style="flat")
    )
    keep_free = cons[cons["hard"].astype(bool) | (cons["kind"] == "steep_slope")]
    excluded = shapely.union_all(keep_free.geometry.to_numpy())
    zone = shapely.union_all(layers["zone"].geometry.to_numpy())

    blocks, block_plate = [], []
    for name, geom in zip(plates["name"], plates.geometry, strict=True):
        land = geom.intersection(zone).difference(excluded).difference(corridors)
        land = (
            land.buffer(-4, join_style="mitre").buffer(4, join_style="mitre").intersection(land)
        )  # drop slivers
        for b in getattr(land, "geoms", [land]):
            if b.geom_type == "Polygon" and b.area >= 2500:
                blocks.append(b)
                block_plate.append(name)
    blocks_arr = np.array(blocks, dtype=object)
    bx = shapely.get_x(shapely.centroid(blocks_arr))
    sub = sub_area(np.array(block_plate, dtype=object), bx)

    # anchors that force a block's use: universities, science-city core
    fac = layers["facilities"]
    # campuses: blocks whose centre lies within the radius of a university's / institute's site area
    uni_f = fac[fac["kind"] == "university"]
    uni = uni_f.geometry.to_numpy()
    uni_r = np.sqrt(uni_f["area_m2"].fillna(300_000).to_numpy() / np.pi)
    res_f = fac[fac["kind"] == "research"]
    research = res_f.geometry.to_numpy()
    res_r = np.sqrt(res_f["area_m2"].fillna(200_000).to_numpy() / np.pi)
    geoms, uses, plate_of, sub_of = [], [], [], []
    for b, pl, sa in zip(blocks, block_plate, sub, strict=True):
        mix = MIX[sa]
        codes = list(mix)
        # blocks take a main use; small-plot uses (社区服务, 公园, 广场, 防护绿地) are mixed in per plot
        main_codes = [
            c for c in codes if c not in PLOT_ONLY and SIZE_MU[c][2] * M2_PER_MU <= b.area
        ]
        if not main_codes:
            main_codes = [c for c in ("0901", "0702", "1401") if c in codes] or ["1401"]
        mw = np.array([mix.get(c, 1) for c in main_codes], float)
        use = main_codes[rng.choice(len(main_codes), p=mw / mw.sum())]
        bc = b.centroid
        if len(uni) and (shapely.distance(uni, bc) < uni_r).any() and b.area > 20_000:
            use = "080401"
        elif len(research) and (shapely.distance(research, bc) < res_r).any() and b.area > 20_000:
            use = "0802"
        if use == "080401":
            pieces = [b]
            if b.area > 400_000:
                pieces = []
                split(b, 250_000, rng, pieces)
        else:
            med_i, sig, lo_i, hi_i = SIZE_MU[use]
            med: float = med_i
            if sa in TOWER_PLATES and use in ("0802", "0902"):
                med = med * 0.6  # software-park towers sit on smaller plots
            target = float(np.clip(rng.lognormal(np.log(med), sig), lo_i, hi_i)) * M2_PER_MU
            pieces = []
            split(b, target, rng, pieces, max_m2=hi_i * 0.85 * M2_PER_MU)
            pieces = merge_small(pieces, lo_i * M2_PER_MU)
        for p in pieces:
            geoms.append(p)
            # mixed blocks: some plots take a small-plot use or a neighbouring use of the mix
            u = use
            roll = rng.random()
            if use not in ("080401", "16"):
                pa = p.area / M2_PER_MU
                if roll < 0.10:
                    small = [
                        c
                        for c in PLOT_ONLY
                        if c in mix and SIZE_MU[c][2] <= pa <= SIZE_MU[c][3] * 1.5
                    ]
                    if small:
                        u = small[int(rng.integers(0, len(small)))]
                elif roll < 0.22:
                    alt = [c for c in main_codes if c != "16" and SIZE_MU[c][2] <= pa]
                    if alt:
                        u = alt[int(rng.integers(0, len(alt)))]
            uses.append(u)
            plate_of.append(pl)
            sub_of.append(sa)
    g = remove_overlaps(np.array(geoms, dtype=object), shapely.union_all([excluded, corridors]))
    uses_a = np.array(uses, dtype=object)
    plate_a = np.array(plate_of, dtype=object)
    sub_a = np.array(sub_of, dtype=object)

    # order parcels by plate then north→south, west→east; id = plate code + number
    cx, cy = shapely.get_x(shapely.centroid(g)), shapely.get_y(shapely.centroid(g))
    order = np.lexsort(
        (np.round(cx, -1), -np.round(cy, -1), np.array([PLATES.index(p) for p in plate_a]))
    )
    g, uses_a, plate_a, sub_a, cx, cy = (
        g[order],
        uses_a[order],
        plate_a[order],
        sub_a[order],
        cx[order],
        cy[order],
    )
    n = len(g)
    plate_codes = {
        "软件园-凌水": "LS",
        "七贤岭": "QX",
        "黄泥川-龙王塘": "HL",
        "英歌石": "YG",
        "龙头": "LT",
    }
    counters: dict[str, int] = {}
    ids = []
    for p in plate_a:
        counters[p] = counters.get(p, 0) + 1
        ids.append(f"DL-{plate_codes[p]}-{counters[p]:04d}")

    # facility sites: the plot holding (or nearest to) each facility point takes its land use
    site_rules = []
    for lname, code_fn, st_fn in (
        (
            "sewage_plants",
            lambda r: "1302",
            lambda r: "built" if r["capacity_m3d_current"] > 0 else "under_construction",
        ),
        (
            "substations",
            lambda r: "1303",
            lambda r: (
                "built"
                if r["capacity_mva_current"] > 0
                else ("under_construction" if r["capacity_mva_2025"] > 0 else "reserve")
            ),
        ),
        (
            "facilities",
            lambda r: {
                "school": "080403",
                "kindergarten": "080404",
                "hospital": "0806",
                "clinic": "0806",
                "park": "1401",
                "culture": "0803",
                "university": "080401",
                "research": "0802",
            }.get(r["kind"], "0702"),
            lambda r: "built" if r["status"] == "existing" else "under_construction",
        ),
    ):
        lay = layers[lname]
        if "source" in lay:  # schematic completions (tools/complete_sample_facilities.py) are
            # placed from the generated parcels, so they must not shape them in turn
            lay = lay[~lay["source"].fillna("").str.contains("示意补全")]
        for _, r in lay.iterrows():  # a few dozen facility points, not parcels
            want = (
                float(r["area_m2"]) if "area_m2" in r and pd.notna(r.get("area_m2")) else 20_000.0
            )
            site_rules.append((r.geometry, code_fn(r), st_fn(r), r["name"], want))
    tree = shapely.STRtree(g)
    facility_status = np.full(n, None, dtype=object)
    facility_name = np.full(n, None, dtype=object)
    taken = np.zeros(n, bool)
    garea = shapely.area(g)
    for pt, code, st, nm, want in site_rules:
        cand = tree.query(pt.buffer(700))
        if len(cand) == 0:
            continue
        d = shapely.distance(g[cand], pt)
        # prefer plots of about the facility's size: distance penalised by the size mismatch
        d = d + 150 * np.abs(np.log(np.maximum(garea[cand], 1) / max(want, 1000)))
        for j in cand[np.argsort(d, kind="stable")]:
            if taken[j] or (uses_a[j] == "080401" and code != "080401"):
                continue
            taken[j] = True
            uses_a[j] = code
            facility_status[j] = st
            facility_name[j] = nm
            break

    area = shapely.area(g)
    mu = area / M2_PER_MU
    is_ind = np.isin(uses_a, INDUSTRIAL)

    # ---- status
    status = np.full(n, "built", dtype=object)
    status[uses_a == "16"] = "reserve"
    r = rng.random(n)
    uc_p = np.where(sub_a == "英歌石", 0.22, np.where(sub_a == "龙头", 0.12, 0.06))
    status[(r < uc_p) & (uses_a != "16")] = "under_construction"
    idle_p = np.where(np.isin(sub_a, ["龙王塘", "龙头"]), 0.13, 0.05)
    idle_ok = np.isin(uses_a, (*INDUSTRIAL, "0802", "0901", "0902"))
    r2 = rng.random(n)
    status[idle_ok & (r2 < idle_p)] = "idle"
    has_fac = facility_status != None  # noqa: E711
    status[has_fac] = facility_status[has_fac]
    idle = status == "idle"

    # ---- lease start year
    lease_lo = {
        "软件园-凌水": 1996,
        "七贤岭": 2003,
        "黄泥川": 2004,
        "龙王塘": 1995,
        "英歌石": 2016,
        "龙头": 2006,
    }
    lease_hi = {
        "软件园-凌水": 2021,
        "七贤岭": 2022,
        "黄泥川": 2023,
        "龙王塘": 2020,
        "英歌石": 2023,
        "龙头": 2022,
    }
    lo_y = np.array([lease_lo[s] for s in sub_a])
    hi_y = np.array([lease_hi[s] for s in sub_a])
    lease = np.floor(lo_y + (hi_y - lo_y + 1) * rng.beta(1.6, 1.4, n)).astype(float)
    lease = np.minimum(lease, hi_y)
    leased_use = np.isin(uses_a, (*INDUSTRIAL, "0802", "0901", "0902", "0701"))
    lease[~leased_use | (status == "reserve")] = np.nan
    lease[status == "under_construction"] = np.maximum(lease[status == "under_construction"], 2019)
    idle_since = np.full(n, np.nan)
    idle_since[idle] = np.minimum(
        np.maximum(lease[idle] + rng.integers(1, 6, idle.sum()), 2008), 2022
    )
    idle_since[idle & np.isnan(lease)] = 2015

    # ---- FAR and coverage by land use (lognormal around typical values)
    far_med = {
        "100101": 1.1,
        "100102": 0.85,
        "100103": 0.7,
        "0802": 2.2,
        "0902": 3.6,
        "0901": 2.0,
        "0701": 2.2,
        "0702": 1.2,
        "080401": 0.75,
        "080403": 0.9,
        "080404": 0.7,
        "0806": 1.6,
        "0803": 1.2,
        "1302": 0.25,
        "1303": 0.4,
        "1401": 0.02,
        "1402": 0.0,
        "1403": 0.0,
        "16": 0.0,
    }
    cov_med = {
        "100101": 0.45,
        "100102": 0.48,
        "100103": 0.5,
        "0802": 0.3,
        "0902": 0.32,
        "0901": 0.4,
        "0701": 0.22,
        "0702": 0.35,
        "080401": 0.2,
        "080403": 0.28,
        "080404": 0.3,
        "0806": 0.35,
        "0803": 0.35,
        "1302": 0.3,
        "1303": 0.3,
        "1401": 0.02,
        "1402": 0.0,
        "1403": 0.0,
        "16": 0.0,
    }
    fm = np.array([far_med[u] for u in uses_a])
    cm = np.array([cov_med[u] for u in uses_a])
    tower = np.isin(uses_a, ("0802", "0902")) & np.isin(sub_a, TOWER_PLATES)
    fm = np.where(tower, fm * 1.45, fm)
    fm = np.where((sub_a == "英歌石") & (uses_a == "0802"), 1.2, fm)
    far = fm * rng.lognormal(0, 0.3, n)
    cov = np.clip(cm * rng.lognormal(0, 0.18, n), 0, 0.7)
    # low-yield industrial land: old, low FAR/coverage plots (低效用地 candidates)
    low = is_ind & (rng.random(n) < np.where(np.isin(sub_a, ["龙王塘", "龙头"]), 0.35, 0.15))
    far[low] = rng.uniform(0.25, 0.6, low.sum())
    cov[low] = rng.uniform(0.15, 0.3, low.sum())
    # 工业上楼 / 新型产业用地 (M0) pilots in 黄泥川: high-rise industrial buildings with tenants
    m0_cand = np.flatnonzero(is_ind & (sub_a == "黄泥川") & (status == "built") & ~low)
    m0 = np.zeros(n, bool)
    m0[rng.choice(m0_cand, size=min(18, len(m0_cand)), replace=False)] = True
    far[m0] = rng.uniform(3.0, 4.5, m0.sum())
    cov[m0] = rng.uniform(0.4, 0.55, m0.sum())
    no_build = (status == "reserve") | np.isin(uses_a, ("1402", "1403", "16"))
    far[no_build] = 0.0
    cov[no_build] = 0.0
    idle_empty = idle & (rng.random(n) < 0.7)
    far[idle_empty] = 0.0
    cov[idle_empty] = 0.0
    far[idle & ~idle_empty] = rng.uniform(0.15, 0.45, (idle & ~idle_empty).sum())
    cov[idle & ~idle_empty] = rng.uniform(0.1, 0.25, (idle & ~idle_empty).sum())
    uc = status == "under_construction"
    far[uc] *= rng.uniform(0.0, 0.6, uc.sum())  # floor area built so far
    cov = np.minimum(cov, np.where(far > 0, far, 0.0))
    far = np.round(far, 2)
    cov = np.round(cov, 3)

    green = np.where(
        is_ind,
        rng.uniform(0.08, 0.2, n),
        np.where(
            np.isin(uses_a, ("1401", "1402")), rng.uniform(0.7, 0.9, n), rng.uniform(0.25, 0.4, n)
        ),
    )
    green[uses_a == "16"] = np.nan
    admin = np.where(is_ind, np.round(rng.lognormal(np.log(0.05), 0.45, n), 3), np.nan)
    admin = np.clip(admin, 0, 0.3)

    # ---- fixed-asset investment (万元)
    inv_per_mu = {
        "100101": 280,
        "100102": 240,
        "100103": 220,
        "0802": 420,
        "0902": 600,
        "0901": 450,
        "0701": 500,
    }
    ipm = np.array([inv_per_mu.get(u, np.nan) for u in uses_a])
    ipm = np.where(low, ipm * 0.45, ipm)
    invest = np.round(ipm * mu * rng.lognormal(0, 0.45, n), 0)
    invest[idle_empty | (status == "reserve")] = np.nan
    invest[uc] = np.round(invest[uc] * rng.uniform(0.2, 0.8, uc.sum()), 0)

    # ---- 标准地 (standard land) with commitments, recent industrial leases
    std_cand = np.flatnonzero(
        is_ind & (lease >= 2018) & np.isin(status, ["built", "under_construction"]) & ~m0
    )
    std = np.zeros(n, bool)
    std[rng.choice(std_cand, size=min(40, len(std_cand)), replace=False)] = True
    commit_far = np.where(std, np.round(rng.choice([1.2, 1.5, 1.8, 2.0], n), 1), np.nan)
    commit_inv = np.where(std, np.round(rng.choice([250, 300, 350, 400], n), 0), np.nan)
    commit_tax = np.where(std, np.round(rng.choice([15, 20, 25, 30], n), 0), np.nan)
    commit_en = np.where(std, np.round(rng.choice([0.08, 0.1, 0.15, 0.2], n), 2), np.nan)
    # delivery against the commitments: some plots meet them, some fall short
    low[std] = False
    built_std = std & (status == "built")
    far[built_std] = np.round(commit_far[built_std] * rng.uniform(0.6, 1.3, built_std.sum()), 2)
    cov[built_std] = np.round(rng.uniform(0.35, 0.6, built_std.sum()), 3)
    invest[std] = np.round(
        commit_inv[std]
        * mu[std]
        * rng.uniform(0.55, 1.35, std.sum())
        * np.where(status[std] == "built", 1.0, 0.5),
        0,
    )

    assumption = np.full(
        n,
        "地块为按道路与板块生成的示意地块; 容积率、建筑系数、出让年份等为按用途抽样的假设值",
        dtype=object,
    )
    assumption[m0] = "工业上楼/新型产业用地(M0)试点(示意): 高层厂房, 多家企业租用楼层"
    assumption[low & (status == "built")] = "低效工业用地候选(示意): 早期出让, 容积率与建筑系数偏低"
    assumption[idle] = "闲置土地(示意): 出让后未按期开发或停产"
    assumption[std] = "标准地(示意): 出让时约定容积率、亩均投资、亩均税收、单位增加值能耗承诺"
    fac_mask = facility_name != None  # noqa: E711
    assumption[fac_mask] = np.array(
        [f"设施用地(示意): {nm}" for nm in facility_name[fac_mask]], dtype=object
    )

    gdf = gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "land_use": uses_a.astype(str),
            "area_m2": np.round(area, 1),
            "area_mu": np.round(mu, 2),
            "far": far,
            "coverage": cov,
            "status": status.astype(str),
            "plate": plate_a.astype(str),
            "lease_start": lease,  # float with NaN: nullable ints trip the validator's comparisons
            "holder": pd.Series([None] * n, dtype=object),
            "green_ratio": np.round(green, 3),
            "admin_ratio": admin,
            "investment": invest,
            "idle_since": idle_since,
            "standard_land": std,
            "commit_far": commit_far,
            "commit_investment_per_mu": commit_inv,
            "commit_tax_per_mu": commit_tax,
            "commit_energy_per_va": commit_en,
            "source": SOURCE,
            "accuracy_m": 1500.0,
            "assumption": assumption,
        },
        geometry=g,
        crs=WORKING_CRS,
    )
    gdf.attrs["sub_area"] = sub_a
    gdf.attrs["m0"] = m0
    gdf.attrs["low"] = low
    return gdf
