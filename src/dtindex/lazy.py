"""Deferred imports for modules on the build path.

``dtindex build`` of a COINr table must start fast, and importing pandas takes
longer than the whole build (docs/performance.md, "Start-up"). Modules whose
pandas use is off that path (reading expert sheets, AHP matrices, treatment
logs) write ``from ..lazy import pandas as pd``: pandas is imported at the
first use of ``pd.<name>``, not when the module is imported.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """A stand-in for a module, importing it at the first attribute access."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def _load(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str):
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


pandas = LazyModule("pandas")
