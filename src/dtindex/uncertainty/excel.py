"""The Excel workbook of an uncertainty analysis (openpyxl), written atomically.

Sheets:

``Summary``
    settings (base sample size, runs, seed, sampling, period, bootstrap, ci),
    the factors with their alternatives and the indices of the mean absolute
    rank shift, the English and Chinese paragraphs, and any notes;
``Rank intervals``
    per unit: nominal, mean and median rank, 5th and 95th percentiles, min,
    max, share in the top K;
``Sensitivity``
    first-order and total indices (with confidence bounds) of every unit's
    rank, by factor;
``What if``
    ranks under each single discrete alternative.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..io.atomic import atomic_write
from .summary import factor_table, report_tables

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import UncertaintyResult

BOLD = Font(bold=True)
FORMATS = {"S1": "0.000", "S1_low": "0.000", "S1_high": "0.000", "ST": "0.000", "ST_low": "0.000",
           "ST_high": "0.000", "mean_rank": "0.00", "median_rank": "0.0", "q05": "0.0", "q95": "0.0"}


def _cell(v):
    """Excel-safe value: NaN / NA -> empty, numpy scalars -> Python numbers."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _frame(ws, df: pd.DataFrame, start_row: int = 1) -> int:
    """Write a table with a bold header; returns the next free row."""
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(row=start_row, column=j, value=str(col))
        c.font = BOLD
    values = df.astype(object).to_numpy()
    for i, row in enumerate(values, start=start_row + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=_cell(v))
    for j, col in enumerate(df.columns, start=1):
        fmt = FORMATS.get(str(col)) or ("0.0%" if str(col).startswith("share_top") else None)
        if fmt:
            for i in range(start_row + 1, start_row + 1 + len(df)):
                ws.cell(row=i, column=j).number_format = fmt
        width = max([len(str(col))] + [len(str(_cell(v))) for v in values[:200, j - 1]]) if len(df) else len(str(col))
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(60, width + 2))
    return start_row + len(df) + 2


def build_workbook(result: UncertaintyResult) -> Workbook:
    """The workbook of ``result`` (sheets in the module docstring)."""
    tables = report_tables(result)
    u = result.uspec
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    settings = pd.DataFrame({
        "setting": ["index", "period", "base sample size N", "replications run", "replications for rank statistics",
                    "sampling", "seed", "sensitivity indices", "bootstrap resamples", "confidence level", "top K"],
        "value": [result.index.framework.root, result.period or "(cross-section)", u.n, len(result.shift),
                  len(result.ua_rows), u.sampling, u.seed, "yes" if result.sobol is not None else "no",
                  u.bootstrap if result.sobol is not None else 0, u.ci, u.top],
    })
    row = _frame(ws, settings)
    row = _frame(ws, factor_table(result), row)
    for title, text in (("Summary (English)", tables.paragraph_en), ("摘要（中文）", tables.paragraph_zh)):
        ws.cell(row=row, column=1, value=title).font = BOLD
        c = ws.cell(row=row + 1, column=1, value=text)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=8)
        ws.row_dimensions[row + 1].height = 15 * max(2, len(text) // 90 + 1)
        row += 3
    if result.messages:
        ws.cell(row=row, column=1, value="Notes").font = BOLD
        for i, note in enumerate(result.messages, start=1):
            ws.cell(row=row + i, column=1, value=note)
    _frame(wb.create_sheet("Rank intervals"), tables.rank_intervals)
    _frame(wb.create_sheet("Sensitivity"), tables.unit_sensitivity)
    _frame(wb.create_sheet("What if"), tables.what_if)
    for sheet in wb.worksheets[1:]:
        sheet.freeze_panes = "B2"
    return wb


def write_excel(result: UncertaintyResult, path: str | Path) -> Path:
    """Write the workbook to ``path`` atomically (temporary file + rename)."""
    path = Path(path)
    wb = build_workbook(result)
    with atomic_write(path, mode="wb") as fh:
        wb.save(fh)
    return path


__all__ = ["build_workbook", "write_excel"]
