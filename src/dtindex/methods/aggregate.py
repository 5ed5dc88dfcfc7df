"""Aggregation: combine the children of a node into the node's score.

Each function takes ``V`` of shape ``(n_obs, k)`` (one column per child, NaN =
missing) and weights ``w`` of shape ``(k,)`` and returns ``(n_obs,)``.
Weights need not sum to 1: every formula divides by the sum of the weights of
the children it uses, so with ``missing='skip'`` a missing child is dropped and
the others are re-weighted (COINr's default behaviour).

=========== ===========================================================
arithmetic  y = sum_j w_j x_j / sum_j w_j
geometric   y = exp( sum_j w_j ln x_j / sum_j w_j ) = prod_j x_j^(w_j / sum w)
harmonic    y = sum_j w_j / sum_j (w_j / x_j)
topsis      closeness to the ideal, see :func:`topsis`
gra         grey relational grade to the ideal (dtindex.methods.aggregate_relative)
gra_topsis  grey-relational closeness r+ / (r+ + r-)
vikor       1 - Q of VIKOR
rsr         rank-sum ratio RSR = sum_j w_j R_ij / n (dtindex.methods.rsr)
=========== ===========================================================

Missing values (``missing``): ``skip`` sums only over present children (all
missing -> missing), ``propagate`` gives a missing score if any child is
missing, ``error`` raises naming the rows.

Geometric and harmonic means need x > 0. ``nonpositive='error'`` (default)
names the rows that break it; ``nonpositive='shift'`` with a constant c uses
the shifted mean  y = M(x + c) - c, which needs x + c > 0.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import MethodDomainError, check_choice, describe_rows
from .aggregate_checks import _check_weights, _missing_policy

Labeller = Callable[[np.ndarray], list[str]]


def _labels(rows: np.ndarray, row_labels: Sequence[str] | None) -> str:
    if row_labels is None:
        return describe_rows(rows.tolist())
    return describe_rows([row_labels[r] for r in rows])


def _finish(num: np.ndarray, wsum: np.ndarray, nan: np.ndarray, missing: str) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        y = num / wsum
    y = np.where(wsum > 0, y, np.nan)
    if missing == "propagate":
        y = np.where(nan.any(axis=1), np.nan, y)
    return y


def arithmetic(V, w, *, missing="skip", row_labels=None, children=None):
    """Weighted arithmetic mean y = sum w_j x_j / sum w_j over present children."""
    V = np.asarray(V, dtype=float)
    w = _check_weights(w, V.shape[1])
    nan = _missing_policy(V, missing, row_labels, children)
    W = np.where(nan, 0.0, w)
    return _finish(np.where(nan, 0.0, V) @ w, W.sum(axis=1), nan, missing)


def _positive(V, shift, nonpositive, name, row_labels, children):
    check_choice(f"{name} aggregation", "nonpositive", nonpositive, ("error", "shift"))
    c = float(shift) if nonpositive == "shift" else 0.0
    S = V + c
    bad = ~np.isnan(S) & (S <= 0)
    if bad.any():
        rows, cols = np.nonzero(bad)
        where = [
            f"{row_labels[r] if row_labels is not None else r} ({children[j] if children is not None else j} = {V[r, j]:g})"
            for r, j in zip(rows[:10], cols[:10])
        ]
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        hint = (
            "normalise to a positive range (e.g. minmax with low=1) or set nonpositive='shift' with a shift constant"
            if nonpositive == "error" else f"the shift {c:g} is too small"
        )
        raise MethodDomainError(f"{name} mean needs values > 0 but found {', '.join(where)}{more}; {hint}")
    return S, c


def geometric(V, w, *, missing="skip", nonpositive="error", shift=0.0, row_labels=None, children=None):
    """Weighted geometric mean y = exp(sum w_j ln x_j / sum w_j) (shifted: M(x + c) - c)."""
    V = np.asarray(V, dtype=float)
    w = _check_weights(w, V.shape[1])
    nan = _missing_policy(V, missing, row_labels, children)
    S, c = _positive(V, shift, nonpositive, "geometric", row_labels, children)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(nan, 0.0, np.log(np.where(nan, 1.0, S)))
    W = np.where(nan, 0.0, w)
    return np.exp(_finish(logs @ w, W.sum(axis=1), nan, missing)) - c


def harmonic(V, w, *, missing="skip", nonpositive="error", shift=0.0, row_labels=None, children=None):
    """Weighted harmonic mean y = sum w_j / sum (w_j / x_j) (shifted: M(x + c) - c)."""
    V = np.asarray(V, dtype=float)
    w = _check_weights(w, V.shape[1])
    nan = _missing_policy(V, missing, row_labels, children)
    S, c = _positive(V, shift, nonpositive, "harmonic", row_labels, children)
    W = np.where(nan, 0.0, w)
    inv = np.where(nan, 0.0, 1.0 / np.where(nan, 1.0, S))
    with np.errstate(invalid="ignore", divide="ignore"):
        y = W.sum(axis=1) / (inv @ w)
    y = np.where(W.sum(axis=1) > 0, y, np.nan)
    if missing == "propagate":
        y = np.where(nan.any(axis=1), np.nan, y)
    return y - c


def topsis(
    V, w, *, missing="skip", groups: np.ndarray | None = None, vector_normalise: bool = True,
    scale: float = 1.0, row_labels=None, children=None,
):
    """TOPSIS closeness coefficient (Hwang & Yoon 1981).

    Children are already directed (higher is better) by normalisation.

    1. r_ij = x_ij / sqrt(sum_i x_ij^2) if ``vector_normalise`` (the textbook
       step), else r_ij = x_ij;
    2. v_ij = w_j r_ij with w normalised to sum 1;
    3. ideal A+_j = max_i v_ij, anti-ideal A-_j = min_i v_ij;
    4. D+_i = sqrt(sum_j (v_ij - A+_j)^2), D-_i = sqrt(sum_j (v_ij - A-_j)^2);
    5. C_i = D-_i / (D+_i + D-_i) in [0, 1], times ``scale``.

    Steps 1 and 3 use the observations of the same ``groups`` code (the scope:
    all unit-periods pooled when ``groups`` is None, each period otherwise).
    Missing children are left out of both distances (``missing='skip'``).
    """
    V = np.asarray(V, dtype=float)
    w = _check_weights(w, V.shape[1])
    nan = _missing_policy(V, missing, row_labels, children)
    w = w / w.sum()
    g = np.zeros(V.shape[0], dtype=np.int64) if groups is None else np.asarray(groups)
    out = np.full(V.shape[0], np.nan)
    if missing == "propagate":
        g = np.where(nan.any(axis=1), -1, g)  # rows that will be missing take no part in norms and ideals
    for code in np.unique(g):
        rows = g == code
        if missing == "propagate" and code == -1:
            continue
        X = V[rows]
        if vector_normalise:
            norm = np.sqrt(np.nansum(X**2, axis=0))
            with np.errstate(invalid="ignore", divide="ignore"):
                X = X / np.where(norm > 0, norm, np.nan)
        Vw = X * w
        with np.errstate(invalid="ignore"):
            best = np.nanmax(Vw, axis=0) if (~np.isnan(Vw)).any() else np.full(Vw.shape[1], np.nan)
            worst = np.nanmin(Vw, axis=0) if (~np.isnan(Vw)).any() else np.full(Vw.shape[1], np.nan)
        dplus = np.sqrt(np.nansum((Vw - best) ** 2, axis=1))
        dminus = np.sqrt(np.nansum((Vw - worst) ** 2, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = dminus / (dplus + dminus)
        c = np.where(dplus + dminus > 0, c, np.nan)
        c = np.where(np.isnan(Vw).all(axis=1), np.nan, c)
        out[rows] = c
    if missing == "propagate":
        out = np.where(nan.any(axis=1), np.nan, out)
    return scale * out


from .aggregate_relative import RELATIVE_AGGREGATORS, gra, gra_topsis, vikor  # noqa: E402  (they use the helpers above)
from .rsr import rsr  # noqa: E402

AGGREGATORS = {"arithmetic": arithmetic, "geometric": geometric, "harmonic": harmonic, "topsis": topsis,
               "gra": gra, "gra_topsis": gra_topsis, "vikor": vikor, "rsr": rsr}


def aggregate(V, w, method: str = "arithmetic", **kwargs) -> np.ndarray:
    """Dispatch to one of :data:`AGGREGATORS` by name."""
    check_choice("aggregate", "method", method, AGGREGATORS)
    fn = AGGREGATORS[method]
    accepted = [p for p in inspect.signature(fn).parameters if p not in ("V", "w")]
    for key in kwargs:
        check_choice(f"{method} aggregation", "argument", key, accepted)
    return fn(V, w, **kwargs)
