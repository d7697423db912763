"""Offline Folium maps: compact encoding round-trip, no external assets, GCJ-02 shift, picking, size."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import make_parcels

from geoplan.data import crs as gcrs
from geoplan.errors import GeoplanError
from geoplan.present import maps, viz


def decode(payload: str) -> tuple[str, list]:
    """Python mirror of the JS decoder: back to lon/lat lists."""
    d = json.loads(payload)

    def ring(a):
        xy = np.cumsum(np.asarray(a, dtype=np.int64).reshape(-1, 2), axis=0) / maps.QUANT
        return xy

    if d["kind"] == "point":
        return "point", [np.asarray(p) / maps.QUANT for p in d["f"]]
    if d["kind"] == "line":
        return "line", [[ring(p) for p in f] for f in d["f"]]
    return "polygon", [[[ring(r) for r in poly] for poly in f] for f in d["f"]]


def test_polygon_roundtrip_with_hole_and_multipart():
    outer = shapely.box(121.40, 38.80, 121.41, 38.81)
    hole = shapely.box(121.402, 38.802, 121.404, 38.804)
    with_hole = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon(
        [shapely.box(121.5, 38.9, 121.501, 38.901), shapely.box(121.6, 38.9, 121.601, 38.901)]
    )
    g = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[with_hole, multi], crs=4326)
    kind, feats = decode(maps.compact_payload(g, colors=["#f00", "#0f0"], ids="id"))
    assert kind == "polygon"
    assert len(feats[0]) == 1 and len(feats[0][0]) == 2  # one polygon, exterior + hole
    assert len(feats[1]) == 2  # two polygons
    np.testing.assert_allclose(feats[0][0][1], np.asarray(hole.exterior.coords), atol=1e-5)
    np.testing.assert_allclose(
        feats[1][1][0], np.asarray(multi.geoms[1].exterior.coords), atol=1e-5
    )


def test_lines_points_and_palette():
    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(121.4, 38.8), (121.41, 38.82)]),
            shapely.MultiLineString(
                [[(121.5, 38.8), (121.51, 38.8)], [(121.6, 38.8), (121.6, 38.81)]]
            ),
        ],
        crs=4326,
    )
    kind, feats = decode(maps.compact_payload(lines, colors=["#111", "#222"]))
    assert kind == "line" and len(feats[1]) == 2
    np.testing.assert_allclose(feats[0][0][-1], [121.41, 38.82], atol=1e-5)
    pts = gpd.GeoDataFrame(
        {"c": ["x", "y", "x"]},
        geometry=shapely.points([[121.4, 38.8], [121.5, 38.9], [121.45, 38.85]]),
        crs=4326,
    )
    d = json.loads(maps.compact_payload(pts, colors=np.array(["#a", "#b", "#a"])))
    assert d["kind"] == "point" and d["pal"] == ["#a", "#b"] and d["ci"] == [0, 1, 0]
    mixed = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(GeoplanError, match="one geometry family"):
        maps.compact_payload(mixed, colors="#000")


def test_gaode_overlays_are_shifted_to_gcj02():
    p = make_parcels(2).to_crs(gcrs.WORKING_CRS)
    plain = maps.to_display(p, simplify_m=0)
    shifted = maps.to_display(p, basemap="gaode", simplify_m=0)
    xy = shapely.get_coordinates(plain.geometry.values)
    lon, lat = gcrs.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(
        shapely.get_coordinates(shifted.geometry.values), np.column_stack([lon, lat]), atol=1e-9
    )
    assert (
        np.abs(xy - shapely.get_coordinates(shifted.geometry.values)).max() > 1e-4
    )  # a few hundred metres


def test_layout_map_is_offline_and_complete(sample_zone):
    html = maps.to_html(viz.layout_map(sample_zone))
    assert maps.external_urls(html) == []
    assert "data:text/javascript;base64," in html  # Leaflet inline
    assert "cdn.jsdelivr" not in html and "bootstrap" not in html.lower()
    for text in (
        "用地用海分类",
        "十四五空间结构",
        "gp-north",
        "control.scale",
        "L.control.layers",
        "英歌石科学城",
    ):
        assert text in html or json.dumps(text)[1:-1] in html, text
    html13 = maps.to_html(viz.layout_map(sample_zone, structure="13th", lang="en"))
    assert "13th FYP plates" in html13 and maps.external_urls(html13) == []


def test_external_urls_detects_cdn():
    assert maps.external_urls('<script src="https://cdn.x/leaflet.js"></script>') == [
        "https://cdn.x/leaflet.js"
    ]
    m = maps.base_map((121.4, 38.8, 121.5, 38.9), basemap="osm")
    assert any("openstreetmap" in u for u in maps.external_urls(maps.to_html(m)))


def test_tianditu_key(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(GeoplanError, match="TIANDITU_KEY"):
        maps.base_map((121.4, 38.8, 121.5, 38.9), basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    html = maps.to_html(maps.base_map((121.4, 38.8, 121.5, 38.9), basemap="tianditu"))
    assert "tk=abc123" in html
    with pytest.raises(GeoplanError, match="unknown basemap"):
        maps.base_map((0, 0, 1, 1), basemap="google")


def test_draw_plugin_is_vendored():
    html = maps.to_html(maps.finish(maps.base_map((121.4, 38.8, 121.5, 38.9), draw=True)))
    assert "L.Control.Draw" in html or "new L.Control.Draw" in html
    assert maps.external_urls(html) == []
    assert "cdnjs" not in html


def test_feature_at_plain_and_gaode():
    p = make_parcels(3).to_crs(gcrs.WORKING_CRS)
    c = make_parcels(3).geometry.iloc[1].centroid
    assert maps.feature_at(p, c.y, c.x) == 1
    lon, lat = gcrs.wgs84_to_gcj02(np.array([c.x]), np.array([c.y]))
    assert maps.feature_at(p, float(lat[0]), float(lon[0]), basemap="gaode") == 1
    assert maps.feature_at(p, 0.0, 0.0) is None


def test_numeric_classes_and_missing():
    cols, entries = viz.numeric_classes([1.0, 2.0, 3.0, 4.0, None], n=2)
    assert cols[-1] == "#cccccc" and entries[-1][0] == "—"
    assert cols[0] != cols[3]


def test_parcel_map_payload_under_3mb(sample_zone):
    from geoplan.analysis import land_yield

    z = sample_zone
    ev = land_yield.evaluate(z.layers["parcels"], z.layers["firms"], plates=z.layers["plates"])
    for by in ("land_use", "class", "tax_per_mu"):
        html = maps.to_html(viz.parcel_map(ev.parcels, by=by, zone=z.layers["zone"]))
        size = len(html.encode("utf-8"))
        assert size <= 3_000_000, (by, size)
        assert maps.external_urls(html) == []


def test_import_geoplan_stays_light():
    code = (
        "import sys, geoplan, geoplan.present.maps, geoplan.present.viz, geoplan.standards.landuse, geoplan.text;"
        "bad=[m for m in ('folium','streamlit','branca') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_map_writes_offline_html(tmp_path, capsys):
    from geoplan.cli.main import main

    out = tmp_path / "map.html"
    assert main(["map", "--out", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["offline"] is True and out.exists() and info["bytes"] == len(out.read_bytes())
    with pytest.raises(SystemExit) as exc:  # argparse rejects it with the user-error code
        main(["map", "--out", str(tmp_path / "x.html"), "--basemap", "nope"])
    assert exc.value.code == 2


def test_payload_bytes_counts_vector_layers(sample_zone):
    m = viz.parcel_map(sample_zone.layers["parcels"], zone=sample_zone.layers["zone"])
    n = maps.payload_bytes(m)
    html = maps.to_html(m)
    assert 100_000 < n < len(html.encode("utf-8")) <= 3_000_000
