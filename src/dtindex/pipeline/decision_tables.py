"""The full VIKOR and RSR tables of the nodes a build aggregates with those methods (``vikor.csv``, ``rsr.csv``).

A score column holds only ``1 - Q`` (VIKOR) or ``RSR``; a study that uses VIKOR also reports S, R, Q,
their ranks and Opricovic's two acceptance conditions, and one that uses the rank-sum ratio reports
the probit, the regression line and the grades. These tables are computed on the matrix the
aggregation itself used -- the node's normalised, oriented children and its weights -- by
:func:`dtindex.methods.aggregate_relative.vikor_table` and :func:`dtindex.methods.rsr.rsr_table`, one
block per scope group (``scope: per_period``: each period; ``pooled``: all unit-periods together, as
the aggregation ranks them). So ``Q = 1 - score`` and ``RSR = score`` row by row.

A block is left out, with a line in the build log saying why, when its matrix has missing children
(both tables need complete rows, while the aggregation can skip missing children) or too few units
(VIKOR needs 2, RSR 3 with 3 distinct values for its regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MethodDomainError
from ..lazy import pandas as pd
from ..panel import Panel

__all__ = ["DECISION_TABLES", "TABLE_ONLY_PARAMS", "decision_table", "score_params"]

#: Aggregation method -> the file its full table is written to.
DECISION_TABLES = {"vikor": "vikor.csv", "rsr": "rsr.csv"}
#: Parameters of these tables that the score itself does not use (set under ``aggregate.params``).
TABLE_ONLY_PARAMS = {"rsr": ("grades",)}


def score_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` without the parameters only the full table uses (what the aggregation function takes)."""
    table_only = TABLE_ONLY_PARAMS.get(method, ())
    return {k: v for k, v in params.items() if k not in table_only}


def decision_table(node: str, method: str, V: np.ndarray, w: np.ndarray, groups: np.ndarray, panel: Panel,
                   params: dict[str, Any], scope: str) -> tuple[pd.DataFrame | None, list[str]]:
    """The long table of ``method`` for ``node`` and the log lines of the blocks left out.

    ``groups`` is the aggregation's group code per panel row (-1 = not aggregated); ``params`` the
    aggregation's parameters (``v`` for VIKOR; ``ranking`` and ``grades`` for RSR).
    """
    from ..methods.aggregate_relative import vikor_table
    from ..methods.rsr import rsr_table

    units = np.array(panel.units, dtype=object)[panel.unit_index]
    times = np.array(panel.period_labels, dtype=object)[panel.period_index]
    blocks: list[pd.DataFrame] = []
    messages: list[str] = []
    for code in np.unique(groups[groups >= 0]):
        rows = np.flatnonzero(groups == code)
        group = times[rows[0]] if scope == "per_period" else "pooled"
        where = f"{method} table of {node!r} ({group or 'cross-section'})"
        X = V[rows]
        incomplete = np.isnan(X).any(axis=1)
        if incomplete.any():
            messages.append(f"{where} left out: {int(incomplete.sum())} of {rows.size} units have missing "
                            "children (the table needs complete rows)")
            continue
        need = 2 if method == "vikor" else 3
        if rows.size < need:
            messages.append(f"{where} left out: {rows.size} unit(s); {method} needs at least {need}")
            continue
        try:
            if method == "vikor":
                res = vikor_table(X, w, v=params.get("v", 0.5))
                t = res.table.reset_index(drop=True)
                extra = {"compromise": np.isin(np.arange(rows.size), res.compromise),
                         "C1_advantage": res.advantage, "C2_stability": res.stability, "DQ": res.dq, "v": res.v}
            else:
                res = rsr_table(X, w, ranking=params.get("ranking", "integer"), grades=params.get("grades", 3))
                t = res.table.reset_index(drop=True)
                extra = {"intercept": res.intercept, "slope": res.slope, "r_squared": res.r_squared,
                         "p_value": res.p_value}
        except MethodDomainError as exc:  # e.g. fewer than 3 distinct RSR values for the probit regression
            messages.append(f"{where} left out: {exc}")
            continue
        head = pd.DataFrame({"iCode": node, "group": group, "uCode": units[rows], "Time": times[rows]})
        blocks.append(pd.concat([head, t, pd.DataFrame(extra, index=t.index)], axis=1))
    if not blocks:
        return None, messages
    return pd.concat(blocks, ignore_index=True), messages
