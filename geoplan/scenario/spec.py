"""Scenario files: YAML → a validated :class:`Scenario` (every error names the line and field).

A scenario describes a future as operations applied in order to a copy of the base zone::

    name: 西拓北延远期2035
    description: 西部扩区承接洁净能源、智能制造、生命健康组团
    base: sample                 # or a zone.yaml / layer catalog YAML (relative to this file)
    phase: 2035                  # current | 2025 | 2035
    scheme: dalian_default       # 亩均 scheme for the evaluation (optional)
    operations:
      - op: add_land
        name: 洁净能源组团
        geometry: {layer: structure, id: E13}    # or inline GeoJSON, or file: west.geojson
        mix: {"100101": 0.7, "0802": 0.2, "1401": 0.1}
        far: {"100101": 1.5, "0802": 2.0}
        industry: 洁净能源
      - op: allocate
        demand: {智能制造: 800}                  # 亩 per industry
        land_use: "100101"
        far: 1.5

Geometry is given as inline GeoJSON (a geometry, Feature or FeatureCollection; EPSG:4326 unless
``crs`` says otherwise; ``coord_system: gcj02`` for 高德 coordinates), a ``file`` (relative to
the scenario file), or a reference to a feature of a zone layer (``{layer, id}``).

The document is validated by pydantic models through :func:`geoplan.config.loader.validate`:
:class:`ScenarioDoc` for the top level and, per operation, the parameters model registered in
:data:`geoplan.scenario.ops.OPERATIONS` (structure, types, finite numbers in range, known codes).
``file:`` and ``base:`` paths resolve only inside the allowed roots — the zone folder, the project
store and, for a scenario read from a file, that file's folder — so a scenario cannot make the
server read other files. References into the zone (parcel ids, facility ids, layer features) are
checked when the scenario is applied, with the same file/line/field addressing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import shapely
import shapely.geometry
from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from geoplan import settings
from geoplan.config.loader import YamlDoc, describe_error, load_yaml, read_text, validate
from geoplan.errors import GeoplanError, SchemaError
from geoplan.scenario.models import Model
from geoplan.scenario.operation import Operation
from geoplan.scenario.ops import OPERATIONS
from geoplan.scenario.params import (
    CLASSES,
    INDUSTRIES,
    KEEP,
    KINDS,
    LAYER_REFS,
    PHASE_ORDER,
    PROFILE_FIELDS,
    PROFILE_LEVELS,
    ROAD_CLASSES,
    GeometrySpec,
    ParseContext,
    Phase,
    Text,
    context_of,
    fail,
    resolve_path,
)


def _description(v: object) -> str:
    return "" if v is None else str(v)


class ScenarioDoc(Model):
    """The top level of a scenario file. ``operations`` are validated one by one against the
    parameters model of their ``op`` (see :data:`~geoplan.scenario.ops.OPERATIONS`)."""

    name: Text
    description: Annotated[str, BeforeValidator(_description)] = ""
    base: Path | None = None
    phase: Phase = "current"
    scheme: Text = "dalian_default"
    operations: list[Any] = Field(default_factory=list)

    @field_validator("base", mode="before")
    @classmethod
    def _base(cls, v: object, info: ValidationInfo) -> Path | None:
        if v is None or v in ("", "sample"):
            return None
        if not isinstance(v, str):
            msg = "must be 'sample' or the path of a zone.yaml / layer catalog YAML"
            raise ValueError(msg)
        return resolve_path(v, context_of(info), "base")

    @field_validator("operations", mode="before")
    @classmethod
    def _operations(cls, v: object, info: ValidationInfo) -> list[Any]:
        if v is None:
            return []
        if not isinstance(v, list):
            msg = f"must be a list, got {type(v).__name__}"
            raise ValueError(msg)
        ctx = context_of(info)
        phase = info.data.get("phase", "current")
        sub = {"parse": ParseContext(ctx.folder, ctx.roots, phase)}
        out, errors = [], []
        for i, od in enumerate(v):
            if not isinstance(od, dict):
                errors.append(
                    _error(
                        (i,),
                        "each operation must be a mapping with an 'op' key, got "
                        + type(od).__name__,
                    )
                )
                continue
            kind = od.get("op")
            if kind not in OPERATIONS:
                errors.append(
                    _error(
                        (i, "op"),
                        f"unknown operation {kind!r}; use one of: {', '.join(OPERATIONS)}",
                    )
                )
                continue
            model = OPERATIONS[kind].params
            try:
                out.append(model.model_validate(od, context=sub))
            except ValidationError as exc:
                for e in exc.errors():
                    loc = tuple(p for p in e["loc"] if not str(p).startswith("function-"))
                    msg = describe_error(e)
                    if e.get("type") == "extra_forbidden":
                        msg += "; allowed: " + ", ".join(sorted(_keys_at(model, loc[:-1])))
                    errors.append(_error((i, *loc), msg))
        if errors:
            raise ValidationError.from_exception_data("scenario", errors)
        return out


def _keys_at(model: type[BaseModel], loc: tuple) -> set[str]:
    """The keys a (nested) parameters model accepts at *loc* (for "unknown key; allowed: …")."""
    for part in loc:
        f = model.model_fields.get(str(part))
        inner = (
            [
                a
                for a in (*typing.get_args(f.annotation), f.annotation)
                if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if f is not None
            else []
        )
        if not inner:
            return set()
        model = inner[0]
    return {f.alias or n for n, f in model.model_fields.items()}


def _error(loc: tuple, message: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("value_error", "{error}", {"error": message}),
        loc=loc,
        input=None,
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    phase: str
    base: str | None  # None: the bundled sample; else a catalog path
    scheme: str
    operations: tuple[Operation, ...]
    source: str
    text: str
    folder: Path | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# ==========================================================================================
# Parsing
# ==========================================================================================


def default_roots() -> tuple[Path, ...]:
    """Where a scenario's ``file:`` / ``base:`` may point: the bundled sample zone, the zone in
    use (``GEOPLAN_ZONE``) and the project store folder (zones and stores)."""
    from geoplan.zone import resolve_zone

    roots = [settings.SAMPLE_ZONE_DIR, settings.projects_dir()]
    with contextlib.suppress(GeoplanError):  # a broken GEOPLAN_ZONE is reported where used
        roots.append(resolve_zone(None).parent)
    return tuple(dict.fromkeys(roots))


def load_scenario(path: str | Path, *, roots: tuple[Path, ...] | None = None) -> Scenario:
    """Read and validate a scenario YAML file (its own folder is an allowed root for ``file:``)."""
    p = Path(path)
    text = read_text(p, "scenario file").lstrip("\ufeff")
    folder = p.resolve().parent
    allowed = (*(roots if roots is not None else default_roots()), folder)
    return parse_scenario(text, source=p.name, folder=folder, roots=allowed)


def parse_scenario(
    text: str,
    *,
    source: str = "<scenario>",
    folder: str | Path | None = None,
    roots: tuple[Path, ...] | None = None,
) -> Scenario:
    """Validate scenario YAML text. Relative ``file:``/``base:`` paths resolve against *folder*
    and must lie inside *roots* (default: :func:`default_roots`)."""
    doc = load_yaml(text, source)
    if doc.data is None:
        msg = f"{source}: the scenario is empty; it needs at least 'name' and 'operations'"
        raise SchemaError(msg)
    if not isinstance(doc.data, dict):
        msg = f"{source}: must be a mapping (key: value), got {type(doc.data).__name__}"
        raise SchemaError(msg)
    folder_p = Path(folder) if folder is not None else None
    ctx = ParseContext(folder_p, tuple(roots) if roots is not None else default_roots())
    sd = validate(ScenarioDoc, doc, context={"parse": ctx})
    ops = tuple(Operation(params.op, i, params, doc) for i, params in enumerate(sd.operations))
    return Scenario(
        name=sd.name,
        description=sd.description,
        phase=sd.phase,
        base=str(sd.base) if sd.base is not None else None,
        scheme=sd.scheme,
        operations=ops,
        source=source,
        text=text,
        folder=folder_p,
    )


def dump_geojson(geom) -> dict:
    """A shapely geometry as a GeoJSON dict with coordinates rounded to ~0.1 m (for YAML)."""
    gj = shapely.geometry.mapping(geom)
    return json.loads(json.dumps(gj), parse_float=lambda x: round(float(x), 6))


__all__ = [
    "CLASSES",
    "INDUSTRIES",
    "KEEP",
    "KINDS",
    "LAYER_REFS",
    "OPERATIONS",
    "PHASE_ORDER",
    "PROFILE_FIELDS",
    "PROFILE_LEVELS",
    "ROAD_CLASSES",
    "GeometrySpec",
    "Operation",
    "Scenario",
    "ScenarioDoc",
    "YamlDoc",
    "dump_geojson",
    "fail",
    "load_scenario",
    "parse_scenario",
]
