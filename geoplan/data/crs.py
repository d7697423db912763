"""CRS policy for geoplan: one working metric CRS per zone, strict CRS checks, Chinese offset datums.

Working CRS
-----------
Every zone works in a zone-local transverse Mercator on the CGCS2000 datum: central meridian at
the zone's centre (rounded to 0.05°), scale 1, false easting 500 km (:func:`local_tm`,
:func:`working_crs_for`). Within ±140 km of the meridian the point scale error stays below
2.5·10⁻⁴ and planar areas match geodesic areas to better than 0.05 % — anywhere in China, for
any zone (a zone is tens of km across). Standard Gauss-Krüger zones are not good enough for zones
that straddle a zone boundary: the Dalian High-tech Zone spans 121.30–121.56°E, right on 121.5°E,
the boundary between 3-degree zones 40 (CM 120°E) and 41 (CM 123°E), where either zone puts area
errors near 0.05 % — too close to the budget for 亩 figures that go into 公示 lists. The local CRS
has no EPSG code; its full WKT travels with every file we write. Data in standard CGCS2000 zones
is reprojected on entry.

Plausibility
------------
:func:`plausible_extent` compares data with the zone's own extent, and :func:`likely_crs` names
the standard Chinese CRS under which projected coordinates would land inside the zone (the
usual mistake: a CRS-less Gauss-Krüger file given the neighbouring zone).

Chinese offset systems
----------------------
GCJ-02 (高德, 腾讯) and BD-09 (百度) are not CRSs in the EPSG sense but deliberate non-linear offsets
of WGS84. They are declared explicitly (``coord_system="gcj02"``) and converted on entry; the
display copy is shifted back only for a GCJ-02 basemap.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Geod
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import TransverseMercatorConversion
from pyproj.exceptions import CRSError as ProjCRSError

from geoplan.errors import CRSError
from geoplan.settings import M2_PER_MU

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: Central meridians are rounded to this step (degrees), so a zone's CRS is stable under small
#: edits of its boundary.
LON0_STEP = 0.05
#: Largest distance from the central meridian at which areas stay within 0.05 % of geodesic.
MAX_HALF_WIDTH_M = 140_000.0


def local_tm(lon0: float, *, name: str | None = None) -> CRS:
    """The zone-local transverse Mercator on CGCS2000 with central meridian *lon0* (°E)."""
    if not -180.0 <= lon0 <= 180.0:
        msg = f"central meridian {lon0} is not a longitude"
        raise CRSError(msg)
    return ProjectedCRS(
        name=name or f"CGCS2000 / local TM (CM {lon0:.2f}E)",
        conversion=TransverseMercatorConversion(
            latitude_natural_origin=0.0,
            longitude_natural_origin=lon0,
            false_easting=500000.0,
            false_northing=0.0,
            scale_factor_natural_origin=1.0,
        ),
        geodetic_crs=CRS.from_epsg(4490),
    )


def lon0_for(bounds_lonlat: tuple[float, float, float, float]) -> float:
    """The central meridian for a zone with these lon/lat bounds (its centre, rounded)."""
    minx, _, maxx, _ = bounds_lonlat
    centre = (minx + maxx) / 2.0
    return round(round(centre / LON0_STEP) * LON0_STEP, 4)


def working_crs_for(bounds_lonlat: tuple[float, float, float, float]) -> CRS:
    """Choose the working CRS of a zone from its extent (lon/lat bounds in WGS84/CGCS2000).

    Raises :class:`CRSError` when the zone is too wide for one local meridian to keep areas
    within 0.05 % (more than ±140 km east–west) — such an extent is a province, not a zone.
    """
    minx, miny, maxx, maxy = bounds_lonlat
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        msg = f"zone extent {bounds_lonlat} is not in lon/lat"
        raise CRSError(msg)
    lon0 = lon0_for(bounds_lonlat)
    lat = max(abs(miny), abs(maxy))
    half_width = (
        max(lon0 - minx, maxx - lon0) * 111_320.0 * float(np.cos(np.radians(min(lat, 89.0))))
    )
    if half_width > MAX_HALF_WIDTH_M:
        msg = (
            f"the zone extent is {2 * half_width / 1000:.0f} km wide east–west; one working CRS keeps "
            f"areas within 0.05 % only up to {2 * MAX_HALF_WIDTH_M / 1000:.0f} km. Split it into "
            "zones (a province is a list of zones)"
        )
        raise CRSError(msg)
    return local_tm(lon0)


#: The bundled Dalian sample's working CRS (kept for the sample generator and old callers; zones
#: carry their own, see :func:`working_crs_for`).
WORKING_LON_0 = 121.45
WORKING_CRS: CRS = local_tm(WORKING_LON_0, name="CGCS2000 / Dalian Hi-tech local TM (CM 121.45E)")

#: Geographic CRS used for display (Leaflet) and for GeoJSON interchange.
WGS84: CRS = CRS.from_epsg(4326)
#: CGCS2000 geographic (official Chinese datum; equal to WGS84 at metre level).
CGCS2000: CRS = CRS.from_epsg(4490)

#: Offset systems that are declared by name rather than by CRS.
OFFSET_SYSTEMS = ("wgs84", "gcj02", "bd09")

_GEOD = Geod(ellps="GRS80")


def parse_crs(value: object, *, what: str = "CRS") -> CRS:
    """Turn a user-given CRS (EPSG code, 'EPSG:4326', WKT, 'working') into a :class:`pyproj.CRS`."""
    if isinstance(value, CRS):
        return value
    if isinstance(value, str) and value.strip().lower() in {"working", "local", "geoplan"}:
        return WORKING_CRS
    if isinstance(value, str) and value.strip().lower() in {"gcj02", "gcj-02", "bd09", "bd-09"}:
        msg = (
            f"{what} {value!r} is an offset system, not a CRS: declare it with "
            "--coord-system gcj02|bd09 (the data's CRS is then EPSG:4326)"
        )
        raise CRSError(msg)
    try:
        return CRS.from_user_input(value)
    except (ProjCRSError, TypeError, ValueError) as exc:
        msg = f"cannot understand {what} {value!r}: {exc}. Use e.g. EPSG:4490 or EPSG:4549"
        raise CRSError(msg) from exc


def require_crs(
    gdf: gpd.GeoDataFrame, crs: object | None = None, *, source: str = ""
) -> gpd.GeoDataFrame:
    """Return *gdf* with a CRS: its own, or *crs* if the file has none.

    A missing CRS is an error unless the caller names one; a named CRS that contradicts the
    file's own is an error too (we never silently relabel coordinates).
    """
    where = f"{source}: " if source else ""
    if gdf.crs is None:
        if crs is None:
            msg = (
                f"{where}the file has no coordinate reference system. Name it with --crs "
                "(e.g. --crs EPSG:4490 for CGCS2000 lon/lat, EPSG:4549 for CGCS2000 GK CM 120E), "
                "or add a .prj / crs member to the file"
            )
            raise CRSError(msg)
        return gdf.set_crs(parse_crs(crs), allow_override=False)
    if crs is not None:
        named = parse_crs(crs)
        if not _same_crs(gdf.crs, named):
            msg = (
                f"{where}the file declares {gdf.crs.to_string()} but {named.to_string()} was named; "
                "remove --crs or fix the file's CRS"
            )
            raise CRSError(msg)
    return gdf


def _same_crs(a: CRS, b: CRS) -> bool:
    if a == b:
        return True
    # EPSG:4326 vs OGC:CRS84 differ only in axis order, which geopandas normalises.
    geographic = {"EPSG:4326", "OGC:CRS84", "EPSG:4490"}
    names = {a.to_string(), b.to_string()}
    return (
        names <= geographic
        and a.is_geographic
        and b.is_geographic
        and (a.to_string() == b.to_string() or names <= {"EPSG:4326", "OGC:CRS84"})
    )


def check_same_crs(*frames: gpd.GeoDataFrame, what: str = "inputs") -> None:
    """Raise :class:`CRSError` unless every frame has the same, non-missing CRS."""
    crss = [f.crs for f in frames]
    if any(c is None for c in crss):
        msg = f"{what}: a layer has no CRS"
        raise CRSError(msg)
    first = crss[0]
    for c in crss[1:]:
        if not _same_crs(first, c):
            msg = (
                f"{what}: CRS mismatch ({first.to_string()} vs "
                f"{c.to_string()}); reproject with geoplan.data.crs.to_working"
            )
            raise CRSError(msg)


def to_working(gdf: gpd.GeoDataFrame, target: CRS | None = None) -> gpd.GeoDataFrame:
    """Reproject to the zone's working CRS *target* (no-op when already there).

    Without *target*, the bundled sample's CRS (callers that know their zone pass its CRS).
    """
    if gdf.crs is None:
        msg = "cannot reproject a layer without CRS; call require_crs first"
        raise CRSError(msg)
    target = WORKING_CRS if target is None else target
    if gdf.crs == target:
        return gdf
    logger.debug(
        "reprojecting %d features from %s to the working CRS", len(gdf), gdf.crs.to_string()
    )
    return gdf.to_crs(target)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 for display and GeoJSON interchange."""
    if gdf.crs is None:
        msg = "cannot reproject a layer without CRS"
        raise CRSError(msg)
    if gdf.crs == WGS84:
        return gdf
    return gdf.to_crs(WGS84)


def planar_area_m2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Areas in m², computed in the working CRS whatever the input CRS."""
    return to_working(gdf).geometry.area.to_numpy()


def geodesic_area_m2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Ellipsoidal (GRS80/CGCS2000) areas in m², the reference for accuracy checks."""
    geo = gdf.to_crs(CGCS2000).geometry
    return np.array(
        [abs(_GEOD.geometry_area_perimeter(g)[0]) if g is not None else np.nan for g in geo]
    )


def m2_to_mu(area_m2: np.ndarray | float) -> np.ndarray | float:
    """Square metres → 亩 (1 亩 = 10000/15 m²)."""
    if isinstance(area_m2, int | float):
        return area_m2 / M2_PER_MU
    return np.asarray(area_m2, dtype=float) / M2_PER_MU


def mu_to_m2(area_mu: np.ndarray | float) -> np.ndarray | float:
    """亩 → square metres."""
    if isinstance(area_mu, int | float):
        return area_mu * M2_PER_MU
    return np.asarray(area_mu, dtype=float) * M2_PER_MU


# --------------------------------------------------------------------------------------------
# GCJ-02 / BD-09. The obfuscation is a published-by-reverse-engineering formula on the
# Krasovsky ellipsoid; we implement it vectorised and invert it by fixed-point iteration.
# --------------------------------------------------------------------------------------------

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_PI = np.pi * 3000.0 / 180.0


def _as_arrays(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    if lon_a.shape != lat_a.shape:
        msg = f"lon and lat must have the same shape, got {lon_a.shape} and {lat_a.shape}"
        raise ValueError(msg)
    return lon_a, lat_a


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Rough bounding box inside which the GCJ-02 offset is applied (outside it is zero)."""
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset (dlon, dlat) in degrees that GCJ-02 adds to WGS84 at (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    wave = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += wave * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += wave * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (高德/腾讯). Arrays in, arrays out."""
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(
    lon: object, lat: object, *, tol_deg: float = 1e-9, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 by fixed-point iteration (residual ≪ 1 cm after a few steps).

    The one-step inverse (subtracting the offset evaluated at the GCJ point) is off by up to a
    few metres because the offset varies over the ~500 m shift; iterating removes that.
    """
    g_lon, g_lat = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if np.all(np.abs(e_lon) < tol_deg) and np.all(np.abs(e_lat) < tol_deg):
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (百度)."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(
    lon: object, lat: object, *, tol_deg: float = 1e-10, max_iter: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02: the usual closed-form inverse, refined by iteration to round-trip exactly."""
    b_lon, b_lat = _as_arrays(lon, lat)
    x = b_lon - 0.0065
    y = b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(max_iter):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        e_lon, e_lat = f_lon - b_lon, f_lat - b_lat
        g_lon, g_lat = g_lon - e_lon, g_lat - e_lat
        if np.all(np.abs(e_lon) < tol_deg) and np.all(np.abs(e_lat) < tol_deg):
            break
    return g_lon, g_lat


def wgs84_to_bd09(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_CONVERTERS = {
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("bd09", "wgs84"): bd09_to_wgs84,
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
}


def gpd_series(geoms: np.ndarray, crs: CRS) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(geoms, crs=crs)


def convert_offset(gdf: gpd.GeoDataFrame, source: str, target: str = "wgs84") -> gpd.GeoDataFrame:
    """Convert a lon/lat layer between WGS84, GCJ-02 and BD-09 (all vertices, vectorised).

    The layer must be in a geographic CRS (EPSG:4326 / 4490); projected layers cannot carry an
    offset system, since those offsets are defined on lon/lat.
    """
    import shapely

    source, target = source.lower().replace("-", ""), target.lower().replace("-", "")
    if source not in OFFSET_SYSTEMS or target not in OFFSET_SYSTEMS:
        msg = f"unknown coordinate system {source!r}/{target!r}; use one of {', '.join(OFFSET_SYSTEMS)}"
        raise CRSError(msg)
    if source == target:
        return gdf
    if gdf.crs is not None and not gdf.crs.is_geographic:
        msg = f"{source.upper()} coordinates must be lon/lat, but the layer is in projected {gdf.crs.to_string()}"
        raise CRSError(msg)
    func = _CONVERTERS.get((source, target))
    out = gdf.copy()
    if func is None:  # gcj02 <-> bd09 through wgs84 is not needed; go direct
        func = gcj02_to_bd09 if (source, target) == ("gcj02", "bd09") else bd09_to_gcj02

    def _xform(coords: np.ndarray) -> np.ndarray:
        lon2, lat2 = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon2, lat2])

    geoms = shapely.transform(out.geometry.to_numpy(), _xform)
    out = out.set_geometry(gpd_series(geoms, crs=out.crs or WGS84))
    logger.info("converted %d features from %s to %s", len(out), source, target)
    return out


# ------------------------------------------------------------------------------------------
# Plausibility against the zone's own extent
# ------------------------------------------------------------------------------------------

#: Standard CGCS2000 projected families a Chinese bureau's file may be in, by EPSG code:
#: 3-degree Gauss-Krüger with zone prefix (4513–4533, zones 25–45) and without (4534–4554,
#: CM 75–135°E); 6-degree with prefix (4491–4501) and without (4502–4512).
CHINA_PROJECTED_EPSG = (*range(4513, 4555), *range(4491, 4513))


def distance_outside_km(
    bounds_lonlat: tuple[float, float, float, float],
    zone_bounds_lonlat: tuple[float, float, float, float],
) -> float:
    """How far (km, roughly) a lon/lat box lies outside the zone's box; 0 when they overlap."""
    minx, miny, maxx, maxy = bounds_lonlat
    zx0, zy0, zx1, zy1 = zone_bounds_lonlat
    lat = (zy0 + zy1) / 2
    dx = max(zx0 - maxx, minx - zx1, 0.0) * 111.32 * float(np.cos(np.radians(lat)))
    dy = max(zy0 - maxy, miny - zy1, 0.0) * 110.57
    return float(np.hypot(dx, dy))


def distances_outside_km(
    lon: np.ndarray, lat: np.ndarray, zone_bounds_lonlat: tuple[float, float, float, float]
) -> np.ndarray:
    """:func:`distance_outside_km` of many points at once."""
    zx0, zy0, zx1, zy1 = zone_bounds_lonlat
    k = 111.32 * float(np.cos(np.radians((zy0 + zy1) / 2)))
    dx = np.maximum(np.maximum(zx0 - lon, lon - zx1), 0.0) * k
    dy = np.maximum(np.maximum(zy0 - lat, lat - zy1), 0.0) * 110.57
    return np.hypot(dx, dy)


def likely_crs(
    x: np.ndarray,
    y: np.ndarray,
    zone_bounds_lonlat: tuple[float, float, float, float],
    *,
    margin_km: float = 20.0,
) -> list[str]:
    """Standard Chinese CRSs under which projected coordinates (*x*, *y*) fall in the zone.

    Used to name the likely CRS of a file whose declared (or missing) CRS puts it elsewhere.
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    if len(x) == 0:
        return []
    mx, my = float(np.nanmedian(x)), float(np.nanmedian(y))
    if not (np.isfinite(mx) and np.isfinite(my)):
        return []
    hits = []
    for code in CHINA_PROJECTED_EPSG:
        try:
            tr = Transformer.from_crs(code, 4490, always_xy=True)
            lon, lat = tr.transform(mx, my)
        except (ProjError, ProjCRSError):
            continue
        if np.isfinite(lon) and np.isfinite(lat):
            d = distance_outside_km((lon, lat, lon, lat), zone_bounds_lonlat)
            if d <= margin_km:
                hits.append(f"EPSG:{code}")
    return hits
