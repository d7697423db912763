"""Package-wide constants and default paths.

These are read-only defaults. Functions take explicit arguments and fall back to these values;
nothing in geoplan mutates them at run time (the app serves many users from one process).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Square metres in one 亩 (mu): 1 亩 = 10000/15 m².
M2_PER_MU = 10000.0 / 15.0

#: Root of the project checkout (where layers/ and data/ live). Overridable for installed use.
PROJECT_ROOT = Path(os.environ.get("GEOPLAN_ROOT", Path(__file__).resolve().parent.parent))
LAYERS_DIR = PROJECT_ROOT / "layers"
DATA_DIR = PROJECT_ROOT / "data"
SCHEMES_DIR = DATA_DIR / "schemes"
STANDARDS_DIR = DATA_DIR / "standards"
SCENARIOS_DIR = DATA_DIR / "scenarios"

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
