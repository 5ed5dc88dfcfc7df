"""Group AHP: one set of weights from several experts' pairwise comparison matrices.

Forman & Peniwati (1998, *EJOR* 108, 165-169) distinguish two ways of
combining ``m`` experts with importance weights ``lambda_k`` (sum 1; equal by
default):

AIJ, aggregation of individual judgements (the group acts as one person)
    The group matrix is the element-wise weighted geometric mean::

        g_ij = prod_k a_ij^(k) ^ lambda_k

    which is again a positive reciprocal matrix (the geometric mean is the
    only mean that keeps reciprocity, Aczel & Saaty 1983); the weights are
    those of ``G`` by the chosen priority method.

AIP, aggregation of individual priorities (the experts act as individuals)
    Each expert's priorities ``w^(k)`` are derived from his or her own matrix
    and combined by the weighted arithmetic mean ``w_j = sum_k lambda_k
    w_j^(k)`` (Forman & Peniwati's recommendation for AIP; a sum of vectors
    summing to 1 sums to 1).

Both report every expert's CR and the group's: the CR of the AIJ group
matrix ``G`` (for AIP too, as the consistency of the combined judgements).
An individual CR above the threshold is reported, not refused: a group
result from partly inconsistent experts is the researcher's call.

The matrices come from a long CSV file with an ``expert`` column
(``expert,parent,row,col,value``), read by :func:`read_group_ahp_matrices`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dtindex.errors import DataError, SpecError, check_choice, describe_rows

from .ahp import GROUP_METHODS, AHPResult, _long_matrices, ahp

__all__ = ["GROUP_ROW", "GroupAHPResult", "group_ahp", "read_group_ahp_matrices"]


@dataclass(frozen=True, eq=False)
class GroupAHPResult:
    """Group weights of one parent and the consistency of every expert.

    Attributes
    ----------
    weights : pandas.Series
        Group weights (sum 1), indexed by the children.
    method : str
        ``"aij"`` or ``"aip"``.
    group : AHPResult
        The AHP result of the element-wise geometric-mean matrix (its CR is
        the group's CR; for ``aij`` its weights are the group weights).
    individual : Mapping[str, AHPResult]
        Each expert's own result.
    expert_weights : pandas.Series
        The experts' importance ``lambda_k`` (sum 1).
    table : pandas.DataFrame
        One row per expert plus a last row ``(group)``: ``expert``, ``lambda``,
        ``lambda_max``, ``ci``, ``cr``, ``consistent`` and the weight of each
        child.
    """

    weights: pd.Series
    method: str
    group: AHPResult
    individual: Mapping[str, AHPResult]
    expert_weights: pd.Series
    table: pd.DataFrame


GROUP_ROW = "(group)"


def group_ahp(
    matrices: Mapping[str, object],
    *,
    method: str = "aij",
    expert_weights: Mapping[str, float] | None = None,
    owner: str = "group AHP",
    **ahp_kwargs,
) -> GroupAHPResult:
    """Combine several experts' matrices of the same children (AIJ or AIP).

    Parameters
    ----------
    matrices : mapping expert id -> matrix
        Pairwise comparison matrices of the same children (DataFrames with
        the same labels in any order, or arrays of the same order).
    method : {"aij", "aip"}
        See the module docstring.
    expert_weights : mapping expert id -> weight, optional
        Importance of each expert (any non-negative scale, rescaled to sum 1);
        every expert needs one. Default: equal.
    owner : str
        Name used in messages.
    **ahp_kwargs
        Passed to :func:`dtindex.methods.ahp.ahp` for every matrix
        (``priority``, ``ri_table``, ``threshold``, ``reciprocal_tol``,
        ``outside_scale``).

    Returns
    -------
    GroupAHPResult

    Raises
    ------
    SpecError
        Fewer than one matrix, unknown method, matrices of different children,
        bad expert weights.

    Examples
    --------
    >>> a = [[1, 3], [1/3, 1]]; b = [[1, 1/3], [3, 1]]
    >>> group_ahp({"E1": a, "E2": b}).weights.round(3).tolist()
    [0.5, 0.5]
    """
    check_choice(owner, "group", method, GROUP_METHODS)
    if not isinstance(matrices, Mapping) or not matrices:
        raise SpecError(f"{owner}: needs a mapping expert id -> pairwise comparison matrix (at least one).")
    experts = [str(e) for e in matrices]
    lam = _expert_weights(expert_weights, experts, owner)
    individual: dict[str, AHPResult] = {}
    labels = None
    for expert, m in matrices.items():
        res = ahp(m, owner=f"{owner}, expert {expert}", **ahp_kwargs)
        if labels is None:
            labels = list(res.weights.index)
        elif sorted(map(str, res.weights.index)) != sorted(map(str, labels)):
            raise SpecError(
                f"{owner}: expert {expert} compares {describe_rows(list(res.weights.index))} but the first expert "
                f"compares {describe_rows(labels)}; every expert must compare the same elements."
            )
        individual[str(expert)] = res
    assert labels is not None
    stack = np.stack([individual[e].matrix.loc[labels, labels].to_numpy() for e in experts])
    G = np.exp(np.tensordot(lam, np.log(stack), axes=1))
    G = np.sqrt(G / G.T)  # exact reciprocity despite rounding
    group = ahp(pd.DataFrame(G, index=pd.Index(labels), columns=pd.Index(labels)),
                owner=f"{owner}, group matrix", **ahp_kwargs)
    if method == "aij":
        w = group.weights.to_numpy()
    else:
        W = np.stack([individual[e].weights.loc[labels].to_numpy() for e in experts])
        w = lam @ W
    weights = pd.Series(w, index=pd.Index(labels), name="weight")
    rows = []
    for e, k in zip(experts, lam):
        r = individual[e]
        rows.append({"expert": e, "lambda": float(k), "lambda_max": r.lambda_max, "ci": r.ci, "cr": r.cr,
                     "consistent": r.consistent, **{str(c): float(r.weights[c]) for c in labels}})
    rows.append({"expert": GROUP_ROW, "lambda": 1.0, "lambda_max": group.lambda_max, "ci": group.ci, "cr": group.cr,
                 "consistent": group.consistent, **{str(c): float(weights[c]) for c in labels}})
    return GroupAHPResult(
        weights=weights, method=method, group=group, individual=individual,
        expert_weights=pd.Series(lam, index=pd.Index(experts), name="lambda"), table=pd.DataFrame(rows),
    )


def _expert_weights(given, experts: list[str], owner: str) -> np.ndarray:
    if given is None:
        return np.full(len(experts), 1.0 / len(experts))
    given = {str(k): v for k, v in dict(given).items()}
    unknown = [k for k in given if k not in experts]
    missing = [e for e in experts if e not in given]
    if unknown or missing:
        raise SpecError(
            f"{owner}: expert_weights must give one weight per expert; unknown: {describe_rows(unknown) or '-'}; "
            f"missing: {describe_rows(missing) or '-'} (experts: {describe_rows(experts)})."
        )
    vals = []
    for e in experts:
        v = given[e]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise SpecError(f"{owner}: the weight of expert {e} must be a number >= 0; got {v!r}.")
        vals.append(float(v))
    arr = np.array(vals)
    if arr.sum() <= 0:
        raise SpecError(f"{owner}: expert_weights are all zero.")
    return arr / arr.sum()


def read_group_ahp_matrices(path, *, reciprocal_tol: float = 0.01) -> dict[str, dict[str, pd.DataFrame]]:
    """Read several experts' matrices from a long CSV ``expert,parent,row,col,value``.

    The same rules as :func:`dtindex.methods.ahp.read_ahp_matrices` apply per
    expert (upper triangle enough, reciprocals filled in, conflicts refused,
    messages with file line numbers). Experts and parents keep the order of
    first appearance.

    Returns
    -------
    dict expert -> dict parent -> matrix

    Raises
    ------
    DataError
        Not a CSV file, missing columns, empty expert ids, bad judgements.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"AHP matrix file {p} does not exist.")
    if p.suffix.lower() != ".csv":
        raise DataError(
            f"AHP matrix file {p.name}: a group of experts is read from a long CSV file with columns "
            f"expert,parent,row,col,value; got a {p.suffix} file."
        )
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False)
    except UnicodeDecodeError:
        raise DataError(f"AHP matrix file {p.name} is not UTF-8 text; save it as CSV UTF-8.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"AHP matrix file {p.name} is not a valid CSV file: {exc}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    need = ["expert", "parent", "row", "col", "value"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(
            f"AHP matrix file {p.name}: missing column(s) {', '.join(missing)}; a group file has columns "
            f"expert,parent,row,col,value; found {', '.join(raw.columns)}."
        )
    lines = np.arange(2, len(raw) + 2)
    expert = raw["expert"].str.strip()
    blank_rest = (raw[need[1:]].apply(lambda c: c.str.strip()) == "").all(axis=1)
    bad = (expert == "") & ~blank_rest
    if bad.any():
        raise DataError(f"{p.name} line {int(lines[bad.to_numpy()][0])}: column expert is empty.")
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for e in pd.unique(expert[~blank_rest]):
        mask = (expert == e).to_numpy()
        out[str(e)] = _long_matrices(p, raw.loc[mask, need[1:]], [int(x) for x in lines[mask]], reciprocal_tol,
                                     where=f" expert {e}")
    if not out:
        raise DataError(f"AHP matrix file {p.name} holds no judgements.")
    return out

