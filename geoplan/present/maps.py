"""Folium maps that work offline: vendored Leaflet, compact vector layers, official colours.

Display-only module: EPSG:4326 appears here (and in GeoJSON export) only. ``folium`` is imported
inside functions so that ``import geoplan.present.maps`` stays light.

Offline: every map references Leaflet (and Leaflet.draw when drawing is on) as ``data:`` URLs built
from ``geoplan/static`` — no CDN. The default basemap is none; 天地图 / 高德 / OSM are opt-in.

Speed: vector layers are encoded once as a compact payload (coordinates quantised to 1e-5° and
delta-encoded integers, properties as columns, colours as a palette index) and drawn by a small
JS function on a canvas renderer. Styling is evaluated in JS, not per feature in Python.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import settings
from geoplan.data import crs as gcrs
from geoplan.errors import GeoplanError
from geoplan.present import leaflet
from geoplan.present.spec import MapSpec

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
QUANT = 1e5  # 1e-5 degree ≈ 1.1 m

BASEMAPS = ("none", "tianditu", "gaode", "osm")


# ----------------------------------------------------------------------------- assets
def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _inline_css_images(css: str, folder: Path) -> str:
    def repl(m: re.Match) -> str:
        ref = m.group(1).strip("'\"")
        if ref.startswith(("#", "data:")):
            return m.group(0)
        f = folder / ref
        if not f.exists():
            return "url()"
        mime = "image/svg+xml" if f.suffix == ".svg" else "image/png"
        return f"url('{_data_url(f.read_bytes(), mime)}')"

    return re.sub(r"url\(([^)]*)\)", repl, css)


@lru_cache(maxsize=1)
def asset_urls() -> dict[str, str]:
    """data: URLs for the vendored Leaflet and Leaflet.draw JS/CSS (images inlined)."""
    out = {}
    for key, sub, js, css in (
        ("leaflet", "leaflet", "leaflet.js", "leaflet.css"),
        ("draw", "leaflet-draw", "leaflet.draw.js", "leaflet.draw.css"),
    ):
        folder = STATIC_DIR / sub
        out[f"{key}_js"] = _data_url((folder / js).read_bytes(), "text/javascript")
        css_text = _inline_css_images((folder / css).read_text(encoding="utf-8"), folder)
        out[f"{key}_css"] = _data_url(css_text.encode("utf-8"), "text/css")
    return out


def _localise(element: Any) -> None:
    """Replace an element's CDN asset lists by the vendored ones."""
    urls = asset_urls()
    element.default_js = [("leaflet", urls["leaflet_js"])]
    element.default_css = [("leaflet_css", urls["leaflet_css"])]


# ----------------------------------------------------------------------------- encoding
def to_display(
    gdf: gpd.GeoDataFrame, *, basemap: str = "none", simplify_m: float = 1.0
) -> gpd.GeoDataFrame:
    """Simplified copy in EPSG:4326 (shifted to GCJ-02 for the 高德 basemap)."""
    g = gdf
    if g.crs is None:
        raise GeoplanError("layer has no CRS; cannot display it")
    if simplify_m > 0 and g.crs.is_projected:
        g = g.set_geometry(shapely.simplify(g.geometry.values, simplify_m, preserve_topology=True))
    g = gcrs.to_wgs84(g)
    if basemap == "gaode":

        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = gcrs.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        g = g.set_geometry(shapely.transform(g.geometry.values, shift))
    return g


def encode_geometries(geoms: np.ndarray) -> tuple[list, str]:
    """Compact nested int lists. Returns (features, kind) with kind 'polygon'|'line'|'point'.

    polygon feature: [[ring, ring…] per polygon]; line: [part…]; point: [x, y]. Every ring/part is
    a flat list [x0, y0, dx1, dy1, …] of integers in 1e-5 degrees.
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    if np.all(np.isin(types, (0, 4))):
        kind = "point"
    elif np.all(np.isin(types, (1, 5))):
        kind = "line"
    elif np.all(np.isin(types, (3, 6))):
        kind = "polygon"
    else:
        raise GeoplanError("a map layer must hold one geometry family (points, lines or polygons)")
    if kind == "point":
        pts = shapely.get_coordinates(shapely.centroid(geoms))
        q = np.rint(pts * QUANT).astype(np.int64)
        return q.tolist(), kind
    # explode to parts → rings, keep indices to rebuild nesting
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    if kind == "polygon":
        rings, ring_of = shapely.get_rings(parts, return_index=True)
    else:
        rings, ring_of = parts, np.arange(len(parts))
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(coords * QUANT).astype(np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    starts = np.r_[0, np.flatnonzero(np.diff(coord_of)) + 1]
    d[starts] = q[starts]
    flat = d.ravel().tolist()
    bounds = np.r_[starts, len(coord_of)] * 2
    ring_lists = [flat[bounds[i] : bounds[i + 1]] for i in range(len(starts))]
    ring_ids = coord_of[starts]
    features: list[list] = [[] for _ in range(len(geoms))]
    if kind == "polygon":
        poly_rings: list[list] = [[] for _ in range(len(parts))]
        for rid, rl in zip(ring_ids, ring_lists, strict=True):
            poly_rings[ring_of[rid]].append(rl)
        for pid, rl in enumerate(poly_rings):
            features[part_of[pid]].append(rl)
    else:
        for rid, rl in zip(ring_ids, ring_lists, strict=True):
            features[part_of[rid]].append(rl)
    return features, kind


def _json_col(values: pd.Series) -> list:
    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s):
        return [None if v != v else round(float(v), 2) for v in s.to_numpy()]
    return [
        None if v is None or (isinstance(v, float) and v != v) else str(v) for v in s.to_numpy()
    ]


def compact_payload(
    gdf: gpd.GeoDataFrame,
    *,
    colors: np.ndarray | list | str,
    ids: str | None = None,
    tooltip: dict[str, str] | None = None,
    style: dict | None = None,
    labels: list[tuple[float, float, str]] | list[tuple[float, float, str, float]] | None = None,
    tip_max: int = 20000,
) -> str:
    """JSON payload for :class:`CompactLayer` from a frame already in display coordinates."""
    feats, kind = encode_geometries(gdf.geometry.values)
    if isinstance(colors, str):
        pal, ci = [colors], None
    else:
        cs = pd.Series(np.asarray(colors, dtype=object)).astype(str)
        codes, uniques = pd.factorize(cs)
        pal, ci = list(uniques), codes.tolist()
    base = {
        "weight": 0.6 if kind == "polygon" else 2,
        "opacity": 0.9,
        "fill_opacity": 0.75,
        "radius": 6,
        "stroke": None,
        "dash": None,
    }
    base.update(style or {})
    data: dict[str, Any] = {
        "kind": kind,
        "f": feats,
        "pal": pal,
        "ci": ci,
        "style": base,
        "tip_max": tip_max,
    }
    if ids is not None:
        data["ids"] = _json_col(gdf[ids])
    if tooltip:
        cols = list(tooltip)
        data["p"] = {c: _json_col(gdf[c]) for c in cols}
        data["tip"] = [[c, tooltip[c]] for c in cols]
    if labels:
        data["labels"] = [
            [
                round(lab[0], 5),
                round(lab[1], 5),
                lab[2],
                round(float(lab[3]), 3) if len(lab) > 3 else 0,
            ]
            for lab in labels
        ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def add_layer(
    m: Any,
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    colors: np.ndarray | list | str,
    basemap: str = "none",
    ids: str | None = None,
    tooltip: dict[str, str] | None = None,
    style: dict | None = None,
    label_col: str | None = None,
    label_rank: str | None = None,
    show: bool = True,
    simplify_m: float = 1.0,
    keep: list[str] | None = None,
) -> Any:
    """Add *gdf* (any CRS) as a compact vector layer to folium map *m*.

    Labels (*label_col*) never overlap on screen: the larger *label_rank* (default: feature
    area) is kept when two would collide, and a label that would be cut at the edge is hidden.
    """
    if gdf is None or len(gdf) == 0:
        return None
    cols = [
        c
        for c in {
            *(keep or []),
            *(tooltip or {}),
            *([ids] if ids else []),
            *([label_col] if label_col else []),
            *([label_rank] if label_rank else []),
        }
        if c in gdf.columns
    ]
    labels = None
    if label_col:
        if label_rank and label_rank in gdf.columns:
            rank = pd.to_numeric(gdf[label_rank], errors="coerce").fillna(0).to_numpy(float)
        else:
            rank = np.asarray(shapely.area(gdf.geometry.values), dtype=float) / 1e6
    g = to_display(gdf[[*cols, gdf.geometry.name]], basemap=basemap, simplify_m=simplify_m)
    if label_col:
        pts = shapely.point_on_surface(g.geometry.values)
        xy = shapely.get_coordinates(pts)
        text = g[label_col].astype(str).to_numpy()
        labels = [(y, x, str(t), r) for (x, y), t, r in zip(xy, text, rank, strict=True)]
    payload = compact_payload(
        g, colors=colors, ids=ids, tooltip=tooltip, style=style, labels=labels
    )
    layer = leaflet.make_layer_class()(payload, name, show=show)
    layer.add_to(m)
    return layer


# ----------------------------------------------------------------------------- map shell
def tianditu_key() -> str | None:
    key = settings.tianditu_key()
    if key:
        return key
    try:  # Streamlit secrets, only when running inside the app
        import streamlit as st

        secret = st.secrets.get("TIANDITU_KEY")
        return str(secret) if secret else None
    except FileNotFoundError:  # no secrets.toml (StreamlitSecretNotFoundError is one)
        return None


def _add_basemap(m: Any, basemap: str) -> None:
    import folium

    if basemap == "none":
        return
    if basemap == "osm":
        folium.TileLayer(
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr="© OpenStreetMap",
            name="OSM",
            max_zoom=19,
        ).add_to(m)
    elif basemap == "gaode":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="© 高德地图 (GCJ-02)",
            name="高德",
            subdomains="1234",
            max_zoom=18,
        ).add_to(m)
    elif basemap == "tianditu":
        key = tianditu_key()
        if not key:
            raise GeoplanError(
                "天地图底图需要密钥：设置环境变量 TIANDITU_KEY 或 Streamlit secrets 中的 TIANDITU_KEY"
                " / the 天地图 basemap needs TIANDITU_KEY (env or Streamlit secrets)"
            )
        for lyr in ("vec", "cva"):
            url = (
                f"https://t{{s}}.tianditu.gov.cn/{lyr}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                f"&LAYER={lyr}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                f"&TILECOL={{x}}&tk={key}"
            )
            folium.TileLayer(
                url,
                attr="© 天地图",
                name=f"天地图 {lyr}",
                subdomains="01234567",
                overlay=lyr == "cva",
                control=False,
            ).add_to(m)
    else:
        raise GeoplanError(f"unknown basemap {basemap!r}; choose one of {', '.join(BASEMAPS)}")


def _swatch(col: str, kind: str) -> str:
    if kind == "line":
        return f'<i style="background:{col};height:3px;border:none"></i>'
    if kind == "point":
        return f'<i style="background:{col};border-radius:50%;width:10px"></i>'
    return f'<i style="background:{col}"></i>'


def legend_html(
    title: str,
    entries: list[tuple[str, str]],
    *,
    kind: str = "fill",
    note: str = "",
    strip: list[str] | None = None,
    flow: bool = False,
) -> str:
    """One legend section: *entries* are (label, colour); *strip* a row of bare swatches; *flow*
    puts entries side by side (for long lists of short labels)."""
    head = f"<b>{html_escape(title)}</b>" if title else ""
    if flow:
        body = '<div class="gp-flow">' + "".join(
            f"<span>{_swatch(c, kind)}{html_escape(label)}</span>" for label, c in entries
        )
        body += "</div>"
    else:
        body = "".join(
            f'<div class="gp-row">{_swatch(c, kind)}{html_escape(label)}</div>'
            for label, c in entries
        )
    if strip:
        body = (
            "<div>"
            + "".join(f'<i style="background:{c};width:8px;margin-right:1px"></i>' for c in strip)
            + "</div>"
            + body
        )
    if note:
        body += f'<div class="gp-note">{html_escape(note)}</div>'
    return f'<div class="gp-sec">{head}{body}</div>'


def html_escape(text: object) -> str:
    import html

    return html.escape(str(text), quote=False)


def add_legend(
    m: Any, sections: list[str], position: str = "bottomright", *, title: str = "图例"
) -> None:
    """A collapsible legend (open at first) whose sections sit side by side, so it grows sideways
    rather than needing a scroll bar."""
    body = f"<details open><summary>{html_escape(title)}</summary><div class='gp-secs'>"
    body += "".join(sections) + "</div></details>"
    leaflet.make_control_class()(body, position, "gp-legend").add_to(m)


def base_map(
    bounds_4326: tuple[float, float, float, float],
    *,
    basemap: str = "none",
    draw: bool = False,
    height: int = 560,
    north: str = "北",
) -> Any:
    """An empty folium map fitted to (minx, miny, maxx, maxy) with a metric scale bar and a
    north arrow."""
    import folium

    if basemap not in BASEMAPS:
        raise GeoplanError(f"unknown basemap {basemap!r}; choose one of {', '.join(BASEMAPS)}")
    minx, miny, maxx, maxy = bounds_4326
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        control_scale=False,
        zoom_start=12,
        prefer_canvas=True,
        height=height,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    _localise(m)
    _add_basemap(m, basemap)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    leaflet.make_fit_class()([[miny, minx], [maxy, maxx]]).add_to(m)
    leaflet.make_scale_class()().add_to(m)
    leaflet.make_control_class()(f"▲<br>{north}", "topright", "gp-north").add_to(m)
    if draw:
        from folium.plugins import Draw

        urls = asset_urls()
        d = Draw(
            export=False,
            draw_options={
                "polyline": False,
                "circle": False,
                "marker": False,
                "circlemarker": False,
                "rectangle": True,
                "polygon": True,
            },
            edit_options={"edit": False},
        )
        d.default_js = [("leaflet_draw_js", urls["draw_js"])]
        d.default_css = [("leaflet_draw_css", urls["draw_css"])]
        d.add_to(m)
    return m


def payload_bytes(m: Any) -> int:
    """Bytes of vector data (compact payloads) on map *m* — what the browser receives per map."""
    return sum(
        len(c.payload.encode("utf-8")) for c in m._children.values() if hasattr(c, "payload")
    )


def finish(m: Any, *, layer_control: bool = True) -> Any:
    import folium

    if layer_control:
        folium.LayerControl(collapsed=True, position="topleft").add_to(m)
    return m


def bounds_4326(gdf: gpd.GeoDataFrame, basemap: str = "none") -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = gcrs.to_wgs84(gdf[[gdf.geometry.name]]).total_bounds
    if basemap == "gaode":
        (x0, x1), (y0, y1) = gcrs.wgs84_to_gcj02(np.array([minx, maxx]), np.array([miny, maxy]))
        return float(x0), float(y0), float(x1), float(y1)
    return float(minx), float(miny), float(maxx), float(maxy)


def render(spec: MapSpec, *, basemap: str = "none", height: int = 560, draw: bool = False) -> Any:
    """The interactive (folium) map of a :class:`~geoplan.present.spec.MapSpec`."""
    from geoplan.text import t

    m = base_map(
        bounds_4326(spec.extent, basemap),
        basemap=basemap,
        draw=draw,
        height=height,
        north=t("north", spec.lang),
    )
    for lyr in spec.layers:
        add_layer(
            m,
            lyr.frame,
            lyr.name,
            colors=lyr.colors,
            basemap=basemap,
            ids=lyr.ids,
            tooltip=lyr.tooltip,
            style=lyr.style,
            label_col=lyr.label_col,
            label_rank=lyr.label_rank,
            show=lyr.show,
            simplify_m=lyr.simplify_m,
            keep=lyr.keep,
        )
    sections = [
        legend_html(
            sec.title,
            sec.entries,
            kind=sec.kind,
            note=sec.note,
            strip=sec.strip,
            flow=len(sec.entries) > 14,
        )
        for sec in spec.legend
    ]
    if sections:
        add_legend(m, sections, title=t("legend", spec.lang))
    return finish(m)


def to_html(m: Any) -> str:
    """Standalone HTML of *m* (all assets inline)."""
    return m.get_root().render()


_TK = re.compile(r"(tk=)[^&\"'\s\\]+")


def export_html(m: Any, title: str) -> str:
    """HTML to hand on: a ``<title>``, the map filling the window, and no 天地图 key.

    The 天地图 key is a browser key tied to this deployment: it is never written into a file that
    leaves the server (the exported map then shows no 天地图 tiles without the recipient's own key).
    """
    html = to_html(m)
    head = (
        f"<title>{html_escape(title)}</title>"
        "<style>html,body{height:100%;margin:0}.folium-map{height:100vh!important}</style>"
    )
    html = html.replace("</head>", head + "</head>", 1)
    key = tianditu_key()
    if key:
        html = html.replace(key, "")
    return _TK.sub(r"\1", html)


def external_urls(html: str) -> list[str]:
    """http(s) URLs that a page would load (src/href/url()), for offline checks."""
    found = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
    found += re.findall(r"""url\(\s*["']?(https?://[^)"']+)""", html)
    found += re.findall(r"""L\.tileLayer\(\s*["'](https?://[^"']+)""", html)
    return sorted(set(found))


# ----------------------------------------------------------------------------- picking
def feature_at(
    gdf: gpd.GeoDataFrame, lat: float, lon: float, *, basemap: str = "none"
) -> int | None:
    """Positional index of the feature of *gdf* (any projected CRS) under a clicked point."""
    if basemap == "gaode":
        lon_a, lat_a = gcrs.gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        lon, lat = float(lon_a[0]), float(lat_a[0])
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(gdf.crs).iloc[0]
    hits = gdf.sindex.query(pt, predicate="intersects")
    if len(hits) == 0:
        return None
    return int(hits[0])


def drawn_polygon(feature: dict | None, *, basemap: str = "none") -> gpd.GeoDataFrame | None:
    """A polygon drawn in the browser (GeoJSON feature, lon/lat; GCJ-02 over the 高德 basemap) as
    a one-row frame in the working CRS; None when *feature* holds no polygon."""
    if not feature or not feature.get("geometry"):
        return None
    geom = shapely.geometry.shape(feature["geometry"])
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    if basemap == "gaode":

        def back(xy: np.ndarray) -> np.ndarray:
            lon, lat = gcrs.gcj02_to_wgs84(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        geom = shapely.transform(geom, back)
    return gcrs.to_working(gpd.GeoDataFrame(geometry=[geom], crs="EPSG:4326"))
