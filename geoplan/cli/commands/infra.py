"""`geoplan infra`: substation / sewage-plant balance per phase, 六纵五横 completion, accessibility
and service coverage (500米见园 …)."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json, number, zone_path


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
    p.add_argument(
        "--tolerance",
        type=number(lo=0, hi=100),
        default=5.0,
        help="road snapping tolerance in metres (0–100)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the summary")
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
    sys.stdout.write(human(doc, args.lang))
    return EXIT_OK


def human(doc: dict, lang: str = "zh") -> str:
    """The human summary of a :func:`report` document (texts: :mod:`geoplan.text.alerts`)."""
    from geoplan import settings
    from geoplan.text import t

    phase = doc["phase"]
    out = [t("infra_cli_head", lang, phase=settings.PHASE_LABELS[phase], phase_key=phase)]
    for key, kind in (("substations", "substation"), ("sewage_plants", "sewage_plant")):
        unit = "MVA" if kind == "substation" else "m³/d"
        out.append(t("infra_cli_kind", lang, kind=t(f"infra_kind_{kind}", lang), unit=unit))
        for it in doc[key]:
            ut = "—" if it["utilisation"] is None else f"{it['utilisation']:.0%}"
            status = t(f"alert_status_{it['alert']}", lang)
            out.append(
                t(
                    "infra_cli_row",
                    lang,
                    name=f"{it['name']:<18}",
                    capacity=f"{it['capacity']:>10,.1f}",
                    demand=f"{it['demand']:>10,.1f}",
                    util=f"{ut:>6}",
                    status=status,
                )
            )
    for u in doc["unserved"]:
        if u["parcels"]:
            kind = t(f"infra_kind_{u['kind']}", lang)
            out.append(
                t(
                    "infra_cli_unserved",
                    lang,
                    kind=kind,
                    n=u["parcels"],
                    area_mu=u["area_mu"],
                    demand=u["demand"],
                    unit=u["unit"],
                )
            )
    out.append(t("infra_cli_frame", lang, share=doc["frame_completion"]))
    for r in doc["roads"]:
        out.append(
            t(
                "infra_cli_road",
                lang,
                frame=r["frame"],
                name=f"{r['name']:<8}",
                built=r["built_km"],
                planned=r["planned_km"],
            )
        )
    out.append(t("infra_cli_coverage", lang))
    for k, v in doc["coverage"].items():
        share = "—" if v is None else f"{v:.0%}"
        out.append(t("infra_cli_coverage_row", lang, what=t(f"in_cov_{k}", lang), share=share))
    message = "message_en" if lang == "en" else "message"
    for a in doc["alerts"]:
        if a["severity"] != "info":
            out.append(f"! {a[message]}")
    return "\n".join(out) + "\n"
