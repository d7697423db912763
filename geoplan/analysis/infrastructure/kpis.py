"""Headline figures of one facility kind in one phase's balance (the 基础设施 page's KPI cards).

Kept apart from the balance itself: these are sums over :class:`InfraResult` tables, in the
facility kind's unit (MVA for substations, m³/d for sewage plants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geoplan.analysis.infrastructure import InfraResult

#: library kind → (per-parcel facility id, distance, assignment method, demand) columns of
#: ``InfraResult.parcels``
PARCEL_COLS = {
    "substation": ("substation_id", "substation_m", "substation_method", "power_mva"),
    "sewage_plant": ("sewage_id", "sewage_m", "sewage_method", "sewage_m3d"),
}
UNITS = {"substation": "MVA", "sewage_plant": "m³/d"}
#: alerts that count as a problem on the KPI card
PROBLEM_ALERTS = ("overload", "high", "n1")


def kind_summary(res: InfraResult, kind: str) -> dict:
    """Capacity in service, demand, utilisation, alert count and unserved demand of *kind*.

    ``capacity`` sums in-service facilities that serve parcels (not upstream 220 kV stations);
    ``demand`` sums the counted parcels' demand; ``utilisation`` is demand / capacity (None when
    nothing is in service); ``unserved_*`` are the demand, parcels and 亩 no facility serves.
    """
    if kind not in PARCEL_COLS:
        msg = f"unknown facility kind {kind!r}; use one of {', '.join(PARCEL_COLS)}"
        raise ValueError(msg)
    b = res.facilities(kind)
    dist = b[b["in_service"] & (b["level"] != "upstream")]
    pr = res.parcels
    demand = float(pr.loc[pr["counted"], PARCEL_COLS[kind][3]].sum())
    cap = float(dist["capacity"].sum())
    uns = res.unserved[res.unserved["kind"] == kind]
    u = uns.iloc[0] if len(uns) else None
    return {
        "kind": kind,
        "unit": UNITS[kind],
        "capacity": cap,
        "demand": demand,
        "utilisation": demand / cap if cap > 0 else None,
        "alerts": int(b["alert"].isin(PROBLEM_ALERTS).sum()),
        "in_service": int(b["in_service"].sum()),
        "unserved_demand": float(u["demand"]) if u is not None else 0.0,
        "unserved_parcels": int(u["parcels"]) if u is not None else 0,
        "unserved_mu": float(u["area_mu"]) if u is not None else 0.0,
    }
