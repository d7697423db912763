"""GeoPlan: land-use and zoning planning for China's high-tech industrial zones.

The library is importable without the app stack: ``import geoplan`` pulls in neither streamlit
nor folium. Modules, one planning concept each:

- :mod:`geoplan.catalog`, :mod:`geoplan.layers`, :mod:`geoplan.io`, :mod:`geoplan.zone` — layer
  types, loading, validation, atomic writes, the zone bundle;
- :mod:`geoplan.crs` — the working CRS, areas in m²/亩, GCJ-02 / BD-09;
- :mod:`geoplan.config` — validated YAML with file/line/field errors;
- :mod:`geoplan.land_yield`, :mod:`geoplan.schemes`, :mod:`geoplan.compliance`,
  :mod:`geoplan.low_efficiency`, :mod:`geoplan.report` — 亩均 evaluation, 低效用地, control
  indicators, Excel exports;
- :mod:`geoplan.network`, :mod:`geoplan.infrastructure`, :mod:`geoplan.coverage` — road graph,
  catchments, substation / sewage-plant balance per phase, 六纵五横, 500米见园;
- :mod:`geoplan.suitability`, :mod:`geoplan.io_raster` — raster suitability and constraints;
- :mod:`geoplan.scenario` — scenario files, operations, capacity-constrained allocation, KPIs,
  comparison;
- :mod:`geoplan.store` — the versioned project store (GeoPackage / PostGIS);
- :mod:`geoplan.maps`, :mod:`geoplan.viz` — offline Folium maps (display only).
"""

from __future__ import annotations

__version__ = "0.1.0"
