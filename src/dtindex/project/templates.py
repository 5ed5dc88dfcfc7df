"""Excel templates of a new index project: data entry, expert scoring and AHP judgements.

Each workbook starts with a ``说明 readme`` sheet (what to fill in, the formula the build
applies, the command to run) that the readers skip
(:data:`dtindex.io.workbook.INFO_SHEETS`):

* :func:`write_data_template` — one sheet per period (``layout="sheets"``), one sheet
  with a ``Time`` column (``layout="wide"``), or one long sheet ``uCode, uName, Time, iCode,
  value`` (``layout="long"``); otherwise columns ``uCode, uName``, then one per indicator. ``uCode`` and ``uName`` offer drop-down lists of the shipped city codes and
  names (sheet ``代码表 codes``), as a warning only, so countries or enterprises can be
  entered too; indicator cells accept numbers only. Read back by
  :func:`dtindex.io.workbook.read_data_workbook` with cell-level errors.
* :func:`write_expert_template` — one sheet per expert, one row per node, a 1–5 drop-down
  score; read by :func:`dtindex.io.workbook.read_expert_workbook`. The weights are
  ``w_j = Σ_i a_ij / Σ_{l in group} Σ_i a_il`` (:func:`dtindex.methods.expert.expert_weights`).
* :func:`write_ahp_template` — one sheet per aggregate node, a pairwise matrix of its
  children with the 1–9 scale as a drop-down in the upper triangle (the lower triangle is
  taken as the reciprocals); read by :func:`dtindex.methods.ahp.read_ahp_matrices`.

Every workbook is written atomically (:func:`dtindex.io.atomic.atomic_write`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..io.atomic import atomic_write
from ..io.workbook import EXPERT_CODE_HEADER, EXPERT_SCORE_HEADER, INFO_SHEETS, SCORE_RANGE
from ..report.excel import _BOLD, _CAPTION, _HEADER_BORDER, _HEADER_FILL, _display_width
from ..spec.framework import Framework

README, CODES = INFO_SHEETS
SAATY = ("9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9")
SAATY_WORDS = (("1", "同等重要", "equally important"), ("3", "稍微重要", "moderately more important"),
               ("5", "明显重要", "strongly more important"), ("7", "强烈重要", "very strongly more important"),
               ("9", "极端重要", "extremely more important"), ("2、4、6、8", "相邻判断的中间值", "between the neighbouring judgements"),
               ("1/3 …", "倒数：列比行重要", "reciprocals: the column is more important than the row"))
_GREY = PatternFill(fill_type="solid", fgColor="E7E9ED")
_INPUT = PatternFill(fill_type="solid", fgColor="FFF8E1")


def _save(wb: Workbook, path: Path) -> Path:
    from ..report.excel import save_workbook

    with atomic_write(path, mode="wb") as fh:
        save_workbook(wb, fh)
    return path


def _readme(ws: Worksheet, title: str, lines: Sequence[str], table: Sequence[Sequence[str]] = (),
            headings: Sequence[str] = ()) -> None:
    ws.title = README
    ws.cell(1, 1, title).font = _CAPTION
    row = 3
    for line in lines:
        ws.cell(row, 1, line).alignment = Alignment(wrap_text=False)
        row += 1
    if table:
        row += 1
        for j, h in enumerate(headings, start=1):
            c = ws.cell(row, j, h)
            c.font, c.fill, c.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
        for r in table:
            row += 1
            for j, v in enumerate(r, start=1):
                ws.cell(row, j, v)
    ws.column_dimensions["A"].width = 18 if table else 110
    for j in range(2, 6):
        ws.column_dimensions[get_column_letter(j)].width = 28


def _header(ws: Worksheet, headings: Sequence[str], comments: Mapping[str, str] | None = None) -> None:
    for j, h in enumerate(headings, start=1):
        c = ws.cell(1, j, h)
        c.font, c.fill, c.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
        if comments and h in comments:
            c.comment = Comment(comments[h], "dtindex")
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, _display_width(h) + 4))
    ws.freeze_panes = "A2"


def _node_rows(fw: Framework, codes: Sequence[str]) -> list[tuple[str, str, str, str]]:
    return [(c, fw[c].label("zh"), fw[c].label("en"), fw[c].parent or "") for c in codes]


# ---------------------------------------------------------------------- data entry
def write_data_template(path: str | Path, fw: Framework, periods: Sequence[str], *, layout: str = "sheets",
                        example: pd.DataFrame | None = None, spec_name: str = "spec.yaml") -> Path:
    """Write the data-entry workbook: readme, one sheet per period (or one with ``Time``), the code list.

    ``example``: rows ``uCode, uName, Time`` and indicator columns written as example data
    (the scaffold's example builds as it is); without it the data sheets have headers only.
    """
    from .. import regions

    if layout not in ("sheets", "wide", "long"):
        raise ValueError(f"layout must be 'sheets', 'wide' or 'long'; got {layout!r}")
    path = Path(path)
    indicators = list(fw.indicators)
    wb = Workbook()
    rows = _node_rows(fw, indicators)
    where, where_en = {
        "sheets": ("每个期间一张工作表，表名即期间（如 2023Q1、2023、2023-01）",
                   "one sheet per period, named by the period (2023Q1, 2023, 2023-01)"),
        "wide": ("一张工作表 data，Time 列填期间（如 2023Q1、2023、2023-01），每个指标一列",
                 "one sheet 'data' with the period in the Time column (2023Q1, 2023, 2023-01), one column per indicator"),
        "long": ("一张工作表 data，每行一个单位、期间和指标：Time、iCode（指标代码）、value（数值）",
                 "one sheet 'data', one row per unit, period and indicator: Time, iCode (indicator code), value"),
    }[layout]
    _readme(wb.active, "数据录入模板 · data-entry template", [
        f"布局：{where}。 Layout: {where_en}.",
        "uCode 填单位代码：中国城市用 6 位行政区划代码（下拉列表来自「代码表 codes」），国家、企业等可填自己的代码；"
        "uCode 留空而 uName 是城市名时，按城市名自动取代码。",
        "uCode: the unit's code — a 6-digit adcode for Chinese cities (drop-down from the 'codes' sheet), any code of "
        "your own for countries or enterprises; left empty, it is looked up from a city name in uName.",
        "指标列只填数字（小数点用 '.'，不要千位分隔符），缺失留空。 Indicator cells: numbers only (decimal point '.', no "
        "thousands separators); leave a missing value empty.",
        "新增期间：复制一张期间表并改名；新增单位：在表末加行。 Add a period: copy a period sheet and rename it; add a "
        "unit: add a row.",
        "出错时 dtindex build 报告文件、表和单元格，例如：data.xlsx sheet 2023Q1 cell D17: \"12,3\" is not a number",
        f"构建与报告 Build and report:  dtindex build {spec_name}  →  dtindex report build/<name>",
    ], table=rows, headings=("iCode", "名称", "name", "上级 parent"))
    codes = wb.create_sheet(CODES)
    cities = regions.cities()
    _header(codes, ["adcode", "name", "short_name", "province", "level", "", "iCode"])
    for i, rec in enumerate(cities[["adcode", "name", "short_name", "province", "level"]].astype(str).itertuples(index=False), start=2):
        for j, v in enumerate(rec, start=1):
            codes.cell(i, j, v)
    for i, code in enumerate(indicators, start=2):
        codes.cell(i, 7, code)
    last = len(cities) + 1
    code_list = f"{quote_sheetname(CODES)}!$A$2:$A${last}"
    name_list = f"{quote_sheetname(CODES)}!$B$2:$B${last}"
    headings = ["uCode", "uName"] + {"sheets": indicators, "wide": ["Time", *indicators],
                                     "long": ["Time", "iCode", "value"]}[layout]
    comments = {c: f"{zh} / {en}" for c, zh, en, _ in rows}
    sheets = list(periods) if layout == "sheets" else ["data"]
    comments = comments if layout != "long" else {}
    for sheet in sheets:
        ws = wb.create_sheet(str(sheet), index=len(wb.sheetnames) - 1)
        _header(ws, headings, comments)
        n_rows = 500
        for col, formula in ((1, code_list), (2, name_list)):
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorStyle="warning", errorTitle="不在城市代码表中 / not a shipped city",
                                error="不是内置城市；国家、企业等单位可以继续。 Not a shipped city; fine for other units.")
            dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{n_rows}")
            ws.add_data_validation(dv)
        if layout == "long":
            dv = DataValidation(type="list", formula1=f"{quote_sheetname(CODES)}!$G$2:$G${len(indicators) + 1}",
                                allow_blank=True, showErrorMessage=True, errorTitle="指标代码 / indicator code",
                                error="请从列表选择指标代码。 Choose an indicator code from the list.")
            dv.add(f"D2:D{n_rows}")
            ws.add_data_validation(dv)
        first = {"sheets": 3, "wide": 4, "long": 5}[layout]
        dv = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True,
                            showErrorMessage=True, errorTitle="只能填数字 / numbers only",
                            error="请填数字（小数点用 '.'）。 Enter a number (decimal point '.').")
        dv.add(f"{get_column_letter(first)}2:{get_column_letter(len(headings))}{n_rows}")
        ws.add_data_validation(dv)
        if example is not None:
            sub = example if layout != "sheets" else example[example["Time"].astype(str) == str(sheet)]
            if layout == "long":
                sub = sub.melt(id_vars=["uCode", "uName", "Time"], value_vars=indicators, var_name="iCode",
                               value_name="value")
            for i, rec in enumerate(sub[headings].itertuples(index=False), start=2):
                for j, v in enumerate(rec, start=1):
                    ws.cell(i, j, v)
    return _save(wb, path)


# ---------------------------------------------------------------------- expert scoring
def write_expert_template(path: str | Path, fw: Framework, nodes: Sequence[str], *, experts: int = 3,
                          example: Mapping[str, Mapping[str, int]] | None = None) -> Path:
    """Write the expert-scoring workbook: readme with the formula, one sheet per expert (专家1 …)."""
    path = Path(path)
    lo, hi = SCORE_RANGE
    wb = Workbook()
    rows = _node_rows(fw, nodes)
    _readme(wb.active, "专家打分模板 · expert-scoring template", [
        f"每位专家一张工作表（可改名、可复制增加专家），为每个节点打 {lo}–{hi} 分（{lo} = 最不重要，{hi} = 最重要）。",
        f"One sheet per expert (rename or copy sheets to add experts); score every node from {lo} (least important) "
        f"to {hi} (most important).",
        "权重公式 Weights:  w_j = Σ_i a_ij / Σ_(l∈G) Σ_i a_il   —— a_ij 为专家 i 给节点 j 的分数，G 为 j 的同级节点（同一上级）。",
        "a_ij is expert i's score of node j; G is the group of j's siblings (same parent), so the weights of each group sum to 1.",
        "一致性：构建时报告每组的 Kendall 协调系数 W。 Agreement: the build reports Kendall's W of each group.",
        "出错时报告表和单元格，例如：experts.xlsx sheet 专家2 cell D5: score 7 for ai; give a whole number from 1 to 5",
        "检查权重 Check the weights:  dtindex weights expert experts.xlsx --framework spec.yaml",
    ], table=rows, headings=("iCode", "名称", "name", "上级 parent"))
    for k in range(1, experts + 1):
        name = f"专家{k}"
        ws = wb.create_sheet(name)
        _header(ws, [EXPERT_CODE_HEADER, "名称 name", "上级 parent", EXPERT_SCORE_HEADER])
        dv = DataValidation(type="list", formula1=f'"{",".join(str(s) for s in range(lo, hi + 1))}"', allow_blank=False,
                            showErrorMessage=True, errorTitle="1–5", error=f"请选 {lo}–{hi} 的整数。 Choose a whole number {lo}–{hi}.")
        dv.add(f"D2:D{len(rows) + 1}")
        ws.add_data_validation(dv)
        for i, (code, zh, en, parent) in enumerate(rows, start=2):
            ws.cell(i, 1, code)
            ws.cell(i, 2, f"{zh} / {en}" if en != zh else zh)
            ws.cell(i, 3, parent)
            c = ws.cell(i, 4, (example or {}).get(name, {}).get(code))
            c.fill = _INPUT
    return _save(wb, path)


# ---------------------------------------------------------------------- AHP judgements
def write_ahp_template(path: str | Path, fw: Framework, parents: Sequence[str], *,
                       example: Mapping[str, Mapping[tuple[str, str], str]] | None = None) -> Path:
    """Write the AHP workbook: readme with the 1–9 scale, one pairwise matrix per node in ``parents``."""
    path = Path(path)
    wb = Workbook()
    _readme(wb.active, "AHP 判断矩阵模板 · AHP judgement template", [
        "每个节点一张工作表（表名 = 节点代码），比较其下级两两之间的重要性：单元格填“行比列重要多少”。",
        "One sheet per node (sheet name = node code) comparing its children in pairs: a cell says how much more "
        "important the row is than the column.",
        "只填对角线右上方的黄色单元格（下拉 1–9 及其倒数）；对角线为 1，左下方自动取倒数，留空即可。",
        "Fill the yellow cells above the diagonal (drop-down 1–9 and reciprocals); the diagonal is 1 and the cells "
        "below it are the reciprocals — leave them empty.",
        "权重为主特征向量（归一化），一致性比率 CR = CI / RI，CI = (λmax − n) / (n − 1)；CR > 0.1 时构建会提示修改判断。",
        "Weights are the normalised principal eigenvector; CR = CI / RI with CI = (λmax − n) / (n − 1); the build warns "
        "when CR > 0.1.",
        "检查 Check:  dtindex weights ahp ahp.xlsx",
    ], table=SAATY_WORDS, headings=("标度 scale", "含义", "meaning"))
    for parent in parents:
        kids = list(fw.children[parent])
        ws = wb.create_sheet(parent)
        corner = ws.cell(1, 1, parent)
        corner.font = _BOLD
        corner.comment = Comment(f"{fw[parent].label('zh')} / {fw[parent].label('en')}", "dtindex")
        dv = DataValidation(type="list", formula1=f'"{",".join(SAATY)}"', allow_blank=True, showErrorMessage=True,
                            errorTitle="1–9", error="请从下拉列表选择（1–9 或其倒数）。 Choose from the list (1–9 or a reciprocal).")
        ws.add_data_validation(dv)
        for k, code in enumerate(kids, start=2):
            for cell in (ws.cell(1, k, code), ws.cell(k, 1, code)):
                cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
                cell.comment = Comment(f"{fw[code].label('zh')} / {fw[code].label('en')}", "dtindex")
            ws.column_dimensions[get_column_letter(k)].width = max(10, _display_width(code) + 4)
        ws.column_dimensions["A"].width = max(12, max(_display_width(c) for c in kids) + 4)
        for i, a in enumerate(kids, start=2):
            for j, b in enumerate(kids, start=2):
                c = ws.cell(i, j)
                if i == j:
                    c.value, c.fill = 1, _GREY
                elif j > i:
                    c.fill, c.number_format = _INPUT, "@"
                    c.value = (example or {}).get(parent, {}).get((a, b))
                    dv.add(c.coordinate)
                else:
                    c.fill = _GREY
    return _save(wb, path)
