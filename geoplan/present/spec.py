"""What a map shows, independent of how it is drawn: layers, legend, title, notes.

Every map theme (layout, 亩均, infrastructure, scenario diff, 产业链, enterprise tiers, indicators
by 组团) builds one :class:`MapSpec` in :mod:`geoplan.present.viz` / :mod:`geoplan.present.themes`;
two renderers draw it: :func:`geoplan.present.maps.render` (interactive, offline Leaflet in the app
and the HTML export) and :func:`geoplan.present.printmap.render` (print: PNG / PDF on A4 / A3 with
title, legend, metric scale bar, north arrow, source, 示意 note and date).

Frames stay in their own (working, metric) CRS; each renderer reprojects for display.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

#: Legend swatch shapes.
LEGEND_KINDS = ("fill", "line", "point")


@dataclass
class MapLayer:
    """One vector layer: a frame, a colour (one, or one per row) and a style.

    ``style`` keys (all optional): ``weight`` (line / outline width, px), ``opacity`` (line),
    ``fill_opacity``, ``radius`` (points, px), ``stroke`` (outline colour), ``dash`` ("6 4").
    ``label_col`` names a column whose text is drawn at each feature (collisions are avoided by
    both renderers: the larger ``label_rank`` wins). ``printed`` False leaves the layer off the print
    map (e.g. optional overlays that are hidden by default).
    """

    name: str
    frame: gpd.GeoDataFrame
    colors: np.ndarray | list | str
    style: dict[str, Any] = field(default_factory=dict)
    tooltip: dict[str, str] | None = None
    ids: str | None = None
    label_col: str | None = None
    label_rank: str | None = None
    show: bool = True
    simplify_m: float = 1.0
    keep: list[str] | None = None
    printed: bool = True


@dataclass
class LegendSection:
    """A legend block: a title and (label, colour) entries; ``note`` is a line of small text and
    ``strip`` a row of colour swatches without labels (e.g. one per catchment)."""

    title: str
    entries: list[tuple[str, str]]
    kind: str = "fill"
    note: str = ""
    strip: list[str] | None = None
    #: False: only on the interactive map (its layers are optional overlays left off the print)
    printed: bool = True

    def __post_init__(self) -> None:
        if self.kind not in LEGEND_KINDS:
            msg = f"legend kind must be one of {LEGEND_KINDS}, got {self.kind!r}"
            raise ValueError(msg)


@dataclass
class MapSpec:
    """A whole map: what to draw, what to fit, and the words around it."""

    title: str
    layers: list[MapLayer]
    legend: list[LegendSection]
    extent: gpd.GeoDataFrame
    lang: str = "zh"
    subtitle: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)
    date: str = field(default_factory=lambda: _dt.date.today().isoformat())

    def add(self, layer: MapLayer | None) -> None:
        if layer is not None and layer.frame is not None and len(layer.frame):
            self.layers.append(layer)


def extent_of(*frames: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """One frame holding the geometries of *frames* (the content a map must fit)."""
    parts = [f for f in frames if f is not None and len(f)]
    if not parts:
        msg = "a map needs at least one non-empty layer to fit"
        raise ValueError(msg)
    crs = parts[0].crs
    geoms = np.concatenate([p.to_crs(crs).geometry.to_numpy() for p in parts])
    return gpd.GeoDataFrame(geometry=geoms, crs=crs)
