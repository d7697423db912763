"""GeoPlan: land-use and zoning planning for China's high-tech industrial zones.

The library is importable without the app stack: ``import geoplan`` pulls in neither streamlit
nor folium. Data flows one way through its packages:

- :mod:`geoplan.data` — read files, map columns, validate layers, CRS (the only package on disk);
- :mod:`geoplan.config` — the one bounded YAML loader and typed configuration models;
- :mod:`geoplan.standards` — what land-use codes mean; coefficient and control tables;
- :mod:`geoplan.analysis` — 亩均 evaluation, compliance, 低效用地, road network, infrastructure
  balance, service coverage, raster suitability and candidate land;
- :mod:`geoplan.scenario` — scenario files, operations, capacity-constrained allocation, KPIs;
- :mod:`geoplan.present` — maps, charts and workbooks (EPSG:4326 only here);
- :mod:`geoplan.store` — the versioned project store (GeoPackage / PostGIS);
- :mod:`geoplan.cli` — the ``geoplan`` command; the Streamlit pages live in ``app_pages/``.

Beside them: :mod:`geoplan.settings` (constants and every environment variable),
:mod:`geoplan.errors`, :mod:`geoplan.text` (every user-facing text by message key),
:mod:`geoplan.cache` (the content-keyed cache), :mod:`geoplan.zone` (a zone's layers) and
:mod:`geoplan.sample` (the generator of the bundled sample).
"""

from __future__ import annotations

__version__ = "0.1.0"
