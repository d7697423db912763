"""Write a loaded store item to a file, atomically (through :mod:`geoplan.data.io`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.errors import GeoplanError


def _frame_records(df: pd.DataFrame) -> Any:
    import geopandas as gpd

    if isinstance(df, gpd.GeoDataFrame):
        out = df.to_crs(4326) if df.crs is not None and df.crs.to_epsg() != 4326 else df
        return json.loads(out.to_json(drop_id=True))
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, pd.DataFrame):
        return _frame_records(obj)
    if isinstance(obj, pd.Series):
        return _frame_records(obj.to_frame())
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    return obj


def _flatten_frames(obj: Any, prefix: str, out: dict[str, pd.DataFrame]) -> Any:
    """Replace frames in a nested dict by their layer names; collect them in *out*."""
    if isinstance(obj, pd.DataFrame | pd.Series):
        name = (prefix or "table").strip("_")[:60] or "table"
        base, i = name, 2
        while name in out:
            name, i = f"{base}_{i}", i + 1
        out[name] = obj.to_frame() if isinstance(obj, pd.Series) else obj
        return {"$layer": name}
    if isinstance(obj, dict):
        return {
            k: _flatten_frames(v, f"{prefix}_{k}" if prefix else str(k), out)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_flatten_frames(v, f"{prefix}_{i}", out) for i, v in enumerate(obj)]
    return obj


def write_export(kind: str, name: str, payload: Any, out: Path) -> Path:
    from geoplan.data.io import (
        write_geojson_atomic,
        write_geoparquet_atomic,
        write_gpkg_atomic,
        write_text_atomic,
    )

    suffix = out.suffix.lower()
    label = f"{kind} '{name}'"
    if kind == "layer":
        import geopandas as gpd

        is_geo = isinstance(payload, gpd.GeoDataFrame)
        if suffix == ".gpkg":
            return write_gpkg_atomic(out, {_layer_name(name): payload})
        if suffix in (".geojson", ".json") and is_geo:
            frame = payload.copy()
            for col in frame.columns:
                if col != frame.geometry.name and pd.api.types.is_datetime64_any_dtype(
                    frame[col].dtype
                ):
                    frame[col] = (
                        frame[col]
                        .map(lambda t: None if pd.isna(t) else t.isoformat())
                        .astype(object)
                    )
            return write_geojson_atomic(out, frame)
        if suffix in (".parquet", ".geoparquet"):
            return write_geoparquet_atomic(out, payload)
        if suffix == ".csv" and not is_geo:
            return write_text_atomic(out, "\ufeff" + payload.to_csv(index=False))
        msg = f"{label}: cannot export to '{suffix}'; use .gpkg, .geojson, .parquet (or .csv for tables)"
        raise GeoplanError(msg)
    if kind == "scenario":
        if suffix not in (".yaml", ".yml", ".txt"):
            msg = f"{label}: export a scenario to .yaml"
            raise GeoplanError(msg)
        return write_text_atomic(out, payload["text"])
    if suffix == ".json":
        text = json.dumps(_jsonable(payload), ensure_ascii=False, indent=2, default=str)
        return write_text_atomic(out, text + "\n")
    if suffix == ".gpkg":
        frames: dict[str, pd.DataFrame] = {}
        doc = _flatten_frames(payload, "", frames)
        frames["geoplan_document"] = pd.DataFrame(
            {"json": [json.dumps(doc, ensure_ascii=False, default=str)]}
        )
        return write_gpkg_atomic(out, frames)
    msg = f"{label}: cannot export to '{suffix}'; use .gpkg or .json"
    raise GeoplanError(msg)


def _layer_name(name: str) -> str:
    return name.replace(" ", "_")[:60]
