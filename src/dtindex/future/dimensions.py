"""Dimension measures of the future-industry index: pure, vectorised functions.

Every function takes numpy arrays (any shape that broadcasts) and returns an
array; none reads or writes anything. Zero denominators never give infinite or
undefined values: each function states its rule.

* agglomeration -- :func:`share`, :func:`location_quotient`
* growth -- :func:`growth_rate` (``dhs`` by default, ``pct`` as the alternative)
* diversity -- :func:`entropy_diversity` (Shannon entropy / ln K), :func:`hhi`,
  :func:`hhi_diversity`
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError

GROWTH_METHODS = ("dhs", "pct")
DIVERSITY_METHODS = ("entropy", "hhi")


def _f(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def share(part, total, *, scale: float = 100.0) -> np.ndarray:
    """Share of a total: ``s = scale * part / total``; ``s = 0`` where ``total = 0``.

    With ``part`` = a region's stock of a field's firms and ``total`` = the
    national stock of the field, this is the region's share of the nation (%).
    """
    part, total = _f(part), _f(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, scale * part / np.where(total > 0, total, 1.0), 0.0)


def location_quotient(e_fr, e_r, e_f, e) -> np.ndarray:
    """Location quotient ``LQ = (e_fr / e_r) / (e_f / e)``.

    ``e_fr``: firms of field f in region r; ``e_r``: firms of all fields in r;
    ``e_f``: firms of f in the nation; ``e``: all firms in the nation.
    ``LQ > 1``: the field is more concentrated in the region than nationally.
    Rule: ``LQ = 0`` where ``e_r = 0`` or ``e_f = 0`` (no firms: no specialisation).
    """
    e_fr, e_r, e_f, e = (_f(v) for v in (e_fr, e_r, e_f, e))
    ok = (e_r > 0) & (e_f > 0) & (e > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        num = e_fr / np.where(ok, e_r, 1.0)
        den = e_f / np.where(ok, e, 1.0)
        return np.where(ok, num / np.where(den > 0, den, 1.0), 0.0)


def growth_rate(previous, current, *, method: str = "dhs") -> np.ndarray:
    """Growth of a quantity from the previous period to the current one.

    ``dhs`` (default; Davis, Haltiwanger and Schuh 1996, the growth rate of
    firm-dynamics statistics): ``g = (x_t - x_{t-1}) / ((x_t + x_{t-1}) / 2)``,
    bounded in ``[-2, 2]``; ``g = 0`` when both are 0, ``g = 2`` for an entry
    from a zero base (``x_{t-1} = 0 < x_t``), ``g = -2`` for an exit. It is
    close to the percentage rate for small changes and never infinite.

    ``pct``: ``g = x_t / x_{t-1} - 1``; zero-base rule: ``g = 0`` when both are
    0 and ``g = 1`` (+100 %, the rate of a doubling) when ``x_{t-1} = 0 < x_t``,
    so that no rate is infinite.
    """
    if method not in GROWTH_METHODS:
        raise SpecError(f"growth method must be one of {', '.join(GROWTH_METHODS)}; got {method!r}")
    a, b = _f(previous), _f(current)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "dhs":
            mean = (a + b) / 2.0
            return np.where(mean != 0, (b - a) / np.where(mean != 0, mean, 1.0), 0.0)
        return np.where(a > 0, b / np.where(a > 0, a, 1.0) - 1.0, np.where(b > 0, 1.0, 0.0))


def _proportions(counts) -> tuple[np.ndarray, np.ndarray]:
    c = _f(counts)
    total = c.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = c / np.where(total > 0, total, 1.0)[..., None]
    return p, total


def entropy_diversity(counts) -> np.ndarray:
    """Normalised Shannon entropy over the last axis (the K sub-fields of a field).

    ``p_k = n_k / sum_k n_k``; ``H = -sum_k p_k ln p_k / ln K`` (``0 ln 0 = 0``),
    in ``[0, 1]``: 1 when firms spread evenly over all K sub-fields, 0 when all
    are in one. Rules: ``H = 0`` where the region has no firms of the field,
    and for ``K = 1``.
    """
    p, total = _proportions(counts)
    k = p.shape[-1]
    if k < 2:
        return np.zeros(p.shape[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    h = -terms.sum(axis=-1) / np.log(k)
    return np.where(total > 0, np.clip(h, 0.0, 1.0), 0.0)


def hhi(counts) -> np.ndarray:
    """Herfindahl-Hirschman index over the last axis: ``HHI = sum_k p_k^2`` in ``[1/K, 1]``.

    Rule: ``HHI = 1`` (fully concentrated) where the region has no firms of the field.
    """
    p, total = _proportions(counts)
    return np.where(total > 0, (p * p).sum(axis=-1), 1.0)


def hhi_diversity(counts) -> np.ndarray:
    """Diversity from the HHI, on the scale of :func:`entropy_diversity`:
    ``D = (1 - HHI) / (1 - 1/K)`` in ``[0, 1]`` (1 = even spread); ``D = 0`` for ``K = 1``."""
    k = _f(counts).shape[-1]
    if k < 2:
        return np.zeros(_f(counts).shape[:-1])
    return np.clip((1.0 - hhi(counts)) / (1.0 - 1.0 / k), 0.0, 1.0)


def diversity(counts, *, method: str = "entropy") -> np.ndarray:
    """:func:`entropy_diversity` (``entropy``, default) or :func:`hhi_diversity` (``hhi``)."""
    if method not in DIVERSITY_METHODS:
        raise SpecError(f"diversity method must be one of {', '.join(DIVERSITY_METHODS)}; got {method!r}")
    return entropy_diversity(counts) if method == "entropy" else hhi_diversity(counts)
