"""National index, growth and layer stability on the MAIN panel (see panels.py for the numbers)."""

from __future__ import annotations

from fractions import Fraction as F
from statistics import mean, variance

import numpy as np
import pandas as pd
import pytest

from dtindex.analysis import layer_stability, national_series
from dtindex.errors import DataError, SpecError

from .panels import MAIN, MAIN_FRAMEWORK, Q5, YQ, build_index, main_index


@pytest.fixture(scope="module")
def idx():
    return main_index()


def test_national_sum_and_growth(idx):
    df = national_series(idx)
    assert list(df.columns) == ["Time", "iCode", "name", "name_en", "depth", "value", "n_units", "qoq", "yoy"]
    assert df.attrs["rollup"] == "sum"
    assert df["iCode"].tolist() == ["DTI"] * 5 + ["infra"] * 5 + ["app"] * 5
    top = df[df.iCode == "DTI"]
    # DTI national = sum over the four cities: 8+4+4+2, 9+6+5+2, 10+7+6+2, 11+8+6+2, 12+9+9+3
    assert top["value"].tolist() == [18, 22, 25, 27, 33]
    assert top["n_units"].tolist() == [4, 4, 4, 4, 4]
    # QoQ: 22/18-1, 25/22-1, 27/25-1, 33/27-1
    np.testing.assert_allclose(top["qoq"].to_numpy()[1:], [4 / 18, 3 / 22, 2 / 25, 6 / 27])
    assert np.isnan(top["qoq"].iloc[0])
    # YoY only for 2022Q1 (2021Q1 is in the build): 33/18-1 = 5/6
    assert np.isnan(top["yoy"].iloc[:4]).all() and top["yoy"].iloc[4] == pytest.approx(5 / 6)
    infra = df[df.iCode == "infra"]
    assert infra["value"].tolist() == [18, 20, 24, 26, 33]
    assert infra["name"].iloc[0] == "基础设施" and infra["depth"].iloc[0] == 1
    assert df[df.iCode == "app"]["value"].tolist() == [18, 24, 26, 28, 33]


def test_national_mean_override_and_codes(idx):
    df = national_series(idx, codes=["DTI"], method="mean")
    assert df.attrs["rollup"] == "mean"
    assert df["value"].tolist() == pytest.approx([18 / 4, 22 / 4, 25 / 4, 27 / 4, 33 / 4])
    with pytest.raises(SpecError, match="unknown node 'nope'"):
        national_series(idx, codes=["nope"])
    with pytest.raises(SpecError, match="The 'method' parameter of national_series"):
        national_series(idx, method="median")


def test_non_additive_build_rolls_up_by_mean():
    idx = build_index(MAIN, Q5, MAIN_FRAMEWORK, methods={"normalise": {"method": "minmax"}})
    df = national_series(idx)
    assert df.attrs["rollup"] == "mean"
    expected = idx.table("DTI").mean(axis=0).to_numpy()
    np.testing.assert_allclose(df[df.iCode == "DTI"]["value"], expected)


def test_unit_missing_in_a_period_is_not_counted():
    idx = main_index(drop=[(YQ, "2021Q3")])
    top = national_series(idx).query("iCode == 'DTI'")
    # 2021Q3 without 阳泉 (2): 25 - 2 = 23 over 3 units; QoQ 23/22-1 and 27/23-1
    assert top["value"].tolist() == [18, 22, 23, 27, 33]
    assert top["n_units"].tolist() == [4, 4, 3, 4, 4]
    assert top["qoq"].iloc[2] == pytest.approx(23 / 22 - 1)


def test_missing_period_gives_no_qoq():
    periods = ["2021Q1", "2021Q2", "2021Q4", "2022Q1"]  # no 2021Q3
    values = {u: {k: [v[i] for i in (0, 1, 3, 4)] for k, v in cols.items()} for u, cols in MAIN.items()}
    idx = build_index(values, periods, MAIN_FRAMEWORK)
    top = national_series(idx).query("iCode == 'DTI'")
    assert top["Time"].tolist() == periods
    # 2021Q4's previous quarter 2021Q3 is absent: no QoQ; 2022Q1 has both QoQ and YoY
    assert np.isnan(top["qoq"].iloc[2])
    assert top["qoq"].iloc[3] == pytest.approx(33 / 27 - 1)
    assert top["yoy"].iloc[3] == pytest.approx(33 / 18 - 1)


def test_layer_stability_by_hand(idx):
    df = layer_stability(idx)
    assert list(df.columns) == ["iCode", "name", "name_en", "n_growth", "growth_mean", "growth_var", "growth_sd",
                                "rank_first", "rank_last", "rank_moves", "stability_rank"]
    # QoQ of the national layers: infra 20/18, 24/20, 26/24, 33/26 ; app 24/18, 26/24, 28/26, 33/28 (minus 1)
    infra = [F(20, 18) - 1, F(24, 20) - 1, F(26, 24) - 1, F(33, 26) - 1]  # 1/9, 1/5, 1/12, 7/26
    app = [F(24, 18) - 1, F(26, 24) - 1, F(28, 26) - 1, F(33, 28) - 1]  # 1/3, 1/12, 1/13, 5/28
    # infra varies less (0.00722 < 0.01430): most stable
    assert df["iCode"].tolist() == ["infra", "app"]
    assert df["stability_rank"].tolist() == [1, 2]
    assert df["growth_var"].tolist() == pytest.approx([float(variance(infra)), float(variance(app))])
    assert df["growth_mean"].tolist() == pytest.approx([float(mean(infra)), float(mean(app))])
    assert df["growth_sd"].iloc[0] == pytest.approx(float(variance(infra)) ** 0.5)
    # growth ranks per quarter: Q2 app first (1/3 > 1/9), then infra first three times -> one move each
    assert df["rank_first"].tolist() == [2, 1] and df["rank_last"].tolist() == [1, 2]
    assert df["rank_moves"].tolist() == [1.0, 1.0]
    assert df["n_growth"].tolist() == [4, 4]
    assert df.attrs["periods"] == Q5[1:]


def test_layer_stability_window_and_errors(idx):
    df = layer_stability(idx, window=("2021Q3", "2022Q1"))
    # infra 1/5, 1/12, 7/26 ; app 1/12, 1/13, 5/28
    assert df.set_index("iCode")["growth_var"].to_dict() == pytest.approx({
        "infra": float(variance([F(1, 5), F(1, 12), F(7, 26)])), "app": float(variance([F(1, 12), F(1, 13), F(5, 28)]))})
    one = layer_stability(idx, window=("2022Q1", "2022Q1"))  # one growth period: no variance, no rank
    assert one["growth_var"].isna().all() and one["stability_rank"].isna().all()
    with pytest.raises(DataError, match="at least two layers"):
        layer_stability(idx, layers=["infra"])
    with pytest.raises(SpecError, match="growth_kind"):
        layer_stability(idx, growth_kind="mom")
    with pytest.raises(DataError, match="'2020Q1' is not a period of the build"):
        layer_stability(idx, window=("2020Q1", "2022Q1"))


def test_yoy_stability_needs_a_year_of_data(idx):
    # only 2022Q1 has a YoY rate: variance undefined for both layers
    df = layer_stability(idx, growth_kind="yoy")
    assert df["growth_var"].isna().all()
    assert isinstance(df, pd.DataFrame)
