"""Validated YAML configuration files (scenarios, standards, weights): parse with line numbers.

Every configuration file GeoPlan reads goes through :func:`parse_yaml` and a :class:`Checker`, so a
mistake is reported the same way everywhere: the file, the line and the dotted field path, e.g.
``西拓北延.yaml: line 14: field 'operations.2.far': must be ≥ 0, got -1``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from geoplan.errors import SchemaError


def yaml_lines(text: str) -> dict[tuple, int]:
    """Map key paths (tuples of keys and list positions) to 1-based line numbers."""
    import yaml

    lines: dict[tuple, int] = {}

    def walk(node: object, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                lines[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                lines[(*path, i)] = v.start_mark.line + 1
                walk(v, (*path, i))

    with contextlib.suppress(yaml.YAMLError):
        walk(yaml.compose(text), ())
    return lines


def parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """``yaml.safe_load`` with a :class:`SchemaError` naming the line of a syntax error."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f": line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{source}{line}: not valid YAML ({problem})"
        raise SchemaError(msg) from exc
    return doc, yaml_lines(text)


def read_yaml(path: str | Path, what: str = "file") -> tuple[Any, dict[tuple, int], str]:
    """Read a UTF-8 YAML file: ``(document, line index, source name)``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{p.name}: the {what} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise SchemaError(msg) from exc
    except OSError as exc:
        msg = f"{p}: cannot read the {what} ({exc.strerror or exc})"
        raise SchemaError(msg) from exc
    doc, lines = parse_yaml(text, p.name)
    return doc, lines, p.name


class Checker:
    """Typed access to a parsed YAML document that fails with file, line and field."""

    def __init__(self, source: str, lines: dict[tuple, int] | None = None) -> None:
        self.source = source
        self.lines = lines or {}

    def line_of(self, path: tuple) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None

    def where(self, path: tuple) -> str:
        line = self.line_of(path)
        dotted = ".".join(str(p) for p in path)
        return f"{self.source}" + (f": line {line}" if line else "") + (f": field '{dotted}'" if dotted else "")

    def fail(self, path: tuple, message: str) -> NoReturn:
        raise SchemaError(f"{self.where(path)}: {message}")

    # --- scalar fields -----------------------------------------------------------------------
    def number(
        self,
        doc: Mapping,
        key: str,
        path: tuple,
        *,
        default: float | None = None,
        lo: float | None = None,
        hi: float | None = None,
        required: bool | None = None,
    ) -> float:
        if key not in doc or doc[key] is None:
            if default is None or required:
                self.fail((*path, key), "is required")
            return float(default)
        return self.value_number(doc[key], (*path, key), lo=lo, hi=hi)

    def value_number(self, v: object, path: tuple, *, lo: float | None = None, hi: float | None = None) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or (isinstance(v, float) and math.isnan(v)):
            self.fail(path, f"must be a number, got {v!r}")
        if lo is not None and v < lo:
            self.fail(path, f"must be ≥ {lo:g}, got {v}")
        if hi is not None and v > hi:
            self.fail(path, f"must be ≤ {hi:g}, got {v}")
        return float(v)

    def integer(self, doc: Mapping, key: str, path: tuple, *, default: int | None = None,
                lo: int | None = None, hi: int | None = None) -> int:
        v = self.number(doc, key, path, default=default, lo=lo, hi=hi)
        if v != int(v):
            self.fail((*path, key), f"must be a whole number, got {doc[key]!r}")
        return int(v)

    def text(self, doc: Mapping, key: str, path: tuple, *, default: str | None = None,
             choices: tuple[str, ...] | None = None) -> str:
        if key not in doc or doc[key] is None:
            if default is None:
                self.fail((*path, key), "is required")
            return default
        v = doc[key]
        if isinstance(v, int | float) and not isinstance(v, bool):
            v = str(v)  # codes such as 0802 or years written without quotes
        if not isinstance(v, str) or not v.strip():
            self.fail((*path, key), f"must be a non-empty text, got {v!r}")
        v = v.strip()
        if choices is not None and v not in choices:
            self.fail((*path, key), f"unknown value {v!r}; use one of: {', '.join(choices)}")
        return v

    def boolean(self, doc: Mapping, key: str, path: tuple, *, default: bool) -> bool:
        if key not in doc or doc[key] is None:
            return default
        v = doc[key]
        if not isinstance(v, bool):
            self.fail((*path, key), f"must be true or false, got {v!r}")
        return v

    # --- containers --------------------------------------------------------------------------
    def mapping(self, v: object, path: tuple, allowed: set[str] | None = None,
                required: tuple[str, ...] = ()) -> dict:
        if not isinstance(v, dict):
            self.fail(path, f"must be a mapping (key: value), got {type(v).__name__}")
        if allowed is not None:
            extra = sorted(set(map(str, v)) - allowed)
            if extra:
                self.fail((*path, extra[0]), f"unknown key; allowed: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in v or v[key] is None:
                self.fail((*path, key), "is required")
        return v

    def sequence(self, v: object, path: tuple, *, min_len: int = 0) -> list:
        if not isinstance(v, list):
            self.fail(path, f"must be a list, got {type(v).__name__}")
        if len(v) < min_len:
            self.fail(path, f"needs at least {min_len} item(s)")
        return v

    def strings(self, doc: Mapping, key: str, path: tuple, default: tuple[str, ...] = (),
                choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if key not in doc or doc[key] is None:
            return default
        v = doc[key]
        if isinstance(v, str | int) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str | int) and not isinstance(s, bool) for s in v):
            self.fail((*path, key), "must be a list of texts")
        v = [str(s) for s in v]
        if choices is not None:
            bad = [s for s in v if s not in choices]
            if bad:
                self.fail((*path, key), f"unknown value {bad[0]!r}; use {', '.join(choices)}")
        return tuple(v)
