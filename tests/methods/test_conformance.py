"""One conformance suite over every registered normaliser (NORMALISERS) and aggregator (AGGREGATORS).

A method added to either registry is picked up here automatically; a new normaliser also needs an
entry in ``VALID_PARAMS`` (a test fails until it has one).
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from dtindex.errors import MethodDomainError, SpecError
from dtindex.methods.aggregate import AGGREGATORS, RELATIVE_AGGREGATORS, aggregate
from dtindex.methods.normalise import NORMALISERS, make_normaliser, normalise_panel

# smallest valid parameters of each normaliser (goalposts cannot run without its goalposts)
VALID_PARAMS: dict[str, dict] = {
    "base_share": {},
    "minmax": {},
    "zscore": {},
    "rank": {},
    "goalposts": {"goal_min": 0, "goal_max": 100},
    "dist_to_max": {},
    "pct_of_max": {},
    "none": {},
}

# 3 periods x 4 units, all values distinct and inside the goalposts 0..100
PANEL = np.array([[12.0, 47.0, 33.0, 5.0], [20.0, 61.0, 9.0, 40.0], [71.0, 15.0, 28.0, 55.0]])
UNITS = ("A", "B", "C", "D")
PERIODS = ("2023Q1", "2023Q2", "2023Q3")


def _scopes(name):
    cls = NORMALISERS[name]
    return (None,) if cls.scope_free else cls.scopes


CASES = [(name, scope) for name in sorted(NORMALISERS) for scope in _scopes(name)]
IDS = [f"{n}-{s or 'fixed'}" for n, s in CASES]


def norm(name, scope, x=PANEL, direction=1, params=None):
    x = np.asarray(x, dtype=float)
    res = normalise_panel(
        x.reshape(-1), make_normaliser(name, VALID_PARAMS[name] if params is None else params), n_units=x.shape[1],
        direction=direction, scope=scope, base_position=0, units=UNITS[: x.shape[1]],
        period_labels=PERIODS[: x.shape[0]], indicator="ind",
    )
    assert res.values.dtype == np.float64 and res.values.shape == (x.size,)
    assert res.scope == ("fixed" if NORMALISERS[name].scope_free else scope)
    return res.values.reshape(x.shape)


# =========================================================================== normalisers


def test_every_normaliser_has_conformance_params():
    assert set(VALID_PARAMS) == set(NORMALISERS)
    for name, cls in NORMALISERS.items():
        assert cls.name == name
        assert set(cls.scopes) <= {"per_period", "pooled", "base_period"}
        assert cls.default_scope in cls.scopes


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_normaliser_bad_parameter_name_refused(name):
    allowed_params = NORMALISERS[name].allowed_params
    if allowed_params:
        allowed = ", ".join(repr(a) for a in allowed_params)
        message = f"The 'params' parameter of normalise method {name!r} must be one of {allowed}; got 'bogus'."
    else:
        message = f"normalise method {name!r} takes no parameters; got 'bogus'"
    with pytest.raises(SpecError, match=re.escape(message)):
        make_normaliser(name, {**VALID_PARAMS[name], "bogus": 1})


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_normaliser_bad_scope_and_direction_refused(name):
    scopes = ", ".join(repr(s) for s in NORMALISERS[name].scopes)
    with pytest.raises(SpecError, match=re.escape(
        f"The 'scope' parameter of normalise method {name!r} must be one of {scopes}; got 'yearly'."
    )):
        norm(name, "yearly")
    with pytest.raises(SpecError, match=re.escape(
        f"The 'direction' parameter of normalise method {name!r} must be one of 1, -1; got 2."
    )):
        norm(name, _scopes(name)[0], direction=2)


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("name, scope", CASES, ids=IDS)
def test_normaliser_deterministic(name, scope, direction):
    a = norm(name, scope, direction=direction)
    b = norm(name, scope, direction=direction)
    assert a.tobytes() == b.tobytes()
    assert np.isfinite(a).all()


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("name, scope", CASES, ids=IDS)
def test_normaliser_nan_handling(name, scope, direction):
    """NaN in -> NaN out at that position; otherwise the value is treated as absent:

    * scope-free methods and scope base_period (NaN outside the base period) are per element:
      every other position is unchanged, bit for bit;
    * per_period: other periods are unchanged and the NaN's own period equals normalising that
      period without the missing unit;
    * pooled: the other positions stay finite (the pooled state is fitted without the NaN).
    """
    full = norm(name, scope, direction=direction)
    x = PANEL.copy()
    x[1, 2] = np.nan                    # unit C, 2023Q2 (not the base period)
    got = norm(name, scope, x, direction=direction)
    assert np.isnan(got[1, 2])
    others = ~np.isnan(x)
    assert np.isfinite(got[others]).all()
    if scope in (None, "base_period"):
        np.testing.assert_array_equal(got[others], full[others])
    elif scope == "per_period":
        np.testing.assert_array_equal(got[[0, 2]], full[[0, 2]])
        alone = norm(name, "per_period", PANEL[1:2, [0, 1, 3]], direction=direction)
        np.testing.assert_allclose(got[1, [0, 1, 3]], alone[0], rtol=1e-12, atol=1e-12)


def _assert_order(x, t, sign, strict):
    """For every pair with x_i > x_j: sign * (t_i - t_j) > 0 (strict) or >= 0."""
    dx = x[:, None] - x[None, :]
    dt = sign * (t[:, None] - t[None, :])
    pairs = dx > 0
    assert ((dt[pairs] > 0) if strict else (dt[pairs] >= 0)).all(), (x, t)


@pytest.mark.parametrize("name, scope", CASES, ids=IDS)
def test_normaliser_direction_flip_reverses_order(name, scope):
    up, down = norm(name, scope), norm(name, scope, direction=-1)
    # rank against the base period: two later values in the same gap of the base distribution tie,
    # so only the base period itself is strictly ordered
    gaps = name == "rank" and scope == "base_period"
    # within every period: higher raw -> higher score (+1), lower score (-1)
    for p in range(PANEL.shape[0]):
        strict = not (gaps and p > 0)
        _assert_order(PANEL[p], up[p], 1, strict)
        _assert_order(PANEL[p], down[p], -1, strict)
    if scope != "per_period":
        # one transform for the whole panel: the order holds across periods too
        _assert_order(PANEL.reshape(-1), up.reshape(-1), 1, not gaps)
        _assert_order(PANEL.reshape(-1), down.reshape(-1), -1, not gaps)


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("name, scope", CASES, ids=IDS)
def test_normaliser_unit_order_kept(name, scope, direction):
    perm = [2, 0, 3, 1]
    t = norm(name, scope, direction=direction)
    tp = norm(name, scope, PANEL[:, perm], direction=direction)
    np.testing.assert_allclose(tp, t[:, perm], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, scope", CASES, ids=IDS)
def test_normaliser_input_not_modified(name, scope):
    x = PANEL.copy()
    x[0, 1] = np.nan
    flat = x.reshape(-1)                 # float64, so normalise_panel may reshape it into a view
    before = flat.copy()
    for d in (1, -1):
        normalise_panel(flat, make_normaliser(name, VALID_PARAMS[name]), n_units=4, direction=d, scope=scope,
                        base_position=0)
    np.testing.assert_array_equal(flat, before)


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_normaliser_docstring_has_formula_and_direction(name):
    doc = inspect.getdoc(NORMALISERS[name])
    assert doc and doc != inspect.getdoc(NORMALISERS[name].__mro__[1]), "class needs its own docstring"
    assert "=" in doc, "docstring must give the formula"
    assert "irection" in doc, "docstring must say how direction -1 flips the indicator"


# =========================================================================== aggregators

V = np.array([[0.5, 0.2, 0.9], [0.4, 0.7, 0.3], [0.1, 0.6, 0.8], [0.9, 0.9, 0.2], [0.3, 0.5, 0.5]])
W = np.array([1.0, 2.0, 3.0])
AGG = sorted(AGGREGATORS)


@pytest.mark.parametrize("name", AGG)
def test_aggregator_bad_parameter_name_refused(name):
    # aggregate(V, W, name, missng='error') runs with missing='skip' and no error; expected SpecError
    with pytest.raises(SpecError, match="missng"):
        aggregate(V, W, name, missng="error")


@pytest.mark.parametrize("name", AGG)
def test_aggregator_bad_parameter_value_refused(name):
    with pytest.raises(SpecError, match=re.escape(
        "The 'missing' parameter of aggregate must be one of 'skip', 'propagate', 'error'; got 'drop'."
    )):
        aggregate(V, W, name, missing="drop")


@pytest.mark.parametrize("name", AGG)
def test_aggregator_deterministic(name):
    a, b = aggregate(V, W, name), aggregate(V, W, name)
    assert a.dtype == np.float64 and a.shape == (V.shape[0],)
    assert a.tobytes() == b.tobytes()
    assert np.isfinite(a).all()


@pytest.mark.parametrize("name", AGG)
def test_aggregator_nan_handling(name):
    """skip: the missing child is dropped for that row only; propagate: that row is NaN;
    error: MethodDomainError. The three means work row by row, so other rows are unchanged."""
    full = aggregate(V, W, name)
    x = V.copy()
    x[1, 2] = np.nan
    skip = aggregate(x, W, name)
    assert np.isfinite(skip).all()
    prop = aggregate(x, W, name, missing="propagate")
    assert np.isnan(prop[1])
    if name in RELATIVE_AGGREGATORS:
        # propagate: the row that becomes missing takes no part in the norms and ideals of the others
        np.testing.assert_allclose(np.delete(prop, 1), aggregate(np.delete(V, 1, axis=0), W, name))
    else:
        np.testing.assert_array_equal(np.delete(prop, 1), np.delete(skip, 1))
    with pytest.raises(MethodDomainError):
        aggregate(x, W, name, missing="error")
    if name not in RELATIVE_AGGREGATORS:
        np.testing.assert_array_equal(np.delete(skip, 1), np.delete(full, 1))
        alone = aggregate(V[1:2, :2], W[:2], name)
        np.testing.assert_allclose(skip[1], alone[0], rtol=1e-12)


@pytest.mark.parametrize("name", AGG)
def test_aggregator_row_order_kept(name):
    perm = [3, 0, 4, 2, 1]
    np.testing.assert_allclose(aggregate(V[perm], W, name), aggregate(V, W, name)[perm], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", AGG)
def test_aggregator_child_order_irrelevant(name):
    perm = [2, 0, 1]
    np.testing.assert_allclose(aggregate(V[:, perm], W[perm], name), aggregate(V, W, name), rtol=1e-12)


@pytest.mark.parametrize("name", AGG)
def test_aggregator_input_not_modified(name):
    x = V.copy()
    x[0, 0] = np.nan
    w = W.copy()
    xb, wb = x.copy(), w.copy()
    for missing in ("skip", "propagate"):
        aggregate(x, w, name, missing=missing)
    np.testing.assert_array_equal(x, xb)
    np.testing.assert_array_equal(w, wb)


@pytest.mark.parametrize("name", [n for n in AGG if n not in RELATIVE_AGGREGATORS])
def test_mean_is_increasing_in_each_child(name):
    base = aggregate(V, W, name)
    for j in range(V.shape[1]):
        x = V.copy()
        x[2, j] += 0.05
        got = aggregate(x, W, name)
        assert got[2] > base[2]
        np.testing.assert_array_equal(np.delete(got, 2), np.delete(base, 2))


@pytest.mark.parametrize("name", AGG)
def test_aggregator_docstring_has_formula(name):
    doc = inspect.getdoc(AGGREGATORS[name])
    assert doc and "=" in doc


@pytest.mark.parametrize("name", RELATIVE_AGGREGATORS)
def test_relative_score_rises_when_a_row_improves_and_the_best_row_scores_most(name):
    """Relative methods: improving one child of a row that is not best on it raises that row's score;
    a row best on every child gets the top score of its group."""
    base = aggregate(V, W, name)
    x = V.copy()
    x[4, 0] += 0.1          # 0.3 -> 0.4 stays inside the range, so the ideals do not move
    assert aggregate(x, W, name)[4] > base[4]
    top = np.vstack([V, V.max(axis=0)])
    got = aggregate(top, W, name)
    assert got[-1] == pytest.approx(got.max())


@pytest.mark.parametrize("name", RELATIVE_AGGREGATORS)
def test_relative_scores_per_group_equal_separate_runs(name):
    groups = np.array([0, 1, 0, 1, 0])
    both = aggregate(V, W, name, groups=groups)
    for g in (0, 1):
        np.testing.assert_allclose(both[groups == g], aggregate(V[groups == g], W, name))
