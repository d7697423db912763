"""Every user-facing text, by message key: Chinese first, English second.

The app, the maps, the workbooks, the CLI's human output and the analyses' alerts all take their
words from here (``t("infra_overload", "en", name=…)``), never from inline literals. Catalogues are
one module per area (:mod:`geoplan.text.app`, :mod:`geoplan.text.alerts` …), each a dict
``MESSAGES: {key: (zh, en)}``, found by discovery (a new area is a new module, nothing else to
edit); a key defined twice is an error at import.

This package imports nothing else from geoplan, so every layer can use it.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from collections.abc import Mapping

LANGS = ("zh", "en")

#: Catalogue modules (every module of this package), merged in name order.
AREAS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def _merge() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        mod = importlib.import_module(f"geoplan.text.{area}")
        for key, pair in mod.MESSAGES.items():
            if key in merged:
                msg = f"message key {key!r} is defined twice (geoplan.text.{area})"
                raise RuntimeError(msg)
            merged[key] = pair
    return merged


STRINGS: Mapping[str, tuple[str, str]] = _merge()


def has(key: str) -> bool:
    return key in STRINGS


def t(key: str, lang: str = "zh", **fmt: object) -> str:
    """The text of *key* in *lang* (``zh`` or ``en``), formatted with *fmt*.

    An unknown key returns the key itself, so a missing text is visible (and the tests fail on it).
    """
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fmt) if fmt else text


def both(key: str, **fmt: object) -> tuple[str, str]:
    """``(zh, en)`` of one message, for outputs that carry both languages."""
    return t(key, "zh", **fmt), t(key, "en", **fmt)


def fields_of(key: str) -> set[str]:
    """Names of the ``{placeholders}`` in a message (both languages)."""
    names: set[str] = set()
    for text in STRINGS.get(key, ("", "")):
        names |= {f for _, f, _, _ in string.Formatter().parse(text) if f}
    return names
