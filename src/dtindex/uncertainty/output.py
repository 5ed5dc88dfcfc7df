"""Files of an uncertainty analysis: CSV tables, the replications, a text summary and the workbook.

``write_results(result, out_dir)`` writes, each atomically and in a stable
row order:

=====================  ==================================================================
``rank_stats.csv``     per unit: nominal, mean, median rank, q05, q95, min, max, share in the top K
``sensitivity.csv``    ``output, factor, S1, S1_low, S1_high, ST, ST_low, ST_high``
``factors.csv``        one row per factor with the indices of the mean absolute rank shift
``what_if.csv``        ranks under each single discrete alternative
``replications.csv``   one row per replication: ``rep``, the chosen alternatives, ``w_<code>``
``ranks.csv``          ``rep, uCode, rank`` of every replication (``rep, Time, uCode, rank`` for panels)
``summary.md``         the English and Chinese paragraphs and any notes
``uncertainty.xlsx``   the workbook (:mod:`dtindex.uncertainty.excel`)
=====================  ==================================================================

When normalisation and aggregation are among the factors (and no custom
``alternatives`` are), ``replications.csv`` is a valid input of
``dtindex uncertainty replay`` and reproduces ``ranks.csv`` exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..io.atomic import atomic_write
from .excel import write_excel
from .replay import write_ranks
from .summary import factor_table, report_tables

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import UncertaintyResult


def write_results(result: UncertaintyResult, out_dir: str | Path, *, bom: bool = False,
                  excel: bool = True) -> list[Path]:
    """Write the result files (listed in the module docstring); returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in (("rank_stats.csv", result.rank_stats), ("sensitivity.csv", result.sensitivity),
                     ("factors.csv", factor_table(result)), ("what_if.csv", result.what_if),
                     ("replications.csv", result.table), ("ranks.csv", result.batch.long())):
        written.append(write_ranks(df, out, name=name, bom=bom))
    path = out / "summary.md"
    lines = ["# Uncertainty analysis", "", "## English", "", result.text["en"], "", "## 中文", "", result.text["zh"], ""]
    if result.messages:
        lines += ["## Notes", "", *[f"- {m}" for m in result.messages], ""]
    with atomic_write(path) as fh:
        fh.write("\n".join(lines))
    written.append(path)
    if excel:
        written.append(write_excel(result, out / "uncertainty.xlsx"))
    from ..report.uncertainty import write_uncertainty_html  # the report package imports analysis code

    tables = report_tables(result)
    written.append(write_uncertainty_html(tables, out / "uncertainty.html", lang="zh"))
    written.append(write_uncertainty_html(tables, out / "uncertainty.en.html", lang="en"))
    return written


__all__ = ["write_results"]
