"""Tests for dtindex.methods.treat (COINr-style outlier treatment)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

from dtindex.errors import DataError, DtindexWarning, MethodDomainError, SpecError
from dtindex.methods.treat import log_ct, log_ct_orig, skew_kurt, winsorise


def _excel_skew_kurt(x):
    """Excel SKEW/KURT written with the sample standard deviation (a different algebraic
    form of the same estimators, so it checks skew_kurt independently)."""
    x = np.asarray(x, float)
    n = x.size
    z = (x - x.mean()) / x.std(ddof=1)
    g1 = n / ((n - 1) * (n - 2)) * np.sum(z**3)
    g2 = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    return g1, g2


# --------------------------------------------------------------------------- skew_kurt


class TestSkewKurt:
    def test_published_excel_example(self):
        # Microsoft Excel documentation, SKEW function and KURT function, example data
        # 3,4,5,2,3,4,5,6,4,7: SKEW = 0.359543, KURT = -0.151799637. COINr states that its
        # skew()/kurt() use the Excel (e1071 type 2) definitions.
        s, k = skew_kurt([3, 4, 5, 2, 3, 4, 5, 6, 4, 7])
        assert s == pytest.approx(0.359543, abs=5e-7)
        assert k == pytest.approx(-0.151799637, abs=5e-10)

    def test_hand_computed_single_spike(self):
        # x = (0,0,0,0,1): mean 1/5, m2 = 4/25, m3 = 12/125, m4 = 52/625 -> g1 = 1.5,
        # b2 = 3.25; G1 = 1.5 * sqrt(20) / 3 = sqrt(5); G2 = (6 * 0.25 + 6) * 4 / 6 = 5.
        s, k = skew_kurt([0.0, 0.0, 0.0, 0.0, 1.0])
        assert s == pytest.approx(math.sqrt(5), rel=1e-12)
        assert k == pytest.approx(5.0, rel=1e-12)
        # mirror image: skewness changes sign, kurtosis does not
        s2, k2 = skew_kurt([1.0, 1.0, 1.0, 1.0, 0.0])
        assert s2 == pytest.approx(-math.sqrt(5), rel=1e-12)
        assert k2 == pytest.approx(5.0, rel=1e-12)

    def test_kurtosis_is_excess(self):
        # four points (0,0,0,1): b2 = 7/3 (moment kurtosis, normal = 3); G2 = 4 is on the
        # excess scale: ((5)(7/3 - 3) + 6) * 3 / 2 = 4
        _, k = skew_kurt([0.0, 0.0, 0.0, 1.0])
        assert k == pytest.approx(4.0, rel=1e-12)

    def test_matches_scipy_and_excel_forms(self):
        rng = np.random.default_rng(7)
        for n in (4, 5, 12, 60):
            x = rng.lognormal(size=n)
            s, k = skew_kurt(x)
            assert s == pytest.approx(st.skew(x, bias=False), rel=1e-10)
            assert k == pytest.approx(st.kurtosis(x, fisher=True, bias=False), rel=1e-10)
            es, ek = _excel_skew_kurt(x)
            assert s == pytest.approx(es, rel=1e-10)
            assert k == pytest.approx(ek, rel=1e-10)

    def test_nan_ignored(self):
        x = np.array([1.0, np.nan, 2.0, 10.0, np.nan, 3.0, 4.0])
        assert skew_kurt(x) == pytest.approx(skew_kurt(x[~np.isnan(x)]))
        assert skew_kurt(x)[0] == pytest.approx(st.skew(x, bias=False, nan_policy="omit"))

    def test_degenerate(self):
        assert all(math.isnan(v) for v in skew_kurt([1.0, 2.0]))
        s, k = skew_kurt([1.0, 2.0, 4.0])
        assert s == pytest.approx(st.skew([1.0, 2.0, 4.0], bias=False)) and math.isnan(k)
        assert all(math.isnan(v) for v in skew_kurt([0.1] * 6))
        assert all(math.isnan(v) for v in skew_kurt([np.nan] * 6))

    @pytest.mark.parametrize(
        "bad, match",
        [([1.0, np.inf, 2.0], "infinite values at positions 1"), ([["a"]], "1-D"), (["a", "b"], "dtype")],
    )
    def test_bad_input(self, bad, match):
        with pytest.raises(DataError, match=match):
            skew_kurt(bad)


# --------------------------------------------------------------------------- winsorise


def _ramp(n):
    return np.arange(1.0, n + 1)


class TestWinsoriseCOINrCases:
    def test_one_outlier_goes_to_next_highest(self):
        # COINr tests/testthat/test-treat.R "treat_num": x = c(1:10, 100) -> the 100 becomes
        # 10, the rest is unchanged, and the result passes the skew/kurtosis check.
        x = np.r_[_ramp(10), 100.0]
        r = winsorise(x)
        np.testing.assert_array_equal(r.values, np.r_[_ramp(10), 10.0])
        assert r.log[["position", "side", "original", "new", "step", "rule"]].to_dict("records") == [
            {"position": 10, "side": "high", "original": 100.0, "new": 10.0, "step": 1, "rule": "winsorise"}
        ]
        row = r.status.iloc[0]
        assert row["n_winsorised"] == 1 and not row["pass_before"] and row["pass_after"]
        assert row["transform"] is None
        assert row["skew_before"] == pytest.approx(st.skew(x, bias=False))
        assert row["skew_after"] == pytest.approx(st.skew(r.values, bias=False))

    def test_winmax_reached_then_log_ct_of_original(self):
        # COINr test-treat.R: x = c(1:20, 100, 200) with winmax = 1 still fails after
        # Winsorisation; the fallback is then applied to the ORIGINAL x (combine_treat = FALSE).
        x = np.r_[_ramp(20), 100.0, 200.0]
        no_f2 = winsorise(x, winmax=1, f2=None)
        np.testing.assert_array_equal(no_f2.values, np.r_[_ramp(20), 100.0, 100.0])
        assert not no_f2.status["pass_after"].iloc[0]

        r = winsorise(x, winmax=1)
        # log_CT: ln(x - min + 0.01 (max - min)) = ln(x - 1 + 1.99)
        np.testing.assert_allclose(r.values, np.log(x - 1.0 + 1.99), rtol=1e-14)
        row = r.status.iloc[0]
        assert row["transform"] == "log_CT" and row["n_winsorised"] == 1
        assert not row["pass_after_win"] and row["pass_after"]
        assert len(r.log) == x.size and set(r.log["rule"]) == {"log_CT"}
        assert r.log["side"].isna().all() and r.log["step"].isna().all()

    def test_vignette_example(self):
        # COINr vignette "Outlier Treatment": x = c(1:10, 30, 100), winmax = 2. Step 1 sets
        # 100 -> 30; then G1 = 1.712 < 2 so the check passes after one point.
        x = np.r_[_ramp(10), 30.0, 100.0]
        r = winsorise(x, winmax=2)
        np.testing.assert_array_equal(r.values, np.r_[_ramp(10), 30.0, 30.0])
        assert r.status["skew_after"].iloc[0] == pytest.approx(1.7120380600890506, rel=1e-12)
        assert r.status["n_winsorised"].iloc[0] == 1


class TestWinsoriseRule:
    def test_hand_spike(self):
        # (0,0,0,0,1): G1 = sqrt(5) >= 2 and G2 = 5 >= 3.5 -> fails; the 1 becomes 0 and the
        # now-constant vector has undefined moments, which count as passing.
        r = winsorise([0.0, 0.0, 0.0, 0.0, 1.0])
        np.testing.assert_array_equal(r.values, np.zeros(5))
        assert r.status["n_winsorised"].iloc[0] == 1
        assert math.isnan(r.status["skew_after"].iloc[0])

    def test_negative_skew_winsorises_low_side(self):
        x = np.r_[-100.0, _ramp(10)]
        r = winsorise(x)
        np.testing.assert_array_equal(r.values, np.r_[1.0, _ramp(10)])
        assert r.log["side"].tolist() == ["low"] and r.log["new"].tolist() == [1.0]

    def test_symmetric_heavy_tails_untouched(self):
        # skewness exactly 0 (symmetric), kurtosis huge: the rule needs BOTH to fail
        x = np.r_[-100.0, np.zeros(10), 100.0]
        s, k = skew_kurt(x)
        assert s == 0.0 and k > 3.5
        r = winsorise(x)
        np.testing.assert_array_equal(r.values, x)
        assert r.log.empty and bool(r.status["pass_before"].iloc[0])

    def test_threshold_boundary_is_inclusive(self):
        # COINr passes iff |G1| < skew_thresh OR G2 < kurt_thresh, so equality fails
        x = np.r_[_ramp(10), 100.0]
        s, k = skew_kurt(x)
        assert winsorise(x, skew_thresh=s, kurt_thresh=k).status["n_winsorised"].iloc[0] == 1
        assert winsorise(x, skew_thresh=np.nextafter(s, np.inf), kurt_thresh=k).log.empty
        assert winsorise(x, skew_thresh=s, kurt_thresh=np.nextafter(k, np.inf)).log.empty

    def test_two_steps_same_side(self):
        # (1..20, 200, 300): step 1 300 -> 200 (still fails: scipy G1 checked below),
        # step 2 replaces both 200s by 20; COINr's nwin = 2.
        x = np.r_[_ramp(20), 200.0, 300.0]
        after1 = np.r_[_ramp(20), 200.0, 200.0]
        assert abs(st.skew(after1, bias=False)) >= 2 and st.kurtosis(after1, bias=False) >= 3.5
        r = winsorise(x)
        np.testing.assert_array_equal(r.values, np.r_[_ramp(20), 20.0, 20.0])
        assert r.log[["position", "original", "new", "step"]].to_dict("records") == [
            {"position": 21, "original": 300.0, "new": 20.0, "step": 1},
            {"position": 20, "original": 200.0, "new": 20.0, "step": 2},
        ]
        assert r.status["n_winsorised"].iloc[0] == 2

    def test_side_is_redecided_each_step(self):
        # (-30, 1..20, 100): skew > 0 -> 100 becomes 20; then skew < 0 -> -30 becomes 1
        x = np.r_[-30.0, _ramp(20), 100.0]
        assert st.skew(np.r_[-30.0, _ramp(20), 20.0], bias=False) <= -2
        r = winsorise(x)
        np.testing.assert_array_equal(r.values, np.r_[1.0, _ramp(20), 20.0])
        assert r.log[["position", "side", "step"]].to_dict("records") == [
            {"position": 21, "side": "high", "step": 1},
            {"position": 0, "side": "low", "step": 2},
        ]
        assert r.status["n_winsorised"].iloc[0] == 2

    def test_ties_are_replaced_together_and_counted(self):
        # two tied maxima are one Winsorisation step but count 2, exceeding winmax = 1
        x = np.r_[_ramp(20), 100.0, 100.0]
        r = winsorise(x, winmax=1, f2=None)
        np.testing.assert_array_equal(r.values, np.r_[_ramp(20), 20.0, 20.0])
        assert r.status["n_winsorised"].iloc[0] == 2
        assert r.log["step"].tolist() == [1, 1]

    def test_winmax_zero_goes_straight_to_f2(self):
        x = np.r_[_ramp(10), 100.0]
        r = winsorise(x, winmax=0)
        np.testing.assert_allclose(r.values, np.log(x - 1.0 + 0.99))
        assert r.status["n_winsorised"].iloc[0] == 0

    def test_winmax_none_continues_until_pass(self):
        x = np.r_[_ramp(100), 2.0 ** np.arange(10, 20)]  # 10 escalating outliers
        assert not winsorise(x, f2=None).status["pass_after"].iloc[0]
        r = winsorise(x, winmax=None, f2=None)
        assert r.status["pass_after"].iloc[0] and r.status["n_winsorised"].iloc[0] == 10
        np.testing.assert_array_equal(r.values, np.r_[_ramp(100), np.full(10, 100.0)])

    def test_combine_applies_f2_to_winsorised(self):
        x = np.r_[_ramp(20), 100.0, 200.0]
        r = winsorise(x, winmax=1, combine=True, f2="log_CT_orig")
        w = np.r_[_ramp(20), 100.0, 100.0]
        np.testing.assert_allclose(r.values, np.log(w - 1.0 + 1.0))
        rules = dict(zip(r.log["position"], r.log["rule"]))
        assert rules[21] == "winsorise+log_CT_orig" and rules[0] == "log_CT_orig"
        assert r.log.loc[r.log["position"] == 21, "step"].tolist() == [1]

    def test_infinite_thresholds_disable(self):
        x = np.r_[_ramp(10), 1e6]
        assert winsorise(x, skew_thresh=np.inf).log.empty
        assert winsorise(x, kurt_thresh=np.inf).log.empty


class TestWinsoriseBookkeeping:
    def test_nan_ignored_and_kept(self):
        x = np.r_[np.nan, _ramp(10), np.nan, 100.0]
        r = winsorise(x)
        assert np.isnan(r.values[[0, 11]]).all()
        np.testing.assert_array_equal(r.values[~np.isnan(x)], np.r_[_ramp(10), 10.0])
        assert r.log["position"].tolist() == [12]
        assert r.status["n_obs"].iloc[0] == 11

    def test_by_groups_are_independent(self):
        a = np.r_[_ramp(10), 100.0]  # one high outlier
        b = np.r_[-100.0, _ramp(10)]  # one low outlier
        c = np.r_[-100.0, np.zeros(10), 100.0]  # symmetric: untouched
        x = np.r_[a, b, c]
        by = np.r_[np.full(a.size, 5), np.full(b.size, 2), np.full(c.size, 9)]
        perm = np.random.default_rng(3).permutation(x.size)
        r = winsorise(x[perm], by=by[perm])
        for g, vec in ((5, a), (2, b), (9, c)):
            got = r.values[by[perm] == g]
            expected = winsorise(vec).values[perm[by[perm] == g] - np.flatnonzero(by == g)[0]]
            np.testing.assert_array_equal(got, expected)
        assert r.status["group"].tolist() == [2, 5, 9]
        assert r.status["n_winsorised"].tolist() == [1, 1, 0]
        log = r.log
        assert log["group"].tolist() == [2, 5]
        assert log["side"].tolist() == ["low", "high"]
        # positions refer to the (shuffled) input
        assert x[perm][log["position"]].tolist() == [-100.0, 100.0]

    def test_pooled_differs_from_grouped(self):
        # two groups each clean on their own, but pooled the second is an outlying block
        x = np.r_[_ramp(20), 1000.0, 1001.0]
        by = np.r_[np.zeros(20, int), 1, 1]
        with pytest.warns(DtindexWarning, match=r"group 1 \(2 values\)"):
            assert winsorise(x, by=by, f2=None).log.empty
        assert not winsorise(x, f2=None).log.empty

    def test_negative_codes_not_treated(self):
        x = np.r_[_ramp(10), 100.0, 1e6]
        by = np.r_[np.zeros(11, int), -1]
        r = winsorise(x, by=by)
        assert r.values[-1] == 1e6 and r.values[10] == 10.0
        last = r.status.iloc[-1]
        assert last["group"] == -1 and last["n_obs"] == 1 and "no group" in last["note"]

    def test_labels_in_log(self):
        x = np.r_[_ramp(10), 100.0]
        labels = [f"city{i}@2024Q1" for i in range(11)]
        r = winsorise(x, labels=labels)
        assert r.log["label"].tolist() == ["city10@2024Q1"]
        assert winsorise(x).log["label"].isna().all()

    def test_too_few_and_constant_groups_warn(self):
        x = np.r_[1.0, 2.0, 500.0, 7.0, 7.0, 7.0, 7.0, _ramp(10), 100.0]
        by = np.r_[0, 0, 0, 1, 1, 1, 1, np.full(11, 2)]
        with pytest.warns(DtindexWarning, match=r"2 group\(s\) left untreated.*group 0 \(3 values\), group 1 \(constant\)"):
            r = winsorise(x, by=by)
        np.testing.assert_array_equal(r.values[:7], x[:7])
        assert r.values[-1] == 10.0
        notes = r.status.set_index("group")["note"]
        assert "3 non-missing" in notes[0] and "equal" in notes[1] and notes[2] == ""

    def test_input_not_modified_and_result_read_only(self):
        x = np.r_[_ramp(10), 100.0]
        before = x.copy()
        r = winsorise(x)
        np.testing.assert_array_equal(x, before)
        with pytest.raises(ValueError):
            r.values[0] = 5.0

    def test_deterministic(self):
        x = np.random.default_rng(1).lognormal(sigma=2, size=200)
        by = np.repeat(np.arange(4), 50)
        r1, r2 = winsorise(x, by=by), winsorise(x, by=by)
        np.testing.assert_array_equal(r1.values, r2.values)
        assert r1.log.equals(r2.log) and r1.status.equals(r2.status)

    def test_integer_input_accepted(self):
        r = winsorise(np.r_[np.arange(1, 11), 100])
        assert r.values.dtype == np.float64 and r.values[-1] == 10.0


class TestWinsoriseValidation:
    def test_bad_f2(self):
        with pytest.raises(SpecError, match=r"The 'f2' parameter of winsorise must be one of 'log_CT', 'log_CT_orig', None; got 'boxcox'\."):
            winsorise([1.0, 2.0, 3.0, 4.0], f2="boxcox")

    @pytest.mark.parametrize(
        "kw, match",
        [
            ({"winmax": -1}, "'winmax'"),
            ({"winmax": 2.5}, "'winmax'"),
            ({"skew_thresh": 0}, "'skew_thresh'"),
            ({"skew_thresh": float("nan")}, "'skew_thresh'"),
            ({"kurt_thresh": "3"}, "'kurt_thresh'"),
            ({"combine": "yes"}, "'combine'"),
        ],
    )
    def test_bad_parameters(self, kw, match):
        with pytest.raises(SpecError, match=match):
            winsorise([1.0, 2.0, 3.0, 4.0], **kw)

    def test_bad_data(self):
        with pytest.raises(DataError, match="by has length 2 but x has length 4"):
            winsorise([1.0, 2.0, 3.0, 4.0], by=[0, 1])
        with pytest.raises(DataError, match="integer codes.*float64"):
            winsorise([1.0, 2.0, 3.0, 4.0], by=[0.0, 0.0, 1.0, 1.0])
        with pytest.raises(DataError, match="infinite values at positions 2"):
            winsorise([1.0, 2.0, -np.inf, 4.0])
        with pytest.raises(DataError, match="labels has shape"):
            winsorise([1.0, 2.0, 3.0, 4.0], labels=["a"])


class TestLogTransforms:
    def test_log_ct_hand(self):
        # min 0, max 100 -> shift 1: ln(x + 1)
        np.testing.assert_allclose(log_ct([0.0, 9.0, 100.0, np.nan])[:3], np.log([1.0, 10.0, 101.0]))
        assert np.isnan(log_ct([0.0, 1.0, np.nan])[2])

    def test_log_ct_orig_hand(self):
        np.testing.assert_allclose(log_ct_orig([-2.0, -1.0, 5.0]), np.log([1.0, 2.0, 8.0]))

    def test_log_ct_constant_refused(self):
        with pytest.raises(MethodDomainError, match="all non-missing values equal 3.0"):
            log_ct([3.0, 3.0, np.nan])


# --------------------------------------------------------------------------- properties

_values = hnp.arrays(
    np.float64,
    hs.integers(0, 40),
    elements=hs.one_of(
        hs.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
        hs.just(np.nan),
        hs.sampled_from([1e5, -1e5, 0.0]),
    ),
)


@settings(max_examples=60, deadline=None)
@given(x=_values, data=hs.data())
def test_property_winsorised_values_within_group_range(x, data):
    by = data.draw(hnp.arrays(np.int64, x.size, elements=hs.integers(-1, 2)))
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtindexWarning)
        r = winsorise(x, by=by, f2=None, winmax=data.draw(hs.one_of(hs.none(), hs.integers(0, 6))))
    np.testing.assert_array_equal(x, before)  # input untouched
    assert np.array_equal(np.isnan(r.values), np.isnan(x))
    for g in np.unique(by):
        m = (by == g) & ~np.isnan(x)
        if m.any():
            assert r.values[m].min() >= x[m].min() and r.values[m].max() <= x[m].max()
        if g < 0:
            np.testing.assert_array_equal(r.values[by == g], x[by == g])
    changed = ~np.isnan(x) & (r.values != x)
    assert sorted(r.log["position"]) == np.flatnonzero(changed).tolist()


@settings(max_examples=40, deadline=None)
@given(x=_values)
def test_property_infinite_thresholds_leave_data_untouched(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtindexWarning)
        r1 = winsorise(x, skew_thresh=np.inf)
        r2 = winsorise(x, kurt_thresh=np.inf)
    np.testing.assert_array_equal(r1.values, x)
    np.testing.assert_array_equal(r2.values, x)
    assert r1.log.empty and r2.log.empty


@settings(max_examples=40, deadline=None)
@given(x=_values)
def test_property_unlimited_winsorisation_always_passes(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DtindexWarning)
        r = winsorise(x, winmax=None, f2=None)
    if r.status.shape[0]:
        assert r.status["pass_after"].all()
