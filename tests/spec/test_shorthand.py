"""Tests of dtindex.spec.shorthand: ``minmax:1,100`` style method strings."""

from __future__ import annotations

import pytest

from dtindex.errors import SpecError
from dtindex.methods.normalise import NORMALISERS
from dtindex.spec.index_spec import IndexSpec
from dtindex.spec.model import AGGREGATE_METHODS, NORMALISE_METHODS
from dtindex.spec.shorthand import POSITIONAL, aggregate_changes, normalise_changes, parse_method


@pytest.mark.parametrize(
    "text, expected",
    [
        ("minmax:1,100", ("minmax", {"low": 1, "high": 100})),
        ("minmax", ("minmax", {})),
        ("minmax:0.5,1.0", ("minmax", {"low": 0.5, "high": 1.0})),
        ("minmax:-1,1", ("minmax", {"low": -1, "high": 1})),
        ("minmax: 1 , 100 ", ("minmax", {"low": 1, "high": 100})),
        ("zscore:10,2", ("zscore", {"mean": 10, "sd": 2})),
        ("zscore:0,1,1", ("zscore", {"mean": 0, "sd": 1, "ddof": 1})),
        ("rank:average", ("rank", {"ties": "average"})),
        ("base_share:100", ("base_share", {"scale": 100})),
        ("goalposts:10", ("goalposts", {"scale": 10})),
        ("none", ("none", {})),
    ],
)
def test_parse_normalise(text, expected):
    assert parse_method(text, kind="normalise") == expected


def test_integers_stay_int_and_decimals_float():
    _, params = parse_method("minmax:1,100.0", kind="normalise")
    assert type(params["low"]) is int and type(params["high"]) is float


@pytest.mark.parametrize(
    "text, expected",
    [
        ("geometric:1", ("geometric", {"shift": 1})),
        ("harmonic:0.5", ("harmonic", {"shift": 0.5})),
        ("topsis:100", ("topsis", {"scale": 100})),
        ("arithmetic", ("arithmetic", {})),
    ],
)
def test_parse_aggregate(text, expected):
    assert parse_method(text, kind="aggregate") == expected


def test_unknown_method_uses_the_one_template():
    with pytest.raises(SpecError) as e:
        parse_method("minmaxx:1,2", kind="normalise")
    assert str(e.value) == (
        "The 'method' parameter of normalise must be one of 'base_share', 'minmax', 'zscore', 'rank', 'goalposts', "
        "'dist_to_max', 'pct_of_max', 'none'; got 'minmaxx'."
    )


def test_normalise_method_refused_for_aggregate():
    with pytest.raises(SpecError, match=r"^The 'method' parameter of aggregate must be one of 'arithmetic', "
                                        r"'geometric', 'harmonic', 'topsis', 'gra', 'gra_topsis', 'vikor', 'rsr'; got 'minmax'\.$"):
        parse_method("minmax:1", kind="aggregate")


def test_too_many_parameters():
    with pytest.raises(SpecError) as e:
        parse_method("minmax:1,2,3", kind="normalise")
    assert str(e.value) == "normalise 'minmax:1,2,3': minmax takes at most 2 parameters (low, high); got 3"
    with pytest.raises(SpecError) as e:
        parse_method("arithmetic:1", kind="aggregate")
    assert str(e.value) == "aggregate 'arithmetic:1': arithmetic takes at most 0 parameters (none); got 1"


def test_positional_names_are_parameters_the_methods_accept():
    assert set(POSITIONAL) == set(NORMALISE_METHODS) | set(AGGREGATE_METHODS)
    for method in NORMALISE_METHODS:
        assert set(POSITIONAL[method]) <= set(NORMALISERS[method].allowed_params), method


def test_normalise_changes_apply_to_a_spec():
    changes = normalise_changes("minmax:1,100")
    assert changes == {"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}}
    spec = IndexSpec(framework={"code": "T", "children": [{"code": "a"}]}).with_changes(changes)
    assert spec.methods.normalise.method == "minmax"
    assert spec.methods.normalise.params == {"low": 1, "high": 100}


def test_aggregate_changes():
    assert aggregate_changes("geometric:1") == {
        "aggregate.method": "geometric", "aggregate.nonpositive": "shift", "aggregate.shift": 1.0}
    assert aggregate_changes("geometric") == {"aggregate.method": "geometric"}
    assert aggregate_changes("harmonic:2") == {
        "aggregate.method": "harmonic", "aggregate.nonpositive": "shift", "aggregate.shift": 2.0}
    assert aggregate_changes("topsis:100") == {"aggregate.method": "topsis", "aggregate.params": {"scale": 100}}
    assert aggregate_changes("arithmetic") == {"aggregate.method": "arithmetic"}
    spec = IndexSpec(framework={"code": "T", "children": [{"code": "a"}]}).with_changes(aggregate_changes("geometric:1"))
    agg = spec.methods.aggregate
    assert (agg.method, agg.nonpositive, agg.shift) == ("geometric", "shift", 1.0)


def test_empty_parameter_refused():
    with pytest.raises(SpecError, match=r"^normalise 'minmax:,100': parameter low is empty; "):
        parse_method("minmax:,100", kind="normalise")
    with pytest.raises(SpecError, match=r"^normalise 'zscore:0, ': parameter sd is empty; "):
        parse_method("zscore:0, ", kind="normalise")
