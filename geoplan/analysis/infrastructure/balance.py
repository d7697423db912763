"""Facility balance per phase: capacity, demand, utilisation, headroom, N-1 and alerts.

:func:`analyse` → :class:`InfraResult`: per facility and phase the capacity, demand, utilisation,
headroom, the N-1 firm capacity of substations, and alerts. Distribution substations (≤ 110 kV,
Dalian's 66 kV) supply parcels; a 220 kV station supplies the distribution stations nearest to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan import settings
from geoplan.analysis.infrastructure.catchments import (
    assign_catchments,
    attach_cached,
    network_for_phase,
    unreachable,
)
from geoplan.analysis.infrastructure.demand import parcel_demand
from geoplan.analysis.infrastructure.standards import (
    CAPACITY_PREFIX,
    LAYER_OF,
    UNIT,
    InfraStandards,
    load_standards,
)
from geoplan.errors import GeoplanError
from geoplan.text import both


@dataclass
class InfraResult:
    """Balance of one phase. ``balance`` has one row per facility (both kinds)."""

    phase: str
    balance: pd.DataFrame
    unserved: pd.DataFrame
    parcels: pd.DataFrame
    alerts: list[dict]
    network_report: dict
    standards: InfraStandards = field(repr=False)

    def facilities(self, kind: str) -> pd.DataFrame:
        return self.balance[self.balance["kind"] == kind]

    def headroom(self) -> pd.DataFrame:
        """``facility_id``, ``kind``, ``headroom`` (in the facility's unit) of in-service facilities."""
        b = self.balance[self.balance["in_service"]]
        return b[["facility_id", "kind", "name", "headroom", "unit"]].reset_index(drop=True)

    def summary(self) -> dict:
        """JSON-ready: facilities by kind (units named), unserved demand, alerts."""

        def items(kind: str) -> list[dict]:
            out = []
            for r in self.facilities(kind).to_dict("records"):
                u = r["unit"]
                item = {
                    "facility_id": r["facility_id"],
                    "name": r["name"],
                    "status": r["status"],
                    "in_service": bool(r["in_service"]),
                    "capacity": round_or_none(r["capacity"]),
                    "capacity_unit": u,
                    "demand": round_or_none(r["demand"]),
                    "demand_unit": u,
                    "utilisation": round_or_none(r["utilisation"], 4),
                    "headroom": round_or_none(r["headroom"]),
                    "alert": r["alert"],
                    "parcels": int(r["parcels"]),
                    "area_mu": round_or_none(r["area_mu"], 1),
                }
                if kind == "substation":
                    item |= {
                        "voltage_kv": round_or_none(r["voltage_kv"], 0),
                        "level": r["level"],
                        "transformers": int(r["transformers"]),
                        "firm_capacity_n1": round_or_none(r["firm_capacity"]),
                        "n1_ok": bool(r["n1_ok"]),
                    }
                out.append(item)
            return out

        return {
            "phase": self.phase,
            "phase_label": settings.PHASE_LABELS[self.phase],
            "substations": items("substation"),
            "sewage_plants": items("sewage_plant"),
            "unserved": [
                {k: (round_or_none(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.unserved.to_dict("records")
            ],
            "alerts": self.alerts,
        }


def round_or_none(v: Any, nd: int = 2) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(f) else round(f, nd)


def require_layer(layers: dict, name: str) -> gpd.GeoDataFrame:
    df = layers.get(name)
    if df is None:
        msg = f"the zone has no '{name}' layer"
        raise GeoplanError(msg)
    return df


def _capacity(layer: gpd.GeoDataFrame, kind: str, phase: str) -> np.ndarray:
    col = f"{CAPACITY_PREFIX[kind]}_{phase}"
    if col not in layer:
        msg = f"{LAYER_OF[kind]}: column '{col}' is required (capacity per phase, {UNIT[kind]})"
        raise GeoplanError(msg)
    return pd.to_numeric(layer[col], errors="coerce").fillna(0).to_numpy(float)


def analyse(
    zone: Any,
    phase: str = "current",
    *,
    standards: InfraStandards | None = None,
    tolerance_m: float = 5.0,
) -> InfraResult:
    """The infrastructure balance of a zone (a :class:`~geoplan.zone.ZoneData` or a dict of
    layers: parcels, substations, sewage_plants, roads; optional catchments) for one phase."""
    phase = settings.phase_key(phase)
    std = standards or load_standards()
    layers = zone.layers if hasattr(zone, "layers") else dict(zone)
    parcels = require_layer(layers, "parcels")
    roads = require_layer(layers, "roads")
    net = network_for_phase(roads, phase, tolerance_m=tolerance_m)
    att = attach_cached(net, parcels, max_access_m=std.max_access_m)
    dem = parcel_demand(parcels, phase, std)
    mva = dem["power_kw"].to_numpy() * std.simultaneity / std.power_factor / 1000.0
    sewage = dem["sewage_m3d"].to_numpy()
    counted = dem["counted"].to_numpy()
    area_mu = (
        pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy() / settings.M2_PER_MU
    )
    out_parcels = pd.DataFrame(
        {
            "parcel_id": parcels["parcel_id"].to_numpy(),
            "counted": counted,
            "floor_m2": dem["floor_m2"].to_numpy(),
            "power_mva": mva,
            "sewage_m3d": sewage,
        }
    )
    unreach = unreachable(net, att)
    out_parcels["unreachable"] = unreach
    ctx = _Context(parcels, net, att, layers.get("catchments"), counted, area_mu, unreach, std)
    rows, unserved, alerts = [], [], []
    for kind, demand in (("substation", mva), ("sewage_plant", sewage)):
        layer = require_layer(layers, LAYER_OF[kind])
        kb = _kind_balance(kind, layer, demand, phase, ctx)
        pre = "substation" if kind == "substation" else "sewage"
        for col, values in kb.parcel_columns.items():
            out_parcels[f"{pre}_{col}"] = values
        rows.append(kb.rows)
        unserved.append(kb.unserved)
        alerts += kb.alerts + _alerts(kb.rows, kb.unserved, std, kind)
    balance = pd.concat(rows, ignore_index=True)
    return InfraResult(phase, balance, pd.DataFrame(unserved), out_parcels, alerts, net.report, std)


@dataclass
class _Context:
    """What every facility kind's balance shares: the parcels, the phase network, demand flags."""

    parcels: gpd.GeoDataFrame
    net: Any
    att: Any
    catchments: gpd.GeoDataFrame | None
    counted: np.ndarray
    area_mu: np.ndarray
    unreachable: np.ndarray  # catchments.unreachable: no road path in the phase
    std: InfraStandards


@dataclass
class _KindBalance:
    rows: pd.DataFrame
    unserved: dict
    alerts: list[dict]
    parcel_columns: dict[str, Any]


def _voltage(layer: gpd.GeoDataFrame, kind: str, std: InfraStandards) -> np.ndarray:
    if kind != "substation":
        return np.full(len(layer), np.nan)
    kv = layer.get("voltage_kv", pd.Series(66.0, index=layer.index))
    return pd.to_numeric(kv, errors="coerce").fillna(66.0).to_numpy()


def _n1(
    layer: gpd.GeoDataFrame, kind: str, cap: np.ndarray, demand: np.ndarray, live: np.ndarray, std
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transformers, N-1 firm capacity and whether the demand fits it (substations only)."""
    n_fac = len(layer)
    if kind != "substation":
        return np.full(n_fac, np.nan), np.full(n_fac, np.nan), np.ones(n_fac, dtype=bool)
    tr = layer.get("transformers", pd.Series(np.nan, index=layer.index))
    n_tr = pd.to_numeric(tr, errors="coerce").fillna(std.default_transformers).to_numpy()
    n_tr = np.maximum(n_tr, 1)
    firm = cap * (n_tr - 1) / n_tr
    return n_tr, firm, ~live | (demand <= firm + 1e-9)


def _upstream(
    layer: gpd.GeoDataFrame,
    live: np.ndarray,
    dist_level: np.ndarray,
    supply: np.ndarray,
    fac_demand: np.ndarray,
    ctx: _Context,
) -> tuple[np.ndarray, list[dict]]:
    """Upstream (220 kV) stations feed the nearest distribution stations in service: their
    demand is the sum of those stations' demand."""
    up = live & ~dist_level
    if not up.any():
        return fac_demand, []
    std = ctx.std
    fd, fs = ctx.net.nearest_source(layer[up], layer[supply], max_access_m=std.max_access_m)
    ok = np.isfinite(fd) & (fd <= std.radius_m["upstream_substation"])
    up_idx = np.flatnonzero(up)[fs[ok]]
    n_out = int((~ok).sum())
    alerts = []
    if n_out:
        zh, en = both("infra_upstream_outside", n=n_out)
        alerts.append(_alert("info", "substation", None, None, "upstream_outside", zh, en))
    fac_demand = fac_demand + np.bincount(
        up_idx, weights=fac_demand[np.flatnonzero(supply)[ok]], minlength=len(layer)
    )
    return fac_demand, alerts


def _kind_balance(
    kind: str, layer: gpd.GeoDataFrame, demand: np.ndarray, phase: str, ctx: _Context
) -> _KindBalance:
    """The balance of one facility kind: catchments, load per facility, N-1, alert per facility."""
    std = ctx.std
    cap = _capacity(layer, kind, phase)
    status = layer["status"].astype(str).to_numpy()
    live = (cap > 0) & (status != "removed")
    kv = _voltage(layer, kind, std)
    dist_level = (
        kv <= std.distribution_max_kv if kind == "substation" else np.ones(len(layer), bool)
    )
    supply = live & dist_level
    polys = None
    if ctx.catchments is not None and len(ctx.catchments):
        polys = ctx.catchments[ctx.catchments["kind"] == kind]
    c = assign_catchments(
        ctx.parcels,
        layer[supply],
        ctx.net,
        radius_m=std.radius_m[kind],
        max_access_m=std.max_access_m,
        polygons=polys,
        parcels_att=ctx.att,
    )
    fpos = c["facility"].to_numpy()
    idx = np.where(fpos >= 0, np.flatnonzero(supply)[np.maximum(fpos, 0)], -1)
    served = c["served"].to_numpy()
    counted, area_mu = ctx.counted, ctx.area_mu
    load = counted & served
    n_fac = len(layer)
    fac_demand = np.bincount(idx[load], weights=demand[load], minlength=n_fac)
    fac_parcels = np.bincount(idx[load], minlength=n_fac)
    fac_area = np.bincount(idx[load], weights=area_mu[load], minlength=n_fac)
    ids = layer["facility_id"].astype(str).to_numpy()
    method = c["method"].to_numpy()
    parcel_columns = {
        "id": np.where(idx >= 0, ids[np.maximum(idx, 0)], None),
        "m": c["distance_m"].to_numpy(),
        "method": method,
    }
    alerts: list[dict] = []
    if kind == "substation":
        fac_demand, alerts = _upstream(layer, live, dist_level, supply, fac_demand, ctx)
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(cap > 0, fac_demand / np.where(cap > 0, cap, 1.0), np.nan)
    n_tr, firm, n1_ok = _n1(layer, kind, cap, fac_demand, live, std)
    # precedence: an overload first, then a failed N-1 (a loss of supply on one transformer
    # fault), then a high load
    alert = np.select(
        [~live, util > 1.0, ~n1_ok, util > std.alert_high],
        ["not_in_service", "overload", "n1", "high"],
        default="ok",
    )
    level = np.where(dist_level, "distribution", "upstream")
    rows = pd.DataFrame(
        {
            "kind": kind,
            "facility_id": ids,
            "name": layer["name"].astype(str).to_numpy(),
            "status": status,
            "voltage_kv": kv,
            "level": level if kind == "substation" else "plant",
            "in_service": live,
            "capacity": cap,
            "demand": fac_demand,
            "unit": UNIT[kind],
            "utilisation": util,
            "headroom": np.where(live, cap - fac_demand, 0.0),
            "transformers": n_tr,
            "firm_capacity": firm,
            "n1_ok": n1_ok,
            "alert": alert,
            "parcels": fac_parcels,
            "area_mu": fac_area,
        }
    )
    miss = counted & ~served
    unserved = {
        "kind": kind,
        "demand": float(demand[miss].sum()),
        "unit": UNIT[kind],
        "parcels": int(miss.sum()),
        "area_mu": float(area_mu[miss].sum()),
        "beyond_radius": int((miss & (method == "beyond_radius")).sum()),
        "no_facility": int((miss & (idx < 0)).sum()),
        "straight_line": int((counted & (method == "straight_line")).sum()),
        "unreachable": int(ctx.unreachable.sum()),
    }
    return _KindBalance(rows, unserved, alerts, parcel_columns)


def _alert(
    severity: str, kind: str, fid: str | None, name: str | None, code: str, zh: str, en: str
) -> dict:
    return {
        "severity": severity,
        "kind": kind,
        "facility_id": fid,
        "name": name,
        "alert": code,
        "message": zh,
        "message_en": en,
    }


def _alerts(b: pd.DataFrame, uns: dict, std: InfraStandards, kind: str) -> list[dict]:
    """Alerts with a Chinese ``message`` and an English ``message_en`` (texts:
    :mod:`geoplan.text.alerts`)."""
    out = []
    fac_zh, fac_en = both(f"infra_kind_{kind}")
    for r in b[b["alert"].isin(["overload", "high", "n1"])].to_dict("records"):
        fmt = {
            "name": r["name"],
            "unit": r["unit"],
            "demand": r["demand"],
            "capacity": r["capacity"],
            "utilisation": r["utilisation"],
            "threshold": std.alert_high,
            "firm": r["firm_capacity"],
        }
        zh, en = both(f"infra_alert_{r['alert']}", **fmt)
        severity = "error" if r["alert"] == "overload" else "warning"
        out.append(_alert(severity, kind, r["facility_id"], r["name"], r["alert"], zh, en))
    if uns["parcels"]:
        fmt = {
            "n": uns["parcels"],
            "area_mu": uns["area_mu"],
            "demand": uns["demand"],
            "unit": uns["unit"],
            "kind_zh": fac_zh,
            "kind_en": fac_en,
        }
        zh, en = both("infra_alert_unserved", **fmt)
        out.append(_alert("warning", kind, None, None, "unserved", zh, en))
    if uns["unreachable"] or uns["straight_line"]:
        fmt = {
            "n": uns["unreachable"],
            "m": uns["straight_line"],
            "kind_zh": fac_zh,
            "kind_en": fac_en,
        }
        zh, en = both("infra_alert_straight_line", **fmt)
        out.append(_alert("info", kind, None, None, "straight_line", zh, en))
    return out
