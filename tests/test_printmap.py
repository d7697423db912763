"""Print maps and map exports: `geoplan map --format png|pdf|html`, A3/A4 pages with title, legend,
metric scale bar, north arrow, source and 示意 note in Chinese, CJK fonts embedded; exported HTML
with a <title> and never the 天地图 key; label placement without overlaps."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from geoplan.present import maps, printmap, viz


@pytest.fixture(scope="module")
def layout(sample_zone):
    return viz.layout_spec(sample_zone)


def _pdf_text(path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_cli_writes_an_a3_pdf_with_every_element_in_chinese(tmp_path, capsys):
    from geoplan.cli.main import main

    out = tmp_path / "布局图.pdf"
    assert main(["map", "--format", "pdf", "--paper", "A3", "--out", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["offline"] and info["paper"] == "A3" and out.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(out)
    for word in (
        "空间布局图",
        "图例",
        "用地用海分类",
        "千米",
        "北",
        "数据来源",
        "示意",
        "制图日期",
    ):
        assert word in text, word
    if shutil.which("pdffonts"):
        fonts = subprocess.run(
            ["pdffonts", str(out)], capture_output=True, text=True, check=True
        ).stdout
        rows = [r.split() for r in fonts.splitlines()[2:] if r.strip()]
        assert any("CJK" in r[0] for r in rows)
        assert all("yes" in r[-5:-3] for r in rows), fonts  # every font embedded
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(out)], capture_output=True, text=True, check=True
        ).stdout
        assert "1190.55 x 841.89 pts" in info  # A3 landscape


def test_png_sizes_follow_the_paper(layout):
    import io

    from PIL import Image

    a4 = Image.open(io.BytesIO(printmap.render(layout, fmt="png", paper="A4", dpi=100)))
    a3 = Image.open(io.BytesIO(printmap.render(layout, fmt="png", paper="A3", dpi=100)))
    assert a4.size == (int(297 / 25.4 * 100), int(210 / 25.4 * 100))
    assert a3.size[0] > a4.size[0] * 1.35


def test_print_labels_never_overlap_and_stay_inside(layout):
    fig = printmap.figure(layout, paper="A4")
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    frame = ax.get_window_extent(renderer)
    boxes = [
        a.get_window_extent(renderer) for a in ax.texts if a.get_text() and a.get_zorder() == 10
    ]
    assert len(boxes) >= 8
    for i, b in enumerate(boxes):
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
        assert not any(b.overlaps(o) for o in boxes[i + 1 :])


def test_scale_bar_is_metric_and_true(layout):
    fig = printmap.figure(layout, paper="A3")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "千米" in texts and not any("mi" in t for t in texts)
    x0, x1 = ax.get_xlim()
    assert printmap._nice_length(x1 - x0) in (2000, 2500, 5000)


def test_every_theme_renders(sample_zone, tmp_path, capsys):
    from geoplan.cli.main import main

    for theme in ("muyield", "infra"):
        out = tmp_path / f"{theme}.png"
        assert (
            main(["map", "--theme", theme, "--format", "png", "--paper", "A4", "--out", str(out)])
            == 0
        )
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()


def test_bad_map_options_exit_2(tmp_path, capsys):
    from geoplan.cli.main import main

    assert main(["map", "--format", "pdf", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["map", "--out", str(tmp_path / "x.docx")]) == 2
    folder = tmp_path / "d.pdf"
    folder.mkdir()
    assert main(["map", "--out", str(folder)]) == 2
    err = capsys.readouterr().err
    assert ".pdf" in err and "folder" in err


def test_html_export_has_a_title_and_never_the_tianditu_key(sample_zone, monkeypatch):
    monkeypatch.setenv("TIANDITU_KEY", "secret-key-123")
    spec = viz.layout_spec(sample_zone, show_parcels=False)
    m = maps.render(spec, basemap="tianditu")
    assert "secret-key-123" in maps.to_html(m)  # the live app needs it in the browser
    html = maps.export_html(m, spec.title)
    assert "secret-key-123" not in html
    assert f"<title>{spec.title}</title>" in html


def test_interactive_map_scale_is_metric_and_legend_collapsible(layout):
    html = maps.to_html(maps.render(layout))
    assert "imperial: false" in html and "\\u003cdetails open\\u003e\\u003csummary" in html
    assert "geoplanDeclutter" in html
