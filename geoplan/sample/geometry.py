"""Geometry helpers of the sample generator: authored inputs, sub-areas, plot subdivision."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geoplan import settings
from geoplan.data.crs import WORKING_CRS


def read_layers(layers_dir: str | Path = settings.LAYERS_DIR) -> dict[str, gpd.GeoDataFrame]:
    """Load and validate the authored layers the generator needs (working CRS)."""
    from geoplan.data.layers import load_layer

    d = Path(layers_dir)
    names = ("zone", "plates", "roads", "constraints", "facilities", "sewage_plants", "substations")
    return {n: load_layer(d / f"{n}.geojson", n).data for n in names}


def sub_area(plate: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Split 黄泥川-龙王塘 at its 121.43°E line (working-CRS x) into its two 组团."""
    from pyproj import Transformer

    x_cut = Transformer.from_crs(4326, WORKING_CRS, always_xy=True).transform(121.43, 38.84)[0]
    out = plate.astype(object).copy()
    hl = plate == "黄泥川-龙王塘"
    out[hl & (x >= x_cut)] = "黄泥川"
    out[hl & (x < x_cut)] = "龙王塘"
    return out


def split(
    poly: shapely.Polygon,
    target_m2: float,
    rng: np.random.Generator,
    out: list,
    depth: int = 0,
    max_m2: float = np.inf,
) -> None:
    """Recursively halve *poly* across its long axis until pieces are near *target_m2* (≤ *max_m2*)."""
    a = poly.area
    if (a <= min(target_m2 * 1.45, max_m2)) or depth > 16:
        out.append(poly)
        return
    mrr = shapely.minimum_rotated_rectangle(poly)
    c = np.asarray(mrr.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    long_v = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    length = np.hypot(*long_v)
    u = long_v / length
    n = np.array([-u[1], u[0]])
    centre = np.asarray(mrr.centroid.coords[0])
    # cut position: share of the area that holds a whole number of plots, with some jitter
    k = max(2, round(a / target_m2))
    frac = np.clip(round(k / 2) / k + rng.uniform(-0.08, 0.08), 0.2, 0.8)
    t = (frac - 0.5) * length
    p0 = centre + u * t
    big = 4 * length + 10
    half1 = shapely.Polygon(
        [p0 - n * big, p0 + n * big, p0 + n * big - u * big, p0 - n * big - u * big]
    )
    parts = [poly.intersection(half1), poly.difference(half1)]
    for part in parts:
        for q in getattr(part, "geoms", [part]):
            if q.geom_type == "Polygon" and q.area > 50:
                split(q, target_m2, rng, out, depth + 1, max_m2)


def merge_small(pieces: list, min_m2: float) -> list:
    """Merge pieces below *min_m2* into the neighbour they share the longest edge with."""
    pieces = list(pieces)
    while len(pieces) > 1:
        areas = [p.area for p in pieces]
        i = int(np.argmin(areas))
        if areas[i] >= min_m2:
            break
        small = pieces.pop(i)
        shared = [small.boundary.intersection(p.boundary).length for p in pieces]
        j = int(np.argmax(shared))
        if shared[j] <= 0:
            j = int(np.argmin([small.distance(p) for p in pieces]))
        merged = shapely.union_all([pieces[j], small])
        if merged.geom_type != "Polygon":
            merged = max(getattr(merged, "geoms", [merged]), key=lambda q: q.area)
        pieces[j] = merged
    return pieces


def remove_overlaps(g: np.ndarray, keep_free: shapely.Geometry) -> np.ndarray:
    """Clip numeric slivers: off the land kept free, and off the later plot of each overlapping pair."""
    g = g.copy()
    tree = shapely.STRtree(g)
    hit = np.unique(tree.query(keep_free, predicate="intersects"))
    if len(hit):
        g[hit] = [largest(d) for d in shapely.difference(g[hit], keep_free)]
    left, right = tree.query(g, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    inter = shapely.area(shapely.intersection(g[left], g[right]))
    for i, j in zip(left[inter > 0], right[inter > 0], strict=True):
        g[j] = largest(shapely.difference(g[j], g[i]))
    return g


def largest(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return geom
    return max(
        (q for q in getattr(geom, "geoms", []) if q.geom_type == "Polygon"), key=lambda q: q.area
    )
