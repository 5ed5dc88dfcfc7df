"""Error and warning classes shared by every dtindex module.

Each error class inherits from :class:`DtindexError` *and* the matching built-in
exception, so callers can catch either ``dtindex.errors.SpecError`` or plain
``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable


class DtindexError(Exception):
    """Base class of every error raised by dtindex."""


class SpecError(DtindexError, ValueError):
    """An index specification (framework, methods, periods) is invalid."""


class DataError(DtindexError, ValueError):
    """Input data are malformed (wrong type, unknown code, missing column...)."""


class MethodDomainError(DataError):
    """A method was applied to values outside its domain (e.g. log of zero)."""


class DtindexWarning(UserWarning):
    """Something worth telling the user that does not stop the build."""


class ComparabilityWarning(DtindexWarning):
    """A method choice makes scores incomparable over time."""


def param_error(owner: str, param: str, allowed: Iterable[object], got: object) -> SpecError:
    """Build the one validation message used for every bad parameter value.

    >>> str(param_error("MinMax", "scope", ["per_period", "pooled"], "yearly"))
    "The 'scope' parameter of MinMax must be one of 'per_period', 'pooled'; got 'yearly'."
    """
    listed = ", ".join(repr(a) for a in allowed)
    return SpecError(f"The {param!r} parameter of {owner} must be one of {listed}; got {got!r}.")


def check_choice(owner: str, param: str, value: object, allowed: Iterable[object]) -> None:
    """Raise :func:`param_error` unless ``value`` is one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise param_error(owner, param, allowed, value)


def describe_rows(labels: Iterable[object], limit: int = 10) -> str:
    """Format offending row labels for an error message: first ``limit`` and a count."""
    labels = list(labels)
    shown = ", ".join(str(x) for x in labels[:limit])
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return f"{shown}{more}"
