"""Contributions to a change and to a rank gap (MAIN panel of panels.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtindex.analysis import attribute, attribute_gap, contributions, neighbour_of
from dtindex.errors import DataError, SpecError

from .panels import (
    GZ,
    HF,
    MAIN,
    MAIN_FRAMEWORK,
    Q5,
    SZ,
    YQ,
    as_build,
    build_index,
    main_index,
)


@pytest.fixture(scope="module")
def idx():
    return main_index()


def _by_code(df, col="contribution"):
    return dict(zip(df["iCode"], df[col]))


def test_attribute_by_hand(idx):
    df = attribute(idx, HF, "2021Q1", "2022Q1")
    assert list(df.columns) == ["unit", "iCode", "name", "name_en", "parent", "depth", "kind", "weight", "value_p0",
                                "value_p1", "change", "contribution", "share"]
    assert df["iCode"].tolist() == ["DTI", "infra", "a", "b", "app", "c"]  # depth first
    assert df["kind"].tolist() == ["total", "layer", "indicator", "indicator", "layer", "indicator"]
    # path weights: infra .5, app .5, a = b = .5 * .5, c = .5 * 1
    assert _by_code(df, "weight") == {"DTI": 1, "infra": 0.5, "a": 0.25, "b": 0.25, "app": 0.5, "c": 0.5}
    # 合肥: DTI 4 -> 9; infra 4 -> 10 (a 4 -> 12, b 4 -> 8); app = c 4 -> 8
    assert _by_code(df) == {"DTI": 5, "infra": 3, "a": 2, "b": 1, "app": 2, "c": 2}
    layers = df[df.depth == 1]["contribution"].sum()
    indicators = df[df.kind == "indicator"]["contribution"].sum()
    assert np.isclose(layers, 5) and np.isclose(indicators, 5)
    assert _by_code(df, "share")["infra"] == pytest.approx(0.6)


def test_missing_child_in_both_periods_is_reweighted(idx):
    # 阳泉 has no b: infra = a, so a carries the whole infra weight .5 and b contributes nothing
    df = attribute(idx, YQ, "2021Q1", "2022Q1")
    assert _by_code(df, "weight") == {"DTI": 1, "infra": 0.5, "a": 0.5, "b": 0.0, "app": 0.5, "c": 0.5}
    assert _by_code(df) == {"DTI": 1, "infra": 0.5, "a": 0.5, "b": 0.0, "app": 0.5, "c": 0.5}
    assert np.isnan(df.set_index("iCode").loc["b", "value_p0"])


def test_child_present_in_one_period_only_is_refused():
    values = {u: {k: list(v) for k, v in c.items()} for u, c in MAIN.items()}
    values[YQ]["b"][4] = 5.0  # 阳泉 gets a b value in 2022Q1 only
    idx = build_index(values, Q5, MAIN_FRAMEWORK)
    with pytest.raises(DataError, match=r"140300 b \(present in 2022Q1 only\)"):
        attribute(idx, YQ, "2021Q1", "2022Q1")
    # other units are fine
    assert attribute(idx, SZ, "2021Q1", "2022Q1")["contribution"].iloc[0] == 4


def test_all_units_and_subtree(idx):
    df = contributions(idx, "2021Q4", "2022Q1")
    assert df["unit"].unique().tolist() == [SZ, GZ, HF, YQ]
    totals = df[df.kind == "total"].set_index("unit")["change"]
    assert totals.to_dict() == {SZ: 1, GZ: 1, HF: 3, YQ: 1}
    for unit, part in df.groupby("unit"):
        assert np.isclose(part[part.kind == "indicator"]["contribution"].sum(), totals[unit])
    sub = contributions(idx, "2021Q1", "2022Q1", units=[HF], code="infra")
    # within infra: a and b weigh .5 each: 合肥 infra 4 -> 10 = .5 * 8 + .5 * 4
    assert _by_code(sub) == {"infra": 6, "a": 4, "b": 2}
    assert sub["depth"].tolist() == [0, 1, 1] and sub.attrs["code"] == "infra"
    reverse = attribute(idx, HF, "2022Q1", "2021Q1")
    assert _by_code(reverse)["DTI"] == -5


def test_errors(idx):
    with pytest.raises(DataError, match="units not in the build: 999999"):
        attribute(idx, "999999", "2021Q1", "2022Q1")
    with pytest.raises(DataError, match="'2023Q1' is not a period"):
        attribute(idx, HF, "2021Q1", "2023Q1")
    with pytest.raises(SpecError, match="'a' is an indicator"):
        attribute(idx, HF, "2021Q1", "2022Q1", code="a")
    gone = main_index(drop=[(HF, "2021Q1")])
    with pytest.raises(DataError, match="DTI has no value in 2021Q1 or 2022Q1 for units 340100"):
        attribute(gone, HF, "2021Q1", "2022Q1")
    assert HF not in set(contributions(gone, "2021Q1", "2022Q1")["unit"])  # default: units with both values


def test_geometric_aggregation_is_refused():
    idx = build_index(MAIN, Q5, MAIN_FRAMEWORK, methods={"normalise": {"method": "none"},
                                                          "aggregate": {"method": "geometric"}})
    with pytest.raises(SpecError, match=r"weighted arithmetic aggregation.*infra \(geometric\)"):
        attribute(idx, SZ, "2021Q1", "2022Q1")


def test_inconsistent_scores_are_refused(idx, tmp_path):
    b = as_build(idx, tmp_path)
    scores = b.scores
    scores.loc[(scores.uCode == HF) & (scores.Time == "2022Q1") & (scores.iCode == "infra"), "value"] = 11.0
    with pytest.raises(DataError, match=r"do not match: DTI of 340100 in 2022Q1: score 9, weighted mean of children 9.5, infra of 340100 in 2022Q1: score 11, weighted mean of children 10"):
        attribute(b, HF, "2021Q1", "2022Q1")


def test_neighbours(idx):
    # 2022Q1 DTI: 深圳 12, 广州 9, 合肥 9, 阳泉 3; 广州 and 合肥 are tied, so neither is the other's neighbour
    assert neighbour_of(idx, HF, "2022Q1") == SZ
    assert neighbour_of(idx, GZ, "2022Q1") == SZ
    assert neighbour_of(idx, HF, "2022Q1", direction="below") == YQ
    # 2021Q4: 11, 8, 6, 2 -> above 合肥 is 广州
    assert neighbour_of(idx, HF, "2021Q4") == GZ
    with pytest.raises(DataError, match="at the top in 2022Q1"):
        neighbour_of(idx, SZ, "2022Q1")
    with pytest.raises(DataError, match="at the bottom"):
        neighbour_of(idx, YQ, "2022Q1", direction="below")


def test_gap_to_the_unit_above(idx):
    df = attribute_gap(idx, HF, "2021Q1", "2022Q1")
    assert df.attrs["neighbour"] == SZ and df.attrs["higher"] == SZ and df.attrs["at"] == "2022Q1"
    # gap = 深圳 - 合肥: 8 - 4 = 4 -> 12 - 9 = 3, change -1
    top = df.iloc[0]
    assert (top["gap_p0"], top["gap_p1"], top["gap_change"], top["contribution"]) == (4, 3, -1, -1)
    # 深圳 contributions: infra .5*4 = 2, app .5*4 = 2, a .25*4, b .25*4, c .5*4
    # 合肥: infra 3, app 2, a 2, b 1, c 2 -> gap contributions (深圳 - 合肥)
    assert _by_code(df) == {"DTI": -1, "infra": -1, "a": -1, "b": 0, "app": 0, "c": 0}
    assert _by_code(df, "unit_contribution")["infra"] == 3
    assert _by_code(df, "neighbour_contribution")["infra"] == 2
    assert np.isclose(df[df.depth == 1]["contribution"].sum(), top["gap_change"])
    assert np.isclose(df[df.kind == "indicator"]["contribution"].sum(), top["gap_change"])


def test_gap_to_the_unit_below_and_explicit(idx):
    below = attribute_gap(idx, HF, "2021Q1", "2022Q1", neighbour="below")
    # 合肥 - 阳泉: 4 - 2 = 2 -> 9 - 3 = 6; 合肥 contributes 5, 阳泉 1
    assert below.attrs["higher"] == HF
    assert tuple(below.iloc[0][["gap_p0", "gap_p1", "contribution"]]) == (2, 6, 4)
    explicit = attribute_gap(idx, GZ, "2021Q1", "2022Q1", neighbour=HF)
    # tied at 9 in 2022Q1: the smaller code (合肥 340100) counts as the higher one
    assert explicit.attrs["higher"] == HF
    with pytest.raises(DataError, match="another unit"):
        attribute_gap(idx, GZ, "2021Q1", "2022Q1", neighbour=GZ)


_weights = st.lists(st.floats(0.1, 5), min_size=3, max_size=3)
_values = st.lists(st.floats(0.01, 100), min_size=6, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=_weights, v=_values, drop_b=st.booleans())
def test_contributions_always_sum_to_the_change(w, v, drop_b):
    fw = [dict(n) for n in MAIN_FRAMEWORK]
    for node, weight in zip(("infra", "a", "b"), w):
        next(n for n in fw if n["code"] == node)["weight"] = weight
    values = {"440300": {"a": v[0:2], "b": [None, None] if drop_b else v[2:4], "c": v[4:6]},
              "440100": {"a": v[2:4], "b": v[4:6], "c": v[0:2]}}
    idx = build_index(values, ["2021Q1", "2022Q1"], fw)
    df = contributions(idx, "2021Q1", "2022Q1")
    for _, part in df.groupby("unit"):
        change = part[part.kind == "total"]["change"].iloc[0]
        assert np.isclose(part[part.depth == 1]["contribution"].sum(), change, rtol=1e-12, atol=1e-12)
        assert np.isclose(part[part.kind == "indicator"]["contribution"].sum(), change, rtol=1e-12, atol=1e-12)
    assert isinstance(df, pd.DataFrame)
