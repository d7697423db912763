"""Names of stored values shown to users: statuses, kinds, classes, groups.

``{key: (zh, en)}``; see :mod:`geoplan.text`.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
