"""One conformance suite over every data-driven weighting method of the pipeline (weighting.OBJECTIVE).

A method added to the registry is picked up here automatically.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from dtindex.errors import DataError, DtindexWarning, MethodDomainError, SpecError
from dtindex.pipeline.weighting import OBJECTIVE, allowed_params

X = np.array([[12.0, 47.0, 33.0, 5.0], [20.0, 61.0, 9.0, 40.0], [71.0, 15.0, 28.0, 55.0],
              [33.0, 30.0, 41.0, 18.0], [45.0, 52.0, 12.0, 60.0], [8.0, 25.0, 37.0, 22.0]])
NAMES = sorted(OBJECTIVE)


@pytest.mark.parametrize("name", NAMES)
def test_weights_valid_deterministic_and_recorded(name):
    res = OBJECTIVE[name](X)
    assert res.method == name and res.weights.shape == (4,) and res.n_obs == 6
    assert (res.weights >= 0).all() and res.weights.sum() == pytest.approx(1.0)
    assert res.weights.tobytes() == OBJECTIVE[name](X).weights.tobytes()
    assert "nan_policy" in res.params
    for v in res.details.values():
        assert not v.flags.writeable


@pytest.mark.parametrize("name", NAMES)
def test_row_order_invariant_and_column_permutation_equivariant(name):
    w = OBJECTIVE[name](X).weights
    np.testing.assert_allclose(OBJECTIVE[name](X[::-1]).weights, w, atol=1e-12)
    perm = [2, 0, 3, 1]
    np.testing.assert_allclose(OBJECTIVE[name](X[:, perm]).weights, w[perm], atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_nan_policy(name):
    Y = X.copy()
    Y[2, 1] = np.nan
    with pytest.raises(DataError, match="missing value"):
        OBJECTIVE[name](Y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = OBJECTIVE[name](Y, nan_policy="omit")
    assert any(issubclass(w.category, DtindexWarning) for w in caught)
    assert res.excluded_rows == (2,)
    np.testing.assert_allclose(res.weights, OBJECTIVE[name](np.delete(X, 2, axis=0)).weights)


@pytest.mark.parametrize("name", NAMES)
def test_constant_indicator_and_bad_input_refused(name):
    Y = X.copy()
    Y[:, 1] = 3.0
    with pytest.raises(MethodDomainError, match="constant"):
        OBJECTIVE[name](Y, columns=list("abcd"))
    with pytest.raises(DataError):
        OBJECTIVE[name](X[:1])
    with pytest.raises(SpecError):
        OBJECTIVE[name](X, nan_policy="drop")


@pytest.mark.parametrize("name", NAMES)
def test_spec_parameters_are_the_signature(name):
    sig = [p for p in inspect.signature(OBJECTIVE[name]).parameters if p not in ("X", "columns", "index")]
    assert list(allowed_params(name)) == sig
