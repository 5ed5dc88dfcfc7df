"""Distribution dynamics: kernel densities per period, Markov chains over quantile classes, spatial Markov.

* Kernel density (scipy.stats.gaussian_kde): f(x) = (1/(n h)) sum K((x - y_i)/h), Gaussian K, bandwidth
  by Silverman's rule of thumb h = 0.9 min(sd, IQR/1.34) n^(-1/5) (Silverman 1986, eq. 3.31;
  ``bandwidth="scott"`` gives h = 1.06 sd n^(-1/5)). One common grid over all
  periods, so the curves form the 3-D "kernel density evolution" surface.
* Markov chain: classes are the k quantile classes of all values pooled over periods (fixed cut
  points, so a move between classes is a real move, not a re-ranking), optionally after dividing each
  period by its mean (``relative=True``). Transition counts n_ij over consecutive periods and
  probabilities p_ij = n_ij / sum_j n_ij (giddy.markov.Markov); the ergodic distribution follows.
* Spatial Markov (giddy.markov.Spatial_Markov): the same classes, transitions conditioned on the
  class of the unit's spatial lag in the starting period (lag classes from the pooled quantiles of the
  lag), with the chi-square test of homogeneity (Rey 2001).
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


def kde(panel: pd.DataFrame, *, points: int = 200, bandwidth: str | float = "silverman") -> pd.DataFrame:
    """Gaussian kernel densities of each period's values (``panel``: units x periods, wide).

    Returns long ``time, x, density, bandwidth`` on one grid spanning all periods +- 3 of the largest
    bandwidth. ``bandwidth``: "silverman" (default), "scott", or a number (the same h for every period).
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
    hi = max(y.max() for y in series.values()) + 3 * max(hs.values())
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


def markov(panel: pd.DataFrame, k: int = 4, *, relative: bool = False) -> MarkovResult:
    """Classic Markov chain over k pooled quantile classes (giddy.markov.Markov on the class ids)."""
    from giddy.markov import Markov

    if panel.shape[1] < 2:
        raise DataError("markov: needs at least two periods")
    data = _relative(panel) if relative else panel
    ids, cuts = pooled_classes(data, k)
    m = Markov(ids, classes=np.arange(k), fill_empty_classes=True, summary=False)
    counts = np.asarray(m.transitions, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = counts / counts.sum(axis=1, keepdims=True)
    ss = _steady_state(P)
    return MarkovResult(counts, P, cuts, ss, pd.DataFrame(ids + 1, index=panel.index, columns=panel.columns))


def _steady_state(P: np.ndarray) -> np.ndarray:
    if np.isnan(P).any():
        return np.full(P.shape[0], np.nan)
    vals, vecs = np.linalg.eig(P.T)
    i = int(np.argmin(np.abs(vals - 1)))
    v = np.real(vecs[:, i])
    return v / v.sum()


def spatial_markov(panel: pd.DataFrame, w, k: int = 4, *, relative: bool = False) -> pd.DataFrame:
    """Spatial Markov: ``lag_class, from, to, p, n`` (lag classes 1..k of the neighbours' average).

    ``w`` is a libpysal W whose id_order matches ``panel.index``. Classes of the units and of their
    lags are pooled quantiles (giddy's ``fixed=True``), so each conditional matrix uses the cut points
    of the classic chain.
    """
    from giddy.markov import Spatial_Markov

    if list(map(str, w.id_order)) != list(map(str, panel.index)):
        raise DataError("spatial markov: the weights' units differ from the data's units")
    data = _relative(panel) if relative else panel
    _, cuts = pooled_classes(data, k)
    Y = data.to_numpy(float)
    lag = np.column_stack([w.sparse @ Y[:, t] for t in range(Y.shape[1])]) if w.transform == "R" else None
    if lag is None:
        raise DataError("spatial markov needs row-standardised weights")
    lag_cuts = np.quantile(lag.ravel(), np.linspace(0, 1, k + 1)[1:-1])
    sm = Spatial_Markov(Y, w, k=k, m=k, fixed=True, cutoffs=cuts, lag_cutoffs=lag_cuts, fill_empty_classes=True)
    frames = []
    for c in range(k):
        T = np.asarray(sm.T[c], float)
        with np.errstate(invalid="ignore", divide="ignore"):
            P = T / T.sum(axis=1, keepdims=True)
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        frames.append(pd.DataFrame({"lag_class": c + 1, "from": i.ravel() + 1, "to": j.ravel() + 1,
                                    "p": P.ravel(), "n": T.ravel().astype(int)}))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["homogeneity"] = {"x2": float(sm.x2), "dof": float(sm.x2_dof), "p": float(sm.x2_pvalue)}
    return out
