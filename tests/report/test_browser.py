"""Open the rendered report in headless Debian Chromium (Playwright, system executable).

Checks: every chart and map container holds a drawn canvas (pixels differ from a blank
canvas of the same size) and an ECharts instance with data; tooltips show the texts of the
shared formatters; no console errors; the page makes no network request at all; CJK text
renders with a real font (two different characters do not draw the same box). Saves a
full-page screenshot to test-artifacts/report.png.

Skipped when Chromium or Playwright is missing, unless DTINDEX_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from dtindex.report import Chart, Map, write_html

from .sample import sample_report

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

CANVAS_CHECK = """
() => Array.from(document.querySelectorAll('.dt-echart')).map(el => {
  const canvas = el.querySelector('canvas');
  const inst = echarts.getInstanceByDom(el);
  let drawn = false;
  if (canvas && canvas.width > 0 && canvas.height > 0) {
    const blank = document.createElement('canvas');
    blank.width = canvas.width; blank.height = canvas.height;
    drawn = canvas.toDataURL() !== blank.toDataURL();
  }
  const series = inst ? inst.getOption().series : [];
  return {id: el.id, canvas: !!canvas, drawn: drawn, series: series.length,
          points: series.reduce((n, s) => n + (s.data ? s.data.length : 0), 0)};
})
"""

CJK_CHECK = """
(font) => {
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.fillStyle = '#000'; g.font = '48px ' + font; g.fillText(ch, 4, 52);
    return c.toDataURL();
  };
  return draw('中') !== draw('国') && draw('中') !== draw('　');
}
"""

TOOLTIP = """
([id, action]) => {
  const inst = echarts.getInstanceByDom(document.getElementById(id));
  inst.dispatchAction(action);
  const tips = Array.from(document.querySelectorAll('#' + id + ' div')).filter(d => d.style.position === 'absolute'
      && d.innerHTML.length > 0 && !d.querySelector('canvas'));
  return tips.map(d => d.innerText).join('\\n');
}
"""


def _browser():
    chromium = shutil.which("chromium")
    required = os.environ.get("DTINDEX_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("DTINDEX_REQUIRE_BROWSER=1 but the playwright package is not installed (pip install -e '.[test]').")
        pytest.skip("playwright is not installed")
    if chromium is None:
        if required:
            pytest.fail("DTINDEX_REQUIRE_BROWSER=1 but no 'chromium' executable is on PATH (apt-get install chromium).")
        pytest.skip("Debian chromium is not installed")
    return sync_playwright, chromium


@contextmanager
def chromium_page(path: Path) -> Iterator[SimpleNamespace]:
    """A Chromium page opened on ``path`` (1280 x 900), as ``.page``, with the console errors in
    ``.errors`` and the requests other than the page itself in ``.requests``; the browser closes on exit."""
    sync_playwright, chromium = _browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            seen = SimpleNamespace(page=page, errors=[], requests=[])
            page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: seen.errors.append(str(e)))
            page.on("request", lambda r: seen.requests.append(r.url) if r.url != path.as_uri() else None)
            page.goto(path.as_uri(), wait_until="load")
            yield seen
        finally:
            browser.close()


def open_in_chromium(path: Path, *, screenshot: str | None = None) -> dict:
    """Open a rendered report in Chromium; return its charts (CANVAS_CHECK), console errors and
    requests other than the page itself, and save a full-page screenshot to test-artifacts/ if asked."""
    with chromium_page(path) as seen:
        charts = seen.page.evaluate(CANVAS_CHECK)
        if screenshot:
            ARTIFACTS.mkdir(exist_ok=True)
            seen.page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    return {"charts": charts, "errors": seen.errors, "requests": seen.requests}


def test_report_renders_in_chromium(tmp_path):
    sync_playwright, chromium = _browser()
    report = sample_report()
    path = write_html(report, tmp_path / "report.html")
    n_figures = sum(isinstance(b, (Chart, Map)) for _, _, b in report.blocks())
    kinds = {b.kind for _, _, b in report.blocks() if isinstance(b, Chart)}
    assert kinds == {"line", "bar", "grouped_bar", "stacked_bar", "scatter", "quadrant", "heat_table", "pie"}
    assert {(b.level, b.kind) for _, _, b in report.blocks() if isinstance(b, Map)} == {
        ("province", "choropleth"), ("city", "choropleth"), ("city", "scatter")}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors, requests, failed = [], [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            results = page.evaluate(CANVAS_CHECK)
            line_tip = page.evaluate(TOOLTIP, ["chart-national-line", {"type": "showTip", "seriesIndex": 0, "dataIndex": 4}])
            map_tip = page.evaluate(TOOLTIP, ["chart-province-map", {"type": "showTip", "seriesIndex": 0, "name": "440000"}])
            quadrants = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-double-high'))"
                                      ".getOption().graphic[0].elements.map(e => e.style.text)")
            cjk = page.evaluate(CJK_CHECK, page.evaluate("getComputedStyle(document.body).fontFamily"))
            page.evaluate("() => ['chart-national-line', 'chart-province-map'].forEach(id => "
                          "echarts.getInstanceByDom(document.getElementById(id)).dispatchAction({type: 'hideTip'}))")
            page.mouse.move(0, 0)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()

    assert errors == []
    assert requests == [path.as_uri()] and failed == []  # the page itself, nothing else
    assert len(results) == n_figures == 12
    blank = [r["id"] for r in results if not (r["canvas"] and r["drawn"] and r["series"] > 0 and r["points"] > 0)]
    assert blank == [], f"charts not drawn: {blank}"
    assert "2022Q1" in line_tip and "全国: 1.23" in line_tip
    assert "广东: 1.30" in map_tip
    assert quadrants == ["双高", "高增速", "双低", "高份额"]
    assert cjk, "CJK characters render as identical boxes: install a CJK font (apt-get install fonts-noto-cjk)"
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
