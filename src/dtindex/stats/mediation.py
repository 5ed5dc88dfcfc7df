"""Mediation analysis as in Hayes' PROCESS model 4: X -> M -> Y with one or several parallel mediators.

Three kinds of regression (statsmodels OLS, classical standard errors, t tests):

* ``a``  (one per mediator): M_i = i_M + a_i X + Cγ + e
* ``b``, ``c_prime``:        Y = i_Y + c' X + Σ b_i M_i + Cδ + e
* ``c`` (total effect):      Y = i + c X + Cη + e

The indirect effect through M_i is a_i·b_i (with several mediators, also their
sum, the total indirect effect c - c'). Its first-order (Sobel) standard error is
sqrt(b²s_a² + a²s_b²) with z = ab / se and a normal p-value; for the total
indirect effect the same delta method gives a'Σ_b a + b'Σ_a b (Σ_a from the
mediator equations' residual covariance). Confidence intervals come from a
seeded nonparametric bootstrap (rows resampled with replacement, ``boot``
resamples, every equation re-estimated): percentile and bias-corrected.
The bootstrap is dtindex's own code, vectorised as batched least squares
(bootstrap counts × per-row cross-products, one matrix product per batch), so
5,000 resamples take well under a second for a few hundred units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows
from .inputs import Dropped, complete_cases, numeric_columns, source_name

MEDIATION_COLUMNS = ("effect", "estimate", "se", "z_or_t", "p", "ci_low", "ci_high")
CI_METHODS = ("percentile", "bc")
_CHUNK_CELLS = 4_000_000  # bootstrap counts per batch (resamples × rows)


@dataclass(frozen=True, eq=False)
class MediationResult:
    """A fitted mediation model (read-only)."""

    x: str
    m: tuple[str, ...]
    y: str
    covariates: tuple[str, ...]
    table: pd.DataFrame   # effect, estimate, se, z_or_t, p, ci_low, ci_high
    draws: pd.DataFrame   # bootstrap draws of the indirect effect(s): one column per mediator (+ "total")
    nobs: int
    boot: int
    seed: int
    level: float
    ci: str
    r2: dict[str, float]  # R² of each equation: mediators by name, "y" (with M) and "total" (c path)
    dropped: Dropped
    source: str = "data"
    notes: tuple[str, ...] = field(default=())

    def row(self, effect: str) -> pd.Series:
        """One row of :attr:`table` by its effect name (e.g. ``indirect`` or ``a[M1]``)."""
        hit = self.table[self.table["effect"] == effect]
        if hit.empty:
            raise KeyError(f"no effect {effect!r}; effects are {', '.join(self.table['effect'])}")
        return hit.iloc[0]

    def summary_lines(self, lang: str = "en") -> list[str]:
        """Sentences describing the paths and the indirect effect, English (``en``) or Chinese (``zh``)."""
        check_choice("summary_lines", "lang", lang, ("en", "zh"))
        suffix = "" if self.ci == "percentile" else "_bc"
        ind = self.row("indirect")
        ci = self.row("indirect" + suffix)
        pct = f"{self.level:.0%}"
        c, cp = self.row("c"), self.row("c_prime")
        sig = not (ci["ci_low"] <= 0 <= ci["ci_high"])
        ms = ", ".join(self.m)
        if lang == "zh":
            kind = "百分位" if self.ci == "percentile" else "偏差校正"
            lines = [f"中介分析（PROCESS 模型 4）：{self.x} → {ms} → {self.y}"
                     + (f"，控制变量 {', '.join(self.covariates)}" if self.covariates else "") + f"；样本量 {self.nobs}。",
                     f"总效应 c = {c['estimate']:.4g}（p = {c['p']:.4g}），直接效应 c' = {cp['estimate']:.4g}（p = {cp['p']:.4g}）。",
                     f"间接效应 = {ind['estimate']:.4g}，Sobel z = {ind['z_or_t']:.3f}（p = {ind['p']:.4g}）；"
                     f"{self.boot} 次自助抽样{kind} {pct} 置信区间 [{ci['ci_low']:.4g}, {ci['ci_high']:.4g}]，"
                     + ("不包含 0，中介效应显著。" if sig else "包含 0，中介效应不显著。")]
            if self.dropped.count:
                lines.append(f"因缺失值剔除 {self.dropped.count} 行：{describe_rows(self.dropped.rows)}。")
        else:
            kind = "percentile" if self.ci == "percentile" else "bias-corrected"
            lines = [f"Mediation (PROCESS model 4): {self.x} -> {ms} -> {self.y}"
                     + (f", covariates {', '.join(self.covariates)}" if self.covariates else "") + f"; {self.nobs} observations.",
                     f"Total effect c = {c['estimate']:.4g} (p = {c['p']:.4g}); direct effect c' = {cp['estimate']:.4g} "
                     f"(p = {cp['p']:.4g}).",
                     f"Indirect effect = {ind['estimate']:.4g}, Sobel z = {ind['z_or_t']:.3f} (p = {ind['p']:.4g}); "
                     f"{kind} bootstrap {pct} CI [{ci['ci_low']:.4g}, {ci['ci_high']:.4g}] from {self.boot} resamples "
                     + ("excludes 0: the mediation is significant." if sig else "includes 0: no significant mediation.")]
            if self.dropped.count:
                lines.append(self.dropped.message(self.source) + ".")
        return lines + list(self.notes)


def mediate(data: pd.DataFrame, x: str, m: str | Sequence[str], y: str, *, covariates: Sequence[str] = (),
            boot: int = 5000, seed: int = 1, level: float = 0.95, ci: str = "percentile") -> MediationResult:
    """Estimate the paths a, b, c, c' and the indirect effect(s) with Sobel tests and bootstrap CIs.

    Rows with a missing value in any used column are dropped listwise and reported.
    ``ci`` chooses which bootstrap interval :meth:`MediationResult.summary_lines`
    quotes; the table always holds both (``indirect``: percentile, ``indirect_bc``:
    bias-corrected).
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant
    from scipy import stats

    ms = [m] if isinstance(m, str) else list(m)
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if not ms:
        raise DataError("mediate needs at least one mediator")
    names = [x, *ms, y, *covs]
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise DataError(f"column(s) {', '.join(dup)} given in more than one role (x, m, y, covariates)")
    check_choice("mediate", "ci", ci, CI_METHODS)
    if not 0 < level < 1:
        raise SpecError(f"The 'level' parameter of mediate must be between 0 and 1; got {level!r}.")
    if int(boot) < 100:
        raise SpecError(f"The 'boot' parameter of mediate must be at least 100 resamples; got {boot!r}.")
    boot, seed = int(boot), int(seed)
    src = source_name(data)
    used, dropped = complete_cases(numeric_columns(data, names))
    n = len(used)
    k = len(ms)
    p_y = 2 + k + len(covs)
    if n <= p_y + 1:
        missing = ", ".join(f"{c} ({m})" for c, m in dropped.columns.items() if m)
        extra = f" ({dropped.count} rows dropped for missing values in {missing})" if dropped.count else ""
        raise DataError(f"{src}: {n} complete rows for {p_y} parameters of the outcome equation; more rows needed{extra}")
    for c in names:
        if np.ptp(used[c].to_numpy()) == 0:
            raise DataError(f"{src}: column {c} is constant in the {n} complete rows; it cannot enter a regression")

    alpha = 1 - level
    X1 = add_constant(used[[x, *covs]], has_constant="add")
    fits_a = {mi: OLS(used[mi].to_numpy(), X1).fit() for mi in ms}
    XY = add_constant(used[[x, *ms, *covs]], has_constant="add")
    fit_y = OLS(used[y].to_numpy(), XY).fit()
    fit_c = OLS(used[y].to_numpy(), X1).fit()
    for fit in (*fits_a.values(), fit_y, fit_c):
        if np.linalg.matrix_rank(fit.model.exog) < fit.model.exog.shape[1]:
            raise DataError(f"{src}: the regressors of the mediation model are collinear; remove a covariate")

    def coef_row(name: str, fit, term: str) -> tuple:
        lo, hi = fit.conf_int(alpha=alpha).loc[term]
        return (name, fit.params[term], fit.bse[term], fit.tvalues[term], fit.pvalues[term], lo, hi)

    a = np.array([fits_a[mi].params[x] for mi in ms])
    b = np.array([fit_y.params[mi] for mi in ms])
    cov_b = fit_y.cov_params().loc[ms, ms].to_numpy()
    # Σ_a: a_i, a_j share the design [1, X, C]; Cov(a_i, a_j) = σ_ij [(Z'Z)^-1]_XX
    resid = np.column_stack([fits_a[mi].resid for mi in ms])
    sigma = resid.T @ resid / (n - X1.shape[1])
    xx = float(fits_a[ms[0]].normalized_cov_params.loc[x, x])
    cov_a = sigma * xx
    ind = a * b
    sobel_se = np.sqrt(b ** 2 * np.diag(cov_a) + a ** 2 * np.diag(cov_b))
    total = float(ind.sum())
    total_se = float(np.sqrt(a @ cov_b @ a + b @ cov_a @ b))

    draws = _bootstrap_indirect(used[x].to_numpy(), used[ms].to_numpy(), used[y].to_numpy(),
                                used[covs].to_numpy() if covs else np.empty((n, 0)), boot, seed)
    z_lo, z_hi = stats.norm.ppf(alpha / 2), stats.norm.ppf(1 - alpha / 2)

    def boot_rows(label: str, est: float, se: float, d: np.ndarray) -> list[tuple]:
        z = est / se if se > 0 else np.nan
        p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
        lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2])
        p0 = float(np.mean(d < est))
        if 0 < p0 < 1:
            z0 = stats.norm.ppf(p0)
            blo, bhi = np.quantile(d, [stats.norm.cdf(2 * z0 + z_lo), stats.norm.cdf(2 * z0 + z_hi)])
        else:  # every draw on one side of the estimate: the bias correction is undefined
            blo = bhi = np.nan
        return [(label, est, se, z, p, lo, hi),
                (label.replace("indirect", "indirect_bc"), est, float(np.std(d, ddof=1)), np.nan, np.nan, blo, bhi)]

    rows: list[tuple] = []
    if k == 1:
        rows += [coef_row("a", fits_a[ms[0]], x), coef_row("b", fit_y, ms[0])]
    else:
        for mi in ms:
            rows.append(coef_row(f"a[{mi}]", fits_a[mi], x))
        for mi in ms:
            rows.append(coef_row(f"b[{mi}]", fit_y, mi))
    rows += [coef_row("c", fit_c, x), coef_row("c_prime", fit_y, x)]
    if k == 1:
        rows += boot_rows("indirect", float(ind[0]), float(sobel_se[0]), draws[:, 0])
        cols = {ms[0]: draws[:, 0]}
    else:
        for i, mi in enumerate(ms):
            rows += boot_rows(f"indirect[{mi}]", float(ind[i]), float(sobel_se[i]), draws[:, i])
        rows += boot_rows("indirect", total, total_se, draws.sum(axis=1))
        cols = {mi: draws[:, i] for i, mi in enumerate(ms)} | {"total": draws.sum(axis=1)}
    table = pd.DataFrame(rows, columns=list(MEDIATION_COLUMNS))
    for col in MEDIATION_COLUMNS[1:]:
        table[col] = table[col].astype(float)
    notes = []
    if table["ci_low"].isna().any():
        notes.append("A bias-corrected interval is undefined when every bootstrap draw lies on one side of the estimate.")
    r2 = {mi: float(fits_a[mi].rsquared) for mi in ms} | {"y": float(fit_y.rsquared), "total": float(fit_c.rsquared)}
    return MediationResult(x=x, m=tuple(ms), y=y, covariates=tuple(covs), table=table, draws=pd.DataFrame(cols),
                           nobs=n, boot=boot, seed=seed, level=level, ci=ci, r2=r2, dropped=dropped, source=src,
                           notes=tuple(notes))


def _bootstrap_indirect(x: np.ndarray, m: np.ndarray, y: np.ndarray, c: np.ndarray, boot: int, seed: int) -> np.ndarray:
    """``boot`` × k draws of a_i·b_i from rows resampled with replacement (seeded).

    Resample r has row counts w_r; its coefficients solve (Z'W_rZ) β = Z'W_r v,
    which equals OLS on the resampled rows. Z'W_rZ for all r of a batch is one
    matrix product: counts (B×n) @ per-row cross-products (n×p²). Variables are
    standardised first (conditioning), and the product a·b rescaled.
    """
    n, k = m.shape
    data = np.column_stack([x, m, y, c])
    mu, sd = data.mean(axis=0), data.std(axis=0)
    s = (data - mu) / sd
    xs, ms, ys, cs = s[:, :1], s[:, 1:1 + k], s[:, 1 + k], s[:, 2 + k:]
    one = np.ones((n, 1))
    Z = np.hstack([one, xs, cs])           # mediator equations
    V = np.hstack([one, xs, ms, cs])       # outcome equation
    pz, pv = Z.shape[1], V.shape[1]
    zz = (Z[:, :, None] * Z[:, None, :]).reshape(n, pz * pz)
    zm = (Z[:, :, None] * ms[:, None, :]).reshape(n, pz * k)
    vv = (V[:, :, None] * V[:, None, :]).reshape(n, pv * pv)
    vy = V * ys[:, None]
    rng = np.random.default_rng(seed)
    chunk = max(1, min(boot, _CHUNK_CELLS // n))
    out = np.empty((boot, k))
    for start in range(0, boot, chunk):
        bsz = min(chunk, boot - start)
        idx = rng.integers(0, n, size=(bsz, n))
        w = np.bincount((idx + n * np.arange(bsz)[:, None]).ravel(), minlength=bsz * n).reshape(bsz, n).astype(float)
        a = _solve((w @ zz).reshape(bsz, pz, pz), (w @ zm).reshape(bsz, pz, k))[:, 1, :]
        b = _solve((w @ vv).reshape(bsz, pv, pv), (w @ vy)[:, :, None])[:, 2:2 + k, 0]
        out[start:start + bsz] = a * b
    return out * sd[1 + k] / sd[0]  # a_s b_s -> a b in the original units: × s_Y / s_X


def _solve(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(lhs, rhs)
    except np.linalg.LinAlgError:  # a degenerate resample (e.g. X constant): least squares via pseudo-inverse
        return np.linalg.pinv(lhs) @ rhs
