"""The 省级对标 page renders in both languages: tables with readable headers, no None/nan cells,
the 15 zones, the map, the drill-in of the bundled 大连 folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
IDENT = re.compile(r"^[a-z_]+$")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_province_page(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("app_pages/province.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    frames = [e.value for e in at.dataframe]
    assert len(frames) == 3
    bench, ev, drill = frames
    assert len(bench) == 15
    for df in frames:
        assert not [c for c in map(str, df.columns) if IDENT.match(c)]
        cells = df.astype(str).map(str.lower)
        assert not cells.isin(["none", "nan", "<na>"]).any().any(), df
    if lang == "zh":
        assert "大连高新区" in set(bench["高新区"]) and set(bench["一区一产业（1–2个）"]) == {
            "符合",
            "不符合",
        }
        assert drill["高新区"].tolist() == ["大连高新区"] and drill["A类企业"][0] > 0
    assert len(ev) == 45 and isinstance(ev, pd.DataFrame)
    assert len(at.metric) == 6
