"""The weighting methods of issue 15 in builds, from the CLI and in the uncertainty analysis."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.errors import SpecError
from dtindex.index import Index
from dtindex.methods.combine import combine_weights
from dtindex.methods.dispersion import max_deviation, msd
from dtindex.methods.g1 import g1
from dtindex.uncertainty import UncertaintySpec, run_uncertainty
from dtindex.uncertainty.spec import weighting_changes

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"


@pytest.fixture(scope="module")
def demo() -> Index:
    return Index.from_spec(DEMO)


def _matrix(idx: Index, parent: str) -> tuple[list[str], np.ndarray]:
    kids = idx.framework.children[parent]
    return kids, np.column_stack([idx.scores[k] for k in kids])


@pytest.mark.parametrize("method, fn", [("msd", msd), ("max_deviation", max_deviation)])
def test_dispersion_weights_in_a_build(demo, method, fn):
    idx = demo.rebuild({"weights.method": method})
    for parent in ("infra", "DTI"):
        kids, V = _matrix(idx, parent)
        assert [idx.weights[k] for k in kids] == pytest.approx(list(fn(V[~np.isnan(V).any(axis=1)]).weights))
    assert idx.fitted()["weights"]["DTI"]["method"] == method


def test_g1_in_a_build(demo):
    node = {"method": "g1", "params": {"ranking": ["platform", "infra", "application"], "ratios": [1.2, 1.4]}}
    idx = demo.rebuild({"weights.nodes.DTI": node})
    w = g1(["platform", "infra", "application"], [1.2, 1.4])
    assert {k: idx.weights[k] for k in w.index} == pytest.approx(w.to_dict())
    assert idx.fitted()["weights"]["DTI"]["params"] == node["params"]
    with pytest.raises(SpecError, match="params.ranking lists platform, infra but the children are"):
        demo.rebuild({"weights.nodes.DTI": {**node, "params": {"ranking": ["platform", "infra"], "ratios": [1.2]}}})
    with pytest.raises(SpecError, match="g1 needs params.ranking"):
        demo.rebuild({"weights.nodes.DTI": {"method": "g1"}})


def test_combined_weights_in_a_build(demo):
    params = {"subjective": "expert", "objective": "entropy", "rule": "game_theory"}
    idx = demo.rebuild({"weights.method": "combined", "weights.params": params})
    ent = demo.rebuild({"weights.method": "entropy"})
    for parent in ("infra", "platform"):
        kids = idx.framework.children[parent]
        sub = [demo.weights[k] for k in kids]  # the expert weights of the example
        obj = [ent.weights[k] for k in kids]  # the same indicator values -> the same entropy weights
        want = combine_weights(sub, obj, rule="game_theory").weights
        assert [idx.weights[k] for k in kids] == pytest.approx(list(want))
        rec = idx.fitted()["weights"][parent]
        assert rec["method"] == "combined" and rec["params"]["rule"] == "game_theory"
        assert rec["params"]["subjective_weights"] == pytest.approx(dict(zip(kids, sub)))
        assert len(rec["params"]["coefficients"]) == 2
    assert len(idx.weight_log.expert) == 1  # the subjective half's expert tables are written as for `expert`


def test_combined_params_are_validated(demo):
    base = {"subjective": "expert", "objective": "entropy", "rule": "linear"}
    for params, msg in [
        ({**base}, "the linear rule needs alpha"),
        ({**base, "rule": "game_theory", "alpha": 0.5}, "alpha applies to the linear rule only"),
        ({**base, "objective": "ahp"}, "The 'objective' parameter of combined weights (weights) must be one of"),
        ({"subjective": "expert", "objective": "entropy"}, "rule is missing"),
        ({**base, "alpha": 0.5, "objective_params": {"zero": 1}},
         "The 'params' parameter of entropy weights (weights.params.objective_params) must be one of"),
        ({**base, "alpha": 0.5, "colour": 1}, "The 'params' parameter of combined weights (weights) must be one of"),
    ]:
        with pytest.raises(SpecError, match=re.escape(msg)):
            demo.rebuild({"weights.method": "combined", "weights.params": params})


def test_build_command_takes_the_new_methods(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["build", str(DEMO), "--weights", "msd", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    fitted = json.loads((tmp_path / "a" / "fitted.json").read_text(encoding="utf-8"))
    assert fitted["weights"]["DTI"]["method"] == "msd"
    res = runner.invoke(main, ["build", str(DEMO), "--weights", "combined", "--set",
                               "weights.params={subjective: expert, objective: critic, rule: linear, alpha: 0.5}",
                               "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    fitted = json.loads((tmp_path / "b" / "fitted.json").read_text(encoding="utf-8"))
    assert fitted["weights"]["DTI"]["params"]["coefficients"] == [0.5, 0.5]


def test_weighting_as_a_discrete_alternative_in_the_uncertainty_analysis(demo):
    assert weighting_changes("msd") == {"weights.method": "msd", "weights.params": {}}
    with pytest.raises(SpecError, match="combined:SUBJECTIVE,OBJECTIVE,RULE"):
        weighting_changes("combined:ahp")
    with pytest.raises(SpecError, match="The 'method' parameter of weighting must be one of"):
        weighting_changes("g1")
    uspec = UncertaintySpec(n=8, seed=3, sensitivity=False,
                            weighting=["expert", "msd", "combined:expert,entropy,min_information"])
    res = run_uncertainty(demo, uspec)
    assert [f.name for f in res.factors] == ["weighting"]
    used = set(res.table["weighting"])
    assert used <= {"expert", "msd", "combined:expert,entropy,min_information"} and len(used) >= 2
    # every replication's ranks are those of a rebuild with its weighting method
    row = int(np.flatnonzero(res.table["weighting"].to_numpy() == "msd")[0])
    again = demo.rebuild({"weights.method": "msd"})
    period = res.period
    ranks = again.ranks_long().query("iCode == 'DTI' and Time == @period").set_index("uCode")["rank"]
    assert [int(r) for r in res.ranks[row]] == [int(ranks[u]) for u in res.units]


def test_pca_conventions_in_a_build(demo):
    from dtindex.methods.weights import pca

    idx = demo.rebuild({"weights.method": "pca", "weights.params": {"convention": "handbook", "retain": 2}})
    kids, V = _matrix(idx, "platform")
    want = pca(V[~np.isnan(V).any(axis=1)], convention="handbook", retain=2).weights
    assert [idx.weights[k] for k in kids] == pytest.approx(list(want))
    rec = idx.fitted()["weights"]["platform"]
    assert rec["params"]["convention"] == "handbook" and rec["params"]["retain"] == 2 and rec["n_components"] == 2
    with pytest.raises(SpecError, match="retain applies to the conventions"):
        demo.rebuild({"weights.method": "pca", "weights.params": {"retain": 2}})
