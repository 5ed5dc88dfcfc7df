"""Sample adequacy: minimum sample size and margins of error (Cochran 1977, ch. 4).

* Minimum sample for margin ``e`` at confidence ``1 - a``: ``n0 = z^2 p (1 - p) / e^2``; with a
  finite population of ``N``: ``n = n0 / (1 + (n0 - 1) / N)``; both rounded up.
* Margin of error achieved with ``n`` responses:
  ``e = z sqrt(deff p (1 - p) / n) sqrt((N - n) / (N - 1))`` (the last factor only with ``N``),
  where ``deff`` is the design effect (Kish's ``1 + cv^2`` of the weights by default).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SpecError
from .weighting import kish_deff


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise SpecError(f"confidence must be between 0 and 1; got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def required_sample_size(margin: float, *, confidence: float = 0.95, p: float = 0.5,
                         population: float | None = None, deff: float = 1.0) -> int:
    """Smallest n giving margin of error ``margin`` for a proportion ``p``.

    >>> required_sample_size(0.05)
    385
    >>> required_sample_size(0.05, population=10_000)
    370
    """
    if not 0 < margin < 1:
        raise SpecError(f"margin must be a fraction between 0 and 1 (0.03 for 3 points); got {margin}")
    if not 0 < p < 1:
        raise SpecError(f"p must be between 0 and 1; got {p}")
    z = _z(confidence)
    n0 = z * z * p * (1 - p) / margin ** 2 * deff
    if population is not None:
        if population < 1:
            raise SpecError(f"population must be at least 1; got {population}")
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)


def margin_of_error(n, *, confidence: float = 0.95, p: float = 0.5, population: float | None = None,
                    deff: float = 1.0):
    """Half-width of the confidence interval of a proportion from ``n`` responses.

    >>> round(margin_of_error(385), 4)
    0.0499
    >>> round(margin_of_error(2887), 4)
    0.0182
    """
    n_arr = np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = z * np.sqrt(deff * p * (1 - p) / n_arr)
        if population is not None:
            e = e * np.sqrt(np.clip((population - n_arr) / (population - 1), 0, None))
    return float(e) if np.ndim(e) == 0 else e


def adequacy_table(df: pd.DataFrame, groups: list[str] | None = None, *, weights=None, confidence: float = 0.95,
                   p: float = 0.5, population: float | None = None, labels: dict | None = None) -> pd.DataFrame:
    """Responses, Kish effective n, design effect and margin of error overall and per subgroup.

    The design effect is Kish's weighting effect within each group (1 without weights).
    """
    w = np.ones(len(df)) if weights is None else np.asarray(weights, dtype=float)
    rows = []

    def one(label_var, label, mask):
        ww = w[mask]
        n = int(mask.sum())
        deff = kish_deff(ww) if n and ww.sum() > 0 else float("nan")
        rows.append({"variable": label_var, "group": label, "n": n,
                     "effective_n": n / deff if n else 0.0, "deff": deff,
                     "margin_of_error": margin_of_error(n, confidence=confidence, p=p, deff=deff,
                                                        population=population if label_var == "all" else None)
                     if n else float("nan")})

    one("all", "all", np.ones(len(df), bool))
    from .design import categories

    for g in groups or []:
        codes, cats = categories(df[g])
        for j, c in enumerate(cats):
            name = labels.get(g, {}).get(c, c) if labels else c
            one(g, name, codes == j)
    return pd.DataFrame(rows)
