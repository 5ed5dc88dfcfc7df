"""`dtindex decision vikor|rsr`: the published VIKOR example from a CSV file; RSR tables (issue 15)."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from dtindex.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_vikor_command_reproduces_opricovic_tzeng_2004(tmp_path):
    (tmp_path / "m.csv").write_text("alternative,f1,f2\nA1,1,3000\nA2,2,3750\nA3,5,4500\n", encoding="utf-8")
    res = run("decision", "vikor", tmp_path / "m.csv", "--directions", "-1,1", "--out", tmp_path / "v.csv")
    assert res.exit_code == 0, res.output
    assert "compromise solution: A2" in " ".join(res.output.split())
    table = pd.read_csv(tmp_path / "v.csv").set_index("alternative")
    assert table["Q"].tolist() == [1.0, 0.0, 1.0]
    bad = run("decision", "vikor", tmp_path / "m.csv", "--weights", "1")
    assert bad.exit_code == 1 and "--weights gives 1 numbers for 2 criteria" in bad.output


def test_rsr_command(tmp_path):
    (tmp_path / "m.csv").write_text("unit,x,y\na,1,10\nb,2,30\nc,3,20\nd,4,50\ne,5,40\n", encoding="utf-8")
    res = run("decision", "rsr", tmp_path / "m.csv", "--out", tmp_path / "r.csv")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "r.csv").set_index("unit")
    assert table["RSR"].tolist() == [0.2, 0.5, 0.5, 0.9, 0.9] and table["grade"].tolist() == [2, 2, 2, 3, 3]
    assert "× probit" in res.output
    (tmp_path / "x.csv").write_text("unit,x\na,1\nb,x\n", encoding="utf-8")
    bad = run("decision", "rsr", tmp_path / "x.csv")
    assert bad.exit_code == 1 and "x.csv" in bad.output
