"""Edits of a scenario's YAML text made from the app (a polygon drawn on the map → ``add_land``).

The text stays the user's: a well-formed document gets the operation appended (and a name of its
own, so an edited example is not saved under the example's name); a broken one keeps its text
with the operation appended as a comment, and the next run reports the YAML error with its line.
"""

from __future__ import annotations

import json

import geopandas as gpd
import yaml

from geoplan.data import crs as gcrs
from geoplan.scenario.firms import is_economic
from geoplan.scenario.spec import dump_geojson


def append_add_land(
    text: str,
    drawn: gpd.GeoDataFrame,
    *,
    land_use: str,
    far: float,
    industry: str,
    op_name: str,
    default_name: str,
    suffix: str,
) -> str:
    """*text* with an ``add_land`` operation for the first polygon of *drawn* (any CRS; written
    as EPSG:4326 GeoJSON). Economic land gets *industry* (firms at the industry's A-class median
    yields: jobs, output, tax)."""
    geom = dump_geojson(gcrs.to_wgs84(drawn).geometry.iloc[0])
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        doc = None
    op: dict = {"op": "add_land", "name": op_name, "land_use": land_use, "far": float(far)}
    if is_economic([land_use])[0]:
        op["industry"] = industry
    op["geometry"] = geom
    if not isinstance(doc, dict):
        return text + "\n# " + json.dumps(op, ensure_ascii=False) + "\n"
    if not doc.get("operations"):
        doc["operations"] = []
    name = str(doc.get("name") or default_name)
    doc["name"] = name if name.endswith(suffix) else name + suffix
    doc["operations"].append(op)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
