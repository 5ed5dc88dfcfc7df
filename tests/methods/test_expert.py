"""Tests of dtindex.methods.expert."""

from __future__ import annotations

import math
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from dtindex.errors import DataError, DtindexWarning, SpecError
from dtindex.methods.expert import OVERALL, expert_weights, kendall_w, read_expert_scores

# ---------------------------------------------------------------------------
# Kendall's W: published example and cross-checks
# ---------------------------------------------------------------------------

# NAG Library, routine G08DAF (nagf_nonpar_concordance_kendall), documented example
# program "g08dafe" (data after Siegel 1956, Nonparametric Statistics for the
# Behavioral Sciences): 3 comparisons of 10 objects, with tied ranks.
# Printed results: "Kendall's coefficient = 0.828", "Significance = 0.008".
NAG_G08DA = np.array(
    [
        [1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0],
        [2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5],
        [2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0],
    ]
)


def test_kendall_w_nag_g08da_published_example():
    r = kendall_w(NAG_G08DA)
    assert round(r.kendall_w, 3) == 0.828
    assert round(r.p_value, 3) == 0.008
    assert (r.m, r.n, r.df) == (3, 10, 9)
    # by hand: rank sums 5.5 6.5 9 13.5 12 20 23 23.5 25.5 26.5, mean 16.5 -> S = 591;
    # ties: judge 1: 2 pairs (12), judge 2: 3 pairs (18), judge 3: 4 + 3 (60 + 24) -> sum T = 114;
    # W = 12 * 591 / (9 * 990 - 3 * 114) = 7092 / 8568
    assert r.S == 591.0 and r.ties == 114.0
    assert r.kendall_w == pytest.approx(7092 / 8568, rel=1e-12)
    assert r.chi2 == pytest.approx(3 * 9 * 7092 / 8568, rel=1e-12)


def test_kendall_w_equals_friedman_tie_corrected_chi2_scipy():
    chi2, p = stats.friedmanchisquare(*NAG_G08DA.T)
    r = kendall_w(NAG_G08DA)
    assert r.chi2 == pytest.approx(chi2, rel=1e-12)
    assert r.p_value == pytest.approx(p, rel=1e-12)
    assert r.p_value == pytest.approx(stats.chi2.sf(r.chi2, 9), rel=1e-12)


def test_kendall_w_extremes():
    assert kendall_w([[1, 2, 3, 4]] * 5).kendall_w == pytest.approx(1.0)
    assert kendall_w([[1, 2, 3, 4], [4, 3, 2, 1]]).kendall_w == pytest.approx(0.0)
    # scores (not ranks) are ranked first: monotone transforms do not matter
    assert kendall_w([[10, 20, 35], [1, 3, 2]]).kendall_w == kendall_w([[1, 2, 3], [1, 3, 2]]).kendall_w


def test_kendall_w_undefined_cases():
    assert math.isnan(kendall_w([[1, 2, 3]]).kendall_w)  # one judge
    assert math.isnan(kendall_w([[1], [2]]).kendall_w)  # one item
    r = kendall_w([[3, 3, 3], [5, 5, 5]])  # every judge ties everything
    assert math.isnan(r.kendall_w) and math.isnan(r.p_value)
    with pytest.raises(DataError, match="missing"):
        kendall_w([[1, np.nan], [1, 2]])


# ---------------------------------------------------------------------------
# Expert weights: a hand-computed sheet (3 experts x 4 indicators, 2 groups)
# ---------------------------------------------------------------------------

SHEET = pd.DataFrame(
    {"a": [5, 4, 3], "b": [3, 4, 4], "c": [2, 2, 5], "d": [4, 5, 1]},
    index=pd.Index(["E1", "E2", "E3"], name="expert"),
)
GROUPS = {"G1": ["a", "b"], "G2": ["c", "d"]}


def test_expert_weights_by_hand():
    res = expert_weights(SHEET, GROUPS)
    # G1: sums 12, 11 -> 12/23, 11/23; G2: sums 9, 10 -> 9/19, 10/19
    np.testing.assert_allclose(res.weights.to_numpy(), [12 / 23, 11 / 23, 9 / 19, 10 / 19])
    assert list(res.weights.index) == ["a", "b", "c", "d"]
    t = res.table
    assert t["parent"].tolist() == ["G1", "G1", "G2", "G2"]
    assert t["n_experts"].tolist() == [3, 3, 3, 3]
    np.testing.assert_allclose(t["sum"], [12, 11, 9, 10])
    np.testing.assert_allclose(t["mean"], [4, 11 / 3, 3, 10 / 3])
    # sample sd: a: (1,0,1)/2 -> 1; b: var 1/3; c: var 3; d: var 13/3
    np.testing.assert_allclose(t["sd"], [1.0, math.sqrt(1 / 3), math.sqrt(3), math.sqrt(13 / 3)])
    np.testing.assert_allclose(t["cv"], t["sd"] / t["mean"])
    np.testing.assert_allclose(t["weight"], res.weights)


def test_expert_concordance_by_hand():
    c = expert_weights(SHEET, GROUPS).concordance.set_index("parent")
    assert list(c.index) == ["G1", "G2", OVERALL]
    # G1: ranks (a, b): E1 (2, 1), E2 (1.5, 1.5), E3 (1, 2): R = 4.5, 4.5 = m(n+1)/2 -> S = 0 -> W = 0
    assert c.loc["G1", "kendall_w"] == 0.0 and c.loc["G1", "p_value"] == pytest.approx(1.0)
    # G2: ranks (c, d): (1, 2), (1, 2), (2, 1): R = 4, 5; S = 0.5; no ties; W = 12 * 0.5 / (9 * 6) = 1/9
    assert c.loc["G2", "kendall_w"] == pytest.approx(1 / 9)
    assert c.loc["G2", "chi2"] == pytest.approx(1 / 3)
    assert c.loc["G2", "df"] == 1
    assert c.loc["G2", "p_value"] == pytest.approx(stats.chi2.sf(1 / 3, 1))
    # all four: R = 8.5, 7.5, 6, 8 (mean 7.5) -> S = 3.5; E2 ties a, b (T = 6)
    # W = 12 * 3.5 / (9 * 60 - 3 * 6) = 42 / 522
    assert c.loc[OVERALL, "kendall_w"] == pytest.approx(42 / 522)
    assert c.loc[OVERALL, "chi2"] == pytest.approx(3 * 3 * 42 / 522)
    assert c.loc[OVERALL, ["n_experts", "n_items", "df"]].tolist() == [3, 4, 3]
    chi2, p = stats.friedmanchisquare(*SHEET.to_numpy(dtype=float).T)
    assert c.loc[OVERALL, "p_value"] == pytest.approx(p)


def test_single_child_group_has_weight_one_and_no_w():
    res = expert_weights(SHEET, {"G1": ["a", "b", "c"], "G2": ["d"]})
    assert res.weights["d"] == 1.0
    conc = res.concordance.set_index("parent")
    assert math.isnan(conc.loc["G2", "kendall_w"]) and conc.loc["G2", "n_items"] == 1


def test_single_expert_warns_and_still_weights():
    with pytest.warns(DtindexWarning, match=r"only one expert \(E1\).*Kendall's W cannot be computed.*single opinion"):
        res = expert_weights(SHEET.iloc[:1], GROUPS)
    np.testing.assert_allclose(res.weights.to_numpy(), [5 / 8, 3 / 8, 2 / 6, 4 / 6])
    assert res.concordance["kendall_w"].isna().all()
    assert res.table["sd"].isna().all()


def test_group_where_everyone_ties_warns():
    s = pd.DataFrame({"a": [3, 4], "b": [3, 4], "c": [1, 5]}, index=["E1", "E2"])
    with pytest.warns(DtindexWarning, match="in group G every expert gave all children the same score"):
        res = expert_weights(s, {"G": ["a", "b"], "H": ["c"]})
    np.testing.assert_allclose(res.weights[["a", "b"]], [0.5, 0.5])


# ---------------------------------------------------------------------------
# Validation messages
# ---------------------------------------------------------------------------


def test_out_of_range_message_from_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("expert,cloud,ai\nE01,5,4\nE02,3,3\nE03,7,2\n", encoding="utf-8")
    scores = read_expert_scores(path)
    with pytest.raises(DataError) as err:
        expert_weights(scores, {"infra": ["cloud", "ai"]})
    assert str(err.value) == "scores.csv row 4 (expert E03): value 7 in column cloud is outside 1–5."


def test_invalid_cells_are_all_named():
    s = SHEET.astype(object)
    s.loc["E1", "a"] = 0
    s.loc["E2", "c"] = 2.5
    s.loc["E3", "d"] = np.nan
    s.loc["E3", "b"] = "high"
    with pytest.raises(DataError) as err:
        expert_weights(s, GROUPS, source="sheet.xlsx")
    msg = str(err.value)
    assert "sheet.xlsx row 4 (expert E3): missing value in column d" in msg
    assert 'sheet.xlsx row 4 (expert E3): value "high" in column b is not a number' in msg
    assert "sheet.xlsx row 3 (expert E2): value 2.5 in column c is not a whole number (1–5)" in msg
    assert "sheet.xlsx row 2 (expert E1): value 0 in column a is outside 1–5" in msg


def test_scale_parameter():
    s = SHEET * 2  # 1-10 scale
    with pytest.raises(DataError, match="outside 1–5"):
        expert_weights(s, GROUPS)
    res = expert_weights(s, GROUPS, scale=(1, 10))
    np.testing.assert_allclose(res.weights, expert_weights(SHEET, GROUPS).weights)
    with pytest.raises(SpecError, match="scale must be two integers"):
        expert_weights(SHEET, GROUPS, scale=(5, 1))


def test_column_outside_groups_and_missing_children():
    with pytest.raises(DataError, match=r"column\(s\) d belong to no group; groups: G1: a, b; G2: c"):
        expert_weights(SHEET, {"G1": ["a", "b"], "G2": ["c"]})
    with pytest.raises(DataError, match=r"no score column for node\(s\) e, f; available columns: a, b, c, d"):
        expert_weights(SHEET, {"G1": ["a", "b", "e"], "G2": ["c", "d", "f"]})


def test_bad_groups():
    with pytest.raises(SpecError, match="node a is listed in group G2 and also in group G1"):
        expert_weights(SHEET, {"G1": ["a", "b"], "G2": ["c", "d", "a"]})
    with pytest.raises(SpecError, match="node a is listed twice in group G1"):
        expert_weights(SHEET, {"G1": ["a", "b", "a"], "G2": ["c", "d"]})
    with pytest.raises(SpecError, match="group G2 has no children"):
        expert_weights(SHEET, {"G1": ["a", "b", "c", "d"], "G2": []})
    with pytest.raises(SpecError, match="must be a list of codes"):
        expert_weights(SHEET, {"G1": "abcd"})


def test_duplicate_expert_ids_in_frame():
    s = SHEET.copy()
    s.index = ["E1", "E2", "E1"]
    with pytest.raises(DataError, match=r"duplicate expert id\(s\) E1 \(rows 2, 4\)"):
        expert_weights(s, GROUPS)


def test_not_a_frame():
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        expert_weights(SHEET.to_numpy(), GROUPS)


def test_deterministic():
    a, b = expert_weights(SHEET, GROUPS), expert_weights(SHEET.copy(), GROUPS)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.concordance, b.concordance)


# ---------------------------------------------------------------------------
# Reading scoring sheets
# ---------------------------------------------------------------------------


def test_read_csv_with_bom_and_trailing_blank_lines(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("\ufeffexpert,a,b,c,d\nE1,5,3,2,4\nE2,4,4,2,5\nE3,3,4,5,1\n\n\n", encoding="utf-8")
    df = read_expert_scores(path)
    assert df.index.name == "expert" and list(df.index) == ["E1", "E2", "E3"]
    assert list(df.columns) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(df.to_numpy(), SHEET.to_numpy())
    assert df.attrs["source"] == "scores.csv" and df.attrs["file_rows"] == [2, 3, 4]
    np.testing.assert_allclose(expert_weights(df, GROUPS).weights, expert_weights(SHEET, GROUPS).weights)


def test_read_csv_non_number_and_file_row_numbers(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("expert,cloud,ai\nE1,5,4\n\nE2,x,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r'^scores.csv row 4: value "x" in column cloud is not a number\.$'):
        read_expert_scores(path)
    # a blank line in the middle still counts in the row numbers later messages use
    path.write_text("expert,cloud,ai\nE1,5,4\n\nE2,9,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^scores.csv row 4 \(expert E2\): value 9 in column cloud is outside 1–5\.$"):
        expert_weights(read_expert_scores(path), {"g": ["cloud", "ai"]})


def test_read_csv_missing_cell_reported_by_weights(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("expert,cloud,ai\nE1,5,\nE2,4,3\n", encoding="utf-8")
    df = read_expert_scores(path)
    with pytest.raises(DataError, match=r"s.csv row 2 \(expert E1\): missing value in column ai"):
        expert_weights(df, {"g": ["cloud", "ai"]})


@pytest.mark.parametrize(
    "text, message",
    [
        ("expert,a,b\nE1,1,2\nE1,3,4\n", r"duplicate expert id\(s\) E1 \(rows 2, 3\)"),
        ("expert,a,a\nE1,1,2\n", r"row 1: duplicate column header\(s\) a"),
        ("expert,a,\nE1,1,2\n", "row 1: column 3 has values but no header"),
        ("expert,a\n,1\n", r"row 2: the expert id \(expert\) is empty"),
        ("expert\nE1\n", "no indicator columns"),
        ("expert,a\n", "no expert rows"),
    ],
)
def test_read_csv_errors(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_expert_scores(path)


def test_read_expert_column_option(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("a,id,b\n5,E1,3\n4,E2,4\n", encoding="utf-8")
    df = read_expert_scores(path, expert_column="id")
    assert list(df.index) == ["E1", "E2"] and list(df.columns) == ["a", "b"]
    with pytest.raises(DataError, match="no expert id column 'who'; columns: a, id, b"):
        read_expert_scores(path, expert_column="who")


def test_read_excel_first_sheet_and_named_sheet(tmp_path):
    path = tmp_path / "scores.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "round1"
    for row in (["expert", "a", "b"], ["E1", 5, 3], [2, 4, "4"]):  # numeric id, number stored as text
        ws.append(row)
    ws2 = wb.create_sheet("round2")
    for row in (["expert", "a", "b"], ["E1", 1, "n/a"]):
        ws2.append(row)
    wb.save(path)
    df = read_expert_scores(path)
    assert list(df.index) == ["E1", "2"]
    np.testing.assert_array_equal(df.to_numpy(), [[5, 3], [4, 4]])
    with pytest.raises(DataError, match=r'scores.xlsx row 2: value "n/a" in column b is not a number'):
        read_expert_scores(path, sheet="round2")
    with pytest.raises(DataError, match="no sheet 'round3'; sheets: round1, round2"):
        read_expert_scores(path, sheet="round3")


def test_read_file_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_expert_scores(tmp_path / "none.csv")
    p = tmp_path / "s.json"
    p.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported file type '.json'"):
        read_expert_scores(p)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@st.composite
def sheets(draw):
    m = draw(st.integers(2, 8))
    k = draw(st.integers(2, 7))
    A = draw(hnp.arrays(np.int64, (m, k), elements=st.integers(1, 5)))
    cut = draw(st.integers(1, k - 1))
    perm = draw(st.permutations(range(m)))
    codes = [f"i{j}" for j in range(k)]
    frame = pd.DataFrame(A, index=[f"E{i}" for i in range(m)], columns=codes)
    return frame, {"P": codes[:cut], "Q": codes[cut:]}, np.array(perm)


@settings(max_examples=60, deadline=None)
@given(sheets())
def test_property_weights_sum_to_one_per_group_and_expert_order_irrelevant(case):
    frame, groups, perm = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtindexWarning)
        res = expert_weights(frame, groups)
        shuffled = expert_weights(frame.iloc[perm], groups)
    assert (res.weights > 0).all()
    for parent, children in groups.items():
        assert res.weights[children].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(shuffled.weights, res.weights, rtol=1e-12)
    w1, w2 = res.concordance["kendall_w"].to_numpy(), shuffled.concordance["kendall_w"].to_numpy()
    np.testing.assert_allclose(w1, w2, rtol=1e-9, atol=1e-12)
    finite = w1[~np.isnan(w1)]
    assert ((finite >= -1e-12) & (finite <= 1 + 1e-12)).all()
