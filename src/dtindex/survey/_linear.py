"""Taylor-linearisation variance for one-stage designs (strata, clusters, fpc), as in R survey.

The variance of an estimator is computed from its *influence values* ``z_i`` (one row per
response, one column per estimated quantity): sum them within primary sampling units (PSUs),
centre the PSU totals within each stratum and add up the weighted cross-products,

    V = sum_h s_h * sum_{u in h} (t_u - tbar_h)(t_u - tbar_h)'
    s_h = f_h * n_h / (n_h - 1),   f_h = (N_h - n_h) / N_h   (f_h = 1 without fpc)

with ``n_h`` the number of PSUs of stratum h in the whole sample (PSUs without any response in a
domain count as zero totals, which is how R's ``svyrecvar`` treats subsets) and ``N_h`` the
population number of PSUs. Strata with ``f_h < 1e-7`` are self-representing and add nothing.

Calibrated designs (post-stratified or raked weights) first replace ``z`` by its residual from the
calibration cells, exactly as R's ``svyrecvar`` does (ordinary post-stratification: one projection
with the pre-adjustment weights; raking: ten sweeps of within-margin centring of ``z / w``).

Two representations of ``z`` are supported:

* dense: an ``(n, K)`` array;
* cells: ``z_i = a_i (e_{c_i} - p)`` for a categorical code ``c_i`` (``-1`` = not in the
  estimate, with ``a_i = 0``), scale ``a_i`` and a length-K vector ``p``. Proportions, cell
  totals and cross-tabs have this form; without clusters and calibration their variance is
  computed from per-stratum sums of ``a`` and ``a^2`` in O(n), never forming the n x K matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, check_choice

LONELY_PSU = ("fail", "certainty", "remove", "adjust", "average")
CERTAINTY_TOL = 1e-7  # R: all(f < 0.0000001) marks a self-representing stratum


@dataclass(frozen=True)
class Cells:
    """Influence values of the form ``z_i = a_i (e_{codes_i} - p)``."""

    codes: np.ndarray  # int64, -1 where a_i == 0
    a: np.ndarray  # float64
    p: np.ndarray  # float64, length K

    @property
    def k(self) -> int:
        return len(self.p)

    def dense(self) -> np.ndarray:
        n, k = len(self.codes), self.k
        z = np.zeros((n, k))
        ok = self.codes >= 0
        z[np.flatnonzero(ok), self.codes[ok]] = self.a[ok]
        return z - self.a[:, None] * self.p[None, :]


@dataclass(frozen=True)
class PostStratum:
    """One ordinary post-stratification step: cell index per row, weights after and before."""

    cells: np.ndarray
    weights: np.ndarray
    old_weights: np.ndarray


@dataclass(frozen=True)
class Raking:
    """One raking: per margin, the cell index per row and the weights after that margin's last
    adjustment."""

    margins: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class Structure:
    """Sampling structure of a one-stage design, with per-stratum variance factors."""

    strata: np.ndarray  # (n,) int stratum code
    psu: np.ndarray  # (n,) int PSU code, unique across strata
    psu_stratum: np.ndarray  # (P,) stratum of each PSU
    n_psu: np.ndarray  # (H,) PSUs per stratum in the sample
    fpc_factor: np.ndarray  # (H,) f_h = (N_h - n_h) / N_h, 1 without fpc
    strata_labels: tuple
    rows_are_psus: bool
    lonely_psu: str = "fail"
    calibration: tuple = field(default_factory=tuple)

    @property
    def n(self) -> int:
        return len(self.strata)

    @property
    def n_strata(self) -> int:
        return len(self.n_psu)

    # ------------------------------------------------------------------ factors
    def _scales(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Per-stratum scale s_h, centring multiplier (n_h, or 0 for 'adjust' lonely strata)
        and the final multiplier for lonely_psu='average'."""
        nh = self.n_psu.astype(float)
        f = self.fpc_factor
        scale = np.where(nh > 1, f * nh / np.maximum(nh - 1, 1), f)
        certain = f < CERTAINTY_TOL
        scale = np.where(certain, 0.0, scale)
        center = nh.copy()
        lonely = (self.n_psu == 1) & ~certain
        mult = 1.0
        if lonely.any():
            if self.lonely_psu == "fail":
                label = self.strata_labels[int(np.flatnonzero(lonely)[0])]
                raise DataError(
                    f"stratum {label!r} has only one PSU, so its variance cannot be estimated; "
                    "pass lonely_psu='certainty', 'remove', 'adjust' or 'average' to Design"
                )
            if self.lonely_psu == "adjust":
                center = np.where(lonely, 0.0, center)  # deviation from the overall mean, not the stratum's
            elif self.lonely_psu == "average":
                scale = np.where(lonely, 0.0, scale)
                mult = self.n_strata / (self.n_strata - int(lonely.sum()))
        return scale, center, mult

    # ------------------------------------------------------------ calibration
    def residualise(self, z: np.ndarray) -> np.ndarray:
        """Residuals of influence values from the calibration cells (R ``svyrecvar``)."""
        for step in self.calibration:
            if isinstance(step, PostStratum):
                psw = step.weights.copy()
                oldw = step.old_weights
                psw[(psw == 0) & (oldw == 0)] = 1.0
                g = step.cells
                ng = int(g.max()) + 1
                num = np.stack([np.bincount(g, z[:, k] * oldw / psw, ng) for k in range(z.shape[1])], axis=1)
                den = np.bincount(g, oldw, ng)
                z = z - (num / den[:, None])[g] * psw[:, None]
            else:
                z = _rake_residuals(z, step.margins)
        return z

    # --------------------------------------------------------------- variance
    def vcov_totals(self, t: np.ndarray) -> np.ndarray:
        """Variance from PSU totals ``t`` (P x K)."""
        scale, center, mult = self._scales()
        h, k = self.n_strata, t.shape[1]
        sums = np.stack([np.bincount(self.psu_stratum, t[:, j], h) for j in range(k)], axis=1)
        means = sums / self.n_psu[:, None] * (center > 0)[:, None]
        c = t - means[self.psu_stratum]
        return mult * ((c * scale[self.psu_stratum][:, None]).T @ c)

    def psu_totals(self, z: np.ndarray) -> np.ndarray:
        if self.rows_are_psus:
            return z
        p = len(self.psu_stratum)
        return np.stack([np.bincount(self.psu, z[:, j], p) for j in range(z.shape[1])], axis=1)

    def vcov(self, z: np.ndarray | Cells) -> np.ndarray:
        """Covariance matrix of the estimates whose influence values are ``z``."""
        if isinstance(z, Cells):
            if self.calibration:
                z = z.dense()
            elif self.rows_are_psus:
                return self._vcov_cells_rows(z)
            else:
                return self.vcov_totals(self._cell_psu_totals(z))
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if self.calibration:
            z = self.residualise(z)
        return self.vcov_totals(self.psu_totals(z))

    def _cell_psu_totals(self, z: Cells) -> np.ndarray:
        p, k = len(self.psu_stratum), z.k
        ok = z.codes >= 0
        a = np.bincount(self.psu[ok] * k + z.codes[ok], z.a[ok], p * k).reshape(p, k)
        alpha = np.bincount(self.psu, z.a, p)
        return a - alpha[:, None] * z.p[None, :]

    def _vcov_cells_rows(self, z: Cells) -> np.ndarray:
        """O(n) variance for cell-type influence values when every response is its own PSU.

        Within stratum h: sum_i z_i z_i' = diag(Q_h) - Q_h p' - p Q_h' + b_h p p' with
        Q_hc = sum of a_i^2 over responses in cell c and b_h = sum of a_i^2; the stratum sum
        of z is A_h - alpha_h p with A_hc = sum of a_i in cell c and alpha_h = sum of a_i.
        """
        scale, center, mult = self._scales()
        h, k, p = self.n_strata, z.k, z.p
        ok = z.codes >= 0
        idx = self.strata[ok] * k + z.codes[ok]
        a_ok = z.a[ok]
        big_a = np.bincount(idx, a_ok, h * k).reshape(h, k)
        big_q = np.bincount(idx, a_ok * a_ok, h * k).reshape(h, k)
        alpha = np.bincount(self.strata, z.a, h)
        beta = np.bincount(self.strata, z.a * z.a, h)
        s = big_a - alpha[:, None] * p[None, :]
        m = s / self.n_psu[:, None]
        q = scale @ big_q
        v = np.diag(q) - np.outer(q, p) - np.outer(p, q) + float(scale @ beta) * np.outer(p, p)
        v -= (m * (scale * center)[:, None]).T @ m
        return mult * v

    # -------------------------------------------------------------------- df
    def degf(self, active: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata among rows with positive weight
        (R ``degf``)."""
        if active is None:
            return len(self.psu_stratum) - self.n_strata
        psus = np.unique(self.psu[active])
        return len(psus) - len(np.unique(self.psu_stratum[psus]))


def check_lonely(value: str) -> str:
    check_choice("Design", "lonely_psu", value, LONELY_PSU)
    return value


def _rake_residuals(z: np.ndarray, margins) -> np.ndarray:
    """Ten sweeps of R's raking projections ``z <- z - w_m * cellmean_m(z / w_m)`` over the margins
    ``(cells g_m, weights w_m)``, computed in the cells' coordinates.

    Every sweep subtracts ``w_m`` times a per-cell constant, so after any number of sweeps
    ``z = z0 - sum_m w_m C_m[g_m]`` for small per-cell matrices ``C_m``. The cell means a sweep needs
    are ``r_m - sum_k H_mk C_k`` with ``r_m = cellmean_m(z0 / w_m)`` and
    ``H_mk[a, b] = mean over cell a of margin m of 1[g_k = b] w_k / w_m`` (``H_mm = I``), so the
    sweeps run on matrices of (cells x columns) and the data are read four times instead of
    thirty: the same numbers as the direct iteration, to rounding.
    """
    prep = []
    for g, w in margins:
        ng = int(g.max()) + 1
        counts = np.bincount(g, minlength=ng).astype(float)
        prep.append((g, w, ng, np.where(counts > 0, counts, 1.0)))
    r = []
    for g, w, ng, counts in prep:
        order = np.argsort(g, kind="stable")
        cells, starts = np.unique(g[order], return_index=True)
        sums = np.zeros((ng, z.shape[1]))
        sums[cells] = np.add.reduceat((z / w[:, None])[order], starts, axis=0)
        r.append(sums / counts[:, None])
    h = [[np.bincount(gm * nk + gk, wk / wm, ngm * nk).reshape(ngm, nk) / cm[:, None]
          for gk, wk, nk, _ in prep] for gm, wm, ngm, cm in prep]
    coef = [np.zeros_like(x) for x in r]
    for _ in range(10):  # R iterates the raking projections ten times
        for m in range(len(prep)):
            c = r[m] - sum(h[m][k] @ coef[k] for k in range(len(prep)))
            coef[m] = coef[m] + c
    out = z.copy()
    for (g, w, _, _), c in zip(prep, coef):
        out -= w[:, None] * c[g]
    return out
