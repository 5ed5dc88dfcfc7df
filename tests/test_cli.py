"""The command line: thin wrapper, exact error lines, files written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main

DATA = Path(__file__).parent / "data"
META = str(DATA / "asem" / "ASEM_iMeta.csv")
IDATA = str(DATA / "asem" / "ASEM_iData.csv")
DEMO = Path(__file__).parents[1] / "src" / "dtindex" / "examples" / "dti-mini"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_build_coinr_layout_writes_the_contract_files(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    for name in ("scores.csv", "ranks.csv", "weights.csv", "recipe.json"):
        assert (tmp_path / name).exists()
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["uCode", "Time", "iCode", "Level", "value"]
    assert set(scores["Level"]) == {1, 2, 3, 4}
    assert "Wrote" in res.output


def test_build_cross_section_without_time_leaves_time_empty(run, tmp_path):
    df = pd.read_csv(IDATA).drop(columns=["Time"])
    df.to_csv(tmp_path / "d.csv", index=False)
    res = run("build", "--framework", META, "--data", tmp_path / "d.csv", "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "o" / "scores.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].split(",")[1] == ""


def test_build_method_shorthands(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--normalise", "minmax:1,100",
              "--aggregate", "geometric", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    ind = scores[scores.Level == 1]["value"]
    assert ind.min() == pytest.approx(1) and ind.max() == pytest.approx(100)


def test_build_reproduces_coinr_example(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--denominate", "--impute", "mean",
              "--impute-by", "EurAsia_group", "--treat", "winsorise", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    che = scores[(scores.uCode == "CHE") & (scores.iCode == "Index")]["value"].iloc[0]
    assert round(che, 2) == 68.38
    assert (tmp_path / "treated_points.csv").exists() and (tmp_path / "imputed_points.csv").exists()


def test_build_errors_are_one_line(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--aggregate", "geometric", "--out", tmp_path)
    assert res.exit_code == 1
    assert res.output.startswith("Error: geometric mean needs values > 0 but found")
    assert not (tmp_path / "scores.csv").exists()


def test_bad_method_name(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--normalise", "minmix", "--out", tmp_path)
    assert res.exit_code == 1
    assert "Error: The 'method' parameter of normalise must be one of 'base_share', 'minmax'" in res.output
    assert "got 'minmix'." in res.output


def test_bad_data_cell_names_file_row_column(run, tmp_path):
    df = pd.read_csv(IDATA, dtype=str, keep_default_na=False)
    df.loc[15, "LPI"] = "3,9"
    df.to_csv(tmp_path / "bad.csv", index=False)
    res = run("build", "--framework", META, "--data", tmp_path / "bad.csv", "--out", tmp_path / "o")
    assert res.exit_code == 1
    assert 'Error: bad.csv row 17: value "3,9" in column LPI is not a number (use a dot as decimal separator)' in res.output


def test_arguments_must_be_complete(run, tmp_path):
    res = run("build", "--framework", META, "--out", tmp_path)
    assert res.exit_code == 1
    assert "Error: --framework and --data go together: give both" in res.output


def test_set_overrides_any_setting(run, tmp_path):
    res = run("build", DEMO / "spec.yaml", "--set", "aggregate.levels.3.method=geometric", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    import json

    recipe = json.loads((tmp_path / "recipe.json").read_text(encoding="utf-8"))
    assert recipe["resolved"]["aggregate"]["DTI"]["method"] == "geometric"
    assert recipe["resolved"]["aggregate"]["infra"]["method"] == "arithmetic"
    res = run("build", DEMO / "spec.yaml", "--set", "aggregate.colour=red", "--out", tmp_path)
    assert res.exit_code == 1
    assert "Error: cannot set 'aggregate.colour': 'colour' is not a setting" in res.output


def test_expert_weights_via_cli(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--weights", "expert", "--out", tmp_path)
    assert res.exit_code == 1
    assert "needs a file: set weights.expert_scores" in res.output


def test_weights_expert_command(run):
    res = run("weights", "expert", DEMO / "expert_scores.csv", "--framework", DEMO / "spec.yaml")
    assert res.exit_code == 0, res.output
    assert "Kendall" in res.output and "cloud" in res.output


def test_weights_ahp_command(run, tmp_path):
    (tmp_path / "m.csv").write_text("parent,row,col,value\nP,a,b,3\nP,a,c,5\nP,b,c,2\n", encoding="utf-8")
    res = run("weights", "ahp", tmp_path / "m.csv")
    assert res.exit_code == 0, res.output
    assert "CR=" in res.output and "consistent" in res.output


def test_demo(run, tmp_path):
    res = run("demo", "--size", "small", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output
    assert (tmp_path / "release" / "city" / "scores.csv").exists()


def test_regions_lookup(run):
    res = run("regions", "lookup", "深圳")
    assert res.exit_code == 0
    assert "440300" in res.output and "Shenzhen" in res.output


@pytest.mark.parametrize("normalise", ["minmax:1,100", "zscore:10,2", "rank", "dist_to_max", "pct_of_max",
                                       "base_share", "none"])
@pytest.mark.parametrize("aggregate", ["arithmetic", "geometric", "harmonic", "topsis"])
def test_asem_every_normalisation_and_aggregation(run, tmp_path, normalise, aggregate):
    res = run("build", "--framework", META, "--data", IDATA, "--normalise", normalise, "--aggregate", aggregate,
              "--out", tmp_path)
    positive = normalise in ("minmax:1,100", "zscore:10,2", "rank")
    if aggregate in ("geometric", "harmonic") and not positive:
        # zeros / negatives: a clear domain error, as COINr's a_gmean / a_hmean stop too
        assert res.exit_code == 1
        assert f"{aggregate} mean needs values > 0 but found" in res.output
        return
    assert res.exit_code == 0, res.output
    scores = pd.read_csv(tmp_path / "scores.csv")
    top = scores[scores.iCode == "Index"]["value"]
    assert len(top) == 51 and top.notna().all()


def test_goalposts_without_goalposts_is_a_clear_error(run, tmp_path):
    res = run("build", "--framework", META, "--data", IDATA, "--normalise", "goalposts", "--out", tmp_path)
    assert res.exit_code == 1
    assert "Error: goalposts normalisation of 'LPI' needs goal_min and goal_max (GoalMin/GoalMax)" in res.output


def test_excel_framework_and_data(run, tmp_path):
    pd.read_csv(META, dtype=str, keep_default_na=False).to_excel(tmp_path / "meta.xlsx", index=False)
    pd.read_csv(IDATA, dtype=str, keep_default_na=False).to_excel(tmp_path / "data.xlsx", index=False)
    res = run("build", "--framework", tmp_path / "meta.xlsx", "--data", tmp_path / "data.xlsx", "--out", tmp_path / "x")
    assert res.exit_code == 0, res.output
    run("build", "--framework", META, "--data", IDATA, "--out", tmp_path / "c")
    assert (tmp_path / "x" / "scores.csv").read_bytes() == (tmp_path / "c" / "scores.csv").read_bytes()
