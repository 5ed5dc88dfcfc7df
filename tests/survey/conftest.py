"""Shared fixtures: R survey's api example data and the small questionnaire exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parents[1] / "data"
API = DATA / "api"
SURVEY = DATA / "survey"


def read_api(name: str) -> pd.DataFrame:
    return pd.read_csv(API / f"{name}.csv", dtype={"cds": str})


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return read_api("apistrat")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return read_api("apiclus1")


@pytest.fixture(scope="session")
def apisrs() -> pd.DataFrame:
    return read_api("apisrs")


@pytest.fixture(scope="session")
def fixture_spec():
    from dtindex.survey.spec import load_questionnaire

    return load_questionnaire(SURVEY / "spec.yaml")
