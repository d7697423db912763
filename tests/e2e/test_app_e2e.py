"""End-to-end: the real app in headless chromium, offline (every non-localhost request aborted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.e2e

COUNT_VECTORS = """() => { const m = window.map; if (!m) return -1; let n = 0;
  m.eachLayer(l => { if (l._latlngs || (l._latlng && l._radius !== undefined)) n++; }); return n; }"""


def map_frame(page, timeout_ms: int = 30000):
    """The st_folium iframe's Frame once Leaflet has drawn vector features."""
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=timeout_ms)
    deadline = timeout_ms
    while deadline > 0:
        for fr in page.frames:
            if "streamlit_folium" in fr.url:
                try:
                    if fr.evaluate(COUNT_VECTORS) > 0:
                        return fr
                except Exception:
                    pass
        page.wait_for_timeout(250)
        deadline -= 250
    raise AssertionError("map iframe never drew vector features")


def test_overview_layout_map_renders_offline(app_url, page):
    page.goto(app_url)
    page.get_by_text("大连高新区国土空间规划辅助系统").wait_for(timeout=60000)
    fr = map_frame(page)
    assert fr.evaluate(COUNT_VECTORS) > 1000  # parcels + structure + facilities
    legend = fr.locator(".gp-legend")
    assert "用地用海分类" in legend.inner_text()
    assert (
        fr.locator(".leaflet-control-scale").count() == 1 and fr.locator(".gp-north").count() == 1
    )
    assert fr.locator("canvas").count() >= 1
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def test_click_parcel_shows_scorecard(app_url, page):
    page.goto(f"{app_url}/parcels")
    page.get_by_text("地块评估", exact=True).first.wait_for(timeout=60000)
    fr = map_frame(page)
    page.wait_for_timeout(2200)  # let the initial fit-to-bounds settle before aiming
    # screen position of a parcel's interior point, inside the map iframe
    pt = fr.evaluate("""() => { const m = window.map; let best = null;
      m.eachLayer(l => { if (!best && l._latlngs && l.feature && l.feature.properties.id) {
        const c = l.getBounds().getCenter(); const p = m.latLngToContainerPoint(c);
        const s = m.getSize();
        if (p.x > 80 && p.y > 80 && p.x < s.x - 260 && p.y < s.y - 80 && l.getBounds().getNorthEast().lat -
            l.getBounds().getSouthWest().lat > 0.0012) best = {x: p.x, y: p.y, id: l.feature.properties.id}; } });
      return best; }""")
    assert pt is not None
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    page.get_by_text("地块评估卡片").first.wait_for(timeout=30000)
    assert (
        page.get_by_text(f"地块评估卡片 · {pt['id']}").count() >= 1
        or page.get_by_text("地块评估卡片").count() >= 1
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "parcels_scorecard.png"), full_page=True)


@pytest.mark.parametrize("path", ["infrastructure", "suitability", "data"])
def test_other_pages_render(app_url, page, path):
    page.goto(f"{app_url}/{path}")
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h2', timeout=60000)
    if path != "data":
        map_frame(page)
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)


def test_scenario_run_shows_comparison(app_url, page):
    if importlib.util.find_spec("geoplan.scenario") is None:
        pytest.skip("scenario engine (issue 6) not in the tree yet")
    page.goto(f"{app_url}/scenario")
    fr = map_frame(page, timeout_ms=90000)
    # draw a triangle with Leaflet.draw (vendored)
    fr.locator(".leaflet-draw-draw-polygon").click()
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    cx, cy = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45
    for dx, dy in ((0, 0), (60, 0), (30, 50), (0, 0)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(200)
    page.get_by_text("已绘制范围面积").wait_for(timeout=20000)
    # the drawn area becomes an add_land operation of the scenario, which then runs against the
    # baseline: the comparison, the diff map and the balance appear
    page.get_by_role("button", name="加入情景（add_land）").click()
    page.wait_for_function(
        "() => document.querySelector('textarea').value.includes('add_land')", timeout=20000
    )
    page.get_by_role("button", name="运行情景").click()
    heading = page.get_by_text("情景对比", exact=True)
    heading.wait_for(timeout=120000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    page.get_by_text("变化地图", exact=True).wait_for(timeout=30000)
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "scenario.png"))


@pytest.mark.parametrize(
    "path",
    [
        "overview",
        "targets",
        "chains",
        "parcels",
        "infrastructure",
        "suitability",
        "scenario",
        "data",
    ],
)
def test_every_page_in_chinese(app_url, page, path):
    """Each page opened by its URL, in Chinese: no exception, no English "page not found", a map
    where the page has one; a screenshot for the record."""
    page.goto(f"{app_url}/{path}")
    page.wait_for_selector(
        '[data-testid="stMainBlockContainer"] h1, [data-testid="stMainBlockContainer"] h2',
        timeout=90000,
    )
    if path not in ("data",):
        map_frame(page, timeout_ms=90000)
    page.wait_for_timeout(1200)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / f"zh_{path}.png"), full_page=True)
