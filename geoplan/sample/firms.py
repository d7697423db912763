"""Firms of the sample: land holders and tenants linked to parcels, calibrated to the zone's GDP."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan.sample.params import (
    DATA_YEAR,
    INDUSTRIAL,
    INDUSTRIES,
    INDUSTRY_MIX,
    TARGET_HIGH_TECH,
    TARGET_VALUE_ADDED,
    TOWER_PLATES,
)

logger = logging.getLogger(__name__)

_NAME_A = list(
    "启澜睿衡拓瀚岳蓝迅泓晟锐屹骏鸿宸霖朗翎璟芯灏湃曜弈岑穹砚栩沐汐珩昀峤琛桐铂溯凌舟禾钧昱"
)
_NAME_B = list("海川源途星辰图联创华信达德科为云智远航瑞丰合鼎致元衍泰然维越成盈恒卓")
_NAME_WORDS = {
    "数字技术": (
        "软件技术",
        "信息科技",
        "数据科技",
        "智能科技",
        "网络科技",
        "数字科技",
        "云计算技术",
    ),
    "文化创意": ("文化传媒", "数字内容", "创意设计", "影视文化", "动漫科技", "文化科技"),
    "洁净能源": ("储能科技", "氢能科技", "新能源科技", "能源技术", "催化科技"),
    "生命健康": ("生物科技", "医疗科技", "健康科技", "医药科技", "基因技术"),
    "智能制造": ("智能装备", "精密机械", "机器人", "电子科技", "半导体", "自动化设备"),
    "智慧海洋": ("海洋科技", "船舶电子", "海洋生物", "海事技术"),
    "新材料": ("新材料科技", "膜材料", "材料科技", "功能材料"),
}


def _firm_names(industry: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    a = rng.integers(0, len(_NAME_A), len(industry))
    b = rng.integers(0, len(_NAME_B), len(industry))
    w = rng.random(len(industry))
    suffix = np.where(rng.random(len(industry)) < 0.08, "股份有限公司", "有限公司")
    names = []
    seen: dict[str, int] = {}
    for i, ind in enumerate(industry):
        words = _NAME_WORDS[ind]
        base = f"大连{_NAME_A[a[i]]}{_NAME_B[b[i]]}{words[int(w[i] * len(words))]}{suffix[i]}"
        k = seen.get(base, 0)
        seen[base] = k + 1
        names.append(
            base if k == 0 else base.replace("大连", f"大连{_NAME_A[(a[i] + k) % len(_NAME_A)]}", 1)
        )
    return np.array(names, dtype=object)


def build_firms(parcels: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Land holders and tenants linked to *parcels*; fills ``parcels.holder`` in place."""
    sub_a = parcels.attrs["sub_area"]
    m0 = parcels.attrs["m0"]
    low = parcels.attrs["low"]
    use = parcels["land_use"].to_numpy()
    status = parcels["status"].to_numpy()
    mu = parcels["area_mu"].to_numpy()
    floor = parcels["area_m2"].to_numpy() * parcels["far"].to_numpy()
    n_p = len(parcels)

    # ---- land holders: one per developed business parcel (and some idle ones)
    business = np.isin(use, (*INDUSTRIAL, "0802", "0901", "0902", "1302", "1303"))
    holder_p = business & (status == "built")
    holder_p |= business & (status == "under_construction") & (rng.random(n_p) < 0.6)
    idle_holder = business & (status == "idle") & (rng.random(n_p) < 0.6)
    holder_p |= idle_holder
    hp = np.flatnonzero(holder_p)
    # ---- tenants: towers (software park / 七贤岭 offices), M0 buildings, some commercial/research
    tenant_host = (status == "built") & (
        (np.isin(use, ("0802", "0902")) & np.isin(sub_a, TOWER_PLATES) & (rng.random(n_p) < 0.4))
        | m0
        | ((use == "0802") & (sub_a == "黄泥川"))
        | ((use == "0901") & (rng.random(n_p) < 0.15))
    )
    host_idx = np.flatnonzero(tenant_host)
    occ = rng.uniform(0.5, 0.88, len(host_idx))
    own_share = rng.uniform(0.08, 0.3, len(host_idx))
    rentable = floor[host_idx] * occ * (1 - own_share)
    mean_size = np.where(m0[host_idx], 1800.0, 1300.0)
    n_ten = np.maximum(
        1, np.round(rentable / mean_size * rng.uniform(0.8, 1.2, len(host_idx)))
    ).astype(int)
    t_parcel = np.repeat(host_idx, n_ten)
    # split each building's rentable floor among its tenants (heavy tail: Dirichlet with small alpha)
    shares = rng.gamma(0.7, 1.0, t_parcel.size)
    grp_sum = np.bincount(np.repeat(np.arange(len(host_idx)), n_ten), weights=shares)
    t_floor = shares / np.repeat(grp_sum, n_ten) * np.repeat(rentable, n_ten)
    t_floor = np.floor(t_floor * 10) / 10

    firm_parcel = np.concatenate([hp, t_parcel])
    tenure = np.array(["own"] * len(hp) + ["rent"] * len(t_parcel), dtype=object)
    rented = np.concatenate([np.full(len(hp), np.nan), t_floor])
    nf = len(firm_parcel)
    psub = sub_a[firm_parcel]
    puse = use[firm_parcel]

    # ---- industry (1+6) by sub-area; utilities and use-specific overrides
    ind_idx = np.zeros(nf, int)
    for sa, mix in INDUSTRY_MIX.items():
        m = psub == sa
        p = np.array(mix) / sum(mix)
        ind_idx[m] = rng.choice(len(INDUSTRIES), size=m.sum(), p=p)
    industry = np.array(INDUSTRIES, dtype=object)[ind_idx]
    own_ind = (tenure == "own") & np.isin(puse, INDUSTRIAL)
    manuf = np.array(["智能制造", "新材料", "生命健康", "洁净能源", "智慧海洋"], dtype=object)
    wrong = own_ind & np.isin(industry, ["数字技术", "文化创意"]) & (rng.random(nf) < 0.7)
    industry[wrong] = manuf[rng.integers(0, len(manuf), wrong.sum())]
    utility = np.isin(puse, ("1302", "1303")) & (tenure == "own")
    industry[utility] = "洁净能源"
    sector = np.where(
        np.isin(puse, INDUSTRIAL) & ~(np.isin(industry, ["数字技术", "文化创意"])),
        "industry",
        "service",
    ).astype(object)
    sector[
        m0[firm_parcel]
        & np.isin(industry, ["智能制造", "新材料", "生命健康", "洁净能源", "智慧海洋"])
    ] = "industry"
    sector[utility] = "utility"

    # ---- revenue (万元): heavy-tailed, tied to land (holders) or rented floor (tenants)
    rev = np.empty(nf)
    own = tenure == "own"
    own_mu = mu[firm_parcel[own]]
    # revenue per 亩 of the holder's own operation: manufacturing ~ 200 万元/亩 (median), tower and
    # commercial owners less (their floor is rented out), research campuses far less
    own_use = puse[own]
    rev_per_mu = np.select(
        [
            sector[own] == "industry",
            own_use == "0902",
            own_use == "0901",
            (own_use == "0802") & (psub[own] == "英歌石"),
        ],
        [200.0, 150.0, 110.0, 35.0],
        default=90.0,
    )
    rev_per_mu = np.where(low[firm_parcel[own]], rev_per_mu * 0.25, rev_per_mu)
    rev[own] = own_mu * rev_per_mu * rng.lognormal(0, 1.0, own.sum())
    ten = ~own
    rev[ten] = np.nan_to_num(rented[ten], nan=300.0) * 0.25 * rng.lognormal(0, 1.5, ten.sum())
    # a Pareto tail of anchor firms (链主)
    anchors = rng.random(nf) < 0.015
    rev[anchors] *= np.minimum(rng.pareto(1.0, anchors.sum()) + 8, 200)
    # idle holders barely operate; very recent firms are small
    pst = status[firm_parcel]
    rev[pst == "idle"] *= 0.02
    rev[pst == "under_construction"] *= 0.1
    founded = np.empty(nf)
    lease = parcels["lease_start"].to_numpy(dtype=float, na_value=np.nan)[firm_parcel]
    founded[own] = np.where(np.isnan(lease[own]), 2012, lease[own]) - rng.integers(0, 4, own.sum())
    founded[ten] = np.floor(DATA_YEAR - 1.5 - rng.exponential(8.0, ten.sum()))
    tclass = rng.random(nf) < 0.05
    founded[tclass] = rng.integers(DATA_YEAR - 1, DATA_YEAR + 1, tclass.sum())
    founded = np.clip(founded, 1988, DATA_YEAR)
    young = founded >= DATA_YEAR - 1
    rev[young] *= 0.25
    va_ratio = np.where(
        sector == "industry", rng.uniform(0.2, 0.32, nf), rng.uniform(0.32, 0.5, nf)
    )
    va_ratio[sector == "utility"] = rng.uniform(0.35, 0.5, (sector == "utility").sum())
    tax_rate = np.where(sector == "service", 0.06, 0.05) * rng.lognormal(0, 0.5, nf)
    tax_rate[rng.random(nf) < 0.04] = 0.0  # loss-making or exempt
    # 标准地 holders: tax per 亩 scattered around the committed figure (some meet it, some do not)
    std_p = parcels["standard_land"].to_numpy(dtype=bool)
    std_f = own & std_p[firm_parcel] & (pst == "built")
    commit = parcels["commit_tax_per_mu"].to_numpy(dtype=float)[firm_parcel]
    tax_rate[std_f] = 0.05
    rev[std_f] = (
        commit[std_f] * mu[firm_parcel[std_f]] * rng.lognormal(-0.1, 0.5, std_f.sum()) / 0.05
    )
    # calibrate: zone value added = 2020 GDP (the 标准地 holders keep their delivered figures)
    va = rev * va_ratio
    k = (TARGET_VALUE_ADDED - va[std_f].sum()) / va[~std_f].sum()
    logger.info("value-added calibration factor %.3f", k)
    rev[~std_f] *= k
    va[~std_f] *= k
    rev = np.round(rev, 1)
    va = np.round(va, 1)

    scale = np.where(
        ((sector == "industry") & (rev >= 2000)) | ((sector != "industry") & (rev >= 1000)),
        "规上",
        "规下",
    )
    tax = np.round(rev * tax_rate, 1)
    intensity = np.where(
        sector == "industry", 0.14, np.where(sector == "utility", 0.3, 0.02)
    ) * rng.lognormal(0, 0.7, nf)
    intensity = np.where(
        np.isin(psub, ["龙王塘", "龙头"]) & (sector == "industry"), intensity * 1.8, intensity
    )
    energy = np.round(va * intensity, 2)
    elec = np.round(energy * rng.uniform(0.55, 0.9, nf) / 0.1229, 1)
    emis = np.round(
        energy * np.where(sector == "industry", 0.006, 0.0008) * rng.lognormal(0, 0.6, nf), 3
    )
    emis[rng.random(nf) < 0.12] = np.nan
    rd_rate = np.where(industry == "数字技术", 0.07, 0.035) * rng.lognormal(0, 0.6, nf)
    rd = np.round(rev * np.clip(rd_rate, 0, 0.4), 1)
    productivity = np.where(sector == "industry", 90.0, 40.0) * rng.lognormal(0, 0.4, nf)
    employees = np.maximum(1, np.round(rev / productivity)).astype(int)
    inv_parcel = parcels["investment"].to_numpy(dtype=float)[firm_parcel]
    fixed_inv = np.where(own, inv_parcel, np.round(rev * rng.uniform(0.02, 0.15, nf), 1))
    fixed_inv = np.round(np.nan_to_num(fixed_inv, nan=0.0), 1)

    # exactly TARGET_HIGH_TECH certified high-tech firms, favouring R&D-intensive ones
    score = np.log1p(rd) + np.where(industry == "数字技术", 0.5, 0.0) + rng.normal(0, 1.0, nf)
    score[young] -= 5
    high_tech = np.zeros(nf, bool)
    high_tech[np.argsort(-score, kind="stable")[:TARGET_HIGH_TECH]] = True

    # a few tenants with a missing or zero floor record (the evaluation must cope)
    miss = ten & (rng.random(nf) < 0.02)
    rented[miss] = np.nan
    zero = ten & ~miss & (rng.random(nf) < 0.008)
    rented[zero] = 0.0

    names = _firm_names(industry, rng)
    # utilities get an operator name
    util_names = np.array(
        [
            f"大连高新区{('排水' if u == '1302' else '供电')}运营有限公司{i + 1:02d}(示意)"
            for i, u in enumerate(puse[utility])
        ],
        dtype=object,
    )
    names[utility] = util_names

    firms = pd.DataFrame(
        {
            "firm_id": [f"F{i + 1:06d}" for i in range(nf)],
            "parcel_id": parcels["parcel_id"].to_numpy()[firm_parcel],
            "name": names,
            "industry": industry.astype(str),
            "scale": scale,
            "tax": tax,
            "revenue": rev,
            "value_added": va,
            "energy_tce": energy,
            "employees": employees.astype("int64"),
            "emissions_t": emis,
            "electricity_mwh": elec,
            "rd_spend": rd,
            "fixed_investment": fixed_inv,
            "tenure": tenure.astype(str),
            "rented_floor_m2": rented,
            "founded": founded.astype("int64"),
            "high_tech": high_tech,
            "sector": sector.astype(str),
        }
    )

    # holders: the owning firm's name; other land gets a plausible public/developer holder
    holder = np.full(n_p, None, dtype=object)
    holder[hp] = names[: len(hp)]
    pub = {
        "080401": "高校(划拨)",
        "080403": "大连高新区教育部门(划拨)",
        "080404": "大连高新区教育部门(划拨)",
        "0806": "大连高新区卫生健康部门(划拨)",
        "0803": "大连高新区管委会(划拨)",
        "0702": "街道办事处(划拨)",
        "1401": "大连高新区管委会(划拨)",
        "1402": "大连高新区管委会(划拨)",
        "1403": "大连高新区管委会(划拨)",
        "16": "大连高新区土地储备中心(示意)",
    }
    for code, who in pub.items():
        holder[(use == code) & (holder == None)] = who  # noqa: E711
    res = (use == "0701") & (holder == None)  # noqa: E711
    dev = np.array(
        [
            f"大连{_NAME_A[i % len(_NAME_A)]}{_NAME_B[(i * 7) % len(_NAME_B)]}置业有限公司"
            for i in range(40)
        ],
        dtype=object,
    )
    holder[res] = dev[rng.integers(0, len(dev), res.sum())]
    rest = (holder == None) & (status != "reserve")  # noqa: E711
    holder[rest] = "待核实(示意)"
    holder[status == "reserve"] = "大连高新区土地储备中心(示意)"
    parcels["holder"] = holder
    return firms
