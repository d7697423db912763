"""Print maps: a :class:`~geoplan.present.spec.MapSpec` as a PNG or PDF page (A4 / A3 landscape).

A static renderer (matplotlib, Agg / PDF backends), so it needs neither a browser nor the
internet. The page holds the title, the map in the zone's metric working CRS (so the scale bar
is true), a legend panel beside the map that always fits (its font shrinks and its entries flow
into columns before anything is cut), a metric scale bar, a north arrow, and a footer with the
source, the 示意 note and the date. Chinese text uses Noto Sans CJK SC; the PDF embeds the
glyphs it uses (a subset), so the file prints the same everywhere.

Labels never overlap: they are placed in rank order (larger features first), each at the first
free spot around its anchor, or left out.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoplan.data import crs as gcrs
from geoplan.errors import GeoplanError
from geoplan.present.spec import LegendSection, MapLayer, MapSpec
from geoplan.text import t

logger = logging.getLogger(__name__)

#: paper → (width, height) in mm, landscape
PAPERS = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
FORMATS = ("png", "pdf")
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")
MM = 1 / 25.4  # inches per mm
PX_PT = 0.55  # a Leaflet pixel of line width, in points on paper

# page layout, fractions of the page
_MAP = (0.025, 0.085, 0.735, 0.82)  # left, bottom, width, height
_PANEL_X = 0.78
_TITLE_Y = 0.955


def _font_family() -> list[str]:
    from matplotlib import font_manager

    for attempt in range(2):
        have = {f.name for f in font_manager.fontManager.ttflist}
        for fam in CJK_FAMILIES:
            if fam in have:
                return [fam, "DejaVu Sans"]
        if attempt == 0:
            # matplotlib's font cache predates a font installed since: add the CJK files it missed
            for path in font_manager.findSystemFonts():
                if any(k in Path(path).name for k in ("NotoSansCJK", "wqy-zenhei")):
                    font_manager.fontManager.addfont(path)
    msg = (
        "no Chinese font found for the print map (looked for Noto Sans CJK SC); "
        "install the Debian package fonts-noto-cjk (scripts/setup-debian.sh does) and try again"
    )
    raise GeoplanError(msg)


def _rgba(color: Any, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib import colors as mcolors

    text = str(color)
    if text.startswith("rgba("):
        parts = [float(p) for p in text[5:-1].split(",")]
        return parts[0] / 255, parts[1] / 255, parts[2] / 255, parts[3] * alpha
    try:
        r, g, b, a = mcolors.to_rgba(text)
    except ValueError:
        r, g, b, a = mcolors.to_rgba("#999999")
    return r, g, b, a * alpha


def _colors(layer: MapLayer, n: int) -> np.ndarray:
    if isinstance(layer.colors, str):
        return np.full(n, layer.colors, dtype=object)
    return np.asarray(layer.colors, dtype=object)


def _kind(geoms: np.ndarray) -> str:
    types = set(shapely.get_type_id(geoms).tolist())
    if types <= {0, 4}:
        return "point"
    if types <= {1, 5}:
        return "line"
    return "polygon"


def _polygon_paths(geoms: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """One compound matplotlib Path per polygon part (exterior + holes, opposite windings) and
    the index of the geometry each part came from."""
    from matplotlib.path import Path as MPath

    parts, part_of = shapely.get_parts(shapely.orient_polygons(geoms), return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(coord_of)) + 1, len(coord_of)]
    codes = np.full(len(coords), MPath.LINETO, dtype=np.uint8)
    codes[starts[:-1]] = MPath.MOVETO
    codes[starts[1:] - 1] = MPath.CLOSEPOLY
    ring_parts = ring_of[coord_of[starts[:-1]]]  # part of each ring
    bounds = np.r_[0, np.flatnonzero(np.diff(ring_parts)) + 1, len(ring_parts)]
    paths = []
    for i in range(len(bounds) - 1):
        lo, hi = starts[bounds[i]], starts[bounds[i + 1]]
        paths.append(MPath(coords[lo:hi], codes[lo:hi]))
    return paths, part_of[ring_parts[bounds[:-1]]]


def _line_parts(geoms: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    coords, coord_of = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(coord_of)) + 1
    return np.split(coords, cuts), part_of[np.unique(coord_of)]


def _draw_layer(ax: Any, layer: MapLayer, crs: Any) -> None:
    from matplotlib.collections import LineCollection, PathCollection

    g = layer.frame
    if g.crs is not None and g.crs != crs:
        g = g.to_crs(crs)
    geoms = g.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return
    geoms = geoms[ok]
    cols = _colors(layer, len(g))[ok]
    st: dict[str, Any] = {
        "weight": 1.0,
        "opacity": 0.9,
        "fill_opacity": 0.75,
        "radius": 6,
        "stroke": None,
    }
    st.update({k: v for k, v in (layer.style or {}).items() if v is not None})
    dash = st.get("dash")
    ls: Any = (0, tuple(float(x) * 0.6 for x in str(dash).split())) if dash else "solid"
    kind = _kind(geoms)
    if kind == "polygon":
        paths, src = _polygon_paths(geoms)
        face = np.array([_rgba(c, float(st["fill_opacity"])) for c in cols])
        edge = np.array([_rgba(st["stroke"] or c, float(st["opacity"])) for c in cols])
        coll = PathCollection(
            paths,
            facecolors=face[src],
            edgecolors=edge[src],
            linewidths=float(st["weight"]) * PX_PT,
            linestyles=ls,
        )
        coll.set_transform(ax.transData)
        ax.add_collection(coll, autolim=False)
    elif kind == "line":
        segs, src = _line_parts(geoms)
        rgba = np.array([_rgba(c, float(st["opacity"])) for c in cols])
        ax.add_collection(
            LineCollection(
                segs,
                colors=rgba[src],
                linewidths=float(st["weight"]) * PX_PT * 1.2,
                linestyles=ls,
                capstyle="round",
            ),
            autolim=False,
        )
    elif float(st["radius"]) > 0:
        xy = shapely.get_coordinates(shapely.centroid(geoms))
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=(float(st["radius"]) * 1.1) ** 2,
            c=[_rgba(c, float(st["fill_opacity"])) for c in cols],
            edgecolors=[_rgba(st["stroke"] or "#333333", 1.0)],
            linewidths=0.5,
            zorder=5,
        )


def _label_items(layers: list[MapLayer], crs: Any) -> list[tuple[float, float, str, float]]:
    items = []
    for layer in layers:
        if not layer.label_col or layer.label_col not in layer.frame.columns:
            continue
        g = layer.frame if layer.frame.crs == crs else layer.frame.to_crs(crs)
        pts = shapely.get_coordinates(shapely.point_on_surface(g.geometry.to_numpy()))
        if layer.label_rank and layer.label_rank in g.columns:
            rank = pd.to_numeric(g[layer.label_rank], errors="coerce").fillna(0).to_numpy(float)
        else:
            rank = shapely.area(g.geometry.to_numpy()) / 1e6
        texts = g[layer.label_col].astype(str).to_numpy()
        items += [
            (float(x), float(y), str(s), float(r))
            for (x, y), s, r in zip(pts, texts, rank, strict=True)
            if s and s not in ("nan", "None")
        ]
    return sorted(items, key=lambda i: -i[3])


def _place_labels(fig: Any, ax: Any, items: list, fontsize: float) -> int:
    """Place labels in rank order at the first spot (centre, above, below, right, left) that
    overlaps no placed label and stays inside the map; returns how many were left out."""
    import matplotlib.patheffects as pe

    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    dropped = 0
    offsets = ((0, 0), (0, 1.3), (0, -1.3), (1.0, 0), (-1.0, 0))
    for x, y, text, _ in items:
        ok = False
        for dx, dy in offsets:
            art = ax.annotate(
                text,
                (x, y),
                xytext=(dx * fontsize * 2.2, dy * fontsize),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=fontsize,
                fontweight="bold",
                color="#222222",
                zorder=10,
                annotation_clip=False,
                path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
            )
            bb = art.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = (
                bb.x0 >= frame.x0 + 2
                and bb.x1 <= frame.x1 - 2
                and bb.y0 >= frame.y0 + 2
                and bb.y1 <= frame.y1 - 2
            )
            if inside and not any(bb.overlaps(p) for p in placed):
                placed.append(bb)
                ok = True
                break
            art.remove()
        dropped += not ok
    return dropped


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    steps = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000]
    return float(min(steps, key=lambda s: abs(math.log(s / target))))


def _scale_bar(ax: Any, lang: str, fontsize: float) -> None:
    """A metric scale bar (4 alternating segments) in the map's lower left corner."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    ax.add_patch(
        Rectangle(
            (bx - length * 0.06, by - h * 2.2),
            length * 1.2,
            h * 6.8,
            facecolor=(1, 1, 1, 0.85),
            edgecolor="none",
            zorder=11,
        )
    )
    seg = length / 4
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * seg, by),
                seg,
                h,
                facecolor="#222222" if i % 2 == 0 else "white",
                edgecolor="#222222",
                linewidth=0.6,
                zorder=12,
            )
        )

    def fmt(v: float) -> str:
        return f"{v / 1000:g}" if length >= 1000 else f"{v:g}"

    unit = t("km", lang) if length >= 1000 else t("metre", lang)
    for v in (0.0, length / 2, length):
        ax.text(
            bx + v, by + h * 1.6, fmt(v), ha="center", va="bottom", fontsize=fontsize, zorder=12
        )
    ax.text(
        bx + length * 1.04, by + h / 2, unit, ha="left", va="center", fontsize=fontsize, zorder=12
    )


def _north_arrow(ax: Any, lang: str, fontsize: float) -> None:
    ax.annotate(
        t("north", lang),
        xy=(0.955, 0.955),
        xytext=(0.955, 0.875),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=fontsize * 1.3,
        fontweight="bold",
        arrowprops={"facecolor": "#222222", "edgecolor": "#222222", "width": 4, "headwidth": 12},
        zorder=12,
    )


def _legend_rows(sections: list[LegendSection]) -> list[tuple[str, Any, Any]]:
    rows: list[tuple[str, Any, Any]] = []
    for sec in sections:
        rows.append(("title", sec.title, None))
        if sec.strip:
            rows.append(("strip", sec.strip, None))
        rows += [("entry", label, (col, sec.kind)) for label, col in sec.entries]
        if sec.note:
            rows.append(("note", sec.note, None))
        rows.append(("gap", "", None))
    return rows


def _legend_panel(fig: Any, spec: MapSpec, top: float, bottom: float, base_pt: float) -> None:
    """The legend beside the map: shrinks its font, then flows into two columns, to fit."""
    from matplotlib.patches import Circle, Rectangle

    rows = _legend_rows([s for s in spec.legend if s.printed])
    height_in = fig.get_figheight() * (top - bottom)
    size, ncol = base_pt, 1
    while size > 5.0:
        per_col = math.ceil(len(rows) / ncol)
        if per_col * size * 1.55 / 72 <= height_in:
            break
        if ncol == 1 and size < base_pt * 0.8:
            ncol = 2
            size = base_pt * 0.9
            continue
        size -= 0.5
    step = size * 1.55 / 72 / fig.get_figheight()
    width = (0.985 - _PANEL_X) / ncol
    fig.text(
        _PANEL_X, top + step * 0.6, t("legend", spec.lang), fontsize=size * 1.25, fontweight="bold"
    )
    per_col = math.ceil(len(rows) / ncol)
    sw = size * 1.3 / 72 / fig.get_figwidth()  # swatch width in figure fraction
    for i, (kind, text, extra) in enumerate(rows):
        col, r = divmod(i, per_col)
        x, y = _PANEL_X + col * width, top - r * step
        if kind == "title":
            fig.text(x, y, text, fontsize=size * 1.05, fontweight="bold", va="center")
        elif kind == "note":
            fig.text(x, y, text, fontsize=size * 0.85, color="#555555", va="center")
        elif kind == "strip":
            n = max(len(text), 1)
            w = min(sw * 0.7, (width * 0.9) / n)
            for j, c in enumerate(text):
                fig.patches.append(
                    Rectangle(
                        (x + j * w, y - step * 0.3),
                        w * 0.9,
                        step * 0.6,
                        transform=fig.transFigure,
                        facecolor=c,
                        edgecolor="none",
                    )
                )
        elif kind == "entry":
            c, skind = extra
            if skind == "point":
                fig.patches.append(
                    Circle(
                        (x + sw / 2, y),
                        step * 0.28,
                        transform=fig.transFigure,
                        facecolor=c,
                        edgecolor="#444444",
                        linewidth=0.4,
                    )
                )
            elif skind == "line":
                fig.patches.append(
                    Rectangle(
                        (x, y - step * 0.06),
                        sw,
                        step * 0.12,
                        transform=fig.transFigure,
                        facecolor=c,
                        edgecolor="none",
                    )
                )
            else:
                fig.patches.append(
                    Rectangle(
                        (x, y - step * 0.3),
                        sw,
                        step * 0.6,
                        transform=fig.transFigure,
                        facecolor=c,
                        edgecolor="#777777",
                        linewidth=0.4,
                    )
                )
            fig.text(x + sw * 1.35, y, text, fontsize=size, va="center")


def _working(spec: MapSpec) -> tuple[Any, tuple[float, float, float, float]]:
    ext = spec.extent
    if ext.crs is None:
        msg = "the map's extent has no CRS"
        raise GeoplanError(msg)
    if not ext.crs.is_projected:
        ext = gcrs.to_working(ext)
    return ext.crs, tuple(float(v) for v in ext.total_bounds)  # type: ignore[return-value]


def figure(spec: MapSpec, *, paper: str = "A3") -> Any:
    """The matplotlib figure of *spec* on *paper* (landscape)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    if paper not in PAPERS:
        msg = f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}"
        raise GeoplanError(msg)
    w_mm, h_mm = PAPERS[paper]
    scale = w_mm / PAPERS["A3"][0]  # fonts scale with the paper
    family = _font_family()
    with matplotlib.rc_context(
        {"font.family": family, "pdf.fonttype": 3, "axes.unicode_minus": False}
    ):
        fig = Figure(figsize=(w_mm * MM, h_mm * MM))
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        crs, (minx, miny, maxx, maxy) = _working(spec)
        ax = fig.add_axes(_MAP)
        ax.set_aspect("equal")
        ax.set_facecolor("#f5f4ef")
        for layer in spec.layers:
            if layer.printed and layer.show:
                _draw_layer(ax, layer, crs)
        # fit the content with a margin, keeping the axes' aspect
        pad = 0.04 * max(maxx - minx, maxy - miny)
        minx, maxx, miny, maxy = minx - pad, maxx + pad, miny - pad, maxy + pad
        box_w, box_h = _MAP[2] * w_mm, _MAP[3] * h_mm
        if (maxx - minx) / (maxy - miny) > box_w / box_h:
            mid, half = (miny + maxy) / 2, (maxx - minx) * box_h / box_w / 2
            miny, maxy = mid - half, mid + half
        else:
            mid, half = (minx + maxx) / 2, (maxy - miny) * box_w / box_h / 2
            minx, maxx = mid - half, mid + half
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        for side in ax.spines.values():
            side.set_linewidth(1.2)
        labels = _label_items([x for x in spec.layers if x.printed and x.show], crs)
        dropped = _place_labels(fig, ax, labels, 9.5 * scale)
        if dropped:
            logger.info(
                "print map: %d of %d labels left out to avoid overlaps", dropped, len(labels)
            )
        _scale_bar(ax, spec.lang, 8.5 * scale)
        _north_arrow(ax, spec.lang, 10 * scale)
        fig.text(_MAP[0], _TITLE_Y, spec.title, fontsize=20 * scale, fontweight="bold", va="center")
        if spec.subtitle:
            fig.text(
                _MAP[0],
                _TITLE_Y - 0.035,
                spec.subtitle,
                fontsize=11 * scale,
                va="center",
                color="#444444",
            )
        top = _MAP[1] + _MAP[3] - 0.035
        _legend_panel(fig, spec, top, _MAP[1], 9.5 * scale)
        foot = [f"{t('map_source_label', spec.lang)}{spec.source}"] if spec.source else []
        foot += spec.notes
        foot.append(t("map_date", spec.lang, date=spec.date))
        fig.text(
            _MAP[0], 0.035, "    ".join(foot), fontsize=8.5 * scale, color="#333333", va="center"
        )
        fig.text(
            0.985,
            0.035,
            t("map_crs_note", spec.lang),
            fontsize=7.5 * scale,
            color="#666666",
            va="center",
            ha="right",
        )
    return fig


def render(spec: MapSpec, *, fmt: str = "pdf", paper: str = "A3", dpi: int = 200) -> bytes:
    """The print map as PNG or PDF bytes."""
    import matplotlib

    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        raise GeoplanError(msg)
    fig = figure(spec, paper=paper)
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 3, "font.family": _font_family()}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_metadata(spec, fmt))
    return buf.getvalue()


def _metadata(spec: MapSpec, fmt: str) -> dict[str, str]:
    if fmt == "pdf":
        return {"Title": spec.title, "Creator": "GeoPlan", "Subject": " ".join(spec.notes)}
    return {"Title": spec.title, "Software": "GeoPlan"}


def write(spec: MapSpec, path: str | Path, *, fmt: str | None = None, paper: str = "A3") -> Path:
    """Write the print map to *path* atomically; the format follows the suffix unless given."""
    from geoplan.data.io import write_bytes_atomic

    p = Path(path)
    kind = fmt or p.suffix.lower().lstrip(".")
    return write_bytes_atomic(p, render(spec, fmt=kind, paper=paper))
