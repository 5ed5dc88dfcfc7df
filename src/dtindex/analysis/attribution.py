"""Why a unit's index changed: contributions of layers and indicators, and of its gap to a neighbour.

For weighted arithmetic aggregation every aggregate is ``t_a = sum_k v_k t_k`` with
``v_k = w_k / sum_{present k'} w_k'`` (the build re-weights over present children),
so the top node is ``T = sum_j W_j t_j`` over any cut of the tree (the layers, or the
indicators), with the *path weight* ``W_j`` = product of ``v`` along the path from the
top node to j. If the same children are present in both periods, ``W_j`` is the same
in both and

    Delta T = T(p1) - T(p0) = sum_j W_j (t_j(p1) - t_j(p0)),   contribution_j = W_j Delta t_j

holds exactly for the layers and for the indicators. A node missing in both periods
has ``W_j = 0`` and contributes nothing; a child present in one period but not the
other changes the weights and is refused (DataError naming unit, node and periods).
Other aggregation methods (geometric, harmonic, TOPSIS) are refused (SpecError).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows
from ._base import IndexLike, PeriodAxis, node_table


def _check_arithmetic(idx: IndexLike, top: str, owner: str) -> None:
    fw = idx.framework
    resolved = (idx.recipe().get("resolved") or {}).get("aggregate")
    if not resolved:
        raise DataError(f"{owner}: the build's recipe has no resolved aggregation methods, so it cannot be checked "
                        "that the scores are weighted arithmetic means")
    aggs = [top, *(c for c in fw.descendants(top) if not fw[c].is_indicator)]
    bad = [f"{a} ({(resolved.get(a) or {}).get('method', 'unknown')})" for a in aggs
           if (resolved.get(a) or {}).get("method") != "arithmetic"]
    if bad:
        raise SpecError(f"{owner}: contributions add up to the change only for weighted arithmetic aggregation; "
                        f"these aggregates use another method: {describe_rows(bad)}. Rebuild with "
                        "aggregate.method = arithmetic to decompose changes.")


def _tree(idx: IndexLike, top: str) -> list[str]:
    return [top, *idx.framework.descendants(top)]


def _decompose(idx: IndexLike, units: Sequence[str] | None, p0: object, p1: object, code: str | None,
               owner: str) -> tuple[pd.DataFrame, dict]:
    fw = idx.framework
    top = code or fw.root
    fw[top]
    if fw[top].is_indicator:
        raise SpecError(f"{owner}: {top!r} is an indicator; give an aggregate (the top node or a layer)")
    _check_arithmetic(idx, top, owner)
    axis = PeriodAxis.of(idx)
    q0, q1 = axis.check(p0, owner, "p0"), axis.check(p1, owner, "p1")
    nodes = _tree(idx, top)
    top_table = node_table(idx, top)
    all_units = top_table.index
    if units is None:
        chosen = all_units[top_table[[q0, q1]].notna().all(axis=1).to_numpy()]
    else:
        chosen = pd.Index([str(u) for u in units])
        unknown = chosen[~chosen.isin(all_units)]
        if len(unknown):
            raise DataError(f"{owner}: units not in the build: {describe_rows(unknown.tolist())}")
    S = {c: (top_table if c == top else node_table(idx, c)).loc[chosen, [q0, q1]].to_numpy(dtype=float)
         for c in nodes}
    no_top = chosen[np.isnan(S[top]).any(axis=1)]
    if len(no_top):
        raise DataError(f"{owner}: {top} has no value in {q0} or {q1} for units {describe_rows(no_top.tolist())}; "
                        "a change needs both values")
    weights = idx.weights
    n = len(chosen)
    W = {top: np.ones((n, 2))}
    mismatched: list[str] = []
    for parent in (c for c in nodes if not fw[c].is_indicator):
        kids = fw.children[parent]
        lacking = [k for k in kids if k not in weights]
        if lacking:
            raise DataError(f"{owner}: the build has no weights for {describe_rows(lacking)} (children of {parent})")
        w = np.array([float(weights[k]) for k in kids])
        T = np.stack([S[k] for k in kids], axis=-1)  # units x 2 periods x children
        P = ~np.isnan(T)
        denom = (w * P).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            eff = np.where(denom[..., None] > 0, w * P / denom[..., None], 0.0)
        live = ~np.isnan(S[parent])
        switch = (P[:, 0, :] != P[:, 1, :]) & live.all(axis=1)[:, None]
        if switch.any():
            u, j = np.nonzero(switch)
            where = [f"{chosen[a]} {kids[b]} (present in {q0 if P[a, 0, b] else q1} only)" for a, b in zip(u, j)]
            raise DataError(f"{owner}: children of {parent} present in one period but not the other change the "
                            f"weights, so the change cannot be split exactly: {describe_rows(where)}")
        recon = (eff * np.where(P, T, 0.0)).sum(axis=-1)
        bad = live & ~np.isclose(recon, S[parent], rtol=1e-9, atol=1e-12)
        for a, b in np.argwhere(bad):
            mismatched.append(f"{parent} of {chosen[a]} in {(q0, q1)[b]}: score {float(S[parent][a, b]):.10g}, "
                              f"weighted mean of children {float(recon[a, b]):.10g}")
        for j, k in enumerate(kids):
            W[k] = W[parent] * eff[..., j]
    if mismatched:
        raise DataError(f"{owner}: scores are not the weighted arithmetic means of their children with the build's "
                        f"weights, so the scores and weights do not match: {describe_rows(mismatched)}")
    rows = []
    for c in nodes:
        wk = W[c][:, 0]
        diff = S[c][:, 1] - S[c][:, 0]
        contrib = np.where(wk == 0, 0.0, wk * np.where(np.isnan(diff), 0.0, diff))
        node = fw[c]
        depth = len(fw.ancestors(c)) - len(fw.ancestors(top))
        kind = "total" if c == top else "indicator" if node.is_indicator else "layer" if depth == 1 else "aggregate"
        rows.append(pd.DataFrame({
            "unit": chosen.to_numpy(dtype=object), "iCode": c, "name": node.label("zh"), "name_en": node.label("en"),
            "parent": "" if c == top else node.parent, "depth": depth, "kind": kind, "weight": wk,
            "value_p0": S[c][:, 0], "value_p1": S[c][:, 1], "change": diff, "contribution": contrib,
            "_u": np.arange(n),
        }))
    df = pd.concat(rows, ignore_index=True)
    df["_node"] = np.repeat(np.arange(len(nodes)), n)
    total = (S[top][:, 1] - S[top][:, 0])[df["_u"].to_numpy()]
    with np.errstate(invalid="ignore", divide="ignore"):
        df["share"] = np.where(total != 0, df["contribution"].to_numpy() / total, np.nan)
    df = df.sort_values(["_u", "_node"], kind="stable").drop(columns=["_u", "_node"]).reset_index(drop=True)
    meta = {"p0": q0, "p1": q1, "code": top}
    df.attrs.update(meta)
    return df, meta


def contributions(idx: IndexLike, p0: str, p1: str, *, units: Sequence[str] | None = None,
                  code: str | None = None) -> pd.DataFrame:
    """Split the change of ``code`` (default the top node) from p0 to p1 into node contributions.

    ``contribution_j = W_j (t_j(p1) - t_j(p0))`` with ``W_j`` the product of the (re-weighted)
    weights on the path from ``code`` to node j. The contributions of ``code``'s children
    (``depth == 1``) sum to the change of ``code``, and so do those of the indicators below it.

    Parameters
    ----------
    idx : Index or BuildResult
        Built with arithmetic aggregation (checked from the recipe).
    p0, p1 : str
        The two periods (any order; the change is value at p1 minus value at p0).
    units : sequence of str, optional
        Units to decompose (default: every unit with a value in both periods).

    Returns
    -------
    DataFrame ``unit, iCode, name, name_en, parent, depth, kind, weight, value_p0, value_p1,
    change, contribution, share``: one row per unit and node of the subtree (``kind``:
    ``total`` for ``code`` itself, ``layer`` for its aggregate children, ``aggregate`` deeper,
    ``indicator``), units in the given (or build) order, nodes depth-first in framework order.
    ``weight`` = W_j, ``share`` = contribution / change of ``code`` (NaN if it did not change).

    Raises
    ------
    SpecError
        a non-arithmetic aggregate in the subtree.
    DataError
        unknown unit or period, no value of ``code`` in a period, a child present in only one
        period, or scores that are not the weighted means of their children.
    """
    df, _ = _decompose(idx, units, p0, p1, code, "contributions")
    return df


def attribute(idx: IndexLike, unit: str, p0: str, p1: str, *, code: str | None = None) -> pd.DataFrame:
    """:func:`contributions` for one unit (same columns)."""
    df, _ = _decompose(idx, [unit], p0, p1, code, "attribute")
    return df


def neighbour_of(idx: IndexLike, unit: str, period: str, *, direction: str = "above",
                 code: str | None = None) -> str:
    """The unit ranked just above (or below) ``unit`` in ``period``.

    Above: among units with a strictly higher value, the one with the lowest value;
    below: among units with a strictly lower value, the highest. Units with exactly the
    same value as ``unit`` share its rank and are neither. Ties among candidates are
    broken by unit code (smallest first).
    """
    owner = "neighbour_of"
    check_choice(owner, "direction", direction, ("above", "below"))
    axis = PeriodAxis.of(idx)
    period = axis.check(period, owner)
    col = node_table(idx, code)[period]
    unit = str(unit)
    if unit not in col.index:
        raise DataError(f"{owner}: unit {unit!r} is not in the build")
    v = col.get(unit)
    if pd.isna(v):
        raise DataError(f"{owner}: unit {unit} has no value in {period}")
    cand = col[col > v] if direction == "above" else col[col < v]
    if cand.empty:
        where = "top" if direction == "above" else "bottom"
        raise DataError(f"{owner}: unit {unit} is at the {where} in {period}; no unit is ranked {direction} it")
    best = cand.min() if direction == "above" else cand.max()
    return min(cand.index[cand == best].tolist())


def attribute_gap(idx: IndexLike, unit: str, p0: str, p1: str, *, neighbour: str = "above", at: str | None = None,
                  code: str | None = None) -> pd.DataFrame:
    """Split the change of the gap between ``unit`` and a neighbour into node contributions.

    ``neighbour``: ``above``/``below`` (the unit ranked just above/below ``unit`` in period
    ``at``, default p1; see :func:`neighbour_of`) or an explicit unit code. The gap is the
    higher-ranked unit's value minus the lower-ranked one's (ranked at ``at``):
    ``gap = T_hi - T_lo``, and

        Delta gap = sum_j (W_j^hi Delta t_j^hi - W_j^lo Delta t_j^lo),

    so ``contribution_j = C_j(hi) - C_j(lo)`` with ``C`` from :func:`contributions`;
    contributions of the layers (and of the indicators) sum to ``Delta gap``. A positive
    contribution widens the higher unit's lead.

    Returns
    -------
    DataFrame ``iCode, name, name_en, parent, depth, kind, gap_p0, gap_p1, gap_change,
    unit_contribution, neighbour_contribution, contribution, share`` (``gap_p*`` = node score
    of the higher unit minus the lower one; ``share`` = contribution / Delta gap). ``attrs``:
    ``unit``, ``neighbour``, ``higher`` (which of the two is ranked higher at ``at``), ``at``, p0, p1.
    """
    owner = "attribute_gap"
    axis = PeriodAxis.of(idx)
    q0, q1 = axis.check(p0, owner, "p0"), axis.check(p1, owner, "p1")
    ref = q1 if at is None else axis.check(at, owner, "at")
    unit = str(unit)
    if neighbour in ("above", "below"):
        other = neighbour_of(idx, unit, ref, direction=neighbour, code=code)
    else:
        other = str(neighbour)
        if other == unit:
            raise DataError(f"{owner}: the neighbour must be another unit than {unit}")
    df, meta = _decompose(idx, [unit, other], q0, q1, code, owner)
    a = df[df["unit"] == unit].reset_index(drop=True)
    b = df[df["unit"] == other].reset_index(drop=True)
    col = node_table(idx, code)[ref]
    if pd.isna(col.get(other)):
        raise DataError(f"{owner}: the neighbour {other} has no value in {ref}")
    unit_higher = col[unit] > col[other] or (col[unit] == col[other] and unit < other)
    hi, lo = (a, b) if unit_higher else (b, a)
    out = a[["iCode", "name", "name_en", "parent", "depth", "kind"]].copy()
    out["gap_p0"] = hi["value_p0"] - lo["value_p0"]
    out["gap_p1"] = hi["value_p1"] - lo["value_p1"]
    out["gap_change"] = out["gap_p1"] - out["gap_p0"]
    out["unit_contribution"] = a["contribution"]
    out["neighbour_contribution"] = b["contribution"]
    out["contribution"] = hi["contribution"] - lo["contribution"]
    total = out["contribution"].iloc[0]
    out["share"] = out["contribution"] / total if total != 0 else np.nan
    out.attrs.update(meta)
    out.attrs.update({"unit": unit, "neighbour": other, "higher": unit if unit_higher else other, "at": ref})
    return out
