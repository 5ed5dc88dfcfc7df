"""Post-stratification, raking, trimming and Kish quantities.

Reference: R survey regression test tests/rakecheck.Rout.save (dclus1 = svydesign(id=~dnum,
weights=~pw, fpc=~fpc, apiclus1); pop.types E/H/M = 4421/755/1018, pop.schwide No/Yes = 1072/5122):
dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
svymean(~api00, dclus1r) = 641.23 (SE 23.704); svytotal(~enroll, dclus1r) = 3647300 (SE 400603);
rake on the joint stype x sch.wide table and comp.imp (No/Yes = 1712/4482):
svymean(~api00, dclus1r2) = 642.62 (SE 22.732).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtindex.errors import DataError, DtindexWarning, SpecError
from dtindex.survey import (
    Design,
    kish_deff,
    kish_effective_n,
    poststratify,
    rake,
    rake_weights,
    read_margins,
    trim_weights,
)

POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}
POP_JOINT = {("E", "No"): 472, ("E", "Yes"): 3949, ("H", "No"): 334, ("H", "Yes"): 421, ("M", "No"): 266,
             ("M", "Yes"): 752}  # xtabs(~stype + sch.wide, apipop)


@pytest.fixture(scope="module")
def dclus1(apiclus1):
    return Design(apiclus1, weights="pw", ids="dnum", fpc="fpc")


def test_raked_design_matches_r(dclus1):
    r = dclus1.rake({"stype": POP_TYPES, "sch.wide": POP_SCHWIDE})
    m, t = r.mean("api00"), r.total("enroll")
    assert m["estimate"].iloc[0] == pytest.approx(641.23, abs=0.005)
    assert m["se"].iloc[0] == pytest.approx(23.704, abs=5e-4)
    assert t["estimate"].iloc[0] == pytest.approx(3647300, abs=50)
    assert t["se"].iloc[0] == pytest.approx(400603, abs=0.5)
    # R-style population tables (data frames with Freq) give the same design
    frames = [pd.DataFrame({"stype": list(POP_TYPES), "Freq": list(POP_TYPES.values())}),
              pd.DataFrame({"sch.wide": list(POP_SCHWIDE), "Freq": list(POP_SCHWIDE.values())})]
    np.testing.assert_allclose(rake(dclus1, frames).weights, r.weights)


def test_raking_on_a_joint_margin_matches_r(dclus1):
    r2 = dclus1.rake({("stype", "sch.wide"): POP_JOINT, "comp.imp": {"No": 1712, "Yes": 4482}})
    m = r2.mean("api00")
    assert m["estimate"].iloc[0] == pytest.approx(642.62, abs=0.005)
    assert m["se"].iloc[0] == pytest.approx(22.732, abs=5e-4)


def _r_rake_by_hand(w, codes, targets, eps=1.0, maxit=10):
    """R's rake() loop written out: post-stratify each margin, compare joint tables."""
    joint = codes[0] * 10 + codes[1]
    old = np.bincount(joint, w, 100)
    for sweep in range(1, maxit + 1):
        for c, t in zip(codes, targets):
            w = w * (t / np.bincount(c, w, len(t)))[c]
        new = np.bincount(joint, w, 100)
        if np.abs(old - new).max() < eps:
            return w, sweep, True
        old = new
    return w, maxit, False


def test_rake_weights_follow_rs_stopping_rule(apiclus1):
    res = rake_weights(apiclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, weights="pw")
    codes = [pd.factorize(apiclus1["stype"], sort=True)[0], pd.factorize(apiclus1["sch.wide"], sort=True)[0]]
    targets = [np.array([4421, 755, 1018.0]), np.array([1072, 5122.0])]
    w, sweeps, conv = _r_rake_by_hand(apiclus1["pw"].to_numpy(), codes, targets)
    np.testing.assert_allclose(res.weights.to_numpy(), w, rtol=1e-12)
    assert (res.sweeps, res.converged) == (sweeps, conv)
    assert res.history[-1] < 1 <= res.history[-2]
    # margins: the last-raked margin exactly, the other within epsilon
    sw = res.margins[res.margins["variable"] == "sch.wide"]
    np.testing.assert_allclose(sw["achieved"], sw["target"], rtol=1e-12)
    assert res.margins["difference"].abs().max() < 1.0
    # rake() on a frame returns the weights with the report attached
    out = rake(apiclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, weights="pw")
    assert isinstance(out, pd.Series) and out.attrs["raking"].sweeps == res.sweeps
    np.testing.assert_array_equal(out.to_numpy(), res.weights.to_numpy())
    assert (out.converged, out.sweeps) == (res.converged, res.sweeps) and type(out * 2) is pd.Series
    pd.testing.assert_series_equal(out.weights, res.weights)
    # R's control= list
    with pytest.warns(DtindexWarning, match="did not converge after 2 sweeps"):
        one = rake(apiclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, weights="pw", control={"maxit": 2, "epsilon": 1})
    assert one.sweeps == 2
    with pytest.raises(SpecError, match="unknown control settings tol"):
        rake(apiclus1, {"stype": POP_TYPES}, weights="pw", control={"tol": 1})


def test_rake_small_example_by_hand():
    df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    res = rake_weights(df, {"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}})
    assert res.weights.tolist() == [3.0, 3.0, 2.0, 2.0]
    assert res.history == [2.0, 0.0] and res.sweeps == 2 and res.converged
    # shares are scaled to the sum of the initial weights (here n = 4)
    shares = rake_weights(df, {"a": {"x": 0.6, "y": 0.4}, "b": {"u": 0.5, "v": 0.5}})
    assert shares.weights.tolist() == pytest.approx([1.2, 1.2, 0.8, 0.8])
    assert rake_weights(df, {"a": {"x": 0.6, "y": 0.4}}, total=100).weights.tolist() == pytest.approx([30, 30, 20, 20])


def test_rake_relative_epsilon_and_non_convergence_warning(apiclus1):
    tight = rake_weights(apiclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, weights="pw", epsilon=1e-9, maxit=200)
    assert tight.epsilon == pytest.approx(1e-9 * apiclus1["pw"].sum())
    np.testing.assert_allclose(tight.margins["achieved"], tight.margins["target"], rtol=1e-8)
    with pytest.warns(DtindexWarning, match="did not converge after 1 sweeps"):
        one = rake_weights(apiclus1, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, weights="pw", maxit=1)
    assert not one.converged


def test_rake_with_trimming_keeps_bounds_and_total():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.choice(["x", "y", "z"], 300, p=[0.8, 0.15, 0.05]), "b": rng.choice(["u", "v"], 300)})
    margins = {"a": {"x": 0.3, "y": 0.3, "z": 0.4}, "b": {"u": 0.5, "v": 0.5}}
    res = rake_weights(df, margins, trim=(0.3, 3.0), maxit=100, epsilon=1e-8)
    w = res.weights.to_numpy()
    assert w.sum() == pytest.approx(300)
    assert w.max() <= 3.0 * w.mean() * (1 + 1e-9) and w.min() >= 0.3 * w.mean() * (1 - 1e-9)
    assert res.trimmed > 0


def test_poststratify_and_partial(apiclus1):
    w = poststratify(apiclus1, "stype", POP_TYPES, weights="pw")
    assert w.groupby(apiclus1["stype"]).sum().to_dict() == pytest.approx(POP_TYPES)
    joint = poststratify(apiclus1, ["stype", "sch.wide"], POP_JOINT, weights="pw")
    assert joint.sum() == pytest.approx(6194)
    with pytest.raises(DataError, match=r"population cells E x Maybe .* have no responses"):
        poststratify(apiclus1, ["stype", "sch.wide"], {**POP_JOINT, ("E", "Maybe"): 3}, weights="pw")
    with pytest.warns(DtindexWarning, match="ignored"):
        poststratify(apiclus1, "stype", {**POP_TYPES, "K": 10}, weights="pw", partial=True)


def test_margin_errors_name_the_problem(apiclus1):
    with pytest.raises(DataError, match=r"categories M of stype occur in the sample but have no"):
        rake_weights(apiclus1, {"stype": {"E": 4421, "H": 755}})
    with pytest.raises(DataError, match="different population totals"):
        rake_weights(apiclus1, {"stype": POP_TYPES, "sch.wide": {"No": 1, "Yes": 5}})
    with pytest.raises(DataError, match="weighting: column 'region' is not in the data"):
        rake_weights(apiclus1, {"region": {"a": 1}})
    missing = apiclus1.assign(stype=apiclus1["stype"].where(apiclus1.index != 4))
    with pytest.raises(DataError, match="stype is missing in rows 6"):
        rake_weights(missing, {"stype": POP_TYPES})
    with pytest.raises(SpecError, match="maxit must be at least 1"):
        rake_weights(apiclus1, {"stype": POP_TYPES}, maxit=0)
    with pytest.raises(SpecError, match="trim bounds"):
        rake_weights(apiclus1, {"stype": POP_TYPES}, trim=(0.5, 0.9))


def test_read_margins_long_table(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("variable,category,percent\nsize,small,60\nsize,large,40\nsize*region,small*east,30\n"
                 "size*region,small*west,30\nsize*region,large*east,20\nsize*region,large*west,20\n", encoding="utf-8")
    m = read_margins(p)
    assert m[0] == (["size"], {"small": 0.6, "large": 0.4})
    assert m[1][0] == ["size", "region"] and m[1][1][("large", "west")] == pytest.approx(0.2)
    df = pd.DataFrame({"size": ["small", "small", "large", "large"], "region": ["east", "west", "east", "west"]})
    res = rake_weights(df, pd.DataFrame({"variable": ["size*region"] * 4,
                                         "category": ["small*east", "small*west", "large*east", "large*west"],
                                         "target": [30, 30, 20, 20]}))
    assert res.weights.tolist() == pytest.approx([30, 30, 20, 20])
    bad = tmp_path / "bad.csv"
    bad.write_text("variable,category,share\nsize,small,x\n", encoding="utf-8")
    with pytest.raises(DataError, match='bad.csv row 2: value "x" in column share is not a number'):
        read_margins(bad)


def test_trim_and_kish_by_hand():
    assert trim_weights([1.0, 1.0, 1.0, 9.0], upper=2).tolist() == pytest.approx([2.0, 2.0, 2.0, 6.0])
    # 0.1 -> 0.5 (half the mean of 1); the other weights shrink by (4 - 0.5) / 3.9 to keep the total
    f = 3.5 / 3.9
    assert trim_weights([0.1, 1.0, 1.0, 1.9], lower=0.5).tolist() == pytest.approx([0.5, f, f, 1.9 * f])
    assert kish_effective_n([1, 1, 2, 2]) == pytest.approx(36 / 10)
    assert kish_deff([1, 1, 2, 2]) == pytest.approx(4 * 10 / 36)
    assert kish_deff(np.ones(7)) == 1.0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_raking_reproduces_every_margin(seed):
    rng = np.random.default_rng(seed)
    n = 200
    df = pd.DataFrame({"a": rng.integers(0, 3, n), "b": rng.integers(0, 4, n)})
    df.loc[:11, "a"] = np.arange(12) % 3  # every category present
    df.loc[:11, "b"] = np.arange(12) % 4
    ta = rng.uniform(1, 5, 3)
    tb = rng.uniform(1, 5, 4)
    tb *= ta.sum() / tb.sum()
    res = rake_weights(df, {"a": dict(enumerate(ta)), "b": dict(enumerate(tb))}, epsilon=1e-10, maxit=500)
    w = res.weights.to_numpy()
    assert (w > 0).all() and res.converged
    np.testing.assert_allclose(np.bincount(df["a"], w, 3), ta, rtol=1e-7)
    np.testing.assert_allclose(np.bincount(df["b"], w, 4), tb, rtol=1e-7)
    again = rake_weights(df, {"a": dict(enumerate(ta)), "b": dict(enumerate(tb))}, epsilon=1e-10, maxit=500)
    np.testing.assert_array_equal(again.weights.to_numpy(), w)
