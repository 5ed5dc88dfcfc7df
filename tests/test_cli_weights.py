"""`dtindex weights expert|ahp`: declared scales and AHP options (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dtindex.cli import main

DEMO = Path(__file__).parents[1] / "src" / "dtindex" / "examples" / "dti-mini"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def scores_0_10(tmp_path) -> Path:
    src = (DEMO / "expert_scores.csv").read_text(encoding="utf-8").splitlines()
    rows = [src[0]] + [",".join([r.split(",")[0]] + [str(2 * int(v)) for v in r.split(",")[1:]]) for r in src[1:]]
    path = tmp_path / "scores.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_expert_scale_is_declared_validated_and_shown(run, scores_0_10):
    default = run("weights", "expert", DEMO / "expert_scores.csv", "--framework", DEMO / "spec.yaml")
    assert default.exit_code == 0 and "scale 1–5" in default.output
    refused = run("weights", "expert", scores_0_10, "--framework", DEMO / "spec.yaml")
    assert refused.exit_code == 1 and "is outside 1–5" in refused.output
    ok = run("weights", "expert", scores_0_10, "--framework", DEMO / "spec.yaml", "--scale", "0-10")
    assert ok.exit_code == 0, ok.output
    assert "scale 0–10" in ok.output
    # the same weights as the 1-5 sheet (every score doubled)
    assert [ln.split("│")[-2] for ln in ok.output.splitlines() if "cloud" in ln] == \
           [ln.split("│")[-2] for ln in default.output.splitlines() if "cloud" in ln]
    bad = run("weights", "expert", scores_0_10, "--framework", DEMO / "spec.yaml", "--scale", "1-7")
    assert bad.exit_code == 2 and "'1-7' is not one of" in bad.output


def test_expert_percent_scale_takes_decimals(run, tmp_path):
    (tmp_path / "p.csv").write_text("expert,cloud,ai\nE1,62.5,37.5\nE2,50,50\n", encoding="utf-8")
    res = run("weights", "expert", tmp_path / "p.csv", "--framework", DEMO / "spec.yaml", "--scale", "percent")
    assert res.exit_code == 0, res.output
    assert "0–100 (percent)" in " ".join(res.output.split()) and "0.5625" in res.output
    whole = run("weights", "expert", tmp_path / "p.csv", "--framework", DEMO / "spec.yaml", "--scale", "1-9")
    assert whole.exit_code == 1 and "is not a whole number (1–9)" in whole.output


def test_ahp_options(run, tmp_path):
    (tmp_path / "m.csv").write_text("parent,row,col,value\nP,a,b,3\nP,a,c,1/2\nP,b,c,2\n", encoding="utf-8")
    eig = run("weights", "ahp", tmp_path / "m.csv")
    geo = run("weights", "ahp", tmp_path / "m.csv", "--priority", "geometric", "--ri-table", "saaty_extended",
              "--threshold", "0.05")
    assert eig.exit_code == 0 and geo.exit_code == 0, geo.output
    text = " ".join(geo.output.split())
    assert "priorities: geometric" in text and "n = 11..15" in text and "threshold 0.05" in text


def test_group_ahp_command(run, tmp_path):
    (tmp_path / "g.csv").write_text(
        "expert,parent,row,col,value\nE1,P,a,b,3\nE1,P,a,c,5\nE1,P,b,c,2\nE2,P,a,b,1/3\nE2,P,a,c,1\nE2,P,b,c,2\n",
        encoding="utf-8")
    res = run("weights", "ahp", tmp_path / "g.csv", "--group", "aij")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "AIJ, 2 experts" in text and "(group)" in text and "E2" in text
    single = run("weights", "ahp", tmp_path / "g.csv")
    assert single.exit_code == 1 and "--group aij" in " ".join(single.output.split())
