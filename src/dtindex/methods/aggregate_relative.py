"""Relative aggregations: scores measured against the ideal of a group of observations.

Like :func:`dtindex.methods.aggregate.topsis`, these compare each observation
with the best (and worst) value of every child *within a group* of rows (the
scope: all unit-periods pooled when ``groups`` is None, each period
otherwise), so a score depends on the other observations. The children are
already directed (higher is better) by normalisation, and the weights are
rescaled to sum 1.

=============  =============================================================
``gra``        grey relational grade to the ideal sequence (Deng 1982)
``gra_topsis`` grey-relational closeness r+ / (r+ + r-)
``vikor``      1 - Q of VIKOR (Opricovic 1998; Opricovic & Tzeng 2004)
=============  =============================================================

Missing children (``missing='skip'``) are left out of a row's sums and of the
ideals; ``propagate`` makes the row missing and leaves it out of the ideals
of the others; ``error`` refuses missing values.

The full VIKOR result (S, R, Q, the ranking and the compromise solution with
Opricovic's two acceptance conditions) is :func:`vikor_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ..lazy import pandas as pd

from ..errors import SpecError
from .aggregate_checks import _check_weights, _missing_policy

__all__ = ["gra", "gra_topsis", "vikor", "vikor_table", "VikorResult", "RELATIVE_AGGREGATORS"]

#: Aggregators whose score depends on the other observations of the group (the ideal point).
RELATIVE_AGGREGATORS = ("topsis", "gra", "gra_topsis", "vikor", "rsr")


def _check_rho(rho) -> float:
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 < rho <= 1:
        raise SpecError(f"grey relational analysis: the distinguishing coefficient rho must be in (0, 1] "
                        f"(usually 0.5); got {rho!r}.")
    return float(rho)


def _groups(V: np.ndarray, groups, nan: np.ndarray, missing: str) -> np.ndarray:
    g = np.zeros(V.shape[0], dtype=np.int64) if groups is None else np.asarray(groups).astype(np.int64)
    if missing == "propagate":
        g = np.where(nan.any(axis=1), -1, g)  # rows that will be missing take no part in the ideals
    return g


def _grey_coefficients(X: np.ndarray, ref: np.ndarray, rho: float) -> np.ndarray:
    """xi_ij = (dmin + rho dmax) / (delta_ij + rho dmax), delta_ij = |ref_j - x_ij| over the present cells."""
    delta = np.abs(X - ref)
    present = ~np.isnan(delta)
    if not present.any():
        return np.full(X.shape, np.nan)
    dmin, dmax = np.nanmin(delta), np.nanmax(delta)
    if dmax == 0:
        return np.where(present, 1.0, np.nan)  # every row equals the reference
    return (dmin + rho * dmax) / (delta + rho * dmax)


def _weighted_mean(C: np.ndarray, w: np.ndarray) -> np.ndarray:
    W = np.where(np.isnan(C), 0.0, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(np.isnan(C), 0.0, C) @ w / W.sum(axis=1)
    return np.where(W.sum(axis=1) > 0, y, np.nan)


def _score_by_group(V, w, missing, groups, row_labels, children, score) -> np.ndarray:
    """The frame every relative aggregation shares: the weights checked and scaled to sum 1, the
    missing policy applied, ``score(X, w)`` computed on the rows ``X`` of each scope group (a group
    whose cells are all missing stays NaN), and under ``propagate`` every row with a missing child
    made NaN (those rows take no part in the ideals: see :func:`_groups`)."""
    V = np.asarray(V, dtype=float)
    w = _check_weights(w, V.shape[1])
    w = w / w.sum()
    nan = _missing_policy(V, missing, row_labels, children)
    g = _groups(V, groups, nan, missing)
    out = np.full(V.shape[0], np.nan)
    for code in np.unique(g):
        if code == -1:
            continue
        rows = g == code
        X = V[rows]
        if not (~np.isnan(X)).any():
            continue
        out[rows] = score(X, w)
    if missing == "propagate":
        out = np.where(nan.any(axis=1), np.nan, out)
    return out


def gra(V, w, *, missing="skip", groups=None, rho: float = 0.5, row_labels=None, children=None):
    """Grey relational grade to the ideal sequence (灰色关联分析; Deng Julong 1982).

    Within each group, the reference sequence is the best value of every
    child, ``x0_j = max_i x_ij``, and::

        delta_ij = |x0_j - x_ij|
        xi_ij    = (min_i min_j delta_ij + rho max_i max_j delta_ij) / (delta_ij + rho max_i max_j delta_ij)
        r_i      = sum_j w_j xi_ij / sum_j w_j             (grade, in (0, 1]; 1 = the ideal itself)

    ``rho`` is the distinguishing coefficient (分辨系数), 0 < rho <= 1, 0.5 by
    convention. The min and max of ``delta`` run over all present cells of
    the group (the "two-level minimum/maximum" of the method).
    """
    rho = _check_rho(rho)

    def grade(X, w):
        with np.errstate(invalid="ignore"):
            ref = np.nanmax(X, axis=0)
        return _weighted_mean(_grey_coefficients(X, ref, rho), w)

    return _score_by_group(V, w, missing, groups, row_labels, children, grade)


def gra_topsis(V, w, *, missing="skip", groups=None, rho: float = 0.5, row_labels=None, children=None):
    """Grey-relational TOPSIS closeness (灰色关联TOPSIS).

    TOPSIS with grey relational grades in place of Euclidean distances:
    within each group, the grades ``r+_i`` to the positive ideal
    ``max_i x_ij`` and ``r-_i`` to the negative ideal ``min_i x_ij`` are
    computed as in :func:`gra` (each with its own two-level min/max), and::

        C_i = r+_i / (r+_i + r-_i)         in (0, 1); higher is better

    A row close in shape to the best and far from the worst gets a high
    score.
    """
    rho = _check_rho(rho)

    def closeness(X, w):
        with np.errstate(invalid="ignore"):
            best, worst = np.nanmax(X, axis=0), np.nanmin(X, axis=0)
        rp = _weighted_mean(_grey_coefficients(X, best, rho), w)
        rm = _weighted_mean(_grey_coefficients(X, worst, rho), w)
        with np.errstate(invalid="ignore", divide="ignore"):
            return rp / (rp + rm)

    return _score_by_group(V, w, missing, groups, row_labels, children, closeness)


def _vikor_parts(X: np.ndarray, w: np.ndarray, v: float):
    best, worst = np.nanmax(X, axis=0), np.nanmin(X, axis=0)
    span = best - worst
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(span > 0, (best - X) / np.where(span > 0, span, 1.0), 0.0)
    gap = np.where(np.isnan(X), np.nan, gap)
    terms = gap * w
    W = np.where(np.isnan(X), 0.0, w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        S = np.nansum(terms, axis=1) / W  # re-weighted over present children (all present: W = 1)
        R = np.where(np.isnan(terms).all(axis=1), np.nan, np.nanmax(np.where(np.isnan(terms), -np.inf, terms), axis=1) / W)
    S = np.where(W > 0, S, np.nan)
    s_span, r_span = np.nanmax(S) - np.nanmin(S), np.nanmax(R) - np.nanmin(R)
    qs = (S - np.nanmin(S)) / s_span if s_span > 0 else np.zeros_like(S)
    qr = (R - np.nanmin(R)) / r_span if r_span > 0 else np.zeros_like(R)
    return S, R, v * qs + (1 - v) * qr


def _check_v(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        raise SpecError(f"vikor: v (the weight of the strategy of the majority of criteria) must be in [0, 1] "
                        f"(usually 0.5); got {v!r}.")
    return float(v)


def vikor(V, w, *, missing="skip", groups=None, v: float = 0.5, row_labels=None, children=None):
    """VIKOR as a score: ``1 - Q`` (Opricovic 1998; Opricovic & Tzeng 2004), higher is better.

    Within each group, with ``f*_j = max_i x_ij`` and ``f-_j = min_i x_ij`` and
    the weights scaled to sum 1::

        S_i = sum_j w_j (f*_j - x_ij) / (f*_j - f-_j)        group utility
        R_i = max_j w_j (f*_j - x_ij) / (f*_j - f-_j)        individual regret
        Q_i = v (S_i - S*) / (S- - S*) + (1 - v) (R_i - R*) / (R- - R*)
        score_i = 1 - Q_i

    with ``S* = min S``, ``S- = max S`` (likewise R) and ``v = 0.5`` ("by
    consensus"). A child with ``f*_j = f-_j`` contributes 0. ``1 - Q`` keeps
    the ordering of Q (lower Q is better) in dtindex's "higher score ranks
    first" convention; :func:`vikor_table` gives S, R, Q and the compromise
    solution.
    """
    v = _check_v(v)
    return _score_by_group(V, w, missing, groups, row_labels, children, lambda X, w: 1.0 - _vikor_parts(X, w, v)[2])


@dataclass(frozen=True, eq=False)
class VikorResult:
    """VIKOR of one set of alternatives.

    ``table``: one row per alternative (index = its label) with ``S``, ``R``,
    ``Q`` and their ranks ``rank_S``, ``rank_R``, ``rank_Q`` (1 = best =
    lowest). ``advantage`` (C1: ``Q(a'') - Q(a') >= DQ = 1 / (m - 1)``) and
    ``stability`` (C2: ``a'`` is also best by S or by R); ``compromise``: the
    compromise solution(s) -- ``a'`` when both hold; ``a'`` and ``a''`` when
    only C2 fails; ``a'``, ..., ``a^(M)`` with ``Q(a^(M)) - Q(a') < DQ``
    when C1 fails.
    """

    table: pd.DataFrame
    advantage: bool
    stability: bool
    compromise: tuple
    dq: float
    v: float


def vikor_table(X, w, *, directions=None, v: float = 0.5, labels=None) -> VikorResult:
    """Full VIKOR of a decision matrix (rows = alternatives, columns = criteria).

    Parameters
    ----------
    X : array_like (m, n)
        Criterion values, no missing values.
    w : array_like (n,)
        Criterion weights (rescaled to sum 1).
    directions : array_like of {1, -1}, optional
        1 = benefit criterion (higher is better, default), -1 = cost criterion.
    v : float
        Weight of the strategy of "the majority of criteria", default 0.5.
    labels : sequence, optional
        Names of the alternatives (default 0..m-1).
    """
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or A.shape[0] < 2 or np.isnan(A).any():
        raise SpecError("vikor: X must be a complete matrix of at least 2 alternatives (rows) x criteria (columns).")
    w = _check_weights(w, A.shape[1])
    w = w / w.sum()
    v = _check_v(v)
    if directions is not None:
        d = np.asarray(directions, dtype=float)
        if d.shape != (A.shape[1],) or not np.isin(d, (1, -1)).all():
            raise SpecError(f"vikor: directions must be 1 or -1 per criterion; got {directions!r}.")
        A = A * d  # a cost criterion's best is its minimum: negate it
    S, R, Q = _vikor_parts(A, w, v)
    m = A.shape[0]
    names = list(labels) if labels is not None else list(range(m))
    if len(names) != m:
        raise SpecError(f"vikor: {len(names)} labels for {m} alternatives.")
    table = pd.DataFrame({"S": S, "R": R, "Q": Q}, index=pd.Index(names, name="alternative"))
    for c in ("S", "R", "Q"):
        table[f"rank_{c}"] = table[c].rank(method="min").astype(int)
    order = np.argsort(Q, kind="stable")
    dq = 1.0 / (m - 1)
    first, second = order[0], order[1]
    advantage = bool(Q[second] - Q[first] >= dq - 1e-12)
    stability = bool(S[first] <= S.min() + 1e-12 or R[first] <= R.min() + 1e-12)
    if advantage and stability:
        comp = (names[first],)
    elif advantage:
        comp = (names[first], names[second])
    else:
        comp = tuple(names[i] for i in order if Q[i] - Q[first] < dq - 1e-12)
    return VikorResult(table=table, advantage=advantage, stability=stability, compromise=comp, dq=dq, v=v)

