"""Write the survey report data as CSV files (one per table, machine column names) and as the
JSON twin. The workbook and the HTML page are rendered by the shared report machinery
(:func:`dtindex.report.survey.write_survey_excel`, :func:`~dtindex.report.survey.write_survey_html`).
Files are written atomically.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..io.atomic import atomic_write
from ..io.tables import csv_text
from .report import Section, report_json

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def write_tables_csv(sections: list[Section], out_dir: str | Path, *, bom: bool = False) -> list[Path]:
    """One CSV per table (``<table name>.csv``, UTF-8, optional BOM for Excel)."""
    out_dir = Path(out_dir)
    written = []
    for s in sections:
        for tb in s.tables:
            p = out_dir / f"{_BAD_SHEET.sub('_', tb.name)}.csv"
            text = csv_text(tb.frame)
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
