"""Distribution dynamics: kernel densities per period, Markov chains over quantile classes, spatial Markov.

* Kernel density (scipy.stats.gaussian_kde): f(x) = (1/(n h)) sum K((x - y_i)/h), Gaussian K, bandwidth
  by Silverman's rule of thumb h = 0.9 min(sd, IQR/1.34) n^(-1/5) (Silverman 1986, eq. 3.31;
  ``bandwidth="scott"`` gives h = 1.06 sd n^(-1/5)). One common grid over all
  periods, so the curves form the 3-D "kernel density evolution" surface.
* Markov chain: classes are the k quantile classes of all values pooled over periods (fixed cut
  points, so a move between classes is a real move, not a re-ranking), optionally after dividing each
  period by its mean (``relative=True``). Transition counts n_ij over consecutive periods and
  probabilities p_ij = n_ij / sum_j n_ij; the ergodic distribution follows.
* Spatial Markov (Rey 2001): the same classes, transitions conditioned on the class of the unit's
  spatial lag (row-standardised neighbour average) in the starting period, lag classes from the
  pooled quantiles of the lag; with the likelihood-ratio test of homogeneity
  LR = 2 sum_l sum_ij n_ij(l) ln(p_ij(l) / p_ij), chi-square with sum over rows of (lag classes with
  transitions - 1)(non-zero cells of the pooled row - 1) degrees of freedom (Bickenbach & Bode 2003).

The counting is dtindex's own (one ``np.bincount``): giddy computes the same matrices (the tests check
the published giddy/Rey 2001 example), but importing giddy compiles mapclassify's numba code for
20 s and more in every new process, which a report cannot afford.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["MarkovResult", "kde", "markov", "pooled_classes", "silverman_bandwidth", "spatial_markov"]


def silverman_bandwidth(y) -> float:
    """h = 0.9 * min(sd, IQR / 1.34) * n^(-1/5) (sd with n - 1); falls back to sd when IQR = 0."""
    y = np.asarray(y, float)
    sd = y.std(ddof=1)
    iqr = np.subtract(*np.percentile(y, [75, 25]))
    spread = min(sd, iqr / 1.34) if iqr > 0 else sd
    return float(0.9 * spread * y.size ** (-0.2))


def kde(panel: pd.DataFrame, *, points: int = 200, bandwidth: str | float = "silverman",
        upper_quantile: float | None = None) -> pd.DataFrame:
    """Gaussian kernel densities of each period's values (``panel``: units x periods, wide).

    Returns long ``time, x, density, bandwidth`` on one grid spanning all periods +- 3 of the largest
    bandwidth. ``bandwidth``: "silverman" (default), "scott", or a number (the same h for every period).
    ``upper_quantile`` (e.g. 0.98) ends the grid at that quantile (largest over periods) + 3h, to show
    the body of a long-tailed distribution; the densities themselves use every value.
    """
    from scipy.stats import gaussian_kde

    cols = list(panel.columns)
    series = {c: panel[c].dropna().to_numpy(float) for c in cols}
    hs = {}
    for c, y in series.items():
        if y.size < 2 or np.ptp(y) == 0:
            raise DataError(f"kernel density of period {c}: needs at least two distinct values")
        if isinstance(bandwidth, (int, float)):
            hs[c] = float(bandwidth)
        elif bandwidth == "silverman":
            hs[c] = silverman_bandwidth(y)
        elif bandwidth == "scott":
            hs[c] = float(1.06 * y.std(ddof=1) * y.size ** (-0.2))
        else:
            raise DataError(f"kde bandwidth must be 'silverman', 'scott' or a number; got {bandwidth!r}")
    lo = min(y.min() for y in series.values()) - 3 * max(hs.values())
    top = (max(np.quantile(y, upper_quantile) for y in series.values()) if upper_quantile is not None
           else max(y.max() for y in series.values()))
    hi = top + 3 * max(hs.values())
    grid = np.linspace(lo, hi, points)
    frames = []
    for c, y in series.items():
        k = gaussian_kde(y, bw_method=hs[c] / y.std(ddof=1))
        frames.append(pd.DataFrame({"time": str(c), "x": grid, "density": k(grid), "bandwidth": hs[c]}))
    return pd.concat(frames, ignore_index=True)


def _relative(panel: pd.DataFrame) -> pd.DataFrame:
    means = panel.mean(axis=0)
    if (means <= 0).any():
        raise DataError("--relative: a period has mean <= 0; cannot divide by it")
    return panel / means


def pooled_classes(panel: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class ids 0..k-1 of every cell (units x periods) by the k-quantiles of all values pooled, and the cut points."""
    X = panel.to_numpy(float)
    if np.isnan(X).any():
        raise DataError(f"markov: {int(np.isnan(X).any(axis=1).sum())} units lack a value in some period; "
                        "a Markov chain needs a balanced panel (drop or impute them)")
    if k < 2:
        raise DataError(f"markov: --classes must be at least 2; got {k}")
    cuts = np.quantile(X.ravel(), np.linspace(0, 1, k + 1)[1:-1])
    if np.unique(cuts).size < cuts.size:
        raise DataError(f"markov: {k} quantile classes are not distinct (many tied values); use fewer classes")
    return np.searchsorted(cuts, X, side="left"), cuts


@dataclass(frozen=True)
class MarkovResult:
    """Transition counts and probabilities over quantile classes 1..k."""

    counts: np.ndarray
    probabilities: np.ndarray
    cuts: np.ndarray
    steady_state: np.ndarray
    classes: pd.DataFrame  # units x periods, class 1..k

    def long(self) -> pd.DataFrame:
        """``from, to, p, n`` (classes 1..k; a row with no transitions has p = NaN)."""
        k = self.counts.shape[0]
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        return pd.DataFrame({"from": i.ravel() + 1, "to": j.ravel() + 1, "p": self.probabilities.ravel(),
                             "n": self.counts.ravel().astype(int)})


def _transitions(ids: np.ndarray, k: int, cond: np.ndarray | None = None, m: int = 1) -> np.ndarray:
    """Counts of moves between consecutive periods: (m,) k x k, conditioned on ``cond`` classes 0..m-1."""
    a, b = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    c = np.zeros_like(a) if cond is None else cond[:, :-1].ravel()
    return np.bincount((c * k + a) * k + b, minlength=m * k * k).reshape(m, k, k).astype(float)


def markov(panel: pd.DataFrame, k: int = 4, *, relative: bool = False) -> MarkovResult:
    """Classic Markov chain over k pooled quantile classes (units x periods, columns in time order)."""
    if panel.shape[1] < 2:
        raise DataError("markov: needs at least two periods")
    data = _relative(panel) if relative else panel
    ids, cuts = pooled_classes(data, k)
    counts = _transitions(ids, k)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        P = counts / counts.sum(axis=1, keepdims=True)
    return MarkovResult(counts, P, cuts, _steady_state(P), pd.DataFrame(ids + 1, index=panel.index, columns=panel.columns))


def _steady_state(P: np.ndarray) -> np.ndarray:
    if np.isnan(P).any():
        return np.full(P.shape[0], np.nan)
    vals, vecs = np.linalg.eig(P.T)
    i = int(np.argmin(np.abs(vals - 1)))
    v = np.real(vecs[:, i])
    return v / v.sum()


def spatial_markov(panel: pd.DataFrame, w, k: int = 4, *, relative: bool = False) -> pd.DataFrame:
    """Spatial Markov: ``lag_class, from, to, p, n`` (lag classes 1..k of the neighbours' average).

    ``w`` is a libpysal W whose ``id_order`` matches ``panel.index``; it is row-standardised here.
    ``attrs["homogeneity"]`` holds the LR test (``LR``, ``dof``, ``p``) of "the neighbours' class does
    not matter".
    """
    from scipy.stats import chi2

    if list(map(str, w.id_order)) != list(map(str, panel.index)):
        raise DataError("spatial markov: the weights' units differ from the data's units")
    if panel.shape[1] < 2:
        raise DataError("spatial markov: needs at least two periods")
    data = _relative(panel) if relative else panel
    ids, _ = pooled_classes(data, k)
    W = w.sparse.tocsr().astype(float)
    W = W.multiply(1.0 / np.maximum(np.asarray(W.sum(axis=1)).ravel(), 1e-300)[:, None]).tocsr()
    lag = np.asarray(W @ data.to_numpy(float))
    lag_ids, _ = pooled_classes(pd.DataFrame(lag), k)
    T = _transitions(ids, k, lag_ids, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = T / T.sum(axis=2, keepdims=True)
        pooled = T.sum(axis=0)
        P0 = pooled / pooled.sum(axis=1, keepdims=True)
        ratio = np.where(T > 0, P / P0[None], 1.0)
    LR = float(2 * np.sum(T * np.log(ratio)))
    rows_with = (T.sum(axis=2) > 0).sum(axis=0)  # lag classes with transitions out of class i
    dof = int(np.sum(np.maximum(rows_with - 1, 0) * np.maximum((pooled > 0).sum(axis=1) - 1, 0)))
    li, i, j = np.meshgrid(np.arange(k), np.arange(k), np.arange(k), indexing="ij")
    out = pd.DataFrame({"lag_class": li.ravel() + 1, "from": i.ravel() + 1, "to": j.ravel() + 1,
                        "p": P.ravel(), "n": T.ravel().astype(int)})
    out.attrs["homogeneity"] = {"LR": LR, "dof": dof, "p": float(chi2.sf(LR, dof)) if dof else float("nan")}
    return out
