"""Excel renderer: the workbook is reopened with openpyxl and its sheets, panes, formats,
colours and native charts are checked."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from dtindex.errors import DataError
from dtindex.report import Paragraph, Report, Section, Table, fmt, write_excel
from dtindex.report.style import UP_DOWN, heat_colours

from .sample import ranking_frame, sample_report


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    assert write_excel(sample_report(), path) == path
    return load_workbook(path)


def test_sheets_in_report_order(workbook):
    assert workbook.sheetnames == [
        "说明", "全国及分层指数", "城市排名 2022Q1", "城市指数", "分层指数", "城市层级占比", "城市层级总量", "份额与增速",
        "双高省份", "行业渗透", "城市层级构成", "省级指数", "城市指数 (2)", "城市散点", "发现",
    ]
    for ws in workbook.worksheets[1:]:
        assert ws.freeze_panes == "A3", ws.title
        assert ws["A1"].value.endswith("【合成数据】"), ws.title  # every sheet says the data are synthetic


def test_table_sheet_values_formats_and_colours(workbook):
    ws = workbook["城市排名 2022Q1"]
    assert [c.value for c in ws[2]] == list(ranking_frame().columns)
    first = [c.value for c in ws[3]]
    assert first == [1, "上海", 1.2345, 0.052, 2, 123456]
    assert [c.number_format for c in ws[3]] == ["0", "@", "#,##0.000", "+0.0%;-0.0%;0.0%", '"↑"0;"↓"0;"→"', "#,##0"]
    assert ws["D7"].value is None  # missing value -> empty cell
    # heat colours are the ones the HTML uses
    expected = heat_colours(ranking_frame()["指数"].tolist())
    assert [ws.cell(r, 3).fill.fgColor.rgb[-6:].lower() for r in range(3, 8)] == [e.lstrip("#") for e in expected]
    up, down = UP_DOWN["zh"]
    assert ws["E3"].font.color.rgb[-6:] == up.lstrip("#").upper()
    assert ws["E4"].font.color.rgb[-6:] == down.lstrip("#").upper()
    assert ws["A9"].value == "注：排名变化为上一年同期名次减本期名次。" and ws["A11"].value == "样本量 N = 5"
    assert ws.column_dimensions["B"].width >= 6 and ws.column_dimensions["F"].width >= len("123,456") + 2


def test_native_charts_for_main_series(workbook):
    kinds = {ws.title: [type(c).__name__ for c in ws._charts] for ws in workbook.worksheets}
    assert kinds["全国及分层指数"] == ["LineChart"]
    assert kinds["城市指数"] == ["BarChart"]
    assert kinds["城市层级占比"] == ["BarChart"]
    assert kinds["双高省份"] == ["ScatterChart"]
    assert kinds["城市层级构成"] == ["PieChart"]
    assert kinds["分层指数"] == kinds["城市层级总量"] == kinds["行业渗透"] == []  # not main series
    line = workbook["全国及分层指数"]._charts[0]
    assert len(line.series) == 4
    assert line.series[0].val.numRef.f == "'全国及分层指数'!$B$3:$B$7"
    assert line.series[0].cat.strRef.f == "'全国及分层指数'!$A$3:$A$7"  # text categories
    assert workbook["城市层级构成"]._charts[0].series[0].cat.strRef.f == "'城市层级构成'!$A$3:$A$5"
    bar = workbook["城市指数"]._charts[0]
    assert bar.type == "bar" and bar.x_axis.scaling.orientation == "maxMin"
    share = workbook["城市层级占比"]._charts[0]
    assert share.grouping == "percentStacked" and share.overlap == 100
    quad = workbook["双高省份"]._charts[0]
    assert len(quad.series) == 3  # the points and the two threshold lines


def test_chart_data_sheets(workbook):
    ws = workbook["全国及分层指数"]
    assert [c.value for c in ws[2]] == ["季度", "全国", "基础设施", "平台", "应用"]
    assert [c.value for c in ws["A"][2:7]] == ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1"]
    assert ws["C5"].value is None and ws["B7"].value == 1.2345 and ws["B7"].number_format == "#,##0.00"
    heat = workbook["行业渗透"]
    assert [c.value for c in heat[2]] == ["类别", "云计算", "人工智能", "敏捷研发"]
    assert heat["B4"].value == 0.9 and heat["B4"].number_format == "0%"
    assert heat["D4"].value is None
    pie = workbook["城市层级构成"]
    assert [c.value for c in pie[2]] == ["类别", "城市数", "占比"]
    assert pie["C3"].value == pytest.approx(4 / 49) and pie["C3"].number_format == "0.0%"
    quad = workbook["双高省份"]
    assert [c.value for c in quad[3]] == ["省份", "广东", 0.3, 0.1]


def test_map_sheets_keep_units_without_shape(workbook):
    ws = workbook["城市指数 (2)"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=8)]
    assert rows[0] == ["行政区划代码", "名称", "数值", "在地图上"]
    assert ["460300", "三沙", 0.1, "否"] in rows and ["460400", "儋州", 0.3, "是"] in rows
    notes = [ws.cell(r, 1).value for r in range(9, 13)]
    assert "地图上没有边界的单位（未着色，数值如下）: 三沙 (460300)" in notes
    prov = workbook["省级指数"]
    assert ["540000", "西藏", None, "是"] in [[c.value for c in r] for r in prov.iter_rows(min_row=3, max_row=8)]


def test_readme_and_findings(workbook):
    ws = workbook["说明"]
    col_a = [c.value for c in ws["A"]]
    col_b = [c.value for c in ws["B"]]
    assert col_a[0] == "数字化转型指数报告（示例）"
    assert col_a[2].startswith("合成数据：")
    i = col_a.index("配方")
    assert col_b[i:i + 3] == ["{", '  "normalise": "base_share"', "}"]
    j = col_a.index("城市排名 2022Q1")
    assert ws.cell(j + 1, 1).hyperlink.location == "'城市排名 2022Q1'!A1"
    f = workbook["发现"]
    assert [c.value for c in f[3]] == ["总体", 1, "全国数字化转型指数持续上升。", "2022Q1 指数 1.23；同比 +5.2%"]


def test_english_labels_and_colours(tmp_path):
    path = write_excel(sample_report(lang="en", synthetic=False), tmp_path / "en.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "README" and wb.sheetnames[-1] == "Findings"
    ws = wb["城市排名 2022Q1"]
    assert ws["A1"].value == "城市排名 2022Q1"
    assert ws["E3"].font.color.rgb[-6:] == UP_DOWN["en"][0].lstrip("#").upper()


def test_sheet_names_are_made_safe_and_unique(tmp_path):
    t = Table.from_frame(pd.DataFrame({"x": [1]}), title="a/b:c*" + "长" * 40)
    r = Report("r", (Section("s", "S", (t, t, Table.from_frame(pd.DataFrame({"x": [1]}), sheet="说明x"))),))
    wb = load_workbook(write_excel(r, tmp_path / "n.xlsx"))
    names = wb.sheetnames
    assert names[1] == ("a_b_c_" + "长" * 40)[:31]
    assert names[2] == ("a_b_c_" + "长" * 40)[:27] + " (2)"
    assert names[3] == "说明x" and all(len(n) <= 31 for n in names)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    r = Report("r", (Section("s", "S", (Table.from_frame(pd.DataFrame({"x": ["=1+1"]}), title="T"),)),))
    wb = load_workbook(write_excel(r, tmp_path / "f.xlsx"))
    assert wb["T"]["A3"].value == "=1+1" and wb["T"]["A3"].data_type == "s"


def test_bad_text_is_refused_with_its_location(tmp_path):
    r = Report("r", (Section("s", "S", (Table.from_frame(pd.DataFrame({"x": ["a\x01b"]}), title="T"),)),))
    with pytest.raises(DataError, match="sheet 'T', cell A3: text 'a\\\\x01b' contains control characters"):
        write_excel(r, tmp_path / "bad.xlsx")
    assert not (tmp_path / "bad.xlsx").exists()  # atomic: nothing half-written
    long = Report("r", (Section("s", "S", (Paragraph("p"),)),), meta={"recipe": "x" * 40000})
    with pytest.raises(DataError, match="text of 40000 characters exceeds Excel's 32767"):
        write_excel(long, tmp_path / "long.xlsx")


def test_number_formats_come_from_the_shared_formatter(tmp_path):
    df = pd.DataFrame({"p": [0.5], "c": [-0.25], "k": [123456.0], "y": [True]})
    t = Table.from_frame(df, title="T", formats={"p": fmt.percent(2), "c": fmt.change(0), "k": fmt.compact(1)})
    wb = load_workbook(write_excel(Report("r", (Section("s", "S", (t,)),), lang="en"), tmp_path / "x.xlsx"))
    assert [c.number_format for c in wb["T"][3]] == [fmt.percent(2).excel, fmt.change(0).excel, "#,##0", "General"]
    assert [c.value for c in wb["T"][3]] == [0.5, -0.25, 123456, "Yes"]


def test_same_report_gives_the_same_workbook_bytes(tmp_path, monkeypatch):
    # Workbook.save stamps the time of saving into the document properties and every zip entry;
    # the one Excel writer leaves those out, so a report written later is the same file.
    import time
    import zipfile

    first = write_excel(sample_report(), tmp_path / "a.xlsx").read_bytes()
    later = time.time() + 400 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    second = write_excel(sample_report(), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert ">1980-01-01T00:00:00Z</dcterms:modified>" in core and ">1980-01-01T00:00:00Z</dcterms:created>" in core
    wb = load_workbook(tmp_path / "b.xlsx")  # still a workbook openpyxl (and Excel) reads
    assert wb.sheetnames == load_workbook(tmp_path / "a.xlsx").sheetnames
    assert wb.properties.creator == "dtindex"


def test_source_date_epoch_sets_the_workbook_time(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    path = write_excel(sample_report(), tmp_path / "a.xlsx")
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert load_workbook(path).properties.modified.isoformat() == "2023-11-14T22:13:20"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(DataError, match="SOURCE_DATE_EPOCH"):
        write_excel(sample_report(), tmp_path / "b.xlsx")
    assert not (tmp_path / "b.xlsx").exists()
