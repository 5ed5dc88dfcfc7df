"""Ranks of scores within each period: 1 = highest score.

Tie rules (``ties``): ``min`` (default: equal scores share the best rank, the
next rank is skipped, "1, 2, 2, 4"; COINr's convention), ``max`` ("1, 3, 3,
4"), ``average`` ("1, 2.5, 2.5, 4"), ``dense`` ("1, 2, 2, 3"), ``first``
(equal scores ranked in unit order). Missing scores get no rank (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import check_choice

TIES = ("min", "max", "average", "dense", "first")


def rank_desc(values: np.ndarray, *, n_units: int, ties: str = "min") -> np.ndarray:
    """Rank a period-major flat array within each period, descending.

    >>> rank_desc(np.array([3.0, 5.0, 5.0, 1.0]), n_units=4).tolist()
    [3.0, 1.0, 1.0, 4.0]
    """
    check_choice("rank", "ties", ties, TIES)
    X = np.asarray(values, dtype=float).reshape(-1, n_units)
    # pandas' rank (the same tie rules as scipy.stats.rankdata; "first" is scipy's "ordinal"): scipy.stats
    # alone takes longer to import than a whole COINr-sized build
    r = pd.DataFrame(-X).rank(axis=1, method=ties, na_option="keep").to_numpy(dtype=float)
    return np.where(np.isnan(X), np.nan, r).reshape(-1)
