"""Group AHP (AIJ / AIP) against the Bioconductor package Prize (Dargahi), which follows Forman & Peniwati (1998)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError, SpecError
from dtindex.methods.ahp import ahp
from dtindex.methods.ahp_group import GROUP_ROW, group_ahp, read_group_ahp_matrices

LABELS = ["Tumor_expression", "Normal_expression", "Frequency", "Epitopes"]
# Prize (Bioconductor) inst/extdata/ind1.tsv ... ind4.tsv: four decision makers' upper triangles
# (a12, a13, a14, a23, a24, a34)
UPPER = {
    "ind1": [2, 4, 5, 3, 4, 2],
    "ind2": [0.8, 2, 4, 5, 7, 2],
    "ind3": [2, 3, 5, 3, 5, 2],
    "ind4": [5, 6, 7, 4, 6, 1],
}
# Prize inst/unitTests/test_gaggregate.R: decision-maker weights 0.45, 0.30, 0.10, 0.15 and the published
# weighted AIJ group matrix and AIP group priorities (Prize computes priorities by the row geometric mean).
LAMBDA = {"ind1": 0.45, "ind2": 0.30, "ind3": 0.10, "ind4": 0.15}
AIJ_PUBLISHED = np.array([
    [1.0000000, 1.7431670, 3.3548322, 4.918313],
    [0.5736685, 1.0000000, 3.6510408, 5.141337],
    [0.2980775, 0.2738945, 1.0000000, 1.802501],
    [0.2033217, 0.1945019, 0.5547847, 1.000000],
])
AIP_PUBLISHED = [0.45240240, 0.35504904, 0.11942840, 0.07312017]
# Prize man/AIJ.Rd example output (unweighted geometric mean), first row
AIJ_UNWEIGHTED_ROW1 = [1.0000000, 2.0000000, 3.4641016, 5.143687]


def _matrix(upper):
    A = np.ones((4, 4))
    k = 0
    for i in range(4):
        for j in range(i + 1, 4):
            A[i, j], A[j, i] = upper[k], 1 / upper[k]
            k += 1
    return pd.DataFrame(A, index=LABELS, columns=LABELS)


MATS = {e: _matrix(u) for e, u in UPPER.items()}


def test_prize_weighted_aij_group_matrix():
    res = group_ahp(MATS, method="aij", expert_weights=LAMBDA)
    np.testing.assert_allclose(res.group.matrix.to_numpy().round(5), AIJ_PUBLISHED.round(5))
    pd.testing.assert_series_equal(res.weights, res.group.weights)


def test_prize_unweighted_aij_first_row():
    res = group_ahp(MATS, method="aij")
    np.testing.assert_allclose(res.group.matrix.iloc[0].to_numpy(), AIJ_UNWEIGHTED_ROW1, atol=5e-7)


def test_prize_weighted_aip_priorities():
    res = group_ahp(MATS, method="aip", expert_weights=LAMBDA, priority="geometric")
    np.testing.assert_allclose(res.weights.to_numpy().round(8), AIP_PUBLISHED)


def test_every_experts_cr_and_the_groups_are_reported():
    res = group_ahp(MATS, method="aip", expert_weights={"ind1": 9, "ind2": 6, "ind3": 2, "ind4": 3})
    assert list(res.table["expert"]) == ["ind1", "ind2", "ind3", "ind4", GROUP_ROW]
    np.testing.assert_allclose(res.expert_weights.to_numpy(), [0.45, 0.30, 0.10, 0.15])
    for e in UPPER:
        own = ahp(MATS[e])
        row = res.table.set_index("expert").loc[e]
        assert row["cr"] == pytest.approx(own.cr) and row["lambda_max"] == pytest.approx(own.lambda_max)
        assert row["Frequency"] == pytest.approx(own.weights["Frequency"])
    assert res.table.iloc[-1]["cr"] == pytest.approx(res.group.cr)
    # AIP of eigenvector priorities = the lambda-weighted mean of the individual eigenvectors
    W = np.stack([ahp(MATS[e]).weights.to_numpy() for e in UPPER])
    np.testing.assert_allclose(res.weights.to_numpy(), res.expert_weights.to_numpy() @ W)


def test_group_of_identical_experts_is_that_expert():
    res = group_ahp({"a": MATS["ind1"], "b": MATS["ind1"]}, method="aij")
    pd.testing.assert_series_equal(res.weights, ahp(MATS["ind1"]).weights)


def test_group_errors():
    with pytest.raises(SpecError, match="must be one of 'aij', 'aip'"):
        group_ahp(MATS, method="mean")
    with pytest.raises(SpecError, match="missing: ind4"):
        group_ahp(MATS, expert_weights={"ind1": 1, "ind2": 1, "ind3": 1})
    with pytest.raises(SpecError, match="every expert must compare the same elements"):
        group_ahp({"a": MATS["ind1"], "b": _matrix(UPPER["ind2"]).rename(index={"Epitopes": "X"},
                                                                          columns={"Epitopes": "X"})})


def test_read_group_file_and_its_errors(tmp_path):
    lines = ["expert,parent,row,col,value"]
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    for e, u in UPPER.items():
        lines += [f"{e},P,{LABELS[i]},{LABELS[j]},{v}" for (i, j), v in zip(pairs, u)]
    (tmp_path / "g.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = read_group_ahp_matrices(tmp_path / "g.csv")
    assert list(got) == list(UPPER)
    for e in UPPER:
        pd.testing.assert_frame_equal(got[e]["P"], MATS[e])
    bad = lines[:7] + ["ind2,P,Tumor_expression,Normal_expression,x"]
    (tmp_path / "b.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="b.csv line 8: value"):
        read_group_ahp_matrices(tmp_path / "b.csv")
    (tmp_path / "n.csv").write_text("parent,row,col,value\nP,a,b,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column\\(s\\) expert"):
        read_group_ahp_matrices(tmp_path / "n.csv")
    (tmp_path / "m.csv").write_text("expert,parent,row,col,value\nE1,P,a,b,2\nE1,P,a,c,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="m.csv expert E1 parent P: no judgement for pair"):
        read_group_ahp_matrices(tmp_path / "m.csv")
