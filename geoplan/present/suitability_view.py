"""Suitability on screen: the score / constraint image, the map with candidate areas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geoplan.analysis.raster import decimated
from geoplan.analysis.suitability import SuitabilityResult
from geoplan.present import raster_view
from geoplan.standards.suitability import BITS, CONSTRAINTS

#: Colour stops of the score ramp (score, r, g, b).
_RAMP = np.array([[0.0, 215, 48, 39], [0.5, 254, 224, 139], [1.0, 26, 152, 80]], dtype="float64")
_CONSTRAINT_COLOURS = {
    "forest_park": (35, 110, 35),
    "ecological_core": (70, 140, 60),
    "water_source": (60, 120, 200),
    "coastal_setback": (120, 190, 220),
    "steep_slope": (150, 110, 80),
    "built": (160, 160, 160),
    "other": (110, 110, 110),
}


def colourise(
    score: np.ndarray,
    bits: np.ndarray,
    valid: np.ndarray,
    *,
    constraints_only: bool = False,
    alpha: int = 190,
) -> np.ndarray:
    """RGBA uint8 image: score ramp on free land, constraint colours (or grey) on constrained land."""
    h, w = score.shape
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    s = np.clip(np.nan_to_num(score, nan=0.0), 0, 1)
    if not constraints_only:
        for c in range(3):
            rgba[..., c] = np.interp(s, _RAMP[:, 0], _RAMP[:, c + 1]).astype(np.uint8)
        rgba[..., 3] = np.where(valid & ~np.isnan(score), alpha, 0)
    con = (bits > 0) & valid
    for name in reversed(list(CONSTRAINTS)):  # lowest bit wins: paint it last
        m = con & ((bits & BITS[name]) > 0)
        if m.any():
            rgba[m, :3] = _CONSTRAINT_COLOURS[name] if constraints_only else (128, 128, 128)
            rgba[m, 3] = alpha if constraints_only else 150
    return rgba


def display_image(
    res: SuitabilityResult, max_px: int = 1024, *, what: str = "score"
) -> tuple[np.ndarray, list[list[float]]]:
    """An RGBA uint8 image in EPSG:4326 and its bounds ``[[south, west], [north, east]]``.

    For a Folium ``ImageOverlay``. Score is coloured red → yellow → green; hard-constrained
    cells grey; no data transparent. ``what="constraints"`` colours the constraint mask only.
    """
    grid = res.grid
    k = max(1, math.ceil(max(grid.width, grid.height) / max_px))
    score, src_t = decimated(res.store, "score", k)
    bits, _ = decimated(res.store, "bits", k)
    valid = (~np.isnan(score)).astype("uint8")
    (s_out, b_out, v_out), bounds = raster_view.warp_to_lonlat(
        [np.asarray(score, dtype="float32"), np.asarray(bits, dtype="uint8"), valid],
        src_t,
        grid.crs,
    )
    rgba = colourise(s_out, b_out, v_out.astype(bool), constraints_only=(what == "constraints"))
    return rgba, bounds


def display_png(
    res: SuitabilityResult, max_px: int = 1024, *, what: str = "score"
) -> tuple[bytes, list[list[float]]]:
    """PNG bytes of :func:`display_image` and its EPSG:4326 bounds."""
    rgba, bounds = display_image(res, max_px, what=what)
    return raster_view.encode_png(rgba), bounds


def _rounded(cand: Any) -> Any:
    """Candidate attributes rounded to display precision (for tooltips)."""
    out = cand[["candidate_id", "area_mu", "mean_score", "plate", "geometry"]].copy()
    out["area_mu"] = out["area_mu"].round(1)
    out["mean_score"] = out["mean_score"].round(2)
    out["plate"] = out["plate"].fillna("—")
    return out


def suitability_map(
    res: SuitabilityResult,
    zone_layer: Any,
    *,
    what: str,
    min_area_mu: float,
    lang: str,
    basemap: str,
) -> tuple[Any, Any]:
    """The suitability map (score or constraint image, zone outline, candidate areas, legend)
    and the candidate areas shown on it."""
    from geoplan.present import maps
    from geoplan.text import t

    png, bounds = display_png(res, 900, what=what)
    m = maps.base_map(
        maps.bounds_4326(zone_layer, basemap), basemap=basemap, north=t("north", lang)
    )
    raster_view.add_image_overlay(m, png, bounds, name=t("suit_overlay", lang))
    maps.add_layer(
        m,
        zone_layer,
        t("layer_zone", lang),
        colors="#222",
        basemap=basemap,
        style={"fill_opacity": 0, "weight": 2, "dash": "8 4"},
        simplify_m=5,
    )
    cand = res.find_candidates(min_area_mu=min_area_mu)
    if len(cand):
        maps.add_layer(
            m,
            _rounded(cand),
            t("candidates", lang),
            colors="#2b83ba",
            basemap=basemap,
            tooltip=candidate_tooltip(lang),
            style={"fill_opacity": 0.35, "weight": 2, "stroke": "#08519c"},
        )
    ramp = [("0.0", "#d7191c"), ("0.5", "#ffffbf"), ("1.0", "#1a9641")]
    maps.add_legend(
        m,
        [
            maps.legend_html(t("suit_overlay", lang), ramp),
            maps.legend_html(t("candidates", lang), [(t("candidates", lang), "#2b83ba")]),
        ],
    )
    return maps.finish(m), cand


# --- tables ------------------------------------------------------------------------------------

#: Candidate columns shown, with their display precision (None: text).
_CANDIDATE_COLUMNS: dict[str, int | None] = {
    "candidate_id": None,
    "area_mu": 1,
    "mean_score": 2,
    "road_distance_m": 0,
    "plate": None,
    "structure_element": None,
    "in_zone": None,
}


def _cell(v: object, digits: int | None, lang: str) -> object:
    from geoplan.text import t

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return t("suit_none", lang)
    if isinstance(v, bool | np.bool_):
        return t("yes" if v else "no", lang)
    if digits is not None:
        return f"{float(v):,.{digits}f}"  # type: ignore[arg-type]
    return str(v)


def candidate_table(cand: Any, lang: str) -> Any:
    """Candidate areas as a table for readers: named headers, rounded numbers, 是/否, no None."""
    import pandas as pd

    from geoplan.text import t

    cols = [c for c in _CANDIDATE_COLUMNS if c in cand.columns]
    return pd.DataFrame(
        {
            t(f"suit_col_{c}", lang): [_cell(v, _CANDIDATE_COLUMNS[c], lang) for v in cand[c]]
            for c in cols
        }
    )


def candidate_tooltip(lang: str) -> dict[str, str]:
    """Map tooltip fields of candidate areas → their names."""
    from geoplan.text import t

    return {c: t(f"suit_col_{c}", lang) for c in ("candidate_id", "area_mu", "mean_score", "plate")}


def weights_table(weights: dict[str, float], lang: str) -> Any:
    """The factors used and their normalised weights, by name."""
    import pandas as pd

    from geoplan.text import t

    return pd.DataFrame(
        {
            t("suit_col_factor", lang): [t(f"suit_factor_{k}", lang) for k in weights],
            t("suit_col_weight", lang): [f"{v:.2f}" for v in weights.values()],
        }
    )
