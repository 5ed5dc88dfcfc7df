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


@pytest.fixture(scope="session")
def survey_demos(tmp_path_factory):
    """Both survey demos in both languages, run once: {(name, lang): (out_dir, result)}."""
    from dtindex.survey.demo import run_demo
    from dtindex.survey.public_demo import run_public_demo

    cache = {}

    def get(name: str, lang: str):
        if (name, lang) not in cache:
            out = tmp_path_factory.mktemp(f"{name}-{lang}")
            run = run_demo if name == "genai" else run_public_demo
            cache[(name, lang)] = (out, run(out, seed=2024, lang=lang))
        return cache[(name, lang)]

    return get
