"""Release folders: written atomically, read back with the Index's read-only interface."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.index import Index
from dtindex.release import BuildResult, Release, write_release

DEMO = Path(__file__).parents[1] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"


@pytest.fixture(scope="module")
def idx():
    return Index.from_spec(DEMO)


def test_round_trip(idx, tmp_path):
    out = write_release(tmp_path / "rel", {"city": idx}, {"title": "t", "synthetic": True},
                        extra_files={"units.csv": pd.DataFrame({"uCode": ["1"]})})
    rel = Release.load(out)
    assert rel.synthetic and rel.meta["title"] == "t" and rel.meta["builds"] == ["city"]
    b = rel["city"]
    assert isinstance(b, BuildResult)
    assert b.period_labels == idx.period_labels and b.units == idx.panel.units
    for code in ("DTI", "infra", "cloud"):
        np.testing.assert_allclose(b.table(code).to_numpy(), idx.table(code).to_numpy())
        np.testing.assert_array_equal(b.table(code, what="ranks").to_numpy(), idx.table(code, what="ranks").to_numpy())
    assert b.weights == pytest.approx(idx.weights | {})  # same weights per child
    assert b.base_period == idx.base_period == "2021Q1" and b.units == idx.units
    assert (out / "units.csv").exists()


def test_replaces_a_release_but_never_a_user_folder(idx, tmp_path):
    write_release(tmp_path / "rel", {"city": idx})
    write_release(tmp_path / "rel", {"a": idx})
    assert Release.load(tmp_path / "rel").meta["builds"] == ["a"]
    assert not (tmp_path / "rel" / "city").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]  # no temporary folders left
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(DataError, match="is not a dtindex release"):
        write_release(user, {"city": idx})
    assert (user / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_load_errors(tmp_path):
    with pytest.raises(DataError, match="not a dtindex release folder"):
        Release.load(tmp_path)
    with pytest.raises(DataError, match="missing scores.csv"):
        BuildResult.load(tmp_path)


def _pivot_reference(b: BuildResult, code: str, what: str) -> pd.DataFrame:
    """The wide table by scanning and pivoting the long table (what table() did before the cube)."""
    df, col = (b.scores, "value") if what == "scores" else (b.ranks, "rank")
    wide = df[df["iCode"] == code].pivot(index="uCode", columns="Time", values=col)
    periods = [p for p in b.period_labels if p in wide.columns] or list(wide.columns)
    wide = wide.reindex(index=pd.Index(b.units, name="uCode"), columns=periods).astype(float)
    wide.columns = [c or "value" for c in wide.columns]
    wide.columns.name = None
    return wide


def test_wide_tables_from_the_cube_equal_the_pivot(idx, tmp_path):
    b = Release.load(write_release(tmp_path / "rel", {"city": idx}))["city"]
    # a node without its last period, a missing score, a rank row of a unit without scores
    s = b.scores
    drop = (s["iCode"] == "cloud") & (s["Time"] == b.period_labels[-1])
    s = s[~drop].copy()
    s.loc[s.index[3], "value"] = np.nan
    r = pd.concat([b.ranks, pd.DataFrame({"uCode": ["ghost"], "Time": [b.period_labels[0]], "iCode": ["DTI"], "rank": [1]})])
    edited = BuildResult(b.name, b.path, b.framework, s, r, b.weights_frame, b.recipe_data)
    for build in (b, edited):
        for code in [n.code for n in build.framework.nodes]:
            for what in ("scores", "ranks"):
                got, ref = build.table(code, what=what), _pivot_reference(build, code, what)
                pd.testing.assert_frame_equal(got, ref, check_exact=True)
                assert got.to_numpy().strides == ref.to_numpy().strides  # same layout: sums add up alike
    assert list(edited.table("cloud").columns) == list(b.period_labels[:-1])


def test_wide_table_of_a_cross_section_and_of_duplicate_rows(idx, tmp_path):
    b = Release.load(write_release(tmp_path / "rel", {"city": idx}))["city"]
    one = b.scores[b.scores["Time"] == b.period_labels[0]].assign(Time="")
    cross = BuildResult(b.name, b.path, b.framework, one, b.ranks, b.weights_frame, {**b.recipe_data, "periods": []})
    assert list(cross.table("DTI").columns) == ["value"]
    pd.testing.assert_frame_equal(cross.table("DTI"), _pivot_reference(cross, "DTI", "scores"), check_exact=True)
    dup = BuildResult(b.name, b.path, b.framework, pd.concat([b.scores, b.scores.iloc[:1]]), b.ranks,
                      b.weights_frame, b.recipe_data)
    with pytest.raises(ValueError, match="duplicate"):
        dup.table(b.scores["iCode"].iloc[0])
