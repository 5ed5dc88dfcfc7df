"""Time periods of a panel: years, quarters and months.

A period label is parsed once into a :class:`Period` with a frequency and an
ordinal, so that periods sort chronologically and lags (previous quarter, same
quarter last year) are integer arithmetic.

Accepted labels
---------------
=========  ===========================================
year       ``2021`` (also the number 2021 or 2021.0)
quarter    ``2021Q1``, ``2021-Q1``, ``2021q1``
month      ``2021-03``, ``2021M03``, ``2021m3``
=========  ===========================================

The canonical label (what outputs show) is ``2021``, ``2021Q1`` or ``2021-03``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

from .errors import DataError

_PATTERNS = (
    ("quarter", re.compile(r"^(\d{4})-?[Qq]([1-4])$")),
    ("month", re.compile(r"^(\d{4})(?:-|[Mm])(\d{1,2})$")),
    ("year", re.compile(r"^(\d{4})(?:\.0+)?$")),
)
PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


@dataclass(frozen=True, order=True)
class Period:
    """One period of a panel.

    ``ordinal`` counts periods from year 0 in the period's own frequency
    (``year*4 + quarter-1`` for quarters), so ``p.ordinal - q.ordinal`` is the
    number of periods between two periods of the same frequency.
    """

    freq: str
    ordinal: int

    @property
    def year(self) -> int:
        return self.ordinal // PER_YEAR[self.freq]

    @property
    def sub(self) -> int:
        """Quarter (1-4) or month (1-12); 1 for years."""
        return self.ordinal % PER_YEAR[self.freq] + 1

    @property
    def label(self) -> str:
        if self.freq == "year":
            return f"{self.year}"
        if self.freq == "quarter":
            return f"{self.year}Q{self.sub}"
        return f"{self.year}-{self.sub:02d}"

    def shift(self, n: int) -> "Period":
        """The period ``n`` steps later (earlier for negative ``n``)."""
        return Period(self.freq, self.ordinal + n)

    @property
    def per_year(self) -> int:
        """Number of periods in a year (for year-on-year lags)."""
        return PER_YEAR[self.freq]

    def __str__(self) -> str:
        return self.label


def parse_period(value: object, *, where: str = "") -> Period:
    """Parse one period label; ``where`` names the source for the error message.

    >>> parse_period("2021Q3").label
    '2021Q3'
    >>> parse_period(2019).freq
    'year'
    """
    if isinstance(value, Period):
        return value
    text = str(value).strip()
    for freq, pattern in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        year = int(m.group(1))
        if freq == "year":
            return Period("year", year)
        sub = int(m.group(2))
        if freq == "month" and not 1 <= sub <= 12:
            break
        return Period(freq, year * PER_YEAR[freq] + sub - 1)
    prefix = f"{where}: " if where else ""
    raise DataError(
        f"{prefix}period {text!r} is not a recognised period; expected a year (2021), "
        "a quarter (2021Q1) or a month (2021-03)"
    )


def parse_periods(values: Sequence[object], *, where: str = "", row_offset: int = 2) -> list[Period]:
    """Parse many labels (first parse each distinct label once) and check one frequency.

    ``row_offset`` turns a position into the row number the user sees in the
    file (header = row 1, so the first data row is row 2).
    """
    distinct: dict[str, Period] = {}
    parsed: list[Period] = []
    for pos, value in enumerate(values):
        key = str(value).strip()
        if key not in distinct:
            loc = f"{where} row {pos + row_offset}" if where else ""
            distinct[key] = parse_period(value, where=loc)
        parsed.append(distinct[key])
    freqs = sorted({p.freq for p in distinct.values()})
    if len(freqs) > 1:
        examples = {f: next(k for k, p in distinct.items() if p.freq == f) for f in freqs}
        listed = ", ".join(f"{f} ({examples[f]!r})" for f in freqs)
        prefix = f"{where}: " if where else ""
        raise DataError(f"{prefix}periods mix frequencies: {listed}; use one frequency per panel")
    return parsed


def period_range(start: Period, end: Period) -> list[Period]:
    """Every period from ``start`` to ``end`` inclusive."""
    if start.freq != end.freq:
        raise DataError(f"period range {start}..{end} mixes frequencies")
    return [Period(start.freq, o) for o in range(start.ordinal, end.ordinal + 1)]


def labels(periods: Iterable[Period]) -> list[str]:
    return [p.label for p in periods]
