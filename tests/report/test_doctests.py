"""The examples in the report modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["dtindex.report", "dtindex.report.format", "dtindex.report.labels", "dtindex.report.style",
           "dtindex.report.model", "dtindex.report.html", "dtindex.report.excel"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
