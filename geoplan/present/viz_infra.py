"""The infrastructure map theme: catchments, facilities by load, phase roads, coverage gaps.

One :class:`~geoplan.present.spec.MapSpec` per (phase, facility kind) from an
:class:`~geoplan.analysis.infrastructure.InfraResult` and (optionally) a coverage result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoplan.analysis.infrastructure.kpis import PARCEL_COLS
from geoplan.present.spec import LegendSection, MapLayer, MapSpec
from geoplan.present.viz import map_source, sample_notes, spread_colors, zone_title
from geoplan.text import t

#: page / layer name → library kind
KINDS = {"substations": "substation", "sewage_plants": "sewage_plant"}
UNITS = {"substations": "MVA", "sewage_plants": "m³/d"}
DIGITS = {"substations": 1, "sewage_plants": 0}
ALERTS = ("overload", "high", "n1", "ok", "not_in_service")
ALERT_COLORS = {
    "overload": "#d73027",
    "high": "#f46d43",
    "n1": "#e6ab02",
    "ok": "#1a9850",
    "not_in_service": "#bdbdbd",
}
#: table cell backgrounds (light tints of ALERT_COLORS)
ALERT_BG = {
    "overload": "#f8c9c4",
    "high": "#fdd9c8",
    "n1": "#fbeab0",
    "ok": "#d4edda",
    "not_in_service": "#eeeeee",
}
STANDARDS = ("park_500m", "green_50m", "kindergarten", "school", "clinic")
GAP_COLORS = {
    "park_500m": "#c51b7d",
    "green_50m": "#1b7837",
    "kindergarten": "#e08214",
    "school": "#542788",
    "clinic": "#2166ac",
}
#: name mark of the generator's stand-in facilities
SCHEMATIC = "示意补全"
NOT_COUNTED = "#eeeeee"
UNSERVED = "#737373"


def facility_frame(zone, res, kind: str):
    """The facility layer of *kind* (layer name) joined with its balance row (layer order)."""
    fac = zone.layers[kind]
    bal = res.facilities(KINDS[kind]).set_index("facility_id")
    ids = fac["facility_id"].astype(str)
    out = fac[["facility_id", "name", fac.geometry.name]].copy()
    for col in ("status", "capacity", "demand", "utilisation", "alert", "in_service"):
        out[col] = ids.map(bal[col]).to_numpy()
    out["schematic"] = out["name"].astype(str).str.contains(SCHEMATIC, regex=False).to_numpy()
    return out


def _catchment_layer(zone, res, kind: str, fac_color: dict, names: dict, lang: str):
    id_col, dist_col, method_col, dem_col = PARCEL_COLS[KINDS[kind]]
    unit, digits = UNITS[kind], DIGITS[kind]
    pr = res.parcels
    parcels = zone.layers["parcels"]
    fid = pr[id_col].astype(object).to_numpy()
    counted = pr["counted"].to_numpy(bool)
    served = pd.notna(fid) & (pr[method_col].astype(str).to_numpy() != "beyond_radius")
    colors = np.where(
        counted & served,
        pd.Series(fid).map(fac_color).fillna(UNSERVED).to_numpy(),
        np.where(counted, UNSERVED, NOT_COUNTED),
    )
    p = parcels[["parcel_id", parcels.geometry.name]].copy()
    p["fac_name"] = pd.Series(fid).map(names).to_numpy()
    dist = pr[dist_col].to_numpy(float)
    p["dist_m"] = np.where(np.isfinite(dist), np.round(dist, 0), np.nan)
    p["demand"] = np.round(pr[dem_col].to_numpy(float), 2 if digits else 0)
    layer = MapLayer(
        t("catchments", lang),
        p,
        colors,
        ids="parcel_id",
        tooltip={
            "parcel_id": t("parcel_id", lang),
            "fac_name": t("in_tip_facility", lang),
            "dist_m": t("in_tip_distance", lang),
            "demand": t("in_tip_demand", lang, unit=unit),
        },
        style={"fill_opacity": 0.62, "weight": 0.3, "stroke": "#8a8a8a"},
        simplify_m=2,
    )
    return layer, fid, counted, served


def _gap_layers(cov, lang: str) -> tuple[list[MapLayer], list[tuple[str, str]]]:
    layers: list[MapLayer] = []
    legend: list[tuple[str, str]] = []
    if cov is None or not len(cov.gaps):
        return layers, legend
    g = cov.gaps.copy()
    g["floor_wan"] = (g["floor_m2"] / 1e4).round(2)
    for std in STANDARDS:
        part = g[g["standard"] == std]
        if not len(part):
            continue
        label = t(f"in_cov_{std}", lang)
        col = GAP_COLORS.get(std, "#444444")
        layers.append(
            MapLayer(
                t("in_layer_gap", lang, std=label),
                part,
                col,
                tooltip={
                    "n_parcels": t("in_col_gap_parcels", lang),
                    "floor_wan": t("in_col_gap_floor", lang),
                },
                style={"fill_opacity": 0.35, "weight": 1.5, "stroke": col},
                show=False,
                printed=False,
                simplify_m=2,
            )
        )
        legend.append((label, col))
    return layers, legend


def _facility_layers(fac, kind: str, lang: str) -> list[MapLayer]:
    unit, digits = UNITS[kind], DIGITS[kind]
    fac["alert_label"] = [t(f"in_alert_{a}", lang) for a in fac["alert"].astype(str)]
    fac["status_label"] = [t(f"in_fstatus_{s}", lang) for s in fac["status"].astype(str)]
    fac["cap_s"] = [f"{v:,.{digits}f} {unit}" for v in fac["capacity"].astype(float)]
    fac["dem_s"] = [f"{v:,.{digits}f} {unit}" for v in fac["demand"].astype(float)]
    util = fac["utilisation"].astype(float).to_numpy()
    fac["util_s"] = [f"{u:.0%}" if np.isfinite(u) else "—" for u in util]
    fac["util_rank"] = np.where(np.isfinite(util), util, 0.0)
    tip = {
        "name": t("name", lang),
        "status_label": t("in_col_status", lang),
        "cap_s": t("in_col_capacity", lang, unit=unit).split("(")[0],
        "dem_s": t("in_col_demand", lang, unit=unit).split("(")[0],
        "util_s": t("in_col_util", lang).split("(")[0],
        "alert_label": t("alert", lang),
    }
    fcol = fac["alert"].map(ALERT_COLORS).fillna("#999999").to_numpy()
    sch = fac["schematic"].to_numpy(bool)
    layer_name = t(f"layer_{kind}", lang)
    out = []
    if sch.any():
        out.append(
            MapLayer(
                t("in_layer_schematic", lang, kind=layer_name),
                fac[sch],
                fcol[sch],
                tooltip=tip,
                style={"radius": 6, "fill_opacity": 0.55, "stroke": "#9a9a9a"},
            )
        )
    out.append(
        MapLayer(
            layer_name,
            fac[~sch],
            fcol[~sch],
            tooltip=tip,
            style={"radius": 10, "fill_opacity": 0.95, "stroke": "#222222"},
        )
    )
    # utilisation labels just below each dot (a separate, switchable layer); the most loaded
    # stations keep their label when two would collide
    lab = fac[np.isfinite(util)].copy()
    if len(lab):
        lab = lab.set_geometry(lab.geometry.translate(0, -260))
        out.append(
            MapLayer(
                t("in_layer_labels", lang),
                lab,
                "#000000",
                label_col="util_s",
                label_rank="util_rank",
                style={"radius": 0, "fill_opacity": 0, "stroke": "rgba(0,0,0,0)"},
            )
        )
    return out


def infra_spec(zone, res, cov: Any, *, kind: str, phase: str, lang: str = "zh") -> MapSpec:
    """Catchments of *kind* ("substations" | "sewage_plants") in *phase*, facilities coloured by
    their load, the phase's roads and (optional layers) the coverage gaps."""
    from geoplan.analysis import infrastructure as infra

    z = zone
    fac = facility_frame(z, res, kind)
    xy = shapely.get_coordinates(shapely.centroid(fac.geometry.values))
    # one colour per facility, stable across phases (all facilities of the kind take part)
    fac_color = dict(zip(fac["facility_id"].astype(str), spread_colors(xy), strict=True))
    names = dict(zip(fac["facility_id"].astype(str), fac["name"].astype(str), strict=True))
    spec = MapSpec(
        title=t(
            "map_title_infra",
            lang,
            zone=zone_title(z, lang),
            kind=t(f"layer_{kind}", lang),
            phase=t(f"phase_{phase}", lang),
        ),
        layers=[],
        legend=[],
        extent=z.layers["zone"],
        lang=lang,
        source=map_source(zone, lang),
        notes=sample_notes(lang, zone),
    )
    catch, fid, counted, served = _catchment_layer(z, res, kind, fac_color, names, lang)
    spec.add(catch)
    spec.add(
        MapLayer(
            t("layer_zone", lang),
            z.layers["zone"],
            "#222222",
            style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
            simplify_m=5,
        )
    )
    roads = z.layers.get("roads")
    if roads is not None and len(roads):
        spec.add(
            MapLayer(
                t("in_layer_roads", lang, phase=t(f"phase_{phase}", lang)),
                infra.phase_roads(roads, phase),
                "#6b6b6b",
                tooltip={"name": t("name", lang)} if "name" in roads else None,
                style={"weight": 1.1, "opacity": 0.7},
                simplify_m=3,
            )
        )
    gaps, gap_legend = _gap_layers(cov, lang)
    for g in gaps:
        spec.add(g)
    for lyr in _facility_layers(fac, kind, lang):
        spec.add(lyr)

    present = [a for a in ALERTS if a in set(fac["alert"])]
    load = [(t(f"in_alert_{a}", lang), ALERT_COLORS[a]) for a in present]
    # catchments: one swatch strip (a colour per facility would make a legend of dozens of rows;
    # the parcel tooltip names the facility), then unserved / no demand
    serving = [f for f in fac["facility_id"].astype(str) if f in set(fid[counted & served])]
    rest = [(t("in_unserved", lang), UNSERVED)] if (counted & ~served).any() else []
    rest += [(t("in_not_counted", lang), NOT_COUNTED)]
    spec.legend.append(
        LegendSection(
            t("in_legend_load", lang),
            load,
            kind="point",
            note=t("in_legend_schematic", lang) if fac["schematic"].any() else "",
        )
    )
    spec.legend.append(
        LegendSection(
            t("catchments", lang),
            rest,
            note=t("in_legend_catchment", lang, n=len(serving)),
            strip=list(dict.fromkeys(fac_color[f] for f in serving)),
        )
    )
    if gap_legend:
        spec.legend.append(LegendSection(t("in_legend_gaps", lang), gap_legend, printed=False))
    return spec
