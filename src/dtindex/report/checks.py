"""Validation helpers of the report values (:mod:`dtindex.report.model`, :mod:`dtindex.report.figures`).

Each takes the owning block's name and the field name, so a refused value says where it was
(``Chart 'cities-top': height must be ...``); they normalise what they accept (NaN -> None,
numbers -> float, lists -> tuples). Package-internal: the report values call them in their
``__post_init__``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dtindex.errors import DataError, SpecError, describe_rows

from .format import NumberFormat

_SLUG = re.compile(r"[a-z][a-z0-9-]{0,63}")


# ---------------------------------------------------------------------- helpers
def _text(owner: str, name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{owner}: {name} must be a non-empty string; got {value!r}.")
    return value


def _slug(owner: str, name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise SpecError(
            f"{owner}: {name} must be lower-case letters, digits and '-', starting with a letter "
            f"(at most 64 characters), e.g. 'city-ranking'; got {value!r}."
        )
    return value


def _number(owner: str, name: str, value: object) -> float | None:
    """A finite float, or ``None`` for missing (None, NaN, pd.NA)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{owner}: {name} must be a number or missing; got {value!r}.")
    v = float(value)
    if math.isnan(v):
        return None
    if math.isinf(v):
        raise DataError(f"{owner}: {name} must be finite; got {v}.")
    return v


def _numbers(owner: str, name: str, values: object) -> tuple[float | None, ...]:
    """Vectorised :func:`_number` over a sequence: finite floats, ``None`` for missing."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Series, pd.Index)):
        raise DataError(f"{owner}: {name} must be a sequence of numbers; got {type(values).__name__}.")
    seq = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else values
    cleaned = [np.nan if (v is None or v is pd.NA) else v for v in seq]
    bad = [v for v in cleaned if isinstance(v, (bool, np.bool_, str)) or not isinstance(v, (int, float, np.integer, np.floating))]
    if bad:
        raise DataError(f"{owner}: {name} must hold numbers or missing values; got {describe_rows(map(repr, bad), 5)}.")
    x = np.asarray(cleaned, dtype=float).reshape(-1)
    if np.isinf(x).any():
        pos = np.flatnonzero(np.isinf(x))
        raise DataError(f"{owner}: {name} must be finite; infinite values at positions {describe_rows(pos.tolist())}.")
    return tuple(None if m else v for v, m in zip(x.tolist(), np.isnan(x).tolist()))


def _opt_int(owner: str, name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise SpecError(f"{owner}: {name} must be a non-negative integer; got {value!r}.")
    return int(value)


def _height(owner: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 120 <= value <= 2000:
        raise SpecError(f"{owner}: height must be an integer number of pixels from 120 to 2000; got {value!r}.")
    return int(value)


def _sheet(owner: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 31 or re.search(r"[\[\]:*?/\\]", value) \
            or value.startswith("'") or value.endswith("'"):
        raise SpecError(
            f"{owner}: sheet must be an Excel sheet name of 1-31 characters without []:*?/\\ and not "
            f"starting or ending with an apostrophe; got {value!r}."
        )
    return value


def _fmt(owner: str, name: str, value: object) -> NumberFormat:
    if not isinstance(value, NumberFormat):
        raise SpecError(f"{owner}: {name} must be a NumberFormat (e.g. dtindex.report.format.percent(1)); got {value!r}.")
    return value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)
