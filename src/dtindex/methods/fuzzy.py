"""Fuzzy comprehensive evaluation (模糊综合评价; Wang Peizhuang 汪培庄 1980s).

A set of factors (indicators) ``u_1 .. u_m`` with weights ``A = (a_1 .. a_m)``
(sum 1) and a set of ``p`` grades (评语集, e.g. 优/良/中/差). The membership
matrix ``R`` (m x p) holds the degree ``r_jk`` to which factor ``j`` belongs to
grade ``k`` -- typically the share of raters who gave factor ``j`` grade ``k``
(:func:`membership_from_ratings`), or a piecewise-linear membership of a
measured value between the grade centres (:func:`membership_from_values`).

The evaluation vector is ``B = A ∘ R`` with a composition operator
(:data:`OPERATORS`):

=============  ====================================  ==========================
``M(.,+)``     b_k = sum_j a_j r_jk                  weighted average (加权平均型), the default:
                                                     every factor counts
``M(^,v)``     b_k = max_j min(a_j, r_jk)            main factor decides (主因素决定型)
``M(.,v)``     b_k = max_j a_j r_jk                  main factor prominent (主因素突出型)
``M(^,+)``     b_k = min(1, sum_j min(a_j, r_jk))    bounded sum of minima
=============  ====================================  ==========================

``B`` is normalised to sum 1 (``b_k / sum b``) when it does not already. The
result is read by the maximum-membership principle (the grade with the largest
``b_k``) or, with numeric grade scores ``s_k``, by the weighted average
``score = sum_k b_k s_k``. A hierarchy is evaluated bottom-up: the ``B`` of
the children of a node form the node's ``R`` (:func:`fuzzy_hierarchy`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows

__all__ = ["OPERATORS", "FuzzyResult", "fuzzy_evaluate", "fuzzy_hierarchy", "membership_from_ratings",
           "membership_from_values"]

OPERATORS = ("M(.,+)", "M(^,v)", "M(.,v)", "M(^,+)")


@dataclass(frozen=True, eq=False)
class FuzzyResult:
    """``b``: the evaluation vector (normalised to sum 1), ``raw``: before normalising, ``grade``: the grade
    of largest membership, ``score``: ``sum_k b_k s_k`` (NaN without grade scores)."""

    b: pd.Series
    raw: pd.Series
    grade: object
    score: float
    operator: str


def _weights(a, m: int, owner: str) -> np.ndarray:
    w = np.asarray(a, dtype=float)
    if w.shape != (m,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise SpecError(f"{owner}: the weights must be {m} finite numbers >= 0, not all 0; got {list(np.atleast_1d(a))}.")
    return w / w.sum()


def fuzzy_evaluate(R, a, *, operator: str = "M(.,+)", grades: Sequence[object] | None = None,
                   scores: Sequence[float] | None = None, owner: str = "fuzzy evaluation") -> FuzzyResult:
    """``B = A ∘ R`` (see the module docstring).

    Parameters
    ----------
    R : array_like (m, p)
        Membership matrix, entries in [0, 1]; a DataFrame's columns name the grades.
    a : array_like (m,)
        Factor weights (rescaled to sum 1).
    operator : str
        One of :data:`OPERATORS`.
    grades : sequence, optional
        Grade labels (default: R's columns, or 1..p).
    scores : sequence of float, optional
        Numeric score of each grade, for ``score = sum_k b_k s_k``.

    Examples
    --------
    >>> fuzzy_evaluate([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]], [0.6, 0.4], scores=[90, 75, 60]).score
    76.5
    """
    check_choice(owner, "operator", operator, OPERATORS)
    labels = list(R.columns) if isinstance(R, pd.DataFrame) else None
    M = np.asarray(R, dtype=float)
    if M.ndim != 2 or M.size == 0:
        raise SpecError(f"{owner}: the membership matrix must be 2-D (factors x grades); got shape {M.shape}.")
    if not np.isfinite(M).all() or (M < 0).any() or (M > 1 + 1e-12).any():
        raise SpecError(f"{owner}: memberships must be numbers in [0, 1].")
    m, p = M.shape
    w = _weights(a, m, owner)
    grades = list(grades) if grades is not None else (labels or list(range(1, p + 1)))
    if len(grades) != p:
        raise SpecError(f"{owner}: {len(grades)} grade labels for {p} grades.")
    if operator == "M(.,+)":
        raw = w @ M
    elif operator == "M(^,v)":
        raw = np.minimum(w[:, None], M).max(axis=0)
    elif operator == "M(.,v)":
        raw = (w[:, None] * M).max(axis=0)
    else:
        raw = np.minimum(1.0, np.minimum(w[:, None], M).sum(axis=0))
    total = raw.sum()
    if total <= 0:
        raise SpecError(f"{owner}: every membership is 0, so the evaluation vector is 0.")
    b = raw / total
    score = float("nan")
    if scores is not None:
        s = np.asarray(scores, dtype=float)
        if s.shape != (p,) or not np.isfinite(s).all():
            raise SpecError(f"{owner}: give one finite score per grade ({p}); got {list(scores)}.")
        score = float(b @ s)
    idx = pd.Index(grades, name="grade")
    return FuzzyResult(b=pd.Series(b, index=idx, name="b"), raw=pd.Series(raw, index=idx, name="raw"),
                       grade=grades[int(np.argmax(b))], score=score, operator=operator)


def membership_from_ratings(ratings: pd.DataFrame, grades: Sequence[object], *, source: str = "ratings") -> pd.DataFrame:
    """Membership matrix from raters' grades: ``r_jk`` = share of raters giving factor ``j`` grade ``k``.

    ``ratings``: one row per rater, one column per factor, cells grade labels
    (compared as text, so ``优`` or ``1`` both work). A cell that is not one of
    ``grades`` is a :class:`~dtindex.errors.DataError` naming the row and
    column; an empty cell is an abstention (not counted for that factor).
    Returns factors x grades.
    """
    labels = [str(g).strip() for g in grades]
    if len(set(labels)) != len(labels) or not labels:
        raise SpecError(f"{source}: the grades must be distinct labels; got {list(grades)}.")
    text = ratings.astype("string").apply(lambda c: c.str.strip())
    empty = text.isna() | (text == "")
    bad = ~empty & ~text.isin(labels)
    if bad.to_numpy().any():
        cells = [f"row {int(np.flatnonzero(bad[c].to_numpy())[0]) + 2} column {c} (\"{text[c][bad[c]].iloc[0]}\")"
                 for c in ratings.columns if bad[c].any()]
        raise DataError(f"{source}: value(s) that are not grades ({', '.join(labels)}) at {describe_rows(cells)}.")
    counts = np.stack([(text == g).sum(axis=0).to_numpy(dtype=float) for g in labels], axis=1)
    n = counts.sum(axis=1)
    none = [str(c) for c, k in zip(ratings.columns, n) if k == 0]
    if none:
        raise DataError(f"{source}: no rater graded {describe_rows(none)}.")
    return pd.DataFrame(counts / n[:, None], index=pd.Index([str(c) for c in ratings.columns], name="factor"),
                        columns=pd.Index(list(grades), name="grade"))


def membership_from_values(x, centres: Sequence[float], grades: Sequence[object] | None = None) -> pd.DataFrame:
    """Piecewise-linear memberships of measured values to grades with centres ``c_1 < ... < c_p``.

    A value between two adjacent centres belongs to both, linearly
    (``r_k = (c_{k+1} - x) / (c_{k+1} - c_k)``, ``r_{k+1} = 1 - r_k``; the
    triangular / "half-trapezoid" functions of the textbooks); below the first
    or above the last centre it belongs fully to that grade. Rows sum to 1.
    """
    c = np.asarray(centres, dtype=float)
    if c.ndim != 1 or c.size < 2 or not (np.diff(c) > 0).all():
        raise SpecError(f"fuzzy membership: grade centres must be at least 2 increasing numbers; got {list(centres)}.")
    v = np.asarray(x, dtype=float).ravel()
    if not np.isfinite(v).all():
        raise DataError("fuzzy membership: values must be finite numbers.")
    xc = np.clip(v, c[0], c[-1])
    k = np.clip(np.searchsorted(c, xc, side="right") - 1, 0, c.size - 2)
    t = (xc - c[k]) / (c[k + 1] - c[k])
    out = np.zeros((v.size, c.size))
    out[np.arange(v.size), k] = 1 - t
    out[np.arange(v.size), k + 1] += t
    cols = list(grades) if grades is not None else [float(z) for z in c]
    return pd.DataFrame(out, columns=pd.Index(cols, name="grade"))


def fuzzy_hierarchy(children: Mapping[str, Sequence[str]], weights: Mapping[str, float], membership: pd.DataFrame,
                    *, root: str, operator: str = "M(.,+)", scores: Sequence[float] | None = None) -> pd.DataFrame:
    """Multi-level evaluation: each node's ``R`` is the stacked ``B`` of its children.

    ``children``: parent -> its children (bottom-up order not needed);
    ``weights``: node -> weight within its parent (rescaled per parent);
    ``membership``: factors (leaves) x grades. Returns one row per node
    (leaves as given, every parent evaluated): the grades' memberships,
    ``grade`` (maximum membership) and ``score``.
    """
    grades = list(membership.columns)
    B: dict[str, np.ndarray] = {str(i): membership.loc[i].to_numpy(dtype=float) for i in membership.index}
    result: dict[str, FuzzyResult] = {}

    def visit(node: str) -> np.ndarray:
        if node in B:
            return B[node]
        kids = list(children.get(node, []))
        if not kids:
            raise DataError(f"fuzzy evaluation: no membership row for factor {node!r}.")
        R = np.stack([visit(str(k)) for k in kids])
        res = fuzzy_evaluate(R, [weights[k] for k in kids], operator=operator, grades=grades, scores=scores,
                             owner=f"fuzzy evaluation of {node!r}")
        result[node] = res
        B[node] = res.b.to_numpy()
        return B[node]

    visit(root)
    rows = []
    s = None if scores is None else np.asarray(scores, dtype=float)
    for node, b in B.items():
        res = result.get(node)
        rows.append({"node": node, **{str(g): float(v) for g, v in zip(grades, b)},
                     "grade": grades[int(np.argmax(b))], "score": float(b @ s) if s is not None else np.nan,
                     "level": "evaluated" if res is not None else "membership"})
    return pd.DataFrame(rows)
