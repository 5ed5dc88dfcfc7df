"""Confidence intervals for design-based proportions that stay inside [0, 1] (R ``svyciprop``).

Every method starts from the estimate ``p`` and its linearised standard error ``se`` of a
proportion (:meth:`dtindex.survey.Design.proportions`) and the design degrees of freedom
``df`` (PSUs minus strata with responses in the domain); ``t = t_{df, 1 - a/2}``.

* ``"logit"`` (default; R ``svyciprop(method="logit")``):
  ``expit(logit(p) +- t se / (p (1 - p)))``.
* ``"wilson"`` (R ``method="wilson"``; Wilson's score interval with the effective sample size
  ``n* = p (1 - p) / se^2``, Kott and Carr 1997):
  ``(p + t^2 / (2 n*) -+ t / (2 n*) sqrt(4 n* p (1 - p) + t^2)) / (1 + t^2 / n*)``.
* ``"beta"`` (R ``method="beta"``; Korn and Graubard 1998, Survey Methodology 24:193-201):
  Clopper-Pearson limits at the df-adjusted effective sample size
  ``n* = p (1 - p) / se^2 * (t_{n-1} / t_{df})^2`` (``n`` = number of responses of the design):
  ``lower = Beta^-1(a/2; n* p, n* (1 - p) + 1)``, ``upper = Beta^-1(1 - a/2; n* p + 1, n* (1 - p))``.
* ``"wald"``: ``p +- z se`` (R ``confint(svymean(...))``); can leave [0, 1] and is therefore not
  offered for reports (:data:`REPORT_METHODS`).

Where the design gives no variance (``p`` is 0 or 1, or ``se`` is 0) the logit, Wilson and
Korn-Graubard formulas are undefined (R returns NaN); we then use the Clopper-Pearson interval
at the unweighted number of responses ``n`` behind the estimate (e.g. 0 of 12 chosen:
``[0, 1 - 0.025^(1/12)]``), which is what a reader needs and stays in [0, 1]. Without
responses (``n`` = 0) or without degrees of freedom (``df`` < 1) the interval is missing.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import expit

from ..errors import check_choice

METHODS = ("wald", "logit", "wilson", "beta")
#: Methods whose limits always lie in [0, 1]; the report uses one of these.
REPORT_METHODS = ("logit", "wilson", "beta")


def _clopper_pearson(p, n, a):
    """Clopper-Pearson limits for (possibly non-integer) ``x = n p`` successes of ``n``."""
    x = n * p
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x <= 0, 0.0, stats.beta.ppf(a / 2, np.where(x <= 0, 1.0, x), n - x + 1))
        hi = np.where(x >= n, 1.0, stats.beta.ppf(1 - a / 2, x + 1, np.where(x >= n, 1.0, n - x)))
    return lo, hi


def proportion_ci(p, se, *, method: str = "logit", df=None, n=None, n_rows=None, level: float = 0.95):
    """Lower and upper limits of proportions ``p`` with standard errors ``se`` (arrays).

    ``df``: design degrees of freedom (scalar or per estimate; ``None`` = normal quantile);
    ``n``: unweighted responses behind each estimate (used where the design gives no variance);
    ``n_rows``: responses in the whole design (Korn-Graubard's ``t_{n-1}``; ``None`` = infinite).

    >>> lo, hi = proportion_ci([0.2], [0.04 ** 0.5 * 0.2], method="wilson", n=[10])  # n* = 100
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.1333, 0.2888)
    """
    check_choice("proportion_ci", "method", method, METHODS)
    p = np.atleast_1d(np.asarray(p, dtype=float))
    se = np.broadcast_to(np.asarray(se, dtype=float), p.shape)
    a = 1.0 - level
    dfa = np.broadcast_to(np.asarray(np.inf if df is None else df, dtype=float), p.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(dfa >= 1, stats.t.ppf(1 - a / 2, np.maximum(dfa, 1)), np.nan)
        if method == "wald":
            z = stats.norm.ppf(1 - a / 2)
            return p - z * se, p + z * se
        nn = np.broadcast_to(np.asarray(np.nan if n is None else n, dtype=float), p.shape)
        inside = (p > 0) & (p < 1) & (se > 0)
        q = p * (1 - p)
        if method == "logit":
            eta = np.log(p / (1 - p))
            half = t * se / q
            lo = expit(eta - half)
            hi = expit(eta + half)
        elif method == "wilson":
            neff = q / se ** 2
            t2 = t * t
            root = np.sqrt(4 * neff * q + t2)
            centre = p + t2 / (2 * neff)
            lo = (centre - t / (2 * neff) * root) / (1 + t2 / neff)
            hi = (centre + t / (2 * neff) * root) / (1 + t2 / neff)
        else:
            rows = np.inf if n_rows is None else float(n_rows)
            t_rows = stats.t.ppf(1 - a / 2, rows - 1) if np.isfinite(rows) else stats.norm.ppf(1 - a / 2)
            neff = q / se ** 2 * (t_rows / t) ** 2
            lo, hi = _clopper_pearson(p, neff, a)
        # no variance from the design: Clopper-Pearson at the unweighted n
        cp_lo, cp_hi = _clopper_pearson(np.clip(p, 0, 1), nn, a)
        ok_fallback = np.isfinite(p) & (nn > 0) & (dfa >= 1)
        lo = np.where(inside, lo, np.where(ok_fallback, cp_lo, np.nan))
        hi = np.where(inside, hi, np.where(ok_fallback, cp_hi, np.nan))
        lo = np.where(np.isnan(t), np.nan, np.clip(lo, 0.0, 1.0))
        hi = np.where(np.isnan(t), np.nan, np.clip(hi, 0.0, 1.0))
    return lo, hi


def method_note(method: str, lang: str = "zh", level: float = 0.95) -> str:
    """One sentence naming the interval method, printed under every table with proportions."""
    check_choice("method_note", "method", method, REPORT_METHODS)
    pct = f"{level:.0%}"
    zh = {"logit": f"比例的{pct}置信区间采用 logit 变换法（同 R survey 包 svyciprop 的 logit 方法，自由度为设计自由度），区间始终位于 0～100% 之内。",
          "wilson": f"比例的{pct}置信区间采用 Wilson 得分法（按设计效应折算的有效样本量，同 R svyciprop 的 wilson 方法），区间始终位于 0～100% 之内。",
          "beta": f"比例的{pct}置信区间采用 Korn–Graubard 法（有效样本量上的 Clopper–Pearson 区间，同 R svyciprop 的 beta 方法），区间始终位于 0～100% 之内。"}
    en = {"logit": f"{pct} confidence intervals of proportions: logit method (R survey svyciprop method \"logit\", "
                   "design degrees of freedom); they always lie within 0-100%.",
          "wilson": f"{pct} confidence intervals of proportions: Wilson score method on the design-effect-adjusted "
                    "effective sample size (R svyciprop method \"wilson\"); they always lie within 0-100%.",
          "beta": f"{pct} confidence intervals of proportions: Korn-Graubard method (Clopper-Pearson on the effective "
                  "sample size, R svyciprop method \"beta\"); they always lie within 0-100%."}
    return (zh if lang == "zh" else en)[method]
