"""六纵五横 frame completion on a tiny fixture and on the sample."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geoplan.crs import WORKING_CRS
from geoplan.infrastructure import frame_completion


def test_frame_completion_known_lengths():
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1", "R2", "R3", "R4"], "name": ["甲", "甲", "乙", "丙"],
         "frame": ["五横", "五横", "六纵", ""], "status": ["built", "planned", "under_construction", "built"]},
        geometry=[shapely.LineString([(0, 0), (3000, 0)]), shapely.LineString([(3000, 0), (4000, 0)]),
                  shapely.LineString([(0, 0), (0, 2000)]), shapely.LineString([(0, 0), (0, 9000)])],
        crs=WORKING_CRS)
    t, total = frame_completion(roads)
    assert list(t["name"]) == ["乙", "甲"]
    assert t.set_index("name").loc["甲", "built_km"] == pytest.approx(3.0)
    assert t.set_index("name").loc["甲", "planned_km"] == pytest.approx(4.0)
    assert t.set_index("name").loc["乙", "built_km"] == 0
    assert total == pytest.approx(3 / 6)


def test_sample_has_eleven_frame_roads(sample_zone):
    t, total = frame_completion(sample_zone.layers["roads"])
    assert len(t) == 11 and (t.frame == "六纵").sum() == 6
    assert 0 < total < 1
