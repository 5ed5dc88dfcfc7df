"""Questionnaire spec and platform imports (问卷星 CSV, 腾讯问卷 Excel, SPSS .sav)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import DataError, DtindexWarning, SpecError
from dtindex.survey.demo import example_spec
from dtindex.survey.imports import parse_duration, parse_responses, read_responses
from dtindex.survey.spec import dump_questionnaire, parse_questionnaire

from .conftest import SURVEY

FILES = ["wjx_style.csv", "tencent_style.xlsx", "spss_style.sav"]


@pytest.fixture(scope="module")
def parsed(fixture_spec):
    return {f: read_responses(SURVEY / f, fixture_spec) for f in FILES}


def test_all_three_export_styles_give_the_same_table(parsed):
    base = parsed["wjx_style.csv"].data
    for f in FILES[1:]:
        other = parsed[f].data
        cols = [c for c in base.columns if c not in ("submitted_at", "Q2_other")]
        pd.testing.assert_frame_equal(other[cols], base[cols], check_dtype=False)
    assert base["Q2_other"].tolist()[2] == "质检"  # 其他〖质检〗 in a joined cell
    assert parsed["tencent_style.xlsx"].data["Q2_other"].tolist()[2] == "质检"  # text in the option column


def test_canonical_values_by_hand(parsed):
    d = parsed["wjx_style.csv"].data
    assert d["respondent_id"].tolist() == [str(i) for i in range(1, 10)]
    assert d["source_row"].tolist() == list(range(2, 11))
    assert d["duration_s"].tolist()[:3] == [120.0, 150.0, 45.0]  # 120秒, 2分30秒, 45秒
    assert isinstance(d["Q1"].dtype, pd.CategoricalDtype) and list(d["Q1"].cat.categories) == [1, 2, 3]
    assert d["Q1"].tolist() == [1, 2, 3, 2, 2, 3, 3, 3, 3]
    # multi choice: skipped (not asked) -> NaN, answered -> 0/1
    assert np.isnan(d.loc[0, ["Q2_1", "Q2_2", "Q2_3", "Q2_4"]].to_numpy(float)).all()
    assert d.loc[1, ["Q2_1", "Q2_2", "Q2_3", "Q2_4"]].tolist() == [1, 1, 0, 0]
    assert d.loc[2, ["Q2_1", "Q2_2", "Q2_3", "Q2_4"]].tolist() == [0, 0, 1, 1]
    assert d["Q3_1"].tolist() == [3, 4, 5, 3, 4, 4, 2, 5, 4]  # labels 一般/较高/很高 -> points
    # derived variables
    assert np.isnan(d["n_uses"].iloc[0]) and d["n_uses"].tolist()[1:3] == [2, 2]
    assert d["maturity"].iloc[1] == pytest.approx((4 + 3 + 4) / 3)
    assert d["big"].astype(str).tolist()[:3] == ["小中型", "小中型", "大型"]
    assert d["top_strategy"].tolist()[:3] == [0.0, 1.0, 1.0]
    assert parsed["wjx_style.csv"].extra.columns.tolist() == ["来源IP"]


def test_unknown_option_and_missing_column_are_reported_with_row_and_column(fixture_spec):
    raw = pd.read_csv(SURVEY / "wjx_style.csv", dtype=str, keep_default_na=False)
    bad = raw.copy()
    bad.loc[3, "1、企业规模"] = "超大型"
    bad.loc[5, "2、使用场景"] = "客服┋区块链"
    with pytest.raises(DataError) as err:
        parse_responses(bad, fixture_spec, source="x.csv")
    msg = str(err.value)
    assert "row 5, column '1、企业规模': value '超大型' is not an option of Q1" in msg
    assert "row 7, column '2、使用场景': value '区块链' is not an option of Q2" in msg
    with pytest.raises(DataError, match="no column for question Q4"):
        parse_responses(raw.drop(columns=["4、员工数"]), fixture_spec, source="x.csv")
    num = raw.copy()
    num.loc[0, "4、员工数"] = "十五"
    with pytest.raises(DataError, match="row 2, column '4、员工数': value '十五' is not a number"):
        parse_responses(num, fixture_spec, source="x.csv")
    dur = raw.copy()
    dur.loc[1, "所用时间"] = "fast"
    with pytest.raises(DataError, match="row 3, column '所用时间': value 'fast' is not a duration"):
        parse_responses(dur, fixture_spec, source="x.csv")


def test_zero_one_columns_reject_other_values(fixture_spec):
    raw = pd.read_excel(SURVEY / "tencent_style.xlsx", dtype=str).fillna("")
    raw.loc[1, "Q2.使用场景:客服"] = "maybe"
    with pytest.raises(DataError, match="row 3, column 'Q2.使用场景:客服': value 'maybe' is not 1/0"):
        parse_responses(raw, fixture_spec, source="t.xlsx")


def test_spss_value_label_mismatch_is_a_warning(tmp_path, fixture_spec):
    import pyreadstat

    df, meta = pyreadstat.read_sav(str(SURVEY / "spss_style.sav"))
    labels = dict(meta.variable_value_labels)
    labels["Q1"] = {1.0: "微型", 2.0: "中型", 3.0: "大型"}
    path = tmp_path / "x.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels=labels)
    with pytest.warns(DtindexWarning, match="column 'Q1' labels code 1 as '微型' but the questionnaire says '小型'"):
        read_responses(path, fixture_spec)
    df.loc[0, "Q1"] = 7.0
    pyreadstat.write_sav(df, str(path), variable_value_labels=meta.variable_value_labels)
    with pytest.raises(DataError, match="row 2, column 'Q1': value '7' is not an option of Q1"):
        read_responses(path, fixture_spec)


def test_parse_duration_forms():
    got = parse_duration(pd.Series(["95", "95.5", "120秒", "2分30秒", "1小时2分3秒", "00:02:30", "", "abc"]))
    np.testing.assert_allclose(got, [95, 95.5, 120, 150, 3723, 150, np.nan, np.nan])


# ------------------------------------------------------------------ spec
def test_spec_validation_names_the_question():
    base = yaml.safe_load((SURVEY / "spec.yaml").read_text(encoding="utf-8"))
    bad = {**base, "questions": [*base["questions"]]}
    bad["questions"][1] = {**bad["questions"][1], "ask_if": [{"question": "Q9", "in": [1]}]}
    with pytest.raises(SpecError, match="question Q2: ask_if refers to unknown question Q9"):
        parse_questionnaire(bad, "spec.yaml")
    bad = {**base, "questions": [*base["questions"]]}
    bad["questions"][0] = {**bad["questions"][0], "options": [{"code": 1, "label": "a"}]}
    with pytest.raises(SpecError, match="question Q1 .*needs at least two options"):
        parse_questionnaire(bad, "spec.yaml")
    bad = {**base, "screening": [{"rule": "attention", "question": "Q1"}]}
    with pytest.raises(SpecError, match="screening rule attention needs expect"):
        parse_questionnaire(bad, "spec.yaml")
    bad = {**base, "weighting": {"variables": ["nope"]}}
    with pytest.raises(SpecError, match="weighting/report variable nope"):
        parse_questionnaire(bad, "spec.yaml")


def test_example_spec_round_trips_through_yaml():
    spec = example_spec()
    assert parse_questionnaire(yaml.safe_load(dump_questionnaire(spec))) == spec
    assert spec.synthetic


@settings(max_examples=25, deadline=None)
@given(n_opt=st.integers(2, 6), labels=st.lists(st.text(alphabet="abc中文", min_size=1, max_size=4), min_size=6,
                                                 max_size=6, unique=True), required=st.booleans())
def test_generated_specs_round_trip(n_opt, labels, required):
    raw = {"code": "x", "title": "t", "questions": [
        {"code": "A", "text": {"zh": "甲", "en": "a"}, "type": "single", "required": required,
         "options": [{"code": i + 1, "label": labels[i]} for i in range(n_opt)]},
        {"code": "B", "text": "乙", "type": "multi", "ask_if": [{"question": "A", "in": [1]}],
         "options": [{"code": f"o{i}", "label": labels[i]} for i in range(n_opt)]}]}
    spec = parse_questionnaire(raw)
    assert parse_questionnaire(yaml.safe_load(dump_questionnaire(spec))) == spec
