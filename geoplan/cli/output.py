"""What every command shares: exit codes and the one JSON printer.

Commands import these from here (never from :mod:`geoplan.cli.main`, which imports the commands).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_USER_ERROR = 2


def zone_path(args: object) -> Path:
    """The ``zone.yaml`` a command works on: ``--zone``, ``--catalog``, ``GEOPLAN_ZONE`` or the sample."""
    from geoplan.zone import resolve_zone

    value = getattr(args, "zone", None) or getattr(args, "catalog", None)
    return resolve_zone(value)


def dump_json(obj: object) -> None:
    """Print one JSON object to stdout (UTF-8, Chinese kept readable)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(o: object) -> object:
    import numpy as np
    import pandas as pd

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if o is pd.NA or o is pd.NaT:
        return None
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def number(*, lo: float | None = None, hi: float | None = None, integer: bool = False):
    """An argparse ``type=`` for a finite number in ``[lo, hi]`` (``nan``/``inf`` refused)."""
    import argparse
    import math

    def parse(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if integer and value != int(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if lo is not None and value < lo:
            raise argparse.ArgumentTypeError(f"{text} is below the minimum {lo:g}")
        if hi is not None and value > hi:
            raise argparse.ArgumentTypeError(f"{text} is above the maximum {hi:g}")
        return int(value) if integer else value

    return parse


def output_file(path: str | Path, suffixes: tuple[str, ...], option: str) -> Path:
    """Check an output path before any work: the right suffix, not a folder, a writable folder.

    Raises :class:`~geoplan.errors.GeoplanError` (exit 2) naming the option and what to write.
    """
    import os

    from geoplan.errors import GeoplanError

    p = Path(path).expanduser()
    if p.is_dir():
        msg = f"{option} {p}: is a folder; give a file name ending in {' or '.join(suffixes)}"
        raise GeoplanError(msg)
    if p.suffix.lower() not in suffixes:
        msg = f"{option} {p.name}: the file must end in {' or '.join(suffixes)} (it is written in that format)"
        raise GeoplanError(msg)
    parent = p.parent if str(p.parent) else Path(".")
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        msg = (
            f"{option} {p}: cannot write into {probe} (not a writable folder); choose another path"
        )
        raise GeoplanError(msg)
    return p


def output_folder(path: str | Path, option: str) -> Path:
    """Check an output folder: not an existing file, and writable (created when missing)."""
    import os

    from geoplan.errors import GeoplanError

    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        msg = f"{option} {p}: exists and is a file; give a folder (or a .gpkg path where accepted)"
        raise GeoplanError(msg)
    probe = p
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        msg = f"{option} {p}: cannot write into {probe}; choose another folder"
        raise GeoplanError(msg)
    return p
