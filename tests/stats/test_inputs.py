"""Reading tables and releases for analysis; errors that name file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.errors import DataError
from dtindex.index import Index
from dtindex.release import write_release
from dtindex.stats import numeric_columns, read_data, select_period
from dtindex.stats.inputs import complete_cases

DEMO = Path(__file__).parents[2] / "src" / "dtindex" / "examples" / "dti-mini" / "spec.yaml"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    idx = Index.from_spec(DEMO)
    units = pd.DataFrame({"adcode": list(idx.units), "province": [f"p{i % 2}" for i in range(len(idx.units))]})
    return idx, write_release(tmp_path_factory.mktemp("rel") / "release", {"city": idx, "copy": idx},
                              {"unit_files": {"city": "units.csv"}}, extra_files={"units.csv": units})


def test_release_wide_table(release):
    idx, path = release
    df = read_data(path)
    assert list(df.columns[:3]) == ["uCode", "Time", "province"] and "DTI" in df.columns and "cloud" in df.columns
    assert len(df) == len(idx.units) * len(idx.period_labels)
    assert df.index[0] == f"{idx.units[0]} {idx.period_labels[0]}"
    first = df[df["Time"] == idx.period_labels[0]].set_index("uCode")["DTI"]
    np.testing.assert_allclose(first.to_numpy(), idx.table("DTI")[idx.period_labels[0]].to_numpy())
    both = read_data(path, build="city,copy")
    assert "city:DTI" in both.columns and "copy:DTI" in both.columns and "DTI" not in both.columns
    with pytest.raises(DataError, match="no build 'future'; builds are city, copy"):
        read_data(path, build="future")


def test_errors_and_row_labels(tmp_path):
    df = pd.DataFrame({"a": ["1", "2", "x"], "b": [1.0, np.inf, 3.0]}, index=["r1", "r2", "r3"])
    df.attrs["source"] = "frame"
    with pytest.raises(DataError, match='frame row r3: value "x" in column a is not a number'):
        numeric_columns(df, ["a"])
    with pytest.raises(DataError, match="frame row r2: value inf in column b is not a finite number"):
        numeric_columns(df, ["b"])
    with pytest.raises(DataError, match="given twice"):
        numeric_columns(df, ["b", "b"])
    with pytest.raises(DataError, match="no period column"):
        select_period(df, "2023")
    with pytest.raises(DataError, match="file not found"):
        read_data(tmp_path / "none.csv")
    with pytest.raises(DataError, match="--build applies to a release folder"):
        read_data(tmp_path / "none.csv", build="city")


def test_complete_cases_reports_rows_and_columns():
    num = pd.DataFrame({"y": [1.0, np.nan, 3, 4], "x": [1.0, 2, np.nan, np.nan]}, index=[2, 3, 4, 5])
    labels = pd.DataFrame({"g": ["a", "b", "", "c"]}, index=[2, 3, 4, 5])
    kept, dropped = complete_cases(num, labels)
    assert list(kept.index) == [2] and dropped.rows == (3, 4, 5)
    assert dropped.columns == {"y": 1, "x": 2, "g": 1}
    assert dropped.message("d.csv") == ("d.csv: 3 row(s) with a missing value dropped listwise (missing in y (1), "
                                         "x (2), g (1)): rows 3, 4, 5")
