"""The SYNTHETIC demo generator and the ``dtindex survey`` commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from dtindex.cli import main
from dtindex.survey.demo import (
    BUDGET_SHARES,
    INVALID,
    N_VALID,
    SIZE_SHARES,
    TIER_SHARES,
    allocate,
    example_dir,
    generate,
)

from .conftest import SURVEY


@pytest.fixture(scope="module")
def coded():
    return generate(2024)


def test_generator_reproduces_published_marginals_exactly(coded):
    valid = coded[coded["kind"] == "valid"]
    assert len(valid) == N_VALID and len(coded) == N_VALID + sum(INVALID.values()) == 3164
    for col, shares in (("S1", SIZE_SHARES), ("S3", TIER_SHARES), ("Q2", BUDGET_SHARES)):
        counts = valid[col].value_counts().sort_index().to_numpy()
        np.testing.assert_array_equal(counts, allocate(N_VALID, shares))
    share = valid["S1"].value_counts(normalize=True).sort_index()
    assert share.round(3).tolist() == [0.240, 0.386, 0.291, 0.074, 0.009]
    assert coded["kind"].value_counts().drop("valid").to_dict() == INVALID


def test_generator_is_deterministic(coded):
    again = generate(2024)
    pd.testing.assert_frame_equal(again, coded)
    assert not generate(7)["S2"].equals(coded["S2"])


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_survey_demo_command_writes_labelled_synthetic_report(run, tmp_path):
    res = run("survey", "demo", "--out", tmp_path, "--seed", 2024)
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output
    assert "3,164" in res.output and "2,887" in res.output
    funnel = pd.read_csv(tmp_path / "funnel.csv")
    assert funnel["remaining"].tolist() == [3164, 3068, 2997, 2949, 2922, 2902, 2887, 2887]
    assert funnel["removed"].tolist()[1:7] == [96, 71, 48, 27, 20, 15]
    wb = load_workbook(tmp_path / "survey_report_SYNTHETIC.xlsx", read_only=True)
    readme = [str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v is not None]
    assert "SYNTHETIC" in readme[0] and any("合成数据" in v for v in readme)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    charts = [c for s in report["sections"] for c in s["charts"]]
    assert {c["kind"] for c in charts} == {"bar", "stacked_bar", "heat_table", "grouped_bar", "map"}
    assert all(c["synthetic"] for c in charts)
    assert "合成数据" in report["sections"][0]["text"][0]
    weights = pd.read_csv(tmp_path / "weights.csv")
    assert len(weights) == 2887 and weights["weight"].mean() == pytest.approx(1.0)
    heat = pd.read_csv(tmp_path / "tables" / "heat_Q4_S2.csv")
    assert heat.columns[0] == "option" and heat.columns[-1] == "all"


def test_survey_report_command_on_an_export(run, tmp_path):
    margins = tmp_path / "m.csv"
    margins.write_text("variable,category,share\nQ1,小型,0.5\nQ1,中型,0.3\nQ1,大型,0.2\n", encoding="utf-8")
    res = run("survey", "report", SURVEY / "spec.yaml", SURVEY / "tencent_style.xlsx", "--weights", margins,
              "--out", tmp_path / "out", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Raking: 2 sweeps, converged" in res.output
    for name in ("survey_report.xlsx", "report.json", "screening_log.csv", "funnel.csv", "weights.csv",
                 "tables/Q1.csv"):
        assert (tmp_path / "out" / name).exists(), name
    w = pd.read_csv(tmp_path / "out" / "weights.csv")
    assert w["weight"].tolist() == pytest.approx([1.5, 0.9, 0.6])


def test_survey_screen_and_sample_size_commands(run, tmp_path):
    res = run("survey", "screen", SURVEY / "spec.yaml", SURVEY / "spss_style.sav", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "funnel.csv")["remaining"].iloc[-1] == 3
    res = run("survey", "sample-size", "--margin", 0.05)
    assert res.output.strip() == "n = 385"
    res = run("survey", "sample-size", "--margin", 0.03, "--population", 50000, "--confidence", 0.95)
    assert res.output.strip() == "n = 1,045"


def test_survey_errors_are_one_line(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text((SURVEY / "wjx_style.csv").read_text(encoding="utf-8").replace("小型,(跳过)", "巨型,(跳过)"),
                   encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["survey", "report", str(SURVEY / "spec.yaml"), str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "Error:" in res.output and "value '巨型' is not an option of Q1" in res.output
    res = runner.invoke(main, ["survey", "sample-size", "--margin", "5"])
    assert res.exit_code == 1 and "margin must be a fraction" in res.output


def test_example_files_exist():
    assert (example_dir() / "questionnaire.yaml").exists() and (example_dir() / "margins.csv").exists()
