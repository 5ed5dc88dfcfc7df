"""Uncertainty and sensitivity analysis of index ranks (issue 6).

* :mod:`.spec` — the uncertain inputs (``uncertainty:`` YAML section) and the factors they make;
* :mod:`.batch` — replications computed in vectorised batches over a replications axis;
* :mod:`.replay` — run a given list of replications (the ``replay`` CLI contract);
* :mod:`.sobol` — Saltelli design, Saltelli/Jansen estimators, bootstrap intervals;
* :mod:`.analysis` — :func:`run_uncertainty`: draws, batches, statistics, indices, text;
* :mod:`.summary` — rank statistics, what-if table, sensitivity tables, plain-language text;
* :mod:`.excel`, :mod:`.output` — the workbook and the result files.

See ``docs/uncertainty.md``.
"""

from .analysis import UncertaintyResult, replications_from_sample, run_uncertainty
from .batch import BatchModel, BatchResult, Replications, rank_batch
from .excel import write_excel
from .output import write_results
from .replay import read_replications, replay, replications_from_frame, write_ranks
from .sobol import saltelli_design, sobol_indices
from .spec import (
    UncertaintySpec,
    load_spec_with_uncertainty,
    load_uncertainty,
    parse_uncertainty,
    plan_factors,
)
from .summary import ReportTables, report_tables

__all__ = [
    "BatchModel",
    "BatchResult",
    "Replications",
    "ReportTables",
    "UncertaintyResult",
    "UncertaintySpec",
    "load_spec_with_uncertainty",
    "load_uncertainty",
    "parse_uncertainty",
    "plan_factors",
    "rank_batch",
    "read_replications",
    "replay",
    "replications_from_frame",
    "replications_from_sample",
    "report_tables",
    "run_uncertainty",
    "saltelli_design",
    "sobol_indices",
    "write_excel",
    "write_ranks",
    "write_results",
]
