"""Tests of dtindex.periods: parsing period labels, ordering, lags and ranges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtindex.errors import DataError
from dtindex.periods import Period, labels, parse_period, parse_periods, period_range

EXPECTED_HINT = "expected a year (2021), a quarter (2021Q1) or a month (2021-03)"


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text, freq, ordinal, label",
    [
        ("2021", "year", 2021, "2021"),
        (2021, "year", 2021, "2021"),
        (2021.0, "year", 2021, "2021"),
        ("2021.0", "year", 2021, "2021"),
        (np.int64(2021), "year", 2021, "2021"),
        ("2021Q1", "quarter", 2021 * 4, "2021Q1"),
        ("2021-Q1", "quarter", 2021 * 4, "2021Q1"),
        ("2021q1", "quarter", 2021 * 4, "2021Q1"),
        ("2021Q4", "quarter", 2021 * 4 + 3, "2021Q4"),
        (" 2021Q2 ", "quarter", 2021 * 4 + 1, "2021Q2"),
        ("2021-03", "month", 2021 * 12 + 2, "2021-03"),
        ("2021M3", "month", 2021 * 12 + 2, "2021-03"),
        ("2021m03", "month", 2021 * 12 + 2, "2021-03"),
        ("2021-12", "month", 2021 * 12 + 11, "2021-12"),
        ("2021M1", "month", 2021 * 12, "2021-01"),
    ],
)
def test_parse_accepted_labels(text, freq, ordinal, label):
    p = parse_period(text)
    assert p == Period(freq, ordinal)
    assert p.freq == freq and p.ordinal == ordinal
    assert p.label == label and str(p) == label


def test_year_and_sub_of_each_frequency():
    q = parse_period("2021Q3")
    assert (q.year, q.sub, q.per_year) == (2021, 3, 4)
    m = parse_period("2020-11")
    assert (m.year, m.sub, m.per_year) == (2020, 11, 12)
    y = parse_period("2019")
    assert (y.year, y.sub, y.per_year) == (2019, 1, 1)


def test_parse_returns_period_unchanged():
    p = Period("quarter", 8085)
    assert parse_period(p) is p


@pytest.mark.parametrize("text", ["2021Q5", "2021Q0", "2021-13", "2021-00", "2021M13", "abc", "21Q1", "2021.5", "",
                                  "2021-1-1", "2021H1"])
def test_parse_rejects_with_message(text):
    with pytest.raises(DataError) as e:
        parse_period(text, where="data.csv row 7")
    assert str(e.value) == f"data.csv row 7: period {text!r} is not a recognised period; {EXPECTED_HINT}"


def test_parse_error_without_where_has_no_prefix():
    with pytest.raises(DataError, match=r"^period 'abc' is not a recognised period"):
        parse_period("abc")


def test_data_error_is_also_value_error():
    with pytest.raises(ValueError):
        parse_period("2021-13")


# --------------------------------------------------------------------------- many labels


def test_parse_periods_maps_each_value_and_reuses_distinct_labels():
    out = parse_periods(["2021Q2", "2021-Q1", "2021q2", "2021Q1"])
    assert labels(out) == ["2021Q2", "2021Q1", "2021Q2", "2021Q1"]


def test_parse_periods_bad_label_names_spreadsheet_row():
    # header is row 1, first data row is row 2, so position 2 is row 4
    with pytest.raises(DataError) as e:
        parse_periods(["2021Q1", "2021Q2", "2021Q7"], where="data.csv")
    assert str(e.value).startswith("data.csv row 4: period '2021Q7' is not a recognised period")


def test_parse_periods_row_offset():
    with pytest.raises(DataError, match=r"^data.csv row 12: period 'x'"):
        parse_periods(["2021", "x"], where="data.csv", row_offset=11)


def test_mixed_frequencies_refused_with_examples():
    with pytest.raises(DataError) as e:
        parse_periods(["2021Q1", "2021Q2", "2021", "2021-03"], where="data.csv")
    assert str(e.value) == (
        "data.csv: periods mix frequencies: month ('2021-03'), quarter ('2021Q1'), year ('2021'); "
        "use one frequency per panel"
    )


# --------------------------------------------------------------------------- order, shift, ranges


def test_chronological_order():
    raw = ["2022Q1", "2021Q4", "2021Q1", "2020Q3", "2021Q2"]
    assert labels(sorted(parse_period(x) for x in raw)) == ["2020Q3", "2021Q1", "2021Q2", "2021Q4", "2022Q1"]
    assert parse_period("2020-12") < parse_period("2021-01")
    assert parse_period("2020") < parse_period("2021")
    assert parse_period("2021Q1") == parse_period("2021-q1")


def test_shift_crosses_year_boundaries():
    assert parse_period("2021Q4").shift(1).label == "2022Q1"
    assert parse_period("2021Q1").shift(-1).label == "2020Q4"
    assert parse_period("2021-01").shift(-1).label == "2020-12"
    assert parse_period("2021-11").shift(3).label == "2022-02"
    assert parse_period("2021").shift(-2).label == "2019"
    # same quarter last year is a shift by per_year
    q = parse_period("2022Q3")
    assert q.shift(-q.per_year).label == "2021Q3"
    m = parse_period("2022-07")
    assert m.shift(-m.per_year).label == "2021-07"


def test_ordinal_difference_counts_periods():
    assert parse_period("2023Q1").ordinal - parse_period("2021Q1").ordinal == 8
    assert parse_period("2022-02").ordinal - parse_period("2021-11").ordinal == 3


def test_period_range_inclusive():
    r = period_range(parse_period("2020Q3"), parse_period("2021Q2"))
    assert labels(r) == ["2020Q3", "2020Q4", "2021Q1", "2021Q2"]
    assert labels(period_range(parse_period("2021-11"), parse_period("2022-01"))) == ["2021-11", "2021-12", "2022-01"]
    assert labels(period_range(parse_period("2021"), parse_period("2021"))) == ["2021"]


def test_period_range_mixed_frequencies_refused():
    with pytest.raises(DataError, match=r"^period range 2020Q3\.\.2021 mixes frequencies$"):
        period_range(parse_period("2020Q3"), parse_period("2021"))


# --------------------------------------------------------------------------- properties

_freqs = st.sampled_from(["year", "quarter", "month"])


@st.composite
def periods(draw):
    freq = draw(_freqs)
    per = {"year": 1, "quarter": 4, "month": 12}[freq]
    return Period(freq, draw(st.integers(1000 * per, 9999 * per + per - 1)))


@given(periods())
def test_label_round_trip(p):
    assert parse_period(p.label) == p


@given(periods(), st.integers(-500, 500))
def test_shift_is_invertible_and_ordered(p, n):
    q = p.shift(n)
    assert q.freq == p.freq and q.shift(-n) == p
    assert (q > p) == (n > 0) and (q == p) == (n == 0)


@given(periods())
def test_shift_by_per_year_keeps_sub_period(p):
    q = p.shift(p.per_year)
    assert (q.year, q.sub) == (p.year + 1, p.sub)
