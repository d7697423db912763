"""Evaluation units from geometry: the plate (板块) holding each parcel."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def inner_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each polygon as ``(x, y)``: the bounding-box centre where it falls inside
    the polygon (almost always, and far cheaper than a centroid), else a point on the surface.
    Empty or missing geometries give NaN."""
    b = shapely.bounds(geoms)
    x = (b[:, 0] + b[:, 2]) / 2.0
    y = (b[:, 1] + b[:, 3]) / 2.0
    ok = np.isfinite(x)
    inside = np.zeros(len(geoms), bool)
    inside[ok] = shapely.contains_xy(geoms[ok], x[ok], y[ok])
    redo = np.flatnonzero(ok & ~inside)
    if len(redo):
        xy = shapely.get_coordinates(shapely.point_on_surface(geoms[redo]))
        x[redo], y[redo] = xy[:, 0], xy[:, 1]
    return x, y


def assign_plates(
    parcels: gpd.GeoDataFrame, plates: gpd.GeoDataFrame, *, name_field: str = "name"
) -> np.ndarray:
    """Plate name for each parcel: the plate containing a point inside the parcel (:func:`inner_points`).

    Vectorised (prepared point-in-polygon per plate, or one STRtree query when there are many
    plates); the first plate in layer order wins. Parcels outside every plate get ``None``.
    """
    codes = plate_codes(parcels, plates)
    names = np.asarray([*plates[name_field].to_numpy(dtype=object), None], dtype=object)
    return names[np.where(codes < 0, len(names) - 1, codes)]


def plate_codes(parcels: gpd.GeoDataFrame, plates: gpd.GeoDataFrame) -> np.ndarray:
    """Row of the plate holding each parcel (−1 outside every plate); see :func:`assign_plates`."""
    from geoplan.data.crs import check_same_crs

    check_same_crs(parcels, plates)
    geoms = parcels.geometry.to_numpy()
    px, py = inner_points(geoms)
    pgeoms = plates.geometry.to_numpy()
    out = np.full(len(parcels), -1, dtype=np.int64)
    todo = np.flatnonzero(np.isfinite(px))
    if len(pgeoms) <= 64:  # few plates: prepared point-in-polygon per plate beats a tree query
        shapely.prepare(pgeoms)
        xs, ys = px[todo], py[todo]
        bounds = shapely.bounds(pgeoms)
        for k, poly in enumerate(pgeoms):
            if poly is None or not len(todo):
                continue
            x0, y0, x1, y1 = bounds[k]
            near = np.flatnonzero((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))
            hit = np.zeros(len(todo), bool)
            hit[near] = shapely.contains_xy(poly, xs[near], ys[near])
            out[todo[hit]] = k
            todo, xs, ys = todo[~hit], xs[~hit], ys[~hit]
    else:
        src, dst = shapely.STRtree(pgeoms).query(
            shapely.points(px[todo], py[todo]), predicate="within"
        )
        first = np.unique(src, return_index=True)
        out[todo[first[0]]] = dst[first[1]]
    return out
