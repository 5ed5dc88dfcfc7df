"""weights.params: one validation path for every method; what a spec sets is used and recorded (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from dtindex.errors import SpecError
from dtindex.index import Index
from dtindex.methods.ahp import RI_SAATY
from dtindex.methods.weights import critic

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"
# a 3 x 3 inconsistent matrix: CR with Saaty's RI(3) = 0.58 differs from CR with RI(3) = 0.52
MATRIX = "parent,row,col,value\nDTI,infra,platform,3\nDTI,infra,application,1/2\nDTI,platform,application,2\n"


@pytest.fixture(scope="module")
def demo() -> Index:
    return Index.from_spec(DEMO)


@pytest.fixture
def matrices(tmp_path) -> str:
    (tmp_path / "m.csv").write_text(MATRIX, encoding="utf-8")
    return str(tmp_path / "m.csv")


@pytest.mark.parametrize("method", ["manual", "equal"])
def test_params_of_methods_without_parameters_are_refused(demo, method):
    with pytest.raises(SpecError, match=re.escape(f"weights: weights method {method!r} takes no parameters; got 'foo'")):
        demo.rebuild({"weights.method": method, "weights.expert_scores": None, "weights.params": {"foo": 1}})


def test_unknown_expert_and_ahp_params_name_the_allowed_keys(demo, matrices):
    with pytest.raises(SpecError, match=re.escape(
        "The 'params' parameter of expert weights (weights) must be one of 'scale'; got 'foo'."
    )):
        demo.rebuild({"weights.params": {"foo": 1}})
    with pytest.raises(SpecError, match=r"ahp weights \(weights.nodes.DTI\) must be one of 'priority', 'ri_table', "
                                        r"'threshold', .*; got 'ri'"):
        demo.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": matrices, "params": {"ri": {3: 0.52}}}})


def test_bad_values_are_refused_before_reading_files(demo):
    for params, message in [
        ({"threshold": 1.5}, "the CR threshold must be a number between 0 and 1"),
        ({"ri_table": "sooty"}, "The 'ri_table' parameter of ahp weights (weights.nodes.DTI) must be one of 'saaty', "
                                "'saaty_extended'; got 'sooty'."),
        ({"ri_table": {3: -1}}, "ri_table value for n = 3 must be a number > 0"),
        ({"priority": "mean"}, "must be one of 'eigenvector', 'geometric'; got 'mean'"),
        ({"expert_weights": {"E1": 1}}, "expert_weights applies to a group of experts"),
    ]:
        with pytest.raises(SpecError, match=re.escape(message)):
            demo.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": "does-not-exist.csv",
                                                "params": params}})


def test_ahp_ri_table_and_threshold_from_the_spec_are_used_and_recorded(demo, matrices):
    default = demo.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": matrices}})
    own = demo.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": matrices,
                                              "params": {"ri_table": {3: 0.52}, "threshold": 0.05}}})
    d, o = default.fitted()["weights"]["DTI"], own.fitted()["weights"]["DTI"]
    assert d["ri"] == RI_SAATY[3] == 0.58 and o["ri"] == 0.52
    assert o["cr"] == pytest.approx(d["cr"] * 0.58 / 0.52)
    assert o["params"]["threshold"] == 0.05 and d["params"]["threshold"] == 0.1
    assert o["params"]["ri_table"] == {"3": 0.52} and o["params"]["ri_source"] == "random-index table given by the user"
    # a YAML/JSON table with string keys is the same table
    again = demo.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": matrices,
                                                "params": {"ri_table": {"3": 0.52}, "threshold": 0.05}}})
    assert again.fitted()["weights"]["DTI"]["cr"] == o["cr"]


def test_directions_are_checked_applied_to_the_weighting_only_and_recorded(demo, tmp_path):
    base = {"weights.method": "critic", "weights.expert_scores": None, "normalise.method": "minmax",
            "normalise.params": {}}
    plain = demo.rebuild(base)
    flipped = demo.rebuild({**base, "weights.params": {"directions": {"ai": -1}}})
    kids = flipped.framework.children["infra"]
    assert kids == ["cloud", "ai"]
    V = np.column_stack([flipped.scores[k] for k in kids])
    # the same as CRITIC with ai reversed for the weighting; the scores of ai are not reversed
    assert [flipped.weights[k] for k in kids] == pytest.approx(list(critic(V, directions=[1, -1]).weights))
    np.testing.assert_array_equal(flipped.scores["ai"], plain.scores["ai"])
    fitted = flipped.fitted()["weights"]
    assert fitted["infra"]["params"]["directions"] == {"cloud": 1, "ai": -1}
    assert fitted["platform"]["params"]["directions"] == {"devops": 1, "meeting": 1, "docs": 1}
    flipped.write(tmp_path)
    on_disk = json.loads((tmp_path / "fitted.json").read_text(encoding="utf-8"))
    assert on_disk["weights"]["infra"]["params"]["directions"] == {"cloud": 1, "ai": -1}
    with pytest.raises(SpecError, match=re.escape("weights.params.directions names nope, which are not children")):
        demo.rebuild({**base, "weights.params": {"directions": {"nope": -1}}})
    with pytest.raises(SpecError, match=re.escape("The 'directions' parameter of critic weights (weights) must be "
                                                  "one of 1, -1; got 0.")):
        demo.rebuild({**base, "weights.params": {"directions": {"ai": 0}}})
    with pytest.raises(SpecError, match="The 'params' parameter of cv weights"):
        demo.rebuild({**base, "weights.method": "cv", "weights.params": {"directions": {"ai": -1}}})


def test_expert_scale_from_the_spec(demo, tmp_path):
    ten = tmp_path / "scores.csv"
    src = (DEMO.parent / "expert_scores.csv").read_text(encoding="utf-8").splitlines()
    rows = [src[0]] + [",".join([r.split(",")[0]] + [str(2 * int(v)) for v in r.split(",")[1:]]) for r in src[1:]]
    ten.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="is outside 1–5"):
        demo.rebuild({"weights.expert_scores": str(ten)})
    idx = demo.rebuild({"weights.expert_scores": str(ten), "weights.params": {"scale": "0-10"}})
    assert idx.weights == pytest.approx(demo.weights)  # doubling every score keeps the shares
    assert idx.fitted()["weights"]["DTI"]["params"] == {"scale": "0–10"}
    with pytest.raises(SpecError, match="unknown scale '1-7'"):
        demo.rebuild({"weights.params": {"scale": "1-7"}})


def test_group_ahp_in_a_build(demo, tmp_path):
    (tmp_path / "g.csv").write_text(
        "expert,parent,row,col,value\n"
        "E1,DTI,infra,platform,3\nE1,DTI,infra,application,2\nE1,DTI,platform,application,1/2\n"
        "E2,DTI,infra,platform,1\nE2,DTI,infra,application,1/2\nE2,DTI,platform,application,1/3\n",
        encoding="utf-8")
    node = {"method": "ahp", "ahp_matrices": str(tmp_path / "g.csv")}
    with pytest.raises(Exception, match="--group aij"):
        demo.rebuild({"weights.nodes.DTI": node})
    aij = demo.rebuild({"weights.nodes.DTI": {**node, "params": {"group": "aij", "expert_weights": {"E1": 3, "E2": 1}}}})
    fitted = aij.fitted()["weights"]["DTI"]
    assert fitted["group"] == "aij" and [r["expert"] for r in fitted["experts"]] == ["E1", "E2", "(group)"]
    assert fitted["experts"][0]["lambda"] == 0.75
    kids = ["infra", "platform", "application"]
    assert [aij.weights[k] for k in kids] == pytest.approx([fitted["experts"][2][k] for k in kids])
    aip = demo.rebuild({"weights.nodes.DTI": {**node, "params": {"group": "aip"}}})
    rows = aip.fitted()["weights"]["DTI"]["experts"]
    assert [aip.weights[k] for k in kids] == pytest.approx([(rows[0][k] + rows[1][k]) / 2 for k in kids])
