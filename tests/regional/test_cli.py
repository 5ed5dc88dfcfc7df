"""``dtindex regional ...``: the output files and exact columns of the CLI contract, and clear errors."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main


@pytest.fixture(scope="module")
def city_long(demo_release, tmp_path_factory):
    """Long table from the demo release: uCode, Time, value (the index), region, and the three layers in [0, 1]."""
    from dtindex.regions import cities, provinces
    from dtindex.release import Release

    b = Release.load(demo_release)["city"]
    s = b.scores_long()
    wide = s[s["Level"] >= 2].pivot_table(index=["uCode", "Time"], columns="iCode", values="value").reset_index()
    for c in ("infra", "platform", "application"):
        wide[c] = (wide[c] - wide[c].min()) / (wide[c].max() - wide[c].min())
    c, p = cities().set_index("adcode"), provinces().set_index("adcode")
    wide["region"] = wide["uCode"].map(c["province_adcode"]).map(p["region"])
    path = tmp_path_factory.mktemp("regional-cli") / "long.csv"
    wide.rename(columns={"DTI": "value"}).to_csv(path, index=False)
    return path


def run(*args):
    res = CliRunner().invoke(main, ["regional", *map(str, args)])
    return res


def test_gini(city_long, tmp_path):
    res = run("gini", city_long, "--value", "value", "--group", "region", "--time", "Time", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    dag = pd.read_csv(tmp_path / "dagum.csv", keep_default_na=False)
    assert list(dag.columns) == ["time", "component", "group1", "group2", "value"]
    assert set(dag["component"]) == {"G", "Gw", "Gnb", "Gt", "G_jj", "G_jh"}
    one = dag[dag["time"] == "2022Q1"].set_index("component")
    assert one.loc[["Gw", "Gnb", "Gt"], "value"].sum() == pytest.approx(one.loc["G", "value"], rel=1e-8)
    assert (one.loc[["G", "Gw"], "group1"] == "").all()
    jj = dag[dag["component"] == "G_jj"]
    assert (jj["group1"] == jj["group2"]).all() and len(jj) == 4 * dag["time"].nunique()
    jh = dag[dag["component"] == "G_jh"]
    assert (jh["group1"] != jh["group2"]).all() and len(jh) == 6 * dag["time"].nunique()
    th = pd.read_csv(tmp_path / "theil.csv")
    assert list(th.columns) == ["time", "T", "T_within", "T_between", "L", "L_within", "L_between", "cv"]
    np.testing.assert_allclose(th["T_within"] + th["T_between"], th["T"])


def test_gini_without_time_and_from_excel_and_parquet(city_long, tmp_path):
    df = pd.read_csv(city_long, dtype={"uCode": str})
    df = df[df["Time"] == "2023Q1"]
    df.to_excel(tmp_path / "d.xlsx", index=False)
    res = run("gini", tmp_path / "d.xlsx", "--value", "value", "--group", "region", "--out", tmp_path / "x")
    assert res.exit_code == 0, res.output
    dag = pd.read_csv(tmp_path / "x" / "dagum.csv", keep_default_na=False)
    assert (dag["time"] == "").all()
    import duckdb

    duckdb.from_df(df).write_parquet(str(tmp_path / "d.parquet"))
    res = run("gini", tmp_path / "d.parquet", "--value", "value", "--group", "region", "--out", tmp_path / "p")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p" / "dagum.csv").read_text() == (tmp_path / "x" / "dagum.csv").read_text()


def test_coupling(city_long, tmp_path):
    res = run("coupling", city_long, "--systems", "infra,platform,application", "--alpha", "0.4,0.3,0.3",
              "--unit", "uCode", "--time", "Time", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "coupling.csv", dtype={"unit": str})
    assert list(out.columns) == ["unit", "time", "C", "T", "D", "grade"]
    assert out["C"].dropna().between(0, 1).all()
    assert out["grade"].dropna().isin(["极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调", "勉强协调", "初级协调",
                                       "中级协调", "良好协调", "优质协调"]).all()


def test_moran(city_long, tmp_path):
    df = pd.read_csv(city_long, dtype={"uCode": str})
    df[df["Time"].isin(["2022Q4", "2023Q1"])].to_csv(tmp_path / "two.csv", index=False)
    args = ("moran", tmp_path / "two.csv", "--value", "value", "--unit", "uCode", "--time", "Time",
            "--weights", "knn:5", "--permutations", "99", "--seed", "1")
    res = run(*args, "--out", tmp_path / "a")
    assert res.exit_code == 0, res.output
    m = pd.read_csv(tmp_path / "a" / "moran.csv")
    assert list(m.columns) == ["time", "I", "expected", "z", "p_norm", "p_sim"]
    assert len(m) == 2
    lisa = pd.read_csv(tmp_path / "a" / "lisa.csv", dtype={"unit": str})
    assert list(lisa.columns) == ["unit", "time", "Ii", "quadrant", "p_sim"]
    assert set(lisa["quadrant"]) <= {"HH", "LL", "HL", "LH"}
    res = run(*args, "--out", tmp_path / "b")
    assert (tmp_path / "a" / "lisa.csv").read_bytes() == (tmp_path / "b" / "lisa.csv").read_bytes()  # seeded


def test_markov(city_long, tmp_path):
    res = run("markov", city_long, "--value", "value", "--unit", "uCode", "--time", "Time", "--classes", "4",
              "--relative", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    m = pd.read_csv(tmp_path / "markov.csv")
    assert list(m.columns) == ["from", "to", "p", "n"]
    assert len(m) == 16
    np.testing.assert_allclose(m.groupby("from")["p"].sum(), 1.0)


def test_obstacle(demo_release, tmp_path):
    res = run("obstacle", demo_release, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    o = pd.read_csv(tmp_path / "obstacle.csv", dtype={"unit": str})
    assert list(o.columns) == ["unit", "time", "iCode", "obstacle"]
    assert (tmp_path / "obstacle_layer.csv").exists() and (tmp_path / "obstacle_top.csv").exists()


def test_errors_name_file_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,region,value\na,东部,1\nb,西部,12,3\n", encoding="utf-8")
    res = run("gini", bad, "--value", "value", "--group", "region", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "bad.csv row 3" in res.output
    bad.write_text("unit,region,value\na,东部,1\nb,西部,x\n", encoding="utf-8")
    res = run("gini", bad, "--value", "value", "--group", "region", "--out", tmp_path / "o")
    assert res.exit_code == 1 and 'row 3: value "x" in column value is not a number' in res.output
    res = run("gini", bad, "--value", "score", "--group", "region", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "no column score" in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    dup = tmp_path / "dup.csv"
    dup.write_text("unit,t,value\na,1,1\na,1,2\n", encoding="utf-8")
    res = run("markov", dup, "--value", "value", "--unit", "unit", "--time", "t", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "rows 2, 3" in res.output


def test_convergence_and_kde(city_long, tmp_path):
    df = pd.read_csv(city_long, dtype={"uCode": str})
    df = df[df["value"] > 0]
    keep = df.groupby("uCode")["Time"].transform("size") == df["Time"].nunique()
    df[keep].to_csv(tmp_path / "pos.csv", index=False)
    res = run("convergence", tmp_path / "pos.csv", "--value", "value", "--unit", "uCode", "--time", "Time",
              "--out", tmp_path)
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(tmp_path / "sigma.csv").columns) == ["time", "cv", "sd_log", "n"]
    beta = pd.read_csv(tmp_path / "beta.csv")
    assert list(beta["kind"]) == ["absolute", "conditional"]
    assert list(beta.columns) == ["kind", "beta", "se", "p", "n", "speed", "half_life", "r2"]
    res = run("kde", city_long, "--value", "value", "--unit", "uCode", "--time", "Time", "--points", "50",
              "--out", tmp_path)
    assert res.exit_code == 0, res.output
    k = pd.read_csv(tmp_path / "kde.csv")
    assert list(k.columns) == ["time", "x", "density", "bandwidth"] and len(k) == 50 * 9


def test_periods_in_time_order_and_gap_warning(tmp_path):
    from dtindex.regional.data import period_order

    assert period_order(["2021-10", "2021-09", "2022-01", "2021-11", "2021-12"]) == [
        "2021-09", "2021-10", "2021-11", "2021-12", "2022-01"]
    assert period_order(["b", "a"]) == ["a", "b"]
    with pytest.warns(UserWarning, match="not consecutive"):
        period_order(["2021Q1", "2021Q3"])


def test_more_errors(tmp_path):
    res = run("obstacle", tmp_path, "--out", tmp_path / "o")
    assert res.exit_code == 1 and "not a dtindex release folder" in res.output
    data = tmp_path / "u.csv"
    data.write_text("unit,U1,U2\na,0.2,0.4\nb,0.5,1.5\n", encoding="utf-8")
    res = run("coupling", data, "--systems", "U1,U2", "--unit", "unit", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "normalised to [0, 1]" in res.output
    res = run("coupling", data, "--systems", "U1,U2", "--alpha", "0.5,x", "--unit", "unit", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "--alpha" in res.output
    res = run("moran", data, "--value", "U1", "--unit", "unit", "--out", tmp_path / "o")
    assert res.exit_code == 1 and "no coordinates for units a, b" in res.output
