"""Shared fixtures: the small demo size generated once per test session."""

from __future__ import annotations

import pytest

from dtindex.demo.generator import generate
from dtindex.demo.params import params_for_size


@pytest.fixture(scope="session")
def small_params():
    return params_for_size("small")


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory, small_params):
    """The small size written once: RawData of ``<tmp>/raw``."""
    return generate(tmp_path_factory.mktemp("small") / "raw", small_params)
