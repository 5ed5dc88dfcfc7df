"""Item analyses and sample adequacy on hand-computed small surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dtindex.errors import DataError, SpecError
from dtindex.survey import Design
from dtindex.survey.adequacy import (
    adequacy_table,
    margin_of_error,
    required_sample_size,
)
from dtindex.survey.items import (
    cronbach_alpha,
    heat_table,
    likert_table,
    mean_by,
    multi_choice,
    single_choice,
)
from dtindex.survey.spec import parse_questionnaire

SPEC = parse_questionnaire({
    "code": "t", "title": "t",
    "questions": [
        {"code": "S", "text": "size", "type": "single",
         "options": [{"code": 1, "label": "small"}, {"code": 2, "label": "large"}]},
        {"code": "M", "text": "uses", "type": "multi",
         "options": [{"code": 1, "label": "a"}, {"code": 2, "label": "b"}, {"code": 3, "label": "c"}]},
        {"code": "L", "text": "grid", "type": "matrix",
         "scale": {"min": 1, "max": 4, "top": [3, 4], "labels": ["w", "x", "y", "z"]},
         "items": [{"code": "L1", "text": "one"}, {"code": "L2", "text": "two"}]},
    ]})


@pytest.fixture()
def survey():
    df = pd.DataFrame({
        "S": pd.Categorical([1, 1, 2, 2, 1], categories=[1, 2]),
        "M_1": [1.0, 0, 1, np.nan, 1], "M_2": [1.0, 1, 0, np.nan, 0], "M_3": [0.0, 0, 1, np.nan, 0],
        "L1": [1.0, 2, 3, 4, 4], "L2": [4.0, 4, 3, np.nan, 3],
        "w": [1.0, 2.0, 1.0, 1.0, 3.0]})
    return df, Design(df, weights="w")


def test_single_choice_weighted_shares(survey):
    _, d = survey
    tab = single_choice(d, SPEC.question("S"), lang="en")
    assert tab["label"].tolist() == ["small", "large"]
    assert tab["n"].tolist() == [3, 2]
    assert tab["share"].tolist() == pytest.approx([6 / 8, 2 / 8])


def test_multi_choice_percent_of_respondents_and_responses(survey):
    _, d = survey
    mc = multi_choice(d, SPEC.question("M"), lang="en", sort=False)
    # respondents: rows 1, 2, 3, 5 (weights 1, 2, 1, 3 -> 7); row 4 did not answer
    assert mc.base_n == 4
    assert mc.options["pct_respondents"].tolist() == pytest.approx([5 / 7, 3 / 7, 1 / 7])
    # selections weighted: a 1 + 1 + 3 = 5, b 1 + 2 = 3, c 1 -> 9
    assert mc.options["pct_responses"].tolist() == pytest.approx([5 / 9, 3 / 9, 1 / 9])
    assert mc.options["n"].tolist() == [3, 2, 1]
    # number chosen: 2 (w 1), 1 (w 2), 2 (w 1), 1 (w 3)
    assert mc.counts["chosen"].tolist() == [1, 2]
    assert mc.counts["share"].tolist() == pytest.approx([5 / 7, 2 / 7])
    assert multi_choice(d, SPEC.question("M")).options["label"].tolist()[0] == "a"  # sorted by share
    with pytest.raises(DataError, match="S is a single question"):
        multi_choice(d, SPEC.question("S"))


def test_likert_table_top_box_mean_and_order(survey):
    _, d = survey
    tab = likert_table(d, SPEC.question("L"), lang="en")
    # L1: points 1,2,3,4,4 with weights 1,2,1,1,3 (8); top box 3+4: 1 + 1 + 3 = 5 -> 5/8
    # L2: 4,4,3,-,3 with weights 1,2,1,3 (7); top box 7/7
    assert tab["item"].tolist() == ["L2", "L1"]
    l1 = tab.set_index("item").loc["L1"]
    assert l1[["w", "x", "y", "z"]].tolist() == pytest.approx([1 / 8, 2 / 8, 1 / 8, 4 / 8])
    assert l1["top_box"] == pytest.approx(5 / 8)
    assert l1["mean"] == pytest.approx((1 + 4 + 3 + 4 + 12) / 8)
    assert tab.set_index("item").loc["L2", "top_box"] == pytest.approx(1.0)


def test_mean_by_and_heat_table(survey):
    _, d = survey
    mb = mean_by(d, "L1", "S", labels={1: "small", 2: "large"})
    assert mb["group"].tolist() == ["small", "large", "all"]
    assert mb["mean"].tolist() == pytest.approx([(1 + 4 + 12) / 6, (3 + 4) / 2, 24 / 8])
    assert mb["n"].tolist() == [3, 2, 5]
    heat, bases = heat_table(d, SPEC.question("M"), "S", lang="en", group_labels={1: "small", 2: "large"})
    # option a: small rows (w 1, 2, 3) chose 1, 0, 1 -> 4/6; large answered row 3 only -> 1
    assert heat.loc["a", "small"] == pytest.approx(4 / 6)
    assert heat.loc["a", "large"] == pytest.approx(1.0)
    assert heat.loc["a", "all"] == pytest.approx(5 / 7)
    assert bases["n"].tolist() == [3, 1, 4]


def test_cronbach_alpha_by_hand():
    # items a, b, c; item variances 2.5, 2.3, 1.5; total scores 4, 7, 9, 13, 14 (variance 17.3)
    d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4], "d": [1, np.nan, 1, 1, 1]})
    res = cronbach_alpha(d, ["a", "b", "c"])
    assert res.alpha == pytest.approx(1.5 * (1 - 6.3 / 17.3))
    assert res.n == 5 and res.k == 3
    r = np.corrcoef(d[["a", "b", "c"]].to_numpy(float), rowvar=False)
    rbar = (r.sum() - 3) / 6
    assert res.standardized == pytest.approx(3 * rbar / (1 + 2 * rbar))
    a_del = res.items.set_index("item").loc["a", "alpha_if_deleted"]
    bc = d[["b", "c"]].to_numpy(float)
    assert a_del == pytest.approx(2 * (1 - (2.3 + 1.5) / bc.sum(axis=1).var(ddof=1)))
    assert res.items.set_index("item").loc["a", "item_total_r"] == pytest.approx(
        stats.pearsonr(d["a"], d["b"] + d["c"])[0])
    assert cronbach_alpha(d, ["a", "d"]).n == 4  # listwise deletion
    with pytest.raises(DataError, match="at least two items"):
        cronbach_alpha(d, ["a"])
    with pytest.raises(DataError, match="columns zz are not in the data"):
        cronbach_alpha(d, ["a", "zz"])


def test_sample_size_and_margin_of_error_cochran():
    # Cochran (1977) eq. 4.2 and 4.3: n0 = 1.96^2 * .25 / .05^2 = 384.16 -> 385; N = 10,000 -> 370
    assert required_sample_size(0.05) == 385
    assert required_sample_size(0.05, population=10_000) == 370
    assert required_sample_size(0.03, confidence=0.99) == int(np.ceil(stats.norm.ppf(0.995) ** 2 * 0.25 / 0.0009))
    assert required_sample_size(0.05, deff=2) == 769
    z = stats.norm.ppf(0.975)
    assert margin_of_error(2887) == pytest.approx(z * np.sqrt(0.25 / 2887))
    assert margin_of_error(400, population=1000) == pytest.approx(z * np.sqrt(0.25 / 400) * np.sqrt(600 / 999))
    assert margin_of_error(np.array([100, 400])).tolist() == pytest.approx([z * 0.05, z * 0.025])
    # the fpc formulas invert each other
    n = required_sample_size(0.04, population=5000)
    assert margin_of_error(n, population=5000) <= 0.04 < margin_of_error(n - 1, population=5000)
    with pytest.raises(SpecError, match="margin must be a fraction"):
        required_sample_size(3)


def test_adequacy_table_by_group(survey):
    df, _ = survey
    tab = adequacy_table(df, ["S"], weights=df["w"], labels={"S": {1: "small", 2: "large"}})
    assert tab["group"].tolist() == ["all", "small", "large"]
    assert tab["n"].tolist() == [5, 3, 2]
    deff_small = 3 * (1 + 4 + 9) / 36
    assert tab.loc[1, "deff"] == pytest.approx(deff_small)
    assert tab.loc[1, "margin_of_error"] == pytest.approx(margin_of_error(3, deff=deff_small))
