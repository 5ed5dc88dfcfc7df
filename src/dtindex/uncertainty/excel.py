"""The Excel workbook of an uncertainty analysis, written by the shared report renderer.

:func:`dtindex.report.uncertainty.uncertainty_workbook` lays the analysis out as a report
(README with the English and Chinese summaries and any notes; sheets ``Settings``, ``Factors``,
``Rank intervals``, ``Sensitivity`` and ``What if``) and :func:`dtindex.report.excel.write_excel`
writes it atomically -- one Excel path for every dtindex workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import UncertaintyResult


def write_excel(result: UncertaintyResult, path: str | Path) -> Path:
    """Write the workbook of ``result`` to ``path`` atomically."""
    from ..report.excel import write_excel as write_report_excel
    from ..report.uncertainty import uncertainty_workbook  # the report package imports analysis code

    return write_report_excel(uncertainty_workbook(result), path)


__all__ = ["write_excel"]
