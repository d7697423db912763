"""Deterministic generator of the illustrative (示意) Dalian sample data in ``data/``.

``python -m geoplan.sample`` reads the authored layers in ``layers/`` and writes

- ``layers/parcels.parquet`` — GeoParquet, working CRS: plots subdivided from the blocks between
  roads inside the 十三五 plates, kept off road corridors, hard constraints (forest park, water
  source, reservoir, coastal setback) and the hill land; land-use codes of
  国土空间调查、规划、用途管制用地用海分类 (2023);
- ``layers/firms.parquet`` — firms linked to parcels: one land holder per developed parcel plus
  tenants renting floor area in towers and 工业上楼 buildings, calibrated so the zone's value added
  is the 2020 GDP of 362.8 亿元 (3,628,000 万元) with heavy-tailed distributions;
- ``layers/dem.tif`` — a synthetic DEM (int16 metres, working CRS) whose hills follow the
  ``steep_slope`` / forest-park constraints and which falls to 0 m at the coast.

Nothing here is real: plan facts (names, capacities, plates) come from the layers; parcels, firms,
firm names and the terrain are generated. Every parcel carries ``source`` and ``assumption``.
The same seed gives the same files (byte-identical on the same library versions).

Industry names (the 1+6 system, short form) are :data:`INDUSTRIES`; plate names :data:`PLATES`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import settings
from geoplan.data.crs import WORKING_CRS
from geoplan.settings import M2_PER_MU

logger = logging.getLogger(__name__)

#: Seed of the shipped sample.
DEFAULT_SEED = 20201231
#: Statistical year the firm figures describe.
DATA_YEAR = 2023
#: Calibration target: zone GDP 2020, 362.8 亿元, in 万元 (十四五 plan, S1).
TARGET_VALUE_ADDED = 3_628_000.0
#: Certified high-tech firms (2020, S1).
TARGET_HIGH_TECH = 967

#: The 1+6 industry system, short names used in ``firms.industry`` and ``clusters.industry``.
#: 数字技术 = 数字技术产业集群 (the "1"); the other six are the 六大新兴产业.
INDUSTRIES = ("数字技术", "文化创意", "洁净能源", "生命健康", "智能制造", "智慧海洋", "新材料")
#: The five 十三五 plates (``plates.name`` and ``parcels.plate``).
PLATES = ("软件园-凌水", "七贤岭", "黄泥川-龙王塘", "英歌石", "龙头")

#: 用地用海分类 (2023) codes used by the sample, with Chinese names.
LAND_USE_NAMES = {
    "100101": "一类工业用地",
    "100102": "二类工业用地",
    "100103": "三类工业用地",
    "0802": "科研用地",
    "0901": "商业用地",
    "0902": "商务金融用地",
    "0701": "城镇住宅用地",
    "0702": "城镇社区服务设施用地",
    "080401": "高等教育用地",
    "080403": "中小学用地",
    "080404": "幼儿园用地",
    "0806": "医疗卫生用地",
    "0803": "文化用地",
    "1302": "排水用地",
    "1303": "供电用地",
    "1401": "公园绿地",
    "1402": "防护绿地",
    "1403": "广场用地",
    "16": "留白用地",
}
INDUSTRIAL = ("100101", "100102", "100103")
_SOURCE = "生成样例(示意), geoplan.sample"

# Block land-use mix per plate (sub-area), weights.
_MIX = {
    "软件园-凌水": {
        "0802": 30,
        "0902": 12,
        "0701": 26,
        "0901": 8,
        "0702": 5,
        "1401": 4,
        "100101": 6,
        "16": 3,
        "1403": 1,
    },
    "七贤岭": {
        "0902": 24,
        "0901": 15,
        "0701": 30,
        "0802": 12,
        "0702": 5,
        "1401": 6,
        "1403": 2,
        "16": 6,
    },
    "黄泥川": {
        "100101": 40,
        "100102": 8,
        "0802": 16,
        "0701": 14,
        "0901": 5,
        "0702": 3,
        "1401": 4,
        "1402": 2,
        "16": 8,
    },
    "龙王塘": {
        "100102": 22,
        "100101": 10,
        "100103": 2,
        "0701": 28,
        "0901": 10,
        "0702": 4,
        "1401": 8,
        "1402": 2,
        "16": 14,
    },
    "英歌石": {"0802": 36, "16": 34, "0701": 10, "0902": 4, "0702": 4, "1401": 8, "100101": 4},
    "龙头": {"100101": 45, "100102": 25, "16": 16, "0701": 5, "0702": 2, "1402": 4, "1401": 3},
}
# Target plot size per land use, 亩: (median, sigma of the log, min, max).
_SIZE_MU = {
    "100101": (45, 0.5, 20, 150),
    "100102": (55, 0.5, 20, 150),
    "100103": (60, 0.4, 25, 150),
    "0802": (30, 0.6, 8, 160),
    "0902": (14, 0.5, 5, 60),
    "0901": (14, 0.6, 5, 60),
    "0701": (35, 0.5, 10, 60),
    "0702": (6, 0.4, 3, 15),
    "1401": (12, 0.7, 3, 80),
    "1402": (10, 0.5, 3, 40),
    "1403": (6, 0.4, 3, 15),
    "16": (70, 0.6, 20, 250),
}
_TOWER_PLATES = ("软件园-凌水", "七贤岭")
_PLOT_ONLY = ("0702", "1401", "1402", "1403")

_INDUSTRY_MIX = {
    "软件园-凌水": (0.60, 0.15, 0.02, 0.05, 0.08, 0.03, 0.07),
    "七贤岭": (0.45, 0.25, 0.05, 0.07, 0.05, 0.08, 0.05),
    "黄泥川": (0.34, 0.03, 0.02, 0.22, 0.24, 0.07, 0.08),
    "龙王塘": (0.15, 0.06, 0.04, 0.15, 0.25, 0.20, 0.15),
    "英歌石": (0.15, 0.02, 0.45, 0.18, 0.10, 0.00, 0.10),
    "龙头": (0.05, 0.00, 0.15, 0.15, 0.55, 0.00, 0.10),
}


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------


def read_layers(layers_dir: str | Path = settings.LAYERS_DIR) -> dict[str, gpd.GeoDataFrame]:
    """Load and validate the authored layers the generator needs (working CRS)."""
    from geoplan.data.layers import load_layer

    d = Path(layers_dir)
    names = ("zone", "plates", "roads", "constraints", "facilities", "sewage_plants", "substations")
    return {n: load_layer(d / f"{n}.geojson", n).data for n in names}


def _sub_area(plate: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Split 黄泥川-龙王塘 at its 121.43°E line (working-CRS x) into its two 组团."""
    from pyproj import Transformer

    x_cut = Transformer.from_crs(4326, WORKING_CRS, always_xy=True).transform(121.43, 38.84)[0]
    out = plate.astype(object).copy()
    hl = plate == "黄泥川-龙王塘"
    out[hl & (x >= x_cut)] = "黄泥川"
    out[hl & (x < x_cut)] = "龙王塘"
    return out


# ------------------------------------------------------------------------------------------------
# parcels
# ------------------------------------------------------------------------------------------------


def _split(
    poly: shapely.Polygon,
    target_m2: float,
    rng: np.random.Generator,
    out: list,
    depth: int = 0,
    max_m2: float = np.inf,
) -> None:
    """Recursively halve *poly* across its long axis until pieces are near *target_m2* (≤ *max_m2*)."""
    a = poly.area
    if (a <= min(target_m2 * 1.45, max_m2)) or depth > 16:
        out.append(poly)
        return
    mrr = shapely.minimum_rotated_rectangle(poly)
    c = np.asarray(mrr.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    long_v = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    length = np.hypot(*long_v)
    u = long_v / length
    n = np.array([-u[1], u[0]])
    centre = np.asarray(mrr.centroid.coords[0])
    # cut position: share of the area that holds a whole number of plots, with some jitter
    k = max(2, round(a / target_m2))
    frac = np.clip(round(k / 2) / k + rng.uniform(-0.08, 0.08), 0.2, 0.8)
    t = (frac - 0.5) * length
    p0 = centre + u * t
    big = 4 * length + 10
    half1 = shapely.Polygon(
        [p0 - n * big, p0 + n * big, p0 + n * big - u * big, p0 - n * big - u * big]
    )
    parts = [poly.intersection(half1), poly.difference(half1)]
    for part in parts:
        for q in getattr(part, "geoms", [part]):
            if q.geom_type == "Polygon" and q.area > 50:
                _split(q, target_m2, rng, out, depth + 1, max_m2)


def _merge_small(pieces: list, min_m2: float) -> list:
    """Merge pieces below *min_m2* into the neighbour they share the longest edge with."""
    pieces = list(pieces)
    while len(pieces) > 1:
        areas = [p.area for p in pieces]
        i = int(np.argmin(areas))
        if areas[i] >= min_m2:
            break
        small = pieces.pop(i)
        shared = [small.boundary.intersection(p.boundary).length for p in pieces]
        j = int(np.argmax(shared))
        if shared[j] <= 0:
            j = int(np.argmin([small.distance(p) for p in pieces]))
        merged = shapely.union_all([pieces[j], small])
        if merged.geom_type != "Polygon":
            merged = max(getattr(merged, "geoms", [merged]), key=lambda q: q.area)
        pieces[j] = merged
    return pieces


def _remove_overlaps(g: np.ndarray, keep_free: shapely.Geometry) -> np.ndarray:
    """Clip numeric slivers: off the land kept free, and off the later plot of each overlapping pair."""
    g = g.copy()
    tree = shapely.STRtree(g)
    hit = np.unique(tree.query(keep_free, predicate="intersects"))
    if len(hit):
        g[hit] = [_largest(d) for d in shapely.difference(g[hit], keep_free)]
    left, right = tree.query(g, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    inter = shapely.area(shapely.intersection(g[left], g[right]))
    for i, j in zip(left[inter > 0], right[inter > 0], strict=True):
        g[j] = _largest(shapely.difference(g[j], g[i]))
    return g


def _largest(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return geom
    return max(
        (q for q in getattr(geom, "geoms", []) if q.geom_type == "Polygon"), key=lambda q: q.area
    )


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
    sub = _sub_area(np.array(block_plate, dtype=object), bx)

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
        mix = _MIX[sa]
        codes = list(mix)
        # blocks take a main use; small-plot uses (社区服务, 公园, 广场, 防护绿地) are mixed in per plot
        main_codes = [
            c for c in codes if c not in _PLOT_ONLY and _SIZE_MU[c][2] * M2_PER_MU <= b.area
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
                _split(b, 250_000, rng, pieces)
        else:
            med, sig, lo, hi = _SIZE_MU[use]
            if sa in _TOWER_PLATES and use in ("0802", "0902"):
                med = med * 0.6  # software-park towers sit on smaller plots
            target = float(np.clip(rng.lognormal(np.log(med), sig), lo, hi)) * M2_PER_MU
            pieces = []
            _split(b, target, rng, pieces, max_m2=hi * 0.85 * M2_PER_MU)
            pieces = _merge_small(pieces, lo * M2_PER_MU)
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
                        for c in _PLOT_ONLY
                        if c in mix and _SIZE_MU[c][2] <= pa <= _SIZE_MU[c][3] * 1.5
                    ]
                    if small:
                        u = small[int(rng.integers(0, len(small)))]
                elif roll < 0.22:
                    alt = [c for c in main_codes if c != "16" and _SIZE_MU[c][2] <= pa]
                    if alt:
                        u = alt[int(rng.integers(0, len(alt)))]
            uses.append(u)
            plate_of.append(pl)
            sub_of.append(sa)
    g = _remove_overlaps(np.array(geoms, dtype=object), shapely.union_all([excluded, corridors]))
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
    codes = {
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
        ids.append(f"DL-{codes[p]}-{counters[p]:04d}")

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
    lo = np.array([lease_lo[s] for s in sub_a])
    hi = np.array([lease_hi[s] for s in sub_a])
    lease = np.floor(lo + (hi - lo + 1) * rng.beta(1.6, 1.4, n)).astype(float)
    lease = np.minimum(lease, hi)
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
    tower = np.isin(uses_a, ("0802", "0902")) & np.isin(sub_a, _TOWER_PLATES)
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
            "source": _SOURCE,
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


# ------------------------------------------------------------------------------------------------
# firms
# ------------------------------------------------------------------------------------------------

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
        (np.isin(use, ("0802", "0902")) & np.isin(sub_a, _TOWER_PLATES) & (rng.random(n_p) < 0.4))
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
    for sa, mix in _INDUSTRY_MIX.items():
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


# ------------------------------------------------------------------------------------------------
# DEM
# ------------------------------------------------------------------------------------------------


def build_dem(
    layers: dict[str, gpd.GeoDataFrame], rng: np.random.Generator, *, cell: float = 30.0
) -> tuple[np.ndarray, object]:
    """Synthetic terrain (int16 m, nodata −32768 over the sea and beyond the mapped land)."""
    from affine import Affine
    from rasterio import features
    from scipy import ndimage

    cons = layers["constraints"]
    zone = shapely.union_all(layers["zone"].geometry.to_numpy())
    land_parts = [
        zone,
        *list(
            cons.geometry[
                cons["kind"].isin(["forest_park", "ecological_core", "water_source", "reservoir"])
            ]
        ),
    ]
    land = shapely.union_all(land_parts)
    minx, miny, maxx, maxy = land.bounds
    minx, miny = np.floor(minx / cell) * cell - cell * 4, np.floor(miny / cell) * cell - cell * 4
    maxx, maxy = np.ceil(maxx / cell) * cell + cell * 4, np.ceil(maxy / cell) * cell + cell * 4
    w, h = round((maxx - minx) / cell), round((maxy - miny) / cell)
    tf = Affine(cell, 0.0, minx, 0.0, -cell, maxy)

    def rast(geoms) -> np.ndarray:
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros((h, w), bool)
        return features.rasterize(
            [(g, 1) for g in geoms], out_shape=(h, w), transform=tf, dtype="uint8"
        ).astype(bool)

    on_land = rast([land])
    setback = rast(cons.geometry[cons["kind"] == "coastal_setback"])
    # sea = the non-land regions that touch the coastal setback band
    lab, _ = ndimage.label(~on_land)
    touching = np.unique(lab[ndimage.binary_dilation(setback, iterations=3) & ~on_land])
    sea = np.isin(lab, touching[touching > 0])
    d_sea = ndimage.distance_transform_edt(~sea) * cell

    base = 4 + 70 * (1 - np.exp(-d_sea / 2500.0))
    field = ndimage.gaussian_filter(rng.standard_normal((h, w)), 25)
    field /= field.std() + 1e-12
    base += 12 * field

    hills = np.zeros((h, w), float)
    for kind, lo, hi in (("steep_slope", 90, 320), ("forest_park", 380, 560)):
        for geom in cons.geometry[cons["kind"] == kind]:
            m = rast([geom])
            if not m.any():
                continue
            inside = ndimage.distance_transform_edt(m) * cell
            peak = rng.uniform(lo, hi)
            scale = max(250.0, np.sqrt(geom.area) / 4)
            hills = np.maximum(hills, peak * (1 - np.exp(-inside / scale)))
    eco = rast(cons.geometry[cons["kind"] == "ecological_core"])
    hills = np.maximum(hills, np.where(eco, 60 + 40 * (field + 2), 0))
    ridges = ndimage.gaussian_filter(rng.standard_normal((h, w)), 6)
    ridges /= ridges.std() + 1e-12
    hills_s = ndimage.gaussian_filter(hills, 3)
    dem = base + hills_s * (1 + 0.18 * ridges)
    water = rast(cons.geometry[cons["kind"] == "reservoir"])
    dem[water] = 62.0
    dem = np.where(sea, 0, dem)
    dem = np.maximum(dem, 0)
    # fade to sea level at the shoreline
    near = d_sea < 300
    dem[near] = dem[near] * (d_sea[near] / 300.0)
    out = np.round(dem).astype(np.int16)
    out[~on_land] = -32768
    return out, tf


# ------------------------------------------------------------------------------------------------
# orchestration
# ------------------------------------------------------------------------------------------------


def generate(
    out_dir: str | Path = settings.SAMPLE_ZONE_DIR,
    seed: int = DEFAULT_SEED,
    *,
    layers_dir: str | Path = settings.LAYERS_DIR,
) -> dict[str, Path]:
    """Regenerate ``parcels.parquet``, ``firms.parquet`` and ``dem.tif`` in *out_dir*.

    Deterministic for a given *seed* and the same ``layers/``. Returns the written paths.
    """
    from geoplan.data.io import atomic_path, write_geoparquet_atomic

    out = Path(out_dir)
    layers = read_layers(layers_dir)
    rng = np.random.default_rng(seed)
    parcels = build_parcels(layers, rng)
    firms = build_firms(parcels, np.random.default_rng(seed + 1))
    dem, tf = build_dem(layers, np.random.default_rng(seed + 2))
    parcels.attrs.clear()

    paths = {
        "parcels": out / "parcels.parquet",
        "firms": out / "firms.parquet",
        "dem": out / "dem.tif",
    }
    write_geoparquet_atomic(paths["parcels"], parcels)
    write_geoparquet_atomic(paths["firms"], firms)
    import rasterio

    with (
        atomic_path(paths["dem"], suffix=".tif") as tmp,
        rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            width=dem.shape[1],
            height=dem.shape[0],
            count=1,
            dtype="int16",
            crs=WORKING_CRS.to_wkt(),
            transform=tf,
            nodata=-32768,
            tiled=True,
            blockxsize=256,
            blockysize=256,
            compress="deflate",
            predictor=2,
        ) as ds,
    ):
        ds.write(dem, 1)
        ds.update_tags(
            source="geoplan.sample synthetic DEM (示意)",
            units="m",
            assumption="synthetic relief following the steep_slope/forest_park constraints; not survey data",
        )
    logger.info(
        "sample: %d parcels, %d firms, DEM %dx%d",
        len(parcels),
        len(firms),
        dem.shape[1],
        dem.shape[0],
    )
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m geoplan.sample",
        description="Regenerate the illustrative Dalian sample data (示意样例) from layers/.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=settings.SAMPLE_ZONE_DIR,
        help="output folder (default: layers/)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--layers", type=Path, default=settings.LAYERS_DIR, help="folder with the authored layers"
    )
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate(a.out, a.seed, layers_dir=a.layers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
