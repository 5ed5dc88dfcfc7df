"""The replay CLI contract: REPS.csv in, DIR/ranks.csv out, equal to full rebuilds; errors name file, row, column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dtindex.cli import main
from dtindex.errors import DataError
from dtindex.uncertainty.replay import read_replications

from .conftest import ASEM_DATA, ASEM_META, ASEM_PANEL

REPS = (
    "rep,normalisation,aggregation,w_Conn,w_Sust,w_Physical,w_Environ\n"
    '1,"minmax:1,100",arithmetic,1,1,,\n'
    '2,"minmax:1,100",geometric,1.2,0.8,0.75,1.25\n'
    '3,"zscore:10,2",geometric,0.8,1.2,1.1,\n'
    '4,"zscore:10,2",arithmetic,1.25,0.75,,0.9\n'
)


@pytest.fixture
def invoke():
    runner = CliRunner()

    def call(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return call


def replay(invoke, tmp_path, text, data=ASEM_DATA, name="reps.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return invoke("uncertainty", "replay", "--framework", ASEM_META, "--data", data, "--replications", path,
                  "--out", tmp_path / "out")


def test_replay_writes_ranks_equal_to_rebuilds(invoke, tmp_path, asem):
    res = replay(invoke, tmp_path, REPS)
    assert res.exit_code == 0, res.output
    assert "Replayed 4 replications (4 method combinations)" in res.output
    text = (tmp_path / "out" / "ranks.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == "rep,uCode,rank"
    assert lines[1] == "1,AUT,12"  # first unit of the data, integer rank
    assert text.endswith("\n") and "\r" not in text and ".0" not in text
    assert len(lines) == 1 + 4 * 51 + 1
    df = pd.read_csv(tmp_path / "out" / "ranks.csv", dtype={"rep": str})
    assert df["rep"].tolist() == [r for r in "1234" for _ in range(51)]
    assert df["uCode"].tolist()[:51] == list(asem.panel.units)
    settings = [
        ({"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}, "aggregate.method": "arithmetic"},
         {"Conn": 1, "Sust": 1}),
        ({"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}, "aggregate.method": "geometric"},
         {"Conn": 1.2, "Sust": 0.8, "Physical": 0.75, "Environ": 1.25}),
        ({"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2}, "aggregate.method": "geometric"},
         {"Conn": 0.8, "Sust": 1.2, "Physical": 1.1}),
        ({"normalise.method": "zscore", "normalise.params": {"mean": 10, "sd": 2}, "aggregate.method": "arithmetic"},
         {"Conn": 1.25, "Sust": 0.75, "Environ": 0.9}),
    ]
    for i, (changes, weights) in enumerate(settings):
        ref = asem.rebuild(changes, weights=weights).ranks["Index"]
        got = df[df["rep"] == str(i + 1)]["rank"].to_numpy()
        np.testing.assert_array_equal(got, ref.astype(int))
    # atomic output: no temporary files left behind; same input gives the same bytes
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ranks.csv"]
    replay(invoke, tmp_path, REPS)
    assert (tmp_path / "out" / "ranks.csv").read_text(encoding="utf-8") == text


def test_replay_weighting_column_equals_rebuilds(invoke, tmp_path, asem):
    # the weighting alternatives of `uncertainty run`, one per replication; w_ cells only where the
    # parents' weights stay manual
    text = ("rep,normalisation,aggregation,weighting,w_Conn\n"
            'm,"minmax:1,100",arithmetic,manual,2\n'
            'e,"minmax:1,100",arithmetic,entropy,\n'
            'c,"minmax:1,100",geometric,critic,\n'
            'x,"minmax:1,100",arithmetic,"combined:manual,entropy,multiplicative",\n')
    res = replay(invoke, tmp_path, text)
    assert res.exit_code == 0, res.output
    assert "Replayed 4 replications (4 method combinations)" in res.output
    df = pd.read_csv(tmp_path / "out" / "ranks.csv", dtype={"rep": str})
    norm = {"normalise.method": "minmax", "normalise.params": {"low": 1, "high": 100}}
    cases = {"m": ({**norm, "aggregate.method": "arithmetic"}, {"Conn": 2}),
             "e": ({**norm, "aggregate.method": "arithmetic", "weights.method": "entropy", "weights.params": {}}, None),
             "c": ({**norm, "aggregate.method": "geometric", "weights.method": "critic", "weights.params": {}}, None),
             "x": ({**norm, "aggregate.method": "arithmetic", "weights.method": "combined",
                    "weights.params": {"subjective": "manual", "objective": "entropy", "rule": "multiplicative"}}, None)}
    for rep, (changes, weights) in cases.items():
        ref = asem.rebuild(changes, weights=weights).ranks["Index"]
        np.testing.assert_array_equal(df[df["rep"] == rep]["rank"].to_numpy(), ref.astype(int))
    # entropy weights are computed, so a w_ cell on one of their children is refused, naming why
    res = replay(invoke, tmp_path, "rep,normalisation,aggregation,weighting,w_Conn\n"
                                   'e,"minmax:1,100",arithmetic,entropy,2\n')
    assert res.exit_code == 1 and "are computed by method 'entropy'" in res.output
    res = replay(invoke, tmp_path, "rep,normalisation,aggregation,weighting\n"
                                   'e,"minmax:1,100",arithmetic,entropie\n')
    assert res.exit_code == 1
    assert res.output.startswith('Error: reps.csv row 2: value "entropie" in column weighting:'), res.output


def test_replay_panel_adds_time(invoke, tmp_path):
    res = replay(invoke, tmp_path, 'rep,normalisation,aggregation\na,"minmax:1,100",geometric\n', data=ASEM_PANEL)
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "out" / "ranks.csv")
    assert list(df.columns) == ["rep", "Time", "uCode", "rank"]
    assert df["Time"].tolist()[:52] == [2018] * 51 + [2019]


def test_replay_optional_imputation_and_exclude_columns(tiny_files, tmp_path, tiny):
    reps = tmp_path / "reps.csv"
    reps.write_text("rep,normalisation,aggregation,imputation,exclude,w_A\n"
                    "r1,none,arithmetic,none,a2,\nr2,none,arithmetic,mean,,3\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["uncertainty", "replay", "--framework", str(tiny_files[0]), "--data",
                                    str(tiny_files[1]), "--replications", str(reps), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    # by hand: excluding a2 -> Index (2.5, 4, 4) -> ranks (3, 1, 1); w_A = 3 -> (4.75, 4, 3.875) -> (1, 2, 3)
    assert (tmp_path / "o" / "ranks.csv").read_text(encoding="utf-8") == (
        "rep,uCode,rank\nr1,U1,3\nr1,U2,1\nr1,U3,1\nr2,U1,1\nr2,U2,2\nr2,U3,3\n")


@pytest.mark.parametrize("text,message", [
    ("rep,normalisation,aggregation,w_Foo\n1,\"minmax:1,100\",arithmetic,1\n",
     "Error: reps.csv: column w_Foo: 'Foo' is not a node of the framework"),
    ("rep,normalisation,aggregation,w_Index\n1,\"minmax:1,100\",arithmetic,1\n",
     "Error: reps.csv: column w_Index: 'Index' is the top node, which has no weight"),
    ("rep,normalisation,aggregation\n1,\"minmax:1,100\",arithmetic\n2,\"minmix:1,100\",arithmetic\n",
     ("Error: reps.csv row 3: value \"minmix:1,100\" in column normalisation: The 'method' parameter of normalise "
     "must be one of")),
    ("rep,normalisation,aggregation\n1,\"minmax:100,1\",arithmetic\n",
     "Error: reps.csv row 2: value \"minmax:100,1\" in column normalisation: minmax needs numbers low < high"),
    ("rep,normalisation,aggregation\n1,\"minmax:1,100\",geometrc\n",
     "Error: reps.csv row 2: value \"geometrc\" in column aggregation: The 'method' parameter of aggregate must be"),
    ("rep,normalisation,w_Conn\n1,\"minmax:1,100\",1\n",
     "Error: reps.csv: missing column aggregation; a replications file needs rep, normalisation, aggregation"),
    ("normalisation,aggregation\n\"minmax:1,100\",arithmetic\n",
     "Error: reps.csv: missing column rep;"),
    ("rep,normalisation,aggregation,weight\n1,\"minmax:1,100\",arithmetic,1\n",
     ("Error: reps.csv: unknown column weight; allowed: rep, normalisation, aggregation, imputation, exclude, "
     "weighting and w_<iCode>")),
    ("rep,normalisation,aggregation,w_Conn\n1,\"minmax:1,100\",arithmetic,1\n2,\"minmax:1,100\",arithmetic,x\n",
     "Error: reps.csv row 3: value \"x\" in column w_Conn is not a number"),
    ("rep,normalisation,aggregation,w_Conn\n1,\"minmax:1,100\",arithmetic,-2\n",
     "Error: reps.csv row 2: value \"-2\" in column w_Conn is negative; weights must be >= 0"),
    ("rep,normalisation,aggregation\n1,\"minmax:1,100\",arithmetic\n1,\"zscore:10,2\",arithmetic\n",
     "Error: reps.csv: duplicate rep ids: row 2: \"1\"; row 3: \"1\""),
    ("rep,normalisation,aggregation\n1,,arithmetic\n",
     "Error: reps.csv row 2: column normalisation is empty"),
    ("rep,normalisation,aggregation,exclude\n1,\"minmax:1,100\",arithmetic,Conn\n",
     "Error: reps.csv row 2: value \"Conn\" in column exclude is not an indicator"),
    ("rep,normalisation,aggregation\n",
     "Error: reps.csv: no replications"),
    ("rep,normalisation,aggregation,w_Conn,w_Sust\n1,\"minmax:1,100\",arithmetic,0,0\n",
     "Error: replication 1: the weights of the children of 'Index' (Conn, Sust) are all zero"),
])
def test_bad_replications_files(invoke, tmp_path, text, message):
    res = replay(invoke, tmp_path, text)
    assert res.exit_code == 1
    assert res.output.startswith(message), res.output
    assert not (tmp_path / "out" / "ranks.csv").exists()


def test_replay_needs_index_inputs(invoke, tmp_path):
    res = invoke("uncertainty", "replay", "--data", ASEM_DATA, "--replications", tmp_path / "r.csv", "--out", tmp_path)
    assert res.exit_code == 1
    assert res.output == "Error: --framework and --data go together: give both\n"
    res = invoke("uncertainty", "replay", "--replications", tmp_path / "r.csv", "--out", tmp_path)
    assert res.output == "Error: give either SPEC.yaml or --framework META.csv --data DATA.csv\n"


def test_read_replications_keeps_framework_weights_for_empty_cells(tmp_path, asem):
    path = tmp_path / "r.csv"
    path.write_text('rep,normalisation,aggregation,w_Conn\n1,"minmax:1,100",arithmetic,\n', encoding="utf-8")
    reps = read_replications(path, asem.framework)
    assert np.isnan(reps.weights["Conn"][0])
    with pytest.raises(DataError):
        read_replications(tmp_path / "missing.csv", asem.framework)
