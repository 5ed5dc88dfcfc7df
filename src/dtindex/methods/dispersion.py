"""Dispersion-based objective weights: maximising deviation (离差最大化) and mean square deviation (均方差法).

Both start from the min-max standardised matrix (pooled over all rows, as
:func:`dtindex.methods.weights.entropy` and :func:`~dtindex.methods.weights.critic`)::

    z_ij = (x_ij - min_j) / (max_j - min_j)

and give more weight to an indicator whose standardised values spread the
observations further apart. Neither depends on the orientation of an
indicator (reversing it maps ``z`` to ``1 - z``, which keeps every distance
and every deviation), so they take no ``directions``.

They share the conventions of :mod:`dtindex.methods.weights`: ``nan_policy``,
constant indicators refused by name, at least two complete rows, one
indicator -> weight 1, an :class:`~dtindex.methods.weights.ObjectiveWeights`
result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dtindex.errors import check_choice

from .weights import NAN_POLICIES, ObjectiveWeights, _prepare, _refuse_constant, _result

__all__ = ["max_deviation", "msd"]


def _standardised(X, owner, nan_policy, columns, index, standardise):
    check_choice(owner, "nan_policy", nan_policy, NAN_POLICIES)
    check_choice(owner, "standardise", standardise, (True, False))
    data = _prepare(X, owner, columns, index, nan_policy)
    A = data.values
    _refuse_constant(A, owner, data.columns)
    if not standardise:
        nan = np.full(A.shape[1], np.nan)
        return data, A, nan, nan
    lo, hi = A.min(axis=0), A.max(axis=0)
    return data, (A - lo) / (hi - lo), lo, hi


def max_deviation(
    X,
    *,
    standardise: bool = True,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """Maximising-deviation weights (离差最大化法; Wang Yingming 1998).

    The weights maximise the total deviation between all pairs of
    observations, ``max sum_j w_j D_j`` subject to ``sum_j w_j^2 = 1``, whose
    solution normalised to sum 1 is::

        D_j = sum_i sum_k |z_ij - z_kj|          (all ordered pairs of rows)
        w_j = D_j / sum_l D_l

    With ``standardise=False`` the values are used as given (``z = x``), to
    reproduce a study that normalised otherwise (e.g. ``x / max`` and
    ``min / x``, Xu Zeshui's textbook form).

    Computed in O(n log n) per indicator from the sorted values
    (``sum_{i<k} |z_(k) - z_(i)| = sum_k (2k - n - 1) z_(k)`` for the
    ascending order, k = 1..n), not by forming the n x n differences.

    Parameters
    ----------
    X, nan_policy, columns, index
        As in :func:`dtindex.methods.weights.entropy`.
    standardise : bool
        Min-max standardise first (default) or use the values as given.

    Returns
    -------
    ObjectiveWeights
        ``details``: ``deviation`` (D_j), ``min``, ``max``.

    Examples
    --------
    >>> max_deviation([[0.0, 0.0], [1.0, 0.5], [2.0, 2.0]]).weights.round(4).tolist()
    [0.5, 0.5]
    """
    data, Z, lo, hi = _standardised(X, "max_deviation", nan_policy, columns, index, standardise)
    n = Z.shape[0]
    coef = 2.0 * np.arange(1, n + 1) - n - 1
    D = 2.0 * (coef @ np.sort(Z, axis=0))  # ordered pairs: each unordered pair twice
    w = D / D.sum()
    return _result(w, {"deviation": D, "min": lo, "max": hi}, "max_deviation", data,
                   {"standardise": bool(standardise), "nan_policy": nan_policy})


def msd(
    X,
    *,
    standardise: bool = True,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """Mean-square-deviation weights (均方差法; Wang Mingtao 1999; the "standard deviation" weights of Jahan &
    Edwards 2013 on normalised data).

    ::

        sigma_j = sqrt( (1/n) sum_i (z_ij - mean_j(z))^2 )
        w_j     = sigma_j / sum_l sigma_l

    With ``standardise=False`` the values are used as given (``z = x``), for
    data a study normalised otherwise (e.g. ``x / max``). The 1/n or 1/(n-1) convention is a common factor and does not change
    the weights (``details["sigma"]`` uses 1/n).

    Parameters
    ----------
    X, nan_policy, columns, index
        As in :func:`dtindex.methods.weights.entropy`.
    standardise : bool
        Min-max standardise first (default) or use the values as given.

    Returns
    -------
    ObjectiveWeights
        ``details``: ``sigma``, ``min``, ``max``.

    Examples
    --------
    >>> msd([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]).weights.round(4).tolist()
    [0.4641, 0.5359]
    """
    data, Z, lo, hi = _standardised(X, "msd", nan_policy, columns, index, standardise)
    sigma = Z.std(axis=0, ddof=0)
    return _result(sigma / sigma.sum(), {"sigma": sigma, "min": lo, "max": hi}, "msd", data,
                   {"standardise": bool(standardise), "nan_policy": nan_policy})
