"""Column-proportion tests (SPSS-style letters, Bonferroni, design-based) checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dtindex.survey import Design
from dtindex.survey.colprops import column_tests, letter

# A small weighted table, every row its own PSU, one stratum:
#   group a: (y=1, w=1) (y=1, w=2) (y=2, w=1) (y=2, w=1)   W_a = 5, p_a(1) = 3/5
#   group b: (y=1, w=1) (y=2, w=2) (y=2, w=2) (y=2, w=1)   W_b = 6, p_b(1) = 1/6
BLOCK = pd.DataFrame({"g": list("aaaabbbb"), "y": [1, 1, 2, 2, 1, 2, 2, 2], "w": [1, 2, 1, 1, 1, 2, 2, 1.0]})


def _hand(k: int):
    """Shares, variances, t and p of a - b for answer 1 with the block repeated k times.

    Influence value of response i in domain j: z_i = w_i (y_i - p_j) / W_j (zero outside j); with
    n = 8k PSUs in one stratum the Taylor variance is n/(n-1) sum z_i^2 (the z sum to zero), and
    domains a and b share no PSU, so Cov = 0.
      a: z = (1 * 0.4, 2 * 0.4, -0.6, -0.6) / 5   -> sum z^2 = 0.0608 per block
      b: z = (5/6, -2/6, -2/6, -1/6) / 6          -> sum z^2 = 34/1296 per block
    Repeating the block k times multiplies W by k: sum z^2 over all rows = (per block) / k.
    """
    n = 8 * k
    va = n / (n - 1) * 0.0608 / k
    vb = n / (n - 1) * (34 / 1296) / k
    d = 3 / 5 - 1 / 6
    t = d / np.sqrt(va + vb)
    return d, np.sqrt(va + vb), t, 2 * stats.t.sf(t, n - 1)


def test_two_groups_by_hand():
    for k, significant in ((1, False), (10, True)):
        frame = pd.concat([BLOCK] * k, ignore_index=True)
        ct = column_tests(Design(frame, weights="w"), "y", "g")
        d, se, t, p = _hand(k)
        pair = ct.pairs[ct.pairs["answer"] == 1].iloc[0]
        assert (pair["difference"], pair["se"], pair["t"], pair["p_value"]) == pytest.approx((d, se, t, p), rel=1e-10)
        assert pair["p_adjusted"] == pytest.approx(p)  # one pair: nothing to adjust
        assert ct.shares.loc[1].tolist() == pytest.approx([3 / 5, 1 / 6])
        assert ct.base.tolist() == [4 * k, 4 * k] and ct.df == 8 * k - 1
        # the larger share carries the letter of the smaller one
        assert ct.letters.loc[1, "a"] == ("B" if significant else "")
        assert ct.letters.loc[2, "b"] == ("A" if significant else "")
        assert ct.letters.loc[1, "b"] == "" and ct.letters.loc[2, "a"] == ""
    # k = 10: t = 0.43333 / 0.093880 = 4.616 on 79 df
    assert _hand(10)[2] == pytest.approx(4.6158, abs=1e-3)


def test_bonferroni_within_a_row_and_small_groups_left_out():
    rng = np.random.default_rng(3)
    n = 600
    g = rng.choice(["x", "y", "z", "tiny"], n, p=[0.33, 0.33, 0.33, 0.01])
    p_by = {"x": 0.30, "y": 0.40, "z": 0.50, "tiny": 0.9}
    ans = np.where(rng.random(n) < np.vectorize(p_by.get)(g), "yes", "no")
    frame = pd.DataFrame({"g": g, "a": ans, "w": rng.uniform(0.5, 2, n)})
    frame.loc[frame.index[:3], "g"] = "tiny"
    base_tiny = int((frame["g"] == "tiny").sum())
    ct = column_tests(Design(frame, weights="w"), "a", "g", min_base=base_tiny + 1)
    tested = ct.pairs
    assert not ((tested["group_a"] == "tiny") | (tested["group_b"] == "tiny")).any()
    # three tested groups: 3 pairs per answer, p_adj = min(1, 3 p)
    assert len(tested) == 2 * 3
    assert tested["p_adjusted"].to_numpy() == pytest.approx(np.minimum(1, 3 * tested["p_value"].to_numpy()))
    assert (tested["significant"] == (tested["p_adjusted"] < 0.05)).all()
    # letters agree with the significant pairs
    for r in tested[tested["significant"]].itertuples():
        hi, lo = (r.group_a, r.group_b) if r.difference > 0 else (r.group_b, r.group_a)
        assert ct.group_letters[lo] in ct.letters.loc[r.answer, hi]


def test_letters_beyond_z():
    assert [letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
