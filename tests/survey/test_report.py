"""Report data (sections, tables, chart specs), Excel workbook and CSV output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from dtindex.report.survey import write_survey_excel
from dtindex.survey.excel import write_report_json, write_tables_csv
from dtindex.survey.pipeline import analyse, margins_to_codes
from dtindex.survey.report import (
    CHART_KINDS,
    FORMATS,
    Section,
    Table,
    build_report,
    report_json,
)

from .conftest import SURVEY


def _no_small_base(spec):
    from dtindex.survey.spec import SmallBase

    return spec.model_copy(update={"report": spec.report.model_copy(
        update={"small_base": SmallBase(flag_below=0, suppress_below=0)})})


@pytest.fixture(scope="module")
def analysis(fixture_spec):
    # three valid responses: the small-base rule is switched off to check the numbers themselves
    return analyse(_no_small_base(fixture_spec), SURVEY / "wjx_style.csv",
                   margins={"Q1": {"小型": 0.5, "中型": 0.3, "大型": 0.2}})


def test_default_small_base_rule_suppresses_a_base_of_three(fixture_spec):
    a = analyse(fixture_spec, SURVEY / "wjx_style.csv", margins={"Q1": {"小型": 0.5, "中型": 0.3, "大型": 0.2}})
    q1 = next(s for s in build_report(a, lang="zh") if s.id == "q-Q1")
    assert [d["value"] for d in q1.charts[0]["data"]] == [None, None, None]
    assert "样本量较小，仅供参考" in q1.charts[0]["note"] and "样本量较小，仅供参考" in q1.tables[0].note
    assert q1.tables[0].frame["share"].isna().all()


def test_pipeline_screens_then_rakes(analysis):
    assert len(analysis.valid) == 3 and analysis.weighted
    # valid: ids 1 (small), 2 (medium), 8 (large); shares 0.5/0.3/0.2 of n = 3
    np.testing.assert_allclose(analysis.design.weights.to_numpy(), [1.5, 0.9, 0.6])
    assert margins_to_codes({"Q1": {"小型": 1, "large": 2}}, analysis.spec) == {"Q1": {1: 1, 3: 2}}


def test_sections_tables_and_charts(analysis):
    sections = build_report(analysis, lang="en")
    assert [s.id for s in sections] == ["sample", "weighting", "compare", "q-Q1", "q-Q2", "q-Q3", "q-Q4"]
    for s in sections:
        assert isinstance(s, Section)
        for tb in s.tables:
            assert isinstance(tb, Table) and isinstance(tb.frame, pd.DataFrame)
            assert set(tb.formats.values()) <= set(FORMATS)
            assert set(tb.formats) <= set(tb.frame.columns)
        for ch in s.charts:
            assert ch["kind"] in CHART_KINDS
            assert {"id", "title", "question", "base_n", "data", "weighted", "synthetic"} <= set(ch)
    q1 = next(s for s in sections if s.id == "q-Q1")
    chart = q1.charts[0]
    assert chart["kind"] == "bar" and chart["base_n"] == 3 and chart["question"] == "Company size"
    assert [d["value"] for d in chart["data"]] == pytest.approx([0.5, 0.3, 0.2])
    q3 = next(s for s in sections if s.id == "q-Q3")
    stacked = q3.charts[0]
    assert stacked["kind"] == "stacked_bar" and stacked["categories"] == ["很低", "较低", "一般", "较高", "很高"]
    tops = [d["top_box"] for d in stacked["data"]]
    assert tops == sorted(tops, reverse=True)
    assert any(tb.name == "Q3_alpha" for tb in q3.tables)
    funnel = sections[0].tables[0].frame
    assert funnel["remaining"].tolist() == [9, 8, 7, 6, 5, 4, 3, 3]
    json.dumps(report_json(sections))  # the JSON twin is serialisable


def test_excel_workbook_one_sheet_per_table(analysis, tmp_path):
    """The workbook is the shared renderer's: README sheet, one sheet per table with Chinese headers."""
    sections = build_report(analysis, lang="zh")
    path = write_survey_excel(sections, tmp_path / "r.xlsx", title="测试", synthetic=True)
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "说明"
    q1 = next(tb for s in sections for tb in s.tables if tb.name == "Q1")
    ws = next(wb[n] for n in wb.sheetnames if n.startswith("表") and n.endswith("Q1. 企业规模"))
    assert ws.freeze_panes == "A3"
    assert [c.value for c in ws[2]] == ["选项代码", "选项", "样本量", "占比", "标准误", "95%置信区间下限", "95%置信区间上限"]
    share_col = list(q1.frame.columns).index("share") + 1
    assert "%" in ws.cell(row=3, column=share_col).number_format
    assert ws.cell(row=3, column=share_col).value == pytest.approx(q1.frame["share"].iloc[0])
    files = write_tables_csv(sections, tmp_path / "tables", bom=True)
    assert len(files) == sum(len(s.tables) for s in sections)
    first = (tmp_path / "tables" / "Q1.csv").read_text(encoding="utf-8")
    assert first.startswith("\ufeffcode,label,n,share")
    assert json.loads(write_report_json(sections, tmp_path / "r.json").read_text(encoding="utf-8"))["sections"][0]["id"] \
        == "sample"


