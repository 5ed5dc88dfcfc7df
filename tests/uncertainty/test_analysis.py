"""The analysis: sample -> replications mapping, hand-checked tiny cases, statistics, text, files, CLI."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from dtindex.cli import main
from dtindex.errors import SpecError
from dtindex.uncertainty.analysis import replications_from_sample, run_uncertainty
from dtindex.uncertainty.batch import BatchModel
from dtindex.uncertainty.excel import write_excel
from dtindex.uncertainty.spec import UncertaintySpec, plan_factors
from dtindex.uncertainty.summary import band_drivers, rank_statistics, report_tables

from .conftest import ASEM_DATA, ASEM_META

METHODS = {"normalisation": ["minmax:1,100", "zscore:10,2"], "aggregation": ["arithmetic", "geometric"]}


# ---------------------------------------------------------------------- sample -> replications
def test_uniform_numbers_map_to_replications_by_hand(tiny):
    u = UncertaintySpec(weights={2: 0.5}, aggregation=["arithmetic", "geometric"], exclude=["a2"])
    factors = plan_factors(u, tiny.framework)
    U = np.array([[0.0, 1.0, 0.2, 0.9],     # A x0.5, B x1.5, arithmetic, exclude a2
                  [0.5, 0.5, 0.75, 0.1],    # nominal weights, geometric, nothing excluded
                  [1.0, 0.0, 0.49, 0.5]])   # A x1.5, B x0.5, arithmetic, exclude a2
    reps, table = replications_from_sample(U, factors)
    assert table["aggregation"].tolist() == ["arithmetic", "geometric", "arithmetic"]
    assert table["exclude"].tolist() == ["a2", "", "a2"]
    np.testing.assert_allclose(table["m_A"], [0.5, 1.0, 1.5])
    np.testing.assert_allclose(table["m_B"], [1.5, 1.0, 0.5])
    assert reps.setting_labels == ("aggregation=arithmetic", "aggregation=geometric")
    res = BatchModel(tiny).run(reps, keep_scores=True)
    # row 1: A = a1 = (1, 4, 3), B = (4, 4, 5), Index = 0.25 A + 0.75 B = (3.25, 4, 4.5)
    np.testing.assert_allclose(res.scores[0], [3.25, 4.0, 4.5])
    assert res.ranks[0].tolist() == [3, 2, 1]
    assert res.ranks[1].tolist() == [3, 1, 2]  # geometric, see test_batch
    np.testing.assert_allclose(res.scores[2], [1.75, 4.0, 3.5])  # 0.75 A + 0.25 B


def test_what_if_table_by_hand(tiny):
    u = UncertaintySpec(n=8, seed=1, sampling="random", **METHODS, exclude=["a2"])
    res = run_uncertainty(tiny, u)
    wi = res.what_if.set_index("uCode").loc[["U1", "U2", "U3"]]
    assert wi["nominal_rank"].tolist() == [1, 3, 2]
    assert wi["normalisation=minmax:1,100"].tolist() == [1, 1, 3]   # Index (50.5, 50.5, 42.25)
    assert wi["normalisation=zscore:10,2"].tolist() == [2, 1, 3]    # A = (10.06, 10.30, 9.64), B = (10, 10, 10)
    assert wi["aggregation=arithmetic"].tolist() == [1, 3, 2]
    assert wi["aggregation=geometric"].tolist() == [3, 1, 2]        # (sqrt 12, 4, sqrt(4 sqrt 12))
    assert wi["exclude=a2"].tolist() == [3, 1, 1]                   # (2.5, 4, 4)
    assert "exclude=none" not in wi.columns


def test_imputation_what_if_by_hand(tiny_missing):
    res = run_uncertainty(tiny_missing, UncertaintySpec(n=4, imputation=["none", "mean"], sensitivity=False))
    wi = res.what_if.set_index("uCode").loc[["U1", "U2", "U3"]]
    assert wi["imputation=none"].tolist() == [1, 3, 1]   # a1(U3) missing: Index (4.5, 4, 4.5)
    assert wi["imputation=mean"].tolist() == [1, 3, 2]   # a1(U3) = 2.5: Index (4.5, 4, 4.125)


def test_what_if_falls_back_when_the_single_change_cannot_be_built(asem):
    res = run_uncertainty(asem, UncertaintySpec(n=4, sensitivity=False, **METHODS))
    cols = list(res.what_if.columns)
    assert "aggregation=geometric (with normalisation=minmax:1,100)" in cols
    expected = asem.rebuild({"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100},
                             "aggregate.method": "geometric"}).table("Index", what="ranks").iloc[:, 0]
    got = res.what_if.set_index("uCode")["aggregation=geometric (with normalisation=minmax:1,100)"]
    assert (got.loc[expected.index].to_numpy() == expected.to_numpy()).all()


# ---------------------------------------------------------------------- statistics
def test_rank_statistics_by_hand():
    # one unit, ranks 1, 2, 2, 3, 5: mean 2.6, median 2; type-7 quantiles: h = 4p + 1
    # q05: h = 1.2 -> 1 + 0.2 (2 - 1) = 1.2; q95: h = 4.8 -> 3 + 0.8 (5 - 3) = 4.6; share in top 2 = 3/5
    r = np.array([[1.0], [2], [2], [3], [5]])
    df = rank_statistics(r, np.array([2.0]), ["X"], top=2)
    row = df.iloc[0]
    assert row["mean_rank"] == pytest.approx(2.6) and row["median_rank"] == 2
    assert row["q05"] == pytest.approx(1.2) and row["q95"] == pytest.approx(4.6)
    assert row["share_top2"] == pytest.approx(0.6) and row["rank_min"] == 1 and row["rank_max"] == 5


def test_results_are_deterministic_under_a_seed(tiny):
    u = UncertaintySpec(n=32, seed=7, weights={1: 0.3, 2: 0.3}, **METHODS, bootstrap=20)
    a, b = run_uncertainty(tiny, u), run_uncertainty(tiny, u)
    pd.testing.assert_frame_equal(a.rank_stats, b.rank_stats)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.text == b.text
    c = run_uncertainty(tiny, u.model_copy(update={"seed": 8}))
    assert not a.table.equals(c.table)
    assert len(a.shift) == 32 * (4 + 2) and len(a.ua_rows) == 64
    assert (a.rank_stats["n_replications"] == 64).all()


def test_rank_intervals_agree_statistically_with_an_independent_reference(asem):
    """Reference: a plain loop of Index.rebuild with its own draws (w (1 + f (2U - 1)), uniform method choices)."""
    rng = np.random.default_rng(2024)
    nodes = [c for c in asem.framework.codes if asem.framework.level_of(c) in (2, 3)]
    norms = [{"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}},
             {"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2}}]
    aggs = [{"aggregate.method": "arithmetic"}, {"aggregate.method": "geometric"}]
    ref = []
    for _ in range(120):
        w = {c: 1.0 * (1 + 0.25 * (2 * rng.random() - 1)) for c in nodes}
        changes = {**norms[rng.integers(2)], **aggs[rng.integers(2)]}
        ref.append(asem.rebuild(changes, weights=w).ranks["Index"])
    ref = np.array(ref)
    res = run_uncertainty(asem, UncertaintySpec(n=800, seed=5, sampling="random", sensitivity=False,
                                                weights={2: 0.25, 3: 0.25}, **METHODS))
    ours = res.ranks  # units in data order
    se = np.sqrt(ref.var(axis=0, ddof=1) / len(ref) + ours.var(axis=0, ddof=1) / len(ours))
    diff = np.abs(ref.mean(axis=0) - ours.mean(axis=0))
    assert (diff <= 4 * se + 1e-9).all(), np.max(diff - 4 * se)
    # the intervals are not degenerate: many units move
    assert (res.rank_stats["q95"] - res.rank_stats["q05"] > 0).sum() > 30


# ---------------------------------------------------------------------- text
def test_band_rules_by_hand():
    st = np.zeros((2, 20))
    st[:, :10] = [[0.8], [0.1]]        # ranks 1-10: factor 0 mostly (0.8 >= 1.5 x 0.1)
    st[:, 10:15] = [[0.4], [0.35]]     # ranks 11-20: both (0.4 < 1.5 x 0.35)
    st[:, 15:20] = [[0.35], [0.4]]
    fake = SimpleNamespace(sobol=SimpleNamespace(ST=np.column_stack([st, [0.5, 0.5]])),
                           units=tuple(f"u{i}" for i in range(20)), nominal=np.arange(1, 21, dtype=float))
    bands = band_drivers(fake)
    assert [(b["lo"], b["hi"], b["kind"], b["set"]) for b in bands] == [(1, 10, "mostly", (0,)), (11, 20, "both", (0, 1))]
    st[:, :10] = np.nan                # ranks that never move
    fake.sobol.ST = np.column_stack([st, [0.5, 0.5]])
    assert band_drivers(fake)[0]["kind"] == "fixed"


def test_paragraphs_in_english_and_chinese(tiny, asem):
    res = run_uncertainty(tiny, UncertaintySpec(n=16, seed=2, aggregation=["arithmetic", "geometric"]))
    en, zh = res.text["en"], res.text["zh"]
    # U1 is first with arithmetic and third with geometric means: the top is not robust
    assert "Even the top of the ranking is sensitive: Unit one (U1) (nominal rank 1) ranks between 1 and 3" in en
    assert "即使排名前列也不稳健：Unit one (U1)（名义排名第1）" in zh
    assert "depend mostly on the aggregation method" in en and "主要取决于加总方法" in zh
    # ASEM 2018 ranks with harmonic means and rank normalisation as alternatives: DEU and GBR stay, FRA moves
    res = run_uncertainty(asem, UncertaintySpec(n=64, sensitivity=False, weights={2: 0.25},
                                                aggregation=["arithmetic", "harmonic"],
                                                normalisation=["minmax:1,100", "rank"]))
    stats = res.rank_stats.set_index("uCode")
    assert stats.loc["DEU", "q95"] == 1 and stats.loc["FRA", "q95"] > 5
    assert "Only the top 2 ranks are robust: France (FRA) (nominal rank 3) ranks between" in res.text["en"]
    assert "只有前2名的排名是稳健的：France (FRA)（名义排名第3）" in res.text["zh"]
    res = run_uncertainty(asem, UncertaintySpec(n=64, seed=1, weights={2: 0.25, 3: 0.25}, **METHODS, bootstrap=20))
    # DEU, GBR, FRA keep ranks 1-3 in every replication; CHE (4th) sits at the edge of the +/-2 rule
    top = re.search(r"The ranking of the top (\d+) is robust", res.text["en"])
    assert top and int(top.group(1)) >= 3
    assert f"前{top.group(1)}名的排名是稳健的" in res.text["zh"]
    assert "This mean rank shift depends mostly on the aggregation method" in res.text["en"]
    tables = report_tables(res)
    assert list(tables.factor_sensitivity["factor"]) == ["weights_level_2", "weights_level_3", "normalisation",
                                                         "aggregation"]
    assert tables.rank_intervals["nominal_rank"].tolist() == sorted(tables.rank_intervals["nominal_rank"].tolist())
    assert tables.paragraph_zh == res.text["zh"]


def test_no_uncertain_inputs_is_an_error(tiny):
    with pytest.raises(SpecError, match="no uncertain inputs are declared"):
        run_uncertainty(tiny, UncertaintySpec())


# ---------------------------------------------------------------------- files and CLI
def test_excel_workbook(tiny, tmp_path):
    res = run_uncertainty(tiny, UncertaintySpec(n=16, **METHODS, bootstrap=10))
    path = write_excel(res, tmp_path / "u.xlsx")
    wb = load_workbook(path)
    # the shared renderer: README first, caption in row 1, header in row 2, data from row 3
    assert wb.sheetnames == ["README", "Settings", "Factors", "Rank intervals", "Sensitivity", "What if"]
    ws = wb["Rank intervals"]
    assert [c.value for c in ws[2]][:4] == ["uCode", "uName", "nominal_rank", "mean_rank"]
    assert ws.cell(row=3, column=1).value == res.rank_stats["uCode"].iloc[0]
    assert ws.cell(row=3, column=4).value == pytest.approx(res.rank_stats["mean_rank"].iloc[0])
    texts = [c.value for row in wb["README"].iter_rows() for c in row if isinstance(c.value, str)]
    assert res.text["en"] in texts and res.text["zh"] in texts
    assert [p.name for p in tmp_path.iterdir()] == ["u.xlsx"]


def test_cli_run_then_replay_reproduces_the_ranks(tmp_path):
    spec = tmp_path / "asem.yaml"
    spec.write_text(
        f"name: asem\nframework_table: {ASEM_META}\ndata:\n  path: {ASEM_DATA}\nuncertainty:\n  n: 16\n  seed: 3\n"
        "  weights: {2: 0.25, 3: 0.25}\n  normalisation: ['minmax:1,100', 'zscore:10,2']\n"
        "  aggregation: [arithmetic, geometric]\n  exclude: [LPI, Flights]\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["uncertainty", "run", str(spec), "--out", str(tmp_path / "u"), "--bootstrap", "10",
                               "--top", "5"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Wrote 10 files to" in res.output
    names = sorted(p.name for p in (tmp_path / "u").iterdir())
    assert names == ["factors.csv", "rank_stats.csv", "ranks.csv", "replications.csv", "sensitivity.csv",
                     "summary.md", "uncertainty.en.html", "uncertainty.html", "uncertainty.xlsx", "what_if.csv"]
    reps = pd.read_csv(tmp_path / "u" / "replications.csv")
    assert list(reps.columns[:4]) == ["rep", "normalisation", "aggregation", "exclude"]
    assert len(reps) == 16 * (5 + 2)
    stats = pd.read_csv(tmp_path / "u" / "rank_stats.csv")
    assert "share_top5" in stats.columns
    res = runner.invoke(main, ["uncertainty", "replay", "--framework", str(ASEM_META), "--data", str(ASEM_DATA),
                               "--replications", str(tmp_path / "u" / "replications.csv"), "--out",
                               str(tmp_path / "r")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "ranks.csv").read_bytes() == (tmp_path / "u" / "ranks.csv").read_bytes()


def test_cli_run_with_uncertainty_file_and_overrides(tmp_path):
    u = tmp_path / "u.yaml"
    u.write_text("uncertainty:\n  n: 64\n  aggregation: [arithmetic, geometric]\n  normalisation: ['minmax:1,100', "
                 "'zscore:10,2']\n", encoding="utf-8")
    runner = CliRunner()
    args = ["uncertainty", "run", "--framework", str(ASEM_META), "--data", str(ASEM_DATA), "--out", str(tmp_path / "o")]
    res = runner.invoke(main, [*args, "--uncertainty", str(u), "--n", "8", "--seed", "4", "--sampling", "random",
                               "--no-sensitivity", "--no-excel"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "o" / "replications.csv")) == 8
    assert not (tmp_path / "o" / "uncertainty.xlsx").exists()
    res = runner.invoke(main, args)
    assert res.exit_code == 1
    assert "Error: no uncertain inputs: add an uncertainty: section to SPEC or give --uncertainty FILE" in res.output
    spec = tmp_path / "s.yaml"
    spec.write_text(f"framework_table: {ASEM_META}\ndata:\n  path: {ASEM_DATA}\nuncertainty:\n  aggregation: "
                    "[arithmetic, geometric]\n", encoding="utf-8")
    res = runner.invoke(main, ["uncertainty", "run", str(spec), "--uncertainty", str(u), "--out", str(tmp_path / "x")])
    assert res.exit_code == 1
    assert "Error: s.yaml has an uncertainty: section and --uncertainty was given; use one of them" in res.output
    res = runner.invoke(main, [*args, "--uncertainty", str(u), "--n", "1"])
    assert res.exit_code == 1
    assert "Error: command line: uncertainty: n (the base sample size) must be at least 2; got 1" in res.output


def test_cli_run_with_a_weighting_factor_then_replay_reproduces_the_ranks(tmp_path):
    # replications.csv names the weighting alternative of every replication; replay reads that column
    spec = tmp_path / "asem.yaml"
    spec.write_text(
        f"name: asem\nframework_table: {ASEM_META}\ndata:\n  path: {ASEM_DATA}\nuncertainty:\n  n: 8\n  seed: 5\n"
        "  normalisation: ['minmax:1,100', 'zscore:10,2']\n  aggregation: [arithmetic, geometric]\n"
        "  weighting: [manual, entropy, 'combined:manual,critic,linear,0.5']\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["uncertainty", "run", str(spec), "--out", str(tmp_path / "u"), "--no-sensitivity",
                               "--no-excel"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    reps = pd.read_csv(tmp_path / "u" / "replications.csv")
    assert "weighting" in reps.columns and reps["weighting"].nunique() >= 2
    res = runner.invoke(main, ["uncertainty", "replay", "--framework", str(ASEM_META), "--data", str(ASEM_DATA),
                               "--replications", str(tmp_path / "u" / "replications.csv"), "--out",
                               str(tmp_path / "r")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "ranks.csv").read_bytes() == (tmp_path / "u" / "ranks.csv").read_bytes()
