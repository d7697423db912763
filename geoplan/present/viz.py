"""Map and chart payloads for the app and `geoplan map`: layout map, parcel map, colour classes.

Builds on :mod:`geoplan.present.maps` (folium imported lazily). Labels come from :mod:`geoplan.text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.present import maps
from geoplan.standards import landuse
from geoplan.text import t

STRUCTURE_COLORS = {
    "corridor": "#d7301f",
    "core": "#ff7f00",
    "city": "#e7298a",
    "cluster": "#6a51a3",
    "ecology": "#41ab5d",
}
PLATE_COLORS = ["#fdb462", "#80b1d3", "#b3de69", "#fccde5", "#bebada", "#8dd3c7", "#ffffb3"]
STATUS_COLORS = {
    "existing": "#1b7837",
    "expand": "#2166ac",
    "new": "#d6604d",
    "planned": "#d6604d",
    "removed": "#999999",
    "built": "#333333",
    "under_construction": "#8c510a",
}
SEQ = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]
CLASS_COLORS = {"A": "#1a9850", "B": "#91cf60", "C": "#fc8d59", "D": "#d73027", "T": "#9e9ac8"}


def numeric_classes(values: pd.Series, n: int = 5) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Quantile classes: (colour per row, legend entries). Missing values are grey."""
    v = pd.to_numeric(pd.Series(values), errors="coerce")
    ok = v.notna().to_numpy()
    colors = np.full(len(v), "#cccccc", dtype=object)
    if ok.sum() == 0:
        return colors, [("—", "#cccccc")]
    edges = np.unique(np.nanquantile(v[ok], np.linspace(0, 1, n + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0] + 1])
    idx = np.clip(np.searchsorted(edges, v[ok].to_numpy(), side="right") - 1, 0, len(edges) - 2)
    pal = SEQ[-(len(edges) - 1) :] if len(edges) - 1 <= len(SEQ) else SEQ
    colors[ok] = np.asarray(pal, dtype=object)[idx]
    entries = [(f"{edges[i]:,.1f} – {edges[i + 1]:,.1f}", pal[i]) for i in range(len(edges) - 1)]
    if (~ok).any():
        entries.append(("—", "#cccccc"))
    return colors, entries


def parcel_colors(
    parcels: pd.DataFrame, by: str, lang: str = "zh"
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Colours and legend entries for the parcel map coloured by land use, class or a number."""
    if by == "land_use":
        cols = landuse.colors_for(parcels["land_use"])
        entries = [
            (f"{c} {label}", col)
            for c, label, col in landuse.legend_entries(parcels["land_use"], lang)
        ]
        return cols, entries
    if by == "class" and "class" in parcels.columns:
        cls = parcels["class"].astype("object").where(parcels["class"].notna(), "—").astype(str)
        cols = cls.map(lambda c: CLASS_COLORS.get(c, "#cccccc")).to_numpy()
        present = sorted(set(cls))
        return cols, [
            (t(f"class_{c}", lang) if c in CLASS_COLORS else "—", CLASS_COLORS.get(c, "#cccccc"))
            for c in present
        ]
    if by in parcels.columns:
        return numeric_classes(parcels[by])
    return np.full(len(parcels), "#cccccc", dtype=object), [("—", "#cccccc")]


def parcel_map(
    parcels,
    *,
    by: str = "land_use",
    lang: str = "zh",
    basemap: str = "none",
    zone=None,
    highlight: str | None = None,
    draw: bool = False,
    height: int = 560,
    extra=None,
):
    """Folium map of parcels (working CRS frame) coloured by *by*; returns the map."""
    bounds_src = zone if zone is not None and len(zone) else parcels
    m = maps.base_map(
        maps.bounds_4326(bounds_src, basemap),
        basemap=basemap,
        draw=draw,
        height=height,
        north=t("north", lang),
    )
    if zone is not None:
        maps.add_layer(
            m,
            zone,
            t("layer_zone", lang),
            colors="#333333",
            basemap=basemap,
            style={"fill_opacity": 0.0, "weight": 2, "dash": "6 4"},
            simplify_m=5,
        )
    colors, entries = parcel_colors(parcels, by, lang)
    tooltip = {
        "parcel_id": t("parcel_id", lang),
        "lu_name": t("land_use", lang),
        "area_mu": t("area_mu", lang),
        "far": t("far", lang),
    }
    p = parcels.copy()
    p["lu_name"] = (
        [landuse.name(c, lang) for c in p["land_use"].astype(str)]
        if len(p) < 20000
        else p["land_use"]
    )
    if "class" in p.columns:
        tooltip["class"] = t("class", lang)
    if "tax_per_mu" in p.columns:
        tooltip["tax_per_mu"] = t("tax_per_mu", lang)
    maps.add_layer(
        m,
        p,
        t("layer_parcels", lang),
        colors=colors,
        basemap=basemap,
        ids="parcel_id",
        tooltip=tooltip,
        simplify_m=1.0,
    )
    if extra is not None:
        for name, gdf, color in extra:
            maps.add_layer(
                m,
                gdf,
                name,
                colors=color,
                basemap=basemap,
                style={"fill_opacity": 0.35, "weight": 2.5},
            )
    if highlight is not None:
        sel = parcels[parcels["parcel_id"].astype(str) == str(highlight)]
        if len(sel):
            maps.add_layer(
                m,
                sel,
                t("selected", lang),
                colors="#00e5ff",
                basemap=basemap,
                style={"fill_opacity": 0.15, "weight": 4, "stroke": "#00e5ff"},
            )
    title = {"land_use": t("legend_landuse", lang), "class": t("class", lang)}.get(
        by, t(f"col_{by}", lang)
    )
    maps.add_legend(m, [maps.legend_html(title, entries)])
    return maps.finish(m)


def _structure_layers(m, zone, which: str, lang: str, basemap: str) -> list[str]:
    legend = []
    if which == "13th":
        plates = zone.layers["plates"]
        cols = [PLATE_COLORS[i % len(PLATE_COLORS)] for i in range(len(plates))]
        maps.add_layer(
            m,
            plates,
            t("layer_plates", lang),
            colors=cols,
            basemap=basemap,
            tooltip={"name": t("name", lang), "function": t("function", lang)},
            style={"fill_opacity": 0.45, "weight": 1.5, "stroke": "#555"},
            label_col="name",
            simplify_m=5,
        )
        legend.append(
            maps.legend_html(
                t("layer_plates", lang), list(zip(plates["name"].astype(str), cols, strict=True))
            )
        )
    else:
        s = zone.layers["structure"]
        poly = s[s.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        line = s[s.geometry.geom_type.isin(["LineString", "MultiLineString"])]
        if len(poly):
            maps.add_layer(
                m,
                poly,
                t("layer_structure", lang),
                colors=poly["kind"].map(STRUCTURE_COLORS).fillna("#999").to_numpy(),
                basemap=basemap,
                tooltip={"name": t("name", lang), "kind_zh": t("kind", lang)},
                style={"fill_opacity": 0.35, "weight": 2},
                label_col="name",
                simplify_m=5,
            )
        if len(line):
            maps.add_layer(
                m,
                line,
                t("layer_corridor", lang),
                colors=line["kind"].map(STRUCTURE_COLORS).fillna("#999").to_numpy(),
                basemap=basemap,
                tooltip={"name": t("name", lang)},
                style={"weight": 6, "opacity": 0.7},
                simplify_m=5,
            )
        kinds = [k for k in STRUCTURE_COLORS if k in set(s["kind"])]
        legend.append(
            maps.legend_html(
                t("layer_structure", lang),
                [(t(f"kind_{k}", lang), STRUCTURE_COLORS[k]) for k in kinds],
            )
        )
    return legend


def layout_map(
    zone,
    *,
    structure: str = "14th",
    lang: str = "zh",
    basemap: str = "none",
    show_parcels: bool = True,
    height: int = 600,
):
    """The leaders' layout map: zone, land use, 板块 or 一廊一心一城多组团, clusters, infrastructure."""
    import geopandas as gpd

    z = zone.layers["zone"]
    geoms = [
        zone.layers[k].geometry.to_numpy()
        for k in ("zone", "structure", "clusters")
        if zone.layers.get(k) is not None and len(zone.layers[k])
    ]
    extent = gpd.GeoDataFrame(geometry=np.concatenate(geoms), crs=z.crs)
    m = maps.base_map(
        maps.bounds_4326(extent, basemap), basemap=basemap, height=height, north=t("north", lang)
    )
    legend: list[str] = []
    parcels = zone.layers.get("parcels")
    if show_parcels and parcels is not None and len(parcels):
        cols = landuse.colors_for(parcels["land_use"])
        maps.add_layer(
            m,
            parcels,
            t("layer_landuse", lang),
            colors=cols,
            basemap=basemap,
            style={"fill_opacity": 0.55, "weight": 0.3, "stroke": "#888"},
            simplify_m=2,
        )
        legend.append(maps.legend_html(t("legend_landuse", lang), _grouped_landuse(parcels, lang)))
    maps.add_layer(
        m,
        z,
        t("layer_zone", lang),
        colors="#222222",
        basemap=basemap,
        style={"fill_opacity": 0.0, "weight": 2.5, "dash": "8 4"},
        simplify_m=5,
    )
    roads = zone.layers.get("roads")
    if roads is not None and len(roads):
        w = (
            roads["road_class"]
            .map({"expressway": "#e08214", "arterial": "#b35806"})
            .fillna("#999999")
        )
        maps.add_layer(
            m,
            roads,
            t("layer_roads", lang),
            colors=w.to_numpy(),
            basemap=basemap,
            style={"weight": 1.6, "opacity": 0.8},
            tooltip={"name": t("name", lang)},
            simplify_m=3,
        )
    legend += _structure_layers(m, zone, structure, lang, basemap)
    cl = zone.layers.get("clusters")
    if cl is not None and len(cl):
        maps.add_layer(
            m,
            cl,
            t("layer_clusters", lang),
            colors="#6a3d9a",
            basemap=basemap,
            show=False,
            tooltip={"name": t("name", lang), "industry": t("industry", lang)},
            style={"fill_opacity": 0.2, "weight": 1.5, "radius": 7},
            simplify_m=5,
        )
    infra = []
    for key, col in (("substations", "#e31a1c"), ("sewage_plants", "#1f78b4")):
        g = zone.layers.get(key)
        if g is not None and len(g):
            maps.add_layer(
                m,
                g,
                t(f"layer_{key}", lang),
                colors=col,
                basemap=basemap,
                tooltip={"name": t("name", lang), "status": t("status", lang)},
                style={"radius": 7, "fill_opacity": 0.9},
            )
            infra.append((t(f"layer_{key}", lang), col))
    if infra:
        legend.append(maps.legend_html(t("legend_infra", lang), infra, kind="point"))
    maps.add_legend(m, legend)
    return maps.finish(m)


def _grouped_landuse(parcels, lang: str) -> list[tuple[str, str]]:
    entries = landuse.legend_entries(parcels["land_use"], lang)
    seen: dict[str, tuple[str, str]] = {}
    for code, label, col in entries:
        key = code[:4] if len(code) > 4 else code
        lu = landuse.lookup(key)
        seen.setdefault(key, (lu.name(lang) if lu else label, col))
    return list(seen.values())


#: Soft qualitative colours for categorical fills (catchments); no strong red or green, which
#: the maps keep for alert states.
CATEGORY_COLORS = [
    "#8dd3c7",
    "#bebada",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#bc80bd",
    "#ccebc5",
    "#ffed6f",
    "#a6cee3",
    "#cab2d6",
    "#fdbf6f",
    "#e5d8bd",
    "#66c2a5",
    "#b3cde3",
    "#decbe4",
    "#d8b365",
    "#9ecae1",
]


def spread_colors(xy, palette: list[str] | None = None) -> list[str]:
    """One colour per point such that points sharing a colour are as far apart as possible.

    Greedy: each point (in order) takes the palette colour whose nearest earlier user is farthest
    away (an unused colour first). Neighbouring catchments thus get different colours.
    """
    pal = list(palette or CATEGORY_COLORS)
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(pts)
    if n == 0:
        return []
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    choice = np.full(n, -1, dtype=np.int64)
    for i in range(n):  # n facilities (tens), not parcels
        near = np.full(len(pal), np.inf)
        done = np.flatnonzero(choice >= 0)
        if len(done):
            np.minimum.at(near, choice[done], d[i, done])
        choice[i] = int(np.argmax(near))  # first inf (unused) colour, else the farthest reuse
    return [pal[c] for c in choice]
