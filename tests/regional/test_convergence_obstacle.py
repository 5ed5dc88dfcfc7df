"""sigma/beta convergence on exactly generated panels; obstacle degree by hand and on a release."""

import math

import numpy as np
import pandas as pd
import pytest

from dtindex.regional.convergence import beta_absolute, beta_conditional, sigma
from dtindex.regional.obstacle import layer_obstacles, obstacle, overall_weights, top_obstacles


def test_sigma_by_hand():
    panel = pd.DataFrame({"2020": [1.0, 3.0], "2021": [2.0, 2.0]})
    out = sigma(panel)
    assert out["cv"].tolist() == pytest.approx([0.5, 0.0])
    assert out.loc[0, "sd_log"] == pytest.approx(math.log(3) / 2)


def test_absolute_beta_recovers_exact_slope_speed_and_half_life():
    # growth (1/T) ln(yT/y0) = 0.05 - 0.02 ln y0 exactly, T = 4 steps
    y0 = np.array([1.0, 2.0, 5.0, 10.0, 20.0])
    T = 4
    g = 0.05 - 0.02 * np.log(y0)
    yT = y0 * np.exp(g * T)
    panel = pd.DataFrame({"t0": y0, "t1": y0, "t2": y0, "t3": y0, "t4": yT})
    r = beta_absolute(panel)
    assert r.beta == pytest.approx(-0.02)
    lam = -math.log(1 - 0.02 * T) / T
    assert r.speed == pytest.approx(lam)
    assert r.half_life == pytest.approx(math.log(2) / lam)


def test_conditional_beta_two_way_fixed_effects():
    # ln y_{t+1} - ln y_t = -0.1 ln y_t + mu_i + eta_t exactly: two-way FE returns beta = -0.1
    rng = np.random.default_rng(3)
    n, t = 12, 6
    mu, eta = rng.normal(0, 0.05, n), rng.normal(0, 0.05, t)
    lny = np.zeros((n, t))
    lny[:, 0] = rng.normal(1, 0.5, n)
    for s in range(t - 1):
        lny[:, s + 1] = lny[:, s] - 0.1 * lny[:, s] + mu + eta[s]
    r = beta_conditional(pd.DataFrame(np.exp(lny)))
    assert r.beta == pytest.approx(-0.1, abs=1e-8)
    assert r.speed == pytest.approx(-math.log(0.9))


def test_obstacle_hand_example():
    # w = (0.5, 0.3, 0.2); unit A x' = (0.2, 0.5, 1.0): deviations w(1 - x') = (0.4, 0.15, 0) -> O = (0.4/0.55, 0.15/0.55, 0)
    X = pd.DataFrame({"i1": [0.2, 1.0], "i2": [0.5, 1.0], "i3": [1.0, 1.0]}, index=["A", "B"])
    O = obstacle(X, {"i1": 0.5, "i2": 0.3, "i3": 0.2})
    assert O.loc["A"].tolist() == pytest.approx([0.4 / 0.55, 0.15 / 0.55, 0.0])
    assert O.loc["B"].isna().all()  # at the frontier on every indicator: no obstacle


def test_overall_weights_multiply_along_the_tree():
    wt = pd.DataFrame({"iCode": ["a", "b", "c", "L1", "L2"], "Parent": ["L1", "L1", "L2", "R", "R"],
                       "weight": [0.5, 0.5, 1.0, 0.6, 0.4]})
    assert overall_weights(wt, ["a", "b", "c"], "R").to_dict() == pytest.approx({"a": 0.3, "b": 0.3, "c": 0.4})


def test_release_obstacles_sum_to_one_and_layers(demo_release):
    from dtindex.regional.obstacle import release_obstacles
    from dtindex.release import Release

    b = Release.load(demo_release)["city"]
    long, notes = release_obstacles(b)
    assert list(long.columns) == ["unit", "time", "iCode", "obstacle"]
    sums = long.groupby(["unit", "time"])["obstacle"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert set(notes["iCode"]) == set(b.framework.indicators)
    layers = layer_obstacles(long, b.framework)
    assert set(layers["iCode"]) == {"infra", "platform", "application"}
    np.testing.assert_allclose(layers.groupby(["unit", "time"])["obstacle"].sum(), 1.0)
    top = top_obstacles(long, 2)
    assert top.groupby(["unit", "time"]).size().max() == 2
