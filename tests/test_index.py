"""End-to-end builds: COINr's ASEM example, the UNDP HDI, the shipped example, rebuilds and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError, MethodDomainError, SpecError
from dtindex.index import Index

DATA = Path(__file__).parent / "data"
ASEM_META = DATA / "asem" / "ASEM_iMeta.csv"
ASEM_DATA = DATA / "asem" / "ASEM_iData.csv"
ASEM_PANEL = DATA / "asem" / "ASEM_iData_p.csv"
DEMO = Path(__file__).parents[1] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"

# COINr 1.1.14 vignette "Presenting Results": get_results(build_example_coin(), "Aggregated", tab_type = "Aggs")
# (build_example_coin: Denominate -> Impute i_mean_grp by EurAsia_group -> Treat defaults -> n_minmax 0-100 -> a_amean)
COINR_PUBLISHED = {
    "CHE": (1, 68.38, 62.79, 73.98, 63.41, 32.87, 74.78, 85.94, 56.93, 77.21, 87.85, 56.88),
    "NLD": (2, 64.82, 61.94, 67.70, 64.87, 46.62, 84.55, 71.74, 41.92, 58.73, 86.58, 57.78),
    "DNK": (3, 64.80, 57.10, 72.51, 50.52, 30.43, 78.13, 75.35, 51.04, 69.83, 86.40, 61.29),
    "NOR": (4, 64.47, 57.44, 71.50, 58.18, 25.70, 80.03, 89.46, 33.80, 70.90, 87.00, 56.59),
    "BEL": (5, 63.54, 63.99, 63.09, 71.97, 48.22, 80.84, 75.60, 43.32, 53.01, 86.17, 50.09),
    "SWE": (6, 63.00, 53.87, 72.12, 51.51, 23.87, 80.98, 74.51, 38.50, 66.37, 87.74, 62.27),
}
COINR_COLUMNS = ("Index", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ",
                 "Social", "SusEcFin")
COINR_EXAMPLE = {"denominate.use_framework": True, "impute.method": "mean", "impute.by": "EurAsia_group",
                 "treat.method": "winsorise"}


@pytest.fixture(scope="module")
def asem() -> Index:
    return Index.from_coinr(ASEM_META, ASEM_DATA)


@pytest.fixture(scope="module")
def asem_example(asem) -> Index:
    return asem.rebuild(COINR_EXAMPLE)


def test_coinr_example_coin_reproduces_published_results(asem_example):
    for unit, (rank, *values) in COINR_PUBLISHED.items():
        for code, expected in zip(COINR_COLUMNS, values):
            got = asem_example.table(code).loc[unit].iloc[0]
            assert round(got, 2) == pytest.approx(expected, abs=1e-9), (unit, code, got)
        assert asem_example.table("Index", what="ranks").loc[unit].iloc[0] == rank


def test_coinr_example_logs_every_treated_and_imputed_point(asem_example):
    treated = pd.concat(asem_example.step_log.treated)
    # COINr's example treats 15 indicators, all by winsorisation alone
    assert treated["iCode"].nunique() == 15
    assert set(treated["rule"]) == {"winsorise"}
    imputed = pd.concat(asem_example.step_log.imputed)
    assert len(imputed) == 63 + 2  # 63 missing indicator values + Elec and Gas of LAO (no Energy denominator)


def test_default_coinr_build_is_minmax_arithmetic(asem):
    norm = asem.stages["normalised"]
    for code in asem.framework.indicators:
        finite = norm[code][~np.isnan(norm[code])]
        assert finite.min() == pytest.approx(0.0) and finite.max() == pytest.approx(100.0)
    # a pillar is the plain mean of its available normalised indicators (all weights 1)
    kids = asem.framework.children["Physical"]
    V = np.column_stack([norm[k] for k in kids])
    assert np.allclose(asem.scores["Physical"], np.nanmean(V, axis=1))


@pytest.mark.parametrize("normalise", ["minmax", "zscore", "rank", "dist_to_max", "pct_of_max", "none"])
@pytest.mark.parametrize("aggregate", ["arithmetic", "topsis"])
def test_asem_builds_with_every_normalisation(asem, normalise, aggregate):
    idx = asem.rebuild({"normalise.method": normalise, "aggregate.method": aggregate})
    top = idx.scores["Index"]
    assert np.isfinite(top).sum() == 51


@pytest.mark.parametrize("aggregate", ["geometric", "harmonic"])
def test_geometric_and_harmonic_need_positive_values(asem, aggregate):
    with pytest.raises(MethodDomainError, match=f"{aggregate} mean needs values > 0 but found"):
        asem.rebuild({"aggregate.method": aggregate})
    ok = asem.rebuild({"normalise.params": {"low": 1, "high": 100}, "aggregate.method": aggregate})
    assert np.isfinite(ok.scores["Index"]).all()


def test_geometric_is_below_arithmetic(asem):
    base = {"normalise.params": {"low": 1, "high": 100}}
    ari = asem.rebuild(base)
    geo = asem.rebuild({**base, "aggregate.method": "geometric"})
    for code in asem.framework.aggregates:
        assert np.all(geo.scores[code] <= ari.scores[code] + 1e-9)


def test_rebuild_keeps_inputs_and_changes_one_thing(asem):
    geo = asem.rebuild({"normalise.params": {"low": 1, "high": 100}, "aggregate.method": "geometric"})
    assert geo.panel is asem.panel
    assert geo.spec.methods.aggregate.method == "geometric"
    assert asem.spec.methods.aggregate.method == "arithmetic"
    again = geo.rebuild({"aggregate.method": "arithmetic", "normalise.params": {}})
    for code in asem.framework.codes:
        np.testing.assert_array_equal(again.scores[code], asem.scores[code])


def test_rebuild_with_weights(asem):
    w = asem.rebuild(weights={"Conn": 3, "Sust": 1})
    assert w.weights["Conn"] == pytest.approx(0.75)
    expected = 0.75 * w.scores["Conn"] + 0.25 * w.scores["Sust"]
    np.testing.assert_allclose(w.scores["Index"], expected)


def test_asem_panel_pooled_minmax_spans_all_years():
    idx = Index.from_coinr(ASEM_META, ASEM_PANEL)
    assert idx.period_labels == ("2018", "2019", "2020", "2021", "2022")
    lpi = idx.scores["LPI"]
    assert np.nanmin(lpi) == pytest.approx(0) and np.nanmax(lpi) == pytest.approx(100)
    per_year = lpi.reshape(5, -1)
    assert not all(np.nanmax(row) == pytest.approx(100) for row in per_year)  # pooled: not 100 in every year
    with pytest.warns(UserWarning, match="not comparable over time"):
        pp = idx.rebuild({"normalise.scope": "per_period"})
    assert all(np.nanmax(row) == pytest.approx(100) for row in pp.scores["LPI"].reshape(5, -1))


def test_hdi_reproduces_published_values():
    idx = Index.from_spec(DATA / "hdi" / "spec.yaml")
    hdi = idx.table("HDI")["value"]
    # UNDP HDR 2023/24, HDR23-24_Composite_indices_complete_time_series.csv, hdi_2022
    published = {"CHE": 0.967, "NOR": 0.966, "SWE": 0.952, "OMN": 0.819, "CRI": 0.806, "PLW": 0.797,
                 "ALB": 0.789, "CHN": 0.788, "COL": 0.758, "DZA": 0.745, "TJK": 0.679, "PAK": 0.540,
                 "COD": 0.481, "AFG": 0.462}
    for iso, value in published.items():
        assert round(hdi[iso], 3) == pytest.approx(value, abs=1e-12), iso
    # UNDP publishes no HDI where a component is missing: missing='propagate'
    assert np.isnan(hdi["PRK"]) and np.isnan(hdi["MCO"])
    # the expected-schooling goalpost caps NOR (EYS 18.6 > 18)
    assert idx.scores["eys"][idx.panel.units.index("NOR")] == 1.0


def test_demo_base_share_totals_and_rollups():
    idx = Index.from_spec(DEMO)
    assert idx.is_additive
    base = idx.table("DTI")["2021Q1"]
    assert base.sum() == pytest.approx(100.0)
    for code in idx.framework.indicators:
        assert idx.table(code)["2021Q1"].sum() == pytest.approx(100.0)
    roll = idx.rollup("tier")
    dti = roll[roll.iCode == "DTI"]
    for t, grp in dti.groupby("Time"):
        assert grp["value"].sum() == pytest.approx(idx.table("DTI")[t].sum())
    by_hand = idx.table("DTI")["2022Q3"].groupby(pd.Series(idx.panel.groups["tier"][:idx.panel.n_units], index=idx.panel.units)).sum()
    got = dti[dti.Time == "2022Q3"].set_index("group")["value"]
    pd.testing.assert_series_equal(got.sort_index(), by_hand.sort_index(), check_names=False)


def test_demo_expert_weights_are_score_shares():
    idx = Index.from_spec(DEMO)
    scores = pd.read_csv(DEMO.parent / "expert_scores.csv", index_col="expert")
    for parent in idx.framework.aggregates:
        kids = idx.framework.children[parent]
        totals = scores[kids].sum()
        for k in kids:
            assert idx.weights[k] == pytest.approx(totals[k] / totals.sum())


def test_rollup_with_mapping_and_mean_for_non_additive():
    from dtindex import regions

    idx = Index.from_spec(DEMO).rebuild({"normalise.method": "minmax", "normalise.params": {}})
    assert not idx.is_additive
    roll = idx.rollup(regions.group_map("province", codes=idx.panel.units))
    gd = roll[(roll.iCode == "DTI") & (roll.group == "广东") & (roll.Time == "2023Q1")]
    members = [u for u in idx.panel.units if regions.city(u).province_adcode == "440000"]
    assert gd["value"].iloc[0] == pytest.approx(idx.table("DTI").loc[members, "2023Q1"].mean())
    assert gd["n_units"].iloc[0] == len(members)


def test_outputs_are_byte_identical_and_complete(tmp_path):
    a = Index.from_spec(DEMO)
    a.write(tmp_path / "a")
    Index.from_spec(DEMO).write(tmp_path / "b")
    for name in ("scores.csv", "ranks.csv", "weights.csv", "recipe.json", "fitted.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    scores = pd.read_csv(tmp_path / "a" / "scores.csv", dtype={"uCode": str})
    assert list(scores.columns) == ["uCode", "Time", "iCode", "Level", "value"]
    assert len(scores) == 40 * 9 * len(a.framework)
    ranks = pd.read_csv(tmp_path / "a" / "ranks.csv")
    assert list(ranks.columns) == ["uCode", "Time", "iCode", "rank"]
    weights = pd.read_csv(tmp_path / "a" / "weights.csv")
    assert list(weights.columns) == ["iCode", "Parent", "weight"]
    assert weights.groupby("Parent")["weight"].sum().to_numpy() == pytest.approx(1.0)
    recipe = json.loads((tmp_path / "a" / "recipe.json").read_text(encoding="utf-8"))
    assert recipe["dtindex_version"]
    assert set(recipe["inputs"]) == {"spec:spec.yaml", "data:data.csv", "expert_scores:expert_scores.csv"}
    assert recipe["base_period"] == "2021Q1"
    assert recipe["resolved"]["normalise"]["cloud"]["method"] == "base_share"


def test_recipe_rebuilds_the_same_scores(tmp_path):
    from dtindex.spec.index_spec import IndexSpec
    from dtindex.index import build_from_spec

    idx = Index.from_spec(DEMO)
    spec = IndexSpec.model_validate(idx.recipe()["spec"])
    again = build_from_spec(spec, DEMO.parent, inputs={})
    for code in idx.framework.codes:
        np.testing.assert_array_equal(again.scores[code], idx.scores[code])


def test_indicator_with_no_data_is_an_error(tmp_path):
    data = pd.read_csv(ASEM_DATA)
    data["LPI"] = np.nan
    data.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(DataError, match="indicators with no data.*LPI"):
        Index.from_coinr(ASEM_META, tmp_path / "d.csv")


def test_base_share_needs_base_period():
    idx = Index.from_spec(DEMO)
    with pytest.raises(SpecError, match="needs a base period"):
        idx.rebuild({"base_period": None})


def test_entropy_and_critic_weights_in_the_pipeline():
    idx = Index.from_spec(DEMO)
    ent = idx.rebuild({"weights.method": "entropy", "weights.expert_scores": None})
    for parent in ent.framework.aggregates:
        kids = ent.framework.children[parent]
        assert sum(ent.weights[k] for k in kids) == pytest.approx(1.0)
    # the entropy weights of the indicators come from their pooled normalised values
    from dtindex.methods.weights import entropy

    kids = ent.framework.children["platform"]
    V = np.column_stack([ent.scores[k] for k in kids])
    expected = entropy(V).weights
    assert [ent.weights[k] for k in kids] == pytest.approx(list(expected))
    crit = idx.rebuild({"weights.method": "critic", "weights.levels.2.method": "equal"})
    assert crit.weights["infra"] == pytest.approx(1 / 3)


def test_ahp_weights_in_the_pipeline(tmp_path):
    (tmp_path / "m.csv").write_text(
        "parent,row,col,value\nDTI,infra,platform,3\nDTI,infra,application,2\nDTI,platform,application,1/2\n",
        encoding="utf-8",
    )
    idx = Index.from_spec(DEMO)
    a = idx.rebuild({"weights.nodes.DTI": {"method": "ahp", "ahp_matrices": str(tmp_path / "m.csv")}})
    w = [a.weights[c] for c in ("infra", "platform", "application")]
    assert sum(w) == pytest.approx(1.0) and w[0] > w[2] > w[1]
    assert "DTI" in a.fitted()["weights"]
    assert a.weights["cloud"] == idx.weights["cloud"]  # other groups keep the expert weights


def test_topsis_aggregation_is_closeness_in_unit_interval():
    idx = Index.from_spec(DEMO).rebuild({"aggregate.method": "topsis"})
    top = idx.scores["DTI"]
    assert np.nanmin(top) >= 0 and np.nanmax(top) <= 1
