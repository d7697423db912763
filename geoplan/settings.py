"""Package-wide constants, default paths and every environment variable GeoPlan reads.

These are read-only defaults. Functions take explicit arguments and fall back to these values;
nothing in geoplan mutates them at run time (the app serves many users from one process).

Environment variables are read here and only here, each by one function below, at call time (so a
test or a server can set them before use): ``GEOPLAN_ROOT``, ``GEOPLAN_ZONE``, ``GEOPLAN_PROJECTS_DIR``,
``GEOPLAN_STORE``, ``GEOPLAN_USER``, ``GEOPLAN_PG_URL``, ``GEOPLAN_PG_SCHEMA``,
``GEOPLAN_STORE_BUSY_TIMEOUT``, ``GEOPLAN_CACHE_DIR``, ``GEOPLAN_CACHE_MAX_MB``, ``TIANDITU_KEY``,
and libpq's ``PGUSER`` / ``PGHOST`` / ``PGPORT`` (for messages only).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Square metres in one 亩 (mu): 1 亩 = 10000/15 m².
M2_PER_MU = 10000.0 / 15.0

#: Root of the project checkout (where layers/ and data/ live). Overridable for installed use.
PROJECT_ROOT = Path(os.environ.get("GEOPLAN_ROOT", Path(__file__).resolve().parent.parent))
#: The bundled sample zone's folder: zone.yaml, every layer (authored GeoJSON and the generated
#: parcels/firms/DEM), scenarios/ and tables/ (plan targets and other zone tables).
SAMPLE_ZONE_DIR = PROJECT_ROOT / "layers"
LAYERS_DIR = SAMPLE_ZONE_DIR
#: Product data shared by every zone: 亩均 schemes and standards tables.
DATA_DIR = PROJECT_ROOT / "data"
SCHEMES_DIR = DATA_DIR / "schemes"
STANDARDS_DIR = DATA_DIR / "standards"
SCENARIOS_DIR = SAMPLE_ZONE_DIR / "scenarios"
ZONE_TABLES_DIR = SAMPLE_ZONE_DIR / "tables"

#: Planning phases used by infrastructure and scenarios: 现状, 近期 2025, 远期 2035.
PHASES = ("current", "2025", "2035")
PHASE_LABELS = {"current": "现状", "2025": "近期2025", "2035": "远期2035"}


def phase_key(phase: str | int) -> str:
    """Normalise a phase given as 'current', '2025', 2035, '现状' … to one of :data:`PHASES`."""
    from geoplan.errors import GeoplanError

    text = str(phase).strip().lower()
    aliases = {"现状": "current", "now": "current", "近期": "2025", "远期": "2035"}
    text = aliases.get(text, text)
    if text not in PHASES:
        msg = f"unknown phase {phase!r}; use one of {', '.join(PHASES)}"
        raise GeoplanError(msg)
    return text


# --- environment ---------------------------------------------------------------------------------


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def projects_dir() -> Path:
    """The folder holding project stores and zone folders (``GEOPLAN_PROJECTS_DIR`` or ``~/.geoplan/projects``)."""
    env = _env("GEOPLAN_PROJECTS_DIR")
    return Path(env).expanduser() if env else Path.home() / ".geoplan" / "projects"


def zone_env() -> str:
    """``GEOPLAN_ZONE``: the zone commands and the app open by default ("" = the bundled sample)."""
    return _env("GEOPLAN_ZONE")


def zones_dir() -> Path:
    """The folder holding the user's zone folders (``<projects>/zones``)."""
    return projects_dir() / "zones"


def store_target() -> str:
    """``GEOPLAN_STORE``: a .gpkg path, a project name or a postgresql:// URL ("" when unset)."""
    return _env("GEOPLAN_STORE")


def store_user() -> str:
    """``GEOPLAN_USER``: who is named in the store's audit log ("" when unset)."""
    return _env("GEOPLAN_USER")


def pg_url() -> str:
    """``GEOPLAN_PG_URL``: the team store's database URL ("" when unset)."""
    return _env("GEOPLAN_PG_URL")


def pg_schema() -> str:
    """``GEOPLAN_PG_SCHEMA``: the schema of the team store's tables ("" when unset)."""
    return _env("GEOPLAN_PG_SCHEMA")


def pg_env(name: str, default: str = "") -> str:
    """libpq's own variables (``PGUSER``, ``PGHOST``, ``PGPORT``), for naming the server in messages."""
    if name not in ("PGUSER", "PGHOST", "PGPORT"):
        msg = f"not a libpq variable GeoPlan reads: {name}"
        raise ValueError(msg)
    return _env(name, default)


def store_busy_timeout_s() -> float:
    """``GEOPLAN_STORE_BUSY_TIMEOUT``: seconds a GeoPackage save waits for another writer (300)."""
    from geoplan.errors import GeoplanError

    text = _env("GEOPLAN_STORE_BUSY_TIMEOUT", "300")
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 86_400:
        msg = f"GEOPLAN_STORE_BUSY_TIMEOUT must be a number of seconds between 0 and 86400, got {text!r}"
        raise GeoplanError(msg)
    return value


def cache_dir() -> Path:
    """``GEOPLAN_CACHE_DIR``: the disk cache (default ``~/.cache/geoplan``, or ``$XDG_CACHE_HOME/geoplan``)."""
    env = _env("GEOPLAN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = _env("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "geoplan"


def cache_max_bytes() -> int:
    """``GEOPLAN_CACHE_MAX_MB``: the disk cache's size bound (default 2048 MB; 0 disables it)."""
    from geoplan.errors import GeoplanError

    text = _env("GEOPLAN_CACHE_MAX_MB", "2048")
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 10_000_000:
        msg = f"GEOPLAN_CACHE_MAX_MB must be a size in MB between 0 and 10000000, got {text!r}"
        raise GeoplanError(msg)
    return int(value * 1_000_000)


def tianditu_key() -> str:
    """``TIANDITU_KEY``: the 天地图 browser key ("" when unset). It is sent to users' browsers."""
    return _env("TIANDITU_KEY")
