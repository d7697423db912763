"""Scenario KPIs: land, floor area, jobs, yields, 亩均, classes, 低效用地, infrastructure balance,
constraint violations and park coverage — one flat, comparable row per scenario.

:data:`KPIS` declares every KPI once (key, Chinese and English label, unit, which direction is
better); the comparison table, the CLI and the app read these declarations.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis import infrastructure as infra
from geoplan.settings import M2_PER_MU
from geoplan.standards import landuse

#: Residential floor area per resident (m²/人) used to estimate population from housing floor
#: area. Assumption [M]: around the 2020 urban average of ~36–40 m² of housing per person.
FLOOR_PER_RESIDENT_M2 = 36.0


@dataclass(frozen=True)
class KPI:
    key: str
    zh: str
    en: str
    unit: str
    better: int = 0  # +1 higher is better, -1 lower is better, 0 neither
    digits: int = 0

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


KPIS: tuple[KPI, ...] = (
    KPI("land_developed_mu", "开发用地", "developed land", "亩", 0),
    KPI("land_industrial_mu", "工业仓储用地", "industrial & storage land", "亩"),
    KPI("land_research_mu", "科研用地", "research land", "亩"),
    KPI("land_commercial_mu", "商业服务业用地", "commercial land", "亩"),
    KPI("land_residential_mu", "居住用地", "residential land", "亩"),
    KPI("land_public_mu", "公共管理与服务用地", "public-service land", "亩"),
    KPI("land_green_mu", "绿地与开敞空间", "green & open space", "亩", +1),
    KPI("land_undeveloped_mu", "留白及未开发用地", "reserve & undeveloped land", "亩"),
    KPI("expansion_mu", "扩区新增用地(区外)", "expansion land outside the zone", "亩"),
    KPI("floor_10k_m2", "建筑面积", "floor area", "万m²", 0, 1),
    KPI("jobs", "就业岗位", "jobs", "人", +1),
    KPI("population", "居住人口(估算)", "residents (estimate)", "人"),
    KPI("revenue_100m", "营业收入", "revenue", "亿元", +1, 2),
    KPI("value_added_100m", "增加值", "value added", "亿元", +1, 2),
    KPI("tax_100m", "税收", "tax", "亿元", +1, 2),
    KPI("tax_per_mu", "亩均税收", "tax per mu", "万元/亩", +1, 2),
    KPI("va_per_mu", "亩均增加值", "value added per mu", "万元/亩", +1, 2),
    KPI("class_A", "A类企业", "class A firms", "家", +1),
    KPI("class_B", "B类企业", "class B firms", "家"),
    KPI("class_C", "C类企业", "class C firms", "家"),
    KPI("class_D", "D类企业", "class D firms", "家", -1),
    KPI("low_efficiency_mu", "低效用地", "inefficient land", "亩", -1, 1),
    KPI("power_demand_mva", "用电负荷", "power demand", "MVA", 0, 1),
    KPI(
        "power_capacity_mva",
        "变电容量(在运, 配电级)",
        "substation capacity (in service)",
        "MVA",
        +1,
        1,
    ),
    KPI("substations_overloaded", "超载变电所", "overloaded substations", "座", -1),
    KPI("substations_n1_fail", "不满足N-1变电所", "substations failing N-1", "座", -1),
    KPI("sewage_demand_m3d", "污水量", "sewage flow", "m³/d", 0),
    KPI("sewage_capacity_m3d", "污水处理能力(在运)", "sewage capacity (in service)", "m³/d", +1),
    KPI("plants_overloaded", "超负荷污水处理厂", "overloaded sewage plants", "座", -1),
    KPI("unserved_power_mva", "无变电所覆盖负荷", "power demand out of reach", "MVA", -1, 1),
    KPI("unserved_sewage_m3d", "无污水厂覆盖污水量", "sewage out of reach", "m³/d", -1),
    KPI(
        "constraint_violation_mu", "占用刚性管控区", "development in hard constraints", "亩", -1, 1
    ),
    KPI("park_500m_share", "500米见园覆盖率", "park within 500 m (share)", "%", +1, 1),
)
KPI_BY_KEY = {k.key: k for k in KPIS}

#: KPI groups by what they are computed from (the registry of operations says which groups each
#: operation can change: :data:`geoplan.scenario.ops.OPERATIONS`).
KPI_GROUPS: dict[str, tuple[str, ...]] = {
    # parcels: land use, status, area, FAR
    "land": (
        "land_developed_mu",
        "land_industrial_mu",
        "land_research_mu",
        "land_commercial_mu",
        "land_residential_mu",
        "land_public_mu",
        "land_green_mu",
        "land_undeveloped_mu",
        "expansion_mu",
        "floor_10k_m2",
        "population",
    ),
    # the 亩均 evaluation of firms on parcels
    "economy": (
        "jobs",
        "revenue_100m",
        "value_added_100m",
        "tax_100m",
        "tax_per_mu",
        "va_per_mu",
        "class_A",
        "class_B",
        "class_C",
        "class_D",
        "low_efficiency_mu",
    ),
    # the infrastructure balance: parcels' demand, facilities, the road network (catchments)
    "infra": (
        "power_demand_mva",
        "power_capacity_mva",
        "substations_overloaded",
        "substations_n1_fail",
        "sewage_demand_m3d",
        "sewage_capacity_m3d",
        "plants_overloaded",
        "unserved_power_mva",
        "unserved_sewage_m3d",
    ),
    "constraints": ("constraint_violation_mu",),
    # park coverage: residential parcels, parks and the walking network
    "parks": ("park_500m_share",),
}


def developed_mask(parcels: pd.DataFrame, phase: str) -> np.ndarray:
    return parcels["status"].isin(list(infra.PHASE_STATUS[phase])).to_numpy()


def land_kpis(
    parcels: pd.DataFrame, phase: str, zone_geom: shapely.Geometry | None
) -> dict[str, float]:
    dev = developed_mask(parcels, phase)
    mu = pd.to_numeric(parcels["area_mu"], errors="coerce").fillna(0).to_numpy()
    codes = parcels["land_use"].astype(str)
    group = landuse.groups_for(codes)
    research = codes.str.startswith("0802").to_numpy()
    out = {
        "land_developed_mu": mu[dev].sum(),
        "land_industrial_mu": mu[dev & (group == "industrial")].sum(),
        "land_research_mu": mu[dev & research].sum(),
        "land_commercial_mu": mu[dev & (group == "commercial")].sum(),
        "land_residential_mu": mu[dev & (group == "residential")].sum(),
        "land_public_mu": mu[dev & (group == "public") & ~research].sum(),
        "land_green_mu": mu[dev & (group == "green")].sum(),
        "land_undeveloped_mu": mu[~dev].sum(),
    }
    far = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()
    area = pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy()
    floor = np.where(dev, far * area, 0.0)
    out["floor_10k_m2"] = floor.sum() / 1e4
    out["population"] = float(np.round(floor[group == "residential"].sum() / FLOOR_PER_RESIDENT_M2))
    out["expansion_mu"] = (
        float(outside_m2(parcels, zone_geom)[dev].sum() / M2_PER_MU)
        if zone_geom is not None
        else 0.0
    )
    return {k: float(v) for k, v in out.items()}


# Per-geometry memos: a scenario changes a few parcels, so the geometric tests of the others are
# remembered by the parcel's WKB (and the zone's / constraints' content), not redone every run.
_MEMO: OrderedDict[str, dict] = OrderedDict()


def _memo(key: str) -> dict:
    if key not in _MEMO:
        _MEMO[key] = {}
        while len(_MEMO) > 8:
            _MEMO.popitem(last=False)
    memo = _MEMO[key]
    if len(memo) > 200_000:
        memo.clear()
    return memo


def outside_m2(parcels: pd.DataFrame, zone_geom: shapely.Geometry) -> np.ndarray:
    """Area of each parcel outside the zone boundary (m²)."""
    wkb = shapely.to_wkb(parcels.geometry.to_numpy())
    memo = _memo(
        "outside:" + hashlib.blake2b(shapely.to_wkb(zone_geom), digest_size=16).hexdigest()
    )
    todo = [i for i, k in enumerate(wkb) if k not in memo]
    if todo:
        g = parcels.geometry.to_numpy()[todo]
        shapely.prepare(zone_geom)
        inside = shapely.covered_by(g, zone_geom)
        out = np.zeros(len(todo))
        part = ~inside
        out[part] = shapely.area(g[part]) - shapely.area(shapely.intersection(g[part], zone_geom))
        out[out < 1.0] = 0.0  # below 1 m²: floating-point residue of the overlay, not land
        for i, v in zip(todo, out, strict=True):
            memo[wkb[i]] = float(v)
    return np.array([memo[k] for k in wkb])


def economy_kpis(ev) -> dict[str, float]:
    f = ev.firms
    z = ev.aggregates["zone"].iloc[0]
    counts = ev.class_counts()
    out = {
        "jobs": float(pd.to_numeric(f["employees"], errors="coerce").fillna(0).sum()),
        "revenue_100m": float(f["revenue"].sum()) / 1e4,
        "value_added_100m": float(f["value_added"].sum()) / 1e4,
        "tax_100m": float(f["tax"].sum()) / 1e4,
        "tax_per_mu": float(z["tax_per_mu"]),
        "va_per_mu": float(z["va_per_mu"]),
        "low_efficiency_mu": float(ev.low_efficiency["area_mu"].sum())
        if len(ev.low_efficiency)
        else 0.0,
    }
    for c in ("A", "B", "C", "D"):
        out[f"class_{c}"] = float(counts.get(c, 0))
    return out


def infra_kpis(res: infra.InfraResult) -> dict[str, float]:
    b = res.balance
    sub = b[(b["kind"] == "substation") & (b["level"] != "upstream")]
    wwtp = b[b["kind"] == "sewage_plant"]
    uns = res.unserved.set_index("kind")
    return {
        "power_demand_mva": float(res.parcels["power_mva"].sum()),
        "power_capacity_mva": float(sub.loc[sub["in_service"], "capacity"].sum()),
        "substations_overloaded": float(
            (b[b["kind"] == "substation"]["alert"] == "overload").sum()
        ),
        "substations_n1_fail": float(
            (b["kind"].eq("substation") & b["in_service"] & ~b["n1_ok"]).sum()
        ),
        "sewage_demand_m3d": float(res.parcels["sewage_m3d"].sum()),
        "sewage_capacity_m3d": float(wwtp.loc[wwtp["in_service"], "capacity"].sum()),
        "plants_overloaded": float((wwtp["alert"] == "overload").sum()),
        "unserved_power_mva": float(uns.loc["substation", "demand"]),
        "unserved_sewage_m3d": float(uns.loc["sewage_plant", "demand"]),
    }


def constraint_violations(
    parcels: pd.DataFrame, constraints: pd.DataFrame | None, phase: str
) -> pd.DataFrame:
    """Developed land inside hard constraints (森林公园, 水源保护区, 海岸退缩线 …), per parcel and
    constraint: ``parcel_id``, ``constraint``, ``kind``, ``area_mu``."""
    cols = ["parcel_id", "constraint_id", "constraint", "kind", "area_mu"]
    if constraints is None or constraints.empty:
        return pd.DataFrame(columns=cols)
    hard = constraints[constraints["hard"].astype(bool).to_numpy()].reset_index(drop=True)
    dev = parcels[developed_mask(parcels, phase)]
    if hard.empty or dev.empty:
        return pd.DataFrame(columns=cols)
    memo = _memo("hard:" + infra.geometry_digest(hard, "constraint_id"))
    g = dev.geometry.to_numpy()
    wkb = shapely.to_wkb(g)
    todo = [i for i, k in enumerate(wkb) if k not in memo]
    if todo:
        pi, ci = hard.sindex.query(g[todo], predicate="intersects")
        a = (
            shapely.area(shapely.intersection(g[todo][pi], hard.geometry.to_numpy()[ci]))
            if len(pi)
            else []
        )
        hits: dict[int, list] = {}
        for p_, c_, a_ in zip(pi, ci, a, strict=True):
            if a_ > 0.01 * M2_PER_MU:
                hits.setdefault(int(p_), []).append((int(c_), float(a_)))
        for j, i in enumerate(todo):
            memo[wkb[i]] = hits.get(j, [])
    rows = [(i, c, a) for i, k in enumerate(wkb) for c, a in memo[k]]
    if not rows:
        return pd.DataFrame(columns=cols)
    ri, rc, ra = (np.array(x) for x in zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "parcel_id": dev["parcel_id"].to_numpy()[ri],
            "constraint_id": hard["constraint_id"].to_numpy()[rc],
            "constraint": hard["name"].to_numpy()[rc],
            "kind": hard["kind"].to_numpy()[rc],
            "area_mu": ra / M2_PER_MU,
        }
    )


# --- park coverage, cached by the content of its inputs ---------------------------------------

_COVERAGE: OrderedDict[str, float] = OrderedDict()


def park_coverage(layers: dict, phase: str) -> float:
    """500米见园 share of residential floor area (cached: scenarios that leave homes, parks, green
    parcels and roads alone reuse the base value)."""
    from geoplan.analysis import coverage

    p = layers["parcels"]
    codes = p["land_use"].astype(str)
    rel = p[codes.str.startswith("07").to_numpy() | codes.str.startswith("14").to_numpy()]
    h = hashlib.blake2b(digest_size=16)
    h.update(phase.encode())
    h.update(infra.geometry_digest(rel, "parcel_id", "land_use", "status", "far").encode())
    h.update(
        infra.geometry_digest(
            layers["facilities"], "facility_id", "kind", "status", "area_m2"
        ).encode()
    )
    h.update(infra.geometry_digest(layers["roads"], "road_id", "road_class", "status").encode())
    key = h.hexdigest()
    if key in _COVERAGE:
        _COVERAGE.move_to_end(key)
        return _COVERAGE[key]
    res = coverage.service_coverage(rel, layers["facilities"], layers["roads"], phase=phase)
    share = float(res.shares["park_500m"])
    _COVERAGE[key] = share
    while len(_COVERAGE) > 32:
        _COVERAGE.popitem(last=False)
    return share


def kpi_table(rows: dict[str, dict[str, float]], lang: str = "zh") -> pd.DataFrame:
    """KPI rows (declared order) × scenarios, with label and unit columns."""
    keys = [k for k in KPI_BY_KEY if any(k in r for r in rows.values())]
    df = pd.DataFrame(
        {name: [r.get(k, np.nan) for k in keys] for name, r in rows.items()}, index=keys
    )
    df.insert(0, "unit", [KPI_BY_KEY[k].unit for k in keys])
    df.insert(0, "kpi", [KPI_BY_KEY[k].label(lang) for k in keys])
    return df
