"""Scenario files: YAML → a validated :class:`Scenario` (every error names the line and field).

A scenario describes a future as operations applied in order to a copy of the base zone::

    name: 西拓北延远期2035
    description: 西部扩区承接洁净能源、智能制造、生命健康组团
    base: sample                 # or a layer catalog YAML (relative to this file)
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

The operations (see :data:`OPERATIONS`) are checked here for structure, types, ranges and
known codes; references into the zone (parcel ids, facility ids, layer features) are checked
when the scenario is applied, with the same file/line/field addressing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry

from geoplan import settings
from geoplan.config.loader import Checker, parse_yaml
from geoplan.errors import SchemaError
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


@dataclass(frozen=True)
class Operation:
    """One validated operation: its kind, normalised parameters and where it was written."""

    op: str
    index: int
    params: dict
    checker: Checker = field(repr=False, compare=False)

    @property
    def path(self) -> tuple:
        return ("operations", self.index)

    def fail(self, key: str | None, message: str):
        self.checker.fail((*self.path, key) if key else self.path, message)

    @property
    def label(self) -> str:
        return self.params.get("name") or f"{self.op} #{self.index + 1}"


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


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        msg = f"{p}: cannot read the scenario file ({exc.strerror or exc})"
        raise SchemaError(msg) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{p.name}: not UTF-8 text (byte {exc.start}); save the scenario as UTF-8"
        raise SchemaError(msg) from exc
    return parse_scenario(text, source=p.name, folder=p.resolve().parent)


def parse_scenario(
    text: str, *, source: str = "<scenario>", folder: str | Path | None = None
) -> Scenario:
    """Validate scenario YAML text. Relative ``file:``/``base:`` paths resolve against *folder*."""
    doc, lines = parse_yaml(text, source)
    ck = Checker(source, lines)
    if doc is None:
        ck.fail((), "the scenario is empty; it needs at least 'name' and 'operations'")
    doc = ck.mapping(
        doc,
        (),
        {"name", "description", "base", "phase", "scheme", "operations"},
        required=("name",),
    )
    name = ck.text(doc, "name", ())
    phase_raw = doc.get("phase", "current")
    try:
        phase = settings.phase_key(phase_raw)
    except Exception:
        ck.fail(("phase",), f"unknown phase {phase_raw!r}; use current, 2025 or 2035")
    base = doc.get("base")
    if base is not None and not isinstance(base, str):
        ck.fail(("base",), "must be 'sample' or the path of a layer catalog YAML")
    base = None if base in (None, "", "sample") else base
    if base is not None and folder is not None and not Path(base).is_absolute():
        base = str((Path(folder) / base).resolve())
    scheme = ck.text(doc, "scheme", (), default="dalian_default")
    ops_doc = doc.get("operations") or []
    ck.sequence(ops_doc, ("operations",))
    folder_p = Path(folder) if folder is not None else None
    ops = []
    for i, od in enumerate(ops_doc):
        path = ("operations", i)
        if not isinstance(od, dict):
            ck.fail(
                path, f"each operation must be a mapping with an 'op' key, got {type(od).__name__}"
            )
        kind = od.get("op")
        if kind not in OPERATIONS:
            ck.fail(
                (*path, "op"), f"unknown operation {kind!r}; use one of: {', '.join(OPERATIONS)}"
            )
        allowed, parse = OPERATIONS[kind]
        ck.mapping(od, path, {"op", "name", "note", *allowed})
        params = parse(ck, od, path, folder_p, phase)
        params["name"] = None if od.get("name") is None else str(od["name"])
        ops.append(Operation(kind, i, params, ck))
    return Scenario(
        name=name,
        description=str(doc.get("description") or ""),
        phase=phase,
        base=base,
        scheme=scheme,
        operations=tuple(ops),
        source=source,
        text=text,
        folder=folder_p,
    )


# ==========================================================================================
# Field parsers
# ==========================================================================================


def _code(ck: Checker, v: object, path: tuple) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        ck.fail(
            path,
            f'write land-use codes as quoted text ("{v:02d}…"), got the number {v}; '
            "YAML drops leading zeros",
        )
    if not isinstance(v, str) or not v.strip().isdigit() or len(v.strip()) % 2:
        ck.fail(path, f'must be a 用地用海 code such as "100101" or "0802", got {v!r}')
    code = v.strip()
    if landuse.lookup(code) is None:
        ck.fail(path, f"unknown 用地用海 code {code!r}")
    return code


def _land_use(ck: Checker, od: dict, path: tuple, *, required: bool = True) -> dict[str, float]:
    """``land_use: "100101"`` or ``mix: {code: share}`` → {code: share} (shares sum to 1)."""
    if "land_use" in od and "mix" in od:
        ck.fail((*path, "mix"), "give either 'land_use' or 'mix', not both")
    if "mix" in od:
        mix = ck.mapping(od["mix"], (*path, "mix"))
        if not mix:
            ck.fail((*path, "mix"), "needs at least one land-use code")
        out = {}
        for k, v in mix.items():
            code = _code(ck, k, (*path, "mix", k))
            out[code] = ck.value_number(v, (*path, "mix", k), lo=0.0, hi=1.0)
        total = sum(out.values())
        if abs(total - 1.0) > 0.01:
            ck.fail((*path, "mix"), f"shares must add up to 1, got {total:g}")
        return {k: v / total for k, v in out.items() if v > 0}
    if "land_use" in od:
        return {_code(ck, od["land_use"], (*path, "land_use")): 1.0}
    if required:
        ck.fail((*path, "land_use"), "is required (or give a 'mix')")
    return {}


def _per_use(
    ck: Checker,
    od: dict,
    key: str,
    path: tuple,
    uses: dict,
    *,
    lo: float,
    hi: float,
    default: float | None,
) -> dict[str, float | None]:
    """A number for every use, given once (``far: 1.5``) or per code (``far: {"0802": 2}``)."""
    v = od.get(key)
    if v is None:
        return dict.fromkeys(uses, default)
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            code = _code(ck, k, (*path, key, k))
            if code not in uses:
                ck.fail((*path, key, k), f"code {code} is not in this operation's land use / mix")
            out[code] = ck.value_number(x, (*path, key, k), lo=lo, hi=hi)
        return {c: out.get(c, default) for c in uses}
    x = ck.value_number(v, (*path, key), lo=lo, hi=hi)
    return dict.fromkeys(uses, x)


def _phase(ck: Checker, od: dict, path: tuple, default: str) -> str:
    if od.get("phase") is None:
        return default
    try:
        return settings.phase_key(od["phase"])
    except Exception:
        ck.fail((*path, "phase"), f"unknown phase {od['phase']!r}; use current, 2025 or 2035")


def _industry(
    ck: Checker, od: dict, key: str, path: tuple, *, required: bool = False
) -> str | None:
    if od.get(key) is None:
        if required:
            ck.fail((*path, key), f"is required; one of {', '.join(INDUSTRIES)}")
        return None
    return ck.text(od, key, path, choices=INDUSTRIES)


def _geometry(ck: Checker, v: object, path: tuple, folder: Path | None) -> GeometrySpec:
    """Inline GeoJSON, ``{file: …}``, or ``{layer: …, id: …}``."""
    if isinstance(v, str):
        v = {"file": v}
    if not isinstance(v, dict):
        ck.fail(path, "must be GeoJSON, {file: PATH} or {layer: NAME, id: ID}")
    if "layer" in v:
        ck.mapping(v, path, {"layer", "id", "name"})
        layer = ck.text(v, "layer", path, choices=LAYER_REFS)
        ids = ck.strings(v, "id", path)
        names = ck.strings(v, "name", path)
        if not ids and not names:
            ck.fail((*path, "id"), "name the feature(s) by 'id' or 'name'")
        return GeometrySpec("layer", layer=layer, ids=ids, names=names)
    if "file" in v:
        ck.mapping(v, path, {"file", "crs", "coord_system"})
        rel = ck.text(v, "file", path)
        p = Path(rel)
        if not p.is_absolute():
            if folder is None:
                ck.fail(
                    (*path, "file"),
                    "a relative file path needs the scenario to be read from a file",
                )
            p = (folder / p).resolve()
        if not p.exists():
            ck.fail((*path, "file"), f"file not found: {p}")
        return GeometrySpec(
            "file", path=p, crs=v.get("crs") or "", coord_system=_coord(ck, v, path)
        )
    extra = {"crs", "coord_system"}
    gj = {k: x for k, x in v.items() if k not in extra}
    try:
        if gj.get("type") == "FeatureCollection":
            geoms = [shapely.geometry.shape(f["geometry"]) for f in gj.get("features") or []]
        elif gj.get("type") == "Feature":
            geoms = [shapely.geometry.shape(gj["geometry"])]
        else:
            geoms = [shapely.geometry.shape(gj)]
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        ck.fail(path, f"not valid GeoJSON ({type(exc).__name__}: {exc})")
    if not geoms:
        ck.fail(path, "the FeatureCollection has no features")
    for g in geoms:
        if g.geom_type not in ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point"):
            ck.fail(path, f"unsupported geometry type {g.geom_type}")
        coords = shapely.get_coordinates(g)
        crs = str(v.get("crs") or "EPSG:4326")
        if crs.upper() in ("EPSG:4326", "EPSG:4490") and (
            (abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any()
        ):
            ck.fail(
                path, "coordinates are not longitude/latitude; give 'crs' for projected coordinates"
            )
    return GeometrySpec(
        "inline",
        geoms=tuple(geoms),
        crs=str(v.get("crs") or "EPSG:4326"),
        coord_system=_coord(ck, v, path),
    )


def _coord(ck: Checker, v: dict, path: tuple) -> str:
    cs = str(v.get("coord_system") or "wgs84").lower().replace("-", "")
    if cs not in ("wgs84", "gcj02", "bd09"):
        ck.fail(
            (*path, "coord_system"), f"unknown coordinate system {cs!r}; use wgs84, gcj02 or bd09"
        )
    return cs


def _where(ck: Checker, v: object, path: tuple, folder: Path | None, *, firms: bool) -> dict:
    """A selection of parcels (or firms): every given condition must hold."""
    allowed = {
        "parcels",
        "plate",
        "land_use",
        "status",
        "structure",
        "within",
        "far_below",
        "industry",
        "class",
    }
    if firms:
        allowed |= {"scale"}
    w = ck.mapping(v, path, allowed)
    if not w:
        ck.fail(path, "give at least one condition (parcels, plate, land_use, status, class, …)")
    out: dict[str, Any] = {}
    if "parcels" in w:
        out["parcels"] = ck.strings(w, "parcels", path)
        if not out["parcels"]:
            ck.fail((*path, "parcels"), "the list of parcel ids is empty")
    for key in ("plate", "structure", "industry"):
        if key in w:
            out[key] = ck.strings(w, key, path, choices=INDUSTRIES if key == "industry" else None)
    if "land_use" in w:
        codes = w["land_use"] if isinstance(w["land_use"], list) else [w["land_use"]]
        out["land_use"] = tuple(_code(ck, c, (*path, "land_use")) for c in codes)
    if "status" in w:
        from geoplan.data.catalog import PARCEL_STATUS

        out["status"] = ck.strings(w, "status", path, choices=PARCEL_STATUS)
    if "class" in w:
        out["class"] = ck.strings(w, "class", path, choices=CLASSES)
    if "scale" in w:
        out["scale"] = ck.strings(w, "scale", path, choices=("规上", "规下"))
    if "far_below" in w:
        out["far_below"] = ck.number(w, "far_below", path, lo=0)
    if "within" in w:
        out["within"] = _geometry(ck, w["within"], (*path, "within"), folder)
    return out


def _profile(ck: Checker, v: object, path: tuple, default_industry: str | None) -> dict:
    """``{industry, level}`` (from the base evaluation) or explicit 亩均 figures."""
    if v is None:
        v = {}
    p = ck.mapping(v, path, {"industry", "level", "far", *PROFILE_FIELDS})
    explicit = {k: ck.number(p, k, path, lo=0) for k in PROFILE_FIELDS if k in p}
    if explicit and len(explicit) < len(PROFILE_FIELDS):
        missing = [k for k in PROFILE_FIELDS if k not in explicit]
        ck.fail(
            (*path, missing[0]), f"an explicit profile needs all of {', '.join(PROFILE_FIELDS)}"
        )
    industry = _industry(ck, p, "industry", path) or default_industry
    if not explicit and industry is None:
        ck.fail((*path, "industry"), "is required for a profile taken from the evaluation")
    return {
        "industry": industry,
        "level": ck.text(p, "level", path, default="median_A", choices=PROFILE_LEVELS),
        "explicit": explicit or None,
        "far": ck.number(p, "far", path, lo=0.05, hi=30) if "far" in p else None,
    }


def _capacity(ck: Checker, v: object, path: tuple, unit: str) -> dict[str, float]:
    """``{2025: 80, 2035: 120}`` (later phases inherit) or one number for every phase."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        x = ck.value_number(v, path, lo=0)
        return dict.fromkeys(settings.PHASES, x)
    caps = ck.mapping(v, path)
    out: dict[str, float] = {}
    for k, x in caps.items():
        try:
            ph = settings.phase_key(k)
        except Exception:
            ck.fail((*path, k), f"unknown phase {k!r}; use current, 2025 or 2035")
        out[ph] = ck.value_number(x, (*path, k), lo=0)
    if not out:
        ck.fail(path, f"give the capacity ({unit}) for at least one phase")
    return out


# --- one parser per operation -----------------------------------------------------------------


def _p_add_land(ck, od, path, folder, phase):
    if "geometry" not in od:
        ck.fail((*path, "geometry"), "is required (inline GeoJSON, {file: …} or {layer: …, id: …})")
    uses = _land_use(ck, od, path)
    industry = _industry(ck, od, "industry", path)
    return {
        "geometry": _geometry(ck, od["geometry"], (*path, "geometry"), folder),
        "uses": uses,
        "far": _per_use(ck, od, "far", path, uses, lo=0, hi=30, default=None),
        "coverage": _per_use(ck, od, "coverage", path, uses, lo=0, hi=1, default=None),
        "industry": industry,
        "profile": _profile(ck, od.get("profile"), (*path, "profile"), industry)
        if (industry or "profile" in od)
        else None,
        "phase": _phase(ck, od, path, phase),
        "plate": ck.text(od, "plate", path, default="") or None,
        "avoid_constraints": ck.boolean(od, "avoid_constraints", path, default=False),
        "id_prefix": ck.text(od, "id_prefix", path, default="") or None,
    }


def _p_change_use(ck, od, path, folder, phase):
    sel = _selection(ck, od, path, folder)
    uses = _land_use(ck, od, path, required=False)
    if len(uses) > 1:
        ck.fail((*path, "mix"), "change_use takes one land use per operation")
    if not uses and not any(k in od for k in ("far", "coverage", "status", "industry")):
        ck.fail(path, "says nothing to change: give land_use, far, coverage, status or industry")
    from geoplan.data.catalog import PARCEL_STATUS

    industry = _industry(ck, od, "industry", path)
    return {
        "where": sel,
        "land_use": next(iter(uses), None),
        "far": ck.number(od, "far", path, lo=0, hi=30) if "far" in od else None,
        "coverage": ck.number(od, "coverage", path, lo=0, hi=1) if "coverage" in od else None,
        "status": ck.text(od, "status", path, choices=PARCEL_STATUS) if "status" in od else None,
        "industry": industry,
        "profile": _profile(ck, od.get("profile"), (*path, "profile"), industry)
        if industry
        else None,
        "firms": ck.text(
            od,
            "firms",
            path,
            default="replace" if industry else "keep",
            choices=("keep", "remove", "replace"),
        ),
    }


def _p_replace_firms(ck, od, path, folder, phase):
    if "where" not in od:
        ck.fail(
            (*path, "where"),
            "is required: which firms to replace (e.g. {class: D, plate: 黄泥川-龙王塘})",
        )
    keep = ck.boolean(od, "keep_industry", path, default=False)
    prof = _profile(ck, od.get("profile"), (*path, "profile"), KEEP if keep else None)
    if keep and prof["explicit"]:
        ck.fail(
            (*path, "keep_industry"),
            "an explicit profile applies to one industry; drop keep_industry",
        )
    return {
        "where": _where(ck, od["where"], (*path, "where"), folder, firms=True),
        "profile": prof,
        "keep_industry": keep,
    }


def _p_raise_far(ck, od, path, folder, phase):
    sel = _selection(ck, od, path, folder)
    if ("far" in od) == ("factor" in od):
        ck.fail((*path, "far"), "give either a target 'far' or a 'factor'")
    return {
        "where": sel,
        "far": ck.number(od, "far", path, lo=0.05, hi=30) if "far" in od else None,
        "factor": ck.number(od, "factor", path, lo=1.0, hi=10) if "factor" in od else None,
        "profile": _profile(ck, od.get("profile"), (*path, "profile"), None)
        if "profile" in od
        else None,
    }


def _p_add_facility(ck, od, path, folder, phase):
    kind = ck.text(od, "kind", path, choices=KINDS)
    if "location" not in od:
        ck.fail((*path, "location"), "is required: [longitude, latitude] or GeoJSON point")
    loc = od["location"]
    if isinstance(loc, list):
        if len(loc) != 2 or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in loc
        ):
            ck.fail((*path, "location"), f"must be [longitude, latitude], got {loc!r}")
        loc = {"type": "Point", "coordinates": loc}
    geom = _geometry(ck, loc, (*path, "location"), folder)
    unit = "MVA" if kind == "substation" else "m³/d"
    if "capacity" not in od:
        ck.fail((*path, "capacity"), f"is required ({unit}, per phase: {{2025: …, 2035: …}})")
    return {
        "kind": kind,
        "geometry": geom,
        "capacity": _capacity(ck, od["capacity"], (*path, "capacity"), unit),
        "voltage_kv": ck.number(od, "voltage_kv", path, default=66, lo=1)
        if kind == "substation"
        else None,
        "transformers": ck.integer(od, "transformers", path, default=2, lo=1, hi=12)
        if kind == "substation"
        else None,
        "facility_id": ck.text(od, "facility_id", path, default="") or None,
    }


def _p_expand_facility(ck, od, path, folder, phase):
    if "facility" not in od:
        ck.fail((*path, "facility"), "is required: the facility's id or name")
    if "capacity" not in od:
        ck.fail((*path, "capacity"), "is required (per phase: {2025: …, 2035: …})")
    return {
        "facility": ck.text(od, "facility", path),
        "capacity": _capacity(ck, od["capacity"], (*path, "capacity"), "capacity"),
        "transformers": ck.integer(od, "transformers", path, lo=1, hi=12)
        if "transformers" in od
        else None,
    }


def _p_add_road(ck, od, path, folder, phase):
    if "geometry" not in od:
        ck.fail((*path, "geometry"), "is required: a LineString (inline GeoJSON or file)")
    from geoplan.data.catalog import BUILD_STATUS

    return {
        "geometry": _geometry(ck, od["geometry"], (*path, "geometry"), folder),
        "road_class": ck.text(od, "road_class", path, default="secondary", choices=ROAD_CLASSES),
        "status": ck.text(od, "status", path, default="planned", choices=BUILD_STATUS),
        "width_m": ck.number(od, "width_m", path, default=30, lo=1, hi=200),
    }


def _p_allocate(ck, od, path, folder, phase):
    if "demand" not in od:
        ck.fail((*path, "demand"), "is required: 亩 per industry, e.g. {智能制造: 800}")
    dem = ck.mapping(od["demand"], (*path, "demand"))
    if not dem:
        ck.fail((*path, "demand"), "needs at least one industry")
    demand = {}
    for k, v in dem.items():
        if k not in INDUSTRIES:
            ck.fail(
                (*path, "demand", k), f"unknown industry {k!r}; use one of {', '.join(INDUSTRIES)}"
            )
        demand[k] = ck.value_number(v, (*path, "demand", k), lo=0)
    uses = _land_use(ck, od, path, required=False) or {"100101": 1.0}
    if len(uses) > 1:
        ck.fail((*path, "mix"), "allocate takes one land use (per operation)")
    code = next(iter(uses))
    return {
        "demand": demand,
        "land_use": code,
        "far": ck.number(od, "far", path, default=1.5, lo=0.1, hi=30),
        "coverage": ck.number(od, "coverage", path, default=0.45, lo=0, hi=1),
        "phase": _phase(ck, od, path, phase),
        "within": _geometry(ck, od["within"], (*path, "within"), folder)
        if "within" in od
        else None,
        "min_score": ck.number(od, "min_score", path, default=0.5, lo=0, hi=1),
        "profile_level": ck.text(
            od, "profile_level", path, default="median", choices=PROFILE_LEVELS
        ),
        "capacity_check": ck.boolean(od, "capacity_check", path, default=True),
        "include_reserve": ck.boolean(od, "include_reserve", path, default=True),
    }


def _selection(ck, od, path, folder) -> dict:
    if "parcels" in od and "where" in od:
        ck.fail((*path, "where"), "give either 'parcels' or 'where', not both")
    if "parcels" in od:
        ids = ck.strings(od, "parcels", path)
        if not ids:
            ck.fail((*path, "parcels"), "the list of parcel ids is empty")
        return {"parcels": ids}
    if "within" in od:
        return {"within": _geometry(ck, od["within"], (*path, "within"), folder)}
    if "where" in od:
        return _where(ck, od["where"], (*path, "where"), folder, firms=False)
    ck.fail(
        (*path, "parcels"),
        "which parcels? give 'parcels' (ids), 'within' (a polygon) or 'where' (conditions)",
    )


#: operation → (allowed keys besides op/name/note, parser)
OPERATIONS: dict[str, tuple[set[str], Any]] = {
    "add_land": (
        {
            "geometry",
            "land_use",
            "mix",
            "far",
            "coverage",
            "industry",
            "profile",
            "phase",
            "plate",
            "avoid_constraints",
            "id_prefix",
        },
        _p_add_land,
    ),
    "change_use": (
        {
            "parcels",
            "within",
            "where",
            "land_use",
            "far",
            "coverage",
            "status",
            "industry",
            "profile",
            "firms",
        },
        _p_change_use,
    ),
    "replace_firms": ({"where", "profile", "keep_industry"}, _p_replace_firms),
    "raise_far": ({"parcels", "within", "where", "far", "factor", "profile"}, _p_raise_far),
    "add_facility": (
        {"kind", "location", "capacity", "voltage_kv", "transformers", "facility_id"},
        _p_add_facility,
    ),
    "expand_facility": ({"facility", "capacity", "transformers"}, _p_expand_facility),
    "add_road": ({"geometry", "road_class", "status", "width_m"}, _p_add_road),
    "allocate": (
        {
            "demand",
            "land_use",
            "mix",
            "far",
            "coverage",
            "phase",
            "within",
            "min_score",
            "profile_level",
            "capacity_check",
            "include_reserve",
        },
        _p_allocate,
    ),
}


def dump_geojson(geom) -> dict:
    """A shapely geometry as a GeoJSON dict with coordinates rounded to ~0.1 m (for YAML)."""
    gj = shapely.geometry.mapping(geom)
    return json.loads(json.dumps(gj), parse_float=lambda x: round(float(x), 6))
