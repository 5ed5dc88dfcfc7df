"""Column-proportion tests of a cross-tab, design-based, with SPSS-style letters.

For a single-choice question (rows = answers ``i``) cut by a group variable (columns = groups
``j``), ``p_ij`` is the weighted share of answer ``i`` within group ``j`` (a domain estimate,
R ``svyby(~answer, ~group, svymean)``). For every answer and every pair of groups ``j < k``:

* difference ``d = p_ij - p_ik``; its variance comes from the joint linearisation of the two
  domain estimates (influence values ``z_ij = w 1[g = j] (1[y = i] - p_ij) / W_j``, the same
  Taylor variance as every other estimate, including raking residuals), so
  ``Var(d) = V_jj + V_kk - 2 V_jk`` (``V_jk`` = 0 for independent PSUs without calibration);
* ``t = d / sqrt(Var d)``, two-sided p value from Student's t with the design degrees of freedom
  (R ``svyttest`` uses the same reference distribution);
* Bonferroni adjustment within each answer row, as SPSS Custom Tables does:
  ``p_adj = min(1, p m)`` with ``m = c (c - 1) / 2`` pairs of the ``c`` tested groups;
* significant at ``alpha`` (default 0.05): the cell of the group with the LARGER share gets the
  letter of the group with the smaller share (groups are lettered A, B, C ... in column order).

Groups below the suppression base are not tested; pairs where both shares are 0 or 1 (no
variance) are not significant.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from string import ascii_uppercase

import numpy as np
import pandas as pd
from scipy import stats

from .design import Design, categories


@dataclass(frozen=True)
class ColumnTests:
    """``shares`` (answers x groups), unweighted ``base`` per group, ``letters`` (answers x
    groups, text), and ``pairs`` (one row per answer and pair: difference, se, t, p, p_adj,
    significant)."""

    shares: pd.DataFrame
    base: pd.Series
    letters: pd.DataFrame
    pairs: pd.DataFrame
    group_letters: dict
    df: int
    alpha: float


def letter(j: int) -> str:
    """A, B, ..., Z, AA, AB, ... for column ``j`` (0-based)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = ascii_uppercase[r] + out
    return out


def column_tests(design: Design, row: str, col: str, *, alpha: float = 0.05, min_base: int = 0) -> ColumnTests:
    """Shares of ``row``'s answers within each group of ``col`` and their pairwise tests."""
    rc, rcats = categories(design.column(row))
    gc, gcats = categories(design.column(col))
    ok = (rc >= 0) & (gc >= 0)
    base_all = np.bincount(gc[ok], minlength=len(gcats))
    present = np.flatnonzero(base_all > 0)
    groups = [gcats[j] for j in present]
    base = pd.Series(base_all[present], index=groups, name="n")
    w = design._w
    c, r = len(present), len(rcats)
    shares = np.full((r, c), np.nan)
    wsum = np.array([w[ok & (gc == g)].sum() for g in present])
    tested = np.array([base_all[g] >= max(min_base, 1) and wsum[k] > 0 for k, g in enumerate(present)])
    df = design._st.degf(ok & (w != 0))
    t_rows = []
    lower = [[[] for _ in range(c)] for _ in range(r)]  # per cell: groups with a significantly smaller share
    pairs_list = list(combinations(range(c), 2))
    m = sum(1 for j, k in pairs_list if tested[j] and tested[k])
    for i in range(r):
        z = np.zeros((design.n, c))
        for k, g in enumerate(present):
            dom = ok & (gc == g)
            if wsum[k] <= 0:
                continue
            y = (rc == i).astype(float)
            p = float(w[dom] @ y[dom]) / wsum[k]
            shares[i, k] = p
            z[dom, k] = w[dom] * (y[dom] - p) / wsum[k]
        v = design._st.vcov(z)
        for j, k in pairs_list:
            if not (tested[j] and tested[k]):
                continue
            d = shares[i, j] - shares[i, k]
            var = v[j, j] + v[k, k] - 2 * v[j, k]
            se = float(np.sqrt(var)) if var > 1e-300 else 0.0
            if se > 0 and df > 0:
                t = d / se
                pv = float(2 * stats.t.sf(abs(t), df))
            else:
                t, pv = np.nan, 1.0
            p_adj = min(1.0, pv * m) if m else 1.0
            sig = bool(p_adj < alpha)
            if sig:
                hi, lo = (j, k) if d > 0 else (k, j)
                lower[i][hi].append(lo)
            t_rows.append({"answer": rcats[i], "group_a": groups[j], "group_b": groups[k], "difference": d,
                           "se": se, "t": t, "p_value": pv, "p_adjusted": p_adj, "significant": sig})
    index = pd.Index(rcats, name=row if isinstance(row, str) else "row")
    cols = pd.Index(groups, name=col if isinstance(col, str) else "col")
    letters_frame = pd.DataFrame([["".join(letter(k) for k in sorted(cell)) for cell in rowv] for rowv in lower],
                                 index=index, columns=cols)
    pairs = pd.DataFrame(t_rows, columns=["answer", "group_a", "group_b", "difference", "se", "t", "p_value",
                                          "p_adjusted", "significant"])
    return ColumnTests(pd.DataFrame(shares, index=index, columns=cols), base, letters_frame, pairs,
                       {g: letter(k) for k, g in enumerate(groups)}, int(df), alpha)
