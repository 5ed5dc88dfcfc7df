"""The uncertainty report section: interval chart, sensitivity chart, paragraph; rendered in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtindex.index import Index
from dtindex.report import Chart, Paragraph, Series
from dtindex.report.uncertainty import uncertainty_section, write_uncertainty_html
from dtindex.errors import DataError, SpecError
from dtindex.uncertainty import parse_uncertainty, report_tables, run_uncertainty

from .test_browser import open_in_chromium

DATA = Path(__file__).parents[1] / "data" / "asem"


@pytest.fixture(scope="module")
def tables():
    idx = Index.from_coinr(DATA / "ASEM_iMeta.csv", DATA / "ASEM_iData.csv")
    u = parse_uncertainty({"n": 64, "seed": 3, "bootstrap": 20, "weights": {2: 0.25},
                           "normalisation": ["minmax:1,100", "zscore:10,2"], "aggregation": ["arithmetic", "geometric"]},
                          source="test")
    return report_tables(run_uncertainty(idx, u))


def test_section_blocks(tables):
    sec = uncertainty_section(tables, lang="en")
    kinds = [b.kind for b in sec.blocks if isinstance(b, Chart)]
    assert kinds == ["interval", "grouped_bar"]
    interval = sec.blocks[1]
    assert interval.categories[0].endswith(f"({tables.rank_intervals['uCode'].iloc[0]})")
    assert list(interval.series[0].values) == tables.rank_intervals["q05"].astype(float).tolist()
    assert isinstance(sec.blocks[0], Paragraph) and sec.blocks[0].text == tables.paragraph_en


def test_interval_chart_validation():
    with pytest.raises(SpecError, match="three series"):
        Chart("interval", "x", categories=("a",), series=(Series("lo", (1.0,)), Series("hi", (2.0,))))
    with pytest.raises(DataError, match="low is above high for a"):
        Chart("interval", "x", categories=("a",), series=(Series("lo", (3.0,)), Series("m", (2.0,)), Series("hi", (2.0,))))


def test_uncertainty_report_in_chromium(tables, tmp_path):
    path = write_uncertainty_html(tables, tmp_path / "u.html", lang="zh")
    seen = open_in_chromium(path, screenshot="uncertainty-report.png")
    assert seen["errors"] == [] and seen["requests"] == []
    assert [c["id"] for c in seen["charts"]] == ["chart-rank-intervals", "chart-sensitivity"]
    assert all(c["drawn"] and c["series"] > 0 for c in seen["charts"])
