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
