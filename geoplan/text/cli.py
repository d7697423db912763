"""Human output of the command line: headings, status words, summaries.

``{key: (zh, en)}``; see :mod:`geoplan.text`.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
