"""Synthetic DEM of the sample: hills follow the steep-slope / forest-park constraints."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def build_dem(
    layers: dict[str, gpd.GeoDataFrame], rng: np.random.Generator, *, cell: float = 30.0
) -> tuple[np.ndarray, object]:
    """Synthetic terrain (int16 m, nodata −32768 over the sea and beyond the mapped land)."""
    from affine import Affine
    from rasterio import features
    from scipy import ndimage

    cons = layers["constraints"]
    zone = shapely.union_all(layers["zone"].geometry.to_numpy())
    land_parts = [
        zone,
        *list(
            cons.geometry[
                cons["kind"].isin(["forest_park", "ecological_core", "water_source", "reservoir"])
            ]
        ),
    ]
    land = shapely.union_all(land_parts)
    minx, miny, maxx, maxy = land.bounds
    minx, miny = np.floor(minx / cell) * cell - cell * 4, np.floor(miny / cell) * cell - cell * 4
    maxx, maxy = np.ceil(maxx / cell) * cell + cell * 4, np.ceil(maxy / cell) * cell + cell * 4
    w, h = round((maxx - minx) / cell), round((maxy - miny) / cell)
    tf = Affine(cell, 0.0, minx, 0.0, -cell, maxy)

    def rast(geoms) -> np.ndarray:
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros((h, w), bool)
        return features.rasterize(
            [(g, 1) for g in geoms], out_shape=(h, w), transform=tf, dtype="uint8"
        ).astype(bool)

    on_land = rast([land])
    setback = rast(cons.geometry[cons["kind"] == "coastal_setback"])
    # sea = the non-land regions that touch the coastal setback band
    lab, _ = ndimage.label(~on_land)
    touching = np.unique(lab[ndimage.binary_dilation(setback, iterations=3) & ~on_land])
    sea = np.isin(lab, touching[touching > 0])
    d_sea = ndimage.distance_transform_edt(~sea) * cell

    base = 4 + 70 * (1 - np.exp(-d_sea / 2500.0))
    field = ndimage.gaussian_filter(rng.standard_normal((h, w)), 25)
    field /= field.std() + 1e-12
    base += 12 * field

    hills = np.zeros((h, w), float)
    for kind, lo, hi in (("steep_slope", 90, 320), ("forest_park", 380, 560)):
        for geom in cons.geometry[cons["kind"] == kind]:
            m = rast([geom])
            if not m.any():
                continue
            inside = ndimage.distance_transform_edt(m) * cell
            peak = rng.uniform(lo, hi)
            scale = max(250.0, np.sqrt(geom.area) / 4)
            hills = np.maximum(hills, peak * (1 - np.exp(-inside / scale)))
    eco = rast(cons.geometry[cons["kind"] == "ecological_core"])
    hills = np.maximum(hills, np.where(eco, 60 + 40 * (field + 2), 0))
    ridges = ndimage.gaussian_filter(rng.standard_normal((h, w)), 6)
    ridges /= ridges.std() + 1e-12
    hills_s = ndimage.gaussian_filter(hills, 3)
    dem = base + hills_s * (1 + 0.18 * ridges)
    water = rast(cons.geometry[cons["kind"] == "reservoir"])
    dem[water] = 62.0
    dem = np.where(sea, 0, dem)
    dem = np.maximum(dem, 0)
    # fade to sea level at the shoreline
    near = d_sea < 300
    dem[near] = dem[near] * (d_sea[near] / 300.0)
    out = np.round(dem).astype(np.int16)
    out[~on_land] = -32768
    return out, tf
