"""Infrastructure capacity: demand by land use, catchments, facility balance per phase, roads.

Does the planned growth fit the substations (变电所) and sewage plants (污水处理厂) the plans build,
phase by phase (现状 / 近期 2025 / 远期 2035)?

- **Demand** (:func:`parcel_demand`): land use × area × FAR with the coefficient table in
  ``data/standards/infra_coefficients.csv`` (power per floor or land area, water per land area,
  sewage = water × return factor × (1 + infiltration)); factors in ``infra_factors.yaml``. Both are
  editable data naming their source; unverified values say ``verified: no``.
- **Which parcels count in a phase** (:data:`PHASE_STATUS`): 现状 the built ones at their actual
  FAR; 2025 adds land under construction, 2035 also redevelops idle land, both at the committed
  FAR or the table's planned FAR. Reserve land (留白) counts only when a scenario develops it.
- **Catchments** (:func:`assign_catchments`): every parcel goes to the nearest in-service facility
  along the road network of that phase (straight-line where no road reaches; reported), or to the
  facility of a user-provided catchment polygon (layer type ``catchments``). Parcels beyond the
  supply radius of every facility are *unserved* and reported, rather than loading a facility
  across the zone.
- **Balance** (:func:`analyse` → :class:`InfraResult`): per facility and phase the capacity,
  demand, utilisation, headroom, the N-1 firm capacity of substations, and alerts. Distribution
  substations (≤ 110 kV, Dalian's 66 kV) supply parcels; a 220 kV station supplies the
  distribution stations nearest to it.
- **Roads** (:func:`frame_completion`, :func:`accessibility`): 六纵五横 built vs planned length,
  and each parcel's network distance to the nearest arterial, metro station and the 旅顺南路
  corridor.

Everything is vectorised: one multi-source Dijkstra per facility kind; no loop over parcels.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import settings
from geoplan.analysis.network import Attachment, RoadNetwork, build_network
from geoplan.config.loader import Checker, read_yaml
from geoplan.errors import GeoplanError, SchemaError

logger = logging.getLogger(__name__)

#: Parcel statuses that carry demand per phase, and at which FAR: "actual" (the parcel's FAR)
#: or "planned" (committed FAR, else the table's planned FAR, never below the actual one).
PHASE_STATUS: dict[str, dict[str, str]] = {
    "current": {"built": "actual"},
    "2025": {"built": "actual", "under_construction": "planned"},
    "2035": {"built": "actual", "under_construction": "planned", "idle": "planned"},
}
#: Road statuses that are part of the network per phase.
ROAD_STATUS: dict[str, tuple[str, ...]] = {
    "current": ("built",),
    "2025": ("built", "under_construction"),
    "2035": ("built", "under_construction", "planned"),
}
KINDS = ("substation", "sewage_plant")
LAYER_OF = {"substation": "substations", "sewage_plant": "sewage_plants"}
CAPACITY_PREFIX = {"substation": "capacity_mva", "sewage_plant": "capacity_m3d"}
UNIT = {"substation": "MVA", "sewage_plant": "m³/d"}
COEF_COLUMNS = (
    "power_w_m2_floor",
    "power_kw_hm2_land",
    "water_m3_hm2d",
    "return_factor",
    "planned_far",
)


# ==========================================================================================
# Standards: coefficient table and factors
# ==========================================================================================


@dataclass(frozen=True)
class InfraStandards:
    """The demand coefficients (one row per land-use code prefix) and the balance factors."""

    coefficients: pd.DataFrame
    simultaneity: float
    power_factor: float
    infiltration: float
    alert_high: float
    distribution_max_kv: float
    default_transformers: int
    radius_m: dict[str, float]
    max_access_m: float
    corridor_road: str
    source: str = ""
    verified: bool = False

    def sources(self) -> dict:
        rows = self.coefficients[["code", "name_zh", "verified", "source"]].to_dict("records")
        return {"factors": self.source, "factors_verified": self.verified, "coefficients": rows}


def load_standards(folder: str | Path | None = None) -> InfraStandards:
    """Read and validate ``infra_coefficients.csv`` and ``infra_factors.yaml`` (cached by mtime)."""
    d = Path(folder or settings.STANDARDS_DIR)
    files = (d / "infra_coefficients.csv", d / "infra_factors.yaml")
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in files)
    return _load_standards(str(d), stamp)


@lru_cache(maxsize=8)
def _load_standards(folder: str, _stamp: tuple) -> InfraStandards:
    d = Path(folder)
    path = d / "infra_coefficients.csv"
    try:
        table = pd.read_csv(path, comment="#", dtype={"code": str}, encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the infrastructure coefficient table ({exc})"
        raise SchemaError(msg) from exc
    missing = [c for c in ("code", *COEF_COLUMNS) if c not in table]
    if missing:
        msg = f"{path.name}: missing column(s) {', '.join(missing)}"
        raise SchemaError(msg)
    # line numbers: header and comment lines come first
    first_data_line = (
        1 + sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")) + 1
    )
    for col in COEF_COLUMNS:
        vals = pd.to_numeric(table[col], errors="coerce")
        bad = np.flatnonzero(vals.isna().to_numpy() | (vals.to_numpy() < 0))
        if len(bad):
            msg = (
                f"{path.name}: line {first_data_line + int(bad[0])}: field '{col}': must be a "
                f"non-negative number, got {table[col].iloc[bad[0]]!r}"
            )
            raise SchemaError(msg)
        table[col] = vals.astype(float)
    if (table["return_factor"] > 1).any():
        i = int(np.flatnonzero(table["return_factor"].to_numpy() > 1)[0])
        msg = f"{path.name}: line {first_data_line + i}: field 'return_factor': must be ≤ 1"
        raise SchemaError(msg)
    dup = table["code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        msg = f"{path.name}: line {first_data_line + i}: field 'code': {table['code'].iloc[i]} is listed twice"
        raise SchemaError(msg)
    for col, default in (("name_zh", ""), ("verified", "no"), ("source", "")):
        table[col] = table[col].fillna(default).astype(str) if col in table else default

    doc, lines, src = read_yaml(d / "infra_factors.yaml", "infrastructure factors file")
    ck = Checker(src, lines)
    allowed = {
        "source",
        "verified",
        "simultaneity",
        "power_factor",
        "infiltration",
        "alert_high",
        "distribution_max_kv",
        "default_transformers",
        "radius_m",
        "max_access_m",
        "corridor_road",
    }
    f = ck.mapping(doc if doc is not None else {}, (), allowed)
    radius_doc = ck.mapping(
        f.get("radius_m") or {},
        ("radius_m",),
        {"substation", "upstream_substation", "sewage_plant"},
    )
    radius = {
        k: ck.number(radius_doc, k, ("radius_m",), default=dflt, lo=0)
        for k, dflt in (
            ("substation", 6000),
            ("upstream_substation", 20000),
            ("sewage_plant", 8000),
        )
    }
    return InfraStandards(
        coefficients=table,
        simultaneity=ck.number(f, "simultaneity", (), default=0.6, lo=0.0, hi=1.0),
        power_factor=ck.number(f, "power_factor", (), default=0.9, lo=0.1, hi=1.0),
        infiltration=ck.number(f, "infiltration", (), default=0.1, lo=0.0, hi=1.0),
        alert_high=ck.number(f, "alert_high", (), default=0.8, lo=0.0, hi=1.0),
        distribution_max_kv=ck.number(f, "distribution_max_kv", (), default=110, lo=0),
        default_transformers=ck.integer(f, "default_transformers", (), default=2, lo=1, hi=12),
        radius_m=radius,
        max_access_m=ck.number(f, "max_access_m", (), default=500, lo=0),
        corridor_road=ck.text(f, "corridor_road", (), default="旅顺南路"),
        source=str(f.get("source", "")),
        verified=f.get("verified") is True,
    )


# ==========================================================================================
# Demand
# ==========================================================================================


def lookup_codes(codes: pd.Series | np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """Row of *table* for each land-use code by longest listed prefix (-1: no row). Vectorised."""
    c = pd.Series(np.asarray(codes, dtype=object)).fillna("").astype(str).to_numpy()
    out = np.full(len(c), -1, dtype=np.int64)
    keys = table["code"].astype(str).to_numpy()
    by_len: dict[int, dict[str, int]] = {}
    for i, k in enumerate(keys):
        by_len.setdefault(len(k), {})[k] = i
    for length in sorted(by_len):  # longer prefixes overwrite shorter ones
        pref = pd.Series(c).str[:length]
        hit = pref.map(by_len[length]).to_numpy()
        ok = ~pd.isna(hit) & (pd.Series(c).str.len().to_numpy() >= length)
        out[ok] = hit[ok].astype(np.int64)
    return out


def parcel_demand(
    parcels: pd.DataFrame, phase: str = "current", standards: InfraStandards | None = None
) -> pd.DataFrame:
    """Per parcel: ``counted`` in the phase, ``floor_m2``, ``power_kw`` (before simultaneity),
    ``water_m3d`` and ``sewage_m3d`` (0 where the parcel does not count in the phase)."""
    phase = settings.phase_key(phase)
    std = standards or load_standards()
    for col in ("land_use", "area_m2", "far", "status"):
        if col not in parcels:
            msg = f"parcels: column '{col}' is required for the infrastructure demand"
            raise GeoplanError(msg)
    coef = std.coefficients
    row = lookup_codes(parcels["land_use"], coef)

    def take(col: str) -> np.ndarray:
        vals = coef[col].to_numpy(float)
        return np.where(row >= 0, vals[np.maximum(row, 0)], 0.0)

    mode = parcels["status"].map(PHASE_STATUS[phase]).to_numpy(dtype=object)
    counted = pd.notna(mode)
    far = pd.to_numeric(parcels["far"], errors="coerce").fillna(0).to_numpy(float)
    pfar = take("planned_far")
    if "commit_far" in parcels:
        commit = pd.to_numeric(parcels["commit_far"], errors="coerce").to_numpy(float)
        pfar = np.where(np.isfinite(commit), commit, pfar)
    use_far = np.where(mode == "planned", np.maximum(far, pfar), far)
    area = pd.to_numeric(parcels["area_m2"], errors="coerce").fillna(0).to_numpy(float)
    floor = area * use_far
    power = np.where(
        floor > 0, floor * take("power_w_m2_floor") / 1000.0, area / 1e4 * take("power_kw_hm2_land")
    )
    water = area / 1e4 * take("water_m3_hm2d")
    sewage = water * take("return_factor") * (1.0 + std.infiltration)
    z = np.zeros(len(parcels))
    return pd.DataFrame(
        {
            "counted": counted,
            "floor_m2": np.where(counted, floor, z),
            "power_kw": np.where(counted, power, z),
            "water_m3d": np.where(counted, water, z),
            "sewage_m3d": np.where(counted, sewage, z),
            "coefficient_row": row,
        },
        index=parcels.index,
    )


# ==========================================================================================
# Network per phase (cached) and catchments
# ==========================================================================================

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_MAX = 24


def _cached(key: tuple, make):
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = make()
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    return value


def geometry_digest(frame: gpd.GeoDataFrame, *cols: str) -> str:
    """A content hash of a layer's geometry (and some columns): a cache key that changes
    whenever a scenario edits the layer, and only then."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(frame.crs).encode())
    h.update(str(len(frame)).encode())
    h.update(b"".join(shapely.to_wkb(frame.geometry.values, hex=False)))
    have = [c for c in cols if c in frame]
    if have:
        h.update(pd.util.hash_pandas_object(frame[have], index=False).to_numpy().tobytes())
    return h.hexdigest()


def phase_roads(roads: gpd.GeoDataFrame, phase: str) -> gpd.GeoDataFrame:
    """The roads that exist in a phase (built; + under construction by 2025; + planned by 2035)."""
    phase = settings.phase_key(phase)
    if "status" not in roads:
        return roads
    return roads[roads["status"].isin(ROAD_STATUS[phase])]


def network_for_phase(
    roads: gpd.GeoDataFrame, phase: str, *, tolerance_m: float = 5.0, walking: bool = False
) -> RoadNetwork:
    """The road network of a phase, cached by the roads' content (scenarios reuse it)."""
    sel = phase_roads(roads, phase)
    if walking and "road_class" in sel:
        sel = sel[sel["road_class"] != "expressway"]
    key = (
        "net",
        geometry_digest(sel, "road_id", "name", "road_class", "frame", "status"),
        tolerance_m,
    )
    return _cached(key, lambda: build_network(sel, tolerance_m=tolerance_m))


def attach_cached(
    network: RoadNetwork, frame: gpd.GeoDataFrame, *, max_access_m: float | None = None
) -> Attachment:
    """:meth:`RoadNetwork.attach` of a layer, cached per geometry on the network: a scenario
    that adds or reshapes a few parcels attaches only those, not the whole layer again."""
    wkb = shapely.to_wkb(frame.geometry.values, hex=False)
    memo = network.memo.setdefault(("rows", max_access_m), {"index": {}, "arrays": None})
    index: dict[bytes, int] = memo["index"]
    missing = [i for i, k in enumerate(wkb) if k not in index]
    if missing:
        if len(index) > 500_000:  # bound the memory of a long-running app
            index.clear()
            memo["arrays"] = None
            missing = list(range(len(wkb)))
        att = network.attach(frame.geometry.values[missing], max_access_m=max_access_m)
        new = (att.edge, att.along_m, att.access_m, att.u, att.v, att.to_u, att.to_v)
        start = len(index)
        memo["arrays"] = (
            new
            if memo["arrays"] is None
            else tuple(
                np.concatenate([old, add]) for old, add in zip(memo["arrays"], new, strict=True)
            )
        )
        for j, i in enumerate(missing):
            index.setdefault(wkb[i], start + j)
    rows = np.fromiter((index[k] for k in wkb), dtype=np.int64, count=len(wkb))
    return (
        Attachment(*(col[rows] for col in memo["arrays"]))
        if len(wkb)
        else network.attach(frame.geometry.values, max_access_m=max_access_m)
    )


METHODS = ("none", "polygon", "network", "straight_line", "beyond_radius")
_METHOD_DTYPE = pd.CategoricalDtype(list(METHODS))


def assign_catchments(
    parcels: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    network: RoadNetwork,
    *,
    radius_m: float = np.inf,
    max_access_m: float | None = 500.0,
    polygons: gpd.GeoDataFrame | None = None,
    parcels_att: Attachment | None = None,
) -> pd.DataFrame:
    """Assign each parcel to a facility (row position in *facilities*).

    Columns: ``facility`` (position, -1 if none), ``distance_m`` (network distance; where the
    parcel or facility has no road within *max_access_m*, the straight line from the parcel's
    boundary to the facility nearest its centre), ``method`` (categorical:
    ``polygon`` | ``network`` | ``straight_line`` | ``beyond_radius`` | ``none``) and ``served``
    (False beyond *radius_m* or with no facility at all). Pass *parcels_att* (see
    :func:`attach_cached`) to skip attaching the parcels: the rest is one Dijkstra and a gather.
    """
    n = len(parcels)
    fac = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    code = np.zeros(n, dtype=np.int8)  # index into METHODS
    if len(facilities) and n:
        todo = np.ones(n, dtype=bool)
        if polygons is not None and len(polygons):
            ids = facilities["facility_id"].astype(str).to_numpy()
            pos = pd.Series(np.arange(len(ids)), index=ids)
            pts = parcels.geometry.representative_point().values
            pi, ci = polygons.sindex.query(pts, predicate="within")
            fpos = pd.Series(polygons["facility_id"].astype(str).to_numpy()[ci]).map(pos).to_numpy()
            ok = ~pd.isna(fpos)
            pi, fpos = pi[ok], fpos[ok].astype(np.int64)
            first = np.unique(pi, return_index=True)[1]
            pi, fpos = pi[first], fpos[first]
            fac[pi] = fpos
            dist[pi] = shapely.distance(pts[pi], facilities.geometry.values[fpos])
            code[pi] = 1
            todo[pi] = False
        att = (
            parcels_att
            if parcels_att is not None
            else attach_cached(network, parcels, max_access_m=max_access_m)
        )
        sub = att if todo.all() else att.subset(todo)
        d, s = network.nearest_source(
            attach_cached(network, facilities, max_access_m=max_access_m), sub
        )
        if todo.all():
            fac, dist = s, d
            code[s >= 0] = 2
        else:
            idx = np.flatnonzero(todo)
            got = s >= 0
            fac[idx[got]], dist[idx[got]], code[idx[got]] = s[got], d[got], 2
        miss = np.flatnonzero(todo & (fac < 0))
        if len(miss):  # no road reaches: straight line to the facility nearest the parcel's centre
            fg = np.asarray(facilities.geometry.values)
            pg = np.asarray(parcels.geometry.values[miss])
            qi, qj = shapely.STRtree(fg).query_nearest(shapely.centroid(pg), all_matches=False)
            fac[miss[qi]], code[miss[qi]] = qj, 3
            dist[miss[qi]] = shapely.distance(pg[qi], fg[qj])  # from the parcel's boundary
    served = fac >= 0
    if np.isfinite(radius_m):
        served &= (code == 1) | (dist <= radius_m)
        code[(fac >= 0) & ~served] = 4
    method = pd.Categorical.from_codes(code, dtype=_METHOD_DTYPE, validate=False)
    out = pd.DataFrame(
        {"facility": fac, "distance_m": dist, "method": method, "served": served}, copy=False
    )
    if (
        not isinstance(parcels.index, pd.RangeIndex)
        or parcels.index.start != 0
        or parcels.index.step != 1
    ):
        out.index = parcels.index
    return out


# ==========================================================================================
# Balance
# ==========================================================================================


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
                    "capacity": _round(r["capacity"]),
                    "capacity_unit": u,
                    "demand": _round(r["demand"]),
                    "demand_unit": u,
                    "utilisation": _round(r["utilisation"], 4),
                    "headroom": _round(r["headroom"]),
                    "alert": r["alert"],
                    "parcels": int(r["parcels"]),
                    "area_mu": _round(r["area_mu"], 1),
                }
                if kind == "substation":
                    item |= {
                        "voltage_kv": _round(r["voltage_kv"], 0),
                        "level": r["level"],
                        "transformers": int(r["transformers"]),
                        "firm_capacity_n1": _round(r["firm_capacity"]),
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
                {k: (_round(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.unserved.to_dict("records")
            ],
            "alerts": self.alerts,
        }


def _round(v: Any, nd: int = 2) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(f) else round(f, nd)


def _layer(layers: dict, name: str) -> gpd.GeoDataFrame:
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
    parcels = _layer(layers, "parcels")
    roads = _layer(layers, "roads")
    net = network_for_phase(roads, phase, tolerance_m=tolerance_m)
    att = attach_cached(net, parcels, max_access_m=std.max_access_m)
    dem = parcel_demand(parcels, phase, std)
    catch = layers.get("catchments")
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
    rows, unserved, alerts = [], [], []
    for kind, demand in (("substation", mva), ("sewage_plant", sewage)):
        layer = _layer(layers, LAYER_OF[kind])
        cap = _capacity(layer, kind, phase)
        status = layer["status"].astype(str).to_numpy()
        live = (cap > 0) & (status != "removed")
        if kind == "substation":
            kv = (
                pd.to_numeric(
                    layer.get("voltage_kv", pd.Series(66.0, index=layer.index)), errors="coerce"
                )
                .fillna(66.0)
                .to_numpy()
            )
            dist_level = kv <= std.distribution_max_kv
        else:
            kv = np.full(len(layer), np.nan)
            dist_level = np.ones(len(layer), dtype=bool)
        supply = live & dist_level
        polys = None
        if catch is not None and len(catch):
            polys = catch[catch["kind"] == kind]
        c = assign_catchments(
            parcels,
            layer[supply],
            net,
            radius_m=std.radius_m[kind],
            max_access_m=std.max_access_m,
            polygons=polys,
            parcels_att=att,
        )
        idx = np.where(
            c["facility"].to_numpy() >= 0,
            np.flatnonzero(supply)[np.maximum(c["facility"].to_numpy(), 0)],
            -1,
        )
        served = c["served"].to_numpy()
        load = counted & served
        n_fac = len(layer)
        fac_demand = np.bincount(idx[load], weights=demand[load], minlength=n_fac)
        fac_parcels = np.bincount(idx[load], minlength=n_fac)
        fac_area = np.bincount(idx[load], weights=area_mu[load], minlength=n_fac)
        ids = layer["facility_id"].astype(str).to_numpy()
        pre = "substation" if kind == "substation" else "sewage"
        out_parcels[f"{pre}_id"] = np.where(idx >= 0, ids[np.maximum(idx, 0)], None)
        out_parcels[f"{pre}_m"] = c["distance_m"].to_numpy()
        out_parcels[f"{pre}_method"] = c["method"].to_numpy()
        level = np.where(dist_level, "distribution", "upstream")
        if kind == "substation" and (live & ~dist_level).any():
            # upstream (220 kV) stations feed the nearest distribution stations in service
            up = live & ~dist_level
            fd, fs = net.nearest_source(layer[up], layer[supply], max_access_m=std.max_access_m)
            ok = np.isfinite(fd) & (fd <= std.radius_m["upstream_substation"])
            up_idx = np.flatnonzero(up)[fs[ok]]
            n_out = int((~ok).sum())
            if n_out:
                alerts.append(
                    {
                        "severity": "info",
                        "kind": kind,
                        "facility_id": None,
                        "name": None,
                        "alert": "upstream_outside",
                        "message": (
                            f"{n_out} 座配电级变电所不在本图层任何220kV变电站的供电半径内 "
                            "(由区外上级电源供电, 不计入区内220kV负荷)"
                        ),
                        "message_en": (
                            f"{n_out} distribution substations are beyond the radius of every "
                            "220 kV station in the layer (fed from outside the zone)"
                        ),
                    }
                )
            fac_demand = fac_demand + np.bincount(
                up_idx, weights=fac_demand[np.flatnonzero(supply)[ok]], minlength=n_fac
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            util = np.where(cap > 0, fac_demand / np.where(cap > 0, cap, 1.0), np.nan)
        if kind == "substation":
            n_tr = (
                pd.to_numeric(
                    layer.get("transformers", pd.Series(np.nan, index=layer.index)), errors="coerce"
                )
                .fillna(std.default_transformers)
                .to_numpy()
            )
            n_tr = np.maximum(n_tr, 1)
            firm = cap * (n_tr - 1) / n_tr
            n1_ok = ~live | (fac_demand <= firm + 1e-9)
        else:
            n_tr = np.full(n_fac, np.nan)
            firm = np.full(n_fac, np.nan)
            n1_ok = np.ones(n_fac, dtype=bool)
        # precedence: an overload first, then a failed N-1 (a loss of supply on one transformer
        # fault), then a high load
        alert = np.select(
            [~live, util > 1.0, ~n1_ok, util > std.alert_high],
            ["not_in_service", "overload", "n1", "high"],
            default="ok",
        )
        rows.append(
            pd.DataFrame(
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
        )
        miss = counted & ~served
        unserved.append(
            {
                "kind": kind,
                "demand": float(demand[miss].sum()),
                "unit": UNIT[kind],
                "parcels": int(miss.sum()),
                "area_mu": float(area_mu[miss].sum()),
                "beyond_radius": int((miss & (c["method"].to_numpy() == "beyond_radius")).sum()),
                "no_facility": int((miss & (idx < 0)).sum()),
                "straight_line": int((counted & (c["method"].to_numpy() == "straight_line")).sum()),
            }
        )
        alerts += _alerts(rows[-1], unserved[-1], std, kind)
    balance = pd.concat(rows, ignore_index=True)
    return InfraResult(phase, balance, pd.DataFrame(unserved), out_parcels, alerts, net.report, std)


def _alerts(b: pd.DataFrame, uns: dict, std: InfraStandards, kind: str) -> list[dict]:
    """Alerts with a Chinese ``message`` and an English ``message_en``."""
    out = []
    zh, en = {
        "substation": ("变电所", "substation"),
        "sewage_plant": ("污水处理厂", "sewage plant"),
    }[kind]
    for r in b[b["alert"].isin(["overload", "high", "n1"])].to_dict("records"):
        n, u = r["name"], r["unit"]
        if r["alert"] == "overload":
            text = f"{n} 超载: 需求 {r['demand']:,.0f} > 容量 {r['capacity']:,.0f} {u}"
            text_en = (
                f"{n} overloaded: demand {r['demand']:,.0f} > capacity {r['capacity']:,.0f} {u}"
            )
        elif r["alert"] == "high":
            text = f"{n} 负载率 {r['utilisation']:.1%} (> {std.alert_high:.0%})"
            text_en = f"{n} utilisation {r['utilisation']:.1%} (> {std.alert_high:.0%})"
        else:
            text = f"{n} 不满足N-1: 需求 {r['demand']:,.1f} > 单台主变退出后容量 {r['firm_capacity']:,.1f} {u}"
            text_en = (
                f"{n} fails N-1: demand {r['demand']:,.1f} > capacity with one transformer out "
                f"{r['firm_capacity']:,.1f} {u}"
            )
        out.append(
            {
                "severity": "error" if r["alert"] == "overload" else "warning",
                "kind": kind,
                "facility_id": r["facility_id"],
                "name": n,
                "alert": r["alert"],
                "message": text,
                "message_en": text_en,
            }
        )
    if uns["parcels"]:
        out.append(
            {
                "severity": "warning",
                "kind": kind,
                "facility_id": None,
                "name": None,
                "alert": "unserved",
                "message": (
                    f"{uns['parcels']} 个地块 ({uns['area_mu']:,.0f} 亩, {uns['demand']:,.0f} "
                    f"{uns['unit']}) 不在任何在运{zh}的服务半径内"
                ),
                "message_en": (
                    f"{uns['parcels']} parcels ({uns['area_mu']:,.0f} mu, {uns['demand']:,.0f} "
                    f"{uns['unit']}) are beyond the supply radius of every {en} in service"
                ),
            }
        )
    if uns["straight_line"]:
        out.append(
            {
                "severity": "info",
                "kind": kind,
                "facility_id": None,
                "name": None,
                "alert": "straight_line",
                "message": f"{uns['straight_line']} 个地块无道路可达, 按直线距离分配{zh}",
                "message_en": f"{uns['straight_line']} parcels have no road access: {en} assigned by straight line",
            }
        )
    return out


# ==========================================================================================
# Roads: 六纵五横 completion and accessibility
# ==========================================================================================


def frame_completion(roads: gpd.GeoDataFrame) -> tuple[pd.DataFrame, float]:
    """Per 六纵五横 road (grouped by name): built_km, under_construction_km, planned_km (total in
    the plan) and completion; 六纵 first, then 五横, in road_id order. Returns the table and the
    frame's overall completion Σ built_km / Σ planned_km."""
    cols = ["name", "frame", "built_km", "under_construction_km", "planned_km", "completion"]
    if "frame" not in roads:
        return pd.DataFrame(columns=cols), 0.0
    fr = roads[roads["frame"].fillna("").isin(["六纵", "五横"])].copy()
    if fr.empty:
        return pd.DataFrame(columns=cols), 0.0
    fr["km"] = fr.geometry.length / 1000.0
    fr["built_km"] = fr["km"].where(fr["status"] == "built", 0.0)
    fr["under_construction_km"] = fr["km"].where(fr["status"] == "under_construction", 0.0)
    fr["order"] = fr["frame"].map({"六纵": 0, "五横": 1})
    t = (
        fr.sort_values(["order", "road_id"])
        .groupby("name", sort=False)
        .agg(
            frame=("frame", "first"),
            built_km=("built_km", "sum"),
            under_construction_km=("under_construction_km", "sum"),
            planned_km=("km", "sum"),
        )
        .reset_index()
    )
    t["completion"] = t["built_km"] / t["planned_km"]
    total = float(t["built_km"].sum() / t["planned_km"].sum())
    return t[cols], total


def accessibility(
    zone: Any,
    phase: str = "current",
    *,
    standards: InfraStandards | None = None,
    tolerance_m: float = 5.0,
) -> pd.DataFrame:
    """Per parcel: network distance (m) to the nearest arterial road (主干路 or expressway), metro
    station in service and the 旅顺南路 corridor, on the phase's network (inf: not reachable)."""
    phase = settings.phase_key(phase)
    std = standards or load_standards()
    layers = zone.layers if hasattr(zone, "layers") else dict(zone)
    parcels = _layer(layers, "parcels")
    net = network_for_phase(_layer(layers, "roads"), phase, tolerance_m=tolerance_m)
    att = attach_cached(net, parcels, max_access_m=std.max_access_m)
    e = net.edges
    cls = e["road_class"] if "road_class" in e else pd.Series("", index=e.index)
    names = e["name"] if "name" in e else pd.Series("", index=e.index)
    out = pd.DataFrame({"parcel_id": parcels["parcel_id"].to_numpy()})
    out["arterial_m"] = net.distance_to_edges(cls.isin(["arterial", "expressway"]).to_numpy(), att)
    out["corridor_m"] = net.distance_to_edges((names == std.corridor_road).to_numpy(), att)
    rail = layers.get("rail")
    out["metro_m"] = np.inf
    if rail is not None and len(rail):
        keep = ROAD_STATUS[phase]
        st = rail[(rail["kind"] == "station") & rail["status"].isin(keep)]
        if len(st):
            out["metro_m"] = net.nearest_source(st, att, max_access_m=std.max_access_m)[0]
    return out


def access_summary(acc: pd.DataFrame, parcels: pd.DataFrame | None = None) -> dict:
    """Median distances and the share of parcels within 500 m / 800 m of each target."""
    res = {}
    for col in ("arterial_m", "metro_m", "corridor_m"):
        v = acc[col].to_numpy(float)
        fin = np.isfinite(v)
        res[col[:-2]] = {
            "median_m": _round(np.median(v[fin]), 0) if fin.any() else None,
            "within_500m": _round(float((v <= 500).mean()), 4) if len(v) else None,
            "within_800m": _round(float((v <= 800).mean()), 4) if len(v) else None,
            "unreachable": int((~fin).sum()),
        }
    return res


__all__ = [
    "KINDS",
    "PHASE_STATUS",
    "ROAD_STATUS",
    "InfraResult",
    "InfraStandards",
    "access_summary",
    "accessibility",
    "analyse",
    "assign_catchments",
    "frame_completion",
    "load_standards",
    "lookup_codes",
    "network_for_phase",
    "parcel_demand",
    "phase_roads",
]
