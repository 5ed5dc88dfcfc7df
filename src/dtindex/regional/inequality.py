"""Inequality across regions: Gini, coefficient of variation, Theil T/L and the Dagum (1997) decomposition.

Everything here is dtindex's own code (no maintained Python package offers the
Dagum decomposition); each function is a vectorised formula over one period's
values. Units are the population of interest (all cities or provinces), so
dispersion uses population moments (divide by n, not n - 1).

Formulas (y_i > 0 unless said otherwise, ybar the mean, n units):

* Gini: G = sum_i sum_r |y_i - y_r| / (2 n^2 ybar).
* Coefficient of variation: CV = sd / ybar with sd = sqrt(sum (y_i - ybar)^2 / n).
* Theil T (GE(1)): T = (1/n) sum (y_i/ybar) ln(y_i/ybar)
  = sum_g s_g T_g (within) + sum_g s_g ln(ybar_g/ybar) (between), s_g = n_g ybar_g / (n ybar).
* Theil L (GE(0), mean log deviation): L = (1/n) sum ln(ybar/y_i)
  = sum_g p_g L_g (within) + sum_g p_g ln(ybar/ybar_g) (between), p_g = n_g / n.
* Dagum (1997): groups ordered by mean, G = G_w + G_nb + G_t with
  G_jj = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 ybar_j),
  G_jh = sum_i sum_r |y_ji - y_hr| / (n_j n_h (ybar_j + ybar_h)),
  G_w = sum_j G_jj p_j s_j,
  G_nb = sum_{j>h} G_jh (p_j s_h + p_h s_j) D_jh,  G_t = sum_{j>h} G_jh (p_j s_h + p_h s_j) (1 - D_jh),
  D_jh = (d_jh - p_jh) / (d_jh + p_jh), d_jh = mean over pairs of max(y_ji - y_hr, 0) (j the richer group),
  p_jh = mean over pairs of max(y_hr - y_ji, 0).
  The identity G = G_w + G_nb + G_t is exact, not approximate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, MethodDomainError

__all__ = ["DagumResult", "TheilResult", "cv", "dagum", "gini", "theil"]


def _values(y, what: str, *, positive: bool = False) -> np.ndarray:
    a = np.asarray(y, dtype=float).ravel()
    if a.size == 0:
        raise DataError(f"{what}: no values")
    if not np.all(np.isfinite(a)):
        raise DataError(f"{what}: {int((~np.isfinite(a)).sum())} missing or infinite values; drop or impute them first")
    if positive and np.any(a <= 0):
        raise MethodDomainError(f"{what}: needs values > 0 (logarithms); got {int((a <= 0).sum())} values <= 0")
    if np.any(a < 0):
        raise MethodDomainError(f"{what}: needs values >= 0; got {int((a < 0).sum())} negative values")
    if a.sum() <= 0:
        raise MethodDomainError(f"{what}: the mean is 0; inequality is undefined")
    return a


def gini(y) -> float:
    """Gini coefficient G = sum_i sum_r |y_i - y_r| / (2 n^2 ybar), via the sorted-values identity.

    With values sorted ascending, G = 2 sum_i i y_(i) / (n sum y) - (n + 1) / n (population form; its
    maximum is (n - 1)/n).
    """
    a = np.sort(_values(y, "gini"))
    n = a.size
    i = np.arange(1, n + 1)
    return float(2.0 * np.dot(i, a) / (n * a.sum()) - (n + 1) / n)


def cv(y) -> float:
    """Coefficient of variation: population standard deviation over the mean."""
    a = _values(y, "cv")
    return float(a.std() / a.mean())


@dataclass(frozen=True)
class TheilResult:
    """Theil T and L with their within/between parts (``T == T_within + T_between`` exactly)."""

    T: float
    T_within: float
    T_between: float
    L: float
    L_within: float
    L_between: float
    groups: pd.DataFrame  # group, n, mean, T, L, share_pop, share_value

    def as_row(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ("T", "T_within", "T_between", "L", "L_within", "L_between")}


def _xlogx(r: np.ndarray) -> np.ndarray:
    out = np.zeros_like(r)
    pos = r > 0
    out[pos] = r[pos] * np.log(r[pos])
    return out


def theil(y, groups=None) -> TheilResult:
    """Theil T (GE(1)) and Theil L (GE(0)) with the exact within/between decomposition over ``groups``.

    T allows zeros (0 ln 0 = 0); L needs every value > 0 (MethodDomainError otherwise). Without
    ``groups`` everything is within one group: the between parts are 0.
    """
    a = _values(y, "theil")
    g = np.zeros(a.size, dtype=object) if groups is None else np.asarray(groups, dtype=object).ravel()
    if g.size != a.size:
        raise DataError(f"theil: {a.size} values but {g.size} group labels")
    codes, inv = np.unique(np.array([str(v) for v in g]), return_inverse=True)
    codes = [str(c) for c in codes]
    n, mu = a.size, a.mean()
    n_g = np.bincount(inv, minlength=len(codes)).astype(float)
    sum_g = np.bincount(inv, weights=a, minlength=len(codes))
    mu_g = sum_g / n_g
    s_g = sum_g / a.sum()
    p_g = n_g / n
    T_g = np.bincount(inv, weights=_xlogx(a / mu_g[inv]), minlength=len(codes)) / n_g
    T_between = float(np.sum(s_g * np.log(np.where(mu_g > 0, mu_g, 1.0) / mu) * (mu_g > 0)))
    T_within = float(np.sum(s_g * T_g))
    T = float(np.mean(_xlogx(a / mu)))
    if np.all(a > 0):
        L_g = np.bincount(inv, weights=np.log(mu_g[inv] / a), minlength=len(codes)) / n_g
        L = float(np.mean(np.log(mu / a)))
        L_within = float(np.sum(p_g * L_g))
        L_between = float(np.sum(p_g * np.log(mu / mu_g)))
    else:
        L_g = np.full(len(codes), np.nan)
        L = L_within = L_between = float("nan")
    table = pd.DataFrame({"group": codes, "n": n_g.astype(int), "mean": mu_g, "T": T_g, "L": L_g,
                          "share_pop": p_g, "share_value": s_g})
    return TheilResult(T, T_within, T_between, L, L_within, L_between, table)


@dataclass(frozen=True)
class DagumResult:
    """Dagum (1997) decomposition of one period.

    ``groups`` are ordered by ascending mean; ``G_jj`` maps group -> within-group Gini, ``G_jh``
    maps (richer, poorer) -> between-group Gini, ``D_jh`` the relative economic affluence.
    """

    G: float
    Gw: float
    Gnb: float
    Gt: float
    groups: tuple[str, ...]
    G_jj: dict[str, float]
    G_jh: dict[tuple[str, str], float]
    D_jh: dict[tuple[str, str], float]

    @property
    def Gb(self) -> float:
        """Gross between-group contribution G_nb + G_t."""
        return self.Gnb + self.Gt

    def contributions(self) -> dict[str, float]:
        """Shares of G_w, G_nb, G_t in G (sum to 1)."""
        return {"Gw": self.Gw / self.G, "Gnb": self.Gnb / self.G, "Gt": self.Gt / self.G} if self.G > 0 else \
            {"Gw": float("nan"), "Gnb": float("nan"), "Gt": float("nan")}

    def long(self, time: str = "") -> pd.DataFrame:
        """Rows ``time, component, group1, group2, value`` (the ``dagum.csv`` layout)."""
        rows = [(time, c, "", "", getattr(self, c)) for c in ("G", "Gw", "Gnb", "Gt")]
        rows += [(time, "G_jj", g, g, self.G_jj[g]) for g in self.groups]
        rows += [(time, "G_jh", a, b, v) for (a, b), v in self.G_jh.items()]
        return pd.DataFrame(rows, columns=["time", "component", "group1", "group2", "value"])


def _abs_pair_sum(x: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """(sum over pairs of max(x - z, 0), sum of max(z - x, 0)) in O((n + m) log m) via sorting."""
    zs = np.sort(z)
    cz = np.concatenate([[0.0], np.cumsum(zs)])
    k = np.searchsorted(zs, x, side="right")  # number of z <= x
    pos = float(np.sum(x * k - cz[k]))
    neg = float(np.sum((cz[-1] - cz[k]) - x * (zs.size - k)))
    return pos, neg


def dagum(y, groups) -> DagumResult:
    """Dagum (1997) Gini decomposition of ``y`` by ``groups`` (see the module docstring for formulas).

    Reference: Dagum, C. (1997). A new approach to the decomposition of the Gini income inequality
    ratio. Empirical Economics 22(4), 515-531.
    """
    a = _values(y, "dagum")
    g = np.asarray(groups, dtype=object).ravel()
    if g.size != a.size:
        raise DataError(f"dagum: {a.size} values but {g.size} group labels")
    if any(v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "" for v in g):
        raise DataError("dagum: some units have no group; give every unit a group or drop it")
    labels = np.array([str(v) for v in g], dtype=object)
    codes = [str(c) for c in pd.unique(labels)]
    members = {c: a[labels == c] for c in codes}
    means = {c: members[c].mean() for c in codes}
    order = tuple(sorted(codes, key=lambda c: (means[c], c)))
    n, mu = a.size, a.mean()
    p = {c: members[c].size / n for c in order}
    s = {c: members[c].size * means[c] / (n * mu) for c in order}
    pos, neg = _abs_pair_sum(a, a)
    G = (pos + neg) / (2 * n * n * mu)
    G_jj: dict[str, float] = {}
    Gw = 0.0
    for c in order:
        x = members[c]
        pp, nn = _abs_pair_sum(x, x)
        G_jj[c] = (pp + nn) / (2 * x.size ** 2 * means[c]) if means[c] > 0 else 0.0
        Gw += G_jj[c] * p[c] * s[c]
    G_jh: dict[tuple[str, str], float] = {}
    D_jh: dict[tuple[str, str], float] = {}
    Gnb = Gt = 0.0
    for j_pos in range(1, len(order)):
        for h_pos in range(j_pos):
            j, h = order[j_pos], order[h_pos]  # j richer (or equal mean) than h
            x, z = members[j], members[h]
            d, pr = _abs_pair_sum(x, z)
            gjh = (d + pr) / (x.size * z.size * (means[j] + means[h]))
            # j has the higher (or equal) mean, so d >= pr exactly; rounding in the two pair sums can give
            # d - pr of about -1e-16 when the means are equal: clip to [0, 1] (Gnb + Gt is unaffected)
            D = min(1.0, max(0.0, (d - pr) / (d + pr))) if d + pr > 0 else 0.0
            w = p[j] * s[h] + p[h] * s[j]
            G_jh[(j, h)] = gjh
            D_jh[(j, h)] = D
            Gnb += gjh * w * D
            Gt += gjh * w * (1 - D)
    return DagumResult(float(G), float(Gw), float(Gnb), float(Gt), order, G_jj, G_jh, D_jh)
