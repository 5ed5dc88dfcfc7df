"""Weighting methods: fixed weights and data-driven (objective) weights.

Every function here is pure: numpy arrays in, numpy arrays out, no state.
The objective methods (:func:`entropy`, :func:`critic`, :func:`cv`,
:func:`pca`) take a data matrix ``X`` of shape ``(n_obs, k)`` -- one row per
observation, one column per indicator of the same parent -- and return an
:class:`ObjectiveWeights` holding the weights (non-negative, summing to 1)
and the intermediate quantities of the method, so that a report can show how
the weights were obtained.

Panel data
    For a panel (units x periods) the rows are *all unit-periods pooled*:
    one weight vector is fitted for the whole panel, so that scores stay
    comparable over time. This is the "panel entropy method" of the Chinese
    regional-index literature (Yang & Sun 2015, see docs/methods-weighting.md).
    Stack the panel to ``(n_units * n_periods, k)`` before calling.

Missing values (NaN)
    ``nan_policy="error"`` (the default) refuses a matrix with missing cells
    and names them; ``nan_policy="omit"`` excludes every row holding a NaN
    from the weighting, emits a :class:`~dtindex.errors.DtindexWarning` giving
    the count and the rows, and records the excluded rows in
    :attr:`ObjectiveWeights.excluded_rows`. Rows are never dropped silently.
    Infinite values are always an error.

Constant indicators
    An indicator with the same value in every (used) row carries no
    dispersion, so a dispersion-based weight is undefined (min-max divides by
    zero, correlations are undefined). All objective methods raise
    :class:`~dtindex.errors.MethodDomainError` naming such indicators.

A single indicator (``k == 1``) always gets weight 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from ..lazy import pandas as pd

from dtindex.errors import (
    DataError,
    DtindexWarning,
    MethodDomainError,
    SpecError,
    check_choice,
    describe_rows,
)

__all__ = [
    "ObjectiveWeights",
    "normalise_raw",
    "equal",
    "entropy",
    "critic",
    "cv",
    "pca",
    "DEFAULT_ENTROPY_SHIFT",
    "ZERO_POLICIES",
    "NAN_POLICIES",
]

#: Constant added to every standardised value by ``zero_policy="shift"``.
DEFAULT_ENTROPY_SHIFT = 1e-4
#: Allowed values of the ``zero_policy`` parameter of :func:`entropy`.
ZERO_POLICIES = ("shift", "limit", "error")
#: Allowed values of the ``nan_policy`` parameter of the objective methods.
NAN_POLICIES = ("error", "omit")


@dataclass(frozen=True, eq=False)
class ObjectiveWeights:
    """Result of an objective weighting method.

    Attributes
    ----------
    weights : numpy.ndarray
        Shape ``(k,)``, non-negative, summing to 1, in column order of ``X``.
    details : Mapping[str, numpy.ndarray]
        Intermediate quantities of the method (e.g. ``entropy``,
        ``divergence`` for :func:`entropy`), read-only mapping.
    method : str
        ``"entropy"``, ``"critic"``, ``"cv"`` or ``"pca"``.
    n_obs : int
        Number of rows actually used.
    excluded_rows : tuple of int
        0-based positions of rows excluded because of NaN
        (only with ``nan_policy="omit"``).
    params : Mapping[str, object]
        The parameters the weights were computed with (for the method log).
    """

    weights: np.ndarray
    details: Mapping[str, np.ndarray]
    method: str
    n_obs: int
    excluded_rows: tuple[int, ...] = ()
    params: Mapping[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# fixed weights
# ---------------------------------------------------------------------------


def normalise_raw(raw, *, owner: str = "weights", labels: Sequence[object] | None = None) -> np.ndarray:
    """Rescale raw (user-given) weights so that they sum to 1.

    ``w_j = r_j / sum_k r_k``.

    Parameters
    ----------
    raw : array_like, 1-D
        Raw weights; any non-negative scale (e.g. ``[2, 1, 1]``).
    owner : str
        Who the weights belong to, used in error messages
        (e.g. ``"weights of group digital_infra"``).
    labels : sequence, optional
        Names of the positions (indicator codes) for error messages;
        0-based positions are used when omitted.

    Returns
    -------
    numpy.ndarray
        Float weights summing to 1.

    Raises
    ------
    SpecError
        If ``raw`` is not a non-empty 1-D numeric vector, or holds a
        negative, NaN or infinite value (the message names the positions),
        or is all zero.

    Examples
    --------
    >>> normalise_raw([2, 1, 1])
    array([0.5 , 0.25, 0.25])
    """
    try:
        r = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{owner}: raw weights must be numbers; got {raw!r}.") from None
    if r.ndim != 1 or r.size == 0:
        raise SpecError(f"{owner}: raw weights must be a non-empty 1-D vector; got shape {r.shape}.")
    names = _position_names(r.size, labels)
    problems = []
    for what, mask in (("NaN", np.isnan(r)), ("infinite", np.isinf(r)), ("negative", r < 0)):
        if mask.any():
            where = [f"{names[i]} ({r[i]:g})" for i in np.flatnonzero(mask)]
            problems.append(f"{what} value(s) at {describe_rows(where)}")
    if problems:
        raise SpecError(f"{owner}: raw weights must be finite and >= 0; " + "; ".join(problems) + ".")
    total = r.sum()
    if total == 0:
        raise SpecError(f"{owner}: raw weights are all zero; at least one weight must be positive.")
    return r / total


def equal(k: int) -> np.ndarray:
    """Equal weights ``w_j = 1 / k`` for ``k`` indicators.

    Raises
    ------
    SpecError
        If ``k`` is not a positive integer.

    Examples
    --------
    >>> equal(4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise SpecError(f"equal weights: k must be a positive integer; got {k!r}.")
    return np.full(int(k), 1.0 / int(k))


# ---------------------------------------------------------------------------
# objective weights
# ---------------------------------------------------------------------------


def entropy(
    X,
    *,
    directions=None,
    standardise: bool = True,
    zero_policy: str = "shift",
    shift: float = DEFAULT_ENTROPY_SHIFT,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """Entropy weight method (熵值法 / 熵权法).

    Steps, for ``n`` observations (rows) and indicator ``j``:

    1. Standardise (``standardise=True``), pooled over all rows::

           positive indicator:  z_ij = (x_ij - min_j) / (max_j - min_j)
           negative indicator:  z_ij = (max_j - x_ij) / (max_j - min_j)

       With ``standardise=False`` the values are used as given and must be
       >= 0 (negative values raise, naming the rows).
    2. Zero handling, as declared by ``zero_policy``:

       * ``"shift"`` (default): ``z_ij <- z_ij + shift`` for *every* value
         (the "translation" of the Chinese literature); ``shift`` defaults
         to 0.0001 and is recorded in ``params``;
       * ``"limit"``: no shift; ``0 * ln 0`` is taken as its limit 0;
       * ``"error"``: any ``z_ij <= 0`` raises ``MethodDomainError`` naming
         the rows. Only meaningful with ``standardise=False`` (min-max
         always produces a 0 in every column), so the combination with
         ``standardise=True`` is refused.
    3. ``p_ij = z_ij / sum_i z_ij``
    4. ``e_j = -(1 / ln n) * sum_i p_ij ln p_ij``  (with ``0 ln 0 = 0``)
    5. ``d_j = 1 - e_j``  (degree of divergence)
    6. ``w_j = d_j / sum_k d_k``

    Parameters
    ----------
    X : array_like, shape (n_obs, k)
        Indicator values. A DataFrame's columns / index are used to name
        indicators / rows in messages. For a panel, stack all unit-periods.
    directions : array_like of {1, -1}, optional
        Indicator directions (1 = higher is better). Default all 1.
        Requires ``standardise=True`` when any is -1.
    standardise : bool
        Apply the min-max standardisation of step 1.
    zero_policy : {"shift", "limit", "error"}
        See step 2.
    shift : float
        Positive constant for ``zero_policy="shift"``.
    nan_policy : {"error", "omit"}
        See the module docstring.
    columns, index : sequence, optional
        Indicator / row names for messages (override a DataFrame's labels).

    Returns
    -------
    ObjectiveWeights
        ``details``: ``entropy`` (e_j), ``divergence`` (d_j), ``min`` and
        ``max`` (the pooled bounds used by the standardisation; NaN when
        ``standardise=False``).

    Raises
    ------
    SpecError
        Bad parameter values.
    DataError
        Non-numeric, infinite or (with ``nan_policy="error"``) missing values;
        fewer than 2 usable rows.
    MethodDomainError
        Constant indicators; negative values with ``standardise=False``;
        non-positive values with ``zero_policy="error"``.

    Examples
    --------
    >>> X = [[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]]
    >>> entropy(X, zero_policy="limit").weights.round(4)
    array([0.5, 0.5])
    """
    owner = "entropy"
    check_choice(owner, "zero_policy", zero_policy, ZERO_POLICIES)
    check_choice(owner, "nan_policy", nan_policy, NAN_POLICIES)
    check_choice(owner, "standardise", standardise, (True, False))
    if zero_policy == "shift" and not (np.isfinite(shift) and shift > 0):
        raise SpecError(f"The 'shift' parameter of entropy must be a finite number > 0; got {shift!r}.")
    if standardise and zero_policy == "error":
        raise SpecError(
            "entropy: zero_policy='error' cannot be combined with standardise=True, because min-max "
            "standardisation gives 0 to the minimum of every indicator; use zero_policy='shift' or 'limit', "
            "or pass already positive data with standardise=False."
        )
    data = _prepare(X, owner, columns, index, nan_policy)
    A, cols = data.values, data.columns
    dirs = _directions(directions, A.shape[1], owner, cols)
    if not standardise and (dirs < 0).any():
        neg = [str(cols[j]) for j in np.flatnonzero(dirs < 0)]
        raise SpecError(
            f"entropy: directions of -1 (indicators {describe_rows(neg)}) need standardise=True; "
            "with standardise=False orient the data yourself before weighting."
        )
    _refuse_constant(A, owner, cols)
    n = A.shape[0]

    if standardise:
        lo, hi = A.min(axis=0), A.max(axis=0)
        Z = _minmax(A, dirs, lo, hi)
    else:
        lo = hi = np.full(A.shape[1], np.nan)
        _refuse_cells(A < 0, data, owner, "is negative; entropy needs values >= 0 when standardise=False")
        Z = A
    if zero_policy == "shift":
        Z = Z + shift
    elif zero_policy == "error":
        _refuse_cells(Z <= 0, data, owner, "is not > 0, which zero_policy='error' requires")

    P = Z / Z.sum(axis=0)
    logP = np.log(P, out=np.zeros_like(P), where=P > 0)
    e = -(P * logP).sum(axis=0) / np.log(n)
    d = np.maximum(1.0 - e, 0.0)  # e_j can exceed 1 by rounding only
    w = d / d.sum()
    return _result(
        w,
        {"entropy": e, "divergence": d, "min": lo, "max": hi},
        "entropy",
        data,
        {
            "directions": tuple(int(v) for v in dirs),
            "standardise": bool(standardise),
            "zero_policy": zero_policy,
            "shift": float(shift) if zero_policy == "shift" else 0.0,
            "nan_policy": nan_policy,
        },
    )


def critic(
    X,
    *,
    directions=None,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    ``z_ij`` = min-max standardised values (pooled over rows, oriented by
    ``directions`` as in :func:`entropy`), then::

        sigma_j = sample standard deviation of z_.j   (ddof = 1)
        r_jk    = Pearson correlation of z_.j and z_.k
        C_j     = sigma_j * sum_k (1 - r_jk)
        w_j     = C_j / sum_k C_k

    The sd convention does not change the weights (every ``sigma_j`` carries
    the same factor ``sqrt(n/(n-1))``); it only affects ``details["sigma"]``.
    Directions matter: flipping an indicator flips the sign of its
    correlations with the others.

    Parameters
    ----------
    X, directions, nan_policy, columns, index
        As in :func:`entropy`.

    Returns
    -------
    ObjectiveWeights
        ``details``: ``sigma``, ``conflict`` (sum_k (1 - r_jk)),
        ``information`` (C_j), ``correlation`` (k x k), ``min``, ``max``.

    Raises
    ------
    MethodDomainError
        Constant indicators, or all indicators perfectly positively
        correlated (every ``C_j`` is 0).

    Examples
    --------
    >>> X = [[1.0, 3.0, 2.0], [2.0, 1.0, 2.5], [3.0, 2.0, 1.0], [4.0, 5.0, 3.0]]
    >>> critic(X).weights.round(3)
    array([0.356, 0.279, 0.365])
    """
    owner = "critic"
    check_choice(owner, "nan_policy", nan_policy, NAN_POLICIES)
    data = _prepare(X, owner, columns, index, nan_policy)
    A, cols = data.values, data.columns
    dirs = _directions(directions, A.shape[1], owner, cols)
    _refuse_constant(A, owner, cols)
    lo, hi = A.min(axis=0), A.max(axis=0)
    Z = _minmax(A, dirs, lo, hi)
    sigma = Z.std(axis=0, ddof=1)
    R = np.atleast_2d(np.corrcoef(Z, rowvar=False))
    conflict = (1.0 - R).sum(axis=1)
    C = sigma * conflict
    if A.shape[1] == 1:
        w = np.ones(1)
    elif C.sum() <= 0:
        raise MethodDomainError(
            f"critic: all indicators ({describe_rows([str(c) for c in cols])}) are perfectly positively "
            "correlated, so every CRITIC information content C_j is 0 and the weights are undefined."
        )
    else:
        w = C / C.sum()
    return _result(
        w,
        {"sigma": sigma, "conflict": conflict, "information": C, "correlation": R, "min": lo, "max": hi},
        "critic",
        data,
        {"directions": tuple(int(v) for v in dirs), "nan_policy": nan_policy},
    )


def cv(
    X,
    *,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """Coefficient-of-variation weights (变异系数法).

    ::

        mean_j = (1/n) sum_i x_ij
        sd_j   = sample standard deviation (ddof = 1)
        cv_j   = sd_j / mean_j
        w_j    = cv_j / sum_k cv_k

    Computed on the raw (un-standardised) values, which must be on a ratio
    scale: every indicator needs a positive mean. The sd convention does not
    change the weights (common factor), only ``details["sd"]`` and
    ``details["cv"]``.

    Parameters
    ----------
    X, nan_policy, columns, index
        As in :func:`entropy`.

    Returns
    -------
    ObjectiveWeights
        ``details``: ``mean``, ``sd``, ``cv``.

    Raises
    ------
    MethodDomainError
        Constant indicators, or indicators with mean <= 0 (named).

    Examples
    --------
    >>> cv([[1.0, 10.0], [3.0, 20.0]]).weights.round(4)
    array([0.6, 0.4])
    """
    owner = "cv"
    check_choice(owner, "nan_policy", nan_policy, NAN_POLICIES)
    data = _prepare(X, owner, columns, index, nan_policy)
    A, cols = data.values, data.columns
    _refuse_constant(A, owner, cols)
    mean = A.mean(axis=0)
    bad = np.flatnonzero(mean <= 0)
    if bad.size:
        shown = [f"{cols[j]} (mean {mean[j]:g})" for j in bad]
        raise MethodDomainError(
            f"cv: the coefficient of variation needs a positive mean; indicator(s) {describe_rows(shown)} "
            "have mean <= 0. Use entropy or critic, which standardise first."
        )
    sd = A.std(axis=0, ddof=1)
    c = sd / mean
    return _result(c / c.sum(), {"mean": mean, "sd": sd, "cv": c}, "cv", data, {"nan_policy": nan_policy})


def pca(
    X,
    *,
    convention: str = "first_component",
    retain: str | int | None = None,
    min_share: float | None = None,
    cumulative: float | None = None,
    nan_policy: str = "error",
    columns: Sequence[object] | None = None,
    index: Sequence[object] | None = None,
) -> ObjectiveWeights:
    """Weights from principal components of the correlation matrix.

    ``convention="first_component"`` (the default, described here) uses the
    first component only; ``"handbook"`` (OECD/JRC 2008: varimax-rotated
    factors, squared loadings scaled to unity, weighted by each factor's share
    of explained variance) and ``"textbook"`` (Chinese textbooks: component
    coefficients weighted by each retained component's variance share) keep
    ``m`` components by the rule ``retain`` (``"kaiser"``: eigenvalue > 1, the
    textbook default; ``"variance_share"``: each explains > ``min_share``, the
    Handbook default; ``"cumulative"``: up to ``cumulative`` of the variance;
    or a number) -- see :mod:`dtindex.methods.pca_weights` for the formulas.

    The data are z-scored (equivalently, the Pearson correlation matrix
    ``R`` is decomposed). With ``lambda_1 >= ... >= lambda_k`` the
    eigenvalues of ``R`` and ``v`` the unit eigenvector of ``lambda_1``::

        loading_j = v_j * sqrt(lambda_1)
        w_j       = loading_j^2 / sum_k loading_k^2 = v_j^2

    i.e. the squared components of the first eigenvector, which sum to 1;
    the sign of ``v`` is irrelevant. The share of variance explained by the
    first component is ``lambda_1 / k`` (``trace R = k``).

    When ``lambda_1`` is (numerically) tied with ``lambda_2`` the first
    component is not unique and the weights are arbitrary; a
    :class:`~dtindex.errors.DtindexWarning` says so.

    Parameters
    ----------
    X, nan_policy, columns, index
        As in :func:`entropy`.

    Returns
    -------
    ObjectiveWeights
        ``details``: ``eigenvalues`` (descending), ``explained_variance_ratio``
        (all components), ``explained_variance_share`` (0-d, first
        component), ``loadings`` (sign chosen so that their sum is >= 0),
        ``correlation``.

    Raises
    ------
    MethodDomainError
        Constant indicators (correlation undefined).

    Examples
    --------
    >>> X = [[1.0, 2.0, 1.0], [2.0, 3.0, 3.0], [3.0, 5.0, 2.0], [4.0, 4.0, 5.0]]
    >>> res = pca(X)
    >>> float(res.weights.sum())
    1.0
    """
    owner = "pca"
    check_choice(owner, "nan_policy", nan_policy, NAN_POLICIES)
    from .pca_weights import PCA_CONVENTIONS, pca_convention_weights

    check_choice(owner, "convention", convention, PCA_CONVENTIONS)
    if convention == "first_component" and retain is not None:
        raise SpecError("pca: retain applies to the conventions 'handbook' and 'textbook'; the default convention "
                        "'first_component' uses the first component only.")
    rule = retain if retain is not None else ("variance_share" if convention == "handbook" else "kaiser")
    for name, value, needs in (("min_share", min_share, "variance_share"), ("cumulative", cumulative, "cumulative")):
        if value is not None and rule != needs:
            raise SpecError(f"pca: {name} applies to retain={needs!r} only; this pca uses "
                            f"{'the first component' if convention == 'first_component' else f'retain={rule!r}'}.")
    min_share = 0.10 if min_share is None else min_share
    cumulative = 0.85 if cumulative is None else cumulative
    data = _prepare(X, owner, columns, index, nan_policy)
    A, cols = data.values, data.columns
    _refuse_constant(A, owner, cols)
    k = A.shape[1]
    R = np.atleast_2d(np.corrcoef(A, rowvar=False))
    if convention != "first_component":
        if k == 1:
            w, details = np.ones(1), {"eigenvalues": np.ones(1), "correlation": R}
        else:
            w, details = pca_convention_weights(R, cols, convention=convention, retain=rule, min_share=min_share,
                                                cumulative=cumulative)
        used = {"convention": convention, "retain": rule, "nan_policy": nan_policy}
        if rule == "variance_share":
            used["min_share"] = float(min_share)
        elif rule == "cumulative":
            used["cumulative"] = float(cumulative)
        return _result(w, details, "pca", data, used)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    v = vecs[:, 0]
    if v.sum() < 0:
        v = -v
    if k > 1 and vals[0] - vals[1] <= 1e-8 * max(1.0, abs(vals[0])):
        warnings.warn(
            f"pca: the first two eigenvalues of the correlation matrix are equal ({vals[0]:.6g}); the first "
            "principal component is not unique, so the PCA weights are arbitrary. Prefer another method.",
            DtindexWarning,
            stacklevel=2,
        )
    w = v**2 / np.sum(v**2)
    ratio = vals / k
    return _result(
        w,
        {
            "eigenvalues": vals,
            "explained_variance_ratio": ratio,
            "explained_variance_share": np.asarray(ratio[0]),
            "loadings": v * np.sqrt(max(vals[0], 0.0)),
            "correlation": R,
        },
        "pca",
        data,
        {"convention": convention, "nan_policy": nan_policy},
    )


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Prepared:
    values: np.ndarray  # rows used, float (n, k)
    columns: list  # indicator names
    rows: list  # names of the rows used
    excluded: tuple[int, ...]  # positions of excluded rows
    has_row_labels: bool


def _position_names(size: int, labels: Sequence[object] | None) -> list[str]:
    if labels is None:
        return [f"position {i}" for i in range(size)]
    labels = list(labels)
    if len(labels) != size:
        raise SpecError(f"{len(labels)} labels given for {size} values.")
    return [str(x) for x in labels]


def _prepare(X, owner: str, columns, index, nan_policy: str) -> _Prepared:
    """Validate ``X`` and apply the NaN policy; return the rows to use."""
    col_labels = list(X.columns) if isinstance(X, pd.DataFrame) else None
    row_labels = list(X.index) if isinstance(X, pd.DataFrame) else None
    if isinstance(X, pd.DataFrame):
        non_numeric = [str(c) for c, t in X.dtypes.items() if not (pd.api.types.is_numeric_dtype(t))]
        if non_numeric:
            raise DataError(f"{owner}: X must be numeric; column(s) {describe_rows(non_numeric)} are not.")
    try:
        if isinstance(X, pd.DataFrame):
            A = X.to_numpy(dtype=float, na_value=np.nan, copy=True)
        else:
            A = np.array(X, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{owner}: X must be a numeric 2-D array (n_obs, k).") from None
    if A.ndim != 2:
        raise DataError(f"{owner}: X must be 2-D (n_obs, k); got an array of shape {A.shape}.")
    n, k = A.shape
    if k == 0:
        raise DataError(f"{owner}: X has no indicator columns.")
    if columns is not None:
        col_labels = list(columns)
    if col_labels is None:
        col_labels = [f"column {j}" for j in range(k)]
    if len(col_labels) != k:
        raise SpecError(f"{owner}: {len(col_labels)} column names given for {k} columns of X.")
    if index is not None:
        row_labels = list(index)
    has_rows = row_labels is not None
    if row_labels is None:
        row_labels = list(range(n))
    if len(row_labels) != n:
        raise SpecError(f"{owner}: {len(row_labels)} row names given for {n} rows of X.")

    inf = np.isinf(A)
    if inf.any():
        cells = [f"row {row_labels[i]} column {col_labels[j]}" for i, j in zip(*np.nonzero(inf))]
        raise DataError(f"{owner}: X holds infinite values at {describe_rows(cells)}.")
    nan = np.isnan(A)
    excluded: tuple[int, ...] = ()
    if nan.any():
        if nan_policy == "error":
            cells = [f"row {row_labels[i]} column {col_labels[j]}" for i, j in zip(*np.nonzero(nan))]
            raise DataError(
                f"{owner}: X has {int(nan.sum())} missing value(s) at {describe_rows(cells)}; impute them first "
                "or pass nan_policy='omit' to exclude those rows from the weighting."
            )
        bad_rows = np.flatnonzero(nan.any(axis=1))
        excluded = tuple(int(i) for i in bad_rows)
        warnings.warn(
            f"{owner}: {len(excluded)} of {n} rows hold missing values and are excluded from the weighting "
            f"(rows {describe_rows([row_labels[i] for i in excluded])}).",
            DtindexWarning,
            stacklevel=3,
        )
        keep = ~nan.any(axis=1)
        A = A[keep]
        row_labels = [r for r, kp in zip(row_labels, keep) if kp]
    if A.shape[0] < 2:
        raise DataError(f"{owner}: needs at least 2 complete observations (rows); got {A.shape[0]}.")
    return _Prepared(A, col_labels, row_labels, excluded, has_rows)


def _directions(directions, k: int, owner: str, cols: list) -> np.ndarray:
    if directions is None:
        return np.ones(k)
    d = np.asarray(directions, dtype=object).ravel()
    if d.size != k:
        raise SpecError(f"{owner}: {d.size} directions given for {k} indicators.")
    for label, v in zip(cols, d):
        if isinstance(v, bool) or v not in (1, -1):
            check_choice(owner, f"directions[{label}]", v, (1, -1))
    return d.astype(float)


def _refuse_constant(A: np.ndarray, owner: str, cols: list) -> None:
    const = np.flatnonzero(A.max(axis=0) == A.min(axis=0))
    if const.size:
        shown = [f"{cols[j]} (always {A[0, j]:g})" for j in const]
        raise MethodDomainError(
            f"{owner}: indicator(s) {describe_rows(shown)} are constant over all {A.shape[0]} observations, so a "
            "dispersion-based weight is undefined. Remove them or give them a fixed weight."
        )


def _minmax(A: np.ndarray, dirs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    rng = hi - lo
    return np.where(dirs > 0, (A - lo) / rng, (hi - A) / rng)


def _refuse_cells(mask: np.ndarray, data: _Prepared, owner: str, what: str) -> None:
    if not mask.any():
        return
    rows_idx = np.flatnonzero(mask.any(axis=1))
    names = [data.rows[i] for i in rows_idx]
    kind = "rows" if data.has_row_labels else "rows (0-based positions)"
    cols = [str(data.columns[j]) for j in np.flatnonzero(mask.any(axis=0))]
    i, j = np.argwhere(mask)[0]
    raise MethodDomainError(
        f"{owner}: {int(mask.sum())} value(s) in indicator(s) {describe_rows(cols)} at {kind} "
        f"{describe_rows(names)}; e.g. value {data.values[i, j]:g} at row {data.rows[i]}, column "
        f"{data.columns[j]} {what}."
    )


def _freeze(a) -> np.ndarray:
    arr = np.array(a, dtype=float)
    arr.setflags(write=False)
    return arr


def _result(w, details: dict, method: str, data: _Prepared, params: dict) -> ObjectiveWeights:
    return ObjectiveWeights(
        weights=np.asarray(w, dtype=float),
        details=MappingProxyType({k: _freeze(v) for k, v in details.items()}),
        method=method,
        n_obs=int(data.values.shape[0]),
        excluded_rows=data.excluded,
        params=MappingProxyType(dict(params)),
    )
