"""Planning units a zone's figures are summed by: 十四五 组团 (structure elements) or 十三五 板块.

A parcel belongs to the most specific structure element (the smallest 一心 / 一城 / 组团 polygon)
that holds its representative point; one in none is "outside the units". Firms follow their
parcel. Vectorised: one spatial-index query for all parcels.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.data import crs as gcrs

UNITS = ("cluster", "plate")
#: structure kinds that are planning units (the corridor spans them; the eco core holds no firms)
UNIT_KINDS = ("core", "city", "cluster")
OUTSIDE = ""


def available_units(zone) -> tuple[str, ...]:
    """The planning units *zone* has layers for (组团 needs ``structure``, 板块 ``plates``)."""
    have = []
    if zone.layers.get("structure") is not None:
        have.append("cluster")
    if zone.layers.get("plates") is not None and "plate" in zone.layers["parcels"]:
        have.append("plate")
    return tuple(have)


def unit_polygons(zone, unit: str = "cluster") -> gpd.GeoDataFrame:
    """The unit polygons (``name``, ``kind``, geometry), working CRS."""
    if unit == "plate":
        p = zone.layers["plates"]
        return gpd.GeoDataFrame(
            {"name": p["name"].astype(str), "kind": "plate"}, geometry=p.geometry.values, crs=p.crs
        )
    if unit != "cluster":
        msg = f"unknown unit {unit!r}; use one of {', '.join(UNITS)}"
        raise ValueError(msg)
    s = zone.layers["structure"]
    s = s[s["kind"].isin(UNIT_KINDS) & s.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return gpd.GeoDataFrame(
        {"name": s["name"].astype(str), "kind": s["kind"].astype(str)},
        geometry=s.geometry.values,
        crs=s.crs,
    )


def parcel_units(zone, unit: str = "cluster") -> pd.Series:
    """Unit name of each parcel (index of the parcels layer; "" outside every unit)."""
    parcels = zone.layers["parcels"]
    if unit == "plate":
        return parcels["plate"].astype(str).where(parcels["plate"].notna(), OUTSIDE)
    polys = unit_polygons(zone, unit)
    gcrs.check_same_crs(parcels, polys)
    pts = shapely.point_on_surface(parcels.geometry.to_numpy())
    pi, ui = polys.sindex.query(pts, predicate="within")
    area = shapely.area(polys.geometry.to_numpy())
    out = np.full(len(parcels), OUTSIDE, dtype=object)
    if len(pi):
        order = np.lexsort((area[ui], pi))  # per parcel, the smallest unit first
        pi, ui = pi[order], ui[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        out[pi[first]] = polys["name"].to_numpy()[ui[first]]
    return pd.Series(out, index=parcels.index, name="unit")


def firm_units(zone, unit: str = "cluster") -> pd.Series:
    """Unit name of each firm (through its parcel; "" when the parcel is unknown)."""
    parcels, firms = zone.layers["parcels"], zone.layers["firms"]
    by_parcel = pd.Series(
        parcel_units(zone, unit).to_numpy(), index=parcels["parcel_id"].astype(str)
    )
    by_parcel = by_parcel[~by_parcel.index.duplicated()]
    return firms["parcel_id"].astype(str).map(by_parcel).fillna(OUTSIDE).rename("unit")
