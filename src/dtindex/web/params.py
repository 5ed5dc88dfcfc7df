"""Validation of the dashboard's request parameters, and its two error kinds.

Every value that comes from a browser is checked against what the release holds
(period labels, framework nodes, provinces, tiers, clusters, unit codes, release
keys) before it is used; nothing from a request is ever joined into a file path or
a query. A bad value gives :class:`ParamError` (HTTP 422) whose message lists the
valid values; an unknown unit or page gives :class:`NotFound` (HTTP 404).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..errors import DataError, describe_rows

#: Longest list of valid values quoted in an error message.
LIST_LIMIT = 400
#: Largest ``limit`` of a rankings request (every city of the country fits).
MAX_LIMIT = 1000
#: Most peers a city profile compares with.
MAX_PEERS = 5
LANGS = ("zh", "en")
SORTS = ("rank", "value", "rank_change", "rank_change_yoy", "growth_qoq", "growth_yoy", "name")
AGAINST = ("prev", "yoy")

_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z:._-]{0,63}$")


class ParamError(DataError):
    """A request parameter has a value the release does not offer (HTTP 422)."""

    status_code = 422

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


class NotFound(DataError, LookupError):
    """The requested unit, industry or release does not exist (HTTP 404)."""

    status_code = 404


def _show(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 80 else text[:80] + "…")


def choice(param: str, value: object, allowed: Iterable[str], aliases: Mapping[str, str] | None = None) -> str:
    """``value`` if it is one of ``allowed`` (or an alias of one), else ParamError listing them."""
    allowed = list(allowed)
    text = "" if value is None else str(value).strip()
    if text in allowed:
        return text
    if aliases:
        hit = aliases.get(text) or aliases.get(text.lower())
        if hit is not None:
            return hit
    raise ParamError(param, f"{param} {_show(value)} is not valid; valid values: {describe_rows(allowed, LIST_LIMIT)}")


def period(value: object, periods: tuple[str, ...]) -> str:
    """A period label of the release (``2023Q1``; ``2023q1`` is accepted), else ParamError listing them."""
    text = "" if value is None else str(value).strip().upper()
    if text in periods:
        return text
    what = "is not a period label" if not re.fullmatch(r"\d{4}(Q[1-4]|M\d{2}|H[12])?", text) else \
        "is not a period of the release"
    raise ParamError("period", f"period {_show(value)} {what}; valid periods: {describe_rows(periods, LIST_LIMIT)}")


def limit(value: object, default: int = 20, maximum: int = MAX_LIMIT) -> int:
    """A row count between 1 and ``maximum``."""
    if value is None or value == "":
        return default
    try:
        n = int(str(value))
    except ValueError:
        n = 0
    if not 1 <= n <= maximum:
        raise ParamError("limit", f"limit {_show(value)} must be a whole number from 1 to {maximum}")
    return n


def code_text(value: object) -> str | None:
    """``value`` if it looks like a unit or industry code (letters, digits, ``:._-``; at most 64), else None."""
    text = "" if value is None else str(value)
    return text if _CODE.match(text) else None


def code_list(param: str, value: object, known: Mapping[str, int], maximum: int) -> list[str]:
    """A comma-separated list of known codes (duplicates dropped, order kept), at most ``maximum``."""
    if value is None or str(value).strip() == "":
        return []
    items = [x.strip() for x in str(value).split(",") if x.strip()]
    out: list[str] = []
    for item in items:
        if code_text(item) is None or item not in known:
            raise ParamError(param, f"{param}: {_show(item)} is not a unit of the release")
        if item not in out:
            out.append(item)
    if len(out) > maximum:
        raise ParamError(param, f"{param}: at most {maximum} codes; got {len(out)}")
    return out
