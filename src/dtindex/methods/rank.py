"""Ranks of scores within each period: 1 = highest score.

Tie rules (``ties``): ``min`` (default: equal scores share the best rank, the
next rank is skipped, "1, 2, 2, 4"; COINr's convention), ``max`` ("1, 3, 3,
4"), ``average`` ("1, 2.5, 2.5, 4"), ``dense`` ("1, 2, 2, 3"), ``first``
(equal scores ranked in unit order). Missing scores get no rank (NaN).
"""

from __future__ import annotations

import numpy as np

from ..errors import check_choice

TIES = ("min", "max", "average", "dense", "first")


def rank_desc(values: np.ndarray, *, n_units: int, ties: str = "min") -> np.ndarray:
    """Rank a period-major flat array within each period, descending.

    >>> rank_desc(np.array([3.0, 5.0, 5.0, 1.0]), n_units=4).tolist()
    [3.0, 1.0, 1.0, 4.0]
    """
    check_choice("rank", "ties", ties, TIES)
    X = np.asarray(values, dtype=float).reshape(-1, n_units)
    return rank_rows(-X, ties).reshape(-1)


def rank_rows(V: np.ndarray, ties: str) -> np.ndarray:
    """Ascending ranks of every row of ``V`` (NaN stays NaN), the tie rules of ``scipy.stats.rankdata``.

    Sorting each row once (stable, so ``first`` keeps unit order among ties) gives
    runs of equal values; a run spanning sorted positions ``s..e`` (0-based) gets
    ``s + 1`` (min), ``e + 1`` (max), ``(s + e) / 2 + 1`` (average), or the run's
    number (dense). Vectorised over rows; no scipy or pandas import.
    """
    n_rows, n = V.shape
    if n == 0:
        return V.copy()
    order = np.argsort(V, axis=1, kind="stable")  # NaN last
    S = np.take_along_axis(V, order, axis=1)
    pos = np.broadcast_to(np.arange(n), S.shape)
    starts = np.ones(S.shape, dtype=bool)
    starts[:, 1:] = S[:, 1:] != S[:, :-1]
    ends = np.ones(S.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    if ties == "first":
        sorted_rank = pos + 1.0
    elif ties == "dense":
        sorted_rank = np.cumsum(starts, axis=1).astype(float)
    else:
        first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
        last = np.minimum.accumulate(np.where(ends, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
        sorted_rank = {"min": first + 1.0, "max": last + 1.0, "average": (first + last) / 2 + 1.0}[ties]
    sorted_rank = np.where(np.isnan(S), np.nan, sorted_rank)
    out = np.empty_like(sorted_rank)
    np.put_along_axis(out, order, sorted_rank, axis=1)
    return out
