"""`geoplan infra`: substation / sewage-plant balance per phase, 六纵五横 completion, accessibility
and service coverage (500米见园 …)."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json, zone_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "infra", help="基础设施容量、路网与服务覆盖 / infrastructure capacity, roads, coverage"
    )
    p.add_argument("--phase", default="current", help="current | 2025 | 2035 (现状/近期/远期)")
    p.add_argument("--catalog", help="layer catalog YAML (default: the bundled sample)")
    p.add_argument(
        "--standards",
        help="folder with infra_coefficients.csv / infra_factors.yaml / coverage.yaml",
    )
    p.add_argument("--tolerance", type=float, default=5.0, help="road snapping tolerance in metres")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def report(zone, phase: str, *, standards_dir=None, tolerance_m: float = 5.0) -> dict:
    """The JSON document of ``geoplan infra --json`` (also used by the app and scenarios)."""
    from geoplan import settings
    from geoplan.analysis import coverage
    from geoplan.analysis import infrastructure as infra

    phase = settings.phase_key(phase)
    std = infra.load_standards(standards_dir)
    res = infra.analyse(zone, phase, standards=std, tolerance_m=tolerance_m)
    frame, total = infra.frame_completion(zone.layers["roads"])
    acc = infra.accessibility(zone, phase, standards=std, tolerance_m=tolerance_m)
    cov_std = coverage.load_standards(
        None if standards_dir is None else f"{standards_dir}/coverage.yaml"
    )
    cov = coverage.service_coverage(
        zone.layers["parcels"],
        zone.layers["facilities"],
        zone.layers["roads"],
        phase=phase,
        standards=cov_std,
    )
    doc = res.summary()
    doc |= {
        "roads": [
            {
                "name": r["name"],
                "frame": r["frame"],
                "built_km": round(r["built_km"], 3),
                "under_construction_km": round(r["under_construction_km"], 3),
                "planned_km": round(r["planned_km"], 3),
                "completion": round(r["completion"], 4),
            }
            for r in frame.to_dict("records")
        ],
        "frame_completion": round(total, 4),
        "accessibility": infra.access_summary(acc),
        "coverage": cov.summary()["shares"],
        "coverage_detail": cov.summary(),
        "network": net_report(res.network_report),
        "standards": std.sources(),
        "units": {"substation": "MVA", "sewage_plant": "m³/d", "distance": "m", "length": "km"},
        "note": (
            "示意 sample: demand coefficients are not verified against GB/T 50293, GB 50282, GB 50318; "
            "facilities named 示意补全 are schematic stand-ins for existing stations the plans do not list"
        ),
    }
    return doc


def net_report(rep: dict) -> dict:
    return {k: v for k, v in rep.items() if k != "isolated"} | {"isolated": rep.get("isolated", [])}


def run(args: argparse.Namespace) -> int:
    from geoplan import settings
    from geoplan.zone import load_zone

    phase = settings.phase_key(args.phase)
    z = load_zone(zone_path(args))
    doc = report(z, phase, standards_dir=args.standards, tolerance_m=args.tolerance)
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(f"基础设施平衡 / infrastructure balance — {settings.PHASE_LABELS[phase]} ({phase})\n")
    for key, label in (("substations", "变电所 MVA"), ("sewage_plants", "污水处理厂 m³/d")):
        w(f"{label}\n")
        for it in doc[key]:
            ut = "—" if it["utilisation"] is None else f"{it['utilisation']:.0%}"
            w(
                f"  {it['name']:<18} 容量 {it['capacity']:>10,.1f}  需求 "
                f"{it['demand']:>10,.1f}  {ut:>6}  {it['alert']}\n"
            )
    for u in doc["unserved"]:
        if u["parcels"]:
            w(
                f"  未覆盖 / unserved {u['kind']}: {u['parcels']} 地块, "
                f"{u['area_mu']:,.0f} 亩, {u['demand']:,.1f} {u['unit']}\n"
            )
    w(f"六纵五横 完成度 / frame completion: {doc['frame_completion']:.0%}\n")
    for r in doc["roads"]:
        w(
            f"  {r['frame']} {r['name']:<8} 已建 {r['built_km']:.1f} / 规划 {r['planned_km']:.1f} km\n"
        )
    w("服务覆盖 / coverage (居住建筑面积占比):\n")
    for k, v in doc["coverage"].items():
        w(f"  {k:<14} {'—' if v is None else f'{v:.0%}'}\n")
    for a in doc["alerts"]:
        if a["severity"] != "info":
            w(f"! {a['message']}\n")
    return EXIT_OK
