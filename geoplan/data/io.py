"""File input and output: the only module that touches disk for vector data.

Reads GeoPackage, GeoJSON, zipped Shapefile (with GBK/GB18030 attributes, with or without a
``.cpg``), GeoParquet, and plain CSV/Parquet tables (firms). Every failure is a
:class:`~geoplan.errors.LoadError` naming the file. Writes are atomic: a temporary file in the
target folder, then :func:`os.replace`, so a crash never leaves a half-written output and never
touches an existing file until the new one is complete.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd

from geoplan.data import archive
from geoplan.errors import LoadError

logger = logging.getLogger(__name__)


def _read_error_types() -> tuple[type[BaseException], ...]:
    """What the readers raise for a file they cannot read (not for a bug of ours)."""
    import pyarrow
    import pyogrio.errors

    return (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        pyarrow.ArrowException,
        OSError,
        ValueError,
        zipfile.BadZipFile,
    )


VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".zip", ".shp", ".parquet", ".geoparquet")
TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")

#: Code-page names found in .cpg files, mapped to Python codecs. GB18030 is a superset of GBK
#: and GB2312, so all three decode with it.
_CPG_CODECS = {
    "gbk": "GB18030",
    "936": "GB18030",
    "cp936": "GB18030",
    "gb2312": "GB18030",
    "gb18030": "GB18030",
    "utf-8": "UTF-8",
    "utf8": "UTF-8",
    "65001": "UTF-8",
    "ansi 1252": "CP1252",
    "1252": "CP1252",
    "iso-8859-1": "ISO-8859-1",
    "88591": "ISO-8859-1",
}


def _excel_error_types() -> tuple[type[BaseException], ...]:
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException,)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".shp.zip"):
        return ".zip"
    return path.suffix.lower()


def read_vector(
    path: str | os.PathLike, *, layer: str | None = None, encoding: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame, keeping whatever CRS the file declares.

    Parameters
    ----------
    path
        ``.gpkg``, ``.geojson``/``.json``, ``.zip`` (one Shapefile inside), ``.shp``,
        ``.parquet`` (GeoParquet).
    layer
        Layer name inside a multi-layer GeoPackage.
    encoding
        Attribute encoding for Shapefiles; detected from ``.cpg`` or the bytes when omitted.
    """
    p = Path(path)
    if not p.exists():
        msg = f"{p}: file not found"
        raise LoadError(msg)
    if p.stat().st_size == 0:
        msg = f"{p.name}: the file is empty (0 bytes)"
        raise LoadError(msg)
    suffix = _suffix(p)
    try:
        if suffix in (".parquet", ".geoparquet"):
            return _read_geoparquet(p)
        if suffix == ".zip":
            with _extracted_vector(p, layer) as inner:
                if inner.suffix.lower() == ".shp":
                    return _read_shapefile(inner, encoding=encoding, label=p.name)
                return _read_ogr(inner, layer=None)
        if suffix == ".shp":
            return _read_shapefile(p, encoding=encoding, label=p.name)
        if suffix in (".gpkg", ".geojson", ".json"):
            return _read_ogr(p, layer=layer)
    except UnicodeDecodeError as exc:
        msg = (
            f"{p.name}: the attribute text is not in the encoding the file declares ({exc.encoding}); "
            "it is probably GBK — read it with --encoding gbk (or fix the .cpg)"
        )
        raise LoadError(msg) from exc
    except _read_error_types() as exc:
        msg = (
            f"{p.name}: cannot read the file ({type(exc).__name__}: "
            f"{exc}). Is it complete and in the format its name says?"
        )
        raise LoadError(msg) from exc
    msg = (
        f"{p.name}: unsupported file type '{suffix}'; use GeoPackage "
        "(.gpkg), GeoJSON, zipped Shapefile (.zip) or GeoParquet"
    )
    raise LoadError(msg)


def _read_ogr(p: Path, *, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    if p.suffix.lower() == ".gpkg" and layer is None:
        layers = pyogrio.list_layers(p)
        spatial = [name for name, geom in layers if geom is not None]
        if len(spatial) > 1:
            msg = f"{p.name}: the GeoPackage has several layers ({', '.join(spatial)}); name one with --layer"
            raise LoadError(msg)
        if spatial:
            layer = spatial[0]
        elif len(layers):
            layer = layers[0][0]
    return pyogrio.read_dataframe(p, layer=layer)


def _read_geoparquet(p: Path) -> gpd.GeoDataFrame:
    import pyarrow.parquet as pq

    meta = pq.read_schema(p).metadata or {}
    if b"geo" not in meta:
        msg = (
            f"{p.name}: a Parquet file without geometry metadata; for "
            "vector layers write GeoParquet (GeoDataFrame.to_parquet)"
        )
        raise LoadError(msg)
    return gpd.read_parquet(p)


_IN_ZIP = (".shp", ".gpkg", ".geojson", ".json")


@contextlib.contextmanager
def _extracted_vector(p: Path, layer: str | None) -> Iterator[Path]:
    """Unpack the one vector layer of a zip (a Shapefile's members, or a GeoPackage/GeoJSON) into
    a temporary folder — safely (:mod:`geoplan.data.archive`) — and yield its path.

    A zip holding several layers needs *layer* (the member's name, with or without suffix and
    folder); sub-folders and GBK member names are fine.
    """
    zf = archive.open_zip(p)
    with zf, tempfile.TemporaryDirectory(prefix="geoplan-zip-") as tmp:
        found = archive.members(zf, p.name)
        vectors = [m for m in found if m.suffix in _IN_ZIP]
        if not vectors:
            msg = f"{p.name}: the archive holds no .shp, .gpkg or .geojson file"
            raise LoadError(msg)
        if layer is not None:
            want = layer.replace("\\", "/").lower()
            vectors = [
                m
                for m in vectors
                if want
                in {
                    m.name.lower(),
                    m.stem.lower(),
                    PurePosixPath(m.stem).name.lower(),
                    PurePosixPath(m.name).name.lower(),
                }
            ]
            if not vectors:
                names = ", ".join(m.name for m in found if m.suffix in _IN_ZIP)
                msg = f"{p.name}: no layer {layer!r} in the archive; it holds {names}"
                raise LoadError(msg)
        if len(vectors) > 1:
            names = ", ".join(PurePosixPath(m.stem).name for m in vectors)
            msg = (
                f"{p.name}: the archive holds several layers ({names}); name one with --layer NAME"
            )
            raise LoadError(msg)
        chosen = vectors[0]
        if chosen.suffix == ".shp":
            parts = [m for m in found if m.stem == chosen.stem]
            for needed in (".shx", ".dbf"):
                if not any(m.suffix == needed for m in parts):
                    msg = (
                        f"{p.name}: the Shapefile {chosen.name} has no {needed} member; zip all of "
                        ".shp, .shx, .dbf, .prj (and .cpg)"
                    )
                    raise LoadError(msg)
        else:
            parts = [chosen]
        paths = archive.extract(zf, parts, Path(tmp), p.name)
        yield paths[chosen.name]


def detect_dbf_encoding(shp: Path) -> str:
    """Encoding for a Shapefile's attributes: its ``.cpg`` if present, else sniffed from the ``.dbf``.

    Chinese Shapefiles from ArcGIS/SuperMap are commonly GBK without a ``.cpg``; GDAL then
    assumes ISO-8859-1 and every Chinese name turns to mojibake. We check whether the text bytes
    decode as UTF-8; if not, they are taken as GB18030 (a superset of GBK/GB2312).
    """
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.exists():
            raw = cpg.read_text(encoding="ascii", errors="ignore").strip().lower()
            if raw in _CPG_CODECS:
                return _CPG_CODECS[raw]
    dbf = next((c for c in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if c.exists()), None)
    if dbf is None:
        return "UTF-8"
    data = dbf.read_bytes()
    if len(data) < 32:
        return "UTF-8"
    header_len = int.from_bytes(data[8:10], "little")
    body = data[header_len:]
    if all(b < 0x80 for b in body):
        return "UTF-8"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def _read_shapefile(shp: Path, *, encoding: str | None, label: str) -> gpd.GeoDataFrame:
    import pyogrio

    enc = encoding or detect_dbf_encoding(shp)
    logger.debug("%s: reading attributes as %s", label, enc)
    gdf = pyogrio.read_dataframe(shp, encoding=enc)
    gdf.attrs["encoding"] = enc
    return gdf


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read an attribute table (firms): CSV (UTF-8 or GB18030), Parquet, GeoPackage, Excel."""
    p = Path(path)
    if not p.exists():
        msg = f"{p}: file not found"
        raise LoadError(msg)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            try:
                return pd.read_csv(
                    p, encoding="utf-8-sig", dtype={"firm_id": str, "parcel_id": str}
                )
            except UnicodeDecodeError:
                return pd.read_csv(p, encoding="gb18030", dtype={"firm_id": str, "parcel_id": str})
        if suffix in (".parquet", ".geoparquet"):
            return pd.read_parquet(p)
        if suffix == ".xlsx":
            return pd.read_excel(p, dtype={"firm_id": str, "parcel_id": str})
        if suffix in (".gpkg", ".geojson", ".json", ".zip"):
            df = read_vector(p)
            return pd.DataFrame(df.drop(columns=df.geometry.name, errors="ignore"))
    except LoadError:
        raise
    except _read_error_types() + _excel_error_types() as exc:
        msg = f"{p.name}: cannot read the table ({type(exc).__name__}: {exc})"
        raise LoadError(msg) from exc
    msg = f"{p.name}: unsupported table type '{suffix}'; use CSV, Parquet, Excel or GeoPackage"
    raise LoadError(msg)


# ------------------------------------------------------------------------------------------
# Atomic writes
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to *target*; on success it replaces *target* atomically.

    On any exception the temporary file is removed and *target* is left as it was. The temporary
    name carries the writer's process id, so leftovers of a writer that was killed (``kill -9``:
    no ``finally`` runs) are recognised and removed by the next write to the same target.
    """
    target = Path(target)
    if target.is_dir():
        msg = f"{target}: is a folder; give a file name to write"
        raise LoadError(msg)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{target.parent}: cannot create the output folder ({exc.strerror or exc})"
        raise LoadError(msg) from exc
    _remove_stale_temps(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.",
            suffix=suffix or target.suffix,
            dir=target.parent,
        )
    except OSError as exc:
        msg = f"{target.parent}: cannot write here ({exc.strerror or exc}); choose another output path"
        raise LoadError(msg) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL) want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            msg = f"{target.name}: the writer produced no file"
            raise LoadError(msg)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        for leftover in (
            tmp,
            Path(str(tmp) + "-journal"),
            Path(str(tmp) + "-wal"),
            Path(str(tmp) + "-shm"),
        ):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temps(target: Path) -> None:
    """Delete ``.NAME.PID.*`` temporaries of *target* left by writers that no longer run."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for p in target.parent.iterdir():
            if not p.name.startswith(prefix):
                continue
            pid_text = p.name[len(prefix) :].split(".", 1)[0]
            if (
                pid_text.isdigit()
                and int(pid_text) != os.getpid()
                and not _pid_alive(int(pid_text))
            ):
                with contextlib.suppress(OSError):
                    p.unlink()
                logger.info("removed %s, left by a writer that was stopped", p.name)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> Path:
    """Write bytes to *target* atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text to *target* atomically."""
    return write_bytes_atomic(target, text.encode("utf-8"))


def write_gpkg_atomic(target: str | os.PathLike, layers: dict[str, pd.DataFrame]) -> Path:
    """Write several layers (GeoDataFrames or plain tables) into one GeoPackage, atomically."""
    import pyogrio

    with atomic_path(target, suffix=".gpkg") as tmp:
        for name, frame in layers.items():
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame:
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=name, driver="GPKG")
    return Path(target)


def write_geoparquet_atomic(target: str | os.PathLike, gdf: gpd.GeoDataFrame) -> Path:
    """Write a GeoDataFrame (or table) to (Geo)Parquet atomically."""
    with atomic_path(target, suffix=".parquet") as tmp:
        gdf.to_parquet(tmp, index=False)
    return Path(target)


def write_geojson_atomic(
    target: str | os.PathLike, gdf: gpd.GeoDataFrame, *, precision: int = 6
) -> Path:
    """Write a layer as RFC 7946 GeoJSON (EPSG:4326), one feature per line for readable diffs."""
    import json

    import shapely

    out = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    feats = []
    props = out.drop(columns=out.geometry.name)
    records = props.to_dict(orient="records")
    geoms = (
        shapely.set_precision(out.geometry.to_numpy(), 10**-precision)
        if precision
        else out.geometry.to_numpy()
    )
    for rec, geom in zip(records, geoms, strict=True):
        clean = {
            k: (
                None
                if (isinstance(v, float) and v != v)
                else (v.item() if hasattr(v, "item") else v)
            )
            for k, v in rec.items()
        }
        feats.append(
            json.dumps(
                {
                    "type": "Feature",
                    "properties": clean,
                    "geometry": shapely.geometry.mapping(geom) if geom is not None else None,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(feats) + "\n]}\n"
    return write_text_atomic(target, text)
