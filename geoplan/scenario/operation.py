"""One parsed scenario operation: its kind, typed parameters and where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from geoplan.config.loader import YamlDoc
from geoplan.errors import SchemaError
from geoplan.scenario.models import OpBase


@dataclass(frozen=True)
class Operation:
    """A validated operation. ``params`` is the operation's own pydantic model (see
    :data:`geoplan.scenario.ops.OPERATIONS`); errors found when it is applied name the same file,
    line and field as parsing errors."""

    op: str
    index: int
    params: OpBase
    doc: YamlDoc = field(repr=False, compare=False)

    @property
    def path(self) -> tuple:
        return ("operations", self.index)

    def fail(self, key: str | None, message: str) -> NoReturn:
        """Raise a :class:`SchemaError` at field *key* (dotted for nested: ``where.plate``)."""
        parts = tuple(int(k) if k.isdigit() else k for k in key.split(".")) if key else ()
        raise SchemaError(f"{self.doc.where((*self.path, *parts))}: {message}")

    @property
    def label(self) -> str:
        return self.params.name or f"{self.op} #{self.index + 1}"
