"""Infrastructure: 六纵五横 road-frame completion (demand/capacity balance not built yet — see report)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def frame_completion(roads: gpd.GeoDataFrame) -> tuple[pd.DataFrame, float]:
    """Per 六纵五横 road (grouped by name): built_km, under_construction_km, planned_km (total in plan).

    Returns the table (六纵 first, then 五横, in road_id order) and the overall completion
    Σ built_km / Σ planned_km.
    """
    if "frame" not in roads:
        return pd.DataFrame(columns=["name", "frame", "built_km", "planned_km", "completion"]), 0.0
    fr = roads[roads["frame"].fillna("").isin(["六纵", "五横"])].copy()
    fr["km"] = fr.geometry.length / 1000.0
    fr["built_km"] = fr["km"].where(fr["status"] == "built", 0.0)
    fr["under_construction_km"] = fr["km"].where(fr["status"] == "under_construction", 0.0)
    fr["order"] = fr["frame"].map({"六纵": 0, "五横": 1})
    t = (fr.sort_values(["order", "road_id"])
         .groupby("name", sort=False)
         .agg(frame=("frame", "first"), built_km=("built_km", "sum"),
              under_construction_km=("under_construction_km", "sum"), planned_km=("km", "sum"))
         .reset_index())
    t["completion"] = t["built_km"] / t["planned_km"]
    total = float(t["built_km"].sum() / t["planned_km"].sum()) if len(t) else 0.0
    return t, total


# --- demand and balance (minimal version; see helper report for what is missing) -------------

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from geoplan import settings  # noqa: E402
from geoplan.errors import SchemaError  # noqa: E402

#: Which parcel statuses count as demand per phase, and at which FAR ("actual" or "planned").
DEMAND_RULES: dict[str, dict[str, str]] = {
    "current": {"built": "actual"},
    "2025": {"built": "actual", "under_construction": "planned"},
    "2035": {"built": "actual", "under_construction": "planned", "idle": "planned", "reserve": "planned"},
}


def load_tables(folder=None) -> tuple[pd.DataFrame, dict]:
    """Coefficient table and factors from ``data/standards`` (editable, [M] values)."""
    from pathlib import Path

    d = Path(folder or settings.STANDARDS_DIR)
    path = d / "infra_coefficients.csv"
    try:
        t = pd.read_csv(path, comment="#", dtype={"code": str})
        f = yaml.safe_load((d / "infra_factors.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        msg = f"{path.parent}: cannot read infrastructure standards ({exc})"
        raise SchemaError(msg) from exc
    need = ["code", "power_w_m2_floor", "power_kw_hm2_land", "water_m3_hm2d", "return_factor", "planned_far"]
    missing = [c for c in need if c not in t]
    if missing:
        msg = f"{path.name}: missing column(s) {', '.join(missing)}"
        raise SchemaError(msg)
    for i, row in enumerate(t[need[1:]].to_numpy(dtype=float)):
        if not np.isfinite(row).all() or (row < 0).any():
            msg = f"{path.name}: row {i + 2}: coefficients must be non-negative numbers"
            raise SchemaError(msg)
    return t, f


def _lookup(codes: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """Longest-prefix match of land-use codes against the table's codes (vectorised per prefix length)."""
    out = pd.DataFrame(index=codes.index, columns=table.columns.drop("code"), dtype=object)
    tab = table.set_index("code")
    for length in sorted(set(tab.index.str.len())):
        hit = codes.str[:length].map(lambda c, t=tab: c if c in t.index else None)
        sel = hit.notna() & (codes.str.len() >= length)
        if sel.any():
            out.loc[sel] = tab.loc[hit[sel]].to_numpy()
    return out


def parcel_demand(parcels: pd.DataFrame, tables=None, phase: str = "current", *, rules=None) -> pd.DataFrame:
    """Per-parcel power (kW before simultaneity) and sewage (m³/d) demand for a phase; 0 if not counted."""
    phase = settings.phase_key(phase)
    coef, fac = tables or load_tables()
    rule = (rules or DEMAND_RULES)[phase]
    look = _lookup(parcels["land_use"].astype(str), coef)
    mode = parcels["status"].map(rule)
    far = parcels["far"].to_numpy(float)
    pfar = pd.to_numeric(look["planned_far"], errors="coerce").fillna(0).to_numpy()
    if "commit_far" in parcels:
        pfar = np.where(parcels["commit_far"].notna(), parcels["commit_far"].to_numpy(float, na_value=0), pfar)
    use_far = np.where(mode == "planned", np.maximum(far, pfar), far)
    area = parcels["area_m2"].to_numpy(float)
    w_floor = pd.to_numeric(look["power_w_m2_floor"], errors="coerce").fillna(0).to_numpy()
    kw_land = pd.to_numeric(look["power_kw_hm2_land"], errors="coerce").fillna(0).to_numpy()
    floor = area * use_far
    power_kw = np.where(floor > 0, floor * w_floor / 1000.0, area / 1e4 * kw_land)
    water = area / 1e4 * pd.to_numeric(look["water_m3_hm2d"], errors="coerce").fillna(0).to_numpy()
    sewage = water * pd.to_numeric(look["return_factor"], errors="coerce").fillna(0).to_numpy() * (1 + fac["infiltration"])
    counted = mode.notna().to_numpy()
    return pd.DataFrame({"counted": counted, "floor_m2": np.where(counted, floor, 0.0),
                         "power_kw": np.where(counted, power_kw, 0.0),
                         "sewage_m3d": np.where(counted, sewage, 0.0)}, index=parcels.index)


def assign_catchments(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, network, *, max_access_m: float = 300.0):
    """Nearest facility along the network; straight-line fallback where no road reaches (``method``)."""
    d, s = network.nearest_source(facilities, parcels, max_access_m=max_access_m)
    method = np.where(s >= 0, "network", "straight_line")
    if (s < 0).any() and len(facilities):
        miss = np.flatnonzero(s < 0)
        j, dist = facilities.sindex.nearest(parcels.geometry.values[miss], return_distance=True, return_all=False)
        s[miss[j[0]]] = j[1]
        d[miss[j[0]]] = dist
    return pd.DataFrame({"facility": s, "distance_m": d, "method": method}, index=parcels.index)


def facility_balance(parcels, substations, sewage_plants, network, phase: str = "current", *, tables=None) -> pd.DataFrame:
    """Capacity, demand, utilisation, headroom and alert per substation (MVA) and sewage plant (m³/d)."""
    phase = settings.phase_key(phase)
    tables = tables or load_tables()
    fac = tables[1]
    dem = parcel_demand(parcels, tables, phase)
    rows = []
    for kind, layer, cap_col, unit, dcol, scale in (
        ("substation", substations, f"capacity_mva_{phase}", "MVA", "power_kw", fac["simultaneity"] / fac["power_factor"] / 1000.0),
        ("sewage_plant", sewage_plants, f"capacity_m3d_{phase}", "m³/d", "sewage_m3d", 1.0),
    ):
        cap = layer[cap_col].to_numpy(float)
        live = (cap > 0) & (layer["status"] != "removed").to_numpy()
        demand = np.zeros(len(layer))
        if live.any():
            c = assign_catchments(parcels, layer[live], network)
            idx = np.flatnonzero(live)[c["facility"].to_numpy()]
            demand = np.bincount(idx, weights=dem[dcol].to_numpy() * scale, minlength=len(layer))
        util = np.where(cap > 0, demand / np.where(cap > 0, cap, 1), np.nan)
        alert = np.where(~live, "not_in_service", np.where(util > 1, "overload", np.where(util > fac["alert_high"], "high", "ok")))
        rows.append(pd.DataFrame({"facility_id": layer["facility_id"].to_numpy(), "name": layer["name"].to_numpy(),
                                  "kind": kind, "status": layer["status"].to_numpy(), "in_service": live,
                                  "capacity": cap, "demand": demand, "unit": unit, "utilisation": util,
                                  "headroom": cap - demand, "alert": alert}))
    return pd.concat(rows, ignore_index=True)
