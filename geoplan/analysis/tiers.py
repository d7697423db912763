"""Enterprise tiers (企业梯队) on the firms: counts against the plan's targets, figures by 组团 /
板块, and firm density on a grid.

A firm's tiers are the keys in its ``tiers`` field (``high_tech|dengling``); a zone without that
field but with the ``high_tech`` flag still counts its 高企. The plan indicator a tier counts
towards is declared in the zone's tier list (``indicator: hte``); a firm counts once per
indicator even when it holds several of its tiers (雏鹰 + 瞪羚 is one 高成长企业).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.units import OUTSIDE, firm_units, parcel_units, unit_polygons
from geoplan.settings import M2_PER_MU
from geoplan.standards.chains_tiers import TierList, split_tiers


def tier_flags(firms: pd.DataFrame, tiers: TierList) -> pd.DataFrame:
    """One boolean column per tier key (firms' index)."""
    keys = [t.key for t in tiers.tiers]
    if "tiers" in firms:
        lists = split_tiers(firms["tiers"])
        flags = {k: lists.map(lambda ks, k=k: k in ks).to_numpy(bool) for k in keys}
    else:
        flags = {k: np.zeros(len(firms), dtype=bool) for k in keys}
        if "high_tech" in firms and "high_tech" in keys:
            flags["high_tech"] = firms["high_tech"].fillna(False).astype(bool).to_numpy()
    return pd.DataFrame(flags, index=firms.index)


def indicator_flags(firms: pd.DataFrame, tiers: TierList) -> pd.DataFrame:
    """One boolean column per plan indicator key that tiers count towards (hte, sme, growth …)."""
    flags = tier_flags(firms, tiers)
    out: dict[str, np.ndarray] = {}
    for t in tiers.tiers:
        if t.indicator:
            out[t.indicator] = (
                out.get(t.indicator, np.zeros(len(firms), dtype=bool)) | flags[t.key].to_numpy()
            )
    return pd.DataFrame(out, index=firms.index)


def indicator_values(zone, tiers: TierList) -> dict[str, float]:
    """Plan indicator values computable from the firm layer (e.g. hte = count of 高企)."""
    f = indicator_flags(zone.layers["firms"], tiers)
    return {k: float(f[k].sum()) for k in f.columns}


def tier_counts(
    zone, tiers: TierList, targets: dict[str, tuple[str, str]] | None = None
) -> pd.DataFrame:
    """Per tier: firms in the layer, the latest seed count (value, when, source) and, through its
    indicator, the plan target (text, year) from *targets* (indicator key → (target, year))."""
    flags = tier_flags(zone.layers["firms"], tiers)
    rows = []
    for t in tiers.tiers:
        last = t.counts[-1] if t.counts else None
        tgt = (targets or {}).get(t.indicator, ("", ""))
        rows.append(
            {
                "tier": t.key,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "firms": int(flags[t.key].sum()),
                "seed_count": last.value if last else None,
                "seed_when": last.when if last else "",
                "seed_source": last.source if last else "",
                "indicator": t.indicator,
                "target": tgt[0],
                "target_year": tgt[1],
                "definition": t.definition,
                "definition_source": t.definition_source,
                "verified": t.verified,
            }
        )
    return pd.DataFrame(rows)


def by_unit(zone, tiers: TierList, unit: str = "cluster") -> pd.DataFrame:
    """Per 组团 (or 板块): parcels, land (亩), floor area (万 m²), firms, firms per tier and per
    indicator, tax (万元) and 亩均税收 (tax / land of the parcels that hold firms, 万元/亩)."""
    parcels, firms = zone.layers["parcels"], zone.layers["firms"]
    pu = parcel_units(zone, unit)
    fu = firm_units(zone, unit)
    floor = (
        parcels["area_m2"].to_numpy(float)
        * pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy()
    )
    pids_with_firms = set(firms["parcel_id"].astype(str))
    has_firm = parcels["parcel_id"].astype(str).isin(pids_with_firms).to_numpy()
    p = pd.DataFrame(
        {
            "unit": pu.to_numpy(),
            "area_mu": parcels["area_mu"].to_numpy(float),
            "floor_m2": floor,
            "firm_land_mu": np.where(has_firm, parcels["area_mu"].to_numpy(float), 0.0),
        }
    )
    g = p.groupby("unit").agg(
        parcels=("area_mu", "size"),
        land_mu=("area_mu", "sum"),
        floor_m2=("floor_m2", "sum"),
        firm_land_mu=("firm_land_mu", "sum"),
    )
    f = pd.concat(
        [tier_flags(firms, tiers), indicator_flags(firms, tiers).add_prefix("ind_")], axis=1
    )
    f["firms"] = 1
    f["tax"] = pd.to_numeric(firms["tax"], errors="coerce").fillna(0.0)
    f["unit"] = fu.to_numpy()
    fg = f.groupby("unit").sum(numeric_only=True)
    out = g.join(fg, how="outer").fillna(0)
    out["floor_10k_m2"] = out.pop("floor_m2") / 1e4
    out["tax_per_mu"] = np.where(
        out["firm_land_mu"] > 0, out["tax"] / out["firm_land_mu"].replace(0, np.nan), np.nan
    )
    names = list(unit_polygons(zone, unit)["name"])
    order = names + [n for n in out.index if n not in names]
    out = out.reindex([n for n in order if n in out.index])
    out.index.name = "unit"
    return out.reset_index().assign(outside=lambda d: d["unit"] == OUTSIDE)


def density(zone, tiers: TierList, tier: str | None, *, cell_m: float = 1000.0) -> gpd.GeoDataFrame:
    """Firms of *tier* (all firms for None) per km² on a square grid over the zone: one row per
    non-empty cell (``firms``, ``per_km2``), working CRS."""
    parcels, firms = zone.layers["parcels"], zone.layers["firms"]
    if tier is not None:
        firms = firms[tier_flags(firms, tiers)[tier].to_numpy()]
    pts = shapely.point_on_surface(parcels.geometry.to_numpy())
    xy = pd.DataFrame(
        shapely.get_coordinates(pts), columns=["x", "y"], index=parcels["parcel_id"].astype(str)
    )
    xy = xy[~xy.index.duplicated()]
    fxy = xy.reindex(firms["parcel_id"].astype(str)).dropna()
    if not len(fxy):
        return gpd.GeoDataFrame({"firms": [], "per_km2": []}, geometry=[], crs=parcels.crs)
    ix = np.floor(fxy["x"].to_numpy() / cell_m).astype(np.int64)
    iy = np.floor(fxy["y"].to_numpy() / cell_m).astype(np.int64)
    cells = pd.DataFrame({"ix": ix, "iy": iy}).value_counts().rename("firms").reset_index()
    x0, y0 = cells["ix"].to_numpy() * cell_m, cells["iy"].to_numpy() * cell_m
    geoms = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
    per_km2 = cells["firms"].to_numpy() / (cell_m * cell_m / 1e6)
    return gpd.GeoDataFrame(
        {"firms": cells["firms"].to_numpy(), "per_km2": per_km2}, geometry=geoms, crs=parcels.crs
    )


def land_mu(area_m2: float) -> float:
    return area_m2 / M2_PER_MU
