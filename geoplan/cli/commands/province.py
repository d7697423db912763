"""`geoplan province`: the province's zones side by side (seed 003), the "一区一产业" check, the
provincial evaluation rule (yellow card / 摘牌, 003:L196) and the zone folders drilled into;
`geoplan province screen --engine dask|memory`: the distributed 亩均 + 低效用地 engine."""

from __future__ import annotations

import argparse
import sys

from geoplan.cli.output import EXIT_OK, dump_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "province",
        help="省级高新区对标与评价 / the province's zones side by side, evaluation, distributed engine",
    )
    p.add_argument(
        "--project",
        help="province.yaml (default: the bundled Liaoning project, data/province/liaoning)",
    )
    p.add_argument(
        "--no-drill", action="store_true", help="skip the zone folders' 亩均/低效用地/基础设施"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_report)
    ps = p.add_subparsers(dest="province_command", metavar="SUBCOMMAND")
    s = ps.add_parser(
        "screen",
        help="亩均评价与低效用地筛查(分布式) / 亩均 + 低效用地 over partitioned GeoParquet",
    )
    s.add_argument(
        "--parcels", required=True, help="parcels: a GeoParquet file or a folder of parts"
    )
    s.add_argument("--firms", required=True, help="firms: a Parquet file or a folder of parts")
    s.add_argument("--units", help="unit polygons (plates) to join parcels to, any vector format")
    s.add_argument("--out", required=True, help="output folder (written atomically)")
    s.add_argument("--engine", choices=["dask", "memory"], default="dask")
    s.add_argument("--scheme", default="dalian_default", help="亩均 scheme name or YAML path")
    s.add_argument("--year", type=int, help="evaluation year")
    s.add_argument(
        "--codes",
        choices=["ydyh2023", "gb50137", "sandiao"],
        default="ydyh2023",
        help="land-use classification of parcels.land_use (crosswalked to 用地用海 2023)",
    )
    s.add_argument(
        "--lon0", type=float, help="working CRS central meridian (default: from the extent)"
    )
    s.add_argument(
        "--scheduler", help="dask scheduler address tcp://HOST:PORT (default: a LocalCluster)"
    )
    s.add_argument(
        "--connect-timeout",
        default="10s",
        help="how long to try reaching --scheduler (default 10s)",
    )
    s.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    s.add_argument("--memory-limit", default="6GB", help="LocalCluster memory per worker")
    s.add_argument("--partitions", type=int, help="partitions after the Hilbert shuffle")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=run_screen)


def run_report(args: argparse.Namespace) -> int:
    from geoplan.province.project import load_project, report

    doc = report(load_project(args.project), drill=not args.no_drill)
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(
        f"{doc['name']} — {doc['zones_n']} 个高新区 (国家级 {doc['national']}, 省级 {doc['provincial']}), "
        f"总面积 {doc['total_area_km2']['value']} km² ({doc['total_area_km2']['source']})\n"
    )
    lvl = {"national": "国家级", "provincial": "省级"}
    mgmt = {"merged": "区政合一", "dispatched": "派出机关"}
    card = {"none": "合格", "yellow": "黄牌", "delist": "摘牌", None: "—"}
    for z in doc["zones"]:
        ok = z["one_zone_one_industry"]
        last = z["evaluation"][-1] if z["evaluation"] else None
        score = f"{last['year']} {last['score']:.1f}" if last else "—"
        w(
            f"  {z['name']:<8} {lvl[z['level']]:<4} {mgmt[z['management']]:<5} "
            f"主导产业 {ok['count']}{'' if ok['ok'] else ' (超出一区一产业 1-2)'}  "
            f"集群 {len(z['clusters']['items'])}  众创空间 {len(z['makerspaces']['items'])}  "
            f"评价 {score} {card[z['latest_card']]}\n"
        )
    r = doc["evaluation_rule"]
    w(f"  评价规则 {r['source']}: {r['rule']}\n  参数: {r['basis']}\n")
    for zid, d in doc["drill_in"].items():
        if "error" in d:
            w(f"  {zid}: {d['error']}\n")
            continue
        c = d["classes"]
        w(
            f"  {zid} 园区数据 {d['folder']}: A{c['A']} B{c['B']} C{c['C']} D{c['D']} T{c['T']}; "
            f"低效用地 {d['low_efficiency']['parcels']} 宗 {d['low_efficiency']['area_mu']} 亩\n"
        )
    if doc["sample"]:
        w(f"  示意 sample: {doc['note']}\n")
    return EXIT_OK


def run_screen(args: argparse.Namespace) -> int:
    from geoplan.province.engine import ScreenOptions, screen

    opts = ScreenOptions(
        scheme=args.scheme,
        year=args.year,
        codes=args.codes,
        lon0=args.lon0,
        scheduler=args.scheduler,
        connect_timeout=args.connect_timeout,
        workers=args.workers,
        memory_limit=args.memory_limit,
        partitions=args.partitions,
    )
    doc = screen(
        args.parcels, args.firms, args.out, units=args.units, engine=args.engine, options=opts
    )
    if args.json:
        dump_json(doc)
        return EXIT_OK
    w = sys.stdout.write
    w(
        f"亩均评价 ({doc['engine']}): {doc['firms']} 家企业, {doc['parcels']} 宗地, "
        f"{doc['partitions']} 分区 → {doc['out']}\n"
    )
    w("  等级 classes: " + "  ".join(f"{k} {v}" for k, v in doc["classes"].items()) + "\n")
    w(f"  低效用地 {doc['low_efficiency']['parcels']} 宗, {doc['low_efficiency']['area_mu']} 亩\n")
    return EXIT_OK
