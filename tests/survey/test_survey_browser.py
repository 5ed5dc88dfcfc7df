"""Both survey demos in headless Chromium: every chart and map drawn, no errors, no network, and
screenshots of the province map, a matrix cross-tab with column letters and small-base marks
(saved to test-artifacts/; skipped without Chromium unless DTINDEX_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import re

import pytest

from tests.report.test_browser import ARTIFACTS, CANVAS_CHECK, chromium_page

PAGES = {"genai": ("survey_report_SYNTHETIC.html", "map-s4-q1", "xtab-q1-size-group", "means-q6-size-group"),
         "public": ("public_survey_SYNTHETIC.html", "map-a3-q3", "xtab-q3-a2", "map-q3")}


@pytest.mark.parametrize("name", ["genai", "public"])
def test_survey_demo_in_chromium(name, survey_demos):
    out, res = survey_demos(name, "zh")
    page_name, map_id, xtab, small = PAGES[name]
    with chromium_page(out / page_name) as seen:
        page = seen.page
        charts = page.evaluate(CANVAS_CHECK)
        map_series = page.evaluate(f"() => echarts.getInstanceByDom(document.getElementById('chart-survey-{map_id}'))"
                                   ".getOption().series[0].type")
        header = page.locator(f"#table-table-{xtab} thead").inner_text()
        body = page.locator(f"#table-table-{xtab} tbody").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(f"#survey-{map_id}").screenshot(path=str(ARTIFACTS / f"survey-{name}-map.png"))
        page.locator(f"#table-{xtab}").screenshot(path=str(ARTIFACTS / f"survey-{name}-crosstab.png"))
        page.locator(f"#chart-survey-xtab-{xtab[5:]}").screenshot(
            path=str(ARTIFACTS / f"survey-{name}-crosstab-chart.png"))
        page.locator(f"#table-{small}").screenshot(path=str(ARTIFACTS / f"survey-{name}-small-base.png"))
        small_text = page.locator(f"#table-{small}").inner_text()
    errors, requests = seen.errors, seen.requests
    assert errors == [] and requests == []
    assert len(charts) == sum(len(s.charts) for s in res.sections)
    assert all(c["drawn"] and c["series"] > 0 for c in charts), [c["id"] for c in charts if not c["drawn"]]
    assert map_series == "map"
    assert re.search(r"\(A\) ", header) and "样本量 N" in body
    assert re.search(r"\d+\.\d% [A-F]+", body), "no column letters in the cross-tab"
    assert "*" in small_text and "样本量较小，仅供参考" in small_text
    for part in ("map", "crosstab", "crosstab-chart", "small-base"):
        assert (ARTIFACTS / f"survey-{name}-{part}.png").stat().st_size > 5_000
