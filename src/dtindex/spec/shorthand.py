"""Command-line shorthand for methods: ``minmax:1,100``, ``zscore:10,2``, ``rank:average``.

The part after the colon lists the method's parameters in a fixed order
(:data:`POSITIONAL`); numbers are parsed as floats, words stay text.
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError, check_choice
from .model import AGGREGATE_METHODS, NORMALISE_METHODS

POSITIONAL: dict[str, tuple[str, ...]] = {
    "minmax": ("low", "high"),
    "zscore": ("mean", "sd", "ddof"),
    "rank": ("ties",),
    "base_share": ("scale",),
    "goalposts": ("scale",),
    "dist_to_max": ("scale",),
    "pct_of_max": ("scale",),
    "none": (),
    "topsis": ("scale",),
    "gra": ("rho",),
    "gra_topsis": ("rho",),
    "vikor": ("v",),
    "rsr": ("ranking",),
    "geometric": ("shift",),
    "harmonic": ("shift",),
    "arithmetic": (),
}


def _value(text: str) -> Any:
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def parse_method(text: str, *, kind: str) -> tuple[str, dict[str, Any]]:
    """Split ``"minmax:1,100"`` into ``("minmax", {"low": 1, "high": 100})``.

    >>> parse_method("zscore:10,2", kind="normalise")
    ('zscore', {'mean': 10, 'sd': 2})
    """
    method, _, rest = text.strip().partition(":")
    method = method.strip()
    allowed = NORMALISE_METHODS if kind == "normalise" else AGGREGATE_METHODS
    check_choice(kind, "method", method, allowed)
    args = [a for a in rest.split(",")] if rest else []
    names = POSITIONAL.get(method, ())
    if len(args) > len(names):
        raise SpecError(
            f"{kind} {text!r}: {method} takes at most {len(names)} parameters ({', '.join(names) or 'none'}); "
            f"got {len(args)}"
        )
    empty = [n for n, a in zip(names, args) if not a.strip()]
    if empty:
        raise SpecError(f"{kind} {text!r}: parameter {empty[0]} is empty; write e.g. {method}:{','.join('1' for _ in names)}")
    return method, {n: _value(a) for n, a in zip(names, args)}


def normalise_changes(text: str) -> dict[str, Any]:
    method, params = parse_method(text, kind="normalise")
    return {"normalise.method": method, "normalise.params": params}


def aggregate_changes(text: str) -> dict[str, Any]:
    method, params = parse_method(text, kind="aggregate")
    changes: dict[str, Any] = {"aggregate.method": method}
    if method in ("geometric", "harmonic") and "shift" in params:
        changes.update({"aggregate.nonpositive": "shift", "aggregate.shift": float(params["shift"])})
    elif method in ("topsis", "gra", "gra_topsis", "vikor", "rsr") and params:
        changes["aggregate.params"] = params
    return changes
