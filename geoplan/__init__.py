"""GeoPlan: land-use and zoning planning for China's high-tech industrial zones.

The library is importable without the app stack: ``import geoplan`` pulls in neither streamlit
nor folium. Modules, one planning concept each:

- :mod:`geoplan.catalog`, :mod:`geoplan.layers`, :mod:`geoplan.io`, :mod:`geoplan.zone` — layer
  types, loading, validation, atomic writes, the zone bundle;
- :mod:`geoplan.crs` — the working CRS, areas in m²/亩, GCJ-02 / BD-09.
"""

from __future__ import annotations

__version__ = "0.1.0"
