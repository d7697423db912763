"""Province scale (issue #19): a province project (the province's zones from seed 003 plus the zone
folders that exist), the provincial evaluation rule (003:L196), and a distributed engine
(:mod:`geoplan.province.engine`, dask-geopandas on ``dask.distributed``) for a province's land.

Layering: this package sits beside :mod:`geoplan.scenario` — it uses :mod:`geoplan.data`,
:mod:`geoplan.standards` and :mod:`geoplan.analysis`, and only the shells import it.
"""
