"""The bundled illustrative (示意) Dalian sample: a deterministic generator.

``python -m geoplan.sample`` regenerates ``data/`` from the authored layers in ``layers/``.
"""

from __future__ import annotations
