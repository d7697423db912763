"""A zone is a folder: ``zone.yaml`` beside the zone's layers, scenarios and tables.

``zone.yaml`` (:class:`ZoneFile`, validated through :mod:`geoplan.config.loader`) says what the
zone is — name, working CRS, evaluation units, plan phases, the 亩均 schemes that apply, the
zone's industry list — which layers make it up (type and path, relative to the folder and never
outside it), and how each layer was imported from the bureau's own files (sources, column
mappings, code decisions), so ``geoplan zone init DIR`` reproduces it. The bundled Dalian sample
(``layers/``) is one such folder.

:func:`load_zone` reads every layer of a zone into a :class:`ZoneData` in the zone's working CRS,
validated against the catalog; results are cached per file content stamp and callers get copies,
so nothing can modify the base. :func:`resolve_zone` turns ``--zone DIR`` / ``GEOPLAN_ZONE`` / a
zone name in the projects folder / nothing (the sample) into the zone's ``zone.yaml``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from geoplan import cache, settings
from geoplan.config.loader import read_yaml_doc, validate
from geoplan.data import crs as gcrs
from geoplan.data.catalog import LAYER_TYPES
from geoplan.data.layers import Layer, load_layer
from geoplan.errors import GeoplanError, SchemaError

logger = logging.getLogger(__name__)

ZONE_FILE = "zone.yaml"
DEFAULT_CATALOG = settings.SAMPLE_ZONE_DIR / ZONE_FILE


# --- zone.yaml ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerEntry(_Model):
    name: str = Field(min_length=1)
    type: str
    path: str = Field(min_length=1)

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in LAYER_TYPES:
            msg = f"unknown layer type {v!r}; use one of: {', '.join(LAYER_TYPES)}"
            raise ValueError(msg)
        return v


class CRSSpec(_Model):
    """The working CRS: a local transverse Mercator at ``lon0`` (chosen from the extent at import)."""

    lon0: float = Field(ge=-180, le=180, allow_inf_nan=False)
    name: str | None = None


class UnitsSpec(_Model):
    """Where a parcel's evaluation unit (板块 / 街道 / 组团) comes from: a layer of the zone."""

    layer: str
    label_zh: str = "评价单元"
    label_en: str = "evaluation unit"


class ImportSpec(_Model):
    """How one layer was made from a bureau's file (recorded by ``zone init``, replayed by it)."""

    layer: str
    type: str
    source: str
    sha256: str | None = None
    sheet: str | None = None
    member: str | None = None
    encoding: str | None = None
    crs: str | None = None
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    codes: Literal["ydyh2023", "gb50137", "sandiao"] | None = None
    code_map: dict[str, str] = Field(default_factory=dict)
    map: dict[str, str] = Field(default_factory=dict)
    link: Literal["parcel_id", "credit_code", "points"] | None = None
    repair: bool = False


class ZoneFile(_Model):
    """The content of ``zone.yaml``."""

    zone: str = Field(min_length=1, description="the zone's name (中文)")
    name_en: str | None = None
    sample: bool = False
    crs: CRSSpec | None = None
    units: UnitsSpec | None = None
    phases: tuple[str, ...] = ("current", "2025", "2035")
    schemes: tuple[str, ...] = ()
    default_scheme: str | None = None
    industries: tuple[str, ...] = ()
    layers: tuple[LayerEntry, ...] = Field(min_length=1)
    rasters: dict[str, str] = Field(default_factory=dict)
    tables: dict[str, str] = Field(default_factory=dict)
    imports: tuple[ImportSpec, ...] = ()

    @field_validator("layers")
    @classmethod
    def _unique_names(cls, v: tuple[LayerEntry, ...]) -> tuple[LayerEntry, ...]:
        names = [e.name for e in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            msg = f"layer name(s) listed twice: {', '.join(dup)}"
            raise ValueError(msg)
        return v


def inside(folder: Path, rel: str, *, what: str, source: str) -> Path:
    """*rel* resolved against *folder*; an error when it is absolute or leaves the folder."""
    p = Path(rel)
    if p.is_absolute():
        msg = f"{source}: {what} {rel!r} is an absolute path; zone files name paths inside the zone folder"
        raise SchemaError(msg)
    base = folder.resolve()
    full = (base / p).resolve()
    if not full.is_relative_to(base):
        msg = f"{source}: {what} {rel!r} points outside the zone folder {base}"
        raise SchemaError(msg)
    return full


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    type: str
    path: Path


@dataclass(frozen=True)
class ZoneProfile:
    """A zone folder's ``zone.yaml``, parsed, with its paths resolved inside the folder."""

    folder: Path
    file: ZoneFile
    entries: dict[str, CatalogEntry]
    rasters: dict[str, Path]
    tables: dict[str, Path]

    @property
    def name(self) -> str:
        return self.file.zone

    @property
    def path(self) -> Path:
        return self.folder / ZONE_FILE

    @property
    def scenarios_dir(self) -> Path:
        return self.folder / "scenarios"

    def working_crs(self, bounds_lonlat: tuple[float, float, float, float] | None = None) -> Any:
        """The zone's working CRS: from ``crs.lon0``, else chosen from the extent."""
        if self.file.crs is not None:
            return gcrs.local_tm(self.file.crs.lon0, name=self.file.crs.name)
        if bounds_lonlat is None:
            msg = f"{self.path}: no 'crs' and no extent to choose one from"
            raise SchemaError(msg)
        return gcrs.working_crs_for(bounds_lonlat)

    def table(self, name: str) -> Path | None:
        """A zone table (``tables.plan_targets`` …), or the conventional ``tables/NAME.csv``."""
        if name in self.tables:
            return self.tables[name]
        p = self.folder / "tables" / f"{name}.csv"
        return p if p.exists() else None


def read_profile(path: str | Path) -> ZoneProfile:
    """Read a zone's ``zone.yaml`` (the file, or its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / ZONE_FILE
    if not p.exists():
        msg = f"{p}: no zone here — a zone folder holds a {ZONE_FILE} (create one with `geoplan zone init`)"
        raise SchemaError(msg)
    doc = read_yaml_doc(p, "zone file")
    zf = validate(ZoneFile, doc)
    folder = p.parent.resolve()
    entries = {
        e.name: CatalogEntry(
            e.name, e.type, inside(folder, e.path, what=f"layer {e.name!r}", source=p.name)
        )
        for e in zf.layers
    }
    rasters = {
        k: inside(folder, v, what=f"raster {k!r}", source=p.name) for k, v in zf.rasters.items()
    }
    tables = {
        k: inside(folder, v, what=f"table {k!r}", source=p.name) for k, v in zf.tables.items()
    }
    for name, e in entries.items():
        if not e.path.exists():
            msg = f"{p.name}: layer {name!r}: file {e.path.name} not found in {folder}"
            raise SchemaError(msg)
    return ZoneProfile(folder, zf, entries, rasters, tables)


def resolve_zone(zone: str | Path | None = None) -> Path:
    """The ``zone.yaml`` of ``--zone`` (a folder, a zone.yaml, or a zone name in the projects
    folder), else of ``GEOPLAN_ZONE``, else of the bundled sample."""
    value = str(zone) if zone is not None else settings.zone_env()
    if not value:
        return DEFAULT_CATALOG
    p = Path(value).expanduser()
    if p.is_dir() or p.name == ZONE_FILE or p.suffix in (".yaml", ".yml"):
        target = p / ZONE_FILE if p.is_dir() else p
    else:
        target = settings.zones_dir() / value / ZONE_FILE
    if not target.exists():
        known = ", ".join(sorted(z.name for z in list_zones())) or "none yet"
        msg = (
            f"zone {value!r}: no {ZONE_FILE} found ({target}); give a zone folder, or one of the "
            f"zones in {settings.zones_dir()}: {known}"
        )
        raise GeoplanError(msg)
    return target.resolve()


def list_zones() -> list[Path]:
    """Zone folders in the projects folder (``<projects>/zones/*/zone.yaml``)."""
    root = settings.zones_dir()
    if not root.is_dir():
        return []
    return sorted(p.parent for p in root.glob(f"*/{ZONE_FILE}"))


# --- loading -------------------------------------------------------------------------------------


@dataclass
class ZoneData:
    """All layers of one zone in its working CRS. ``firms`` is a plain table."""

    name: str
    layers: dict[str, pd.DataFrame]
    entries: dict[str, CatalogEntry]
    rasters: dict[str, Path] = field(default_factory=dict)
    profile: ZoneProfile | None = None
    crs: Any = None

    def __getattr__(self, item: str) -> pd.DataFrame:
        layers = self.__dict__.get("layers", {})
        if item in layers:
            return layers[item]
        raise AttributeError(item)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.layers.get(name)

    @property
    def dem_path(self) -> Path | None:
        return self.rasters.get("dem")

    @property
    def folder(self) -> Path | None:
        return self.profile.folder if self.profile is not None else None

    def copy(self) -> ZoneData:
        return ZoneData(
            self.name,
            {k: v.copy() for k, v in self.layers.items()},
            dict(self.entries),
            dict(self.rasters),
            self.profile,
            self.crs,
        )

    def input_paths(self) -> list[Path]:
        return [e.path for e in self.entries.values()] + list(self.rasters.values())

    def bounds_lonlat(self) -> tuple[float, float, float, float] | None:
        """The zone's extent in lon/lat (from its ``zone`` layer, else every polygon layer)."""
        frames = [self.layers[n] for n, e in self.entries.items() if e.type == "zone"]
        frames = frames or [f for f in self.layers.values() if isinstance(f, gpd.GeoDataFrame)]
        if not frames:
            return None
        b = pd.concat([gcrs.to_wgs84(f).geometry for f in frames]).total_bounds
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def read_catalog(
    path: str | Path = DEFAULT_CATALOG,
) -> tuple[str, list[CatalogEntry], dict[str, Path]]:
    """``(name, layer entries, rasters)`` of a zone file (kept for callers of the old catalog)."""
    prof = read_profile(path)
    return prof.name, list(prof.entries.values()), prof.rasters


def zone_stamp(catalog: str | Path = DEFAULT_CATALOG) -> tuple:
    """(path, size, mtime) of every file of a zone: changes whenever one of them is edited."""
    p = Path(catalog).resolve()
    if p.is_dir():
        p = p / ZONE_FILE
    prof = read_profile(p)
    files = [p, *(e.path for e in prof.entries.values()), *prof.rasters.values()]
    out = []
    for f in files:
        st = f.stat() if f.exists() else None
        out.append((str(f), st.st_size if st else 0, st.st_mtime_ns if st else 0))
    return tuple(out)


def load_zone(catalog: str | Path | None = None, *, copy: bool = True) -> ZoneData:
    """Load every layer of a zone (validated, in the zone's working CRS).

    *catalog* is a zone folder or its ``zone.yaml`` (default: :func:`resolve_zone`). Returns a
    private copy; ``copy=False`` returns the shared cached layers, for callers that promise never
    to modify them (the scenario engine, which edits copies of what it changes).
    """
    p = resolve_zone(catalog) if catalog is None else Path(catalog).resolve()
    if p.is_dir():
        p = p / ZONE_FILE
    stamp = zone_stamp(p)
    # on disk too (a new process reads the validated layers instead of parsing them): keyed by the
    # files' paths and stamps and their content, plus the standards tables validation reads
    files = [Path(f) for f, _, mtime in stamp if mtime]
    files += sorted(f for f in settings.STANDARDS_DIR.glob("*") if f.is_file())
    z = cache.memo("zone", cache.key("zone", stamp, files), lambda: _load(p), entries=4, disk=True)
    return z.copy() if copy else z


def _load(path: Path) -> ZoneData:
    prof = read_profile(path)
    layers: dict[str, pd.DataFrame] = {}
    bounds: tuple[float, float, float, float] | None = None
    order = sorted(prof.entries.values(), key=lambda e: e.type != "zone")  # the boundary first
    target = prof.working_crs() if prof.file.crs is not None else None
    for e in order:
        if target is None and e.type == "zone":
            raw = load_layer(e.path, e.type, to_working=False)
            b = gcrs.to_wgs84(raw.data).geometry.total_bounds
            bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
            target = prof.working_crs(bounds)
        layer: Layer = load_layer(e.path, e.type, target_crs=target, zone_bounds=bounds)
        if e.type == "zone" and bounds is None and isinstance(layer.data, gpd.GeoDataFrame):
            b = gcrs.to_wgs84(layer.data).geometry.total_bounds
            bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        layers[e.name] = layer.data
    if target is None:
        msg = f"{path}: the zone has no 'crs' and no zone boundary layer to choose one from"
        raise SchemaError(msg)
    logger.info(
        "loaded zone %s: %s", prof.name, ", ".join(f"{k}={len(v)}" for k, v in layers.items())
    )
    return ZoneData(prof.name, layers, prof.entries, prof.rasters, prof, target)


def layer_summary(zone: ZoneData) -> list[dict]:
    """One row per layer: name, type, path, count, crs, area_m2 or length_m (for `geoplan layers`)."""
    rows = []
    for name, entry in zone.entries.items():
        df = zone.layers[name]
        row: dict = {
            "name": name,
            "type": entry.type,
            "path": str(_rel(entry.path)),
            "count": len(df),
        }
        if isinstance(df, gpd.GeoDataFrame):
            row["crs"] = df.crs.name if df.crs is not None else None
            kinds = set(df.geometry.geom_type.dropna())
            if kinds & {"Polygon", "MultiPolygon"}:
                row["area_m2"] = round(float(df.geometry.area.sum()), 1)
            if kinds & {"LineString", "MultiLineString"}:
                row["length_m"] = round(float(df.geometry.length.sum()), 1)
        else:
            row["crs"] = None
        rows.append(row)
    return rows


def _rel(path: Path) -> Path:
    try:
        return path.relative_to(settings.PROJECT_ROOT.resolve())
    except ValueError:
        return path
