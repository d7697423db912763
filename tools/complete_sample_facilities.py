"""One-off authoring step: complete the sample's *existing* substations and sewage plants.

The zone's plans list only the facilities they build or expand (七贤岭/龙王塘 expansion, 凌水湾,
河口湾, 龙头, 鲍鱼肚 …); the stations that already supply today's built-up area are not named
anywhere public. Without them the sample's 现状 balance would load a whole plate onto one plan
station. This script adds schematic existing facilities (``facility_id`` SSX…/WWX…, status
``existing``, names ending in 示意补全) until the current phase's demand fits at about
the kind's target utilisation (substations 65 %, under the N-1 firm capacity of three
transformers; sewage plants 75 %), greedily:

1. run :func:`geoplan.analysis.infrastructure.analyse` for the current phase;
2. take the facility with the largest demand above target × capacity (or the unserved
   parcels), split its catchment in two by demand-weighted k-means, and put a new facility on the
   counted parcel nearest the centre of the half farther from it;
3. repeat until the excess is below half a unit.

Deterministic (fixed seeds); re-running replaces the earlier completion. The plan-named
facilities are never changed. Run after editing the standards or the parcels::

    python tools/complete_sample_facilities.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.cluster.vq import kmeans2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoplan.analysis import infrastructure as infra  # noqa: E402
from geoplan.data.io import write_geojson_atomic  # noqa: E402
from geoplan.zone import load_zone  # noqa: E402

STOP = 0.25
MAX_ADDED = 40
SOURCE = "GeoPlan示意补全 (tools/complete_sample_facilities.py)"
SPEC = {
    "substation": {
        "layer": "substations",
        "prefix": "SSX",
        "unit": 150.0,
        "cap": "capacity_mva",
        "name": "现状66kV变电所{n:02d}(示意补全)",
        "extra": {"voltage_kv": 66.0, "transformers": 3, "plan_period": "现状"},
        # below the N-1 firm capacity of 3 transformers (2/3): existing stations are N-1 secure
        "target": 0.65,
        "phases": ("current", "2025", "2035"),
        "assumption": (
            "规划文本只列新建/扩建变电所; 现状供电站点未公开, 按样例现状负荷在负荷中心补齐 "
            "(3×50 MVA, 目标负载率65%, 满足N-1); 非真实设施, 位置与容量均为假设"
        ),
    },
    "sewage_plant": {
        "layer": "sewage_plants",
        "prefix": "WWX",
        "unit": 30000.0,
        "cap": "capacity_m3d",
        "name": "现状污水处理厂{n:02d}(示意补全)",
        "extra": {"plan_period": "现状"},
        "target": 0.75,
        # sewage: completed against the 2035 network of plan plants, so areas whose plan plant is
        # not built yet stay unserved in 现状/2025 (as the plans describe) instead of being covered
        "phases": ("2035",),
        "assumption": (
            "规划文本只列新建/扩建污水处理厂; 现状接纳片区污水的处理厂(含区外)未公开, 按样例现状"
            "污水量补齐 (3万m³/d, 目标负荷率75%); 非真实设施, 位置与容量均为假设"
        ),
    },
}


def _added_row(kind: str, n: int, geom) -> dict:
    s = SPEC[kind]
    row = {
        "facility_id": f"{s['prefix']}{n:02d}",
        "name": s["name"].format(n=n),
        "status": "existing",
        **{f"{s['cap']}_{p}": s["unit"] for p in ("current", "2025", "2035")},
        **s["extra"],
        "source": SOURCE,
        "accuracy_m": 3000.0,
        "assumption": s["assumption"],
        "geometry": geom,
    }
    return row


def complete(kind: str, zone) -> gpd.GeoDataFrame:
    s = SPEC[kind]
    base = zone.layers[s["layer"]]
    base = base[~base["facility_id"].astype(str).str.startswith(s["prefix"])].reset_index(drop=True)
    layer = base
    parcels = zone.layers["parcels"]
    pts = shapely.get_coordinates(parcels.geometry.representative_point().values)
    col = "substation" if kind == "substation" else "sewage"
    dcol = "power_mva" if kind == "substation" else "sewage_m3d"
    for n in range(1, MAX_ADDED + 1):
        layers = dict(zone.layers) | {s["layer"]: layer}
        worst = None
        for phase in s["phases"]:
            res = infra.analyse(layers, phase)
            bal = res.facilities(kind).reset_index(drop=True)
            meth = res.parcels[f"{col}_method"].to_numpy()
            demand = res.parcels[dcol].to_numpy()
            counted = res.parcels["counted"].to_numpy()
            excess = np.maximum(bal["demand"] - s["target"] * bal["capacity"], 0.0).where(
                bal["in_service"], 0.0
            )
            unserved = counted & (meth == "beyond_radius")
            cands = [(float(demand[unserved].sum()), unserved, None)]
            if len(excess):
                i = int(excess.idxmax())
                members = counted & (
                    res.parcels[f"{col}_id"].to_numpy() == bal.loc[i, "facility_id"]
                )
                anchor = shapely.get_coordinates(layers[s["layer"]].geometry.values[i])[0]
                cands.append((float(excess[i]), members, anchor))
            best = max(cands, key=lambda c: c[0])
            if worst is None or best[0] > worst[0]:
                worst = (*best, demand)
        amount, members, anchor, demand = worst
        if amount < STOP * s["unit"]:
            break
        xy, w = pts[members], demand[members]
        rng = np.random.default_rng(n)
        reps = np.repeat(xy, np.clip(np.round(w / w.max() * 20).astype(int), 1, 20), axis=0)
        centres, lab = kmeans2(reps, 2, seed=rng, minit="++")
        if anchor is None:
            centre = centres[np.argmax(np.bincount(lab, minlength=2))]
        else:
            centre = centres[np.argmax(np.hypot(*(centres - anchor).T))]
        j = np.flatnonzero(members)[np.argmin(np.hypot(*(xy - centre).T))]
        row = _added_row(kind, n, shapely.Point(pts[j]))
        layer = pd.concat(
            [layer, gpd.GeoDataFrame([row], geometry="geometry", crs=layer.crs)], ignore_index=True
        )
    return layer


def main() -> None:
    zone = load_zone()
    for kind, spec in SPEC.items():
        layer = complete(kind, zone)
        added = layer["facility_id"].astype(str).str.startswith(spec["prefix"]).sum()
        keep = [c for c in zone.layers[spec["layer"]].columns if c != "geometry"]
        for c in layer.columns:
            if c not in keep and c != "geometry":
                keep.append(c)
        write_geojson_atomic(
            ROOT / "layers" / f"{spec['layer']}.geojson", layer[[*keep, "geometry"]]
        )
        print(f"{spec['layer']}: {added} schematic existing facilities added")  # noqa: T201


if __name__ == "__main__":
    main()
