"""vikor.csv and rsr.csv: the full tables of the nodes a build aggregates with VIKOR or the rank-sum ratio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import SpecError
from dtindex.index import Index
from dtindex.methods.aggregate_relative import vikor_table
from dtindex.methods.rsr import rsr_table

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"

OT_SPEC = """\
name: vikor-opricovic-tzeng-2004
framework:
  code: Q
  name: {en: VIKOR example}
  children:
    - {code: f1, name: {en: f1}, weight: 0.5, direction: -1}
    - {code: f2, name: {en: f2}, weight: 0.5}
data:
  path: data.csv
  unit_column: alt
methods:
  normalise: {method: none}
  weights: {method: manual}
  aggregate: {method: vikor}
"""


def test_build_writes_the_published_vikor_table(tmp_path):
    # Opricovic, S. & Tzeng, G.-H. (2004), EJOR 156(2), 445-455, numerical example: A1 = (1, 3000),
    # A2 = (2, 3750), A3 = (5, 4500), f1 minimised, f2 maximised, w = (0.5, 0.5): Q = 1, 0, 1 and A2 the
    # compromise solution (both conditions hold; DQ = 1 / (3 - 1)); S = .5, .375, .5 and R = .5, .25, .5
    # by the definitions. Through a spec build: the score is 1 - Q and vikor.csv holds the whole table.
    (tmp_path / "spec.yaml").write_text(OT_SPEC, encoding="utf-8")
    (tmp_path / "data.csv").write_text("alt,f1,f2\nA1,1,3000\nA2,2,3750\nA3,5,4500\n", encoding="utf-8")
    idx = Index.from_spec(tmp_path / "spec.yaml")
    np.testing.assert_allclose(idx.scores["Q"], [0.0, 1.0, 0.0])
    idx.write(tmp_path / "out")
    t = pd.read_csv(tmp_path / "out" / "vikor.csv", keep_default_na=False)
    assert list(t.columns) == ["iCode", "group", "uCode", "Time", "S", "R", "Q", "rank_S", "rank_R", "rank_Q",
                               "compromise", "C1_advantage", "C2_stability", "DQ", "v"]
    assert t["uCode"].tolist() == ["A1", "A2", "A3"] and set(t["group"]) == {"pooled"}
    np.testing.assert_allclose(t["S"], [0.5, 0.375, 0.5])
    np.testing.assert_allclose(t["R"], [0.5, 0.25, 0.5])
    assert t["Q"].tolist() == [1.0, 0.0, 1.0] and t["rank_Q"].tolist() == [2, 1, 2]
    assert t["compromise"].tolist() == [False, True, False]
    assert t["C1_advantage"].all() and t["C2_stability"].all() and (t["DQ"] == 0.5).all() and (t["v"] == 0.5).all()


@pytest.fixture(scope="module")
def demo() -> Index:
    return Index.from_spec(DEMO)


def _matrix(idx: Index, node: str):
    kids = idx.framework.children[node]
    return np.column_stack([idx.scores[k] for k in kids]), np.array([idx.weights[k] for k in kids])


@pytest.mark.parametrize("scope", ["per_period", "pooled"])
def test_vikor_table_matches_the_scores_and_vikor_table(demo, scope):
    b = demo.rebuild({"aggregate.method": "vikor", "aggregate.params": {"scope": scope, "v": 0.6}})
    t = pd.concat(b.step_log.decision["vikor"], ignore_index=True)
    nodes = list(b.framework.parents_bottom_up())
    assert t["iCode"].unique().tolist() == nodes  # every aggregated node, bottom-up
    p = b.panel
    for node in nodes:
        part = t[t["iCode"] == node]
        np.testing.assert_allclose(part["Q"], 1 - b.scores[node][p.present], atol=1e-12)  # Q = 1 - score
        V, w = _matrix(b, node)
        if scope == "per_period":
            assert part["group"].tolist() == part["Time"].tolist()
            rows = np.flatnonzero(p.period_index == 0)
        else:
            assert set(part["group"]) == {"pooled"}
            rows = np.arange(p.n_obs)
        ref = vikor_table(V[rows], w, v=0.6)
        block = part.iloc[:rows.size]
        np.testing.assert_allclose(block["S"], ref.table["S"])
        assert block["rank_R"].tolist() == ref.table["rank_R"].tolist()
        assert [i for i, c in enumerate(block["compromise"]) if c] == sorted(ref.compromise)


def test_rsr_table_with_grades_matches_the_scores_and_rsr_table(demo, tmp_path):
    b = demo.rebuild({"aggregate.method": "rsr", "aggregate.params": {"scope": "per_period", "grades": 4}})
    t = pd.concat(b.step_log.decision["rsr"], ignore_index=True)
    p = b.panel
    root = t[t["iCode"] == b.root]
    np.testing.assert_allclose(root["RSR"], b.scores[b.root][p.present], atol=1e-12)  # RSR = score
    V, w = _matrix(b, b.root)
    rows = np.flatnonzero(p.period_index == p.n_periods - 1)
    ref = rsr_table(V[rows], w, grades=4)
    last = root[root["group"] == p.period_labels[-1]]
    assert last["grade"].tolist() == ref.table["grade"].tolist()
    np.testing.assert_allclose(last["RSR_fitted"], ref.table["RSR_fitted"])
    assert (last["slope"] == ref.slope).all() and set(last["grade"]) <= {1, 2, 3, 4}
    written = b.write(tmp_path / "out")
    assert tmp_path / "out" / "rsr.csv" in written and not (tmp_path / "out" / "vikor.csv").exists()
    # the table's own parameter is refused where it means nothing
    with pytest.raises(SpecError, match="'params' parameter of vikor aggregation"):
        demo.rebuild({"aggregate.method": "vikor", "aggregate.params": {"grades": 4}})
    with pytest.raises(SpecError, match="grades"):
        demo.rebuild({"aggregate.method": "rsr", "aggregate.params": {"grades": 7}})


def test_blocks_that_cannot_be_tabled_are_left_out_with_a_reason(tmp_path):
    # a unit with a missing child: the aggregation skips the child, the table needs complete rows
    (tmp_path / "spec.yaml").write_text(OT_SPEC.replace("method: manual}", "method: manual}\n  impute: {method: none}"),
                                        encoding="utf-8")
    (tmp_path / "data.csv").write_text("alt,f1,f2\nA1,1,3000\nA2,,3750\nA3,5,4500\n", encoding="utf-8")
    idx = Index.from_spec(tmp_path / "spec.yaml")
    assert "vikor" not in idx.step_log.decision
    assert any("vikor table of 'Q' (pooled) left out: 1 of 3 units have missing children" in m for m in idx.messages)
    idx.write(tmp_path / "out")
    assert not (tmp_path / "out" / "vikor.csv").exists()


def test_the_tables_own_parameter_does_not_reach_batched_replications(demo):
    # the uncertainty analysis computes replications in batches with the aggregation functions; the
    # grades of rsr.csv are not a parameter of the score
    from dtindex.uncertainty import UncertaintySpec, run_uncertainty

    b = demo.rebuild({"aggregate.method": "rsr", "aggregate.params": {"scope": "per_period", "grades": 5}})
    res = run_uncertainty(b, UncertaintySpec(n=4, seed=2, sensitivity=False, normalisation=["minmax:0,100", "rank"]))
    assert len(res.table) == 4
