"""Write the survey report data as an Excel workbook (one sheet per table) and as CSV files.

The first sheet lists the sections, their text and the sheet of every table; each table sheet has
a bold, frozen header row, column widths fitted to the content and number formats from the
table's ``formats`` (``pct`` -> ``0.0%``, ``int`` -> ``#,##0``, ``num1/2/3`` -> ``0.0``/``0.00``/
``0.000``). Files are written atomically.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..io.atomic import atomic_write
from .report import Section, report_json

NUMBER_FORMATS = {"pct": "0.0%", "int": "#,##0", "num1": "0.0", "num2": "0.00", "num3": "0.000", "text": "@"}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def sheet_names(sections: list[Section]) -> dict[str, str]:
    """Table name -> unique Excel sheet name (at most 31 characters)."""
    out, used = {}, {"contents"}
    for s in sections:
        for tb in s.tables:
            base = _BAD_SHEET.sub("_", tb.name)[:31] or "table"
            name, i = base, 2
            while name.lower() in used:
                suffix = f"~{i}"
                name, i = base[:31 - len(suffix)] + suffix, i + 1
            used.add(name.lower())
            out[tb.name] = name
    return out


def _cell(v):
    if v is None:
        return None
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if v is pd.NA or v is pd.NaT:
        return None
    return v if isinstance(v, (int, str)) else str(v)


def write_workbook(sections: list[Section], path: str | Path, *, title: str = "", synthetic: bool = False) -> Path:
    """Write every table of ``sections`` to ``path`` (.xlsx), one sheet per table."""
    path = Path(path)
    names = sheet_names(sections)
    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    toc = wb.active
    toc.title = "contents"
    row = 1
    if title:
        toc.cell(row=row, column=1, value=title).font = Font(bold=True, size=14)
        row += 1
    if synthetic:
        toc.cell(row=row, column=1, value="SYNTHETIC DATA — generated for demonstration, not a real survey").font = \
            Font(bold=True, color="C00000")
        row += 1
    row += 1
    for s in sections:
        toc.cell(row=row, column=1, value=s.title).font = bold
        row += 1
        for line in s.text:
            toc.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=False)
            row += 1
        for tb in s.tables:
            toc.cell(row=row, column=1, value=tb.title)
            toc.cell(row=row, column=2, value=names[tb.name])
            row += 1
        row += 1
    toc.column_dimensions["A"].width = 80
    toc.column_dimensions["B"].width = 32

    for s in sections:
        for tb in s.tables:
            ws = wb.create_sheet(names[tb.name])
            frame = tb.frame
            cols = [str(c) for c in frame.columns]
            for j, c in enumerate(cols, start=1):
                cell = ws.cell(row=1, column=j, value=c)
                cell.font, cell.fill = bold, head_fill
            values = frame.to_numpy(dtype=object)
            for i, rec in enumerate(values, start=2):
                for j, v in enumerate(rec, start=1):
                    ws.cell(row=i, column=j, value=_cell(v))
            for j, c in enumerate(frame.columns, start=1):
                fmt = NUMBER_FORMATS.get(tb.formats.get(c, ""), None)
                letter = get_column_letter(j)
                if fmt:
                    for i in range(2, len(values) + 2):
                        ws.cell(row=i, column=j).number_format = fmt
                width = max([len(str(c))] + [len(str(_cell(v))) for v in values[:200, j - 1]]) if len(values) else len(str(c))
                ws.column_dimensions[letter].width = min(max(8, width * 1.2 + 2), 60)
            ws.freeze_panes = "A2"
            if tb.note:
                ws.cell(row=len(values) + 3, column=1, value=tb.note).font = Font(italic=True)
    buf = io.BytesIO()
    wb.save(buf)
    with atomic_write(path, mode="wb") as fh:
        fh.write(buf.getvalue())
    return path


def write_tables_csv(sections: list[Section], out_dir: str | Path, *, bom: bool = False) -> list[Path]:
    """One CSV per table (``<table name>.csv``, UTF-8, optional BOM for Excel)."""
    out_dir = Path(out_dir)
    written = []
    for s in sections:
        for tb in s.tables:
            p = out_dir / f"{_BAD_SHEET.sub('_', tb.name)}.csv"
            text = tb.frame.to_csv(index=False, lineterminator="\n")
            with atomic_write(p) as fh:
                if bom:
                    fh.write("\ufeff")
                fh.write(text)
            written.append(p)
    return written


def write_report_json(sections: list[Section], path: str | Path) -> Path:
    path = Path(path)
    with atomic_write(path) as fh:
        json.dump(report_json(sections), fh, ensure_ascii=False, indent=1, default=str)
    return path
