"""The one YAML loader: bounded, line-numbered, and a bridge to typed (pydantic) models.

Every configuration file GeoPlan reads — schemes, scenarios, standards, zone files — goes through
:func:`parse_yaml` / :func:`read_yaml`, so a mistake is reported the same way everywhere: the file,
the line and the dotted field path, e.g.
``西拓北延.yaml: line 14: field 'operations.2.far': must be ≥ 0, got -1``.

Hostile input is refused before it costs anything: texts over :data:`MAX_BYTES`, nesting deeper
than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` nodes, and YAML aliases (``*name``, the
"billion laughs" expansion) are :class:`~geoplan.errors.SchemaError` at once. GeoPlan's own files
never need aliases; write the value out instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import yaml

from geoplan.errors import SchemaError

if TYPE_CHECKING:
    import pydantic

#: Largest configuration text accepted (bytes of UTF-8).
MAX_BYTES = 5_000_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 40
#: Most nodes (scalars, mappings, lists) in one document.
MAX_NODES = 500_000

M = TypeVar("M", bound="pydantic.BaseModel")


class _Refused(Exception):
    """Raised inside the composer; turned into a SchemaError with the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and counts depth and nodes while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                f"YAML aliases (*{event.anchor}) are not accepted; write the value out in full",
                line,
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"too many values (more than {MAX_NODES:,}); split the file", line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class YamlDoc:
    """A parsed YAML document with the line of every key path."""

    data: Any
    source: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None

    def where(self, path: tuple) -> str:
        """``file: line N: field 'a.b.0'`` for a key path."""
        line = self.line_of(path)
        dotted = ".".join(str(p) for p in path)
        return (
            self.source
            + (f": line {line}" if line else "")
            + (f": field '{dotted}'" if dotted else "")
        )


def _line_index(node: yaml.Node | None) -> dict[tuple, int]:
    lines: dict[tuple, int] = {}
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())] if node is not None else []
    while stack:
        n, path = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value
                lines[(*path, key)] = k.start_mark.line + 1
                stack.append((v, (*path, key)))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                lines[(*path, i)] = v.start_mark.line + 1
                stack.append((v, (*path, i)))
    return lines


def load_yaml(text: str, source: str) -> YamlDoc:
    """Parse YAML text safely and within bounds; raise :class:`SchemaError` naming the line."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        msg = f"{source}: the file is {size / 1e6:.1f} MB; configuration files are limited to {MAX_BYTES / 1e6:.0f} MB"
        raise SchemaError(msg)
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        where = f": line {exc.line}" if exc.line else ""
        msg = f"{source}{where}: {exc}"
        raise SchemaError(msg) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f": line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{source}{line}: not valid YAML ({problem})"
        raise SchemaError(msg) from exc
    finally:
        loader.dispose()
    return YamlDoc(data, source, _line_index(node))


def parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """``(document, line index)`` of a YAML text (see :func:`load_yaml`)."""
    doc = load_yaml(text, source)
    return doc.data, doc.lines


def read_text(path: str | Path, what: str = "file", *, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 configuration file with a clear error for every way it can fail."""
    p = Path(path)
    if p.is_dir():
        msg = f"{p}: is a folder, not a {what}; give the path of the file"
        raise SchemaError(msg)
    try:
        size = p.stat().st_size
    except OSError as exc:
        msg = f"{p}: cannot read the {what} ({exc.strerror or exc})"
        raise SchemaError(msg) from exc
    if size > max_bytes:
        msg = f"{p.name}: the {what} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"
        raise SchemaError(msg)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{p.name}: the {what} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise SchemaError(msg) from exc
    except OSError as exc:
        msg = f"{p}: cannot read the {what} ({exc.strerror or exc})"
        raise SchemaError(msg) from exc


def read_yaml_doc(path: str | Path, what: str = "file") -> YamlDoc:
    """Read and parse a YAML file (see :func:`load_yaml`); the source is the file's name."""
    p = Path(path)
    return load_yaml(read_text(p, what), p.name)


def read_yaml(path: str | Path, what: str = "file") -> tuple[Any, dict[tuple, int], str]:
    """``(document, line index, source name)`` of a YAML file."""
    doc = read_yaml_doc(path, what)
    return doc.data, doc.lines, doc.source


# --- typed models ------------------------------------------------------------------------------


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return f"{v:g}"
    return repr(v) if isinstance(v, str) else str(v)


def describe_error(err: Mapping[str, Any]) -> str:
    """One pydantic error in GeoPlan's words ("must be ≥ 0, got -1")."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    got = err.get("input")
    messages = {
        "missing": "is required",
        "extra_forbidden": "unknown key",
        "greater_than_equal": f"must be ≥ {_fmt(ctx.get('ge'))}, got {_fmt(got)}",
        "greater_than": f"must be > {_fmt(ctx.get('gt'))}, got {_fmt(got)}",
        "less_than_equal": f"must be ≤ {_fmt(ctx.get('le'))}, got {_fmt(got)}",
        "less_than": f"must be < {_fmt(ctx.get('lt'))}, got {_fmt(got)}",
        "finite_number": f"must be a finite number, got {_fmt(got)}",
        "bool_type": f"must be true or false, got {_fmt(got)}",
        "bool_parsing": f"must be true or false, got {_fmt(got)}",
        "int_type": f"must be a whole number, got {_fmt(got)}",
        "int_parsing": f"must be a whole number, got {_fmt(got)}",
        "int_from_float": f"must be a whole number, got {_fmt(got)}",
        "float_type": f"must be a number, got {_fmt(got)}",
        "float_parsing": f"must be a number, got {_fmt(got)}",
        "string_type": f"must be a text, got {_fmt(got)}",
        "string_too_short": "must be a non-empty text",
        "list_type": f"must be a list, got {type(got).__name__}",
        "dict_type": f"must be a mapping (key: value), got {type(got).__name__}",
        "model_type": f"must be a mapping (key: value), got {type(got).__name__}",
        "too_short": f"needs at least {ctx.get('min_length')} item(s)",
        "too_long": f"takes at most {ctx.get('max_length')} item(s)",
        "literal_error": f"unknown value {_fmt(got)}; use one of: {ctx.get('expected', '')}",
        "enum": f"unknown value {_fmt(got)}; use one of: {ctx.get('expected', '')}",
    }
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    return str(err.get("msg", kind))


def validate(model: type[M], doc: YamlDoc, *, context: dict[str, Any] | None = None) -> M:
    """Validate a parsed document against a pydantic model.

    Every problem is reported in one :class:`SchemaError`, each as ``file: line: field: message``.
    """
    import pydantic

    try:
        return model.model_validate(doc.data, context=context)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            problems.append(f"{doc.where(loc)}: {describe_error(err)}")
        msg = "\n".join(dict.fromkeys(problems))
        raise SchemaError(msg) from None


# --- untyped access (kept for the files not yet described by models) ------------------------------


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
        return (
            f"{self.source}"
            + (f": line {line}" if line else "")
            + (f": field '{dotted}'" if dotted else "")
        )

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

    def value_number(
        self, v: object, path: tuple, *, lo: float | None = None, hi: float | None = None
    ) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.fail(path, f"must be a number, got {v!r}")
        if not math.isfinite(v):
            self.fail(path, f"must be a finite number, got {v!r}")
        if lo is not None and v < lo:
            self.fail(path, f"must be ≥ {lo:g}, got {v}")
        if hi is not None and v > hi:
            self.fail(path, f"must be ≤ {hi:g}, got {v}")
        return float(v)

    def integer(
        self,
        doc: Mapping,
        key: str,
        path: tuple,
        *,
        default: int | None = None,
        lo: int | None = None,
        hi: int | None = None,
    ) -> int:
        v = self.number(doc, key, path, default=default, lo=lo, hi=hi)
        if v != int(v):
            self.fail((*path, key), f"must be a whole number, got {doc[key]!r}")
        return int(v)

    def text(
        self,
        doc: Mapping,
        key: str,
        path: tuple,
        *,
        default: str | None = None,
        choices: tuple[str, ...] | None = None,
    ) -> str:
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
    def mapping(
        self,
        v: object,
        path: tuple,
        allowed: set[str] | None = None,
        required: tuple[str, ...] = (),
    ) -> dict:
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

    def strings(
        self,
        doc: Mapping,
        key: str,
        path: tuple,
        default: tuple[str, ...] = (),
        choices: tuple[str, ...] | None = None,
    ) -> tuple[str, ...]:
        if key not in doc or doc[key] is None:
            return default
        v = doc[key]
        if isinstance(v, str | int) and not isinstance(v, bool):
            v = [v]
        if not isinstance(v, list) or not all(
            isinstance(s, str | int) and not isinstance(s, bool) for s in v
        ):
            self.fail((*path, key), "must be a list of texts")
        v = [str(s) for s in v]
        if choices is not None:
            bad = [s for s in v if s not in choices]
            if bad:
                self.fail((*path, key), f"unknown value {bad[0]!r}; use {', '.join(choices)}")
        return tuple(v)
