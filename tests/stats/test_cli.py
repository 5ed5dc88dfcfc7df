"""``dtindex stats corr|ols|mediate``: the contract's files and columns, every input kind, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.index import Index
from dtindex.release import write_release
from dtindex.stats import correlation, mediate, ols

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def csv(tmp_path_factory, panel, mediation_data):
    path = tmp_path_factory.mktemp("stats") / "data.csv"
    df = pd.concat([panel.iloc[:80].reset_index(drop=True), mediation_data.iloc[:80].rename(columns={"y": "yy"})],
                   axis=1)
    df.to_csv(path, index=False)
    return path


def test_corr_contract(run, csv, tmp_path):
    res = run("stats", "corr", csv, "--columns", "x1,x2,y", "--method", "spearman", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "corr.csv")
    assert list(out.columns) == ["var1", "var2", "r", "p", "n"]
    ref = correlation(pd.read_csv(csv), ["x1", "x2", "y"], method="spearman")
    np.testing.assert_allclose(out["r"], ref["r"])
    assert (tmp_path / "corr_matrix.csv").exists() and "Spearman correlations" in res.output
    res = run("stats", "corr", csv, "--columns", "x1,x2,y", "--adjust", "bh", "--out", tmp_path)
    assert list(pd.read_csv(tmp_path / "corr.csv").columns) == ["var1", "var2", "r", "p", "n", "p_adj"]


def test_ols_contract(run, csv, tmp_path):
    res = run("stats", "ols", csv, "--y", "y", "--x", "x1,x2", "--se", "cluster:region", "--fe", "twoway",
              "--unit", "uCode", "--time", "Time", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    coef = pd.read_csv(tmp_path / "coefficients.csv")
    assert list(coef.columns) == ["term", "estimate", "se", "t", "p", "ci_low", "ci_high"]
    ref = ols(pd.read_csv(csv), "y", ["x1", "x2"], se="cluster:region", fe="twoway", unit="uCode", time="Time")
    np.testing.assert_allclose(coef["se"], ref.coefficients["se"])
    assert list(pd.read_csv(tmp_path / "diagnostics.csv").columns) == ["term", "std_estimate", "vif"]
    model = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert model["nobs"] == 80 and model["fe"] == "twoway" and model["dropped"]["count"] == 0


def test_mediate_contract(run, csv, tmp_path):
    res = run("stats", "mediate", csv, "--x", "x", "--m", "m", "--y", "yy", "--covariates", "w", "--boot", 500,
              "--seed", 3, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "mediation.csv")
    assert list(out.columns) == ["effect", "estimate", "se", "z_or_t", "p", "ci_low", "ci_high"]
    assert list(out["effect"]) == ["a", "b", "c", "c_prime", "indirect", "indirect_bc"]
    ref = mediate(pd.read_csv(csv), "x", "m", "yy", covariates=["w"], boot=500, seed=3)
    np.testing.assert_allclose(out[["estimate", "ci_low", "ci_high"]], ref.table[["estimate", "ci_low", "ci_high"]])
    meta = json.loads((tmp_path / "mediation.json").read_text(encoding="utf-8"))
    assert meta["boot"] == 500 and meta["seed"] == 3 and meta["summary"]["zh"]


def test_excel_and_parquet_inputs(run, csv, tmp_path):
    df = pd.read_csv(csv)
    xlsx = tmp_path / "d.xlsx"
    df.to_excel(xlsx, index=False)
    pq = tmp_path / "d.parquet"
    import duckdb

    duckdb.from_df(df).write_parquet(str(pq))
    for path in (xlsx, pq):
        res = run("stats", "ols", path, "--y", "y", "--x", "x1,x2", "--se", "hc3", "--out", tmp_path / path.suffix[1:])
        assert res.exit_code == 0, res.output
        coef = pd.read_csv(tmp_path / path.suffix[1:] / "coefficients.csv")
        np.testing.assert_allclose(coef["estimate"], ols(df, "y", ["x1", "x2"]).coefficients["estimate"])


def test_release_input(run, tmp_path):
    idx = Index.from_spec(DEMO)
    units = pd.DataFrame({"adcode": list(idx.units), "province": [f"p{i % 3}" for i in range(len(idx.units))]})
    rel = write_release(tmp_path / "release", {"city": idx}, {"unit_files": {"city": "units.csv"}},
                        extra_files={"units.csv": units})
    res = run("stats", "corr", rel, "--columns", "DTI,infra,cloud", "--period", "2021Q1", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "c" / "corr.csv")
    dti = idx.table("DTI")["2021Q1"].to_numpy()
    infra = idx.table("infra")["2021Q1"].to_numpy()
    assert out.loc[0, "r"] == pytest.approx(np.corrcoef(dti, infra)[0, 1])
    assert out.loc[0, "n"] == len(idx.units)
    # the parent folder (as `dtindex demo --out` writes it) works too
    res = run("stats", "ols", tmp_path, "--y", "DTI", "--x", "cloud", "--fe", "unit", "--se", "cluster:province",
              "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "o" / "model.json").read_text())["n_units"] == len(idx.units)


def test_clear_errors(run, csv, tmp_path):
    res = CliRunner().invoke(main, ["stats", "corr", str(csv), "--columns", "x1,zz", "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert "Error: data.csv: unknown column 'zz'; the columns are: uCode, Time, region" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4\n5,x y\n6,7\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["stats", "ols", str(bad), "--y", "a", "--x", "b", "--out", str(tmp_path)])
    assert res.exit_code == 1 and 'bad.csv row 4: value "x y" in column b is not a number' in res.output
    other = tmp_path / "d.json"
    other.write_text("{}", encoding="utf-8")
    res = CliRunner().invoke(main, ["stats", "corr", str(other), "--columns", "a,b", "--out", str(tmp_path / "x")])
    assert res.exit_code == 1 and "unsupported file type '.json'; use a .csv, .tsv, .xlsx or .parquet" in res.output
    res = CliRunner().invoke(main, ["stats", "ols", str(csv), "--y", "y", "--x", "x1", "--se", "white",
                                    "--out", str(tmp_path)])
    assert res.exit_code == 1 and "cluster:COLUMN" in res.output


def test_missing_rows_are_reported(run, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n2,\n3,5\n4,3\n5,8\n,1\n", encoding="utf-8")
    res = run("stats", "ols", path, "--y", "a", "--x", "b", "--out", tmp_path / "o")
    assert res.exit_code == 0
    assert "2 row(s) with a missing value dropped listwise" in res.output and "rows 3, 7" in res.output


def test_help_does_not_import_the_numerics():
    code = ("import sys; from click.testing import CliRunner; from dtindex.cli import main; "
            "r = CliRunner().invoke(main, ['stats', '--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('statsmodels', 'dtindex.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_period_column_is_time_else_year(run, tmp_path):
    path = tmp_path / "y.csv"
    path.write_text("year,a,b\n2022,1,2\n2022,2,1\n2022,3,5\n2023,1,1\n2023,2,2\n2023,3,3\n2023,4,5\n", encoding="utf-8")
    res = run("stats", "corr", path, "--columns", "a,b", "--period", "2023", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "c" / "corr.csv")
    assert out.loc[0, "n"] == 4 and out.loc[0, "r"] == pytest.approx(np.corrcoef([1, 2, 3, 4], [1, 2, 3, 5])[0, 1])
    res = CliRunner().invoke(main, ["stats", "corr", str(path), "--columns", "a,b", "--period", "2030",
                                    "--out", str(tmp_path / "d")])
    assert res.exit_code == 1 and "no rows with year = '2030'; the periods are: 2022, 2023" in res.output
