"""G1 / order-relation analysis (序关系分析法; Guo Yajun 郭亚军, 《综合评价理论、方法及应用》, 2007).

A subjective weighting that needs no pairwise matrix: the expert

1. orders the ``n`` indicators by importance, ``x_1* > x_2* > ... > x_n*``
   (the order relation, 序关系);
2. for each adjacent pair gives the ratio of importance
   ``r_k = w_{k-1}* / w_k*`` (k = n, n-1, ..., 2), usually on Guo's scale
   1.0 (equally important), 1.2 (slightly), 1.4 (clearly), 1.6 (strongly),
   1.8 (extremely more important); values in between are allowed.

Then::

    w_n* = ( 1 + sum_{k=2}^{n} prod_{i=k}^{n} r_i )^(-1)
    w_{k-1}* = r_k w_k*                          (k = n, n-1, ..., 2)

which is the unique vector with the given ratios and ``sum w = 1``. Because
the order says ``x_{k-1}*`` is at least as important as ``x_k*``, every
``r_k >= 1`` (a ratio below 1 contradicts the order and is refused).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import SpecError, describe_rows

__all__ = ["G1_SCALE", "g1"]

#: Guo Yajun's reference values of r_k and their meaning.
G1_SCALE = {1.0: "equally important", 1.2: "slightly more important", 1.4: "clearly more important",
            1.6: "strongly more important", 1.8: "extremely more important"}


def g1(ranking: Sequence[object], ratios: Sequence[float], *, owner: str = "G1 weights") -> pd.Series:
    """G1 (order-relation) weights from an importance order and adjacent ratios.

    Parameters
    ----------
    ranking : sequence of labels
        The indicators from the most to the least important.
    ratios : sequence of float, length ``len(ranking) - 1``
        ``ratios[k-2] = r_k = w(ranking[k-2]) / w(ranking[k-1])`` for
        k = 2..n, i.e. the ratio of each indicator to the next one, in the
        order of ``ranking``; each ``>= 1``.
    owner : str
        Name used in messages.

    Returns
    -------
    pandas.Series
        Weights indexed by ``ranking`` (in that order), summing to 1.

    Raises
    ------
    SpecError
        Empty or duplicated ranking, the wrong number of ratios, a ratio that
        is not a finite number >= 1.

    Examples
    --------
    >>> g1(["a", "b", "c"], [1.2, 1.5]).round(4).tolist()
    [0.4186, 0.3488, 0.2326]
    """
    labels = list(ranking)
    if not labels:
        raise SpecError(f"{owner}: the ranking is empty; list the indicators from the most to the least important.")
    dup = sorted({str(x) for x in labels if labels.count(x) > 1})
    if dup:
        raise SpecError(f"{owner}: {describe_rows(dup)} listed twice in the ranking.")
    r = list(ratios)
    if len(r) != len(labels) - 1:
        raise SpecError(
            f"{owner}: {len(labels)} ranked indicators need {len(labels) - 1} ratios r_k = w_(k-1) / w_k "
            f"(one per adjacent pair); got {len(r)}."
        )
    for pos, v in enumerate(r):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 1:
            raise SpecError(
                f"{owner}: ratio r_{pos + 2} = w({labels[pos]}) / w({labels[pos + 1]}) must be a number >= 1 "
                f"(the ranking puts {labels[pos]} first; Guo's scale 1.0, 1.2, 1.4, 1.6, 1.8); got {v!r}."
            )
    ratio = np.asarray(r, dtype=float)
    # w_k / w_n = prod_{i=k+1}^{n} r_i ; reversed cumulative products
    rel = np.append(np.cumprod(ratio[::-1])[::-1], 1.0)
    w = rel / rel.sum()
    return pd.Series(w, index=pd.Index(labels), name="weight")
