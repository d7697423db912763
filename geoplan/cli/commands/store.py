"""`geoplan store list|save|export|audit` — the project store (GeoPackage or PostGIS)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geoplan.cli.output import EXIT_OK, dump_json

_KINDS = ("layer", "evaluation", "scenario", "result")


def register(sub: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        help="项目库 store: .gpkg path, project name or postgresql:// URL "
        "(default: $GEOPLAN_STORE or ~/.geoplan/projects/default.gpkg)",
    )
    common.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "store", help="项目库：保存/列出/导出 / the project store (versions, audit log)"
    )
    actions = p.add_subparsers(dest="store_action", metavar="ACTION", parser_class=type(p))
    p.set_defaults(func=lambda args: (p.print_help(), EXIT_OK)[1])

    ls = actions.add_parser(
        "list",
        parents=[common],
        help="列出条目 / list items (latest versions) or one item's history",
    )
    ls.add_argument("--kind", choices=_KINDS)
    ls.add_argument("--name", help="show every version of this item (needs --kind)")
    ls.set_defaults(func=run_list)

    sv = actions.add_parser(
        "save", parents=[common], help="保存新版本 / save a file as a new version"
    )
    sv.add_argument("kind", choices=_KINDS)
    sv.add_argument("name", help="item name, e.g. 西拓北延 (no slashes)")
    sv.add_argument(
        "path",
        help="layer: vector file or table; scenario: YAML; evaluation/result: .gpkg or .json",
    )
    sv.add_argument("-m", "--message", default="", help="change note for the audit log")
    sv.add_argument("--user", help="who saves (default $GEOPLAN_USER or login name)")
    sv.add_argument(
        "--expected-version",
        type=int,
        help="the version you edited; refuse (exit 2) if someone saved a newer one; 0 = must be new",
    )
    sv.add_argument("--layer", help="layer inside a multi-layer GeoPackage (kind layer)")
    sv.add_argument(
        "--force",
        action="store_true",
        help="save even if someone saved a newer version meanwhile (recorded in the audit log)",
    )
    sv.set_defaults(func=run_save)

    it = actions.add_parser("init", parents=[common], help="新建项目库 / create an empty store")
    it.set_defaults(func=run_init)

    ex = actions.add_parser(
        "export", parents=[common], help="导出 / export one version to a file (atomic)"
    )
    ex.add_argument("kind", choices=_KINDS)
    ex.add_argument("name")
    ex.add_argument(
        "out",
        help="output file: .gpkg/.geojson/.parquet/.csv (layer), .yaml (scenario), .gpkg/.json",
    )
    ex.add_argument(
        "--version", type=int, dest="item_version", help="version to export (default: latest)"
    )
    ex.set_defaults(func=run_export)

    au = actions.add_parser(
        "audit", parents=[common], help="审计日志 / audit log: who changed what, when"
    )
    au.add_argument("--kind", choices=_KINDS)
    au.add_argument("--name")
    au.add_argument("--limit", type=int, default=50, help="latest N entries (default 50)")
    au.set_defaults(func=run_audit)


def _open(args: argparse.Namespace, *, create: bool = False):
    """The store named by --store; only ``init`` and ``save`` may create one."""
    from geoplan.store import open_store

    return open_store(args.store, create=create)


def run_list(args: argparse.Namespace) -> int:
    from geoplan.errors import GeoplanError

    store = _open(args)
    if args.name:
        if not args.kind:
            msg = "--name needs --kind (e.g. --kind scenario --name 西拓北延)"
            raise GeoplanError(msg)
        rows = store.history(args.kind, args.name)
        if args.json:
            dump_json(
                {
                    "store": store.label,
                    "backend": store.backend,
                    "kind": args.kind,
                    "name": args.name,
                    "history": rows,
                }
            )
            return EXIT_OK
        sys.stdout.write(f"{store.label}: {args.kind} '{args.name}' — {len(rows)} version(s)\n")
        for r in rows:
            sys.stdout.write(
                f"  v{r['version']:<4} {r['time']}  {r['user']:<12} rows={r['rows']}  {r['message']}\n"
            )
        return EXIT_OK
    rows = store.list(args.kind)
    if args.json:
        dump_json({"store": store.label, "backend": store.backend, "items": rows})
        return EXIT_OK
    sys.stdout.write(f"{store.label} ({store.backend}): {len(rows)} item(s)\n")
    for r in rows:
        sys.stdout.write(
            f"  {r['kind']:<10} {r['name']:<24} v{r['version']:<4} ({r['versions']} versions)  "
            f"{r['time']}  {r['user']}  {r['message']}\n"
        )
    return EXIT_OK


def _read_payload(kind: str, path: Path, layer: str | None):
    from geoplan.data.io import TABLE_SUFFIXES, VECTOR_SUFFIXES, read_table, read_vector
    from geoplan.errors import LoadError

    if not path.exists():
        msg = f"{path}: file not found"
        raise LoadError(msg)
    suffix = path.suffix.lower()
    if kind == "layer":
        if suffix in (".csv", ".xlsx") or (
            suffix in TABLE_SUFFIXES and suffix not in VECTOR_SUFFIXES
        ):
            return read_table(path)
        if suffix == ".parquet":
            try:
                return read_vector(path)
            except LoadError:
                return read_table(path)
        return read_vector(path, layer=layer)
    if kind == "scenario":
        from geoplan.config.loader import read_text

        return read_text(path, "scenario file")
    if suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = f"{path.name}: not valid UTF-8 JSON ({exc})"
            raise LoadError(msg) from exc
        if not isinstance(doc, dict):
            msg = f"{path.name}: an {kind} file must hold a JSON object"
            raise LoadError(msg)
        return doc
    if suffix == ".gpkg":
        return _read_bundle(path)
    msg = f"{path.name}: an {kind} is saved from a .gpkg (one layer per table) or a .json file"
    raise LoadError(msg)


def _read_bundle(path: Path) -> dict:
    """A GeoPackage written by `geoplan store export` (or any GeoPackage: one entry per layer)."""
    import pyogrio

    from geoplan.data.io import read_vector

    frames = {}
    for name, geom in pyogrio.list_layers(path):
        if geom is None:
            import pandas as pd

            frames[name] = pd.DataFrame(
                pyogrio.read_dataframe(path, layer=name, read_geometry=False)
            )
        else:
            frames[name] = read_vector(path, layer=name)
    doc_table = frames.pop("geoplan_document", None)
    if doc_table is None or "json" not in doc_table or len(doc_table) != 1:
        return frames
    doc = json.loads(doc_table["json"].iloc[0])

    def restore(obj):
        if isinstance(obj, dict):
            if set(obj) == {"$layer"} and obj["$layer"] in frames:
                return frames[obj["$layer"]]
            return {k: restore(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [restore(v) for v in obj]
        return obj

    return restore(doc)


def run_save(args: argparse.Namespace) -> int:
    store = _open(args, create=True)
    payload = _read_payload(args.kind, Path(args.path), args.layer)
    version = store.save(
        args.kind,
        args.name,
        payload,
        user=args.user,
        message=args.message,
        expected_version=args.expected_version,
        force=args.force,
    )
    if args.json:
        dump_json(
            {
                "store": store.label,
                "backend": store.backend,
                "kind": args.kind,
                "name": args.name,
                "version": version,
                "source": str(args.path),
            }
        )
    else:
        sys.stdout.write(
            f"已保存 / saved {args.kind} '{args.name}' version {version} in {store.label}\n"
        )
    return EXIT_OK


def run_init(args: argparse.Namespace) -> int:
    store = _open(args, create=True)
    if args.json:
        dump_json({"store": store.label, "backend": store.backend, "created": True})
    else:
        sys.stdout.write(f"项目库 / store ready: {store.label}\n")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    store = _open(args)
    version = args.item_version or store.latest_version(args.kind, args.name)
    path = store.export(args.kind, args.name, args.out, version=version or None)
    if args.json:
        dump_json(
            {
                "store": store.label,
                "backend": store.backend,
                "kind": args.kind,
                "name": args.name,
                "version": version,
                "path": str(path),
            }
        )
    else:
        sys.stdout.write(f"已导出 / exported {args.kind} '{args.name}' v{version} → {path}\n")
    return EXIT_OK


def run_audit(args: argparse.Namespace) -> int:
    store = _open(args)
    rows = store.audit_log(kind=args.kind, name=args.name, limit=args.limit)
    if args.json:
        dump_json({"store": store.label, "backend": store.backend, "entries": rows})
        return EXIT_OK
    sys.stdout.write(f"{store.label}: last {len(rows)} audit entries\n")
    for r in rows:
        ver = f"v{r['version']}" if r["version"] is not None else "-"
        sys.stdout.write(
            f"  {r['time']}  {r['user']:<12} {r['action']:<8} {r['kind']}/{r['name']} {ver}  {r['message']}\n"
        )
    return EXIT_OK
