"""The Leaflet elements GeoPlan's maps are made of (branca / folium macro elements) and their JS.

- :func:`make_layer_class` — a vector layer drawn from a compact payload by a small JS decoder on
  a canvas renderer; labels are decluttered on every zoom / move (``geoplanDeclutter``).
- :func:`make_control_class` — a Leaflet control with fixed HTML (legend, north arrow).
- :func:`make_fit_class` — fits the content into the part of the map the legend leaves free.
- :func:`make_scale_class` — Leaflet's scale bar in metres only.

folium / branca / jinja2 are imported inside the factories so importing this module stays light.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

BACKGROUND = "#f5f4ef"

_JS = r"""
window.geoplanCompact = window.geoplanCompact || function (data, group, renderer) {
  var Q = 1e5, kind = data.kind, n = data.f.length, pal = data.pal, ci = data.ci;
  function ring(a) { var out = new Array(a.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < a.length; i += 2, j++) { x += a[i]; y += a[i + 1]; out[j] = [y / Q, x / Q]; }
    return out; }
  function tip(i) { if (!data.tip) return null; var parts = [];
    for (var k = 0; k < data.tip.length; k++) { var v = data.p[data.tip[k][0]][i];
      if (v !== null && v !== undefined && v !== '') parts.push(data.tip[k][1] + ': ' + v); }
    return parts.join('<br>'); }
  var st = data.style;
  for (var i = 0; i < n; i++) {
    var c = pal[ci ? ci[i] : 0], lyr, g = data.f[i];
    if (kind === 'polygon') {
      lyr = L.polygon(g.map(function (p) { return p.map(ring); }),
        {renderer: renderer, color: st.stroke || c, weight: st.weight, opacity: st.opacity,
         fillColor: c, fillOpacity: st.fill_opacity, dashArray: st.dash || null});
    } else if (kind === 'line') {
      lyr = L.polyline(g.map(ring), {renderer: renderer, color: c, weight: st.weight,
         opacity: st.opacity, dashArray: st.dash || null});
    } else {
      lyr = L.circleMarker([g[1] / Q, g[0] / Q], {renderer: renderer, radius: st.radius,
         color: st.stroke || '#333', weight: 1, fillColor: c, fillOpacity: st.fill_opacity});
    }
    lyr.feature = {type: 'Feature', properties: {id: data.ids ? data.ids[i] : i}};
    if (data.tip && n <= data.tip_max) { lyr.bindTooltip(tip(i), {sticky: true}); }
    group.addLayer(lyr);
  }
  if (data.labels) { data.labels.forEach(function (l) {
    L.marker([l[0], l[1]], {icon: L.divIcon({className: 'gp-label', html: '<span>' + l[2] + '</span>',
      iconSize: null}), interactive: false, keyboard: false, gpLabel: true, gpRank: l[3] || 0}).addTo(group); }); }
  return group;
};
// Labels never overlap and are never cut at the edge: after every zoom / move the labels are
// placed in rank order (larger first); one that would collide or leave the map is hidden.
window.geoplanDeclutter = window.geoplanDeclutter || function (map) {
  if (map._gpDeclutter) return; map._gpDeclutter = true;
  function run() {
    var items = [];
    map.eachLayer(function (l) { if (l.options && l.options.gpLabel && l._icon) items.push(l); });
    items.sort(function (a, b) { return b.options.gpRank - a.options.gpRank; });
    var box = map.getContainer().getBoundingClientRect(), placed = [];
    // the map's own controls (legend, scale, zoom, north arrow) are obstacles too
    map.getContainer().querySelectorAll('.leaflet-control').forEach(function (c) {
      var r = c.getBoundingClientRect(); if (r.width > 0) placed.push(r); });
    function free(r) {
      if (!(r.width > 0 && r.left >= box.left + 2 && r.right <= box.right - 2 &&
            r.top >= box.top + 2 && r.bottom <= box.bottom - 2)) return false;
      for (var i = 0; i < placed.length; i++) { var p = placed[i];
        if (r.left < p.right + 3 && r.right > p.left - 3 &&
            r.top < p.bottom + 1 && r.bottom > p.top - 1) return false; }
      return true; }
    items.forEach(function (l) {
      var icon = l._icon, el = icon.firstChild || icon, tops = ['-8px', '-24px', '8px'], done = false;
      icon.style.visibility = 'visible';
      for (var k = 0; k < tops.length && !done; k++) { el.style.top = tops[k];
        var r = el.getBoundingClientRect(); if (free(r)) { placed.push(r); done = true; } }
      if (!done) { el.style.top = tops[0]; icon.style.visibility = 'hidden'; }
    });
  }
  var pending = null;
  function later() { if (pending) clearTimeout(pending); pending = setTimeout(run, 30); }
  map.on('zoomend moveend overlayadd overlayremove resize layeradd gp-relabel', later);
  [60, 500, 1200, 2000].forEach(function (ms) { setTimeout(run, ms); });
};
"""


@lru_cache(maxsize=1)
def make_layer_class():
    from folium.map import Layer
    from jinja2 import Template

    class CompactLayer(Layer):
        """A vector layer drawn from a compact payload by a small JS decoder (canvas renderer)."""

        _template = Template(
            """
{% macro script(this, kwargs) %}
"""
            + _JS
            + """
    var {{ this.get_name() }} = window.geoplanCompact({{ this.payload }},
        L.featureGroup(), L.canvas({padding: 0.3, tolerance: 3}));
    {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
    window.geoplanDeclutter({{ this._parent.get_name() }});
{% endmacro %}
"""
        )

        def __init__(self, payload: str, name: str, *, show: bool = True, control: bool = True):
            super().__init__(name=name, overlay=True, control=control, show=show)
            self._name = "CompactLayer"
            self.payload = payload

        def render(self, **kwargs):
            # branca's MacroElement.render wraps the rendered script in a new Element, which
            # compiles it as a Jinja template — megabytes of payload lexed on every map render.
            # The script is final text: add it as is. (The template adds the layer to its map.)
            script = self._template.module.__dict__["script"](self, kwargs)
            root: Any = self.get_root()
            root.script.add_child(raw_element_class()(script), name=self.get_name())

    return CompactLayer


@lru_cache(maxsize=1)
def raw_element_class():
    from branca.element import Element

    class RawElement(Element):
        """Already-rendered text (no template to compile)."""

        def __init__(self, text: str):
            super().__init__()
            self._text = text

        def render(self, **kwargs):
            return self._text

    return RawElement


_CSS = """
<style>
.leaflet-container {background: BACKGROUND; font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;}
.gp-label span {font-size: 12px; font-weight: 600; color: #222; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; position: relative; left: -50%; top: -8px;}
.gp-legend {background: rgba(255,255,255,.93); padding: 4px 8px; border-radius: 4px; font-size: 12px;
  line-height: 16px; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: calc(100vw - 70px);
  max-height: calc(100vh - 60px); overflow: auto;}
.gp-legend summary {cursor: pointer; font-weight: 600; user-select: none;}
.gp-legend .gp-secs {display: flex; flex-flow: row wrap-reverse; justify-content: flex-end;
  align-items: flex-end; gap: 2px 14px; margin-top: 3px;}
.gp-legend .gp-sec {max-width: 240px;}
.gp-legend .gp-row {white-space: nowrap;}
.gp-legend .gp-flow span {display: inline-block; white-space: nowrap; margin-right: 8px;}
.gp-legend .gp-note {color: #555; font-size: 11px; white-space: normal;}
.gp-legend i {display: inline-block; width: 14px; height: 10px; margin-right: 5px; border: 1px solid #777;
  vertical-align: middle;}
.gp-legend b {display: block; margin: 2px 0;}
.gp-north {background: rgba(255,255,255,.85); padding: 2px 6px; border-radius: 4px; text-align: center;
  font: bold 13px sans-serif; line-height: 14px; box-shadow: 0 1px 4px rgba(0,0,0,.3);}
</style>
""".replace("BACKGROUND", BACKGROUND)


def make_control_class():
    from branca.element import MacroElement
    from jinja2 import Template

    class HtmlControl(MacroElement):
        """A Leaflet control holding fixed HTML (legend, north arrow); works in st_folium too."""

        _template = Template("""
{% macro script(this, kwargs) %}
    (function () {
      var m = {{ this._parent.get_name() }}, c = L.control({position: {{ this.position|tojson }}});
      c.onAdd = function () { var d = L.DomUtil.create('div', {{ this.css_class|tojson }});
        d.innerHTML = {{ this.html|tojson }}; L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        d.addEventListener('toggle', function () { m.fire('gp-relabel'); }, true); return d; };
      c.addTo({{ this._parent.get_name() }});
      if (!document.getElementById('gp-style')) { var s = document.createElement('div');
        s.id = 'gp-style'; s.innerHTML = {{ this.css|tojson }}; document.head.appendChild(s.firstElementChild); }
      // a legend that would cover much of a small map starts folded (one click opens it)
      function fold() { var el = c.getContainer(), det = el && el.querySelector('details'), sz = m.getSize();
        if (det && det.open && el.offsetWidth > 0.5 * sz.x && el.offsetHeight > 0.3 * sz.y) det.open = false; }
      [50, 350].forEach(function (ms) { setTimeout(fold, ms); });
    })();
{% endmacro %}
""")

        def __init__(self, html: str, position: str = "bottomright", css_class: str = "gp-legend"):
            super().__init__()
            self._name = "HtmlControl"
            self.html = html
            self.position = position
            self.css_class = css_class
            self.css = _CSS.strip()

    return HtmlControl


def make_fit_class():
    from branca.element import MacroElement
    from jinja2 import Template

    class FitOnResize(MacroElement):
        """Re-fit the bounds when the container gets its final size (iframes resize after load)."""

        _template = Template("""
{% macro script(this, kwargs) %}
    (function (m, b) {
      var t0 = Date.now(), user = false;
      // fit the content into the part of the map the legend leaves free: beside it or above it,
      // whichever keeps the larger zoom (a legend wider or taller than 60 % of the map is ignored:
      // it can be collapsed)
      function fit() { if (user) return; m.invalidateSize();
        var s = m.getSize(), leg = m.getContainer().querySelector('.gp-legend');
        var opts = [{paddingTopLeft: [16, 16], paddingBottomRight: [16, 16]}];
        if (leg && leg.offsetWidth < 0.6 * s.x)
          opts.push({paddingTopLeft: [16, 16], paddingBottomRight: [leg.offsetWidth + 20, 16]});
        if (leg && leg.offsetHeight < 0.6 * s.y)
          opts.push({paddingTopLeft: [16, 16], paddingBottomRight: [16, leg.offsetHeight + 20]});
        var bounds = L.latLngBounds(b), best = opts[0], bz = -Infinity;
        opts.forEach(function (o, i) {
          var pad = L.point(o.paddingTopLeft).add(L.point(o.paddingBottomRight));
          var z = m.getBoundsZoom(bounds, false, pad) - (i === 0 ? 0.75 : 0);  // prefer a free view
          if (z > bz) { bz = z; best = o; } });
        m.fitBounds(bounds, best); }
      m.getContainer().addEventListener('mousedown', function () { user = true; });
      m.getContainer().addEventListener('wheel', function () { user = true; });
      window.addEventListener('resize', function () { if (Date.now() - t0 < 3000) fit(); });
      [100, 400, 900, 1800].forEach(function (ms) { setTimeout(fit, ms); });
    })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
{% endmacro %}
""")

        def __init__(self, bounds: list):
            super().__init__()
            self._name = "FitOnResize"
            self.bounds = bounds

    return FitOnResize


def make_scale_class():
    from branca.element import MacroElement
    from jinja2 import Template

    class MetricScale(MacroElement):
        """Leaflet's scale bar in metres and kilometres only (no miles)."""

        _template = Template("""
{% macro script(this, kwargs) %}
    L.control.scale({metric: true, imperial: false, maxWidth: 160, position: 'bottomleft'})
      .addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

        def __init__(self) -> None:
            super().__init__()
            self._name = "MetricScale"

    return MetricScale
