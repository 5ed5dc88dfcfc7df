"""Tests of dtindex.methods.ahp."""

from __future__ import annotations

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import DataError, DtindexWarning, SpecError
from dtindex.methods.ahp import RI_SAATY, ahp, parse_judgement, read_ahp_matrices

# ---------------------------------------------------------------------------
# Published worked example
# ---------------------------------------------------------------------------

# Saaty, T. L. (1990). How to make a decision: The Analytic Hierarchy Process.
# European Journal of Operational Research 48(1), 9-26 -- "choosing the best
# house" example (also in Saaty 1980, The Analytic Hierarchy Process), pairwise
# comparison matrix of the eight criteria at level 2 (Table 2 there): size of
# house, transportation, neighbourhood, age, yard space, modern facilities,
# general condition, financing. Printed: priority vector .173 .054 .188 .018
# .031 .036 .167 .333, lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169.
HOUSE = np.array(
    [
        [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
        [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
        [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
        [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
        [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
        [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
        [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
        [4, 7, 5, 8, 6, 6, 2, 1],
    ]
)
HOUSE_LABELS = ["size", "transport", "neighbourhood", "age", "yard", "facilities", "condition", "financing"]


def test_saaty_1990_house_example():
    res = ahp(pd.DataFrame(HOUSE, index=HOUSE_LABELS, columns=HOUSE_LABELS))
    np.testing.assert_array_equal(
        res.weights.round(3).to_numpy(), [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    )
    assert list(res.weights.index) == HOUSE_LABELS
    assert round(res.lambda_max, 3) == 9.669
    assert round(res.ci, 3) == 0.238
    assert round(res.cr, 3) == 0.169
    assert res.ri == 1.41 and res.n == 8
    assert res.consistent is False  # 0.169 > 0.1: Saaty asks to revise these judgements


# ---------------------------------------------------------------------------
# Hand-computed cases
# ---------------------------------------------------------------------------


def test_two_by_two_is_always_consistent():
    res = ahp([[1, 3], [1 / 3, 1]], labels=["a", "b"])
    np.testing.assert_allclose(res.weights.to_numpy(), [0.75, 0.25])
    assert res.cr == 0.0 and res.ci == 0.0 and res.consistent
    assert res.ri == 0.0


def test_single_element():
    res = ahp([[1]])
    assert res.weights.tolist() == [1.0]
    assert res.n == 1 and res.cr == 0.0 and res.consistent


def test_consistent_three_by_three_recovers_weights():
    w = np.array([0.5, 0.3, 0.2])
    A = w[:, None] / w[None, :]
    res = ahp(A)
    np.testing.assert_allclose(res.weights.to_numpy(), w, atol=1e-12)
    assert res.lambda_max == pytest.approx(3.0, abs=1e-12)
    assert res.cr == pytest.approx(0.0, abs=1e-12)
    assert res.ri == 0.58


def test_inconsistent_three_by_three_by_hand():
    # a > b, b > c and c > a, each by a factor 2: a circulant matrix, so the principal eigenvector is
    # uniform and lambda_max is the common row sum 1 + 2 + 1/2 = 3.5; CI = 0.5 / 2 = 0.25, CR = 0.25 / 0.58.
    A = [[1, 2, 0.5], [0.5, 1, 2], [2, 0.5, 1]]
    res = ahp(A)
    np.testing.assert_allclose(res.weights.to_numpy(), [1 / 3] * 3, atol=1e-12)
    assert res.lambda_max == pytest.approx(3.5)
    assert res.ci == pytest.approx(0.25)
    assert res.cr == pytest.approx(0.25 / 0.58)
    assert not res.consistent


def test_threshold_parameter():
    A = [[1, 2, 0.5], [0.5, 1, 2], [2, 0.5, 1]]
    assert ahp(A, threshold=0.5).consistent


def test_dataframe_columns_reordered_to_rows_and_fraction_strings():
    df = pd.DataFrame([["1", "1/3", 3], [3, 1, "9"], ["1/3", "1/9", 1]], index=["x", "y", "z"], columns=["x", "y", "z"])
    shuffled = df[["z", "x", "y"]]
    a, b = ahp(df), ahp(shuffled)
    pd.testing.assert_series_equal(a.weights, b.weights)


def test_ri_table_values_are_saatys():
    assert [RI_SAATY[n] for n in range(1, 11)] == [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]


def test_order_beyond_table_needs_ri_table():
    n = 11
    A = np.ones((n, n))
    with pytest.raises(SpecError, match="n = 11"):
        ahp(A)
    res = ahp(A, ri_table={11: 1.51})
    assert res.ri == 1.51 and res.cr == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def test_not_square():
    with pytest.raises(SpecError, match="square"):
        ahp([[1, 2, 3], [0.5, 1, 2]])


def test_non_positive_named():
    with pytest.raises(SpecError, match=r"cell \[b, a\] is 0"):
        ahp([[1, 2], [0, 1]], labels=["a", "b"])


def test_not_reciprocal_names_cell():
    A = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 3, 1]]  # [b, c] = 2 but [c, b] = 1/3
    with pytest.raises(SpecError, match=r"\[b, c\] = 2 vs \[c, b\] = 0.333333"):
        ahp(A, labels=["a", "b", "c"])


def test_reciprocal_tolerance_accepts_three_decimals():
    res = ahp([[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]])
    assert res.n == 3
    with pytest.raises(SpecError, match="not reciprocal"):
        ahp([[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]], reciprocal_tol=1e-6)


def test_diagonal_must_be_one():
    with pytest.raises(SpecError, match=r"diagonal cell \[b, b\] is 2"):
        ahp([[1, 2], [0.5, 2]], labels=["a", "b"])


def test_outside_saaty_scale_warns_or_errors():
    A = [[1, 12], [1 / 12, 1]]
    with pytest.warns(DtindexWarning, match=r"outside Saaty's scale.*\[a, b\] = 12"):
        res = ahp(A, labels=["a", "b"])
    np.testing.assert_allclose(res.weights.to_numpy(), [12 / 13, 1 / 13])
    with pytest.raises(SpecError, match="outside Saaty's scale"):
        ahp(A, labels=["a", "b"], outside_scale="error")
    with pytest.raises(SpecError, match="The 'outside_scale' parameter of AHP matrix must be one of"):
        ahp(A, outside_scale="ignore")


def test_one_ninth_written_as_decimal_is_on_scale():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ahp([[1, 0.111], [9, 1]])


def test_dataframe_labels_must_match():
    df = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["a", "c"])
    with pytest.raises(SpecError, match="only in rows: b; only in columns: c"):
        ahp(df)


def test_empty_and_text_cells():
    with pytest.raises(SpecError, match=r"cell \[0, 1\].*not a number"):
        ahp([[1, "abc"], [1, 1]])
    with pytest.raises(SpecError, match=r"cell \[0, 1\] is empty"):
        ahp(np.array([[1, None], [1, 1]], dtype=object))


def test_parse_judgement():
    assert parse_judgement("1/3") == pytest.approx(1 / 3)
    assert parse_judgement(" 2 / 4 ") == 0.5
    assert parse_judgement("7") == 7.0
    assert parse_judgement("") is None and parse_judgement(float("nan")) is None
    for bad in ("x", "1/0", "inf", True):
        with pytest.raises(ValueError):
            parse_judgement(bad)


def test_deterministic():
    a, b = ahp(HOUSE), ahp(HOUSE)
    assert np.array_equal(a.weights.to_numpy(), b.weights.to_numpy()) and a.cr == b.cr


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1.0, 3.0), min_size=3, max_size=9))
def test_consistent_matrix_returns_its_weight_vector(raw):
    w = np.array(raw) / np.sum(raw)
    A = w[:, None] / w[None, :]
    res = ahp(A)
    np.testing.assert_allclose(res.weights.to_numpy(), w, rtol=1e-9, atol=1e-12)
    assert abs(res.cr) < 1e-9 and res.consistent


SAATY_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7, 1 / 8, 1 / 9]


@st.composite
def reciprocal_matrices(draw):
    n = draw(st.integers(3, 8))
    A = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            A[i, j] = draw(st.sampled_from(SAATY_VALUES))
            A[j, i] = 1.0 / A[i, j]
    perm = draw(st.permutations(range(n)))
    return A, np.array(perm)


@settings(max_examples=60, deadline=None)
@given(reciprocal_matrices())
def test_weights_positive_sum_one_and_permutation_equivariant(case):
    A, perm = case
    res = ahp(A)
    w = res.weights.to_numpy()
    assert (w > 0).all() and w.sum() == pytest.approx(1.0)
    assert res.lambda_max >= res.n - 1e-9  # Perron root of a positive reciprocal matrix is >= n
    permuted = ahp(A[np.ix_(perm, perm)])
    np.testing.assert_allclose(permuted.weights.to_numpy(), w[perm], rtol=1e-8, atol=1e-12)
    assert permuted.cr == pytest.approx(res.cr, abs=1e-9)


# ---------------------------------------------------------------------------
# Reading matrices from files
# ---------------------------------------------------------------------------


def _workbook(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def test_read_excel_one_sheet_per_parent(tmp_path):
    path = tmp_path / "ahp.xlsx"
    _workbook(
        path,
        {
            "infra": [
                ["", "cloud", "ai", "security"],
                ["cloud", None, 3, "5"],
                ["ai", None, None, "1/3"],  # lower triangle left blank, fraction as text
                ["security", None, None, 1],
            ],
            "platform": [
                ["", "pay", "shop"],
                ["shop", "1/2", 1],  # rows in another order than columns
                ["pay", 1, 2],
            ],
        },
    )
    mats = read_ahp_matrices(path)
    assert list(mats) == ["infra", "platform"]
    infra = mats["infra"]
    assert list(infra.index) == ["cloud", "ai", "security"] == list(infra.columns)
    np.testing.assert_allclose(infra.to_numpy(), [[1, 3, 5], [1 / 3, 1, 1 / 3], [1 / 5, 3, 1]])
    plat = mats["platform"]
    assert list(plat.index) == ["shop", "pay"]
    np.testing.assert_allclose(plat.to_numpy(), [[1, 0.5], [2, 1]])
    np.testing.assert_allclose(ahp(plat).weights.to_numpy(), [1 / 3, 2 / 3])


def test_read_excel_errors(tmp_path):
    path = tmp_path / "bad.xlsx"
    _workbook(path, {"g": [["", "a", "b"], ["a", 1, 3], ["b", 0.5, 1]]})
    with pytest.raises(DataError, match=r"sheet 'g': conflicting judgements: \(a, b\) = 3 at cell C2 but \(b, a\) = 0.5 at cell B3"):
        read_ahp_matrices(path)
    _workbook(path, {"g": [["", "a", "b"], ["a", 1, "three"], ["b", None, 1]]})
    with pytest.raises(DataError, match=r"cell C2 \(row a, column b\): \"three\" is not a number"):
        read_ahp_matrices(path)
    _workbook(path, {"g": [["", "a", "b", "c"], ["a", 1, 2, None], ["b", None, 1, 2], ["c", None, None, 1]]})
    with pytest.raises(DataError, match=r"no judgement for pair\(s\) \(a, c\)"):
        read_ahp_matrices(path)
    _workbook(path, {"g": [["", "a", "b"], ["a", 1, "n/a"], ["b", 2, 1]]})
    with pytest.raises(DataError, match=r"cell C2 \(row a, column b\): \"n/a\" is not a number"):
        read_ahp_matrices(path)
    _workbook(path, {"g": [["", "a", "b"], ["a", 1, 2], ["c", None, 1]]})
    with pytest.raises(DataError, match="only in rows: c; only in columns: b"):
        read_ahp_matrices(path)
    _workbook(path, {"g": [["", "a", "b"], ["a", 2, 2], ["b", None, 1]]})
    with pytest.raises(DataError, match=r"diagonal \(a, a\) at cell B2 is 2"):
        read_ahp_matrices(path)


def test_read_long_csv_upper_triangle(tmp_path):
    path = tmp_path / "ahp.csv"
    path.write_text(
        "\ufeffparent,row,col,value\n"
        "infra,cloud,ai,3\n"
        "infra,cloud,security,5\n"
        "infra,ai,security,1/3\n"
        "platform,pay,shop,2\n"
        "platform,shop,pay,0.5\n"  # both directions, reciprocal: fine
        "\n",
        encoding="utf-8",
    )
    mats = read_ahp_matrices(path)
    np.testing.assert_allclose(mats["infra"].to_numpy(), [[1, 3, 5], [1 / 3, 1, 1 / 3], [1 / 5, 3, 1]])
    assert list(mats["platform"].index) == ["pay", "shop"]
    np.testing.assert_allclose(mats["platform"].to_numpy(), [[1, 2], [0.5, 1]])


@pytest.mark.parametrize(
    "body, message",
    [
        ("g,a,b,3\ng,b,a,3\n", r"conflicting judgements: \(a, b\) = 3 at line 2 but \(b, a\) = 3 at line 3"),
        ("g,a,b,3\ng,a,b,4\n", r"\(a, b\) is given twice with different values: 3 \(line 2\) and 4 \(line 3\)"),
        ("g,a,b,3\ng,b,c,2\n", r"no judgement for pair\(s\) \(a, c\)"),
        ("g,a,b,x\n", r"line 2: value \"x\" is not a number"),
        ("g,a,b,\n", "line 2: value is empty"),
        ("g,,b,2\n", "line 2: column row is empty"),
        ("g,a,b,-2\n", "judgements must be > 0"),
        ("g,a,a,2\ng,a,b,2\n", r"diagonal \(a, a\) at line 2 is 2"),
    ],
)
def test_read_long_csv_errors(tmp_path, body, message):
    path = tmp_path / "m.csv"
    path.write_text("parent,row,col,value\n" + body, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_ahp_matrices(path)


def test_read_errors_for_file_and_columns(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_ahp_matrices(tmp_path / "nope.csv")
    p = tmp_path / "m.txt"
    p.write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported file type '.txt'"):
        read_ahp_matrices(p)
    p = tmp_path / "m.csv"
    p.write_text("parent,from,to,value\ng,a,b,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column.*row, col; expected parent,row,col,value; found parent, from, to, value"):
        read_ahp_matrices(p)


# ---------------------------------------------------------------------------
# Row geometric mean, random-index tables (issue 15)
# ---------------------------------------------------------------------------


def test_geometric_mean_priorities_by_hand():
    # g = (1*3*5)^(1/3), (1/3*1*3)^(1/3), (1/5*1/3*1)^(1/3) = 2.4662, 1, 0.4055 -> / 3.8717
    A = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    res = ahp(A, priority="geometric")
    g = np.array([15 ** (1 / 3), 1.0, (1 / 15) ** (1 / 3)])
    np.testing.assert_allclose(res.weights.to_numpy(), g / g.sum())
    w = g / g.sum()
    lam = np.mean((np.array(A) @ w) / w)
    assert res.lambda_max == pytest.approx(lam) and res.cr == pytest.approx((lam - 3) / 2 / 0.58)
    assert res.priority == "geometric" and ahp(A).priority == "eigenvector"


def test_geometric_mean_equals_eigenvector_on_consistent_matrices():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    A = w[:, None] / w[None, :]
    np.testing.assert_allclose(ahp(A, priority="geometric").weights, ahp(A).weights)
    np.testing.assert_allclose(ahp(A, priority="geometric").weights, w)


def test_extended_ri_table_to_fifteen():
    from dtindex.methods.ahp import RI_SAATY_EXTENDED, RI_SOURCES

    assert [RI_SAATY_EXTENDED[n] for n in range(11, 16)] == [1.51, 1.48, 1.56, 1.57, 1.59]
    assert all(RI_SAATY_EXTENDED[n] == RI_SAATY[n] for n in range(1, 11))
    A = np.ones((12, 12))
    A[0, 1], A[1, 0] = 2.0, 0.5
    res = ahp(A, ri_table="saaty_extended")
    assert res.ri == 1.48 and res.ri_source == RI_SOURCES["saaty_extended"]
    assert res.cr == pytest.approx(res.ci / 1.48)
    with pytest.raises(SpecError, match="use the table 'saaty_extended'"):
        ahp(A)
    with pytest.raises(SpecError, match="n = 1..15"):
        ahp(np.ones((16, 16)), ri_table="saaty_extended")


def test_ri_table_given_with_string_keys_and_bad_values():
    A = [[1, 2, 0.5], [0.5, 1, 2], [2, 0.5, 1]]
    assert ahp(A, ri_table={"3": 0.52}).ri == 0.52
    assert ahp(A, ri_table={"3": 0.52}).ri_source == "random-index table given by the user"
    for bad, msg in [({3: 0}, "must be a number > 0"), ({"x": 1}, "is not a matrix order"), ([0.5], "ri_table must be")]:
        with pytest.raises(SpecError, match=msg):
            ahp(A, ri_table=bad)
    for t in (0, 1, -0.1, "0.1", True):
        with pytest.raises(SpecError, match="threshold must be a number between 0 and 1"):
            ahp(A, threshold=t)
