"""Linear regression of an index on its drivers: OLS with classical, HC3 or cluster-robust standard
errors, standardised coefficients, VIF, and unit / period / two-way fixed effects.

The numerics are statsmodels' (``OLS``, its covariance estimators,
``variance_inflation_factor``); dtindex prepares the design, handles missing
rows, and reports. Fixed effects are absorbed by the within transformation
(:class:`_Absorber`): by the Frisch–Waugh–Lovell theorem the slopes equal the
dummy-variable regression ``y = Xβ + Dγ + ε``, and the residual degrees of
freedom count the absorbed effects, so classical standard errors equal the
dummy-variable regression's. t tests, intervals and the Wald F test come from
(β̂, V) with t(N - K) (cluster: t(G - 1)). See docs/stats.md for every formula.
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
    df_resid: float           # degrees of freedom of the t and F tests: N - K, or G - 1 with clusters
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
    dropped listwise and reported in ``result.dropped`` (and in the summary).
    With fixed effects, ``y`` and ``x`` are first residualised on the effects
    (the within transformation; exact for unbalanced panels) and statsmodels
    fits the within regression; the residual degrees of freedom count the
    absorbed effects, so classical standard errors equal the dummy-variable
    regression's. See docs/stats.md for HC3 and cluster standard errors with
    fixed effects.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

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
    fe_cols = [c for c in (unit if fe in ("unit", "twoway") else None, time if fe in ("time", "twoway") else None) if c]
    groups = list(dict.fromkeys([*fe_cols, *([cluster] if cluster else [])]))
    check_columns(data, groups, role="column")
    num = numeric_columns(data, [y, *x])
    labels = data[groups].astype(object).where(data[groups].notna(), "").astype(str) if groups else None
    used, dropped = complete_cases(num, labels)
    labels = labels.loc[used.index] if labels is not None else None
    n, k = len(used), len(x)
    yv = used[y].to_numpy()
    X = used[x]
    codes = pd.factorize(labels[cluster])[0] if cluster else None
    n_clusters = int(codes.max() + 1) if cluster else None
    if cluster and n_clusters < 2:
        raise DataError(f"{src}: cluster column {cluster} has {n_clusters} distinct value(s) in the {n} complete rows; "
                        "cluster-robust standard errors need at least 2 clusters (and 20 or more to be reliable)")

    if fe is None:
        design = add_constant(X, has_constant="add")
        if n <= k + 1:
            raise DataError(_too_few(src, n, k + 1, dropped))
        if np.linalg.matrix_rank(design.to_numpy()) < k + 1:
            _collinear(X, None, src)
        model = OLS(yv, design)
        if kind == "classical":
            res = model.fit()
        elif kind == "hc3":
            res = model.fit(cov_type="HC3")
        else:
            res = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
        terms = [CONST, *x]
        params, V = res.params.to_numpy(), res.cov_params().to_numpy()
        k_total, ssr = k + 1, float(res.ssr)
        r2, r2_within = float(res.rsquared), None
        x_for_vif = X.to_numpy()
        slopes = np.arange(1, k + 1)
    else:
        absorb = _Absorber(labels[fe_cols])
        Z = absorb.residualise(used[[y, *x]].to_numpy())
        yt, xt = Z[:, 0], Z[:, 1:]
        k_total = k + absorb.rank
        if n <= k_total:
            raise DataError(_too_few(src, n, k_total, dropped))
        if np.linalg.matrix_rank(xt) < k:
            _collinear(X, xt, src)
        model = OLS(yt, pd.DataFrame(xt, columns=x))
        model.df_resid = n - k_total  # the absorbed effects use degrees of freedom too
        if kind == "classical":
            res = model.fit()
            V = res.cov_params().to_numpy()
        elif kind == "hc3":
            res = model.fit()
            pinv = model.pinv_wexog  # (x̃'x̃)⁻¹x̃'
            h = np.einsum("ij,ji->i", xt, pinv) + absorb.leverage  # leverage in the dummy-variable model
            e = res.resid
            with np.errstate(divide="ignore", invalid="ignore"):
                omega = np.where(h < 1 - 1e-10, e ** 2 / (1 - h) ** 2, 0.0)  # h = 1: a singleton, e = 0
            V = (pinv * omega) @ pinv.T
        else:
            res = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
            # statsmodels' CR1 factor uses K = k; count the absorbed effects not nested in the clusters
            k_eff = k + absorb.rank - absorb.nested_dof(codes)
            V = res.cov_params().to_numpy() * (n - k) / (n - k_eff)
        terms = list(x)
        params = res.params.to_numpy()
        ssr = float(res.ssr)
        tss = float(np.sum((yv - yv.mean()) ** 2))
        r2 = 1 - ssr / tss if tss > 0 else np.nan
        yy = float(yt @ yt)
        r2_within = 1 - ssr / yy if yy > 0 else np.nan
        x_for_vif = xt
        slopes = np.arange(k)
    df_inf = float(n_clusters - 1) if kind == "cluster" else float(n - k_total)
    est, se_, tval, pval, lo, hi = _inference(params, V, df_inf, level)
    f_stat, f_p = _wald_f(params[slopes], V[np.ix_(slopes, slopes)], df_inf)
    sd_y = float(np.std(yv, ddof=1))
    sd_x = X.std(ddof=1)
    std = [np.nan if t == CONST else float(est[i] * sd_x[t] / sd_y) if sd_y > 0 else np.nan for i, t in enumerate(terms)]
    vif = _vif(x_for_vif, x)
    coefs = pd.DataFrame({"term": terms, "estimate": est, "se": se_, "t": tval, "p": pval, "ci_low": lo, "ci_high": hi,
                          "std_estimate": std, "vif": [np.nan if t == CONST else vif[t] for t in terms]})
    notes = []
    if kind == "cluster" and n_clusters < 20:
        notes.append(f"Only {n_clusters} clusters: cluster-robust standard errors are unreliable with few clusters.")
    r2_adj = 1 - (1 - r2) * (n - 1) / (n - k_total)
    return OLSResult(
        y=y, x=tuple(x), coefficients=coefs, nobs=n, r2=float(r2), r2_adj=float(r2_adj),
        r2_within=None if r2_within is None else float(r2_within), f_stat=f_stat, f_p=f_p, f_df=(float(k), df_inf),
        df_resid=df_inf, se=kind if kind != "cluster" else f"cluster:{cluster}", fe=fe, level=level,
        n_clusters=n_clusters, n_units=int(labels[unit].nunique()) if fe in ("unit", "twoway") else None,
        n_periods=int(labels[time].nunique()) if fe in ("time", "twoway") else None,
        dropped=dropped, source=src, notes=tuple(notes),
    )


def _inference(params: np.ndarray, V: np.ndarray, df: float, level: float):
    """se = √diag V, t = β / se, two-sided p and CI from t(df)."""
    from scipy import stats

    se = np.sqrt(np.diag(V))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = params / se
    p = 2 * stats.t.sf(np.abs(t), df)
    q = stats.t.ppf((1 + level) / 2, df)
    return params, se, t, p, params - q * se, params + q * se


def _wald_f(b: np.ndarray, V: np.ndarray, df: float) -> tuple[float, float]:
    """Wald F = b'V⁻¹b / q with F(q, df): every slope zero."""
    from scipy import stats

    try:
        f = float(b @ np.linalg.solve(V, b)) / len(b)
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    return f, float(stats.f.sf(f, len(b), df))


def _too_few(src: str, n: int, k: int, dropped: Dropped) -> str:
    missing = ", ".join(f"{c} ({m})" for c, m in dropped.columns.items() if m)
    extra = f" ({dropped.count} rows dropped for missing values in {missing})" if dropped.count else ""
    return f"{src}: {n} complete rows for {k} parameters; the regression needs more rows than parameters{extra}"


def _collinear(X: pd.DataFrame, xt: np.ndarray | None, src: str) -> None:
    """Raise a DataError naming the x columns that are constant within the effects or combinations of others."""
    mat = X.to_numpy() if xt is None else xt
    scale = np.abs(X.to_numpy() - X.to_numpy().mean(axis=0)).max(axis=0)
    if xt is not None:
        flat = [c for c, s, v in zip(X.columns, scale, np.abs(xt).max(axis=0)) if v <= 1e-9 * max(s, 1e-300)]
        if flat:
            raise DataError(f"{src}: x column(s) {', '.join(flat)} are constant within the fixed effects "
                            "(their effect is absorbed); remove them or use fewer fixed effects")
    if xt is None:
        mat = np.column_stack([np.ones(len(mat)), mat])
    full = np.linalg.matrix_rank(mat)
    off = 0 if xt is not None else 1
    bad = [c for i, c in enumerate(X.columns) if np.linalg.matrix_rank(np.delete(mat, i + off, axis=1)) == full]
    raise DataError(f"{src}: x column(s) {', '.join(bad or list(X.columns))} are a linear combination of the "
                    "other regressors" + (" and the fixed effects" if xt is not None else "") + "; remove one")


class _Absorber:
    """Projection off the fixed effects (unit and/or period dummies with a constant), exact for unbalanced panels.

    One factor: demeaning by group, x̃ = x - x̄_g; leverage 1 / n_g.
    Two factors (Frisch–Waugh–Lovell): demean by the factor with more levels
    (M_A), then project off the demeaned dummies of the other one,
    T̃ = M_A D_B: x̃ = M_A x - T̃ (T̃'T̃)⁻ T̃' M_A x, via a pivoted QR of the N × (L_B - 1)
    matrix T̃ (rank-revealing, so disconnected panels are handled). Leverage of
    the dummies: 1 / n_a + Σ_j Q_ij². Cost O(N L_B²), never an N × (L_A + L_B) matrix.
    """

    def __init__(self, labels: pd.DataFrame):
        self.factors = [pd.factorize(labels[c])[0] for c in labels.columns]
        self.levels = [int(f.max()) + 1 for f in self.factors]
        order = np.argsort([-L for L in self.levels], kind="stable")
        self.main = int(order[0])
        f = self.factors[self.main]
        self.counts = np.bincount(f)
        self.rank = self.levels[self.main]
        self.leverage = 1.0 / self.counts[f]
        self.q = None
        if len(self.factors) == 2:
            from scipy.linalg import qr

            g, L = self.factors[int(order[1])], self.levels[int(order[1])]
            D = np.zeros((len(g), L - 1))
            rows = np.flatnonzero(g > 0)
            D[rows, g[rows] - 1] = 1.0  # first level dropped
            T = self._demean(D)
            if T.shape[1]:
                q, r, _ = qr(T, mode="economic", pivoting=True)
                d = np.abs(np.diag(r))
                rank = int(np.sum(d > d[0] * max(T.shape) * np.finfo(float).eps)) if d.size and d[0] > 0 else 0
                self.q = q[:, :rank]
                self.rank += rank
                self.leverage = self.leverage + np.einsum("ij,ij->i", self.q, self.q)

    def _demean(self, Z: np.ndarray) -> np.ndarray:
        f = self.factors[self.main]
        sums = np.zeros((self.levels[self.main], Z.shape[1]))
        np.add.at(sums, f, Z)
        return Z - (sums / self.counts[:, None])[f]

    def residualise(self, Z: np.ndarray) -> np.ndarray:
        Z = self._demean(Z)
        if self.q is not None:
            Z = Z - self.q @ (self.q.T @ Z)
        return Z

    def nested_dof(self, clusters: np.ndarray) -> int:
        """Degrees of freedom of the effects nested within clusters (each level in one cluster): L - 1 each."""
        out = 0
        for f, L in zip(self.factors, self.levels):
            pairs = np.unique(np.column_stack([f, clusters]), axis=0)
            if len(pairs) == L:  # every level of the factor lies in a single cluster
                out += L - 1
        return out


def _vif(x: np.ndarray, names: list[str]) -> dict[str, float]:
    """VIF_j = 1 / (1 - R²_j) of x_j on the other x and a constant (statsmodels); with FE, x is within-transformed."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    if len(names) == 1:
        return {names[0]: 1.0}
    exog = np.column_stack([np.ones(len(x)), x])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {c: float(variance_inflation_factor(exog, i + 1)) for i, c in enumerate(names)}
