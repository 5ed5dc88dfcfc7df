"""Generic report machinery: reports as immutable values, rendered to HTML and Excel.

Build a :class:`Report` of :class:`Section` values holding blocks (:class:`Heading`,
:class:`Paragraph`, :class:`Callout`, :class:`KPICards`, :class:`Table`, :class:`Chart`,
:class:`Map`), then render it with :func:`write_html` (one self-contained offline HTML file)
and :func:`write_excel` (one workbook, a sheet per table/chart/map). Both renderers format
numbers with the same :class:`NumberFormat` values (:mod:`dtindex.report.format`).

>>> import pandas as pd
>>> from dtindex.report import Report, Section, Table, fmt
>>> t = Table.from_frame(pd.DataFrame({"城市": ["深圳"], "指数": [1.234]}), title="排名",
...                      formats={"指数": fmt.decimal(2)})
>>> report = Report("示例", (Section("ranking", "排名", (t,)),))
>>> [bid for _, bid, _ in report.blocks()]
['ranking-1']
"""

from __future__ import annotations

from . import format as fmt
from .excel import render_excel, write_excel
from .format import NumberFormat
from .html import chart_specs, render_html, section_fragments, write_html
from .model import (
    KPI,
    Callout,
    Chart,
    Column,
    Evidence,
    Heading,
    KPICards,
    Map,
    Paragraph,
    Report,
    Section,
    Series,
    Table,
)

__all__ = [
    "KPI", "Callout", "Chart", "Column", "Evidence", "Heading", "KPICards", "Map", "NumberFormat", "Paragraph", "Report",
    "Section", "Series", "Table", "chart_specs", "fmt", "render_excel", "render_html", "section_fragments",
    "write_excel", "write_html",
]
