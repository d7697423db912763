"""Turn store payloads into tables + a JSON document and back, identically for every backend.

A payload (a layer, an evaluation, a scenario, a result) is split into

- *parts*: every DataFrame/GeoDataFrame found in it, each stored as one real table (a GeoPackage
  feature/attribute table, a PostGIS table), so the data stay readable in QGIS;
- a *document*: the rest, as JSON, in which each frame is replaced by ``{"$geoplan_frame": i}``.

Each part's description (columns, their original dtypes, the geometry column and its CRS as
WKT2) goes into the catalog row, so :func:`decode_frame` restores dtypes, column order, index and
CRS exactly (``assert_frame_equal`` holds for the supported dtypes: bool, int, float, nullable
Int/boolean/string, str/object, category (with its categories and order), datetimes with or without time zone,
JSON-able objects, extra geometry columns).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError

logger = logging.getLogger(__name__)

FRAME_KEY = "$geoplan_frame"
PK = "geoplan_fid"
_MAX_IDENT_BYTES = 63  # PostgreSQL's identifier limit; applied everywhere so both backends agree


class PayloadError(GeoplanError):
    """A payload cannot be stored (wrong type, not JSON-able, duplicate column names)."""


# ------------------------------------------------------------------------------------------
# payload <-> (frames, doc)
# ------------------------------------------------------------------------------------------


def split_payload(kind: str, payload: Any, *, label: str) -> tuple[list[pd.DataFrame], Any]:
    """Return ``(frames, doc)`` for *payload* of *kind*; raise PayloadError on a wrong type."""
    frames: list[pd.DataFrame] = []
    if kind == "layer":
        if not isinstance(payload, pd.DataFrame):
            msg = f"{label}: a layer must be a GeoDataFrame or DataFrame, not {type(payload).__name__}"
            raise PayloadError(msg)
        return [payload], {FRAME_KEY: 0}
    if kind == "scenario":
        if isinstance(payload, str):
            text, meta = payload, {}
        elif isinstance(payload, Mapping) and isinstance(payload.get("text"), str):
            text, meta = payload["text"], dict(payload.get("meta") or {})
            extra = set(payload) - {"text", "meta"}
            if extra:
                msg = f"{label}: a scenario is {{'text': YAML, 'meta': {{…}}}}; unexpected keys {sorted(extra)}"
                raise PayloadError(msg)
        else:
            msg = f"{label}: a scenario must be YAML text or {{'text': str, 'meta': dict}}"
            raise PayloadError(msg)
        _check_yaml(text, label)
        doc = {"text": text, "meta": _walk(meta, frames, label + ":meta")}
        if frames:
            msg = f"{label}: scenario metadata must be JSON, not tables"
            raise PayloadError(msg)
        return frames, doc
    # evaluation / result: a mapping of frames and JSON values, nested as deep as needed
    if not isinstance(payload, Mapping):
        msg = f"{label}: an {kind} must be a dict of frames and JSON values, not {type(payload).__name__}"
        raise PayloadError(msg)
    return frames, _walk(payload, frames, label)


def join_payload(kind: str, frames: list[pd.DataFrame], doc: Any) -> Any:
    if kind == "layer":
        return frames[0]
    if kind == "scenario":
        return {"text": doc["text"], "meta": doc.get("meta") or {}}
    return _unwalk(doc, frames)


def _check_yaml(text: str, label: str) -> None:
    """The one bounded YAML loader (aliases refused, depth and size limited) must accept it."""
    from geoplan.config.loader import load_yaml

    load_yaml(text, label)


def _walk(obj: Any, frames: list[pd.DataFrame], path: str) -> Any:
    if isinstance(obj, pd.DataFrame):
        frames.append(obj)
        return {FRAME_KEY: len(frames) - 1}
    if isinstance(obj, pd.Series):
        frames.append(obj.to_frame())
        return {FRAME_KEY: len(frames) - 1, "series": True}
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                msg = f"{path}: dictionary key {k!r} is not a string; JSON keeps only string keys"
                raise PayloadError(msg)
            if k == FRAME_KEY:
                msg = f"{path}: the key {FRAME_KEY!r} is reserved"
                raise PayloadError(msg)
            out[k] = _walk(v, frames, f"{path}.{k}")
        return out
    if isinstance(obj, list | tuple):
        return [_walk(v, frames, f"{path}[{i}]") for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    msg = f"{path}: a {type(obj).__name__} cannot be stored; use frames, dicts, lists, numbers and text"
    raise PayloadError(msg)


def _unwalk(obj: Any, frames: list[pd.DataFrame]) -> Any:
    if isinstance(obj, dict):
        if FRAME_KEY in obj:
            frame = frames[obj[FRAME_KEY]]
            return frame.iloc[:, 0] if obj.get("series") else frame
        return {k: _unwalk(v, frames) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unwalk(v, frames) for v in obj]
    return obj


def dumps(doc: Any) -> str:
    """JSON text; NaN/Infinity are kept (Python's json round-trips them)."""
    return json.dumps(doc, ensure_ascii=False, allow_nan=True, separators=(",", ":"))


# ------------------------------------------------------------------------------------------
# frame <-> column lists
# ------------------------------------------------------------------------------------------


def encode_frame(df: pd.DataFrame, *, label: str) -> tuple[dict, list[list[Any]]]:
    """Describe *df* and return its columns as lists of Python values (None for missing).

    The active geometry column is returned as shapely geometries (codec ``geometry``); backends
    encode it their own way and hand WKB back to :func:`decode_frame`. Returns ``(spec, columns)``.
    """
    import geopandas as gpd
    import shapely

    index_names: list[str] = []
    if not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1):
        names = [
            n if n is not None else f"__index_level_{i}__" for i, n in enumerate(df.index.names)
        ]
        df = df.copy()
        df.index.names = names
        index_names = [str(n) for n in names]
        df = df.reset_index()
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        msg = f"{label}: duplicate column names {dup}; rename them before saving"
        raise PayloadError(msg)
    geom_name = (
        df.geometry.name
        if isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df
        else None
    )
    columns_spec: list[dict] = []
    data: list[list[Any]] = []
    used: set[str] = {PK}
    geometry: dict | None = None
    for i, (name, col) in enumerate(zip(names, df.columns, strict=True)):
        s = df[col]
        table_col = name
        if (
            len(name.encode("utf-8")) > _MAX_IDENT_BYTES
            or name.lower() in used
            or not name
            or any(ord(ch) < 32 for ch in name)
        ):
            table_col = f"c{i}"
        used.add(table_col.lower())
        dtype = str(s.dtype)
        if name == geom_name or isinstance(s.dtype, gpd.array.GeometryDtype):
            arr = np.asarray(s.values, dtype=object)
            codec = "geometry" if name == geom_name else "wkb"
            # the active geometry stays as shapely objects: each backend encodes it its own way
            values = list(arr) if codec == "geometry" else list(shapely.to_wkb(arr))
            if codec == "geometry":
                crs = s.crs
                has_z = (
                    bool(shapely.has_z(arr[~shapely.is_missing(arr)]).any()) if len(arr) else False
                )
                geometry = {
                    "column": table_col,
                    "crs": crs.to_wkt() if crs is not None else None,
                    "epsg": _exact_epsg(crs),
                    "has_z": has_z,
                }
                geoms = arr
        else:
            codec, values = _encode_values(s)
        entry = {"name": name, "col": table_col, "dtype": dtype, "codec": codec}
        if isinstance(s.dtype, pd.CategoricalDtype):
            entry["categories"] = _walk(list(s.cat.categories), [], f"{label} column {name}")
            entry["ordered"] = bool(s.cat.ordered)
        if codec == "str":
            entry["codec"] = "text"
            entry["converted"] = "str"
            logger.warning(
                "%s: column %r holds values that are not JSON; stored as their text form",
                label,
                name,
            )
        columns_spec.append(entry)
        data.append(values)
    spec = {
        "rows": len(df),
        "columns": columns_spec,
        "index": index_names,
        "geometry": geometry,
        "kind": "geo" if geometry else "table",
        "attrs": _json_attrs(df.attrs),
    }
    if geometry is not None:
        spec["bounds"] = _bounds(geoms)
    return spec, data


def _exact_epsg(crs: Any) -> int | None:
    if crs is None:
        return None
    from pyproj import CRS

    code = crs.to_epsg(min_confidence=100)
    if code is None:
        return None
    try:
        return code if CRS.from_epsg(code) == crs else None
    except Exception:
        return None


def _bounds(geoms: np.ndarray) -> list[float] | None:
    import shapely

    ok = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    if not len(ok):
        return None
    b = shapely.total_bounds(ok)
    return [float(x) for x in b]


def _json_attrs(attrs: dict) -> dict:
    try:
        json.dumps(attrs, allow_nan=True)
    except (TypeError, ValueError):
        return {}
    return dict(attrs)


def _none_where(values: np.ndarray, missing: np.ndarray) -> list[Any]:
    out = values.astype(object)
    out[missing] = None
    return out.tolist()


def _encode_values(s: pd.Series) -> tuple[str, list[Any]]:
    missing = s.isna().to_numpy()
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        s = s.astype(object)
        dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        return "bool", _none_where(s.to_numpy(dtype=object), missing)
    if pd.api.types.is_integer_dtype(dt):
        return "int", _none_where(s.to_numpy(dtype=object), missing)
    if pd.api.types.is_float_dtype(dt):
        return "float", _none_where(s.to_numpy(dtype="float64"), missing)
    if pd.api.types.is_datetime64_any_dtype(dt):
        return "datetime", [None if m else v.isoformat() for v, m in zip(s, missing, strict=True)]
    values = s.to_numpy(dtype=object)
    present = values[~missing]
    if all(isinstance(v, str) for v in present):
        return "text", _none_where(values, missing)
    try:
        enc = [
            None if m else json.dumps(_walk(v, [], "value"), ensure_ascii=False, allow_nan=True)
            for v, m in zip(values, missing, strict=True)
        ]
    except PayloadError:
        enc = [None if m else str(v) for v, m in zip(values, missing, strict=True)]
        return "str", enc
    return "json", enc


def decode_frame(spec: dict, data: list[list[Any]]) -> pd.DataFrame:
    """Rebuild the frame described by *spec* from its columns (the inverse of encode_frame)."""
    import geopandas as gpd
    import shapely
    from pyproj import CRS

    cols: dict[str, Any] = {}
    geom_name = None
    crs = None
    for c, values in zip(spec["columns"], data, strict=True):
        codec, dtype, name = c["codec"], c["dtype"], c["name"]
        if codec in ("geometry", "wkb"):
            arr = np.array([None if v is None else bytes(v) for v in values], dtype=object)
            geoms = shapely.from_wkb(arr)
            if codec == "geometry":
                geom_name = name
                g = spec["geometry"]
                crs = CRS.from_wkt(g["crs"]) if g.get("crs") else None
                cols[name] = gpd.GeoSeries(geoms, crs=crs)
            else:
                cols[name] = gpd.GeoSeries(geoms)
            continue
        cols[name] = _decode_values(codec, dtype, values)
        if c.get("categories") is not None:
            with contextlib.suppress(TypeError, ValueError):
                cols[name] = cols[name].astype(
                    pd.CategoricalDtype(c["categories"], c.get("ordered", False))
                )
    df = pd.DataFrame(cols, columns=[c["name"] for c in spec["columns"]])
    if not spec["columns"]:
        df = pd.DataFrame(index=pd.RangeIndex(spec["rows"]))
    if geom_name is not None:
        df = gpd.GeoDataFrame(df, geometry=geom_name, crs=crs)
    if spec.get("index"):
        df = df.set_index(spec["index"])
        df.index.names = [None if n.startswith("__index_level_") else n for n in spec["index"]]
    if spec.get("attrs"):
        df.attrs.update(spec["attrs"])
    return df


def _decode_values(codec: str, dtype: str, values: list[Any]) -> pd.Series:
    if codec == "float":
        s = pd.Series(np.array([math.nan if v is None else v for v in values], dtype="float64"))
    elif codec == "bool":
        s = pd.Series([None if v is None else bool(v) for v in values], dtype=object)
    elif codec == "int":
        s = pd.Series(values, dtype=object)
    elif codec == "datetime":
        s = pd.Series(
            pd.to_datetime(
                pd.Series(values, dtype=object),
                utc=("UTC" in dtype or "," in dtype),
                format="ISO8601",
            )
        )
    elif codec == "json":
        s = pd.Series([None if v is None else json.loads(v) for v in values], dtype=object)
    else:
        s = pd.Series(values, dtype=object)
    try:
        if codec == "datetime" and "," in dtype:
            tz = dtype.split(",", 1)[1].rstrip("]").strip()
            return s.dt.tz_convert(tz).astype(dtype)
        if dtype == "object" or codec == "json":
            return s
        if s.isna().any() and dtype in (
            "bool",
            "int64",
            "int32",
            "int16",
            "int8",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
        ):
            return s  # cannot happen for frames we wrote; keep the values rather than fail
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s
