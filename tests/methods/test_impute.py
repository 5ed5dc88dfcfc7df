"""Tests for dtindex.methods.impute (group mean/median, LOCF, dispatcher)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

from dtindex.errors import DataError, DtindexWarning, SpecError
from dtindex.methods.impute import impute, impute_locf, impute_mean, impute_median

nan = np.nan


# --------------------------------------------------------------------------- mean / median


class TestGroupMeanMedian:
    x = np.array([1.0, nan, 3.0, 10.0, nan, 20.0, 40.0, nan])
    by = np.array([0, 0, 0, 7, 7, 7, 7, 0])

    def test_mean_by_group_hand(self):
        r = impute_mean(self.x, by=self.by)
        # group 0: (1 + 3) / 2 = 2; group 7: (10 + 20 + 40) / 3 = 70 / 3
        np.testing.assert_allclose(r.values, [1, 2, 3, 10, 70 / 3, 20, 40, 2])
        assert r.imputed.tolist() == [False, True, False, False, True, False, False, True]
        assert r.unfilled == 0 and not r.unfilled_mask.any()
        assert r.fill_values.index.tolist() == [0, 7]
        np.testing.assert_allclose(r.fill_values.to_numpy(), [2.0, 70 / 3])
        assert r.method == "mean" and r.donor is None

    def test_median_by_group_hand(self):
        r = impute_median(self.x, by=self.by)
        # group 0 observed (1, 3): even count -> (1 + 3) / 2 = 2; group 7 (10, 20, 40): 20
        np.testing.assert_array_equal(r.values, [1, 2, 3, 10, 20, 20, 40, 2])
        np.testing.assert_array_equal(r.fill_values.to_numpy(), [2.0, 20.0])

    def test_pooled(self):
        # observed 1, 3, 10, 20, 40: mean 74 / 5 = 14.8, median 10
        np.testing.assert_allclose(impute_mean(self.x).values[[1, 4, 7]], 14.8)
        np.testing.assert_array_equal(impute_median(self.x).values[[1, 4, 7]], 10.0)
        assert impute_mean(self.x).fill_values.index.tolist() == [0]

    def test_matches_numpy_per_group(self):
        rng = np.random.default_rng(11)
        x = rng.normal(size=300)
        x[rng.random(300) < 0.3] = nan
        by = rng.integers(0, 9, size=300) * 1_000_000_007  # large, sparse codes
        for fn, ref in ((impute_mean, np.nanmean), (impute_median, np.nanmedian)):
            r = fn(x, by=by)
            for g in np.unique(by):
                m = by == g
                assert r.fill_values[g] == pytest.approx(ref(x[m]), rel=1e-12, abs=1e-15)
                np.testing.assert_array_equal(r.values[m & ~np.isnan(x)], x[m & ~np.isnan(x)])

    def test_mean_never_leaves_the_data_range(self):
        # 0.1 + 0.1 + 0.1 = 0.30000000000000004 and / 3 gives 0.10000000000000002 > 0.1
        r = impute_mean([0.1, 0.1, 0.1, nan])
        assert r.values[3] == 0.1

    def test_group_without_data_is_reported(self):
        x = np.array([1.0, nan, nan, nan, 5.0])
        by = np.array([0, 0, 3, 3, 0])
        with pytest.warns(DtindexWarning, match=r"impute_mean: 2 missing value\(s\) left unfilled: "
                          r"group\(s\) 3 have no observed value; positions 2, 3\."):
            r = impute_mean(x, by=by)
        assert r.unfilled == 2
        assert r.unfilled_mask.tolist() == [False, False, True, True, False]
        assert r.imputed.tolist() == [False, True, False, False, False]
        assert np.isnan(r.fill_values[3]) and r.fill_values[0] == 3.0
        with pytest.raises(DataError, match="group\\(s\\) 3 have no observed value"):
            impute_median(x, by=by, on_unfilled="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert impute_median(x, by=by, on_unfilled="ignore").unfilled == 2

    def test_negative_codes_neither_give_nor_receive(self):
        x = np.array([1.0, 100.0, nan, nan])
        by = np.array([0, -1, 0, -1])
        with pytest.warns(DtindexWarning, match="1 belong to no group"):
            r = impute_mean(x, by=by)
        np.testing.assert_array_equal(r.values[:3], [1.0, 100.0, 1.0])  # 100 not used
        assert np.isnan(r.values[3]) and r.unfilled == 1

    def test_input_not_modified_and_read_only(self):
        x = self.x.copy()
        r = impute_mean(x, by=self.by)
        np.testing.assert_array_equal(x, self.x)
        for arr in (r.values, r.imputed, r.unfilled_mask):
            with pytest.raises(ValueError):
                arr[0] = 0

    def test_no_missing_is_identity(self):
        r = impute_median([3.0, 1.0, 2.0])
        np.testing.assert_array_equal(r.values, [3.0, 1.0, 2.0])
        assert not r.imputed.any()

    def test_empty_input(self):
        r = impute_mean(np.array([]))
        assert r.values.size == 0 and r.unfilled == 0

    def test_bad_input(self):
        with pytest.raises(DataError, match="by has length 2 but x has length 3"):
            impute_mean([1.0, nan, 2.0], by=[0, 1])
        with pytest.raises(DataError, match="integer codes"):
            impute_mean([1.0, nan, 2.0], by=["a", "b", "c"])
        with pytest.raises(DataError, match="infinite values at positions 0"):
            impute_mean([np.inf, nan, 2.0])
        with pytest.raises(SpecError, match="The 'on_unfilled' parameter of impute_mean must be one of"):
            impute_mean([1.0], on_unfilled="silent")


# --------------------------------------------------------------------------- LOCF

# Panel in time order per unit (unit, period, x):
#   unit 0, periods 0-4: nan, 1, nan, nan, 4    -> inner gap, leading gap
#   unit 1, periods 0-4: 10, nan, 12, nan, nan  -> inner gap, trailing gap
#   unit 2, periods 0-4: all nan                -> nothing to carry
#   unit 3, periods 0, 3 (rows 1, 2 absent): 5, nan -> gap of 3 periods
PANEL = [
    (0, 0, nan), (0, 1, 1.0), (0, 2, nan), (0, 3, nan), (0, 4, 4.0),
    (1, 0, 10.0), (1, 1, nan), (1, 2, 12.0), (1, 3, nan), (1, 4, nan),
    (2, 0, nan), (2, 1, nan), (2, 2, nan), (2, 3, nan), (2, 4, nan),
    (3, 0, 5.0), (3, 3, nan),
]  # fmt: skip
LOCF = [nan, 1, 1, 1, 4, 10, 10, 12, 12, 12, nan, nan, nan, nan, nan, 5, 5]
LOCF_NOCB = [1, 1, 1, 1, 4] + LOCF[5:]
# donor = row (in PANEL order) whose value is copied, -1 if none
DONOR = [-1, -1, 1, 1, -1, -1, 5, -1, 7, 7, -1, -1, -1, -1, -1, -1, 15]


@pytest.fixture
def shuffled():
    perm = np.random.default_rng(5).permutation(len(PANEL))
    u, p, x = (np.array(c)[perm] for c in zip(*PANEL))
    return perm, u.astype(int), p.astype(int), x.astype(float)


class TestLOCF:
    def test_hand_example_shuffled_rows(self, shuffled):
        perm, u, p, x = shuffled
        before = x.copy()
        with pytest.warns(DtindexWarning, match=r"6 missing value\(s\) left unfilled .* units 0, 2;"):
            r = impute_locf(x, units=u, periods=p)
        np.testing.assert_array_equal(r.values, np.array(LOCF)[perm])
        np.testing.assert_array_equal(x, before)
        # donor positions refer to the shuffled input
        inv = np.argsort(perm)
        expected_donor = np.array([inv[d] if d >= 0 else -1 for d in DONOR])[perm]
        np.testing.assert_array_equal(r.donor, expected_donor)
        assert r.imputed.tolist() == (r.donor >= 0).tolist()
        assert r.imputed.sum() == 6 and r.unfilled == 6  # 17 rows: 5 observed, 6 filled, 6 left
        np.testing.assert_array_equal(r.unfilled_mask, np.isnan(np.array(LOCF)[perm]))
        assert r.method == "locf" and r.fill_values is None

    def test_nocb_fills_leading_gaps_only(self, shuffled):
        perm, u, p, x = shuffled
        with pytest.warns(DtindexWarning, match=r"5 missing value\(s\) left unfilled \(no observation in the unit\)"):
            r = impute_locf(x, units=u, periods=p, nocb=True)
        np.testing.assert_array_equal(r.values, np.array(LOCF_NOCB)[perm])
        lead = np.flatnonzero((u == 0) & (p == 0))[0]
        assert x[r.donor[lead]] == 1.0

    def test_max_lag(self, shuffled):
        perm, u, p, x = shuffled
        with pytest.warns(DtindexWarning, match="max_lag=2"):
            r = impute_locf(x, units=u, periods=p, max_lag=2)
        got = pd.Series(r.values, index=pd.MultiIndex.from_arrays([u, p]))
        assert got[(0, 3)] == 1.0  # 2 periods after the 1 at period 1
        assert np.isnan(got[(3, 3)])  # 3 periods after the 5 at period 0
        assert got[(1, 4)] == 12.0
        r1 = impute_locf(x, units=u, periods=p, max_lag=1, on_unfilled="ignore")
        got1 = pd.Series(r1.values, index=pd.MultiIndex.from_arrays([u, p]))
        assert got1[(0, 2)] == 1.0 and np.isnan(got1[(0, 3)])
        # the lag also bounds NOCB: unit 0 period 0 is 1 period before its next value
        r2 = impute_locf(x, units=u, periods=p, nocb=True, max_lag=1, on_unfilled="ignore")
        assert pd.Series(r2.values, index=pd.MultiIndex.from_arrays([u, p]))[(0, 0)] == 1.0

    def test_raise_on_unfilled(self, shuffled):
        _, u, p, x = shuffled
        with pytest.raises(DataError, match="nocb=True fills leading gaps"):
            impute_locf(x, units=u, periods=p, on_unfilled="raise")

    def test_duplicate_unit_period_refused(self):
        with pytest.raises(DataError, match=r"duplicated: \(unit 4, period 2\) at positions 0 and 2"):
            impute_locf([1.0, nan, 2.0], units=[4, 4, 4], periods=[2, 3, 2])

    def test_codes_checked(self):
        with pytest.raises(DataError, match="periods has length 2 but x has length 3"):
            impute_locf([1.0, nan, 2.0], units=[0, 0, 0], periods=[0, 1])
        with pytest.raises(DataError, match="units must hold integer codes"):
            impute_locf([1.0, nan, 2.0], units=[0.0, 0.0, 0.0], periods=[0, 1, 2])
        with pytest.raises(SpecError, match="'max_lag'"):
            impute_locf([1.0], units=[0], periods=[0], max_lag=0)
        with pytest.raises(SpecError, match="'nocb'"):
            impute_locf([1.0], units=[0], periods=[0], nocb="yes")

    def test_empty_and_single(self):
        assert impute_locf(np.array([]), units=np.array([], int), periods=np.array([], int)).values.size == 0
        r = impute_locf([nan], units=[0], periods=[0], on_unfilled="ignore")
        assert r.unfilled == 1 and r.donor.tolist() == [-1]


# --------------------------------------------------------------------------- dispatcher


class TestDispatcher:
    def test_routes(self, shuffled):
        _, u, p, x = shuffled
        by = u
        kw = {"on_unfilled": "ignore"}
        np.testing.assert_array_equal(impute(x, "mean", by=by, **kw).values, impute_mean(x, by=by, **kw).values)
        np.testing.assert_array_equal(impute(x, "median", **kw).values, impute_median(x, **kw).values)
        np.testing.assert_array_equal(
            impute(x, "locf", units=u, periods=p, nocb=True, **kw).values,
            impute_locf(x, units=u, periods=p, nocb=True, **kw).values,
        )

    def test_unknown_method(self):
        with pytest.raises(SpecError, match=r"^The 'method' parameter of impute must be one of 'mean', 'median', 'locf'; got 'knn'\.$"):
            impute([1.0, nan], "knn")

    def test_parameters_that_do_not_apply_are_refused(self):
        with pytest.raises(SpecError, match=r"'units', 'nocb' apply only to method 'locf'"):
            impute([1.0, nan], "mean", units=[0, 0], nocb=True)
        with pytest.raises(SpecError, match="'by' parameter of impute does not apply to method 'locf'"):
            impute([1.0, nan], "locf", by=[0, 0], units=[0, 0], periods=[0, 1])
        with pytest.raises(SpecError, match="needs periods"):
            impute([1.0, nan], "locf", units=[0, 0])


# --------------------------------------------------------------------------- properties

_x = hnp.arrays(
    np.float64,
    hs.integers(0, 40),
    elements=hs.one_of(hs.floats(-1e9, 1e9, allow_nan=False, allow_subnormal=False), hs.just(nan)),
)


@settings(max_examples=80, deadline=None)
@given(x=_x, data=hs.data(), median=hs.booleans())
def test_property_group_fill_in_range(x, data, median):
    by = data.draw(hnp.arrays(np.int64, x.size, elements=hs.integers(-1, 3)))
    before = x.copy()
    fn = impute_median if median else impute_mean
    r = fn(x, by=by, on_unfilled="ignore")
    np.testing.assert_array_equal(x, before)
    obs = ~np.isnan(x)
    np.testing.assert_array_equal(r.values[obs], x[obs])
    for g in np.unique(by[by >= 0]):
        m = by == g
        if (m & obs).any():
            lo, hi = x[m & obs].min(), x[m & obs].max()
            assert ((r.values[m] >= lo) & (r.values[m] <= hi)).all()  # also: no NaN left
        else:
            assert np.isnan(r.values[m]).all()
    assert r.unfilled == int(np.isnan(r.values).sum())
    np.testing.assert_array_equal(r.imputed, np.isnan(x) & ~np.isnan(r.values))


@settings(max_examples=80, deadline=None)
@given(data=hs.data(), nocb=hs.booleans())
def test_property_locf_matches_pandas(data, nocb):
    n_units = data.draw(hs.integers(1, 4))
    n_periods = data.draw(hs.integers(1, 6))
    cells = [(u, t) for u in range(n_units) for t in range(n_periods)]
    keep = data.draw(hs.lists(hs.booleans(), min_size=len(cells), max_size=len(cells)))
    cells = [c for c, k in zip(cells, keep) if k]
    x = data.draw(hnp.arrays(np.float64, len(cells), elements=hs.one_of(hs.floats(-1e6, 1e6), hs.just(nan))))
    perm = data.draw(hs.permutations(range(len(cells))))
    cells = [cells[i] for i in perm]
    u = np.array([c[0] for c in cells], dtype=np.int64)
    p = np.array([c[1] for c in cells], dtype=np.int64)
    r = impute_locf(x, units=u, periods=p, nocb=nocb, on_unfilled="ignore")

    df = pd.DataFrame({"u": u, "p": p, "x": x}).sort_values(["u", "p"])
    ref = df.groupby("u")["x"].ffill()
    if nocb:
        ref = ref.groupby(df["u"]).bfill()
    np.testing.assert_array_equal(r.values, ref.sort_index().to_numpy())
    # donors are observed values of the same unit, earlier (or, with nocb, later) in time
    d = r.donor
    has = d >= 0
    assert (u[d[has]] == u[has]).all() and (~np.isnan(x[d[has]])).all()
    if not nocb:
        assert (p[d[has]] < p[has]).all()
    np.testing.assert_array_equal(r.values[has], x[d[has]])
    # no NaN remains in a unit that has an earlier observation (or any, with nocb)
    obs = ~np.isnan(x)
    for i in np.flatnonzero(np.isnan(r.values)):
        same = (u == u[i]) & obs
        assert not (same & (p < p[i])).any() and (not nocb or not same.any())
