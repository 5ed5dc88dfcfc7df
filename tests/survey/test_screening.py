"""Validity screening rules, log and funnel, each checked on hand-made responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.survey.imports import read_responses
from dtindex.survey.screening import screen
from dtindex.survey.spec import Rule, parse_questionnaire

from .conftest import SURVEY


def test_fixture_funnel_by_hand(fixture_spec):
    # id 3: 45 s; id 6: attention 一般; id 4: all 一般 on Q3; id 5: same IP as id 2;
    # id 7: large firm (asked Q2) skipped Q2; id 9: second valid large firm beyond the quota of 1
    res = screen(read_responses(SURVEY / "wjx_style.csv", fixture_spec))
    assert res.funnel["remaining"].tolist() == [9, 8, 7, 6, 5, 4, 3, 3]
    assert res.funnel["removed"].tolist()[1:7] == [1, 1, 1, 1, 1, 1]
    assert res.n_received == 9 and res.n_valid == 3
    removed_ids = dict(zip(res.log["rule"], res.log["respondent_id"]))
    assert removed_ids == {"min_duration": "3", "attention:Q5": "6", "straightlining:Q3": "4", "duplicate": "5",
                           "required": "7", "quota:Q1": "9"}
    assert res.log.loc[res.log["rule"] == "duplicate", "detail"].item() == "same 来源IP as row 3"
    assert res.log.loc[res.log["rule"] == "required", "detail"].item() == "unanswered: Q2"
    assert res.valid.tolist() == [True, True, False, False, False, False, False, True, False]


def _frame(**cols):
    n = len(next(iter(cols.values())))
    base = {"respondent_id": [str(i) for i in range(1, n + 1)], "duration_s": [300.0] * n,
            "submitted_at": pd.to_datetime(["2024-01-01"] * n) + pd.to_timedelta(np.arange(n), "min"),
            "source_row": np.arange(2, n + 2)}
    base.update(cols)
    return pd.DataFrame(base)


SPEC = parse_questionnaire({
    "code": "t", "title": "t",
    "questions": [
        {"code": "A", "text": "a", "type": "single", "options": [{"code": 1, "label": "x"}, {"code": 2, "label": "y"},
                                                                 {"code": 3, "label": "z"}]},
        {"code": "M", "text": "m", "type": "multi", "min_choices": 2, "ask_if": [{"question": "A", "in": [2, 3]}],
         "options": [{"code": 1, "label": "p"}, {"code": 2, "label": "q"}, {"code": 3, "label": "r"}]},
        {"code": "G", "text": "g", "type": "matrix", "scale": {"min": 1, "max": 5},
         "items": [{"code": "G1", "text": "1"}, {"code": "G2", "text": "2"}, {"code": "G3", "text": "3"}]},
    ]})


def test_min_duration_and_missing_duration():
    df = _frame(duration_s=[10.0, np.nan, 61.0, 60.0])
    res = screen(df, SPEC, [Rule(rule="min_duration", seconds=60)])
    assert res.flags["min_duration"].tolist() == [True, True, False, False]
    assert res.log["detail"].tolist() == ["10.0s < 60s", "duration missing"]


def test_attention_single_and_multi():
    df = _frame(A=pd.Categorical([1, 2, None, 3], categories=[1, 2, 3]), M_1=[1.0, 1, 0, np.nan], M_2=[1.0, 0, 1, np.nan],
                M_3=[0.0, 0, 0, np.nan])
    single = screen(df, SPEC, [Rule(rule="attention", question="A", expect=[2, 3])])
    assert single.flags.iloc[:, 0].tolist() == [True, False, True, False]
    assert single.log["detail"].tolist() == ["A = 1, expected 2/3", "A: no answer"]
    multi = screen(df, SPEC, [Rule(rule="attention", question="M", expect=[1, 2])])
    assert multi.flags.iloc[:, 0].tolist() == [False, True, True, True]


def test_straightlining_needs_min_items():
    df = _frame(G1=[3.0, 3, 3, 1], G2=[3.0, 3, 2, 1], G3=[3.0, np.nan, 3, np.nan])
    assert screen(df, SPEC, [Rule(rule="straightlining", question="G")]).flags.iloc[:, 0].tolist() == \
        [True, False, False, False]
    assert screen(df, SPEC, [Rule(rule="straightlining", question="G", min_items=2)]).flags.iloc[:, 0].tolist() == \
        [True, True, False, True]


def test_duplicates_keep_the_first_and_ignore_missing_keys():
    df = _frame(ip=["a", "b", "a", None, None, "b"])
    res = screen(df, SPEC, [Rule(rule="duplicate", columns=["ip"])])
    assert res.flags.iloc[:, 0].tolist() == [False, False, True, False, False, True]
    assert res.log["detail"].tolist() == ["same ip as row 2", "same ip as row 3"]
    with pytest.raises(DataError, match="columns phone are not in the responses"):
        screen(df, SPEC, [Rule(rule="duplicate", columns=["phone"])])


def test_required_follows_skip_logic_and_min_choices():
    df = _frame(A=pd.Categorical([1, 2, 2, 3, None], categories=[1, 2, 3]),
                M_1=[np.nan, np.nan, 1, 1, np.nan], M_2=[np.nan, np.nan, 0, 1, np.nan], M_3=[np.nan, np.nan, 0, 0, np.nan],
                G1=[1.0, 2, 3, 4, 5], G2=[2.0, 2, 3, np.nan, 5], G3=[3.0, 2, 3, 4, 5])
    res = screen(df, SPEC, [Rule(rule="required")])
    # row 1: A=1 -> M not asked; row 2: M asked, unanswered; row 3: one choice < min 2;
    # row 4: matrix item missing; row 5: A unanswered (and so M not asked)
    assert res.flags.iloc[:, 0].tolist() == [False, True, True, True, True]
    assert res.log["detail"].tolist() == ["unanswered: M", "unanswered: M", "unanswered: G", "unanswered: A"]


def test_quota_frame_and_limits_in_submission_order():
    df = _frame(A=pd.Categorical([1, 1, 2, 1, 3], categories=[1, 2, 3]))
    df["submitted_at"] = pd.to_datetime(["2024-01-05", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])
    res = screen(df, SPEC, [Rule(rule="quota", question="A", limits={"1": 2})])
    # submission order of the A=1 responses: row 2 (Jan 1), row 4 (Jan 3), row 1 (Jan 5) -> row 1 is over
    assert res.flags.iloc[:, 0].tolist() == [True, False, False, False, False]
    frame = screen(df, SPEC, [Rule(rule="quota", question="A", allowed=[1, 2])])
    assert frame.flags.iloc[:, 0].tolist() == [False, False, False, False, True]
    assert frame.log["detail"].item() == "A = 3 is outside the frame"


def test_removed_counts_only_first_failing_rule():
    df = _frame(duration_s=[10.0, 300.0, 300.0], A=pd.Categorical([1, 1, 2], categories=[1, 2, 3]))
    res = screen(df, SPEC, [Rule(rule="min_duration", seconds=60), Rule(rule="attention", question="A", expect=[2])])
    assert res.funnel[["flagged", "removed", "remaining"]].iloc[1:3].to_numpy().tolist() == [[1, 1, 2], [2, 1, 1]]
    assert res.log["removed"].tolist() == [True, False, True]
    # a duplicate of a rejected response is not a duplicate: the valid resubmission is kept
    dup = _frame(duration_s=[10.0, 300.0, 300.0], ip=["a", "a", "a"])
    res = screen(dup, SPEC, [Rule(rule="min_duration", seconds=60), Rule(rule="duplicate", columns=["ip"])])
    assert res.valid.tolist() == [False, True, False]
    with pytest.raises(DataError, match="rule names min_duration are repeated"):
        screen(df, SPEC, [Rule(rule="min_duration", seconds=1), Rule(rule="min_duration", seconds=2)])
