"""Grid layers on web maps: warp to lon/lat, encode as PNG, add as an image overlay."""

from __future__ import annotations

from typing import Any

import numpy as np

from geoplan.data import io_raster as rio


def warp_to_lonlat(
    arrays: list[np.ndarray], src_transform: object, src_crs: object
) -> tuple[list[np.ndarray], list[list[float]]]:
    """Warp same-shaped arrays (nearest neighbour) to EPSG:4326 and give ``[[S, W], [N, E]]``.

    Float arrays keep NaN as no data; integer arrays are filled with 0 outside the source.
    """
    from rasterio.crs import CRS as RCRS
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    dst_crs = RCRS.from_epsg(4326)
    h, w = arrays[0].shape
    t = src_transform
    left, top = t.c, t.f  # type: ignore[attr-defined]
    right, bottom = left + t.a * w, top + t.e * h  # type: ignore[attr-defined]
    dst_t, dw, dh = calculate_default_transform(src_crs, dst_crs, w, h, left, bottom, right, top)
    out = []
    for arr in arrays:
        is_float = arr.dtype.kind == "f"
        dst = np.full((dh, dw), np.nan if is_float else 0, dtype=arr.dtype)
        nod = {"src_nodata": np.nan, "dst_nodata": np.nan} if is_float else {}
        reproject(
            arr,
            dst,
            src_transform=src_transform,
            src_crs=src_crs,
            dst_transform=dst_t,
            dst_crs=dst_crs,
            resampling=Resampling.nearest,
            **nod,
        )
        out.append(dst)
    west, north = dst_t.c, dst_t.f
    east, south = west + dst_t.a * dw, north + dst_t.e * dh
    return out, [[float(south), float(west)], [float(north), float(east)]]


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA uint8 array."""
    return rio.encode_png(rgba)


def add_image_overlay(
    m: Any, png: bytes, bounds: list[list[float]], *, name: str, opacity: float = 0.75
) -> None:
    """Add PNG bytes as a Folium image overlay (embedded as a data URL, works offline)."""
    import folium

    from geoplan.present import maps

    folium.raster_layers.ImageOverlay(
        maps._data_url(png, "image/png"), bounds=bounds, opacity=opacity, name=name
    ).add_to(m)
