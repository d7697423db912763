"""Alerts and warnings from the analyses (infrastructure, coverage, scenarios).

``{key: (zh, en)}``; see :mod:`geoplan.text`.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
