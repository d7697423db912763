"""`geoplan infra`: substation / sewage-plant balance per phase and 六纵五横 completion."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli import EXIT_OK, dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("infra", help="基础设施容量与路网 / infrastructure capacity and road frame")
    p.add_argument("--phase", default="current", help="current | 2025 | 2035 (现状/近期/远期)")
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument("--tolerance", type=float, default=5.0, help="road snapping tolerance in metres")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from geoplan import settings
    from geoplan.infrastructure import facility_balance, frame_completion
    from geoplan.network import build_network
    from geoplan.zone import DEFAULT_CATALOG, load_zone

    phase = settings.phase_key(args.phase)
    z = load_zone(args.catalog or DEFAULT_CATALOG)
    roads = z.layers["roads"]
    keep = {"current": ["built"], "2025": ["built", "under_construction"]}.get(phase)
    net = build_network(roads if keep is None else roads[roads["status"].isin(keep)], tolerance_m=args.tolerance)
    bal = facility_balance(z.layers["parcels"], z.layers["substations"], z.layers["sewage_plants"], net, phase)
    frame, total = frame_completion(roads)

    def items(kind: str) -> list[dict]:
        out = []
        for r in bal[bal.kind == kind].to_dict("records"):
            u = r["unit"]
            out.append({"facility_id": r["facility_id"], "name": r["name"], "status": r["status"],
                        "in_service": bool(r["in_service"]), "capacity": round(r["capacity"], 2),
                        "demand": round(r["demand"], 2), "capacity_unit": u, "demand_unit": u,
                        "utilisation": None if np.isnan(r["utilisation"]) else round(r["utilisation"], 4),
                        "headroom": round(r["headroom"], 2), "alert": r["alert"]})
        return out

    doc = {"phase": phase, "phase_label": settings.PHASE_LABELS[phase],
           "substations": items("substation"), "sewage_plants": items("sewage_plant"),
           "roads": [{"name": r["name"], "frame": r["frame"], "built_km": round(r["built_km"], 3),
                      "under_construction_km": round(r["under_construction_km"], 3),
                      "planned_km": round(r["planned_km"], 3)} for r in frame.to_dict("records")],
           "frame_completion": round(total, 4),
           "network": {k: v for k, v in net.report.items() if k != "isolated"} | {"isolated": net.report["isolated"]},
           "coverage": None,
           "note": "示意 sample; demand coefficients are [M] (not verified against GB/T 50293, GB 50282, GB 50318)"}
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(f"基础设施平衡 / infrastructure balance — {settings.PHASE_LABELS[phase]} ({phase})\n")
    for key, label in (("substations", "变电所 MVA"), ("sewage_plants", "污水处理厂 m³/d")):
        w(f"{label}\n")
        for it in doc[key]:
            ut = "—" if it["utilisation"] is None else f"{it['utilisation']:.0%}"
            w(f"  {it['name']:<14} 容量 {it['capacity']:>10,.1f}  需求 {it['demand']:>10,.1f}  {ut:>7}  {it['alert']}\n")
    w(f"六纵五横 完成度 / frame completion: {total:.0%}\n")
    for r in doc["roads"]:
        w(f"  {r['frame']} {r['name']:<8} 已建 {r['built_km']:.1f} / 规划 {r['planned_km']:.1f} km\n")
    return EXIT_OK
