"""`geoplan chains` — 一链一图: the zone's 产业链 with their firms by role, 链主 firms, figures by
组团, gaps and candidate land for a 专业产业园; optionally checks a firm list against the lists."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geoplan.cli.output import EXIT_OK, dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chains", help="一链一图：产业链企业、链主、缺口 / industry chains")
    p.add_argument("--chain", help="one chain key (default: every chain)")
    p.add_argument(
        "--firms",
        help="check a firm list (CSV / Excel / Parquet) against the zone's chain and tier lists",
    )
    p.add_argument(
        "--candidates", action="store_true", help="add candidate land per chain (slower)"
    )
    p.add_argument("--phase", default="2025", help="phase of the utility headroom for candidates")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the summary")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _r(v: object) -> object:
    return round(float(v), 2) if isinstance(v, float) else v


def run(args: argparse.Namespace) -> int:
    from geoplan import settings
    from geoplan.analysis import chains as C
    from geoplan.cli.commands.indicators import _zone
    from geoplan.data.io import read_table
    from geoplan.errors import GeoplanError
    from geoplan.standards.chains_tiers import (
        CHAINS_FILE,
        TIERS_FILE,
        check_firm_keys,
        load_chains,
        load_tiers,
        tables_dir,
    )
    from geoplan.text import t

    zone, zone_dir = _zone(args)
    folder = tables_dir(zone_dir)
    chains, tiers = load_chains(folder / CHAINS_FILE), load_tiers(folder / TIERS_FILE)
    if args.firms:
        firms = read_table(args.firms)
        check_firm_keys(firms, chains, tiers, source=str(args.firms))
        zone.layers["firms"] = firms
    else:
        check_firm_keys(zone.layers["firms"], chains, tiers, source="firms")
    by_key = chains.by_key()
    if args.chain and args.chain not in by_key:
        msg = f"--chain {args.chain}: not in the zone's chain list; use one of {', '.join(by_key)}"
        raise GeoplanError(msg)
    keys = [args.chain] if args.chain else list(by_key)
    suit = balance = None
    if args.candidates:
        from geoplan.analysis import infrastructure as infra
        from geoplan.analysis import suitability

        suit = (
            suitability.suitability_for_zone()
            if not args.zone
            else suitability.run_suitability(zone)
        )
        balance = infra.analyse(zone, settings.phase_key(args.phase))
    overview = C.overview(zone, chains).set_index("chain")
    items: list[dict[str, Any]] = []
    for k in keys:
        c = by_key[k]
        item = {
            "key": k,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "industry": c.industry,
            "links": c.links,
            "places": c.places,
            "source": c.source,
            **{
                col: _r(v)
                for col, v in overview.loc[k].drop(["name_zh", "name_en", "industry"]).items()
            },
            "anchor_firms": [
                {kk: _r(v) for kk, v in r.items()} for r in C.anchors(zone, k).to_dict("records")
            ],
            "by_cluster": [
                {kk: _r(v) for kk, v in r.items()} for r in C.by_unit(zone, k).to_dict("records")
            ],
            "gaps": [
                {
                    **g,
                    "text": t(
                        f"chain_gap_{g['rule']}",
                        args.lang,
                        **{x: y for x, y in g.items() if x != "rule"},
                    ),
                }
                for g in C.gaps(zone, c)
            ],
        }
        if suit is not None:
            cand = C.candidate_land(zone, c, suit, balance)
            item["candidates"] = [
                {kk: _r(v) for kk, v in r.items() if kk != "geometry"}
                for r in cand.to_dict("records")
            ]
        items.append(item)
    doc = {"chains": items, "count": len(items), "source": chains.source}
    if args.json:
        dump_json(doc)
        return EXIT_OK
    lines = []
    for it in items:
        name = it["name_en"] if args.lang == "en" else it["name_zh"]
        leaders = "、".join(a["name"] for a in it["anchor_firms"][:5]) or "—"
        lines.append(
            f"{name}: {it['firms']} / {t('chain_col_anchors', args.lang)} {it['anchors']} ({leaders})"
        )
        lines += [f"    - {g['text']}" for g in it["gaps"]]
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
