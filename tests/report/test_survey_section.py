"""The survey report rendered with the shared machinery: every chart kind, base N, question text, browser."""

from __future__ import annotations

import pytest

from dtindex.report import Chart, Map
from dtindex.report.survey import survey_report, write_survey_html
from dtindex.survey.demo import run_demo

from .test_browser import open_in_chromium


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("survey"), seed=2024, lang="zh")


def test_every_chart_has_base_n_and_question(demo):
    rep = survey_report(demo.sections, title="t", synthetic=True)
    charts = [b for s in rep.sections for b in s.blocks if isinstance(b, (Chart, Map))]
    specs = [c for s in demo.sections for c in s.charts]
    assert len(charts) == len(specs)
    assert {c.kind for c in charts} == {"bar", "stacked_bar", "heat_table", "grouped_bar", "choropleth"}
    for chart, spec in zip(charts, specs):
        assert chart.base_n == spec["base_n"]
        assert spec["question"] in chart.note


def test_stacked_likert_rows_sum_to_one(demo):
    rep = survey_report(demo.sections, title="t")
    for c in (b for s in rep.sections for b in s.blocks if isinstance(b, Chart) and b.kind == "stacked_bar"):
        for k in range(len(c.categories)):
            assert sum(s.values[k] or 0 for s in c.series) == pytest.approx(1.0, abs=1e-9)


def test_survey_report_in_chromium(demo, tmp_path):
    path = write_survey_html(demo.sections, tmp_path / "s.html", title="生成式AI应用调查（合成）", synthetic=True)
    seen = open_in_chromium(path, screenshot="survey-report.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["charts"]) == sum(len(s.charts) for s in demo.sections)
    assert all(c["drawn"] and c["series"] > 0 for c in seen["charts"])
