"""``dtindex init``: the scaffold builds as it is; filled templates build; mistakes name their cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.errors import DataError
from dtindex.index import Index
from dtindex.io.workbook import INFO_SHEETS, read_data_workbook, read_expert_workbook
from dtindex.methods.ahp import read_ahp_matrices
from dtindex.project import init_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return init_project(tmp_path_factory.mktemp("p") / "demo-project")


def test_init_then_build_then_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["init", "demo-project"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "demo-project").iterdir()) == [
        "README.md", "ahp.xlsx", "data.xlsx", "experts.xlsx", "spec.yaml"]
    res = runner.invoke(main, ["build", "demo-project/spec.yaml"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "build" / "demo-project" / "scores.csv").exists()
    res = runner.invoke(main, ["report", "build/demo-project"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "build" / "demo-project" / "report" / "report.html").read_text(encoding="utf-8")
    assert "数字化转型指数报告（示例）" in html and "示例数据（dtindex init 生成）" in html
    # nothing a user wrote is overwritten
    res = runner.invoke(main, ["init", "demo-project"])
    assert res.exit_code == 1 and "never overwrites" in res.output


def test_templates_have_readme_validation_and_one_sheet_per_period(project):
    wb = openpyxl.load_workbook(project.data)
    assert wb.sheetnames == [INFO_SHEETS[0], *[f"{y}Q{q}" for y in (2021, 2022) for q in range(1, 5)], "2023Q1",
                             INFO_SHEETS[1]]
    ws = wb["2023Q1"]
    assert [c.value for c in ws[1]] == ["uCode", "uName", "cloud", "ai", "meeting", "docs", "payment", "ecommerce"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("$A$2" in f for f in lists) and any("$B$2" in f for f in lists)  # city codes and names
    assert wb[INFO_SHEETS[1]].max_row == 370  # the 369 shipped cities and a header
    ex = openpyxl.load_workbook(project.experts)
    assert ex.sheetnames == [INFO_SHEETS[0], "专家1", "专家2", "专家3"]
    readme = "\n".join(str(c.value) for row in ex[INFO_SHEETS[0]].iter_rows() for c in row if c.value)
    assert "w_j = Σ_i a_ij / Σ_(l∈G) Σ_i a_il" in readme
    dv = ex["专家1"].data_validations.dataValidation[0]
    assert dv.formula1 == '"1,2,3,4,5"'
    ahp = openpyxl.load_workbook(project.ahp)
    assert ahp.sheetnames == [INFO_SHEETS[0], "DTI", "infra", "platform", "application"]
    assert "1/9" in ahp["DTI"].data_validations.dataValidation[0].formula1


def _fill(project, tmp_path) -> Path:
    """Copy the project and fill its templates with known values (as a user would in Excel)."""
    import shutil

    d = tmp_path / "filled"
    shutil.copytree(project.path, d)
    wb = openpyxl.load_workbook(d / "data.xlsx")
    for k, sheet in enumerate(project.periods):
        ws = wb[sheet]
        ws.delete_rows(2, ws.max_row)
        rows = [("440300", "深圳市"), ("", "杭州"), ("DEU", "德国")]  # a code, a city name only, a non-city unit
        for i, (code, name) in enumerate(rows, start=2):
            ws.cell(i, 1, code or None)
            ws.cell(i, 2, name)
            for j in range(3, 9):
                ws.cell(i, j, float(10 * (i - 1) + j + k) if (i, j) != (3, 4) else f" {10 * (i - 1) + j + k} ")
    wb.save(d / "data.xlsx")
    ex = openpyxl.load_workbook(d / "experts.xlsx")
    scores = {"专家1": [5, 3, 4, 4, 2, 5], "专家2": [4, 4, 3, 5, 3, 4], "专家3": [5, 2, 4, 3, 2, 4]}
    for name, vals in scores.items():
        for i, v in enumerate(vals, start=2):
            ex[name].cell(i, 4, v)
    ex.save(d / "experts.xlsx")
    ahp = openpyxl.load_workbook(d / "ahp.xlsx")
    ahp["infra"]["C2"] = "3"       # cloud is 3 times as important as ai
    ahp["DTI"]["C2"], ahp["DTI"]["D2"], ahp["DTI"]["D3"] = "1", "1", "1"
    ahp.save(d / "ahp.xlsx")
    return d


def test_filled_templates_build(project, tmp_path):
    d = _fill(project, tmp_path)
    idx = Index.from_spec(d / "spec.yaml")
    assert idx.units == ("440300", "330100", "DEU")
    raw = idx.stage_long("raw")
    got = raw[(raw.uCode == "330100") & (raw.Time == "2023Q1")].set_index("iCode")["value"]
    # row 3 (杭州) of sheet 2023Q1 (k = 8): 10 * 2 + column + 8; D3 was typed as text " 32 "
    assert got.to_dict() == {"cloud": 31.0, "ai": 32.0, "meeting": 33.0, "docs": 34.0, "payment": 35.0, "ecommerce": 36.0}
    w = idx.weights
    # expert scoring by hand: infra group cloud (5+4+5) vs ai (3+4+2) -> 14 / 23 and 9 / 23
    assert w["cloud"] == pytest.approx(14 / 23) and w["ai"] == pytest.approx(9 / 23)
    assert w["meeting"] == pytest.approx(11 / 23) and w["payment"] == pytest.approx(7 / 20)
    # AHP: all layers judged equal -> 1/3 each
    assert [w[c] for c in ("infra", "platform", "application")] == pytest.approx([1 / 3] * 3)
    m = read_ahp_matrices(d / "ahp.xlsx")
    assert m["infra"].loc["ai", "cloud"] == pytest.approx(1 / 3)


def test_cell_level_errors(project, tmp_path):
    d = _fill(project, tmp_path)
    wb = openpyxl.load_workbook(d / "data.xlsx")
    wb["2023Q1"]["D3"] = "12,3"
    wb.save(d / "data.xlsx")
    with pytest.raises(DataError, match=r'^data\.xlsx sheet 2023Q1 cell D3: "12,3" is not a number \(use a dot'):
        Index.from_spec(d / "spec.yaml")
    wb["2023Q1"]["D3"] = 1.5
    wb["2023Q1"]["A4"] = "440300"  # 深圳 twice in one period
    wb.save(d / "data.xlsx")
    with pytest.raises(DataError, match="data.xlsx sheet 2023Q1 rows 2, 4: unit '440300' appears more than once"):
        read_data_workbook(d / "data.xlsx", numeric=["cloud", "ai", "meeting", "docs", "payment", "ecommerce"])
    wb["2023Q1"]["A4"], wb["2023Q1"]["B4"] = None, "不存在市"
    wb.save(d / "data.xlsx")
    with pytest.raises(DataError, match="data.xlsx sheet 2023Q1 cell A4: empty uCode and '不存在市' is not a city"):
        read_data_workbook(d / "data.xlsx", numeric=["cloud"])
    wb["2023Q1"].title = "latest"
    wb["latest"]["A4"] = "DEU"
    wb.save(d / "data.xlsx")
    with pytest.raises(DataError, match="sheet latest: the sheet name 'latest' is not a period"):
        read_data_workbook(d / "data.xlsx", numeric=["cloud"])
    ex = openpyxl.load_workbook(d / "experts.xlsx")
    ex["专家2"]["D5"] = 7
    ex.save(d / "experts.xlsx")
    with pytest.raises(DataError, match="experts.xlsx sheet 专家2 cell D5: score 7 for docs; give a whole number from 1 to 5"):
        read_expert_workbook(d / "experts.xlsx")
    ex["专家2"]["D5"] = "x"
    ex.save(d / "experts.xlsx")
    with pytest.raises(DataError, match='experts.xlsx sheet 专家2 cell D5: "x" is not a number'):
        read_expert_workbook(d / "experts.xlsx")


def test_wide_layout_yearly(tmp_path):
    p = init_project(tmp_path / "yearly", periods=("2019", "2023"), layout="wide", experts=2)
    wb = openpyxl.load_workbook(p.data)
    assert wb.sheetnames == [INFO_SHEETS[0], "data", INFO_SHEETS[1]]
    assert [c.value for c in wb["data"][1]][:3] == ["uCode", "uName", "Time"]
    idx = Index.from_spec(p.spec)
    assert idx.period_labels == ("2019", "2020", "2021", "2022", "2023") and len(idx.units) == 8
    national = idx.table("DTI")["2019"].sum()
    assert national == pytest.approx(100.0)  # base_share: the base-period total is 100
    assert np.isfinite(idx.table("DTI").to_numpy()).all()


def test_init_refuses_bad_input(tmp_path):
    with pytest.raises(DataError, match="one frequency"):
        init_project(tmp_path / "a", periods=("2019", "2023Q1"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(DataError, match="never overwrites"):
        init_project(tmp_path / "b")
    assert (tmp_path / "b" / "mine.txt").read_text(encoding="utf-8") == "keep"
    res = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--periods", "2019"])
    assert res.exit_code == 1 and "START:END" in res.output


def test_a_template_is_recognised_without_layout_workbook(project, tmp_path):
    """COINr route: `dtindex build --framework meta.csv --data data.xlsx` reads the filled template."""
    fw = Index.from_spec(project.spec).framework
    rows = [{"iCode": n.code, "iName": n.label("zh"), "iName_en": n.label("en"), "Level": fw.level_of(n.code),
             "Weight": 1, "Direction": 1, "Parent": n.parent or "", "Type": "Indicator" if n.is_indicator else "Aggregate"}
            for n in fw]
    pd.DataFrame(rows).to_csv(tmp_path / "meta.csv", index=False)
    res = CliRunner().invoke(main, ["build", "--framework", str(tmp_path / "meta.csv"), "--data", str(project.data),
                                    "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert Index.from_coinr(tmp_path / "meta.csv", project.data).period_labels[-1] == "2023Q1"


def test_long_layout(tmp_path):
    p = init_project(tmp_path / "long", periods=("2021", "2023"), layout="long")
    ws = openpyxl.load_workbook(p.data)["data"]
    assert [c.value for c in ws[1]] == ["uCode", "uName", "Time", "iCode", "value"]
    idx = Index.from_spec(p.spec)
    wide = init_project(tmp_path / "wide", periods=("2021", "2023"), layout="wide")
    ref = Index.from_spec(wide.spec)
    # the same example values in either layout give the same index
    np.testing.assert_allclose(idx.table("DTI").to_numpy(), ref.table("DTI").to_numpy())
    wb = openpyxl.load_workbook(p.data)
    wb["data"]["D5"] = "clouds"
    wb.save(p.data)
    with pytest.raises(DataError, match="data.xlsx sheet data cell D5: 'clouds' is not an indicator of the framework"):
        Index.from_spec(p.spec)
    for col in "ABCD":  # row 5 repeats row 4's unit, period and indicator
        wb["data"][f"{col}5"] = wb["data"][f"{col}4"].value
    wb.save(p.data)
    unit = wb["data"]["A4"].value
    with pytest.raises(DataError, match=rf"data.xlsx sheet data rows 4, 5: unit '{unit}', period 2021, indicator cloud "
                                        "appears more than once"):
        Index.from_spec(p.spec)
