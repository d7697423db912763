"""The #16 "Done when" figures of a zone (default: the bundled sample), as JSON.

    PYTHONPATH=. python tools/sample_figures.py [--zone DIR]

Every figure is computed from the zone's layers (nothing is hard-coded); ``tests/test_sample.py``
checks the same figures against the targets. Residents are residential floor area / the scenario
KPI's floor per resident; "implied" power is the firms' own electricity (average load / load
factor) plus the residents' load at a per-capita norm (see :data:`NORMS`, ``verified: no``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Norms for the "implied" power check. verified: no — planning-practice values recalled, not
#: checked against a standard's text: an annual load factor of 0.45 for the firms' electricity
#: (average / peak; mixed office, research and light industry), 1.0 kW diversified peak per
#: resident (≈ 2.8 kW per household of 2.8 persons, GB/T 50293 residential practice [M]), and the
#: power factor of data/standards/infra_factors.yaml.
NORMS = {"firm_load_factor": 0.45, "resident_kw": 1.0, "verified": "no"}


def figures(zone_dir: str | Path | None = None) -> dict:
    from geoplan.analysis import infrastructure as infra
    from geoplan.scenario.kpis import FLOOR_PER_RESIDENT_M2
    from geoplan.zone import load_zone

    z = load_zone(zone_dir)
    p, f = z.layers["parcels"], z.layers["firms"]
    prof = z.profile
    tables = prof.folder / "tables" if prof is not None else None
    industries = set(prof.file.industries) if prof is not None else set()
    floor = pd.to_numeric(p["area_m2"]) * pd.to_numeric(p["far"])
    built = p["status"] == "built"
    res = built & p["land_use"].astype(str).str.startswith("07")
    residents = float(floor[res].sum() / FLOOR_PER_RESIDENT_M2)
    by_sd: dict[str, float] = {}
    if "subdistrict" in p:
        g = (floor[res] / FLOOR_PER_RESIDENT_M2).groupby(p.loc[res, "subdistrict"]).sum()
        by_sd = {str(k): round(float(v)) for k, v in g.items()}

    r = infra.analyse(z, "current")
    b = r.balance
    std = r.standards
    ss = b[b["kind"] == "substation"]
    # distribution stations supply the parcels; a 220 kV station's demand repeats theirs
    dist = ss[ss.get("level", pd.Series("distribution", index=ss.index)) == "distribution"]
    uns = r.unserved.set_index("kind")["demand"] if len(r.unserved) else pd.Series(dtype=float)
    power = float(dist["demand"].sum() + uns.get("substation", 0.0))
    firm_mw = float(pd.to_numeric(f["electricity_mwh"], errors="coerce").sum()) / 8760.0
    implied = (
        firm_mw / NORMS["firm_load_factor"] + residents * NORMS["resident_kw"] / 1000.0
    ) / std.power_factor
    sw = b[b["kind"] == "sewage_plant"]
    sewage = float(sw["demand"].sum() + uns.get("sewage_plant", 0.0))
    sewage_cap = float(sw.loc[sw["in_service"], "capacity"].sum())
    stand_ins = 0
    for name in ("substations", "sewage_plants"):
        lay = z.layers[name]
        if "source" in lay:
            stand_ins += int(lay["source"].fillna("").str.contains("示意补全").sum())
    yg = built & (p["plate"] == "英歌石") & (p["land_use"].astype(str) == "0802")
    outside = ~f["industry"].isin(industries) if industries else pd.Series(False, index=f.index)
    fac = z.layers["facilities"]
    out = {
        "residents": round(residents),
        "residents_by_subdistrict": by_sd,
        "power_current_mva": round(power, 1),
        "power_implied_mva": round(implied, 1),
        "power_ratio": round(power / implied, 2) if implied else None,
        "firm_electricity_avg_mw": round(firm_mw, 1),
        "stand_in_stations": stand_ins,
        "sewage_current_m3d": round(sewage),
        "sewage_in_service_m3d": round(sewage_cap),
        "yingeshi_built_research_mu": round(float(p.loc[yg, "area_mu"].sum()), 1),
        "firms": len(f),
        "firms_outside_1_6_share": round(float(outside.mean()), 4),
        "schools": int((fac["kind"] == "school").sum()),
        "facility_kinds": {str(k): int(v) for k, v in fac["kind"].value_counts().items()},
    }
    if tables is not None and (tables / "plan_targets.csv").exists():
        t = pd.read_csv(tables / "plan_targets.csv")
        t2 = t[(t["plan"] == "十四五") & (t["table"] == "表2")]
        out["table2_rows"] = int(t2["row_no"].nunique())
        out["table2_binding"] = int((t2["nature"] == "约束性").sum())
    if "buildings" in z.layers:
        bl = z.layers["buildings"]
        fl = bl.groupby("parcel_id")["floor_area_m2"].sum()
        pf = floor.set_axis(p["parcel_id"]).reindex(fl.index)
        ok = (fl - pf).abs() <= 0.1 * pf
        out["buildings"] = len(bl)
        out["buildings_parcels_within_10pct"] = round(float(ok.mean()), 4)
        out["buildings_floor_vs_parcels"] = round(float(fl.sum() / pf.sum()), 4)
    else:
        out["buildings"] = 0
    out["norms"] = NORMS
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zone", default=None)
    a = ap.parse_args()
    print(json.dumps(figures(a.zone), ensure_ascii=False, indent=1))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
