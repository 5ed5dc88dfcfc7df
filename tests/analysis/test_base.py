"""The shared helpers: period lags, growth rates, window means, ranks, trends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis._base import PeriodAxis, as_rank, growth, rank_desc, trend_slope, unit_names, window_mean
from dtindex.errors import DataError, SpecError
from dtindex.periods import parse_period


def axis(labels):
    return PeriodAxis(tuple(labels), tuple(parse_period(x) for x in labels))


def test_lags_follow_the_calendar():
    ax = axis(["2021Q1", "2021Q2", "2021Q4", "2022Q1", "2022Q2"])  # 2021Q3 missing
    assert ax.previous() == [None, "2021Q1", None, "2021Q4", "2022Q1"]
    assert ax.year_ago() == [None, None, None, "2021Q1", "2021Q2"]
    monthly = axis(["2021-01", "2021-02", "2022-01"])
    assert monthly.year_ago() == [None, None, "2021-01"]
    assert axis(["2020", "2021"]).year_ago() == [None, "2020"]
    assert ax.window(None, "t") == ["2022Q1", "2022Q2"]
    assert ax.window(("2021q4", "2022-Q1"), "t") == ["2021Q4", "2022Q1"]  # labels are parsed
    assert ax.check("2022q2", "t") == "2022Q2"
    with pytest.raises(DataError, match="'2021Q3' is not a period of the build"):
        ax.check("2021Q3", "t")
    none = PeriodAxis(("value",), None)
    assert none.previous() == [None]
    with pytest.raises(DataError, match="no time periods"):
        none.window(None, "t")


def test_growth_rates_and_undefined_bases():
    wide = pd.DataFrame({"2021Q1": [2.0, 0.0, -1.0, np.nan], "2021Q2": [3.0, 5.0, 1.0, 4.0]})
    g = growth(wide, [None, "2021Q1"])
    # 3/2-1 = .5; a zero, negative or missing earlier value gives no rate
    assert g["2021Q2"].iloc[0] == 0.5
    assert g["2021Q2"].iloc[1:].isna().all() and g["2021Q1"].isna().all()


def test_window_mean_counts_rates():
    rates = pd.DataFrame({"a": [0.1, 0.2, np.nan], "b": [0.3, np.nan, np.nan]})
    mean, n = window_mean(rates, ["a", "b"], None, "t")
    assert mean.iloc[0] == pytest.approx(0.2) and np.isnan(mean.iloc[1]) and n.tolist() == [2, 1, 0]
    mean1, _ = window_mean(rates, ["a", "b"], 1, "t")
    assert mean1.iloc[1] == pytest.approx(0.2) and np.isnan(mean1.iloc[2])
    with pytest.raises(SpecError, match="min_periods must be between 1 and the 2 periods"):
        window_mean(rates, ["a", "b"], 0, "t")


def test_ranks_min_ties_descending():
    wide = pd.DataFrame({"t": [3.0, 5.0, 5.0, np.nan, 1.0]})
    assert as_rank(rank_desc(wide)["t"]).tolist() == [3, 1, 1, pd.NA, 4]
    grouped = rank_desc(wide["t"], np.array(["x", "x", "y", "y", "y"], dtype=object))
    assert grouped.tolist()[:3] == [2.0, 1.0, 1.0] and grouped.iloc[4] == 2.0


def test_trend_slope():
    wide = pd.DataFrame([[1.0, 3.0, 5.0], [1.0, np.nan, 2.0], [1.0, np.nan, np.nan]])
    slope = trend_slope(wide, np.array([0.0, 1.0, 2.0]))
    # y = 1 + 2x -> 2; two points (0, 1), (2, 2) -> 0.5; one point -> no slope
    assert slope[0] == pytest.approx(2.0) and slope[1] == pytest.approx(0.5) and np.isnan(slope[2])


def test_unit_names():
    zh, en = unit_names(["440300", "X1", "440100:C"], sep=":")
    assert zh == ["深圳", "X1", "广州:C"] and en == ["Shenzhen", "X1", "Guangzhou:C"]
