"""Convergence: sigma (dispersion per period) and beta (growth on log initial level).

* sigma-convergence: per period the coefficient of variation (population sd / mean) or the standard
  deviation of logs; dispersion falling over time is sigma-convergence.
* absolute beta-convergence (cross-section, statsmodels OLS with HC1 errors):
  (1/T) ln(y_iT / y_i0) = a + beta ln y_i0 + e_i, T = number of period steps between first and last.
  beta < 0 is convergence; speed lambda = -ln(1 + beta T) / T per period step, half-life ln 2 / lambda.
* conditional beta-convergence (panel, linearmodels PanelOLS with unit and period fixed effects,
  errors clustered by unit): ln(y_i,t+1 / y_it) = beta ln y_it + gamma' X_it + mu_i + eta_t + e_it;
  speed lambda = -ln(1 + beta) per period step, half-life ln 2 / lambda.
Speeds are per period step of the data (a year for annual, a quarter for quarterly data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, MethodDomainError

__all__ = ["BetaResult", "beta_absolute", "beta_conditional", "sigma"]


def _positive(panel: pd.DataFrame, what: str) -> pd.DataFrame:
    if (panel.to_numpy(float) <= 0).any():
        raise MethodDomainError(f"{what}: logarithms need values > 0")
    return panel


def sigma(panel: pd.DataFrame) -> pd.DataFrame:
    """``time, cv, sd_log, n`` for each period (column) of a units x periods table."""
    rows = []
    for c in panel.columns:
        y = panel[c].dropna().to_numpy(float)
        sd_log = float(np.log(y).std()) if np.all(y > 0) else float("nan")
        rows.append({"time": str(c), "cv": float(y.std() / y.mean()), "sd_log": sd_log, "n": int(y.size)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BetaResult:
    kind: str
    beta: float
    se: float
    p: float
    n: int
    speed: float
    half_life: float
    r2: float

    def as_row(self) -> dict:
        return dict(self.__dict__)


def _speed(beta: float, steps: float) -> tuple[float, float]:
    x = 1 + beta * steps
    if beta >= 0 or x <= 0:
        return float("nan"), float("nan")
    lam = -np.log(x) / steps
    return float(lam), float(np.log(2) / lam)


def beta_absolute(panel: pd.DataFrame) -> BetaResult:
    """Absolute beta-convergence from the first to the last period (columns in time order)."""
    import statsmodels.api as sm

    if panel.shape[1] < 2:
        raise DataError("beta-convergence needs at least two periods")
    sub = _positive(panel.iloc[:, [0, -1]].dropna(), "beta-convergence")
    steps = panel.shape[1] - 1
    y0, yT = np.log(sub.iloc[:, 0].to_numpy(float)), np.log(sub.iloc[:, 1].to_numpy(float))
    g = (yT - y0) / steps
    fit = sm.OLS(g, sm.add_constant(y0)).fit(cov_type="HC1")
    b = float(fit.params[1])
    lam, hl = _speed(b, steps)
    return BetaResult("absolute", b, float(fit.bse[1]), float(fit.pvalues[1]), int(g.size), lam, hl, float(fit.rsquared))


def beta_conditional(panel: pd.DataFrame, controls: dict[str, pd.DataFrame] | None = None) -> BetaResult:
    """Conditional beta-convergence: two-way fixed-effects panel regression of one-step log growth.

    ``controls`` maps a name to a units x periods table aligned with ``panel`` (value at the start of
    each step).
    """
    from linearmodels.panel import PanelOLS

    if panel.shape[1] < 3:
        raise DataError("conditional beta-convergence needs at least three periods (two growth steps)")
    P = _positive(panel, "beta-convergence")
    logy = np.log(P.to_numpy(float))
    growth = logy[:, 1:] - logy[:, :-1]
    units = np.repeat(np.arange(P.shape[0]), P.shape[1] - 1)
    times = np.tile(np.arange(P.shape[1] - 1), P.shape[0])
    df = pd.DataFrame({"unit": units, "time": times, "growth": growth.ravel(), "lny": logy[:, :-1].ravel()})
    for name, tab in (controls or {}).items():
        df[name] = tab.reindex(index=P.index, columns=P.columns).to_numpy(float)[:, :-1].ravel()
    df = df.dropna().set_index(["unit", "time"])
    exog = df[["lny", *(controls or {})]]
    fit = PanelOLS(df["growth"], exog, entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    b = float(fit.params["lny"])
    lam, hl = _speed(b, 1.0)
    return BetaResult("conditional", b, float(fit.std_errors["lny"]), float(fit.pvalues["lny"]), int(fit.nobs),
                      lam, hl, float(fit.rsquared_within))
