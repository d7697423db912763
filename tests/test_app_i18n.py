"""Every page in both languages: no identifier-like table header (``^[a-z_]+$``), no "None" / "nan"
cell, no untranslated message key, no page exception (Streamlit AppTest)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [
    "app_pages/overview.py",
    "app_pages/targets.py",
    "app_pages/chains.py",
    "app_pages/parcels.py",
    "app_pages/infrastructure.py",
    "app_pages/suitability.py",
    "app_pages/scenario.py",
    "app_pages/data.py",
]
#: pages another engineer is reworking: findings there are reported, not yet failures (none left)
OTHERS: set[str] = set()
IDENT = re.compile(r"^[a-z_]+$")
MISSING = {"none", "nan", "<na>", "nat"}


def _keys() -> set[str]:
    from geoplan.text import STRINGS

    return set(STRINGS)


def _frames(at: AppTest) -> list[tuple[pd.DataFrame, str | None]]:
    """Each table's frame and, for a Styler, its rendered HTML (what the reader sees: the
    Styler's formats and ``na_rep`` apply)."""
    out = []
    for el in [*at.dataframe, *at.table]:
        v = el.value
        data = getattr(v, "data", v)
        if isinstance(data, pd.DataFrame):
            out.append((data, v.to_html() if data is not v else None))
    return out


def findings(at: AppTest) -> list[str]:
    """Everything a reader should not see on the page."""
    keys = _keys()
    found = [f"exception: {e.value}" for e in at.exception]
    for df, html in _frames(at):
        for c in map(str, df.columns):
            if IDENT.match(c):
                found.append(f"identifier header {c!r}")
        if html is not None:
            cells = re.findall(r"<td[^>]*>\s*(nan|None|&lt;NA&gt;|NaN)\s*</td>", html)
            if cells:
                found.append(f"None/nan cells in a styled table ({len(cells)})")
            continue
        for c in df.columns:
            col = df[c]
            nulls = col.isna()
            if col.dtype == object or str(col.dtype).startswith("str"):
                nulls |= col.astype(str).str.strip().str.lower().isin(MISSING)
            if nulls.any():
                found.append(f"None/nan cells in {str(c)!r} ({int(nulls.sum())})")
    texts = [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "info",
        "warning",
        "success",
    ):
        texts += [str(e.value) for e in getattr(at, kind)]
    for w in [*at.selectbox, *at.radio, *at.multiselect]:
        texts.append(str(w.label))
        texts += [str(o) for o in w.options]
    found += [f"untranslated key {x!r}" for x in texts if x in keys]
    found += [f"'None' shown: {x[:60]!r}" for x in texts if x.strip() in ("None", "nan")]
    return sorted(set(found))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "page",
    [
        pytest.param(
            p, marks=pytest.mark.xfail(reason="another engineer's page (reported)", strict=False)
        )
        if p in OTHERS
        else p
        for p in PAGES
    ],
)
def test_page_reads_as_words(page, lang):
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page)
    at.run()
    assert findings(at) == []


def test_the_checker_catches_what_it_should(monkeypatch):
    """The checker fails on identifier headers, None cells and untranslated keys."""

    class El:
        def __init__(self, value, label=""):
            self.value, self.label, self.options = value, label, []

    class Fake:
        dataframe: ClassVar = [El(pd.DataFrame({"tax_per_mu": [1.0, None], "名称": ["a", "None"]}))]
        table: ClassVar[list] = []
        metric: ClassVar = [El("—", "kpi_parcels")]
        exception: ClassVar[list] = []

        def __getattr__(self, name):
            return []

    got = findings(Fake())  # type: ignore[arg-type]
    assert "identifier header 'tax_per_mu'" in got
    assert any("None/nan cells in 'tax_per_mu'" in g for g in got)
    assert any("None/nan cells in '名称'" in g for g in got)
    assert "untranslated key 'kpi_parcels'" in got


@pytest.fixture(scope="module")
def history_zone(tmp_path_factory):
    """A copy of the sample with a generated firm history (tables/firm_years.parquet)."""
    import shutil
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from firm_history import make_firm_years

    d = tmp_path_factory.mktemp("zone") / "zone"
    shutil.copytree(ROOT / "layers", d)
    firms = pd.read_parquet(d / "firms.parquet")
    make_firm_years(firms).to_parquet(d / "tables" / "firm_years.parquet")
    return d


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_parcel_card_reads_as_words(lang, history_zone, monkeypatch):
    """The card of a parcel with firms (breakdown, what-if, compliance, firms, 企业画像, 差别化措施)
    in both languages."""
    import geoplan.zone

    # the app opens the bundled zone (geoplan.zone.DEFAULT_CATALOG): point it at the copy
    monkeypatch.setattr(geoplan.zone, "DEFAULT_CATALOG", history_zone / "zone.yaml")
    from geoplan.analysis import land_yield
    from geoplan.zone import load_zone

    # a parcel whose owner is in an evaluation list (firms outside every list have no breakdown)
    z = load_zone(history_zone / "zone.yaml")
    ev = land_yield.evaluate(z.layers["parcels"], z.layers["firms"], plates=z.layers.get("plates"))
    f = ev.firms
    scored = f[(f["tenure"] == "own") & f["class"].isin(["A", "B", "C", "D"])]
    pid = str(scored["parcel_id"].iloc[0])
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("app_pages/parcels.py")
    at.session_state["sel_parcel"] = pid
    at.run()
    assert not at.exception
    headers = {str(c) for df, _ in _frames(at) for c in df.columns}
    from geoplan.text import t

    # every card table is there: breakdown, what-if, firms, 企业画像 (the history), measures
    for key in ("ex_col_contribution", "ex_col_next_class", "ev_col_firm_id", "hist_col_year"):
        assert t(key, lang) in headers, (key, sorted(headers))
    assert t("pol_col_measure", lang) in headers or t("pol_none", lang) in [
        c.value for c in at.caption
    ]
    assert findings(at) == []
