"""``geoplan zone init``: a zone folder made from a bureau's own files, every step reported.

:func:`init_zone` imports the boundary first (it fixes the working CRS: a local transverse
Mercator at the zone's central meridian), then the evaluation units, parcels, the land register,
firms (linked to the parcels just imported), the 三调 layer, roads and facilities, each through
:func:`geoplan.data.importer.import_layer`. If any file has an error, nothing is written and the
whole report is raised (:class:`ImportFailed`, exit 2 on the CLI). Otherwise the folder is written
whole or not at all (built next to the target, then renamed): the canonical layers as GeoParquet
in the working CRS, the original files copied into ``sources/`` with their sha256, rows that could
not be used in ``excluded/`` with their reasons, and ``zone.yaml`` recording every mapping and
decision — so :func:`reimport_zone` (``geoplan zone init DIR`` with no files) reproduces the zone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml

from geoplan import settings
from geoplan.data import crs as gcrs
from geoplan.data import io
from geoplan.data.importer import (
    ImportedLayer,
    ImportOptions,
    LayerReport,
    ZoneContext,
    import_layer,
)
from geoplan.errors import GeoplanError
from geoplan.standards import industry
from geoplan.zone import ZONE_FILE, ImportSpec, ZoneData, read_profile

#: Import order (a layer may need the ones before it) and the file each becomes.
ORDER = (
    "zone",
    "units",
    "parcels",
    "land_register",
    "firms",
    "landuse_survey",
    "roads",
    "facilities",
)
OUTPUT = {
    "zone": "zone.parquet", "units": "units.parquet", "parcels": "parcels.parquet",
    "land_register": "land_register.parquet", "firms": "firms.parquet",
    "landuse_survey": "landuse_survey.parquet", "roads": "roads.parquet", "facilities": "facilities.parquet",
}  # fmt: skip


class ImportFailed(GeoplanError):
    """Some file could not be imported; ``report`` holds every layer's report."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class Source:
    """One input file and the user's options for it."""

    type: str
    path: Path
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class InitResult:
    folder: Path
    report: dict[str, Any]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _options(src: Source) -> ImportOptions:
    o = src.options
    return ImportOptions(
        type=src.type, path=src.path, sheet=o.get("sheet"), member=o.get("member"),
        encoding=o.get("encoding"), crs=o.get("crs"), coord_system=o.get("coord_system", "wgs84"),
        codes=o.get("codes"), code_map=dict(o.get("code_map") or {}), user_map=dict(o.get("user_map") or {}),
        repair=bool(o.get("repair")),
    )  # fmt: skip


def _bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    b = gcrs.to_wgs84(gdf).geometry.total_bounds
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def run_imports(
    sources: list[Source],
    *,
    name: str | None,
    industry_map: list[tuple[str, str]] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[dict[str, ImportedLayer], ZoneContext]:
    """Import every source in :data:`ORDER`; the boundary decides the working CRS."""
    by_type = {s.type: s for s in sources}
    if "zone" not in by_type:
        msg = (
            "a zone needs its boundary: give --boundary FILE (a polygon layer of the zone's extent)"
        )
        raise GeoplanError(msg)
    boundary = by_type["zone"]
    first = _options(boundary)
    raw = gcrs.require_crs(
        io.read_vector(boundary.path, layer=first.member, encoding=first.encoding),
        first.crs,
        source=boundary.path.name,
    )
    if first.coord_system != "wgs84":
        raw = gcrs.convert_offset(raw, first.coord_system, "wgs84")
    bounds = _bounds(raw)
    ctx = ZoneContext(
        name=name or boundary.path.stem,
        crs=gcrs.working_crs_for(bounds),
        bounds=bounds,
        industry_map=industry_map,
    )
    done: dict[str, ImportedLayer] = {}
    todo = [t for t in ORDER if t in by_type]
    for i, t in enumerate(todo):
        if progress:
            progress(i / len(todo), t)
        imp = import_layer(_options(by_type[t]), ctx)
        done[t] = imp
        if imp.report.errors:
            continue
        if t == "zone":
            if name is None and "name" in imp.data.columns and imp.data["name"].notna().any():
                ctx.name = str(imp.data["name"].dropna().iloc[0])
        elif t == "units":
            ctx.units = imp.data
            ctx.units_label = "评价单元"
        elif t == "parcels":
            ctx.parcels = imp.data
        elif t == "land_register":
            ctx.land_register = imp.data
    if progress:
        progress(1.0, "done")
    return done, ctx


def _summary(done: dict[str, ImportedLayer], ctx: ZoneContext) -> dict[str, Any]:
    area = None
    if "zone" in done and not done["zone"].report.errors and len(done["zone"].data):
        area = round(float(done["zone"].data.geometry.area.sum()), 1)
    return {
        "zone": {"name": ctx.name, "crs": ctx.crs.name, "area_m2": area},
        "layers": [imp.report.to_dict() for imp in done.values()],
    }


def _failed(done: dict[str, ImportedLayer]) -> list[LayerReport]:
    return [imp.report for imp in done.values() if imp.report.errors]


def _excluded_unlinked(firms: ImportedLayer) -> ImportedLayer:
    """Firms not linked to a parcel go to ``excluded/`` (visibly), not into the firms layer."""
    data = firms.data
    if firms.report.unlinked and "parcel_id" in data.columns:
        rows = {f["firm_id"] for f in firms.report.unlinked_firms}
        mask = data["firm_id"].isin(rows)
        out = data[mask].assign(reason="未关联地块")
        return ImportedLayer(
            data[~mask],
            pd.concat([firms.excluded, out]) if len(firms.excluded) else out,
            firms.report,
        )
    return firms


def init_zone(
    dest: str | os.PathLike[str],
    sources: list[Source],
    *,
    name: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    overwrite: bool = False,
) -> InitResult:
    """Create (or, with *overwrite*, replace) the zone folder *dest* from *sources*."""
    target = Path(dest).expanduser()
    if target.exists() and not target.is_dir():
        msg = f"{target}: exists and is not a folder"
        raise GeoplanError(msg)
    if target.exists() and any(target.iterdir()):
        if not (target / ZONE_FILE).exists():
            msg = f"{target}: the folder is not empty and holds no {ZONE_FILE}; choose an empty or new folder"
            raise GeoplanError(msg)
        if not overwrite:
            msg = (
                f"{target}: a zone already exists here; add --replace to rebuild it from these files "
                "(its scenarios/ and tables/ are kept), or run `geoplan zone init DIR` alone to re-import "
                "its recorded sources"
            )
            raise GeoplanError(msg)
    for s in sources:
        if not s.path.exists():
            msg = f"{s.path}: file not found (given for {s.type})"
            raise GeoplanError(msg)
    table = None
    if (target / "tables" / "industry_map.csv").exists():
        table = industry.read_industry_map(target / "tables" / "industry_map.csv")
    done, ctx = run_imports(sources, name=name, industry_map=table, progress=progress)
    report = _summary(done, ctx)
    failed = _failed(done)
    if failed:
        first = failed[0].errors[0]
        msg = (
            f"{len(failed)} file(s) could not be imported; first: {first.format()}"
            " (the report lists every problem)"
        )
        raise ImportFailed(msg, report)
    if "firms" in done:
        done["firms"] = _excluded_unlinked(done["firms"])
    _write(target, sources, done, ctx)
    return InitResult(target, report)


def _spec(src: Source, rel: str, sha: str) -> ImportSpec:
    o = src.options
    return ImportSpec(
        layer=src.type, type=src.type, source=rel, sha256=sha, sheet=o.get("sheet"), member=o.get("member"),
        encoding=o.get("encoding"), crs=o.get("crs"), coord_system=o.get("coord_system", "wgs84"),
        codes=o.get("codes"), code_map=dict(o.get("code_map") or {}), repair=bool(o.get("repair")),
        map={k: (f"{c}[{u}]" if u else c) for k, (c, u) in (o.get("user_map") or {}).items()},
    )  # fmt: skip


def _write(
    target: Path,
    sources: list[Source],
    done: dict[str, ImportedLayer],
    ctx: ZoneContext,
) -> None:
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        (tmp / "sources").mkdir()
        specs = []
        for s in sources:
            rel = f"sources/{s.type}{s.path.suffix.lower()}"
            shutil.copyfile(s.path, tmp / rel)
            specs.append(_spec(s, rel, _sha256(tmp / rel)).model_dump(exclude_defaults=True))
        layers = []
        for t, imp in done.items():
            path = tmp / OUTPUT[t]
            if isinstance(imp.data, gpd.GeoDataFrame):
                imp.data.to_parquet(path)
            else:
                pd.DataFrame(imp.data).to_parquet(path)
            layers.append({"name": "zone" if t == "zone" else t, "type": t, "path": OUTPUT[t]})
            if len(imp.excluded):
                (tmp / "excluded").mkdir(exist_ok=True)
                ex = pd.DataFrame(imp.excluded.drop(columns="geometry", errors="ignore"))
                ex.to_csv(tmp / "excluded" / f"{t}.csv", index=False, encoding="utf-8-sig")
        for keep in ("scenarios", "tables"):  # the user's own work in the zone survives a rebuild
            if (target / keep).is_dir():
                shutil.copytree(target / keep, tmp / keep)
        doc: dict[str, Any] = {"zone": ctx.name}
        if ctx.bounds is not None:
            doc["crs"] = {"lon0": gcrs.lon0_for(ctx.bounds)}
        if "units" in done:
            doc["units"] = {"layer": "units"}
        doc["layers"] = layers
        doc["imports"] = specs
        header = (
            f"# Zone folder made by `geoplan zone init` on {pd.Timestamp.now():%Y-%m-%d}.\n"
            "# Re-run `geoplan zone init THIS_FOLDER` to rebuild the layers from sources/ with the\n"
            "# mappings below. Paths are relative to this folder.\n"
        )
        (tmp / ZONE_FILE).write_text(
            header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        read_profile(tmp)  # the folder we made must be a valid zone
        backup = None
        if target.exists():
            backup = parent / f".{target.name}.old-{os.getpid()}"
            target.rename(backup)
        tmp.rename(target)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def reimport_zone(
    folder: str | os.PathLike[str], *, progress: Callable[[float, str], None] | None = None
) -> InitResult:
    """Rebuild a zone from the sources and mappings its ``zone.yaml`` recorded."""
    prof = read_profile(Path(folder))
    if not prof.file.imports:
        msg = f"{prof.path}: records no imports (it was not made by `geoplan zone init`); nothing to rebuild"
        raise GeoplanError(msg)
    sources = []
    staged = Path(tempfile.mkdtemp(prefix="geoplan-reimport-"))
    try:
        for spec in prof.file.imports:
            src = (prof.folder / spec.source).resolve()
            if not src.is_relative_to(prof.folder.resolve()) or not src.exists():
                msg = f"{prof.path}: import source {spec.source!r} is missing from the zone folder"
                raise GeoplanError(msg)
            if spec.sha256 and _sha256(src) != spec.sha256:
                msg = f"{prof.path}: {spec.source} changed since the import (sha256 differs); re-import it explicitly"
                raise GeoplanError(msg)
            copy = staged / Path(spec.source).name
            shutil.copyfile(src, copy)
            user_map = {}
            for k, v in spec.map.items():
                col, unit = v[:-1].split("[", 1) if v.endswith("]") and "[" in v else (v, None)
                user_map[k] = (col, unit)
            sources.append(Source(spec.type, copy, {
                "sheet": spec.sheet, "member": spec.member, "encoding": spec.encoding, "crs": spec.crs,
                "coord_system": spec.coord_system, "codes": spec.codes, "code_map": spec.code_map,
                "user_map": user_map, "repair": spec.repair,
            }))  # fmt: skip
        return init_zone(prof.folder, sources, name=prof.name, progress=progress, overwrite=True)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def context_for(zone: ZoneData) -> ZoneContext:
    """What an import into a loaded *zone* needs: its CRS, extent, evaluation units, parcels."""
    units, label = None, "评价单元"
    prof = zone.profile
    if prof is not None and prof.file.units is not None and prof.file.units.layer in zone.layers:
        units = zone.layers[prof.file.units.layer]
        label = prof.file.units.label_zh
    return ZoneContext(
        name=zone.name, crs=zone.crs, bounds=zone.bounds_lonlat(), units=units, units_label=label,
        parcels=zone.layers.get("parcels"),
    )  # fmt: skip


def default_zone_folder(name: str) -> Path:
    """Where the app puts a new zone: ``<projects>/zones/<name>``."""
    safe = (
        "".join(c for c in name if c not in '/\\:*?"<>|' and ord(c) >= 32).strip().strip(".")
        or "zone"
    )
    return settings.zones_dir() / safe  # no separator, no leading dot: always a child of zones/
