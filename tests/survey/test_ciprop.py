"""Proportion intervals that stay in [0, 1]: hand computations and a property test over random designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtindex.errors import SpecError
from dtindex.survey import Design
from dtindex.survey.ciprop import REPORT_METHODS, method_note, proportion_ci
from dtindex.survey.spec import SmallBase

# p = 0.2 with se^2 = p (1 - p) / 10: the effective sample size is exactly 10 (2 "successes" of 10)
P, SE10 = 0.2, np.sqrt(0.2 * 0.8 / 10)


def test_korn_graubard_is_clopper_pearson_at_the_effective_n():
    # Clopper-Pearson 95% interval for 2 of 10: 0.0252 to 0.5561 (Clopper and Pearson 1934; e.g.
    # Agresti and Coull 1998, Am. Stat. 52:119, and every exact-binomial table)
    lo, hi = proportion_ci([P], [SE10], method="beta")
    assert (lo[0], hi[0]) == pytest.approx((0.025211, 0.556095), abs=1e-6)


def test_wilson_is_the_score_interval_at_the_effective_n():
    # Wilson score 95% interval for 2 of 10: 0.0567 to 0.5098 (Newcombe 1998, Stat. Med. 17:857,
    # method 3); by hand: (p + z^2/2n -+ z/2n sqrt(4 n p q + z^2)) / (1 + z^2/n), z = 1.959964
    z = 1.959963985
    n = 10
    root = np.sqrt(4 * n * P * (1 - P) + z * z)
    want = ((P + z * z / (2 * n) - z / (2 * n) * root) / (1 + z * z / n),
            (P + z * z / (2 * n) + z / (2 * n) * root) / (1 + z * z / n))
    lo, hi = proportion_ci([P], [SE10], method="wilson")
    assert (lo[0], hi[0]) == pytest.approx(want, abs=1e-9)
    assert (lo[0], hi[0]) == pytest.approx((0.0567, 0.5098), abs=5e-5)


def test_logit_interval_by_hand_and_with_design_df():
    # expit(logit(0.2) -+ t se / (p q)): logit(0.2) = -1.386294, se / (p q) = 0.790569
    t9 = 2.262157163  # Student t, 9 df, 0.975 quantile
    half = t9 * SE10 / 0.16
    want = (1 / (1 + np.exp(1.386294361 + half)), 1 / (1 + np.exp(1.386294361 - half)))
    lo, hi = proportion_ci([P], [SE10], method="logit", df=9)
    assert (lo[0], hi[0]) == pytest.approx(want, rel=1e-8)


def test_no_variance_falls_back_to_clopper_pearson_on_n():
    # 0 of 12 and 12 of 12: [0, 1 - 0.025^(1/12)] and [0.025^(1/12), 1]
    for m in REPORT_METHODS:
        lo, hi = proportion_ci([0.0, 1.0], [0.0, 0.0], method=m, df=11, n=[12, 12])
        assert lo.tolist() == pytest.approx([0.0, 0.025 ** (1 / 12)])
        assert hi.tolist() == pytest.approx([1 - 0.025 ** (1 / 12), 1.0])
    lo, hi = proportion_ci([0.0], [0.0], method="logit", df=0, n=[1])
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_method_note_names_the_method():
    assert "logit" in method_note("logit", "zh") and "Korn" in method_note("beta", "en")
    with pytest.raises(ValueError):
        method_note("wald")


def test_small_base_rule_is_validated():
    assert SmallBase().flag_below == 30 and SmallBase().suppress_below == 10
    with pytest.raises(ValueError):
        SmallBase(flag_below=5, suppress_below=10)
    from dtindex.survey.spec import parse_questionnaire

    with pytest.raises(SpecError, match="suppress_below"):
        parse_questionnaire({"code": "x", "title": "t", "questions": [{"code": "Q1", "text": "q", "type": "numeric"}],
                             "report": {"small_base": {"flag_below": 5, "suppress_below": 9}}})


@st.composite
def designs(draw):
    n = draw(st.integers(3, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
    k = draw(st.integers(2, 4))
    y = rng.integers(0, k, n)
    # some categories rare or absent, some groups tiny
    if draw(st.booleans()):
        y[: max(1, n // 2)] = 0
    g = rng.choice(["a", "b", "c"], n, p=[0.8, 0.15, 0.05])
    w = np.exp(rng.normal(0, draw(st.floats(0, 1.5)), n))
    frame = pd.DataFrame({"y": y.astype(str), "g": g, "w": w, "s": rng.integers(0, 2, n), "c": rng.integers(0, 6, n)})
    kind = draw(st.sampled_from(["srs", "strata", "cluster"]))
    try:
        if kind == "strata" and frame.groupby("s").size().min() >= 2:
            return Design(frame, weights="w", strata="s")
        if kind == "cluster" and frame["c"].nunique() >= 2:
            return Design(frame, weights="w", ids="c")
    except ValueError:
        pass
    return Design(frame, weights="w")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs(), st.sampled_from(REPORT_METHODS))
def test_property_intervals_stay_in_unit_interval(design, method):
    frames = [design.proportions("y", ci=method), design.by("g").proportions("y", ci=method)]
    for f in frames:
        lo, hi, est = f["ci_low"].to_numpy(), f["ci_high"].to_numpy(), f["estimate"].to_numpy()
        ok = ~np.isnan(lo)
        assert (lo[ok] >= 0).all() and (hi[ok] <= 1).all()
        assert (lo[ok] <= est[ok] + 1e-12).all() and (est[ok] <= hi[ok] + 1e-12).all()
        assert np.isnan(hi[~ok]).all()
