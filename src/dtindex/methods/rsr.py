"""Rank-sum ratio (秩和比法, RSR; Tian Fengdiao 田凤调 1988) and its probit grading.

For ``n`` units and ``m`` indicators (already oriented: higher is better)::

    R_ij  = rank of unit i on indicator j, 1 (worst) .. n (best)
            ranking="integer"      (整秩法): ranks, ties share their average rank
            ranking="interpolated" (非整秩法): R_ij = 1 + (n - 1) (x_ij - min_j) / (max_j - min_j)
    RSR_i = sum_j w_j R_ij / n          (weights summing to 1; equal weights give sum_j R_ij / (m n))

Grading (分档) by the probit of the RSR distribution:

1. sort the distinct RSR values ascending; for each: frequency ``f``,
   cumulative frequency ``cf``, average rank ``R̄`` of its units among 1..n,
   percentage ``p = R̄ / n`` (the last one corrected to ``1 - 1/(4n)``);
2. ``probit = 5 + Φ^{-1}(p)`` (the normal deviate plus 5, scipy.stats.norm);
3. least-squares line ``RSR = a + b · probit`` (scipy.stats.linregress) and
   the fitted value of every unit;
4. grades cut the probit scale at Tian's thresholds (:data:`PROBIT_CUTS`):
   3 grades at 4 and 6, 4 grades at 3.72, 5, 6.28, 5 grades at 3.52, 4.48,
   5.52, 6.48 -- i.e. at the fitted RSR ``a + b · cut``; grade 1 is the
   lowest.

:func:`rsr` is the aggregation (the score is RSR, within each scope group);
:func:`rsr_table` gives the whole analysis of one set of units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ..lazy import pandas as pd

from ..errors import MethodDomainError, SpecError, check_choice
from .aggregate_checks import _check_weights
from .aggregate_relative import _score_by_group, _weighted_mean

__all__ = ["PROBIT_CUTS", "RANKINGS", "RSRResult", "rsr", "rsr_table"]

RANKINGS = ("integer", "interpolated")
#: Probit thresholds of the grades (Tian Fengdiao's table, as printed in Chinese statistics textbooks).
PROBIT_CUTS = {3: (4.0, 6.0), 4: (3.72, 5.0, 6.28), 5: (3.52, 4.48, 5.52, 6.48)}


def _ranks(X: np.ndarray, ranking: str) -> np.ndarray:
    """Ranks 1..n_j per column over the present values (NaN stays NaN), and n_j."""
    from scipy.stats import rankdata

    if ranking == "integer":
        R = rankdata(X, axis=0, method="average", nan_policy="omit")
    else:
        lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        n = (~np.isnan(X)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            R = np.where(hi > lo, 1 + (n - 1) * (X - lo) / np.where(hi > lo, hi - lo, 1.0), (n + 1) / 2)
    return np.where(np.isnan(X), np.nan, R)


def rsr(V, w, *, missing="skip", groups=None, ranking: str = "integer", row_labels=None, children=None):
    """Weighted rank-sum ratio within each group (see the module docstring for the formula).

    With missing children (``skip``) the ranks of a child run over its
    present values (``n_j`` of them) and ``RSR_i = sum_j w_j R_ij / n_j /
    sum_j w_j`` over the children present for row ``i``.
    """
    check_choice("rsr aggregation", "ranking", ranking, RANKINGS)

    def ratio(X, w):
        n_j = (~np.isnan(X)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = _ranks(X, ranking) / np.where(n_j > 0, n_j, np.nan)
        return _weighted_mean(share, w)

    return _score_by_group(V, w, missing, groups, row_labels, children, ratio)


@dataclass(frozen=True, eq=False)
class RSRResult:
    """RSR analysis of one set of units.

    ``table`` (index = unit): ``RSR``, ``rank`` (1 = highest RSR), ``probit``,
    ``RSR_fitted``, ``grade`` (1 = lowest). ``distribution``: per distinct
    RSR value ``f``, ``cf``, ``mean_rank``, ``p``, ``probit``.
    ``intercept``, ``slope``, ``r_squared``, ``p_value`` of the regression;
    ``thresholds``: the fitted RSR at the probit cuts.
    """

    table: pd.DataFrame
    distribution: pd.DataFrame
    intercept: float
    slope: float
    r_squared: float
    p_value: float
    cuts: tuple[float, ...]
    thresholds: tuple[float, ...]


def rsr_table(X, w=None, *, directions=None, ranking: str = "integer", grades: int = 3, labels=None) -> RSRResult:
    """RSR, probit, regression and grades of the units (rows) of a complete matrix ``X``.

    Parameters
    ----------
    X : array_like (n, m)
        Indicator values, no missing values, at least 3 units.
    w : array_like (m,), optional
        Weights (rescaled to sum 1); equal by default.
    directions : array_like of {1, -1}, optional
        1 = higher is better (default), -1 = lower is better (ranked in reverse).
    ranking : {"integer", "interpolated"}
    grades : {3, 4, 5}
        Number of grades (Tian's probit cuts, :data:`PROBIT_CUTS`).
    labels : sequence, optional
        Unit names.
    """
    from scipy import stats

    check_choice("rsr", "ranking", ranking, RANKINGS)
    check_choice("rsr", "grades", grades, tuple(PROBIT_CUTS))
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or A.shape[0] < 3 or np.isnan(A).any():
        raise SpecError("rsr: X must be a complete matrix of at least 3 units (rows) x indicators (columns).")
    n, m = A.shape
    w = np.full(m, 1.0 / m) if w is None else _check_weights(w, m) / np.sum(w)
    if directions is not None:
        d = np.asarray(directions, dtype=float)
        if d.shape != (m,) or not np.isin(d, (1, -1)).all():
            raise SpecError(f"rsr: directions must be 1 or -1 per indicator; got {directions!r}.")
        A = A * d
    value = (_ranks(A, ranking) / n) @ w
    names = list(labels) if labels is not None else list(range(n))
    if len(names) != n:
        raise SpecError(f"rsr: {len(names)} labels for {n} units.")
    distinct, inverse, f = np.unique(np.round(value, 12), return_inverse=True, return_counts=True)
    cf = np.cumsum(f)
    mean_rank = cf - (f - 1) / 2.0
    p = mean_rank / n
    p[-1] = 1 - 1 / (4 * n)
    probit_d = 5 + stats.norm.ppf(p)
    if distinct.size < 3:
        raise MethodDomainError(f"rsr: only {distinct.size} distinct RSR values; the probit regression needs 3 or more.")
    fit = stats.linregress(probit_d, distinct)
    probit = probit_d[inverse]
    fitted = fit.intercept + fit.slope * probit
    cuts = PROBIT_CUTS[grades]
    thresholds = tuple(float(fit.intercept + fit.slope * c) for c in cuts)
    grade = np.searchsorted(np.asarray(cuts), probit, side="right") + 1
    table = pd.DataFrame({
        "RSR": value, "rank": pd.Series(value).rank(ascending=False, method="min").astype(int).to_numpy(),
        "probit": probit, "RSR_fitted": fitted, "grade": grade,
    }, index=pd.Index(names, name="unit"))
    distribution = pd.DataFrame({"RSR": distinct, "f": f, "cf": cf, "mean_rank": mean_rank, "p": p,
                                 "probit": probit_d})
    return RSRResult(table=table, distribution=distribution, intercept=float(fit.intercept), slope=float(fit.slope),
                     r_squared=float(fit.rvalue**2), p_value=float(fit.pvalue), cuts=cuts, thresholds=thresholds)
