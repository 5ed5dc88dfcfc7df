"""The uncertainty: section: YAML loading, validation messages, factors."""

from __future__ import annotations

import pytest

from dtindex.errors import SpecError
from dtindex.uncertainty.spec import (
    UncertaintySpec,
    imputation_changes,
    load_spec_with_uncertainty,
    load_uncertainty,
    parse_uncertainty,
    plan_factors,
)

from .conftest import ASEM_DATA, ASEM_META

SECTION = """
  n: 64
  seed: 3
  weights: {2: 0.25, 3: 0.25}
  normalisation: ["minmax:1,100", "zscore:10,2"]
  aggregation: [arithmetic, geometric]
  exclude: [LPI]
"""


def test_load_uncertainty_file_with_or_without_the_key(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("uncertainty:" + SECTION, encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("\n".join(line[2:] for line in SECTION.splitlines()), encoding="utf-8")
    ua, ub = load_uncertainty(a), load_uncertainty(b)
    assert ua == ub
    assert ua.n == 64 and ua.weights == {2: 0.25, 3: 0.25} and ua.exclude == ["LPI"]


def test_index_spec_with_an_uncertainty_section(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(f"name: asem\nframework_table: {ASEM_META}\ndata:\n  path: {ASEM_DATA}\nuncertainty:{SECTION}",
                    encoding="utf-8")
    spec, base, u = load_spec_with_uncertainty(path)
    assert spec.name == "asem" and base == tmp_path and u.seed == 3
    path.write_text(f"name: asem\nframework_table: {ASEM_META}\ndata:\n  path: {ASEM_DATA}\n", encoding="utf-8")
    assert load_spec_with_uncertainty(path)[2] is None


@pytest.mark.parametrize("raw,message", [
    ({"normalisation": ["minmax:1,100"]}, ("normalisation: an uncertain input needs at least 2 alternatives; got only "
                                           "'minmax:1,100'")),
    ({"normalisation": ["minmix", "zscore"]}, "The 'method' parameter of normalise must be one of"),
    ({"aggregation": ["arithmetic", "arithmetic"]}, "aggregation: alternatives listed twice: arithmetic"),
    ({"weights": {2: 1.5}}, "the noise factor of level 2 must be in (0, 1] (0.25 = +/-25%); got 1.5"),
    ({"weights": {2: 0}}, "the noise factor of level 2 must be in (0, 1]"),
    ({"n": 1}, "n (the base sample size) must be at least 2; got 1"),
    ({"sampling": "lhs"}, "The 'sampling' parameter of uncertainty must be one of 'sobol', 'random'; got 'lhs'."),
    ({"ci": 1.5}, "ci must be between 0 and 1"),
    ({"imputation": ["none", "kmeans"]}, "The 'method' parameter of imputation must be one of"),
    ({"imputation": ["none", "locf:g"]}, "only mean and median take a group column"),
    ({"alternatives": {"aggregation": [{"a": 1}, {"b": 2}]}}, "the name 'aggregation' is reserved"),
    ({"alternatives": {"treat": [{"treat.method": "none"}]}}, "alternatives.treat: an uncertain input needs at least 2"),
    ({"nn": 3}, "nn: Extra inputs are not permitted"),
])
def test_validation_messages(raw, message):
    with pytest.raises(SpecError) as err:
        parse_uncertainty(raw, source="u.yaml")
    assert str(err.value).startswith("u.yaml: uncertainty:")
    assert message in str(err.value)


def test_factors_of_the_asem_analysis(asem):
    u = UncertaintySpec(weights={3: 0.25, 2: 0.25}, normalisation=["minmax:1,100", "zscore:10,2"],
                        aggregation=["arithmetic", "geometric"], exclude=["LPI", "Flights"],
                        alternatives={"treatment": [{"treat.method": "none"}, {"treat.method": "winsorise"}]})
    factors = plan_factors(u, asem.framework)
    assert [f.name for f in factors] == ["weights_level_2", "weights_level_3", "normalisation", "aggregation",
                                         "exclude", "treatment"]
    assert factors[0].nodes == ("Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ", "Social", "SusEcFin")
    assert factors[1].nodes == ("Conn", "Sust") and factors[1].width == 2 and factors[2].width == 1
    assert [a.label for a in factors[4].alternatives] == ["none", "LPI", "Flights"]
    assert factors[4].alternatives[1].exclude == ("LPI",)
    assert factors[2].alternatives[1].changes == {"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2}}
    assert factors[5].alternatives[1].label == "treat.method=winsorise"


def test_factor_errors(asem):
    fw = asem.framework
    with pytest.raises(SpecError, match=r"uncertainty.exclude: Conn is not an indicator"):
        plan_factors(UncertaintySpec(exclude=["Conn"]), fw)
    with pytest.raises(SpecError, match=r"level 4 has no weighted nodes; weighted levels are 1, 2, 3"):
        plan_factors(UncertaintySpec(weights={4: 0.2}), fw)
    clash = UncertaintySpec(normalisation=["minmax", "zscore"],
                            alternatives={"norm2": [{"normalise.method": "rank"}, {"normalise.method": "none"}]})
    with pytest.raises(SpecError, match="'normalisation' and 'norm2' both change 'normalise.method'"):
        plan_factors(clash, fw)


def test_imputation_changes():
    assert imputation_changes("none")["impute.method"] == "none"
    assert imputation_changes("median:EurAsia_group") == {
        "impute.method": "median", "impute.by": "EurAsia_group", "impute.max_lag": None, "impute.nocb": False}
    assert imputation_changes("locf") == {"impute.method": "locf", "impute.by": None}
