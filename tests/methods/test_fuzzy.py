"""Fuzzy comprehensive evaluation (issue 15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.errors import DataError, SpecError
from dtindex.methods.fuzzy import fuzzy_evaluate, fuzzy_hierarchy, membership_from_ratings, membership_from_values

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"
# hand computations for M(.,+); a printed worked example for M(^,v) is at the end of this file
A = [0.4, 0.3, 0.2, 0.1]
R = np.array([[0.5, 0.3, 0.2, 0.0], [0.2, 0.4, 0.3, 0.1], [0.1, 0.3, 0.5, 0.1], [0.0, 0.2, 0.4, 0.4]])


def test_weighted_average_operator_by_hand():
    res = fuzzy_evaluate(R, A, grades=["优", "良", "中", "差"], scores=[95, 85, 70, 55])
    # b = A R = (.2 + .06 + .02, .12 + .12 + .06 + .02, .08 + .09 + .10 + .04, .03 + .02 + .04) = (.28, .32, .31, .09)
    np.testing.assert_allclose(res.b.to_numpy(), [0.28, 0.32, 0.31, 0.09])
    assert res.grade == "良" and res.operator == "M(.,+)"
    assert res.score == pytest.approx(0.28 * 95 + 0.32 * 85 + 0.31 * 70 + 0.09 * 55)


def test_other_operators_by_hand():
    # M(^,v): max_j min(a_j, r_jk) = (.4, .3, .3, .1) -> / 1.1
    raw = fuzzy_evaluate(R, A, operator="M(^,v)").raw.to_numpy()
    np.testing.assert_allclose(raw, [0.4, 0.3, 0.3, 0.1])
    # M(.,v): max_j a_j r_jk = (.2, .12, .1, .04)
    np.testing.assert_allclose(fuzzy_evaluate(R, A, operator="M(.,v)").raw.to_numpy(), [0.2, 0.12, 0.1, 0.04])
    # M(^,+): min(1, sum_j min(a_j, r_jk)) = (.4 + .2 + .1 + 0, .3 + .3 + .2 + .1, .2 + .3 + .2 + .1, 0 + .1 + .1 + .1)
    res = fuzzy_evaluate(R, A, operator="M(^,+)")
    np.testing.assert_allclose(res.raw.to_numpy(), [0.7, 0.9, 0.8, 0.3])
    np.testing.assert_allclose(res.b.to_numpy(), np.array([0.7, 0.9, 0.8, 0.3]) / 2.7)


def test_hierarchy_stacks_child_evaluations():
    membership = pd.DataFrame(R, index=["a", "b", "c", "d"], columns=["优", "良", "中", "差"])
    tab = fuzzy_hierarchy({"X": ["a", "b"], "Y": ["c", "d"], "T": ["X", "Y"]},
                          {"a": 2, "b": 1, "c": 1, "d": 1, "X": 0.6, "Y": 0.4}, membership, root="T",
                          scores=[4, 3, 2, 1]).set_index("node")
    bx = (2 * R[0] + R[1]) / 3
    by = (R[2] + R[3]) / 2
    bt = 0.6 * bx + 0.4 * by
    np.testing.assert_allclose(tab.loc["T", ["优", "良", "中", "差"]].to_numpy(dtype=float), bt)
    assert tab.loc["T", "score"] == pytest.approx(bt @ [4, 3, 2, 1])
    assert tab.loc["a", "level"] == "membership" and tab.loc["X", "level"] == "evaluated"


def test_memberships_from_ratings_and_values():
    ratings = pd.DataFrame({"a": ["优", "良", "良", ""], "b": ["中", "中", "差", "差"]})
    M = membership_from_ratings(ratings, ["优", "良", "中", "差"])
    np.testing.assert_allclose(M.to_numpy(), [[1 / 3, 2 / 3, 0, 0], [0, 0, 0.5, 0.5]])  # the empty cell abstains
    with pytest.raises(DataError, match="row 3 column a"):
        membership_from_ratings(pd.DataFrame({"a": ["优", "好"]}), ["优", "良"])
    V = membership_from_values([55, 70, 95], [60, 75, 90])
    np.testing.assert_allclose(V.to_numpy(), [[1, 0, 0], [1 / 3, 2 / 3, 0], [0, 0, 1]])
    with pytest.raises(SpecError, match="increasing"):
        membership_from_values([1], [3, 2])
    with pytest.raises(SpecError, match="operator"):
        fuzzy_evaluate(R, A, operator="max-min")
    with pytest.raises(SpecError, match="in \\[0, 1\\]"):
        fuzzy_evaluate(R * 3, A)


def test_fuzzy_evaluate_command(tmp_path):
    codes = ["cloud", "ai", "devops", "meeting", "docs", "payment", "ecommerce", "ticketing"]
    rows = ["rater," + ",".join(codes), "R1," + ",".join(["优", "良"] * 4), "R2," + ",".join(["良", "中"] * 4),
            "R3," + ",".join(["优"] * 8)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["fuzzy", "evaluate", str(tmp_path / "r.csv"), "--framework", str(DEMO),
                                    "--grades", "优,良,中,差", "--scores", "95,85,70,55", "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "f.csv").set_index("node")
    assert out.loc["cloud", "优"] == pytest.approx(2 / 3) and out.loc["ai", "中"] == pytest.approx(1 / 3)
    assert list(out.index[:1]) == ["cloud"] and "DTI" in out.index
    assert abs(out.loc["DTI", ["优", "良", "中", "差"]].sum() - 1) < 1e-12
    bad = CliRunner().invoke(main, ["fuzzy", "evaluate", str(tmp_path / "r.csv"), "--framework", str(DEMO),
                                    "--grades", "优,良,中,差", "--scores", "95,85"])
    assert bad.exit_code == 1 and "--scores gives 2 numbers for 4 grades" in bad.output


def test_clothing_example_main_factor_operator_reproduces_printed_output():
    # Worked example "服装评判" (Example8_4), as printed with its MATLAB output on
    # https://e-com-net.com/article/1276296104417181696.htm (a Chinese mathematical-modelling text's example;
    # the book it comes from is not verified here). Factors 花色, 式样, 耐穿程度, 价格; grades 很欢迎, 较欢迎,
    # 不太欢迎, 不欢迎; operator "主因素决定型" = M(^,v). Printed results (unnormalised B):
    #   A1 = (0.1, 0.2, 0.3, 0.4)    -> B1 = (0.2, 0.3, 0.4, 0.1)   -> 不太欢迎
    #   A2 = (0.4, 0.35, 0.15, 0.1)  -> B2 = (0.35, 0.4, 0.2, 0.1)  -> 较欢迎
    # This checks M(^,v) only; no printed M(.,+) result with traceable numbers was found in the time available.
    Rc = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
    grades = ["很欢迎", "较欢迎", "不太欢迎", "不欢迎"]
    r1 = fuzzy_evaluate(Rc, [0.1, 0.2, 0.3, 0.4], operator="M(^,v)", grades=grades)
    np.testing.assert_allclose(r1.raw.to_numpy(), [0.2, 0.3, 0.4, 0.1])
    assert r1.grade == "不太欢迎"
    r2 = fuzzy_evaluate(Rc, [0.4, 0.35, 0.15, 0.1], operator="M(^,v)", grades=grades)
    np.testing.assert_allclose(r2.raw.to_numpy(), [0.35, 0.4, 0.2, 0.1])
    assert r2.grade == "较欢迎"


def test_lecture_clothing_example_normalised_output():
    # "第七讲 模糊综合评价法" lecture notes, Example 1 (顾客对某种衣服的欢迎程度), as stored at
    # https://m.wenku365.com/p-43535473.html: factors 花色, 样式, 价格, 耐用度, 舒适度 with
    # W = (0.1, 0.1, 0.15, 0.3, 0.35); grades 很欢迎, 欢迎, 一般, 不欢迎; composition ∧-∨ (M(^,v)).
    # Printed: B = (0.35, 0.30, 0.30, 0.15), sum 1.1, normalised B = (0.32, 0.27, 0.27, 0.14) (2 decimals).
    Rc = [[0.2, 0.5, 0.3, 0.0], [0.1, 0.3, 0.5, 0.1], [0.0, 0.1, 0.6, 0.3], [0.0, 0.4, 0.5, 0.1], [0.5, 0.3, 0.2, 0.0]]
    res = fuzzy_evaluate(Rc, [0.1, 0.1, 0.15, 0.3, 0.35], operator="M(^,v)", grades=["很欢迎", "欢迎", "一般", "不欢迎"])
    np.testing.assert_allclose(res.raw.to_numpy(), [0.35, 0.30, 0.30, 0.15])
    np.testing.assert_allclose(res.b.to_numpy().round(2), [0.32, 0.27, 0.27, 0.14])
    assert res.grade == "很欢迎"
