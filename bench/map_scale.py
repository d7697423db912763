"""Map building at scale: 100,000 parcels, compact layer vs a naive ``folium.GeoJson(gdf)``.

Both maps hold the same parcels (boxes in the working CRS with land-use codes) coloured by land
use; both are rendered to standalone HTML. Prints build+render time and HTML size for each and the
ratios (target: compact ≥ 5× faster and ≥ 5× smaller). Run: ``.venv/bin/python bench/map_scale.py``.
"""

from __future__ import annotations

import argparse
import json
import time

import geopandas as gpd
import numpy as np
import shapely


def make_parcels(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    from geoplan.data.crs import WORKING_CRS

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0 = 480_000 + (i % side) * 60.0
    y0 = 4_290_000 + (i // side) * 60.0
    w = rng.uniform(30, 55, n)
    h = rng.uniform(30, 55, n)
    codes = rng.choice(["100101", "100102", "0802", "0701", "0901", "0902", "1401", "16"], n)
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{k:06d}" for k in i],
            "land_use": codes,
            "area_mu": np.round(w * h / 666.67, 2),
            "far": np.round(rng.uniform(0.3, 3.0, n), 2),
        },
        geometry=shapely.box(x0, y0, x0 + w, y0 + h),
        crs=WORKING_CRS,
    )


def compact(gdf: gpd.GeoDataFrame) -> str:
    from geoplan.present import maps
    from geoplan.standards import landuse

    m = maps.base_map(maps.bounds_4326(gdf))
    maps.add_layer(
        m,
        gdf,
        "parcels",
        colors=landuse.colors_for(gdf["land_use"]),
        ids="parcel_id",
        tooltip={"parcel_id": "地块", "land_use": "用地", "area_mu": "亩", "far": "容积率"},
    )
    return maps.to_html(maps.finish(m))


def naive(gdf: gpd.GeoDataFrame) -> str:
    import folium

    from geoplan.standards import landuse

    g = gdf.to_crs(4326)
    g["color"] = landuse.colors_for(g["land_use"])
    minx, miny, maxx, maxy = g.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None)
    folium.GeoJson(
        g,
        style_function=lambda f: {"fillColor": f["properties"]["color"], "weight": 0.5},
        tooltip=folium.GeoJsonTooltip(["parcel_id", "land_use", "area_mu", "far"]),
    ).add_to(m)
    return m.get_root().render()


def timed(fn, gdf):
    t0 = time.perf_counter()
    html = fn(gdf)
    return time.perf_counter() - t0, len(html.encode("utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    gdf = make_parcels(args.n)
    timed(compact, gdf.head(100))  # warm imports and asset cache for both
    timed(naive, gdf.head(100))
    tc, sc = timed(compact, gdf)
    tn, sn = timed(naive, gdf)
    out = {
        "parcels": args.n,
        "compact_s": round(tc, 2),
        "compact_mb": round(sc / 1e6, 2),
        "naive_s": round(tn, 2),
        "naive_mb": round(sn / 1e6, 2),
        "speedup": round(tn / tc, 1),
        "size_ratio": round(sn / sc, 1),
        "target_met": tn / tc >= 5 and sn / sc >= 5,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
