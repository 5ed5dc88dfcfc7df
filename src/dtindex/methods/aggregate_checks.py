"""Checks shared by every aggregation: the weights and the missing-value policy."""

from __future__ import annotations

import numpy as np

from ..errors import MethodDomainError, SpecError, check_choice

__all__ = ["_check_weights", "_missing_policy"]


def _check_weights(w: np.ndarray, k: int) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.shape != (k,):
        raise SpecError(f"aggregation needs one weight per child: got {w.shape[0] if w.ndim else 0} weights for {k} children")
    if (w < 0).any() or not np.isfinite(w).all():
        raise SpecError(f"aggregation weights must be finite and >= 0; got {w.tolist()}")
    if k and not (w > 0).any():
        raise SpecError(f"aggregation weights are all zero ({w.tolist()}); at least one child needs a positive weight")
    return w


def _missing_policy(V: np.ndarray, missing: str, row_labels, children) -> np.ndarray:
    check_choice("aggregate", "missing", missing, ("skip", "propagate", "error"))
    nan = np.isnan(V)
    if missing == "error" and nan.any():
        rows, cols = np.nonzero(nan)
        where = [f"{row_labels[r] if row_labels is not None else r} ({children[c] if children is not None else c})" for r, c in zip(rows[:10], cols[:10])]
        raise MethodDomainError(
            f"aggregation with missing='error' found {len(rows)} missing child values: {', '.join(where)}; "
            "impute first or use missing='skip'"
        )
    return nan
