"""用地用海 code table: names, ancestry fallback, official colours, validation of the CSV."""

from __future__ import annotations

import pytest

from geoplan.errors import SchemaError
from geoplan.standards import landuse


def test_official_anchor_colours_verified():
    t = landuse.table()
    assert t["1001"].rgb == (187, 150, 116) and t["1001"].verified
    assert t["09"].rgb == (255, 0, 0) and t["09"].verified
    assert landuse.color("1001") == "#bb9674"


def test_every_sample_code_has_a_name_and_colour(sample_zone):
    codes = sample_zone.layers["parcels"]["land_use"].astype(str).unique()
    for c in codes:
        assert landuse.lookup(c) is not None, c
        assert landuse.color(c) != landuse.UNKNOWN_COLOR
        assert landuse.name(c) != c


def test_ancestor_fallback_and_unknown():
    # 100109 is not listed: falls back to 1001 工业用地 and says which code it was
    assert landuse.lookup("100109").code == "1001"
    assert landuse.name("100109") == "工业用地 (100109)"
    assert landuse.name("0802", "en") == "scientific research land"
    assert landuse.lookup("99") is None
    assert landuse.color("99") == landuse.UNKNOWN_COLOR
    assert landuse.group("99") == "other"


def test_vectorised_helpers_match_scalar():
    codes = ["0701", "100101", "16", "0701", "xx"]
    assert list(landuse.colors_for(codes)) == [landuse.color(c) for c in codes]
    assert list(landuse.groups_for(codes)) == [
        "residential",
        "industrial",
        "other",
        "residential",
        "other",
    ]
    entries = landuse.legend_entries(codes)
    assert [e[0] for e in entries] == sorted(set(codes))


def test_groups_are_known():
    assert {lu.group for lu in landuse.table().values()} <= set(landuse.GROUPS)


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("0A,坏,bad,public,1,2,3,no,x", "code"),
        ("0701,住宅,res,public,1,2,300,no,x", "r/g/b"),
        ("0701,住宅,res,nogroup,1,2,3,no,x", "group"),
        ("0701,住宅,res,public,a,2,3,no,x", "r/g/b"),
    ],
)
def test_bad_table_names_line_and_field(tmp_path, row, needle):
    p = tmp_path / "lc.csv"
    p.write_text("code,name_zh,name_en,group,r,g,b,verified,note\n" + row + "\n", encoding="utf-8")
    with pytest.raises(SchemaError) as exc:
        landuse.read_table(p)
    assert "line 2" in str(exc.value) and needle in str(exc.value)


def test_duplicate_code_rejected(tmp_path):
    p = tmp_path / "lc.csv"
    p.write_text(
        "code,name_zh,name_en,group,r,g,b,verified,note\n07,a,a,residential,1,1,1,no,\n"
        "07,b,b,residential,1,1,1,no,\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="duplicate"):
        landuse.read_table(p)
