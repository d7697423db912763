"""Land edits shared by the operations: geometry of an operation field, selections of parcels
and firms, splitting land into strips and plots, new parcels.

References into the zone (parcel ids, layer features) are resolved here and errors name the
scenario line and field (:meth:`~geoplan.scenario.operation.Operation.fail`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from geoplan.data import crs as gcrs
from geoplan.data.catalog import LAYER_TYPES
from geoplan.errors import GeoplanError
from geoplan.scenario.models import FirmWhere, ParcelWhere
from geoplan.scenario.operation import Operation
from geoplan.scenario.params import PHASE_ORDER, GeometrySpec
from geoplan.scenario.state import State
from geoplan.settings import M2_PER_MU

#: A polygon more than this far from the zone is taken for a coordinate mistake (swapped lon/lat,
#: wrong CRS) rather than an expansion area.
MAX_OUTSIDE_M = 5000.0


# ==========================================================================================
# Geometry resolution
# ==========================================================================================


def resolve_geometry(spec: GeometrySpec, state: State, op: Operation, key: str) -> gpd.GeoSeries:
    """The geometry of an operation field in the working CRS (validated)."""
    if spec.kind == "layer":
        assert spec.layer is not None
        layer = state.layers.get(spec.layer)
        if layer is None:
            op.fail(key, f"the zone has no '{spec.layer}' layer")
        id_field = LAYER_TYPES[spec.layer].id_field if spec.layer in LAYER_TYPES else None
        sel = np.zeros(len(layer), dtype=bool)
        missing = []
        for v in spec.ids:
            hit = (
                layer[id_field].astype(str).to_numpy() == v
                if id_field in layer
                else np.zeros(len(layer), bool)
            )
            missing += [v] if not hit.any() else []
            sel |= hit
        for v in spec.names:
            hit = (
                layer["name"].astype(str).to_numpy() == v
                if "name" in layer
                else np.zeros(len(layer), bool)
            )
            missing += [v] if not hit.any() else []
            sel |= hit
        if missing:
            known = ", ".join(layer[id_field].astype(str).head(20)) if id_field in layer else ""
            op.fail(
                key, f"no feature {', '.join(missing)} in layer '{spec.layer}' (ids: {known} …)"
            )
        geoms = layer.geometry[sel]
        return gpd.GeoSeries(geoms.to_numpy(), crs=layer.crs)
    if spec.kind == "file":
        from geoplan.data.io import read_vector

        assert spec.path is not None
        try:
            frame = read_vector(spec.path)
        except GeoplanError as exc:
            op.fail(key, str(exc))
        if frame.crs is None:
            if not spec.crs:
                op.fail(
                    key, f"{spec.path.name} has no CRS; add 'crs: EPSG:4326' (or the file's CRS)"
                )
            frame = frame.set_crs(spec.crs)
    else:
        frame = gpd.GeoDataFrame(geometry=list(spec.geoms), crs=spec.crs or "EPSG:4326")
    if spec.coord_system != "wgs84":
        frame = gcrs.convert_offset(frame, spec.coord_system, "wgs84")
    try:
        frame = gcrs.to_working(frame)
    except GeoplanError as exc:
        op.fail(key, str(exc))
    geoms = frame.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        op.fail(
            key,
            f"invalid geometry ({shapely.is_valid_reason(geoms[bad][0])}); "
            "fix the polygon (no self-intersections)",
        )
    return gpd.GeoSeries(geoms, crs=frame.crs)


def minus_parcels(geoms: np.ndarray, parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Each geometry minus the parcels it overlaps (only those: no zone-wide union)."""
    gi, pi = parcels.sindex.query(geoms, predicate="intersects")
    out = np.asarray(geoms, dtype=object).copy()
    if len(gi):
        pg = parcels.geometry.to_numpy()
        order = np.argsort(gi, kind="stable")
        gi, pi = gi[order], pi[order]
        starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]])
        ends = np.r_[starts[1:], len(gi)]
        cover = [shapely.union_all(pg[pi[a:b]]) for a, b in zip(starts, ends, strict=True)]
        idx = gi[starts]
        out[idx] = shapely.difference(out[idx], np.asarray(cover, dtype=object))
    return out


def check_near_zone(geoms: gpd.GeoSeries, state: State, op: Operation, key: str) -> None:
    """A geometry far from the zone is a coordinate mistake, not an expansion area."""
    zone = state.layers.get("zone")
    if zone is None or zone.empty:
        return
    z = shapely.union_all(zone.geometry.to_numpy())
    d = float(shapely.distance(shapely.union_all(geoms.to_numpy()), z))
    if d > MAX_OUTSIDE_M:
        op.fail(
            key,
            f"the geometry lies {d / 1000:.1f} km outside the zone (more than "
            f"{MAX_OUTSIDE_M / 1000:.0f} km): check the coordinates (longitude first, EPSG:4326) "
            "or give 'crs'",
        )


def polygons_of(geoms: gpd.GeoSeries, op: Operation, key: str) -> shapely.Geometry:
    polys = [
        g for g in geoms.to_numpy() if g is not None and g.geom_type in ("Polygon", "MultiPolygon")
    ]
    if not polys:
        op.fail(key, "needs a polygon (got " + ", ".join(sorted(set(geoms.geom_type))) + ")")
    return shapely.union_all(polys)


# ==========================================================================================
# Selections
# ==========================================================================================


def selected_parcels(params, state, op):
    """The parcels an operation's ``selection`` picks (a mask); selecting none is the user's error."""
    key = params.selection_key
    m = select_parcels(params.selection, state, op, key)
    if not m.any():
        op.fail(key, "selects no parcel")
    return m


def select_parcels(
    where: ParcelWhere, state: State, op: Operation, key: str = "where"
) -> np.ndarray:
    """Boolean mask over the state's parcels; errors name *key* (``where``, ``parcels`` …)."""
    p = state.parcels
    m = np.ones(len(p), dtype=bool)
    if where.parcels is not None:
        ids = p["parcel_id"].astype(str).to_numpy()
        missing = sorted(set(where.parcels) - set(ids))
        if missing:
            op.fail(
                f"{key}.parcels" if key == "where" else key,
                f"unknown parcel id(s): {', '.join(missing[:10])}"
                + (f" … ({len(missing)} in all)" if len(missing) > 10 else ""),
            )
        m &= np.isin(ids, list(where.parcels))
    if where.plate is not None:
        known = set(p["plate"].astype(str))
        bad = [x for x in where.plate if x not in known]
        if bad:
            op.fail(f"{key}.plate", f"unknown plate {bad[0]!r}; plates: {', '.join(sorted(known))}")
        m &= p["plate"].astype(str).isin(where.plate).to_numpy()
    if where.land_use is not None:
        codes = p["land_use"].astype(str)
        hit = np.zeros(len(p), dtype=bool)
        for c in where.land_use:
            hit |= codes.str.startswith(c).to_numpy()
        m &= hit
    if where.status is not None:
        m &= p["status"].isin(where.status).to_numpy()
    if where.far_below is not None:
        m &= pd.to_numeric(p["far"], errors="coerce").fillna(0).to_numpy() < where.far_below
    if where.structure is not None:
        m &= _in_structure(p, where.structure, state, op, key)
    if where.within is not None:
        g = polygons_of(
            resolve_geometry(where.within, state, op, f"{key}.within"), op, f"{key}.within"
        )
        m &= _inside(p, g)
    if where.class_ is not None or where.industry is not None:
        ev = state.base_eval.parcels.set_index("parcel_id")
        if where.class_ is not None:
            m &= p["parcel_id"].map(ev["class"]).isin(where.class_).to_numpy()
        if where.industry is not None:
            m &= p["parcel_id"].map(ev["industry"]).isin(where.industry).to_numpy()
    return m


def _in_structure(
    p: gpd.GeoDataFrame, elements: tuple[str, ...], state: State, op: Operation, key: str
) -> np.ndarray:
    st = state.layers.get("structure")
    if st is None:
        op.fail(f"{key}.structure", "the zone has no 'structure' layer")
    sel = st[st["element_id"].astype(str).isin(elements) | st["name"].astype(str).isin(elements)]
    if sel.empty:
        op.fail(f"{key}.structure", f"unknown structure element {elements[0]!r}")
    return _inside(p, shapely.union_all(gpd.GeoSeries(sel.geometry).to_numpy()))


def _inside(frame: gpd.GeoDataFrame, geom: shapely.Geometry) -> np.ndarray:
    """Parcels whose representative point lies inside *geom*."""
    shapely.prepare(geom)
    return shapely.contains(geom, frame.geometry.representative_point().to_numpy())


#: Conditions of a firm selection that are about the firm's parcel.
PARCEL_KEYS = ("parcels", "plate", "land_use", "status", "structure", "within", "far_below")


def select_firms(where: FirmWhere, state: State, op: Operation) -> np.ndarray:
    f = state.firms
    m = np.ones(len(f), dtype=bool)
    pw = {k: getattr(where, k) for k in PARCEL_KEYS if getattr(where, k) is not None}
    if pw:
        pm = select_parcels(ParcelWhere(**pw), state, op)
        ids = set(state.parcels["parcel_id"].astype(str).to_numpy()[pm])
        m &= f["parcel_id"].astype(str).isin(ids).to_numpy()
    if where.industry is not None:
        m &= f["industry"].isin(where.industry).to_numpy()
    if where.scale is not None:
        m &= f["scale"].isin(where.scale).to_numpy()
    if where.class_ is not None:
        cls = f["firm_id"].map(state.base_eval.firms.set_index("firm_id")["class"])
        m &= cls.isin(where.class_).to_numpy()
    return m


# ==========================================================================================
# Splitting land and new parcels
# ==========================================================================================


def rectangle_corners(geom: shapely.Geometry) -> np.ndarray:
    """The 4 corners of the minimum rotated rectangle around *geom*.

    GEOS sometimes returns a degenerate rectangle (two distinct corners) for a valid polygon;
    then the rectangle is found here by rotating calipers over the convex hull's edges.
    """
    rect = shapely.minimum_rotated_rectangle(geom)
    if rect.geom_type == "Polygon" and rect.area > 1e-9 * max(geom.area, 1e-12):
        c = np.asarray(rect.exterior.coords)[:4]
        if len({(round(x, 6), round(y, 6)) for x, y in c}) == 4:
            return c
    hull = np.asarray(shapely.convex_hull(geom).exterior.coords)
    edges = np.diff(hull, axis=0)
    angles = np.unique(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2))
    best = None
    for a in angles:
        ca, sa = np.cos(a), np.sin(a)
        rot = hull @ np.array([[ca, -sa], [sa, ca]])  # into the frame of the edge
        lo, hi = rot.min(axis=0), rot.max(axis=0)
        area = float(np.prod(hi - lo))
        if best is None or area < best[0]:
            box = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
            best = (area, box @ np.array([[ca, sa], [-sa, ca]]))  # back
    assert best is not None
    return best[1]


def split_by_shares(geom: shapely.Geometry, shares: list[float]) -> list[shapely.Geometry]:
    """Cut *geom* into strips across its long axis with areas proportional to *shares*.

    Cut positions are found by bisection on the clipped area (exact to 0.01 %), so each piece's
    area matches its share of the whole; the pieces tile the geometry without overlap.
    """
    total = sum(shares)
    if len(shares) == 1 or geom.is_empty:
        return [geom]
    c = rectangle_corners(geom)
    e1, e2 = c[1] - c[0], c[2] - c[1]
    axis = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    axis = axis / np.hypot(*axis)
    normal = np.array([-axis[1], axis[0]])
    proj = c @ axis
    lo, hi = float(proj.min()), float(proj.max())
    span = float(np.abs(c @ normal).max() + np.abs(proj).max()) * 4 + 1.0
    area = geom.area

    def part(t0: float, t1: float) -> shapely.Geometry:
        p0, p1 = axis * t0, axis * t1
        box = shapely.Polygon(
            [p0 - normal * span, p1 - normal * span, p1 + normal * span, p0 + normal * span]
        )
        return shapely.intersection(geom, box)

    cuts = [lo]
    acc = 0.0
    for s in shares[:-1]:
        acc += s / total
        a, b = cuts[-1], hi
        for _ in range(60):
            mid = (a + b) / 2
            if part(lo, mid).area < acc * area:
                a = mid
            else:
                b = mid
            if b - a < 1e-3:
                break
        cuts.append((a + b) / 2)
    cuts.append(hi + 1.0)
    cuts[0] = lo - 1.0
    return [part(cuts[i], cuts[i + 1]) for i in range(len(shares))]


def subdivide(geom: shapely.Geometry, plot_mu: float) -> list[shapely.Geometry]:
    """Cut land into plots of about *plot_mu* 亩 along a grid aligned with its long axis; slivers
    under a third of a plot join their largest neighbour, so every plot is usable."""
    target = plot_mu * M2_PER_MU
    if geom.area <= 1.5 * target:
        return [geom]
    c = rectangle_corners(geom)
    e1 = c[1] - c[0]
    ax = e1 / np.hypot(*e1)
    angle = float(np.degrees(np.arctan2(ax[1], ax[0])))
    origin = shapely.Point(c[0])
    g = shapely.affinity.rotate(geom, -angle, origin=origin)
    x0, y0, x1, y1 = g.bounds
    side = float(np.sqrt(target))
    xs = np.arange(x0, x1, side)
    ys = np.arange(y0, y1, side)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side)
    # only the cells that meet the land are cut (districts far apart leave most of the grid empty)
    shapely.prepare(g)
    parts = shapely.intersection(cells[shapely.intersects(g, cells)], g)
    parts = [q for q in parts if not q.is_empty and q.area > 0]
    polys = []
    for q in parts:
        polys += [x for x in shapely.get_parts(q) if x.geom_type == "Polygon" and x.area > 1.0]
    small = [q for q in polys if q.area < target / 3]
    keep = [q for q in polys if q.area >= target / 3]
    if not keep:
        return [geom]
    tree = shapely.STRtree(keep)
    for q in small:  # merge each sliver into the plot it shares the longest edge with
        cand = tree.query(q, predicate="intersects")
        if len(cand):
            shared = [
                shapely.length(shapely.intersection(q.boundary, keep[j].boundary)) for j in cand
            ]
            j = int(cand[int(np.argmax(shared))])
            keep[j] = shapely.union(keep[j], q)
        else:
            keep.append(q)
    out = [shapely.affinity.rotate(q, angle, origin=origin) for q in keep]
    return [shapely.make_valid(q) for q in out]


def plate_of(geoms: np.ndarray, state: State, default: str) -> np.ndarray:
    """Name of the plate covering the largest part of each geometry (*default* outside all)."""
    plates = state.layers.get("plates")
    out = np.full(len(geoms), default, dtype=object)
    if plates is None or plates.empty or not len(geoms):
        return out
    gi, pi = plates.sindex.query(geoms, predicate="intersects")
    if len(gi):
        a = shapely.area(shapely.intersection(geoms[gi], plates.geometry.to_numpy()[pi]))
        df = (
            pd.DataFrame({"g": gi, "p": pi, "a": a})
            .sort_values("a", ascending=False)
            .drop_duplicates("g")
        )
        df = df[df["a"] > 0.25 * shapely.area(geoms[df["g"].to_numpy()])]
        out[df["g"].to_numpy()] = plates["name"].to_numpy()[df["p"].to_numpy()]
    return out


def new_parcels(
    state: State,
    geoms: list,
    codes: list[str],
    fars: list[float],
    covs: list[float],
    status: str,
    plates: np.ndarray,
    prefix: str,
    label: str,
) -> gpd.GeoDataFrame:
    base = state.parcels
    existing = set(base["parcel_id"].astype(str))
    ids = state.next_ids(prefix, existing, len(geoms))
    area = shapely.area(np.asarray(geoms, dtype=object))
    rows = {
        "parcel_id": ids,
        "land_use": codes,
        "area_m2": area,
        "area_mu": area / M2_PER_MU,
        "far": fars,
        "coverage": covs,
        "status": status,
        "plate": plates,
        "source": "scenario",
        "assumption": f"情景新增: {label}",
    }
    frame = gpd.GeoDataFrame(rows, geometry=list(geoms), crs=base.crs)
    return frame


def append_parcels(state: State, frame: gpd.GeoDataFrame) -> None:
    if len(frame):
        state.layers["parcels"] = pd.concat([state.parcels, frame], ignore_index=True)


def developed_status(state: State, phase: str) -> str:
    """New land developed by the scenario's phase counts as built; later land stays reserve."""
    return "built" if PHASE_ORDER[phase] <= PHASE_ORDER[state.phase] else "reserve"
