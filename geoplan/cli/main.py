"""The ``geoplan`` command line.

Subcommands live in :mod:`geoplan.cli.commands`, one module each, found by discovery: a module
defines ``register(subparsers)`` which adds its parser and sets ``func``. Conventions shared by
every command:

- works with no arguments on the bundled sample; ``--json`` prints exactly one JSON object on
  stdout (logs go to stderr);
- user mistakes (:class:`~geoplan.errors.GeoplanError`) exit with code 2 and a readable message,
  never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from geoplan import __version__
from geoplan.cli.output import EXIT_OK, EXIT_USER_ERROR, dump_json
from geoplan.errors import GeoplanError, ValidationError


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message but in our format."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"geoplan: error: {message}\n")
        raise SystemExit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="geoplan",
        description="GeoPlan 园区国土空间规划工具 — land-use planning for high-tech zones",
    )
    parser.add_argument("--version", action="version", version=f"geoplan {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output on stderr"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    import geoplan.cli.commands as commands_pkg

    for mod in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"geoplan.cli.commands.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    _add_zone_option(sub)
    return parser


#: Commands that work on no zone (they name their own store or folder).
_NO_ZONE = {"store", "zone", "cache"}


def _add_zone_option(sub: argparse._SubParsersAction, path: tuple[str, ...] = ()) -> None:
    """Give every command ``--zone DIR`` (default ``GEOPLAN_ZONE``, else the bundled sample)."""
    for name, parser in sub.choices.items():
        if not path and name in _NO_ZONE:
            continue
        nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for action in nested:
            _add_zone_option(action, (*path, name))
        if not nested and not any("--zone" in a.option_strings for a in parser._actions):
            parser.add_argument(
                "--zone",
                metavar="DIR",
                help="zone folder (its zone.yaml), or a zone name in the projects folder; "
                "default: $GEOPLAN_ZONE, else the bundled sample",
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_OK
    try:
        code = args.func(args)
    except ValidationError as exc:
        if getattr(args, "json", False):
            dump_json(
                {"valid": False, "error": str(exc), "problems": [p.to_dict() for p in exc.problems]}
            )
        sys.stderr.write(f"错误 / error: {exc}\n")
        return EXIT_USER_ERROR
    except GeoplanError as exc:
        if getattr(args, "json", False):
            dump_json({"error": str(exc)})
        sys.stderr.write(f"错误 / error: {exc}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return EXIT_OK if code is None else int(code)


if __name__ == "__main__":
    raise SystemExit(main())
