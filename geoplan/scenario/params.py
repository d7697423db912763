"""Typed field types of scenario operations (pydantic), shared by every operation's parameters.

Each type checks one kind of value the way a planner writes it and says what is wrong in
GeoPlan's words (``must be ≥ 0, got -1``; ``write land-use codes as quoted text``; ``not finite``;
``out of range``). Errors inside a mapping (a mix share, a capacity per phase) name the inner key,
so :func:`geoplan.config.loader.validate` reports ``file: line: field 'operations.2.mix.0802'``.

Geometry fields resolve ``file:`` paths when parsed: relative to the scenario's folder, and only
inside the allowed roots (the zone folder and the project store, see :class:`ParseContext`); the
validation context carries both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, NoReturn

import shapely
import shapely.geometry
from pydantic import (
    BeforeValidator,
    InstanceOf,
    ValidationInfo,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from geoplan import settings
from geoplan.errors import GeoplanError
from geoplan.standards import landuse

INDUSTRIES = ("数字技术", "文化创意", "洁净能源", "生命健康", "智能制造", "智慧海洋", "新材料")
CLASSES = ("A", "B", "C", "D", "T")
PROFILE_LEVELS = ("median", "median_A", "median_B", "p75", "p90")
PROFILE_FIELDS = (
    "tax_per_mu",
    "revenue_per_mu",
    "va_per_mu",
    "employees_per_mu",
    "energy_tce_per_mu",
)
LAYER_REFS = ("structure", "plates", "clusters", "zone", "constraints", "parcels")
KINDS = ("substation", "sewage_plant")
ROAD_CLASSES = ("expressway", "arterial", "secondary", "branch")
PHASE_ORDER = {p: i for i, p in enumerate(settings.PHASES)}
KEEP = "(keep)"  # profile industry of replace_firms with keep_industry: each firm's own industry
#: Largest capacity a facility can plausibly have, per kind (a 500 kV hub is a few thousand MVA;
#: the largest sewage plants treat a few million m³/d): larger values are typing mistakes.
MAX_CAPACITY = {"substation": 10_000.0, "sewage_plant": 5_000_000.0}
UNIT = {"substation": "MVA", "sewage_plant": "m³/d"}


# --- errors -------------------------------------------------------------------------------------


def fail(message: str, *loc: str | int) -> NoReturn:
    """Raise a validation error at *loc* below the field being validated."""
    raise ValidationError.from_exception_data(
        "scenario",
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{error}", {"error": message}),
                loc=tuple(loc),
                input=None,
            )
        ],
    )


# --- context ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs beyond the text: the scenario's folder (relative paths) and the roots
    ``file:`` / ``base:`` paths must lie in (``()``: no check, for trusted library callers)."""

    folder: Path | None = None
    roots: tuple[Path, ...] = ()
    phase: str = "current"
    extra: dict = field(default_factory=dict)

    def inside(self, p: Path) -> bool:
        if not self.roots:
            return True
        rp = p.resolve()
        return any(rp.is_relative_to(r.resolve()) for r in self.roots)

    def where_allowed(self) -> str:
        return ", ".join(str(r) for r in self.roots)


def context_of(info: ValidationInfo) -> ParseContext:
    ctx = (info.context or {}).get("parse")
    return ctx if isinstance(ctx, ParseContext) else ParseContext()


def resolve_path(rel: str, ctx: ParseContext, what: str) -> Path:
    """A path of the scenario resolved against its folder, and only inside the allowed roots."""
    p = Path(rel).expanduser()
    if not p.is_absolute():
        if ctx.folder is None:
            msg = f"a relative {what} path needs the scenario to be read from a file"
            raise ValueError(msg)
        p = ctx.folder / p
    p = p.resolve()
    if not ctx.inside(p):
        msg = (
            f"{p} is outside the zone folder and the project store; scenario files may only "
            f"read from {ctx.where_allowed()} — copy the file there"
        )
        raise ValueError(msg)
    return p


# --- scalars ------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:g}"


def check_number(
    v: object, *, lo: float | None = None, hi: float | None = None, unit: str = ""
) -> float:
    """A finite number in [lo, hi]; numbers written as text (``1e308``, which YAML reads as
    text) are read as numbers so the message says what is really wrong."""
    if isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            msg = f"must be a number, got {v!r}"
            raise ValueError(msg) from None
    elif isinstance(v, bool) or not isinstance(v, int | float):
        msg = f"must be a number, got {v!r}"
        raise ValueError(msg)
    else:
        x = float(v)
    u = f" {unit}" if unit else ""
    if not math.isfinite(x):
        msg = f"not finite (got {v}); give a number" + (f" ≤ {_fmt(hi)}{u}" if hi else "")
        raise ValueError(msg)
    if lo is not None and x < lo:
        msg = f"must be ≥ {_fmt(lo)}, got {_fmt(x)}"
        raise ValueError(msg)
    if hi is not None and x > hi:
        msg = f"out of range: must be ≤ {_fmt(hi)}{u}, got {_fmt(x)}"
        raise ValueError(msg)
    return x


def num(lo: float | None = None, hi: float | None = None, unit: str = "") -> BeforeValidator:
    """``Annotated[float, num(lo, hi, unit)]``: checked by :func:`check_number`."""
    return BeforeValidator(lambda v: check_number(v, lo=lo, hi=hi, unit=unit))


def _integer(lo: int, hi: int):
    def check(v: object) -> int:
        x = check_number(v, lo=lo, hi=hi)
        if x != int(x):
            msg = f"must be a whole number, got {v!r}"
            raise ValueError(msg)
        return int(x)

    return check


def integer(lo: int, hi: int) -> BeforeValidator:
    """``Annotated[int, integer(lo, hi)]``."""
    return BeforeValidator(_integer(lo, hi))


def _text(v: object) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        v = str(v)  # codes such as 0802 or years written without quotes
    if not isinstance(v, str) or not v.strip():
        msg = f"must be a non-empty text, got {v!r}"
        raise ValueError(msg)
    return v.strip()


Text = Annotated[str, BeforeValidator(_text)]


def _choice(choices: tuple[str, ...]):
    def check(v: object) -> str:
        s = _text(v)
        if s not in choices:
            msg = f"unknown value {s!r}; use one of: {', '.join(choices)}"
            raise ValueError(msg)
        return s

    return check


def choice(*choices: str) -> BeforeValidator:
    """``Annotated[str, choice(...)]``: one of *choices*."""
    return BeforeValidator(_choice(tuple(choices)))


def _bool(v: object) -> bool:
    if not isinstance(v, bool):
        msg = f"must be true or false, got {v!r}"
        raise ValueError(msg)
    return v


Bool = Annotated[bool, BeforeValidator(_bool)]


def _strings(choices: tuple[str, ...] | None):
    def check(v: object) -> tuple[str, ...]:
        if isinstance(v, str | int) and not isinstance(v, bool):
            v = [v]
        if isinstance(v, tuple):  # already validated (a selection built by an operation)
            v = list(v)
        if not isinstance(v, list) or not all(
            isinstance(s, str | int) and not isinstance(s, bool) for s in v
        ):
            msg = "must be a list of texts"
            raise ValueError(msg)
        out = tuple(str(s) for s in v)
        if choices is not None:
            bad = [s for s in out if s not in choices]
            if bad:
                msg = f"unknown value {bad[0]!r}; use one of: {', '.join(choices)}"
                raise ValueError(msg)
        return out

    return check


def strings(choices: tuple[str, ...] | None = None) -> BeforeValidator:
    """``Annotated[tuple[str, ...], strings(...)]``: one text or a list of texts."""
    return BeforeValidator(_strings(choices))


Texts = Annotated[tuple[str, ...], strings()]


def check_code(v: object) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        msg = (
            f'write land-use codes as quoted text ("{v:02d}…"), got the number {v}; '
            "YAML drops leading zeros"
        )
        raise ValueError(msg)
    if not isinstance(v, str) or not v.strip().isdigit() or len(v.strip()) % 2:
        msg = f'must be a 用地用海 code such as "100101" or "0802", got {v!r}'
        raise ValueError(msg)
    code = v.strip()
    if landuse.lookup(code) is None:
        msg = f"unknown 用地用海 code {code!r}"
        raise ValueError(msg)
    return code


Code = Annotated[str, BeforeValidator(check_code)]


def check_phase(v: object) -> str:
    try:
        return settings.phase_key(v)  # type: ignore[arg-type]
    except GeoplanError:
        msg = f"unknown phase {v!r}; use current, 2025 or 2035"
        raise ValueError(msg) from None


Phase = Annotated[str, BeforeValidator(check_phase)]


def _codes(v: object) -> tuple[str, ...]:
    items = list(v) if isinstance(v, list | tuple) else [v]
    return tuple(check_code(c) for c in items)


Codes = Annotated[tuple[str, ...], BeforeValidator(_codes)]


def _mapping(v: object) -> dict:
    if not isinstance(v, dict):
        msg = f"must be a mapping (key: value), got {type(v).__name__}"
        raise ValueError(msg)
    return v


def _mix(v: object) -> dict[str, float]:
    """``{code: share}``: every code known, shares in [0, 1] adding up to 1 (normalised)."""
    mix = _mapping(v)
    if not mix:
        msg = "needs at least one land-use code"
        raise ValueError(msg)
    out = {}
    for k, x in mix.items():
        try:
            out[check_code(k)] = check_number(x, lo=0.0, hi=1.0)
        except ValueError as exc:
            fail(str(exc), str(k))
    total = sum(out.values())
    if abs(total - 1.0) > 0.01:
        msg = f"shares must add up to 1, got {total:g}"
        raise ValueError(msg)
    return {k: x / total for k, x in out.items() if x > 0}


Mix = Annotated[dict[str, float], BeforeValidator(_mix)]


def _capacity(v: object) -> dict[str, float]:
    """``{2025: 80, 2035: 120}`` (later phases inherit) or one number for every phase; the range
    per facility kind is checked by the operation (:data:`MAX_CAPACITY`)."""
    hi = max(MAX_CAPACITY.values())
    if isinstance(v, int | float | str) and not isinstance(v, bool):
        return dict.fromkeys(settings.PHASES, check_number(v, lo=0, hi=hi))
    caps = _mapping(v)
    out: dict[str, float] = {}
    for k, x in caps.items():
        try:
            ph = check_phase(k)
        except ValueError as exc:
            fail(str(exc), str(k))
        try:
            out[ph] = check_number(x, lo=0, hi=hi)
        except ValueError as exc:
            fail(str(exc), str(k))
    if not out:
        msg = "give the capacity for at least one phase"
        raise ValueError(msg)
    return out


Capacity = Annotated[dict[str, float], BeforeValidator(_capacity)]


def _demand(v: object) -> dict[str, float]:
    dem = _mapping(v)
    if not dem:
        msg = "needs at least one industry"
        raise ValueError(msg)
    out = {}
    for k, x in dem.items():
        if k not in INDUSTRIES:
            fail(f"unknown industry {k!r}; use one of {', '.join(INDUSTRIES)}", str(k))
        try:
            out[str(k)] = check_number(x, lo=0, hi=1_000_000, unit="亩")
        except ValueError as exc:
            fail(str(exc), str(k))
    return out


Demand = Annotated[dict[str, float], BeforeValidator(_demand)]


def per_use(
    v: object, uses: dict[str, float], key: str, *, lo: float, hi: float
) -> dict[str, float | None]:
    """A number for every use, given once (``far: 1.5``) or per code (``far: {"0802": 2}``)."""
    if v is None:
        return dict.fromkeys(uses)
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            try:
                code = check_code(k)
                if code not in uses:
                    msg = f"code {code} is not in this operation's land use / mix"
                    raise ValueError(msg)
                out[code] = check_number(x, lo=lo, hi=hi)
            except ValueError as exc:
                fail(str(exc), key, str(k))
        return {c: out.get(c) for c in uses}
    try:
        x = check_number(v, lo=lo, hi=hi)
    except ValueError as exc:
        fail(str(exc), key)
    return dict.fromkeys(uses, x)


# --- geometry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeometrySpec:
    """Where an operation's geometry comes from (resolved against the zone when applied)."""

    kind: str  # "inline" | "file" | "layer"
    geoms: tuple = ()  # inline: shapely geometries in `crs`
    crs: str = "EPSG:4326"
    coord_system: str = "wgs84"
    path: Path | None = None
    layer: str | None = None
    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


def _coord(v: dict) -> str:
    cs = str(v.get("coord_system") or "wgs84").lower().replace("-", "")
    if cs not in ("wgs84", "gcj02", "bd09"):
        fail(f"unknown coordinate system {cs!r}; use wgs84, gcj02 or bd09", "coord_system")
    return cs


def _only(v: dict, allowed: set[str]) -> None:
    extra = sorted(set(map(str, v)) - allowed)
    if extra:
        fail(f"unknown key; allowed: {', '.join(sorted(allowed))}", extra[0])


def _layer_ref(v: dict) -> GeometrySpec:
    _only(v, {"layer", "id", "name"})
    try:
        layer = _choice(LAYER_REFS)(v.get("layer"))
    except ValueError as exc:
        fail(str(exc), "layer")
    ids = _strings(None)(v["id"]) if v.get("id") is not None else ()
    names = _strings(None)(v["name"]) if v.get("name") is not None else ()
    if not ids and not names:
        fail("name the feature(s) by 'id' or 'name'", "id")
    return GeometrySpec("layer", layer=layer, ids=ids, names=names)


def _file_ref(v: dict, ctx: ParseContext) -> GeometrySpec:
    _only(v, {"file", "crs", "coord_system"})
    try:
        p = resolve_path(_text(v.get("file")), ctx, "file")
    except ValueError as exc:
        fail(str(exc), "file")
    if p.is_dir():
        fail(f"{p} is a folder; give a vector file (GeoJSON, GeoPackage, Shapefile …)", "file")
    if not p.exists():
        fail(f"file not found: {p}", "file")
    return GeometrySpec("file", path=p, crs=str(v.get("crs") or ""), coord_system=_coord(v))


def _inline(v: dict) -> GeometrySpec:
    gj = {k: x for k, x in v.items() if k not in ("crs", "coord_system")}
    try:
        if gj.get("type") == "FeatureCollection":
            geoms = [shapely.geometry.shape(f["geometry"]) for f in gj.get("features") or []]
        elif gj.get("type") == "Feature":
            geoms = [shapely.geometry.shape(gj["geometry"])]
        else:
            geoms = [shapely.geometry.shape(gj)]
    except Exception as exc:
        msg = f"not valid GeoJSON ({type(exc).__name__}: {exc})"
        raise ValueError(msg) from None
    if not geoms:
        msg = "the FeatureCollection has no features"
        raise ValueError(msg)
    crs = str(v.get("crs") or "EPSG:4326")
    for g in geoms:
        if g.geom_type not in ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point"):
            msg = f"unsupported geometry type {g.geom_type}"
            raise ValueError(msg)
        coords = shapely.get_coordinates(g)
        if not all(math.isfinite(c) for c in coords.ravel()):
            msg = "coordinates must be finite numbers"
            raise ValueError(msg)
        if crs.upper() in ("EPSG:4326", "EPSG:4490") and (
            (abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any()
        ):
            msg = "coordinates are not longitude/latitude; give 'crs' for projected coordinates"
            raise ValueError(msg)
    return GeometrySpec("inline", geoms=tuple(geoms), crs=crs, coord_system=_coord(v))


def _geometry(v: object, info: ValidationInfo) -> GeometrySpec:
    """Inline GeoJSON, ``{file: …}`` (or a path text), or ``{layer: …, id: …}``."""
    if isinstance(v, GeometrySpec):
        return v
    if isinstance(v, str):
        v = {"file": v}
    if not isinstance(v, dict):
        msg = "must be GeoJSON, {file: PATH} or {layer: NAME, id: ID}"
        raise ValueError(msg)
    if "layer" in v:
        return _layer_ref(v)
    if "file" in v:
        return _file_ref(v, context_of(info))
    return _inline(v)


Geometry = Annotated[InstanceOf[GeometrySpec], BeforeValidator(_geometry)]


def _location(v: object, info: ValidationInfo) -> GeometrySpec:
    if isinstance(v, list):
        if len(v) != 2 or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in v
        ):
            msg = f"must be [longitude, latitude], got {v!r}"
            raise ValueError(msg)
        v = {"type": "Point", "coordinates": v}
    return _geometry(v, info)


Location = Annotated[InstanceOf[GeometrySpec], BeforeValidator(_location)]
