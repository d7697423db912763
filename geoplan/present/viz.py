"""Map and chart payloads for the app and `geoplan map`: layout map, parcel map, colour classes.

Builds on :mod:`geoplan.present.maps` (folium imported lazily). Labels come from :mod:`geoplan.text`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geoplan.present import maps
from geoplan.present.spec import LegendSection, MapLayer, MapSpec, extent_of
from geoplan.standards import landuse
from geoplan.text import t

STRUCTURE_COLORS = {
    "corridor": "#d7301f",
    "core": "#ff7f00",
    "city": "#e7298a",
    "cluster": "#6a51a3",
    "ecology": "#41ab5d",
}
#: label priority of structure kinds (higher wins a collision)
LABEL_RANK = {"city": 5, "core": 4, "cluster": 3, "ecology": 2, "corridor": 1}
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


def is_sample(zone) -> bool:
    """Whether *zone* is the bundled sample (a zone without a folder counts as the sample)."""
    from geoplan import settings

    prof = getattr(zone, "profile", None)
    if prof is None:
        return True
    return Path(prof.folder).resolve() == Path(settings.SAMPLE_ZONE_DIR).resolve()


def sample_notes(lang: str, zone=None) -> list[str]:
    """The 示意 note every map of the bundled sample carries (a zone's own data carries none)."""
    return [t("map_note_sample", lang)] if zone is None or is_sample(zone) else []


def map_source(zone, lang: str) -> str:
    """The source line of a map: the plans behind the sample, or the zone's own files."""
    if zone is None or is_sample(zone):
        return t("map_source", lang)
    return t("map_source_zone", lang, name=zone_title(zone, lang))


def parcel_spec(
    parcels,
    *,
    by: str = "land_use",
    lang: str = "zh",
    zone=None,
    highlight: str | None = None,
    extra=None,
    title: str | None = None,
) -> MapSpec:
    """Parcels (working CRS frame) coloured by land use, 亩均 class or a numeric column."""
    layers: list[MapLayer] = []
    if zone is not None:
        layers.append(
            MapLayer(
                t("layer_zone", lang),
                zone,
                "#333333",
                style={"fill_opacity": 0.0, "weight": 2, "dash": "6 4"},
                simplify_m=5,
            )
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
    layers.append(
        MapLayer(
            t("layer_parcels", lang), p, colors, ids="parcel_id", tooltip=tooltip, simplify_m=1.0
        )
    )
    for name, gdf, color in extra or ():
        layers.append(MapLayer(name, gdf, color, style={"fill_opacity": 0.35, "weight": 2.5}))
    if highlight is not None:
        sel = parcels[parcels["parcel_id"].astype(str) == str(highlight)]
        if len(sel):
            layers.append(
                MapLayer(
                    t("selected", lang),
                    sel,
                    "#00e5ff",
                    style={"fill_opacity": 0.15, "weight": 4, "stroke": "#00e5ff"},
                )
            )
    legend_title = {"land_use": t("legend_landuse", lang), "class": t("class", lang)}.get(
        by, t(f"col_{by}", lang)
    )
    return MapSpec(
        title=title or t("map_title_parcels", lang, what=legend_title),
        layers=layers,
        legend=[LegendSection(legend_title, entries)],
        extent=zone if zone is not None and len(zone) else parcels,
        lang=lang,
        source=map_source(zone, lang),
        notes=sample_notes(lang, zone),
    )


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
    spec = parcel_spec(parcels, by=by, lang=lang, zone=zone, highlight=highlight, extra=extra)
    return maps.render(spec, basemap=basemap, height=height, draw=draw)


def muyield_spec(
    evaluation, zone, *, by: str = "class", lang: str = "zh", public: bool = False
) -> MapSpec:
    """The 亩均 map: evaluated parcels by class (or by 亩均税收 with ``by="tax_per_mu"``).

    ``public=True`` (公示): the parcels of :func:`geoplan.present.redact.public_parcels` only, by
    class — no per-亩 figure in a tooltip."""
    from geoplan.present import redact

    if public and by != "class":
        by = "class"
    what = t("class", lang) if by == "class" else t(f"col_{by}", lang)
    parcels = redact.public_parcels(evaluation.parcels) if public else evaluation.parcels
    return parcel_spec(
        parcels,
        by=by,
        lang=lang,
        zone=zone.layers["zone"],
        title=t("map_title_muyield", lang, zone=zone_title(zone, lang), what=what),
    )


def zone_title(zone, lang: str) -> str:
    """The zone's name for titles (the sample's name carries its 示意 mark)."""
    name = str(getattr(zone, "name", "") or "").strip()
    return name or t("app_title", lang)


def _structure_layers(zone, which: str, lang: str) -> tuple[list[MapLayer], list[LegendSection]]:
    need = "plates" if which == "13th" else "structure"
    if zone.layers.get(need) is None or not len(zone.layers[need]):
        return [], []  # a zone without 板块 / 一廊一心一城多组团: the map shows what it has
    if which == "13th":
        plates = zone.layers["plates"]
        cols = [PLATE_COLORS[i % len(PLATE_COLORS)] for i in range(len(plates))]
        layer = MapLayer(
            t("layer_plates", lang),
            plates,
            cols,
            tooltip={"name": t("name", lang), "function": t("function", lang)},
            style={"fill_opacity": 0.45, "weight": 1.5, "stroke": "#555"},
            label_col="name",
            simplify_m=5,
        )
        names = plates["name"].astype(str)
        return [layer], [
            LegendSection(t("layer_plates", lang), list(zip(names, cols, strict=True)))
        ]
    s = zone.layers["structure"]
    poly = s[s.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    line = s[s.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    layers = []
    if len(poly):
        poly = poly.copy()
        # the city, the core and the 组团 keep their names before the corridor and the eco core
        poly["label_rank"] = poly["kind"].map(LABEL_RANK).fillna(0) + poly.area / 1e9
        layers.append(
            MapLayer(
                t("layer_structure", lang),
                poly,
                poly["kind"].map(STRUCTURE_COLORS).fillna("#999").to_numpy(),
                tooltip={"name": t("name", lang), "kind_zh": t("kind", lang)},
                style={"fill_opacity": 0.35, "weight": 2},
                label_col="name",
                label_rank="label_rank",
                simplify_m=5,
            )
        )
    if len(line):
        layers.append(
            MapLayer(
                t("layer_corridor", lang),
                line,
                line["kind"].map(STRUCTURE_COLORS).fillna("#999").to_numpy(),
                tooltip={"name": t("name", lang)},
                style={"weight": 6, "opacity": 0.7},
                simplify_m=5,
            )
        )
    kinds = [k for k in STRUCTURE_COLORS if k in set(s["kind"])]
    entries = [(t(f"kind_{k}", lang), STRUCTURE_COLORS[k]) for k in kinds]
    return layers, [LegendSection(t("layer_structure", lang), entries)]


def layout_spec(
    zone, *, structure: str = "14th", lang: str = "zh", show_parcels: bool = True
) -> MapSpec:
    """The leaders' layout map: zone, land use, 板块 or 一廊一心一城多组团, clusters, infrastructure."""
    z = zone.layers["zone"]
    content = ("zone", "plates") if structure == "13th" else ("zone", "structure")
    extent = extent_of(*(zone.layers.get(k) for k in content))
    spec = MapSpec(
        title=t(
            "map_title_layout",
            lang,
            zone=zone_title(zone, lang),
            structure=t(f"structure_{structure}", lang),
        ),
        layers=[],
        legend=[],
        extent=extent,
        lang=lang,
        source=map_source(zone, lang),
        notes=sample_notes(lang, zone),
    )
    parcels = zone.layers.get("parcels")
    if show_parcels and parcels is not None and len(parcels):
        spec.add(
            MapLayer(
                t("layer_landuse", lang),
                parcels,
                landuse.colors_for(parcels["land_use"]),
                style={"fill_opacity": 0.55, "weight": 0.3, "stroke": "#888"},
                simplify_m=2,
            )
        )
        spec.legend.append(
            LegendSection(t("legend_landuse", lang), _grouped_landuse(parcels, lang))
        )
    spec.add(
        MapLayer(
            t("layer_zone", lang),
            z,
            "#222222",
            style={"fill_opacity": 0.0, "weight": 2.5, "dash": "8 4"},
            simplify_m=5,
        )
    )
    roads = zone.layers.get("roads")
    if roads is not None and len(roads):
        w = (
            roads["road_class"]
            .map({"expressway": "#e08214", "arterial": "#b35806"})
            .fillna("#999999")
        )
        spec.add(
            MapLayer(
                t("layer_roads", lang),
                roads,
                w.to_numpy(),
                style={"weight": 1.6, "opacity": 0.8},
                tooltip={"name": t("name", lang)},
                simplify_m=3,
            )
        )
    layers, legend = _structure_layers(zone, structure, lang)
    for lyr in layers:
        spec.add(lyr)
    spec.legend += legend
    cl = zone.layers.get("clusters")
    if cl is not None and len(cl):
        spec.add(
            MapLayer(
                t("layer_clusters", lang),
                cl,
                "#6a3d9a",
                show=False,
                printed=False,
                tooltip={"name": t("name", lang), "industry": t("industry", lang)},
                style={"fill_opacity": 0.2, "weight": 1.5, "radius": 7},
                simplify_m=5,
            )
        )
    infra = []
    for key, col in (("substations", "#e31a1c"), ("sewage_plants", "#1f78b4")):
        g = zone.layers.get(key)
        if g is not None and len(g):
            spec.add(
                MapLayer(
                    t(f"layer_{key}", lang),
                    g,
                    col,
                    tooltip={"name": t("name", lang), "status": t("status", lang)},
                    style={"radius": 7, "fill_opacity": 0.9},
                )
            )
            infra.append((t(f"layer_{key}", lang), col))
    if infra:
        spec.legend.append(LegendSection(t("legend_infra", lang), infra, kind="point"))
    return spec


def layout_map(
    zone,
    *,
    structure: str = "14th",
    lang: str = "zh",
    basemap: str = "none",
    show_parcels: bool = True,
    height: int = 600,
):
    """The leaders' layout map (folium): see :func:`layout_spec`."""
    spec = layout_spec(zone, structure=structure, lang=lang, show_parcels=show_parcels)
    return maps.render(spec, basemap=basemap, height=height)


def _grouped_landuse(parcels, lang: str) -> list[tuple[str, str]]:
    entries = landuse.legend_entries(parcels["land_use"], lang)
    seen: dict[str, tuple[str, str]] = {}
    for code, label, col in entries:
        key = code[:4] if len(code) > 4 else code
        lu = landuse.lookup(key)
        seen.setdefault(key, (lu.name(lang) if lu else label, col))
    return list(seen.values())


#: scenario diff: change kind → colour (the first change of a parcel decides)
CHANGE_COLORS = {
    "added": "#d73027",
    "land_use": "#fc8d59",
    "far": "#fee08b",
    "firms": "#91bfdb",
    "status": "#4575b4",
    "geometry": "#999999",
    "removed": "#000000",
}


def diff_spec(result, base_name: str, *, lang: str = "zh") -> MapSpec:
    """Parcels a scenario changed against the baseline, coloured by what changed."""
    z = result.layers
    ch = result.changed.copy()
    first = ch["change"].astype(str).str.split(",").str[0]
    ch["what"] = first.map(lambda k: t(f"change_{k}", lang))
    ch["area"] = ch["area_mu"].round(1)
    ch["lu_name"] = [f"{c} {landuse.name(c, lang)}" for c in ch["land_use"].astype(str)]
    present = [k for k in CHANGE_COLORS if first.eq(k).any()]
    spec = MapSpec(
        title=t("map_title_diff", lang, name=result.name, base=base_name),
        layers=[],
        legend=[
            LegendSection(
                t("change", lang), [(t(f"change_{k}", lang), CHANGE_COLORS[k]) for k in present]
            )
        ],
        extent=ch if len(ch) else z["zone"],
        lang=lang,
        source=map_source(None, lang),
        notes=sample_notes(lang),
    )
    spec.add(
        MapLayer(
            t("layer_zone", lang),
            z["zone"],
            "#222",
            style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
            simplify_m=5,
        )
    )
    spec.add(
        MapLayer(
            t("diff_map", lang),
            ch,
            first.map(CHANGE_COLORS).fillna("#777").to_numpy(),
            tooltip={
                "parcel_id": t("parcel_id", lang),
                "what": t("change", lang),
                "lu_name": t("land_use", lang),
                "area": t("area_mu", lang),
                "note": t("note", lang),
            },
            style={"fill_opacity": 0.75, "weight": 0.6, "stroke": "#333"},
            simplify_m=2,
        )
    )
    return spec


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
