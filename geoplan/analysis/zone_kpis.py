"""Headline figures of a zone for the leaders' overview: area, parcels, firms, tax, land-use mix.

Sums over the zone's layers (working CRS): nothing here reads files or knows about display.
"""

from __future__ import annotations

import pandas as pd

from geoplan.standards import landuse


def zone_kpis(zone) -> dict:
    """Zone area (km²), parcel and firm counts, high-tech firms (None without the flag), total
    tax (万元), idle parcel area (亩) and the land-use mix by group (亩, largest first)."""
    parcels, firms = zone.layers["parcels"], zone.layers["firms"]
    out: dict = {
        "zone_km2": float(zone.layers["zone"].geometry.area.sum() / 1e6),
        "parcels": len(parcels),
        "firms": len(firms),
        "high_tech_firms": int(firms["high_tech"].fillna(False).astype(bool).sum())
        if "high_tech" in firms
        else None,
        "tax": float(firms["tax"].sum()),
        "idle_mu": float(parcels.loc[parcels["status"] == "idle", "area_mu"].sum()),
    }
    groups = pd.Series(landuse.groups_for(parcels["land_use"]), index=parcels.index)
    mix = parcels.groupby(groups)["area_mu"].sum().sort_values(ascending=False)
    out["mix"] = {str(k): float(v) for k, v in mix.items()}
    return out
