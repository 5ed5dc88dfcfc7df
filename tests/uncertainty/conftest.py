"""Shared fixtures: the ASEM example index and a hand-checkable 3-unit, 2-pillar index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtindex.index import Index

DATA = Path(__file__).parents[1] / "data"
ASEM_META = DATA / "asem" / "ASEM_iMeta.csv"
ASEM_DATA = DATA / "asem" / "ASEM_iData.csv"
ASEM_PANEL = DATA / "asem" / "ASEM_iData_p.csv"

# Tiny index: units U1..U3, pillar A = (a1, a2), pillar B = (b1, b2), Index = (A, B), all weights 1.
TINY_META = pd.DataFrame({
    "iCode": ["a1", "a2", "b1", "b2", "A", "B", "Index"],
    "iName": ["a1", "a2", "b1", "b2", "Pillar A", "Pillar B", "Tiny index"],
    "Parent": ["A", "A", "B", "B", "Index", "Index", ""],
    "Level": [1, 1, 1, 1, 2, 2, 3],
    "Weight": [1, 1, 1, 1, 1, 1, 1],
    "Direction": [1, 1, 1, 1, 1, 1, 1],
    "Type": ["Indicator"] * 4 + ["Aggregate"] * 3,
})
TINY_DATA = pd.DataFrame({
    "uCode": ["U1", "U2", "U3"],
    "uName": ["Unit one", "Unit two", "Unit three"],
    "a1": [1.0, 4.0, 3.0],
    "a2": [9.0, 4.0, 4.0],
    "b1": [4.0, 4.0, 2.0],
    "b2": [4.0, 4.0, 8.0],
})
NONE = {"normalise.method": "none"}


@pytest.fixture(scope="session")
def asem() -> Index:
    return Index.from_coinr(ASEM_META, ASEM_DATA)


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tiny")
    TINY_META.to_csv(d / "meta.csv", index=False)
    TINY_DATA.to_csv(d / "data.csv", index=False)
    return d / "meta.csv", d / "data.csv"


@pytest.fixture(scope="session")
def tiny(tiny_files) -> Index:
    """The tiny index with values used as they are (normalisation 'none'): hand-checkable."""
    return Index.from_coinr(*tiny_files, changes=NONE)


@pytest.fixture(scope="session")
def tiny_missing(tmp_path_factory) -> Index:
    """The tiny index with a1 missing for U3."""
    d = tmp_path_factory.mktemp("tiny_missing")
    TINY_META.to_csv(d / "meta.csv", index=False)
    data = TINY_DATA.copy()
    data.loc[2, "a1"] = np.nan
    data.to_csv(d / "data.csv", index=False)
    return Index.from_coinr(d / "meta.csv", d / "data.csv", changes=NONE)


@pytest.fixture(scope="session")
def asem_panel() -> Index:
    return Index.from_coinr(ASEM_META, ASEM_PANEL)
