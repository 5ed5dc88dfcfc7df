"""Combination weighting (组合赋权): one weight vector from a subjective and an objective one.

For the weights ``u`` (subjective, e.g. AHP, expert scores, G1) and ``v``
(objective, e.g. entropy, CRITIC) of the same ``k`` indicators, each summing
to 1:

``multiplicative`` (乘法合成)
    ``w_j = u_j v_j / sum_l u_l v_l``
``linear`` (线性加权, with a stated coefficient ``alpha``)
    ``w_j = alpha u_j + (1 - alpha) v_j``,  0 <= alpha <= 1
``min_information`` (最小鉴别信息 / minimum discrimination information)
    ``w`` minimises ``sum_j w_j ln(w_j / u_j) + sum_j w_j ln(w_j / v_j)``
    subject to ``sum_j w_j = 1``, whose solution is
    ``w_j = sqrt(u_j v_j) / sum_l sqrt(u_l v_l)``
``game_theory`` (博弈论组合赋权)
    ``w = a_1 u + a_2 v`` with the coefficients that minimise the deviation
    of ``w`` from each basic vector, ``min || sum_k a_k u_k - u_i ||_2``
    for every i, i.e. the linear system ``sum_k a_k (u_i . u_k) = u_i . u_i``;
    the coefficients are then made non-negative and summing to 1,
    ``a_k* = |a_k| / sum |a_k|`` (the usual final step of the Chinese
    literature), and ``w = sum_k a_k* u_k``.

The result records the combination coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dtindex.errors import MethodDomainError, SpecError, check_choice

__all__ = ["COMBINATION_RULES", "CombinedWeights", "combine_weights"]

COMBINATION_RULES = ("multiplicative", "linear", "game_theory", "min_information")


@dataclass(frozen=True, eq=False)
class CombinedWeights:
    """Combined weights and how they were obtained.

    ``coefficients`` are the weights of the basic vectors in the combination
    (``alpha, 1 - alpha`` for ``linear``, the normalised game-theory
    coefficients ``a*``; empty for the multiplicative and minimum-information
    forms, which are not linear mixtures).
    """

    weights: np.ndarray
    rule: str
    coefficients: tuple[float, ...]
    basic: tuple[np.ndarray, ...]


def _vector(u, name: str, k: int | None) -> np.ndarray:
    try:
        a = np.asarray(u, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"combination weighting: the {name} weights must be numbers; got {u!r}.") from None
    if a.ndim != 1 or a.size == 0:
        raise SpecError(f"combination weighting: the {name} weights must be a non-empty vector.")
    if k is not None and a.size != k:
        raise SpecError(f"combination weighting: the {name} weights have {a.size} entries, the first {k}.")
    if not np.isfinite(a).all() or (a < 0).any() or a.sum() <= 0:
        raise SpecError(f"combination weighting: the {name} weights must be finite, >= 0 and not all 0; got {a.tolist()}.")
    return a / a.sum()


def combine_weights(
    subjective: Sequence[float],
    objective: Sequence[float],
    *,
    rule: str = "multiplicative",
    alpha: float | None = None,
) -> CombinedWeights:
    """Combine a subjective and an objective weight vector (see the module docstring).

    Parameters
    ----------
    subjective, objective : sequence of float
        Weights of the same indicators in the same order (rescaled to sum 1).
    rule : {"multiplicative", "linear", "game_theory", "min_information"}
    alpha : float
        Share of the subjective weights in the ``linear`` rule, in [0, 1];
        required there (a study states its coefficient), refused otherwise.

    Returns
    -------
    CombinedWeights

    Raises
    ------
    SpecError
        Bad vectors, rule or alpha.
    MethodDomainError
        The multiplicative / minimum-information product is 0 for every
        indicator (no indicator has both weights positive).

    Examples
    --------
    >>> combine_weights([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]).weights.round(4).tolist()
    [0.3448, 0.3103, 0.3448]
    >>> combine_weights([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], rule="linear", alpha=0.6).weights.round(2).tolist()
    [0.38, 0.3, 0.32]
    """
    check_choice("combination weighting", "rule", rule, COMBINATION_RULES)
    u = _vector(subjective, "subjective", None)
    v = _vector(objective, "objective", u.size)
    if rule == "linear":
        if alpha is None or isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not (
            math.isfinite(alpha) and 0 <= alpha <= 1
        ):
            raise SpecError(
                "combination weighting: the linear rule needs alpha, the share of the subjective weights, "
                f"a number in [0, 1] (e.g. 0.5); got {alpha!r}."
            )
        return CombinedWeights(alpha * u + (1 - alpha) * v, rule, (float(alpha), 1.0 - float(alpha)), (u, v))
    if alpha is not None:
        raise SpecError(f"combination weighting: alpha applies to the linear rule only, not to {rule!r}.")
    if rule in ("multiplicative", "min_information"):
        p = u * v if rule == "multiplicative" else np.sqrt(u * v)
        if p.sum() <= 0:
            raise MethodDomainError(
                f"combination weighting ({rule}): no indicator has both a positive subjective and a positive "
                "objective weight, so the combined weights are undefined."
            )
        return CombinedWeights(p / p.sum(), rule, (), (u, v))
    U = np.stack([u, v])
    G = U @ U.T
    if abs(np.linalg.det(G)) <= 1e-14 * float(np.abs(G).max()) ** 2:
        # identical (proportional) vectors: every combination is that vector
        return CombinedWeights(u.copy(), rule, (0.5, 0.5), (u, v))
    a = np.linalg.solve(G, np.diag(G))
    a_star = np.abs(a) / np.abs(a).sum()
    w = a_star @ U
    return CombinedWeights(w / w.sum(), rule, tuple(float(x) for x in a_star), (u, v))
