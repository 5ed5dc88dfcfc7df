"""Variance-based sensitivity indices: Saltelli (2010) design, Saltelli and Jansen estimators.

Design (Saltelli et al. 2010, "Variance based sensitivity analysis of model
output. Design and estimator for the total sensitivity index", Computer
Physics Communications 181, 259-270): two independent N x d matrices A and B
of uniform numbers (the first and last d columns of one N x 2d sample), and
for every factor i the matrix A_B^(i): A with the columns of factor i taken
from B. A factor may own several columns (a group of inputs, e.g. all the
weights of one level); the estimators then give the group's indices. The
model runs on the N (k + 2) rows A, B, A_B^(1), ..., A_B^(k).

Estimators, with f_A = f(A), f_B = f(B), f_i = f(A_B^(i)) and
V = var(f_A, f_B) (the sample variance of the 2N outputs, divisor 2N - 1):

* first order, Saltelli 2010 (Table 2, b):
  S_i = (1/N) sum_j f_B,j (f_i,j - f_A,j) / V
* total effect, Jansen 1999 (Saltelli 2010 Table 2, f):
  S_Ti = (1/(2N)) sum_j (f_A,j - f_i,j)^2 / V

Bootstrap confidence intervals resample the N rows (the j index) with
replacement, jointly for f_A, f_B and every f_i, recompute V and the indices,
and take the percentile interval ((1 - ci)/2, (1 + ci)/2 quantiles, numpy's
``linear`` method). Outputs with zero variance have undefined (NaN) indices.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from ..errors import SpecError, check_choice


def uniform_sample(n: int, d: int, *, seed: int, sampling: str = "sobol") -> np.ndarray:
    """An (n, d) sample of Uniform(0, 1) numbers.

    ``sobol``: a scrambled Sobol' low-discrepancy sequence (scipy.stats.qmc,
    Owen scrambling seeded by ``seed``); its balance properties hold for n a
    power of 2. ``random``: numpy's PCG64 generator seeded by ``seed``.
    """
    check_choice("uncertainty", "sampling", sampling, ("sobol", "random"))
    if n < 1 or d < 1:
        raise SpecError(f"a sample needs n >= 1 rows and d >= 1 columns; got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    if sampling == "random":
        return rng.random((n, d))
    engine = qmc.Sobol(d=d, scramble=True, rng=rng)
    with warnings.catch_warnings():
        # scipy warns when n is not a power of 2; the docs state that N = 2^m keeps the balance
        warnings.simplefilter("ignore", UserWarning)
        return engine.random(n)


@dataclass(frozen=True)
class Design:
    """A Saltelli design: runs ``X`` (N (k + 2), d) in the order A, B, A_B^(1), ..., A_B^(k)."""

    X: np.ndarray
    n: int
    groups: tuple[slice, ...]

    @property
    def k(self) -> int:
        return len(self.groups)

    def block(self, name: str, i: int | None = None) -> slice:
        """Rows of ``A``, ``B`` or ``AB`` (factor ``i``) in ``X``."""
        n = self.n
        if name == "A":
            return slice(0, n)
        if name == "B":
            return slice(n, 2 * n)
        return slice((2 + i) * n, (3 + i) * n)


def saltelli_design(widths: list[int], n: int, *, seed: int, sampling: str = "sobol") -> Design:
    """Sample A and B and build the A_B^(i) matrices for factors of the given column ``widths``.

    >>> d = saltelli_design([1, 2], 4, seed=0, sampling="random")
    >>> d.X.shape, d.k
    ((16, 3), 2)
    """
    if not widths or any(w < 1 for w in widths):
        raise SpecError(f"every factor needs at least one column; got widths {widths}")
    d = int(sum(widths))
    base = uniform_sample(n, 2 * d, seed=seed, sampling=sampling)
    A, B = base[:, :d], base[:, d:]
    bounds = np.cumsum([0, *widths])
    groups = tuple(slice(int(a), int(b)) for a, b in itertools.pairwise(bounds))
    blocks = [A, B]
    for g in groups:
        AB = A.copy()
        AB[:, g] = B[:, g]
        blocks.append(AB)
    return Design(np.vstack(blocks), n, groups)


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total indices, shape (k factors, m outputs), with bootstrap intervals.

    ``S1_low`` ... ``ST_high`` are NaN when no bootstrap was run.
    ``variance`` (m,) is V, the output variance.
    """

    S1: np.ndarray
    ST: np.ndarray
    S1_low: np.ndarray
    S1_high: np.ndarray
    ST_low: np.ndarray
    ST_high: np.ndarray
    variance: np.ndarray


def _estimate(yA: np.ndarray, yB: np.ndarray, yAB: np.ndarray,
              counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices from yA, yB (N, m) and yAB (k, N, m).

    Without ``counts`` every row j counts once (the point estimate). With
    ``counts`` (b, N), row j counts c_bj times in bootstrap sample b, so every
    mean becomes a weighted mean sum_j c_bj a_j / sum_j c_bj: one matrix
    product per quantity for all b samples at once. NaN outputs are left
    out. Returns S1, ST (b?, k, m) and V (b?, m).
    """
    n, m = yA.shape
    k = yAB.shape[0]
    C = np.ones((1, n)) if counts is None else np.asarray(counts, dtype=float)

    def wmean(a: np.ndarray) -> np.ndarray:
        """sum_j c_bj a_j / sum_j c_bj over finite a_j; a has shape (N, q)."""
        ok = np.isfinite(a)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (C @ np.where(ok, a, 0.0)) / (C @ ok)

    with np.errstate(invalid="ignore"):
        # variance of the 2N outputs of A and B (divisor count - 1), centred first for accuracy
        both = np.concatenate([yA, yB], axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            centre = np.nanmean(both, axis=0)
        zA, zB = yA - centre, yB - centre
        okA, okB = np.isfinite(zA), np.isfinite(zB)
        cnt = C @ (okA.astype(float) + okB)
        s1 = C @ (np.where(okA, zA, 0.0) + np.where(okB, zB, 0.0))
        s2 = C @ (np.where(okA, zA, 0.0) ** 2 + np.where(okB, zB, 0.0) ** 2)
        with np.errstate(divide="ignore"):
            var = (s2 - s1**2 / cnt) / (cnt - 1)
        var = np.where(var > 1e-12 * np.maximum(1.0, centre**2), var, 0.0)
        v = np.where(var > 0, var, np.nan)[:, None, :]
        first = (yB[None] * (yAB - yA[None])).transpose(1, 0, 2).reshape(n, k * m)
        total = (0.5 * (yA[None] - yAB) ** 2).transpose(1, 0, 2).reshape(n, k * m)
        S1 = wmean(first).reshape(-1, k, m) / v
        ST = wmean(total).reshape(-1, k, m) / v
    if counts is None:
        return S1[0], ST[0], var[0]
    return S1, ST, var


def sobol_indices(y: np.ndarray, n: int, k: int, *, bootstrap: int = 0, ci: float = 0.95,
                  seed: int = 0, block: int = 256) -> SobolIndices:
    """Estimate S_i (Saltelli 2010) and S_Ti (Jansen) from outputs of a Saltelli design.

    Parameters
    ----------
    y : ndarray, shape (n * (k + 2),) or (n * (k + 2), m)
        Outputs in design order (A, B, A_B^(1), ..., A_B^(k)); NaN outputs are
        left out of the means.
    n, k : int
        Base sample size and number of factors.
    bootstrap : int
        Number of bootstrap resamples for the confidence intervals (0: none).
    ci : float
        Confidence level of the percentile intervals.
    seed : int
        Seed of the resampling.
    block : int
        Bootstrap samples computed per matrix product (bounds memory).

    Examples
    --------
    The Ishigami function (a = 7, b = 0.1) has S1 = (0.3139, 0.4424, 0) and
    ST = (0.5576, 0.4424, 0.2437)::

        >>> d = saltelli_design([1, 1, 1], 2**13, seed=1)
        >>> y = ishigami(-np.pi + 2 * np.pi * d.X)
        >>> res = sobol_indices(y, d.n, d.k)
        >>> np.round(res.ST, 2).tolist()
        [0.56, 0.44, 0.24]
    """
    y = np.asarray(y, dtype=float)
    single = y.ndim == 1
    Y = y[:, None] if single else y
    if Y.shape[0] != n * (k + 2):
        raise SpecError(f"sobol_indices: {Y.shape[0]} outputs, expected n (k + 2) = {n * (k + 2)}")
    if not 0 < ci < 1:
        raise SpecError(f"sobol_indices: ci must be between 0 and 1; got {ci}")
    m = Y.shape[1]
    yA, yB = Y[:n], Y[n:2 * n]
    yAB = Y[2 * n:].reshape(k, n, m)
    S1, ST, var = _estimate(yA, yB, yAB)
    nan = np.full_like(S1, np.nan)
    bounds = [nan, nan, nan, nan]
    if bootstrap:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, n, size=(bootstrap, n))
        counts = np.zeros((bootstrap, n))
        np.add.at(counts, (np.repeat(np.arange(bootstrap), n), idx.reshape(-1)), 1.0)
        b1, bt = [], []
        for start in range(0, bootstrap, block):
            s1, st, _ = _estimate(yA, yB, yAB, counts[start:start + block])
            b1.append(s1)
            bt.append(st)
        q = [(1 - ci) / 2, (1 + ci) / 2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s1q = np.nanquantile(np.concatenate(b1), q, axis=0, method="linear")
            stq = np.nanquantile(np.concatenate(bt), q, axis=0, method="linear")
        undefined = np.isnan(S1)
        bounds = [np.where(undefined, np.nan, a) for a in (s1q[0], s1q[1], stq[0], stq[1])]
    res = SobolIndices(S1, ST, *bounds, var)
    if single:
        res = SobolIndices(*(a[..., 0] for a in (res.S1, res.ST, res.S1_low, res.S1_high, res.ST_low,
                                                  res.ST_high)), var)
    return res


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami test function on X in [-pi, pi]^3: sin x1 + a sin^2 x2 + b x3^4 sin x1.

    Analytic indices (Saltelli et al. 2008, Global Sensitivity Analysis: The
    Primer, section 4.8; Sobol' & Levitan 1999): V = a^2/8 + b pi^4/5 + b^2
    pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0,
    V13 = b^2 pi^8 (1/18 - 1/50); for a = 7, b = 0.1: S1 = (0.3139, 0.4424,
    0), ST = (0.5576, 0.4424, 0.2437).
    """
    X = np.asarray(X, dtype=float)
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic (S1, ST) of :func:`ishigami` (formulas in its docstring)."""
    V1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    V2 = a**2 / 8
    V13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    V = V1 + V2 + V13
    return np.array([V1, V2, 0.0]) / V, np.array([V1 + V13, V2, V13]) / V


__all__ = [
    "Design",
    "SobolIndices",
    "ishigami",
    "ishigami_indices",
    "saltelli_design",
    "sobol_indices",
    "uniform_sample",
]
