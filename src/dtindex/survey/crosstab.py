"""Weighted cross-tabs and design-based tests of independence (R ``svytable`` / ``svychisq``).

Rao-Scott (Rao and Scott 1984, Ann. Statist. 12:46-60), as R survey computes it:

* ``p`` = estimated cell proportions (K = r x c cells), ``V`` their design covariance;
* ``X^2`` = Pearson statistic of the weighted table rescaled to the sample size ``n``;
* ``C`` = interaction contrasts (interaction columns residualised on the main-effects design),
  ``Delta = (C' D^-1 C / n)^-1 (C' D^-1 V D^-1 C)`` with ``D = diag(p)``;
* second-order (``"rao-scott"``): ``F = X^2 / tr(Delta)`` on ``d0`` and ``d0 * nu`` degrees of
  freedom, ``d0 = tr(Delta)^2 / tr(Delta^2)``, ``nu`` = design df (PSUs - strata);
* first-order (``"rao-scott-1"``): ``X^2 / mean(eig Delta)`` against chi-square with
  ``(r-1)(c-1)`` df (the reported statistic is ``X^2``, as in R).

Wald tests (Koch, Freeman and Freeman 1975) use ``Y_k = t_k - R_r C_c / N`` for the weighted cell
totals ``t`` and their linearised covariance; ``"adj-wald"`` is the Rao-Thomas adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, check_choice
from ._linear import Cells

CHISQ_METHODS = ("rao-scott", "rao-scott-1", "pearson", "wald", "adj-wald")
_ALIASES = {"F": "rao-scott", "Chisq": "rao-scott-1", "Wald": "wald", "adjWald": "adj-wald"}
NORMALIZE = (False, "all", "index", "columns")


@dataclass(frozen=True)
class ChisqResult:
    """Result of :meth:`Design.chisq`. Item access works too: ``res["p_value"]``.

    ``statistic`` is F for ``rao-scott``/``wald``/``adj-wald`` and X^2 otherwise; ``df`` is the
    numerator df (R ``ndf``) and ``ddf`` the denominator df (``None`` for chi-square tests).
    """

    method: str
    statistic: float
    df: float
    ddf: float | None
    p_value: float
    pearson: float
    n: int
    design_df: int
    delta_trace: float = float("nan")
    delta_trace2: float = float("nan")
    table: pd.DataFrame = field(default=None, repr=False, compare=False)

    @property
    def ndf(self) -> float:
        return self.df

    def __getitem__(self, key: str):
        aliases = {"ndf": "df", "pvalue": "p_value", "p.value": "p_value", "p": "p_value", "X2": "pearson"}
        key = aliases.get(key, key)
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("method", "statistic", "df", "ddf", "p_value", "pearson", "n",
                                              "design_df", "delta_trace", "delta_trace2")}


def _two_way(design, row, col):
    from .design import categories

    rc, rcats = categories(design.column(row))
    cc, ccats = categories(design.column(col))
    return rc, rcats, cc, ccats


def weighted_table(design, row, col, *, normalize=False) -> pd.DataFrame:
    """Weighted counts ``sum w`` per (row category, column category); responses with either
    value missing are left out."""
    check_choice("crosstab", "normalize", normalize, NORMALIZE)
    rc, rcats, cc, ccats = _two_way(design, row, col)
    ok = (rc >= 0) & (cc >= 0)
    nr, nc = len(rcats), len(ccats)
    t = np.bincount(rc[ok] * nc + cc[ok], design._w[ok], nr * nc).reshape(nr, nc)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "all":
            t = t / t.sum()
        elif normalize == "index":
            t = t / t.sum(axis=1, keepdims=True)
        elif normalize == "columns":
            t = t / t.sum(axis=0, keepdims=True)
    rname = row if isinstance(row, str) else "row"
    cname = col if isinstance(col, str) else "col"
    return pd.DataFrame(t, index=pd.Index(rcats, name=rname), columns=pd.Index(ccats, name=cname))


def _contrasts(nr: int, nc: int) -> np.ndarray:
    """Interaction columns residualised on intercept + row + column dummies (cells row-fastest)."""
    r = np.tile(np.arange(nr), nc)
    c = np.repeat(np.arange(nc), nr)
    rd = (r[:, None] == np.arange(1, nr)[None, :]).astype(float)
    cd = (c[:, None] == np.arange(1, nc)[None, :]).astype(float)
    x1 = np.column_stack([np.ones(nr * nc), rd, cd])
    x12 = (rd[:, :, None] * cd[:, None, :]).reshape(nr * nc, -1)
    beta, *_ = np.linalg.lstsq(x1, x12, rcond=None)
    return x12 - x1 @ beta


def chisq(design, row, col, method: str = "rao-scott") -> ChisqResult:
    """Design-based test of independence of ``row`` and ``col``; see the module docstring."""
    method = _ALIASES.get(method, method)
    check_choice("Design.chisq", "method", method, CHISQ_METHODS)
    rc, rcats, cc, ccats = _two_way(design, row, col)
    w = design._w
    ok = (rc >= 0) & (cc >= 0) & (w > 0)
    # categories that occur (R uses the observed values, not unused factor levels)
    rpresent, rmap = np.unique(rc[ok], return_inverse=True)
    cpresent, cmap = np.unique(cc[ok], return_inverse=True)
    nr, nc = len(rpresent), len(cpresent)
    rname = row if isinstance(row, str) else "row"
    cname = col if isinstance(col, str) else "col"
    if nr < 2 or nc < 2:
        raise DataError(f"chisq: {rname!r} x {cname!r} needs at least two observed categories of each "
                        f"variable; found {nr} and {nc}")
    k = nr * nc
    cell = np.full(design.n, -1, dtype=np.int64)
    cell[ok] = rmap + nr * cmap
    n_all = design.n  # R: N = nrow(model matrix), every response
    nu = len(design._st.psu_stratum) - design._st.n_strata

    counts = np.bincount(cell[ok], w[ok], k)
    table = pd.DataFrame(counts.reshape(nc, nr).T, index=pd.Index([rcats[i] for i in rpresent], name=rname),
                         columns=pd.Index([ccats[i] for i in cpresent], name=cname))
    obs = counts.reshape(nc, nr).T * (n_all / counts.sum())
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    x2 = float(((obs - expected) ** 2 / expected).sum())
    df_chi = (nr - 1) * (nc - 1)
    base = {"pearson": x2, "n": n_all, "design_df": nu, "table": table}

    if method == "pearson":
        return ChisqResult(method, x2, float(df_chi), None, float(stats.chi2.sf(x2, df_chi)), **base)

    if method in ("wald", "adj-wald"):
        a = np.where(ok, w, 0.0)
        v_t = design._st.vcov(Cells(cell, a, np.zeros(k)))
        ri = np.tile(np.arange(nr), nc)
        ci = np.repeat(np.arange(nc), nr)
        rt = np.bincount(ri, counts, nr)
        ct = np.bincount(ci, counts, nc)
        tot = counts.sum()
        y = counts - rt[ri] * ct[ci] / tot
        jac = (np.eye(k) - (ri[:, None] == ri[None, :]) * (ct[ci] / tot)[:, None]
               - (ci[:, None] == ci[None, :]) * (rt[ri] / tot)[:, None]
               + (rt[ri] * ct[ci] / tot ** 2)[:, None])
        v_y = jac @ v_t @ jac.T
        use = (ri > 0) & (ci > 0)
        wald = float(y[use] @ np.linalg.solve(v_y[np.ix_(use, use)], y[use]))
        if method == "wald":
            ndf, ddf = float(df_chi), float(nu)
            stat = wald / df_chi
        else:
            ndf, ddf = float(df_chi), float(nu - df_chi + 1)
            stat = wald * ddf / (ndf * nu)
        return ChisqResult(method, stat, ndf, ddf, float(stats.f.sf(stat, ndf, ddf)), **base)

    a = np.where(ok, w, 0.0)
    a = a / a.sum()
    p = np.bincount(cell[ok], a[ok], k)
    v = design._st.vcov(Cells(cell, a, p))
    cmat = _contrasts(nr, nc)
    inv_p = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    cd = cmat * inv_p[:, None]
    denom = cmat.T @ cd / n_all
    numr = cd.T @ v @ cd
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    base.update(delta_trace=tr, delta_trace2=tr2)
    if method == "rao-scott":
        d0 = tr * tr / tr2
        stat = x2 / tr
        return ChisqResult(method, stat, d0, d0 * nu, float(stats.f.sf(stat, d0, d0 * nu)), **base)
    pval = float(stats.chi2.sf(x2 / (tr / delta.shape[1]), delta.shape[1]))
    return ChisqResult(method, x2, float(delta.shape[1]), None, pval, **base)
