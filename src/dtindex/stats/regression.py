"""Linear regression of an index on its drivers: OLS with classical, HC3 or cluster-robust standard
errors, standardised coefficients, VIF, and unit / period / two-way fixed effects.

The numerics are statsmodels' (``OLS``, its covariance estimators,
``variance_inflation_factor``); dtindex prepares the design, handles missing
rows and reports. Fixed effects are estimated as the dummy-variable regression
(LSDV) ``y = Xβ + Dγ + ε`` with ``D`` the unit and/or period dummies (one level
of each dropped, plus a constant); by the Frisch–Waugh–Lovell theorem β equals
the within estimator (``y`` and ``X`` demeaned by unit and/or period), and the
LSDV residual degrees of freedom ``N - K - (G-1) - (T-1) - 1`` are the right
ones for classical standard errors. See docs/stats.md for every formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, SpecError, check_choice, describe_rows
from .inputs import Dropped, check_columns, complete_cases, numeric_columns, source_name

FE_CHOICES = (None, "unit", "time", "twoway")
COEF_COLUMNS = ("term", "estimate", "se", "t", "p", "ci_low", "ci_high")
CONST = "const"


@dataclass(frozen=True, eq=False)
class OLSResult:
    """A fitted regression (read-only)."""

    y: str
    x: tuple[str, ...]
    coefficients: pd.DataFrame  # term, estimate, se, t, p, ci_low, ci_high, std_estimate, vif
    nobs: int
    r2: float                 # R² of the estimated model (with FE: including the dummies)
    r2_adj: float
    r2_within: float | None   # FE only: R² of the within-transformed regression
    f_stat: float | None      # Wald F test that every slope in x is zero, with the chosen covariance
    f_p: float | None
    f_df: tuple[float, float] | None
    df_resid: float
    se: str
    fe: str | None
    level: float
    n_clusters: int | None
    n_units: int | None
    n_periods: int | None
    dropped: Dropped
    source: str = "data"
    notes: tuple[str, ...] = field(default=())

    def summary_lines(self, lang: str = "en") -> list[str]:
        """A few sentences describing the model and its fit, in English (``en``) or Chinese (``zh``)."""
        check_choice("summary_lines", "lang", lang, ("en", "zh"))
        se_en = {"classical": "classical", "hc3": "HC3 heteroskedasticity-robust"}.get(
            self.se, f"cluster-robust by {self.se.partition(':')[2]} ({self.n_clusters} clusters)")
        se_zh = {"classical": "经典", "hc3": "HC3 异方差稳健"}.get(
            self.se, f"按 {self.se.partition(':')[2]} 聚类稳健（{self.n_clusters} 个聚类）")
        fe_en = {None: "no fixed effects", "unit": "unit fixed effects", "time": "period fixed effects",
                 "twoway": "unit and period fixed effects"}[self.fe]
        fe_zh = {None: "无固定效应", "unit": "个体固定效应", "time": "时期固定效应", "twoway": "个体和时期双向固定效应"}[self.fe]
        pct = f"{self.level:.0%}"
        if lang == "zh":
            lines = [f"OLS 回归：{self.y} ~ {' + '.join(self.x)}；{fe_zh}；{se_zh}标准误；样本量 {self.nobs}。",
                     f"R² = {self.r2:.3f}，调整 R² = {self.r2_adj:.3f}"
                     + (f"，组内 R² = {self.r2_within:.3f}" if self.r2_within is not None else "") + "。"]
            if self.f_stat is not None:
                lines.append(f"全部解释变量系数为零的 F 检验：F = {self.f_stat:.3f}，p = {self.f_p:.4g}。")
            for r in self.coefficients.itertuples():
                if r.term != CONST:
                    lines.append(f"{r.term}：系数 {r.estimate:.4g}（{pct} 置信区间 {r.ci_low:.4g} 至 {r.ci_high:.4g}，"
                                 f"p = {r.p:.4g}）。")
            if self.dropped.count:
                lines.append(f"因缺失值剔除 {self.dropped.count} 行：{describe_rows(self.dropped.rows)}。")
        else:
            lines = [f"OLS of {self.y} on {', '.join(self.x)}; {fe_en}; {se_en} standard errors; {self.nobs} observations.",
                     f"R² = {self.r2:.3f}, adjusted R² = {self.r2_adj:.3f}"
                     + (f", within R² = {self.r2_within:.3f}" if self.r2_within is not None else "") + "."]
            if self.f_stat is not None:
                lines.append(f"F test that all slopes are zero: F = {self.f_stat:.3f}, p = {self.f_p:.4g}.")
            for r in self.coefficients.itertuples():
                if r.term != CONST:
                    lines.append(f"{r.term}: {r.estimate:.4g} ({pct} CI {r.ci_low:.4g} to {r.ci_high:.4g}, p = {r.p:.4g}).")
            if self.dropped.count:
                lines.append(self.dropped.message(self.source) + ".")
        return lines + list(self.notes)


def parse_se(se: str) -> tuple[str, str | None]:
    """``classical`` / ``hc3`` / ``cluster:COL`` -> (kind, cluster column)."""
    kind, sep, col = str(se).partition(":")
    if kind == "cluster" and sep and col.strip():
        return "cluster", col.strip()
    if se in ("classical", "hc3"):
        return se, None
    raise SpecError(f"The 'se' parameter of ols must be 'classical', 'hc3' or 'cluster:COLUMN'; got {se!r}.")


def ols(data: pd.DataFrame, y: str, x: Sequence[str], *, se: str = "classical", fe: str | None = None,
        unit: str | None = None, time: str | None = None, level: float = 0.95) -> OLSResult:
    """Regress ``y`` on ``x`` (plus a constant, or plus fixed effects) by ordinary least squares.

    Rows with a missing value in ``y``, ``x``, the cluster or the FE columns are
    dropped listwise and reported in ``result.dropped`` (a warning is not raised:
    the CLI prints it; the summary says it).
    """
    import statsmodels.api as sm
    from scipy import stats

    if isinstance(x, str):
        x = [x]
    x = list(x)
    if not x:
        raise DataError("ols needs at least one x column")
    if y in x:
        raise DataError(f"column {y!r} is both y and an x")
    if fe == "none":
        fe = None
    check_choice("ols", "fe", fe, FE_CHOICES)
    if not 0 < level < 1:
        raise SpecError(f"The 'level' parameter of ols must be between 0 and 1; got {level!r}.")
    kind, cluster = parse_se(se)
    src = source_name(data)
    unit = unit or ("uCode" if fe in ("unit", "twoway") and "uCode" in data.columns else unit)
    time = time or ("Time" if fe in ("time", "twoway") and "Time" in data.columns else time)
    if fe in ("unit", "twoway") and not unit:
        raise SpecError(f"fe={fe!r} needs the unit column: give unit=COL (--unit COL)")
    if fe in ("time", "twoway") and not time:
        raise SpecError(f"fe={fe!r} needs the period column: give time=COL (--time COL)")
    groups = [c for c in dict.fromkeys([unit if fe in ("unit", "twoway") else None,
                                        time if fe in ("time", "twoway") else None, cluster]) if c]
    check_columns(data, groups, role="column")
    num = numeric_columns(data, [y, *x])
    labels = data[groups].astype(object).where(data[groups].notna(), "").astype(str) if groups else None
    used, dropped = complete_cases(num, labels)
    n = len(used)
    yv = used[y].to_numpy()
    X = used[x]
    dummies = _fe_dummies(labels.loc[used.index] if labels is not None else None, fe, unit, time)
    design = sm.add_constant(pd.concat([X, dummies], axis=1) if dummies is not None else X, has_constant="add")
    k_total = design.shape[1]
    if n <= k_total:
        raise DataError(f"{src}: {n} complete rows for {k_total} parameters; the regression needs more rows "
                        f"than parameters" + (f" ({dropped.count} rows dropped for missing values)" if dropped.count else ""))
    _check_rank(design, x, fe, src)
    model = sm.OLS(yv, design)
    if kind == "classical":
        res = model.fit()
    elif kind == "hc3":
        res = model.fit(cov_type="HC3")
    else:
        codes = pd.factorize(labels.loc[used.index, cluster])[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    n_clusters = int(len(np.unique(pd.factorize(labels.loc[used.index, cluster])[0]))) if kind == "cluster" else None
    terms = ([CONST] if fe is None else []) + x
    params = res.params[terms]
    bse = res.bse[terms]
    tvals = res.tvalues[terms]
    pvals = res.pvalues[terms]
    ci = res.conf_int(alpha=1 - level).loc[terms]
    sd_y = float(np.std(yv, ddof=1))
    sd_x = X.std(ddof=1)
    std = [np.nan if t == CONST else float(params[t] * sd_x[t] / sd_y) if sd_y > 0 else np.nan for t in terms]
    vif = _vif(X, dummies)
    coefs = pd.DataFrame({
        "term": terms, "estimate": params.to_numpy(), "se": bse.to_numpy(), "t": tvals.to_numpy(),
        "p": pvals.to_numpy(), "ci_low": ci.iloc[:, 0].to_numpy(), "ci_high": ci.iloc[:, 1].to_numpy(),
        "std_estimate": std, "vif": [np.nan if t == CONST else vif[t] for t in terms],
    })
    # Wald F test that every slope is zero, with the chosen covariance
    R = np.zeros((len(x), k_total))
    for i, t in enumerate(x):
        R[i, list(design.columns).index(t)] = 1.0
    ft = res.f_test(R)
    f_stat, f_p = float(np.squeeze(ft.fvalue)), float(np.squeeze(ft.pvalue))
    f_df = (float(ft.df_num), float(ft.df_denom))
    r2_within = None
    if dummies is not None:
        # R² of the within regression: 1 - RSS / Σ ỹ², ỹ = y residualised on the FE dummies
        y_tilde = sm.OLS(yv, sm.add_constant(dummies, has_constant="add")).fit().resid
        tss = float(y_tilde @ y_tilde)
        r2_within = float(1 - res.ssr / tss) if tss > 0 else np.nan
    notes = []
    if kind == "cluster" and n_clusters < 20:
        notes.append(f"Only {n_clusters} clusters: cluster-robust standard errors are unreliable with few clusters.")
    return OLSResult(
        y=y, x=tuple(x), coefficients=coefs, nobs=n, r2=float(res.rsquared), r2_adj=float(res.rsquared_adj),
        r2_within=r2_within, f_stat=f_stat, f_p=f_p, f_df=f_df,
        df_resid=float(res.df_resid if kind != "cluster" else n_clusters - 1), se=kind if kind != "cluster" else f"cluster:{cluster}",
        fe=fe, level=level, n_clusters=n_clusters,
        n_units=int(labels.loc[used.index, unit].nunique()) if fe in ("unit", "twoway") else None,
        n_periods=int(labels.loc[used.index, time].nunique()) if fe in ("time", "twoway") else None,
        dropped=dropped, source=src, notes=tuple(notes),
    )


def _fe_dummies(labels: pd.DataFrame | None, fe: str | None, unit: str | None, time: str | None) -> pd.DataFrame | None:
    """Unit and/or period dummies (first level of each dropped; the constant is added by the caller)."""
    if fe is None:
        return None
    parts = []
    if fe in ("unit", "twoway"):
        parts.append(pd.get_dummies(labels[unit], prefix="unit", prefix_sep="=", drop_first=True, dtype=float))
    if fe in ("time", "twoway"):
        parts.append(pd.get_dummies(labels[time], prefix="time", prefix_sep="=", drop_first=True, dtype=float))
    return pd.concat(parts, axis=1)


def _check_rank(design: pd.DataFrame, x: list[str], fe: str | None, src: str) -> None:
    """Refuse a singular design, naming the x column that is a combination of the others (or of the FE)."""
    mat = design.to_numpy()
    full = np.linalg.matrix_rank(mat)
    if full == mat.shape[1]:
        return
    others = [c for c in design.columns if c not in x]
    base = np.linalg.matrix_rank(design[others].to_numpy()) if others else 0
    bad = []
    for t in x:
        rest = design.drop(columns=[t]).to_numpy()
        if np.linalg.matrix_rank(rest) == full:
            bad.append(t)
    why = " or constant within the fixed effects" if fe else ""
    if base < len(others):
        raise DataError(f"{src}: the fixed effects are collinear (every unit in a single period, or similar)")
    raise DataError(f"{src}: x column(s) {', '.join(bad) or ', '.join(x)} are a linear combination of the other "
                    f"regressors{why}; remove one")


def _vif(X: pd.DataFrame, dummies: pd.DataFrame | None) -> dict[str, float]:
    """VIF_j = 1 / (1 - R²_j) of x_j on the other x (statsmodels); with FE on the within-transformed x."""
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    if X.shape[1] == 1:
        return {X.columns[0]: 1.0}
    mat = X.to_numpy()
    if dummies is not None:
        base = sm.add_constant(dummies, has_constant="add").to_numpy()
        coef, *_ = np.linalg.lstsq(base, mat, rcond=None)
        mat = mat - base @ coef  # x̃: x residualised on the FE dummies (mean zero)
    exog = np.column_stack([np.ones(len(mat)), mat])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {c: float(variance_inflation_factor(exog, i + 1)) for i, c in enumerate(X.columns)}
