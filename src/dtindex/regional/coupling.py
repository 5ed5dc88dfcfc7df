"""Coupling coordination of n >= 2 subsystems (dtindex's own code; a closed-form formula).

For subsystem scores U_1 ... U_n in [0, 1] of one unit and period:

* coupling degree  C = n * [prod U_i / (sum U_i)^n]^(1/n) = GM(U) / AM(U), so 0 <= C <= 1 by the
  AM-GM inequality, and C = 1 exactly when all U_i are equal (C = 0 when any U_i = 0);
* development degree T = sum alpha_i U_i (alpha_i >= 0, sum alpha_i = 1; equal by default);
* coordination degree D = sqrt(C * T), in [0, 1];
* grade: the 10-grade scale in steps of 0.1 of D (:data:`GRADES`);
* relative development degree (two systems) E = U_2 / U_1: E <= 0.8 U_2 lags, 0.8 < E <= 1.2
  synchronous, E > 1.2 U_1 lags.

Erroneous forms found in the literature (Wang, Kong, Ren, Zhi, Wang 2021, "Misuses and corrections of
the coupling coordination degree model in China's geography research", 经济地理 / Economic Geography) and
why they are wrong are listed in docs/regional.md and :data:`ERRONEOUS_FORMS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, MethodDomainError

__all__ = ["ERRONEOUS_FORMS", "GRADES", "GRADES_EN", "coupling", "coupling_degree", "grade", "relative_development"]

#: Ten grades of the coordination degree D, lower bounds 0.0, 0.1, ..., 0.9 (last interval closed).
GRADES: tuple[str, ...] = ("极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
                           "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调")
GRADES_EN: tuple[str, ...] = ("extreme imbalance", "serious imbalance", "moderate imbalance", "mild imbalance",
                              "on the verge of imbalance", "barely coordinated", "primary coordination",
                              "intermediate coordination", "good coordination", "high-quality coordination")

#: Erroneous forms in use and what goes wrong with each (documented, never computed).
ERRONEOUS_FORMS: dict[str, str] = {
    "C = n * [prod U_i / prod_{i<j} (U_i + U_j)]^(1/n)":
        "for n = 3 its maximum (all U_i equal) is 3 * (1/8)^(1/3) = 1.5; other n give other ranges, so C is "
        "not in [0, 1] and values for different n are not comparable",
    "C = [prod U_i / prod_{i<j} (U_i + U_j)]^(1/n)":
        "for n = 3 the maximum is 0.5, so C = 1 (perfect coupling) can never be reached and the grade "
        "scale of D is shifted down",
    "C = [prod U_i / ((sum U_i) / n)^n]^k with k = 2, 3 ...":
        "the exponent k != 1/n distorts the scale: C collapses towards 0 for moderately unequal U_i",
    "C = n * [prod U_i / (sum U_i / n)^n]^(1/n)":
        "multiplies GM/AM by n, so equal U_i give C = n instead of 1",
}


def coupling_degree(U: np.ndarray) -> np.ndarray:
    """C = n [prod U_i / (sum U_i)^n]^(1/n) row by row of U (units x systems), computed as GM / AM.

    Rows with all U_i = 0 have no defined coupling (NaN).
    """
    U = np.asarray(U, dtype=float)
    if U.ndim != 2 or U.shape[1] < 2:
        raise DataError("coupling: give at least two subsystems")
    with np.errstate(divide="ignore", invalid="ignore"):
        am = U.mean(axis=1)
        gm = np.where(np.all(U > 0, axis=1), np.exp(np.mean(np.log(np.where(U > 0, U, 1.0)), axis=1)), 0.0)
        C = np.where(am > 0, gm / am, np.nan)
    return np.minimum(C, 1.0)  # GM <= AM exactly; clip rounding of equal values (1 + 1e-16)


def grade(D, lang: str = "zh") -> np.ndarray:
    """The 10-grade label of each coordination degree D (NaN -> empty label)."""
    D = np.asarray(D, dtype=float)
    labels = np.array(GRADES if lang == "zh" else GRADES_EN, dtype=object)
    idx = np.clip(np.floor(np.nan_to_num(D) * 10 + 1e-12).astype(int), 0, 9)
    return np.where(np.isnan(D), "", labels[idx])


def relative_development(u1, u2) -> tuple[np.ndarray, np.ndarray]:
    """E = U_2 / U_1 and its type: 'U2 lags' (E <= 0.8), 'synchronous' (0.8 < E <= 1.2), 'U1 lags' (E > 1.2)."""
    u1, u2 = np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        E = np.where(u1 > 0, u2 / u1, np.inf)
    kind = np.where(E <= 0.8, "U2 lags", np.where(E <= 1.2, "synchronous", "U1 lags"))
    return E, kind


def coupling(U, alpha=None, *, systems: list[str] | None = None, check_range: bool = True) -> pd.DataFrame:
    """Coupling C, development T, coordination D and grade of each row of U (units x systems).

    ``alpha`` are the contribution weights of T (non-negative, summing to 1; equal by default).
    Values must already be normalised to [0, 1]. Returns columns ``C, T, D, grade`` (plus ``E`` and
    ``relative`` for two systems, and ``lagging`` = the system with the lowest score).
    """
    U = np.asarray(U, dtype=float)
    if U.ndim != 2 or U.shape[1] < 2:
        raise DataError("coupling: give at least two subsystems (columns)")
    k = U.shape[1]
    systems = list(systems or [f"U{i + 1}" for i in range(k)])
    if np.isnan(U).any():
        raise DataError(f"coupling: {int(np.isnan(U).any(axis=1).sum())} rows have missing subsystem scores")
    if check_range and (np.any(U < 0) or np.any(U > 1)):
        bad = np.flatnonzero(np.any((U < 0) | (U > 1), axis=1))
        raise MethodDomainError(f"coupling: subsystem scores must be normalised to [0, 1]; {bad.size} rows are "
                                f"outside (first row {bad[0] + 1}: {U[bad[0]].tolist()}); rescale them first")
    if alpha is None:
        a = np.full(k, 1.0 / k)
    else:
        a = np.asarray(alpha, dtype=float).ravel()
        if a.size != k:
            raise DataError(f"coupling: {k} subsystems but {a.size} alpha weights")
        if np.any(a < 0) or abs(a.sum() - 1) > 1e-9:
            raise DataError(f"coupling: alpha weights must be >= 0 and sum to 1; got {a.tolist()} (sum {a.sum():g})")
    C = coupling_degree(U)
    T = U @ a
    D = np.sqrt(C * T)
    out = pd.DataFrame({"C": C, "T": T, "D": D, "grade": grade(D)})
    if k == 2:
        out["E"], out["relative"] = relative_development(U[:, 0], U[:, 1])
    out["lagging"] = np.array(systems, dtype=object)[np.argmin(U, axis=1)]
    return out
