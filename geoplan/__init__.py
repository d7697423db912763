"""GeoPlan: land-use and zoning planning for China's high-tech industrial zones.

The library is importable without the app stack: ``import geoplan`` pulls in neither streamlit
nor folium. Modules, one planning concept each:

- :mod:`geoplan.data.catalog`, :mod:`geoplan.data.layers`, :mod:`geoplan.data.io`, :mod:`geoplan.zone` — layer
  types, loading, validation, atomic writes, the zone bundle;
- :mod:`geoplan.data.crs` — the working CRS, areas in m²/亩, GCJ-02 / BD-09;
- :mod:`geoplan.config.loader` — validated YAML with file/line/field errors;
- :mod:`geoplan.analysis.land_yield`, :mod:`geoplan.analysis.land_yield.schemes`, :mod:`geoplan.analysis.compliance`,
  :mod:`geoplan.analysis.low_efficiency`, :mod:`geoplan.present.report` — 亩均 evaluation, 低效用地, control
  indicators, Excel exports;
- :mod:`geoplan.analysis.network`, :mod:`geoplan.analysis.infrastructure`, :mod:`geoplan.analysis.coverage` — road graph,
  catchments, substation / sewage-plant balance per phase, 六纵五横, 500米见园;
- :mod:`geoplan.analysis.suitability`, :mod:`geoplan.data.io_raster` — raster suitability and constraints;
- :mod:`geoplan.scenario` — scenario files, operations, capacity-constrained allocation, KPIs,
  comparison;
- :mod:`geoplan.store` — the versioned project store (GeoPackage / PostGIS);
- :mod:`geoplan.present.maps`, :mod:`geoplan.present.viz` — offline Folium maps (display only).
"""

from __future__ import annotations

__version__ = "0.1.0"
