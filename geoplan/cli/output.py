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
