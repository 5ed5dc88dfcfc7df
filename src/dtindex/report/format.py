"""Number formats shared by the HTML and the Excel renderer.

One :class:`NumberFormat` value describes how a column or a chart's values are shown. It
produces both the text the HTML report prints (:meth:`NumberFormat.texts`) and the number
format code the Excel workbook attaches to the cell (:attr:`NumberFormat.excel`), so the two
outputs agree: a cell holding ``0.1234`` with ``percent(1)`` reads ``12.3%`` in both.

Kinds
-----
``text``         the value as text (``None`` and NaN print as the missing mark).
``integer``      ``1,234`` (thousand separators optional).
``decimal``      ``1,234.57`` with ``n`` decimals.
``percent``      a fraction as a percentage: ``0.1234`` -> ``12.3%``.
``change``       a signed relative change: ``0.052`` -> ``+5.2%``, ``-0.031`` -> ``-3.1%``,
                 zero -> ``0.0%``.
``rank``         a rank, no separators: ``3``.
``rank_change``  places moved up (previous rank minus current rank): ``2`` -> ``↑2``,
                 ``-1`` -> ``↓1``, ``0`` -> ``→``.
``compact``      large numbers shortened: zh ``1.2万``, ``3.4亿``; en ``12.3K``, ``1.2M``,
                 ``3.4B``. Excel has no ten-thousand scaling, so the workbook shows the full
                 number with separators (``#,##0``).
``yesno``        booleans: zh ``是``/``否``, en ``Yes``/``No``.

Rounding is half away from zero, as Excel rounds (``2.5`` -> ``3``, ``-0.125`` at two
decimals -> ``-0.13``), applied after removing binary noise below 1e-9 of the last digit, so
``1.005`` at two decimals is ``1.01`` in both outputs. A value that rounds to zero prints
without a sign. Missing values (``None``, NaN) print as ``—`` and are written to Excel as
empty cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dtindex.errors import SpecError, check_choice

FORMAT_KINDS = ("text", "integer", "decimal", "percent", "change", "rank", "rank_change", "compact", "yesno")
LANGS = ("zh", "en")
MISSING = "—"

_ARROW_UP, _ARROW_DOWN, _ARROW_FLAT = "↑", "↓", "→"
_COMPACT_STEPS = {
    "zh": ((1e8, "亿"), (1e4, "万")),
    "en": ((1e9, "B"), (1e6, "M"), (1e3, "K")),
}
_YESNO = {"zh": ("是", "否"), "en": ("Yes", "No")}
_NUMERIC = frozenset(FORMAT_KINDS) - {"text", "yesno"}


def round_half_away(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round half away from zero, as Excel does.

    ``r = sign(x) * floor(|x| * 10^d + 0.5) / 10^d``, with ``|x| * 10^d`` first rounded to nine
    decimals so that binary noise (``1.005 * 100 = 100.49999999999999``) does not decide
    the result.

    >>> round_half_away(np.array([2.5, -2.5, 1.005, 0.125]), 2).tolist()
    [2.5, -2.5, 1.01, 0.13]
    >>> round_half_away(np.array([2.5, -2.5]), 0).tolist()
    [3.0, -3.0]
    """
    x = np.asarray(values, dtype=float)
    scale = 10.0 ** decimals
    scaled = np.round(np.abs(x) * scale, 9)
    return np.sign(x) * np.floor(scaled + 0.5) / scale


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are shown in the report and in the workbook.

    Parameters
    ----------
    kind : str
        One of :data:`FORMAT_KINDS`.
    decimals : int
        Digits after the decimal point (0-10).
    thousands : bool
        Group thousands with ``,`` (``integer``, ``decimal``, ``compact`` fallback in Excel).

    Examples
    --------
    >>> percent(1).texts([0.1234, None, float("nan")], "zh")
    ['12.3%', '—', '—']
    >>> percent(1).excel
    '0.0%'
    """

    kind: str = "decimal"
    decimals: int = 2
    thousands: bool = True

    def __post_init__(self) -> None:
        check_choice("NumberFormat", "kind", self.kind, FORMAT_KINDS)
        if isinstance(self.decimals, bool) or not isinstance(self.decimals, (int, np.integer)) or not 0 <= self.decimals <= 10:
            raise SpecError(f"NumberFormat decimals must be an integer from 0 to 10; got {self.decimals!r}.")
        object.__setattr__(self, "decimals", int(self.decimals))
        object.__setattr__(self, "thousands", bool(self.thousands))

    @property
    def numeric(self) -> bool:
        """True when the values are numbers (everything except ``text`` and ``yesno``)."""
        return self.kind in _NUMERIC

    # ------------------------------------------------------------------ Excel
    @property
    def excel(self) -> str:
        """Excel number format code for cells holding the raw values.

        >>> change(1).excel, rank_change().excel
        ('+0.0%;-0.0%;0.0%', '"↑"0;"↓"0;"→"')
        """
        d = self.decimals
        frac = "." + "0" * d if d else ""
        grouped = "#,##0" if self.thousands else "0"
        if self.kind == "text":
            return "@"
        if self.kind == "yesno":
            return "General"
        if self.kind in ("integer", "compact"):
            return grouped
        if self.kind == "decimal":
            return grouped + frac
        if self.kind == "percent":
            return f"0{frac}%"
        if self.kind == "change":
            return f"+0{frac}%;-0{frac}%;0{frac}%"
        if self.kind == "rank":
            return f"0{frac}"
        # rank_change
        return f'"{_ARROW_UP}"0{frac};"{_ARROW_DOWN}"0{frac};"{_ARROW_FLAT}"'

    def excel_value(self, value: object, lang: str = "zh") -> object:
        """The value written into an Excel cell: ``None`` (empty cell) for missing values,
        the yes/no word for ``yesno``, text for ``text``, the raw number otherwise (the
        cell's number format does the display)."""
        if _missing(value):
            return None
        if self.kind == "yesno":
            return _YESNO[lang][0 if bool(value) else 1]
        if self.kind == "text":
            return str(value)
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        return float(value)

    # ------------------------------------------------------------------ axis ticks
    def axis(self) -> dict[str, object]:
        """Tick-label recipe for chart axes (ECharts picks the tick values at run time).

        Returns ``{"scale", "decimals", "suffix", "thousands", "sign"}``: a tick ``v`` reads
        ``sign? + group(round(v * scale, decimals)) + suffix``.

        >>> percent(1).axis()
        {'decimals': 0, 'scale': 100, 'sign': False, 'suffix': '%', 'thousands': False}
        """
        if self.kind in ("percent", "change"):
            return {"decimals": max(self.decimals - 1, 0), "scale": 100, "sign": self.kind == "change",
                    "suffix": "%", "thousands": False}
        if self.kind in ("rank", "rank_change", "text", "yesno"):
            return {"decimals": 0, "scale": 1, "sign": False, "suffix": "", "thousands": False}
        return {"decimals": 0 if self.kind in ("integer", "compact") else self.decimals, "scale": 1,
                "sign": False, "suffix": "", "thousands": self.thousands}

    # ------------------------------------------------------------------ text
    def text(self, value: object, lang: str = "zh") -> str:
        """Format one value (see :meth:`texts`)."""
        return self.texts([value], lang)[0]

    def texts(self, values: Iterable[object] | np.ndarray, lang: str = "zh") -> list[str]:
        """Format values as the report prints them.

        Numbers are rounded with :func:`round_half_away` in one numpy pass; only the final
        string assembly is per value.

        >>> decimal(2).texts([1234.5678, -0.001], "en")
        ['1,234.57', '0.00']
        >>> change(1).texts([0.052, -0.031, 0.0], "zh")
        ['+5.2%', '-3.1%', '0.0%']
        >>> rank_change().texts([2, -1, 0, None], "zh")
        ['↑2', '↓1', '→', '—']
        >>> compact(1).texts([12345, 3.4e8], "zh"), compact(1).texts([12345, 3.4e8], "en")
        (['1.2万', '3.4亿'], ['12.3K', '340.0M'])
        """
        check_choice("NumberFormat.texts", "lang", lang, LANGS)
        vals = list(values) if not isinstance(values, np.ndarray) else values.tolist()
        if self.kind == "text":
            return [MISSING if _missing(v) else str(v) for v in vals]
        if self.kind == "yesno":
            yes, no = _YESNO[lang]
            return [MISSING if _missing(v) else (yes if bool(v) else no) for v in vals]
        x = _as_float(vals, self.kind)
        if self.kind == "compact":
            return _compact_texts(x, self.decimals, lang)
        scale = 100.0 if self.kind in ("percent", "change") else 1.0
        r = round_half_away(x * scale, self.decimals)
        r = np.where(r == 0, 0.0, r)  # no "-0.0"
        d = self.decimals
        if self.kind in ("integer", "decimal"):
            spec = f"{',' if self.thousands else ''}.{0 if self.kind == 'integer' else d}f"
            if self.kind == "integer":
                r = round_half_away(x, 0)
                r = np.where(r == 0, 0.0, r)
            return [MISSING if np.isnan(v) else format(v, spec) for v in r.tolist()]
        spec = f".{d}f"
        if self.kind == "percent":
            return [MISSING if np.isnan(v) else format(v, spec) + "%" for v in r.tolist()]
        if self.kind == "change":
            return [MISSING if np.isnan(v) else (("+" if v > 0 else "") + format(v, spec) + "%") for v in r.tolist()]
        if self.kind == "rank":
            return [MISSING if np.isnan(v) else format(v, spec) for v in r.tolist()]
        # rank_change: arrow + magnitude; zero is a bare arrow as in the Excel format
        out = []
        for v in r.tolist():
            if np.isnan(v):
                out.append(MISSING)
            elif v > 0:
                out.append(_ARROW_UP + format(v, spec))
            elif v < 0:
                out.append(_ARROW_DOWN + format(-v, spec))
            else:
                out.append(_ARROW_FLAT)
        return out

    def direction(self, values: Sequence[object]) -> list[str]:
        """``"up"``, ``"down"``, ``"flat"`` or ``""`` (missing) per value, after rounding.

        Used to colour rank changes and signed changes the same way in HTML and Excel.

        >>> rank_change().direction([3, -2, 0, None])
        ['up', 'down', 'flat', '']
        """
        x = _as_float(list(values), self.kind)
        scale = 100.0 if self.kind in ("percent", "change") else 1.0
        r = round_half_away(x * scale, self.decimals)
        return np.select([np.isnan(r), r > 0, r < 0], ["", "up", "down"], "flat").tolist()


def _missing(v: object) -> bool:
    """None, pd.NA and NaN are missing values."""
    if v is None or v is pd.NA:
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isnan(v))
    return False


def _as_float(vals: list[object], kind: str) -> np.ndarray:
    cleaned = [np.nan if _missing(v) else v for v in vals]
    try:
        x = np.asarray(cleaned, dtype=float)
    except (TypeError, ValueError):
        bad = [v for v in cleaned if not isinstance(v, (int, float, np.integer, np.floating))]
        raise SpecError(
            f"NumberFormat {kind!r} needs numbers; got non-numeric values {bad[:5]!r}. "
            "Use text() for text columns."
        ) from None
    if np.isinf(x).any():
        raise SpecError(f"NumberFormat {kind!r} got infinite values; report values must be finite or missing.")
    return x.reshape(-1)


def _compact_texts(x: np.ndarray, decimals: int, lang: str) -> list[str]:
    steps = _COMPACT_STEPS[lang]
    div = np.ones_like(x)
    suffix = np.full(x.shape, "", dtype=object)
    ax = np.abs(x)
    for threshold, name in reversed(steps):  # smallest first, larger thresholds overwrite
        hit = ax >= threshold
        div = np.where(hit, threshold, div)
        suffix = np.where(hit, name, suffix)
    r = round_half_away(x / div, decimals)
    r = np.where(r == 0, 0.0, r)
    spec = f",.{decimals}f"
    return [MISSING if np.isnan(v) else format(v, spec) + s for v, s in zip(r.tolist(), suffix.tolist())]


# ---------------------------------------------------------------------- constructors
def text() -> NumberFormat:
    """Values shown as text."""
    return NumberFormat("text", 0, False)


def integer(thousands: bool = True) -> NumberFormat:
    """Whole numbers, ``1,234``."""
    return NumberFormat("integer", 0, thousands)


def decimal(n: int = 2, thousands: bool = True) -> NumberFormat:
    """``n`` decimals, ``1,234.57``."""
    return NumberFormat("decimal", n, thousands)


def percent(n: int = 1) -> NumberFormat:
    """A fraction shown as a percentage with ``n`` decimals: ``0.1234`` -> ``12.3%``."""
    return NumberFormat("percent", n, False)


def change(n: int = 1) -> NumberFormat:
    """A signed relative change (fraction) with ``n`` decimals: ``0.052`` -> ``+5.2%``."""
    return NumberFormat("change", n, False)


def rank(n: int = 0) -> NumberFormat:
    """A rank: ``3`` (``n`` decimals for average-tie ranks such as ``2.5``)."""
    return NumberFormat("rank", n, False)


def rank_change(n: int = 0) -> NumberFormat:
    """Places moved up (previous rank - current rank): ``↑2``, ``↓1``, ``→``."""
    return NumberFormat("rank_change", n, False)


def compact(n: int = 1) -> NumberFormat:
    """Shortened large numbers: zh ``1.2万``/``3.4亿``, en ``12.3K``/``1.2M``/``3.4B``."""
    return NumberFormat("compact", n, True)


def yesno() -> NumberFormat:
    """Booleans: zh ``是``/``否``, en ``Yes``/``No``."""
    return NumberFormat("yesno", 0, False)


def infer_format(kind: str) -> NumberFormat:
    """Default format for a column of numpy kind ``kind`` (``"i"``, ``"u"``, ``"f"``, ``"b"``,
    anything else): integers -> :func:`integer`, floats -> :func:`decimal` (2), booleans ->
    :func:`yesno`, anything else -> :func:`text`.

    >>> infer_format("f"), infer_format("O").kind
    (NumberFormat(kind='decimal', decimals=2, thousands=True), 'text')
    """
    if kind == "b":
        return yesno()
    if kind in "iu":
        return integer()
    if kind == "f":
        return decimal(2)
    return text()
