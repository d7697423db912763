"""一链一图: per 产业链, its firms by role (链主 / 核心配套 / 一般), figures by 组团, gaps, and
candidate land for a 专业产业园.

Firms carry ``chain`` (a key of the zone's chain list) and ``chain_role``. Gaps are rules stated
in words (no 链主 in the zone; no core suppliers; a place the plan names for the chain's industry
that holds none of its firms; chain firms without land). Candidate land is the suitability
analysis's candidate areas, kept where the nearest in-service substation and sewage plant of the
phase still have headroom, best first (inside a planned place, then by suitability score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.units import firm_units
from geoplan.errors import GeoplanError
from geoplan.standards.chains_tiers import CHAIN_ROLES, Chain, ChainList

ROLE_ORDER = {r: i for i, r in enumerate(CHAIN_ROLES)}


def _chain_firms(zone, chain: str) -> pd.DataFrame:
    firms = zone.layers["firms"]
    if "chain" not in firms:
        msg = "the firm layer has no 'chain' field (产业链); add chain and chain_role to the firm list"
        raise GeoplanError(msg)
    return firms[firms["chain"].astype("object").fillna("").astype(str) == chain]


def overview(zone, chains: ChainList) -> pd.DataFrame:
    """One row per chain: firms, anchors (链主), core suppliers, revenue and tax (万元), land
    (亩, parcels holding chain firms) and floor area (万 m²)."""
    rows = []
    for c in chains.chains:
        f = _chain_firms(zone, c.key)
        k = _figures(zone, f)
        rows.append(
            {
                "chain": c.key,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "industry": c.industry,
                **k,
            }
        )
    return pd.DataFrame(rows)


def _figures(zone, f: pd.DataFrame) -> dict:
    parcels = zone.layers["parcels"]
    role = (
        f["chain_role"].astype("object").fillna("").astype(str)
        if "chain_role" in f
        else pd.Series("", index=f.index)
    )
    held = parcels[parcels["parcel_id"].astype(str).isin(set(f["parcel_id"].astype(str)))]
    far = pd.to_numeric(held["far"], errors="coerce").fillna(0)
    return {
        "firms": len(f),
        "anchors": int((role == "anchor").sum()),
        "core_suppliers": int((role == "core_supplier").sum()),
        "revenue": float(pd.to_numeric(f["revenue"], errors="coerce").fillna(0).sum()),
        "tax": float(pd.to_numeric(f["tax"], errors="coerce").fillna(0).sum()),
        "land_mu": float(held["area_mu"].sum()),
        "floor_10k_m2": float((held["area_m2"] * far).sum() / 1e4),
    }


def anchors(zone, chain: str, *, limit: int = 20) -> pd.DataFrame:
    """The chain's 链主 firms (largest revenue first): firm_id, name, parcel_id, revenue, tax."""
    f = _chain_firms(zone, chain)
    if "chain_role" not in f:
        return f.iloc[0:0][["firm_id", "name", "parcel_id"]]
    a = f[f["chain_role"].astype(str) == "anchor"]
    cols = [c for c in ("firm_id", "name", "parcel_id", "industry", "revenue", "tax") if c in a]
    return a.sort_values("revenue", ascending=False)[cols].head(limit).reset_index(drop=True)


def by_unit(zone, chain: str, unit: str = "cluster") -> pd.DataFrame:
    """The chain's figures per 组团 (or 板块): firms by role, revenue, tax, land, floor area."""
    f = _chain_firms(zone, chain)
    fu = firm_units(zone, unit).loc[f.index]
    rows = [{"unit": u, **_figures(zone, part)} for u, part in f.groupby(fu, sort=False)]
    out = pd.DataFrame(
        rows,
        columns=[
            "unit",
            "firms",
            "anchors",
            "core_suppliers",
            "revenue",
            "tax",
            "land_mu",
            "floor_10k_m2",
        ],
    )
    return out.sort_values("firms", ascending=False).reset_index(drop=True)


def gaps(zone, chain: Chain) -> list[dict]:
    """What the chain lacks, each as a rule key with its figures (texts: ``chain_gap_<rule>``)."""
    f = _chain_firms(zone, chain.key)
    role = f["chain_role"].astype(str) if "chain_role" in f else pd.Series("", index=f.index)
    out: list[dict] = []
    if not len(f):
        return [{"rule": "no_firms"}]
    if not (role == "anchor").any():
        out.append({"rule": "no_anchor"})
    if not (role == "core_supplier").any():
        out.append({"rule": "no_core_supplier"})
    per_place = firm_units(zone, "cluster").loc[f.index].value_counts()
    for place in chain.places:
        if int(per_place.get(place, 0)) == 0:
            out.append({"rule": "empty_place", "place": place})
    known = set(zone.layers["parcels"]["parcel_id"].astype(str))
    landless = int((~f["parcel_id"].astype(str).isin(known)).sum())
    if landless:
        out.append({"rule": "landless", "n": landless})
    return out


def candidate_land(
    zone, chain: Chain, suit, balance, *, min_mu: float = 30.0, limit: int = 10
) -> pd.DataFrame:
    """Candidate areas for a 专业产业园 of *chain*: suitability candidates of at least *min_mu*
    亩 whose nearest in-service substation and sewage plant (in *balance*, an InfraResult) have
    headroom; those inside a place planned for the chain first, then by suitability score."""
    from geoplan.analysis.units import unit_polygons
    from geoplan.data import crs as gcrs

    cand = suit.candidates
    cand = cand[cand["area_mu"] >= min_mu].copy()
    if not len(cand):
        return cand
    polys = unit_polygons(zone, "cluster")
    planned = polys[polys["name"].isin(chain.places)]
    gcrs.check_same_crs(cand, polys)
    pts = shapely.point_on_surface(cand.geometry.to_numpy())
    cand["in_planned_place"] = (
        shapely.intersects(pts[:, None], planned.geometry.to_numpy()[None, :]).any(axis=1)
        if len(planned)
        else False
    )
    head = balance.headroom().set_index("facility_id")
    for kind, layer in (("substation", "substations"), ("sewage_plant", "sewage_plants")):
        fac = zone.layers[layer]
        ok = fac["facility_id"].astype(str).isin(head.index).to_numpy()
        fac = fac[ok]
        if not len(fac):
            cand[f"{kind}_headroom"] = np.nan
            cand[f"{kind}_name"] = ""
            continue
        fxy = shapely.get_coordinates(shapely.centroid(fac.geometry.to_numpy()))
        cxy = shapely.get_coordinates(pts)
        d = np.hypot(cxy[:, None, 0] - fxy[None, :, 0], cxy[:, None, 1] - fxy[None, :, 1])
        near = d.argmin(axis=1)
        ids = fac["facility_id"].astype(str).to_numpy()[near]
        cand[f"{kind}_name"] = fac["name"].astype(str).to_numpy()[near]
        cand[f"{kind}_headroom"] = head.loc[ids, "headroom"].to_numpy(float)
        cand[f"{kind}_km"] = d[np.arange(len(cand)), near] / 1000
    keep = (cand["substation_headroom"] > 0) & (cand["sewage_plant_headroom"] > 0)
    cand = cand[keep.to_numpy()]
    return (
        cand.sort_values(
            ["in_planned_place", "mean_score", "area_mu"], ascending=[False, False, False]
        )
        .head(limit)
        .reset_index(drop=True)
    )
