"""Exceptions raised by geoplan.

Every user-fixable problem raises a subclass of :class:`GeoplanError`. The CLI turns these into
exit code 2 with the message; the app shows them with ``st.error``. Anything else is a bug and is
allowed to surface as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class GeoplanError(Exception):
    """Base class for errors caused by user input (files, options, scenario texts)."""


class LoadError(GeoplanError):
    """A file could not be read: missing, truncated, wrong format, unsafe archive."""


class CRSError(GeoplanError):
    """A coordinate reference system is missing, unknown or inconsistent."""


class SchemaError(GeoplanError):
    """A configuration file (scheme, scenario, weights, standards table) is malformed."""


class ConflictError(GeoplanError):
    """A write would overwrite a newer version saved by someone else."""


@dataclass(frozen=True)
class Problem:
    """One validation finding, addressable to a file, a row and a field."""

    message: str
    source: str = ""
    row: int | None = None
    field: str | None = None
    hint: str = ""
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        where = [self.source or "<data>"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = f"{': '.join(where)}: {self.message}"
        if self.hint:
            text += f" → {self.hint}"
        return text

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "source": self.source,
            "row": self.row,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class ValidationError(GeoplanError):
    """Raised with every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)
    source: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        head = f"{self.source or 'data'}: {len(errors)} problem(s)"
        shown = "\n".join("  - " + p.format() for p in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        return f"{head}\n{shown}{more}"
