"""Map themes of the leaders' industry views: an indicator by 组团 / 板块, 一链一图 (a chain's
firms by role, its planned places and candidate land) and firm density by enterprise tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoplan.analysis.units import unit_polygons
from geoplan.present.spec import LegendSection, MapLayer, MapSpec, extent_of
from geoplan.present.viz import map_source, numeric_classes, sample_notes, zone_title
from geoplan.text import t

ROLE_COLORS = {"anchor": "#d7301f", "core_supplier": "#fc8d59", "general": "#9ecae1"}
ROLE_RADIUS = {"anchor": 9, "core_supplier": 6, "general": 3.5}
METRICS = ("ind_hte", "ind_sme", "ind_growth", "firms", "floor_10k_m2", "tax_per_mu")
METRIC_LABEL = {
    "ind_hte": "ind_col_hte",
    "ind_sme": "ind_col_sme",
    "ind_growth": "ind_col_growth",
    "firms": "ind_col_firms",
    "floor_10k_m2": "ind_col_floor",
    "tax_per_mu": "ind_col_tax_per_mu",
}


def _frame_layers(zone, lang: str) -> list[MapLayer]:
    out = [
        MapLayer(
            t("layer_zone", lang),
            zone.layers["zone"],
            "#222222",
            style={"fill_opacity": 0.0, "weight": 2.2, "dash": "8 4"},
            simplify_m=5,
        )
    ]
    roads = zone.layers.get("roads")
    if roads is not None and len(roads):
        out.append(
            MapLayer(
                t("layer_roads", lang),
                roads,
                "#b0b0b0",
                style={"weight": 1.0, "opacity": 0.7},
                simplify_m=3,
            )
        )
    return out


def indicator_spec(
    zone, by_unit: pd.DataFrame, *, unit: str, metric: str, lang: str = "zh"
) -> MapSpec:
    """组团 (or 板块) polygons coloured by *metric* of :func:`geoplan.analysis.tiers.by_unit`."""
    polys = unit_polygons(zone, unit)
    vals = by_unit.set_index("unit")[metric] if metric in by_unit else pd.Series(dtype=float)
    p = polys.copy()
    p["value"] = p["name"].map(vals).astype(float)
    label = t(METRIC_LABEL.get(metric, "ind_col_firms"), lang)
    p["value_s"] = [("—" if not np.isfinite(v) else f"{v:,.1f}") for v in p["value"]]
    colors, entries = numeric_classes(p["value"], n=5)
    unit_name = t(f"ind_unit_{unit}", lang)
    spec = MapSpec(
        title=t(
            "map_title_indicator",
            lang,
            zone=zone_title(zone, lang),
            indicator=label,
            unit=unit_name,
        ),
        layers=[],
        legend=[LegendSection(label, entries)],
        extent=extent_of(zone.layers["zone"], polys),
        lang=lang,
        source=map_source(zone, lang),
        notes=sample_notes(lang, zone),
    )
    for lyr in _frame_layers(zone, lang):
        spec.add(lyr)
    spec.add(
        MapLayer(
            unit_name,
            p,
            colors,
            tooltip={"name": t("name", lang), "value_s": label},
            style={"fill_opacity": 0.7, "weight": 1.2, "stroke": "#555"},
            label_col="name",
            label_rank="value",
            simplify_m=5,
        )
    )
    return spec


def chain_spec(zone, chain, firms: pd.DataFrame, candidates=None, *, lang: str = "zh") -> MapSpec:
    """一链一图: the chain's firms at their parcels (链主 large, 核心配套 medium, 一般 small), the
    places the plan names for it, and candidate land for a 专业产业园."""
    import geopandas as gpd
    import shapely

    parcels = zone.layers["parcels"]
    pts = gpd.GeoDataFrame(
        {"parcel_id": parcels["parcel_id"].astype(str).to_numpy()},
        geometry=shapely.point_on_surface(parcels.geometry.to_numpy()),
        crs=parcels.crs,
    ).drop_duplicates("parcel_id")
    f = firms.merge(pts, on="parcel_id", how="inner")
    f = gpd.GeoDataFrame(f, geometry="geometry", crs=parcels.crs)
    role = f["chain_role"].astype(str) if "chain_role" in f else pd.Series("general", index=f.index)
    f["role_label"] = [t(f"chain_role_{r}", lang) for r in role]
    polys = unit_polygons(zone, "cluster")
    planned = polys[polys["name"].isin(chain.places)]
    spec = MapSpec(
        title=t("map_title_chain", lang, zone=zone_title(zone, lang), chain=chain.name(lang)),
        layers=[],
        legend=[],
        extent=zone.layers["zone"],
        lang=lang,
        source=t("chain_source_note", lang, source=chain.source) + "；" + t("map_source", lang),
        notes=sample_notes(lang, zone),
    )
    for lyr in _frame_layers(zone, lang):
        spec.add(lyr)
    if len(planned):
        spec.add(
            MapLayer(
                t("chain_layer_places", lang),
                planned,
                "#6a51a3",
                tooltip={"name": t("name", lang)},
                style={"fill_opacity": 0.18, "weight": 2, "dash": "5 3"},
                label_col="name",
                simplify_m=5,
            )
        )
        spec.legend.append(
            LegendSection(
                t("chain_legend_places", lang), [(t("chain_layer_places", lang), "#6a51a3")]
            )
        )
    if candidates is not None and len(candidates):
        spec.add(
            MapLayer(
                t("chain_layer_candidates", lang),
                candidates,
                "#1a9850",
                tooltip={
                    "candidate_id": t("chain_col_candidate", lang),
                    "area_mu": t("chain_col_area", lang),
                },
                style={"fill_opacity": 0.55, "weight": 1.5, "stroke": "#006837"},
                label_col="candidate_id",
                label_rank="area_mu",
            )
        )
        spec.legend.append(
            LegendSection(
                t("chain_legend_candidates", lang), [(t("chain_layer_candidates", lang), "#1a9850")]
            )
        )
    for r in ("general", "core_supplier", "anchor"):  # anchors drawn last, on top
        part = f[(role == r).to_numpy()]
        spec.add(
            MapLayer(
                f"{t('chain_layer_firms', lang)} · {t(f'chain_role_{r}', lang)}",
                part,
                ROLE_COLORS[r],
                tooltip={
                    "name": t("name", lang),
                    "role_label": t("chain_legend_roles", lang),
                    "parcel_id": t("parcel_id", lang),
                },
                style={"radius": ROLE_RADIUS[r], "fill_opacity": 0.9, "stroke": "#333333"},
                label_col="name" if r == "anchor" else None,
                label_rank="revenue" if r == "anchor" else None,
            )
        )
    present = [r for r in ("anchor", "core_supplier", "general") if (role == r).any()]
    spec.legend.insert(
        0,
        LegendSection(
            t("chain_legend_roles", lang),
            [(t(f"chain_role_{r}", lang), ROLE_COLORS[r]) for r in present],
            kind="point",
        ),
    )
    return spec


def tier_density_spec(zone, grid, *, tier_name: str, lang: str = "zh") -> MapSpec:
    """Firms of one tier per km² on a grid (cells with none left out)."""
    colors, entries = numeric_classes(grid["per_km2"], n=5) if len(grid) else (np.array([]), [])
    g = grid.copy()
    g["per_km2_s"] = [f"{v:,.0f}" for v in g["per_km2"]]
    spec = MapSpec(
        title=t("map_title_tier", lang, zone=zone_title(zone, lang), tier=tier_name),
        layers=[],
        legend=[LegendSection(t("tier_legend", lang), entries)],
        extent=zone.layers["zone"],
        lang=lang,
        source=map_source(zone, lang),
        notes=sample_notes(lang, zone),
    )
    spec.add(
        MapLayer(
            tier_name,
            g,
            colors,
            tooltip={"firms": t("ind_col_firms", lang), "per_km2_s": t("tier_legend", lang)},
            style={"fill_opacity": 0.75, "weight": 0.4, "stroke": "#ffffff"},
            simplify_m=0,
        )
    )
    for lyr in _frame_layers(zone, lang):
        spec.add(lyr)
    return spec
