"""The 区域差异与动态 section of the demo report (small demo release), zh and en, HTML and workbook."""

import numpy as np
import pytest

from dtindex.errors import DataError
from dtindex.report.model import Map


@pytest.fixture(scope="module")
def report(demo_release):
    from dtindex.report.dti import build_report

    return build_report(demo_release)


def test_demo_report_has_the_regional_section(report, demo_release, tmp_path):
    sec = next(s for s in report.sections if s.id == "regional")
    assert sec.title == "区域差异与动态"
    ids = set(sec.block_ids())
    assert {"regional-dagum", "regional-dagum-chart", "regional-kde", "regional-markov", "regional-moran",
            "regional-lisa", "regional-coupling", "regional-coupling-map", "regional-obstacles"} <= ids
    blocks = dict(zip(sec.block_ids(), sec.blocks))
    dag = blocks["regional-dagum"].frame()
    np.testing.assert_allclose(dag["区域内 Gw"] + dag["区域间净值 Gnb"] + dag["超变密度 Gt"], dag["总体基尼系数"])
    chart = blocks["regional-dagum-chart"]
    assert chart.kind == "stacked_bar" and chart.percent and len(chart.series) == 3
    markov = blocks["regional-markov"].frame()
    np.testing.assert_allclose(markov[[f"第{i}类" for i in range(1, 5)]].sum(axis=1), 1.0)
    assert blocks["regional-lisa"].classes == ("不显著", "HH", "LH", "LL", "HL")
    coupling = blocks["regional-coupling"].frame()
    assert coupling["C"].between(0, 1).all() and coupling["D"].is_monotonic_decreasing
    assert len(blocks["regional-obstacles"].frame()) == 10

    from dtindex.report.dti import render

    files = render(demo_release, tmp_path / "rep")
    html = files["html"].read_text(encoding="utf-8")
    assert "区域差异与动态" in html and "regional-lisa" in html
    import openpyxl

    sheets = openpyxl.load_workbook(files["excel"], read_only=True).sheetnames
    assert {"Dagum分解", "马尔可夫", "耦合协调", "障碍度", "LISA集聚"} <= set(sheets)


def test_english_section(demo_release):
    from dtindex.release import Release
    from dtindex.report.regional import regional_section

    sec = regional_section(Release.load(demo_release), lang="en")
    assert sec.title == "Regional gaps and dynamics"
    text = " ".join(b.title or "" for b in sec.blocks if hasattr(b, "title") and isinstance(getattr(b, "title"), str))
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_categorical_map_values_must_be_class_numbers():
    m = Map(title="m", values={"110000": 2.0, "120000": None}, level="city", kind="scatter", classes=("a", "b"))
    assert m.class_label(2.0) == "b"
    with pytest.raises(DataError, match="class numbers"):
        Map(title="m", values={"110000": 3.0}, classes=("a", "b"))
