"""Click through every dashboard page in headless Debian Chromium (Playwright, system executable).

A live ``uvicorn`` server on a free loopback port serves the small demo release. Checks on every
page: each chart and map holds a drawn canvas with data (the report's CANVAS_CHECK), no console
errors, no request to anything but the server. Filters, the period slider, the release and
language switches, links from table rows and both downloads are exercised. Screenshots go to
test-artifacts/dashboard-*.png.

Skipped when Chromium or Playwright is missing, unless DTINDEX_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import io
import threading
import time

import pandas as pd
import pytest

from ..report import test_browser as rb
from .test_serve_command import free_port

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def base_url(workspace):
    """The dashboard over a folder of two releases, served by uvicorn in a thread."""
    import uvicorn

    from dtindex.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    sync_playwright, chromium = rb._browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=rb.ARGS)
        try:
            yield b
        finally:
            b.close()


class Tab:
    """A browser page that records console errors and every request."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_function("() => window.dtindexCharts !== undefined")

    def charts(self) -> list[dict]:
        return self.page.evaluate(rb.CANVAS_CHECK)

    def check(self, shot: str | None = None, min_charts: int = 1) -> list[dict]:
        charts = self.charts()
        assert len(charts) >= min_charts
        blank = [c["id"] for c in charts if not (c["canvas"] and c["drawn"] and c["series"] > 0 and c["points"] > 0)]
        assert blank == [], f"charts not drawn: {blank}"
        assert self.errors == []
        outside = [u for u in self.requests if not u.startswith(self.base + "/")]
        assert outside == [], f"requests outside the server: {outside}"
        if shot:
            rb.ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(rb.ARTIFACTS / f"dashboard-{shot}.png"), full_page=True)
        return charts

    def rows(self, table: str) -> list[list[str]]:
        return self.page.eval_on_selector_all(f"#{table} tbody tr",
                                              "trs => trs.map(tr => Array.from(tr.children).map(td => td.innerText))")

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def tab(browser, base_url):
    t = Tab(browser, base_url)
    yield t
    t.close()


def test_overview_and_period_slider(tab):
    tab.open("/")
    charts = tab.check("overview", min_charts=2)
    assert {"chart-national-line", "chart-province-map"} <= {c["id"] for c in charts}
    assert "2023Q1" in tab.page.inner_text("#sec-provinces h2")
    before = tab.rows("table-province-ranking")
    with tab.page.expect_navigation():
        tab.page.fill("#ctl-period-slider", "4")  # fires input + change: the form submits
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "period=2022Q1" in tab.page.url
    assert "2022Q1" in tab.page.inner_text("#sec-provinces h2")
    assert tab.rows("table-province-ranking") != before
    tab.check()


def test_rankings_filters_sort_and_links(tab):
    tab.open("/rankings")
    tab.check("rankings")
    all_rows = tab.rows("table-rankings")
    assert len(all_rows) == 50
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-tier", "一线")
    assert "tier=" in tab.page.url and "province=" not in tab.page.url  # empty filters are left out of the URL
    tier_rows = tab.rows("table-rankings")
    assert len(tier_rows) == 4
    assert {r[4] for r in tier_rows} == {"一线"}
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-sort", "growth_yoy")
    growth = [float(r[10].rstrip("%").replace("+", "")) for r in tab.rows("table-rankings")]
    assert growth == sorted(growth, reverse=True) and "tier=" in tab.page.url
    with tab.page.expect_navigation():  # a column heading sorts by that column, keeping the filters
        tab.page.click("#table-rankings thead th:nth-child(7) a")
    values = [float(r[6].replace(",", "")) for r in tab.rows("table-rankings")]
    assert values == sorted(values, reverse=True) and "sort=value" in tab.page.url and "tier=" in tab.page.url
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-period", "2022Q2")
    assert tab.rows("table-rankings") != tier_rows and "2022Q2" in tab.page.inner_text("#rankings")
    tab.check()
    # a row links to the city page
    first = tab.rows("table-rankings")[0][1]
    with tab.page.expect_navigation():
        tab.page.click("#table-rankings tbody tr:first-child a")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "/city/" in tab.page.url and "period=2022Q2" in tab.page.url
    assert first in tab.page.inner_text("h1")
    tab.check()


def test_rankings_downloads(tab):
    from openpyxl import load_workbook

    tab.open("/rankings?tier=%E4%B8%80%E7%BA%BF&period=2022Q4")
    with tab.page.expect_download() as info:
        tab.page.click("#download-csv")
    csv = pd.read_csv(info.value.path(), dtype={"uCode": str})
    assert len(csv) == 4 and set(csv["tier"]) == {"一线"} and info.value.suggested_filename == "rankings-DTI-2022Q4.csv"
    assert list(csv["rank"]) == sorted(csv["rank"])
    with tab.page.expect_download() as info:
        tab.page.click("#download-xlsx")
    wb = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    values = [[c.value for c in row] for row in wb["rankings"].iter_rows()]
    assert any(row[:2] == [int(csv["rank"][0]), csv["name"][0]] for row in values)
    tab.check(min_charts=1)


def test_city_profile_and_peers(tab):
    tab.open("/city/440300")
    charts = tab.check("city", min_charts=4)
    assert {"chart-unit-series", "chart-unit-ranks", "chart-unit-peers", "chart-unit-attribution-bar"} <= {
        c["id"] for c in charts}
    assert "深圳" in tab.page.inner_text("h1")
    assert len(tab.rows("table-unit-industries")) > 0 and len(tab.rows("table-unit-groups")) == 3
    tab.page.select_option("#ctl-peers", ["110000", "310000"])
    with tab.page.expect_navigation():
        tab.page.click("#apply")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "peers=110000" in tab.page.url and "peers=310000" in tab.page.url
    peers = [r[0] for r in tab.rows("table-unit-peer-table")]
    assert peers == ["深圳", "北京", "上海"]
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-unit", "440100")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "/city/440100" in tab.page.url and "广州" in tab.page.inner_text("h1")
    tab.check()


def test_industry_page(tab):
    tab.open("/industry")
    charts = tab.check("industry", min_charts=4)
    assert {"chart-industry-scale-bar", "chart-industry-map", "chart-double-high"} <= {c["id"] for c in charts}
    before = tab.rows("table-industry-provinces")
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-industry", "C")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "industry=C" in tab.page.url and tab.rows("table-industry-provinces") != before
    tab.check()


def test_methodology_compare_and_switches(tab):
    tab.open("/methodology")
    tab.check("methodology", min_charts=0)
    text = tab.page.inner_text("#db-main")
    assert "SHA-256" in text and "base_share" in text
    with tab.page.expect_navigation():
        tab.page.click("#lang-switch")
    assert tab.page.evaluate("document.documentElement.lang") == "en" and "lang=en" in tab.page.url
    assert "Framework, weights and methods" in tab.page.inner_text("#db-main")
    with tab.page.expect_navigation():
        tab.page.select_option("#release-select", "variant")
    assert "release=variant" in tab.page.url and "lang=en" in tab.page.url
    with tab.page.expect_navigation():
        tab.page.click("#db-nav a:has-text('Compare')")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-b", "2023/release")
    rows = tab.rows("table-compare")
    assert {r[0] for r in rows[:2]} == {"Guangzhou", "Beijing"}  # the two cities swapped in the variant
    tab.check("compare", min_charts=0)


def test_uncertainty_page(tab):
    tab.open("/uncertainty?release=variant")
    charts = tab.check("uncertainty", min_charts=2)
    assert {"chart-rank-intervals", "chart-sensitivity"} <= {c["id"] for c in charts}
    with tab.page.expect_navigation():
        tab.page.click("#table-rank-stats tbody tr:first-child a")
    assert "/city/110000" in tab.page.url and "release=variant" in tab.page.url


def test_survey_explorer(tab):
    tab.open("/survey?release=variant&question=Q1")
    tab.check("survey", min_charts=1)
    overall = tab.rows("table-survey-table")
    with tab.page.expect_navigation():
        tab.page.select_option("#ctl-by", "S1")
    tab.page.wait_for_function("() => window.dtindexCharts !== undefined")
    assert "by=S1" in tab.page.url and len(tab.rows("table-survey-table")) > len(overall)
    assert tab.page.locator(".dt-callout-warning").count() == 1
    tab.check("survey-by", min_charts=1)
