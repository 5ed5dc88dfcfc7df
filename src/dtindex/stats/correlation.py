"""Correlation between index columns across units, with p-values and multiple-testing correction.

For every pair of columns the coefficient is computed on the rows where both
are present (pairwise-complete observations; ``n`` per pair):

* ``pearson``  r = Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)² Σ(y-ȳ)²), p from t = r sqrt((n-2)/(1-r²)) ~ t(n-2);
* ``spearman`` ρ = Pearson r of the (average) ranks, p from the same t approximation;
* ``kendall``  τ-b = (P - Q) / sqrt((P+Q+T_x)(P+Q+T_y)), p exact for small n without ties, else normal.

Coefficients and p-values are scipy.stats' (``pearsonr``, ``spearmanr``,
``kendalltau``). ``adjust`` corrects the p-values of all distinct pairs
together: ``holm`` (family-wise error) or ``bh`` (Benjamini–Hochberg
false-discovery rate); see :func:`adjust_pvalues` and docs/stats.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, check_choice
from .inputs import numeric_columns

METHODS = ("pearson", "spearman", "kendall")
ADJUSTMENTS = ("none", "holm", "bh")
CORR_COLUMNS = ("var1", "var2", "r", "p", "n", "p_adj")


def correlation(data: pd.DataFrame, columns: Sequence[str], method: str = "pearson",
                adjust: str = "none") -> pd.DataFrame:
    """Pairwise correlations of ``columns``: one row per pair (in column order), ``var1,var2,r,p,n,p_adj``.

    ``r`` and ``p`` are NaN for a pair with fewer than 3 complete observations or
    a constant column; those pairs do not count in the correction. With
    ``adjust="none"`` ``p_adj`` equals ``p``.
    """
    from scipy import stats

    check_choice("correlation", "method", method, METHODS)
    check_choice("correlation", "adjust", adjust, ADJUSTMENTS)
    columns = list(columns)
    if len(columns) < 2:
        raise DataError(f"correlation needs at least two columns; got {', '.join(columns) or 'none'}")
    values = numeric_columns(data, columns).to_numpy()
    present = ~np.isnan(values)
    fn = {"pearson": stats.pearsonr, "spearman": stats.spearmanr, "kendall": stats.kendalltau}[method]
    rows = []
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            ok = present[:, i] & present[:, j]
            x, y = values[ok, i], values[ok, j]
            n = int(ok.sum())
            r = p = np.nan
            if n >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
                res = fn(x, y)
                r, p = float(res[0]), float(res[1])
            rows.append((columns[i], columns[j], r, p, n))
    out = pd.DataFrame(rows, columns=["var1", "var2", "r", "p", "n"])
    out["p_adj"] = adjust_pvalues(out["p"].to_numpy(), adjust)
    return out


def adjust_pvalues(p: np.ndarray, adjust: str) -> np.ndarray:
    """Holm or Benjamini–Hochberg adjusted p-values; NaN stays NaN and is not counted.

    With the m non-missing p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎:
    Holm p̃₍ᵢ₎ = max_{j≤i} min(1, (m - j + 1) p₍ⱼ₎); BH p̃₍ᵢ₎ = min_{j≥i} min(1, m p₍ⱼ₎ / j).
    (Equal to statsmodels' ``multipletests`` "holm" / "fdr_bh", which a test checks; computed here
    because that function runs a full garbage collection on every call, ~0.1 s.)
    """
    check_choice("correlation", "adjust", adjust, ADJUSTMENTS)
    p = np.asarray(p, dtype=float)
    out = p.copy()
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if adjust == "none" or m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ps = p[order]
    ranks = np.arange(1, m + 1)
    if adjust == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - ranks + 1) * ps))
    else:
        adj = np.minimum.accumulate(np.minimum(1.0, m * ps / ranks)[::-1])[::-1]
    out[order] = adj
    return out


def correlation_matrix(data: pd.DataFrame | None = None, columns: Sequence[str] | None = None,
                       method: str = "pearson", adjust: str = "none", *, value: str = "r",
                       pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Square matrix (columns × columns) of ``value`` (``r``, ``p``, ``p_adj`` or ``n``).

    Either computes :func:`correlation` or reshapes its result given as ``pairs``.
    The diagonal is 1 for ``r``, 0 for p-values and the column's count of values for ``n``.
    """
    check_choice("correlation_matrix", "value", value, ("r", "p", "p_adj", "n"))
    if pairs is None:
        if data is None or columns is None:
            raise DataError("correlation_matrix needs data and columns, or pairs")
        pairs = correlation(data, columns, method, adjust)
    names = list(dict.fromkeys([*pairs["var1"], *pairs["var2"]])) if columns is None else list(columns)
    m = pd.DataFrame(np.nan, index=pd.Index(names, name="var"), columns=names)
    for a, b, v in zip(pairs["var1"], pairs["var2"], pairs[value]):
        m.loc[a, b] = m.loc[b, a] = v
    if value == "n":
        if data is not None:
            counts = numeric_columns(data, names).notna().sum()
            for c in names:
                m.loc[c, c] = counts[c]
        m = m.astype("Int64") if not m.isna().any().any() else m
    else:
        for c in names:
            m.loc[c, c] = 1.0 if value == "r" else 0.0
    return m
