"""The zone's layer bundle: which files make up a zone, loaded once and validated.

A zone folder's ``zone.yaml`` names its layers (name, type, path relative to the folder) and
rasters; ``layers/zone.yaml`` is the bundled sample. :func:`load_zone` reads them all into a
:class:`ZoneData`; results are cached per (catalog path, file mtimes) and callers get copies, so
nothing can modify the base.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from geoplan import settings
from geoplan.data.layers import Layer, load_layer
from geoplan.errors import SchemaError

logger = logging.getLogger(__name__)

DEFAULT_CATALOG = settings.SAMPLE_ZONE_DIR / "zone.yaml"


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    type: str
    path: Path


@dataclass
class ZoneData:
    """All layers of one zone in the working CRS. ``firms`` is a plain table."""

    name: str
    layers: dict[str, pd.DataFrame]
    entries: dict[str, CatalogEntry]
    rasters: dict[str, Path] = field(default_factory=dict)

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

    def copy(self) -> ZoneData:
        return ZoneData(
            self.name,
            {k: v.copy() for k, v in self.layers.items()},
            dict(self.entries),
            dict(self.rasters),
        )

    def input_paths(self) -> list[Path]:
        return [e.path for e in self.entries.values()] + list(self.rasters.values())


def read_catalog(
    path: str | Path = DEFAULT_CATALOG,
) -> tuple[str, list[CatalogEntry], dict[str, Path]]:
    """Parse a catalog YAML; paths are resolved against the catalog's project root."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        msg = f"{p}: cannot read the layer catalog ({exc})"
        raise SchemaError(msg) from exc
    root = p.parent
    entries = []
    for i, item in enumerate(doc.get("layers") or []):
        for key in ("name", "type", "path"):
            if key not in item:
                msg = f"{p.name}: layers[{i}] lacks '{key}'"
                raise SchemaError(msg)
        entries.append(CatalogEntry(item["name"], item["type"], (root / item["path"]).resolve()))
    rasters = {k: (root / v).resolve() for k, v in (doc.get("rasters") or {}).items()}
    return doc.get("zone", p.stem), entries, rasters


def load_zone(catalog: str | Path = DEFAULT_CATALOG, *, copy: bool = True) -> ZoneData:
    """Load every layer of the catalog (validated, working CRS).

    Returns a private copy; ``copy=False`` returns the shared cached layers, for callers that
    promise never to modify them (the scenario engine, which edits copies of what it changes).
    """
    p = Path(catalog).resolve()
    z = _load_zone_cached(str(p), zone_stamp(p))
    return z.copy() if copy else z


def zone_stamp(catalog: str | Path = DEFAULT_CATALOG) -> tuple:
    """(path, mtime) of every file of a catalog: changes whenever one of them is edited."""
    p = Path(catalog).resolve()
    _, entries, rasters = read_catalog(p)
    files = [p, *(e.path for e in entries), *rasters.values()]
    return tuple((str(f), f.stat().st_mtime_ns if f.exists() else 0) for f in files)


@lru_cache(maxsize=4)
def _load_zone_cached(catalog: str, stamp: tuple) -> ZoneData:
    name, entries, rasters = read_catalog(catalog)
    layers: dict[str, pd.DataFrame] = {}
    for e in entries:
        layer: Layer = load_layer(e.path, e.type)
        layers[e.name] = layer.data
    logger.info("loaded zone %s: %s", name, ", ".join(f"{k}={len(v)}" for k, v in layers.items()))
    return ZoneData(name, layers, {e.name: e for e in entries}, rasters)


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
