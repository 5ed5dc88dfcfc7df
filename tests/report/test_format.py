"""Number formats shared by the HTML and Excel renderers: texts, Excel codes, rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import SpecError
from dtindex.report import fmt
from dtindex.report.format import NumberFormat, round_half_away


def test_round_half_away_matches_excel_rounding():
    # Excel: ROUND(2.5,0)=3, ROUND(-2.5,0)=-3, ROUND(0.5,0)=1, ROUND(1.5,0)=2 (Python's round gives 2, -2, 0, 2)
    assert round_half_away(np.array([2.5, -2.5, 0.5, 1.5]), 0).tolist() == [3.0, -3.0, 1.0, 2.0]
    # binary noise: 1.005 is stored as 1.00499999999999989..., Excel shows 1.01; so does 2.675 -> 2.68
    assert round_half_away(np.array([1.005, 2.675, -0.125]), 2).tolist() == [1.01, 2.68, -0.13]
    assert math.isnan(round_half_away(np.array([np.nan]), 2)[0])


@pytest.mark.parametrize("f,values,lang,expected", [
    (fmt.integer(), [1234567, 2.5, -2.5, 0.4, -0.4], "zh", ["1,234,567", "3", "-3", "0", "0"]),
    (fmt.integer(thousands=False), [1234567], "zh", ["1234567"]),
    (fmt.decimal(2), [1234.5678, -0.001, 1.005, None, float("nan")], "en", ["1,234.57", "0.00", "1.01", "—", "—"]),
    (fmt.decimal(3, thousands=False), [9876.54321], "zh", ["9876.543"]),
    (fmt.percent(1), [0.1234, 0.12345, 0.00004, 1.5], "zh", ["12.3%", "12.3%", "0.0%", "150.0%"]),
    (fmt.percent(0), [0.125, -0.125], "zh", ["13%", "-13%"]),
    (fmt.change(1), [0.052, -0.031, 0.0, -0.0004, 0.00049], "zh", ["+5.2%", "-3.1%", "0.0%", "0.0%", "0.0%"]),
    (fmt.change(2), [0.12345], "en", ["+12.35%"]),
    (fmt.rank(), [1, 3.0, None], "zh", ["1", "3", "—"]),
    (fmt.rank(1), [2.5], "zh", ["2.5"]),
    (fmt.rank_change(), [2, -1, 0, None, 0.4], "zh", ["↑2", "↓1", "→", "—", "→"]),
    (fmt.compact(1), [12345, 3.4e8, -12345, 999, 99999], "zh", ["1.2万", "3.4亿", "-1.2万", "999.0", "10.0万"]),
    (fmt.compact(1), [12345, 1.5e6, 3.4e9, 999], "en", ["12.3K", "1.5M", "3.4B", "999.0"]),
    (fmt.yesno(), [True, False, None], "zh", ["是", "否", "—"]),
    (fmt.yesno(), [True, False], "en", ["Yes", "No"]),
    (fmt.text(), ["深圳", None, 3], "zh", ["深圳", "—", "3"]),
])
def test_texts(f, values, lang, expected):
    assert f.texts(values, lang) == expected


def test_texts_accept_numpy_arrays_and_single_values():
    assert fmt.percent(1).texts(np.array([0.5, np.nan]), "zh") == ["50.0%", "—"]
    assert fmt.decimal(1).text(2.25, "en") == "2.3"


@pytest.mark.parametrize("f,code", [
    (fmt.integer(), "#,##0"),
    (fmt.integer(thousands=False), "0"),
    (fmt.decimal(3), "#,##0.000"),
    (fmt.decimal(2, thousands=False), "0.00"),
    (fmt.percent(0), "0%"),
    (fmt.percent(1), "0.0%"),
    (fmt.change(2), "+0.00%;-0.00%;0.00%"),
    (fmt.rank(), "0"),
    (fmt.rank(1), "0.0"),
    (fmt.rank_change(), '"↑"0;"↓"0;"→"'),
    (fmt.compact(1), "#,##0"),
    (fmt.text(), "@"),
    (fmt.yesno(), "General"),
])
def test_excel_codes(f, code):
    assert f.excel == code


def test_excel_values():
    assert fmt.decimal(2).excel_value(None) is None
    assert fmt.decimal(2).excel_value(float("nan")) is None
    assert fmt.decimal(2).excel_value(np.float64(1.5)) == 1.5 and type(fmt.decimal(2).excel_value(np.float64(1.5))) is float
    assert fmt.integer().excel_value(np.int64(7)) == 7 and type(fmt.integer().excel_value(np.int64(7))) is int
    assert fmt.yesno().excel_value(True, "zh") == "是"
    assert fmt.yesno().excel_value(False, "en") == "No"
    assert fmt.text().excel_value(3) == "3"


def test_direction_after_rounding():
    assert fmt.rank_change().direction([3, -2, 0, None, 0.4]) == ["up", "down", "flat", "", "flat"]
    # a change that rounds to 0.0% is flat, as its text has no sign
    assert fmt.change(1).direction([0.052, -0.0004]) == ["up", "flat"]


def test_axis_recipes():
    assert fmt.percent(1).axis() == {"decimals": 0, "scale": 100, "sign": False, "suffix": "%", "thousands": False}
    assert fmt.change(2).axis()["sign"] is True and fmt.change(2).axis()["decimals"] == 1
    assert fmt.decimal(2).axis() == {"decimals": 2, "scale": 1, "sign": False, "suffix": "", "thousands": True}
    assert fmt.integer().axis()["decimals"] == 0


def test_bad_formats_are_refused():
    with pytest.raises(SpecError, match=r"The 'kind' parameter of NumberFormat must be one of 'text', .*; got 'money'\."):
        NumberFormat("money")
    with pytest.raises(SpecError, match="decimals must be an integer from 0 to 10; got 11"):
        fmt.decimal(11)
    with pytest.raises(SpecError, match="decimals must be an integer"):
        NumberFormat("decimal", 1.5)
    with pytest.raises(SpecError, match="The 'lang' parameter of NumberFormat.texts must be one of 'zh', 'en'; got 'fr'"):
        fmt.decimal(2).texts([1.0], "fr")
    with pytest.raises(SpecError, match="needs numbers; got non-numeric values \\['a'\\]"):
        fmt.decimal(2).texts(["a"], "zh")
    with pytest.raises(SpecError, match="infinite"):
        fmt.percent(1).texts([float("inf")], "zh")


def test_formats_are_immutable_values():
    assert fmt.percent(1) == NumberFormat("percent", 1, False)
    assert hash(fmt.percent(1)) == hash(NumberFormat("percent", 1, False))
    with pytest.raises(AttributeError):
        fmt.percent(1).decimals = 2  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), n=st.integers(0, 4))
def test_percent_text_is_within_half_a_unit_of_the_value(x, n):
    text = fmt.percent(n).text(x, "zh")
    assert text.endswith("%")
    assert abs(float(text[:-1]) - x * 100) <= 0.5 * 10 ** -n + 1e-9 * max(1.0, abs(x * 100))


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), n=st.integers(0, 3))
def test_change_sign_and_arrow_follow_the_rounded_value(x, n):
    text = fmt.change(n).text(x, "en")
    rounded = round_half_away(np.array([x * 100]), n)[0]
    assert text.startswith("+") == (rounded > 0)
    assert text.startswith("-") == (rounded < 0)
    arrow = fmt.rank_change(n).text(x, "zh")
    rounded = round_half_away(np.array([x]), n)[0]
    assert arrow[0] == ("↑" if rounded > 0 else "↓" if rounded < 0 else "→")
    if rounded != 0:
        assert float(arrow[1:]) == pytest.approx(abs(rounded))


@settings(max_examples=100, deadline=None)
@given(x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), n=st.integers(0, 4))
def test_decimal_text_round_trips_with_separators(x, n):
    text = fmt.decimal(n).text(x, "en")
    assert float(text.replace(",", "")) == pytest.approx(round_half_away(np.array([x]), n)[0], abs=10 ** -n)
    assert not text.startswith("-0") or float(text.replace(",", "")) != 0
