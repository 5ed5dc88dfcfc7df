"""Item analyses as in survey reports: single choice, multi choice, Likert grids, means by group,
heat tables and Cronbach's alpha. Every share is a design-based estimate (``Design``) with its
standard error and 95% interval; ``n`` is the unweighted number of responses behind it.

* multi choice: % of respondents ``= sum_i w_i x_io / sum_i w_i`` over those who answered the
  question; % of responses ``= sum_i w_i x_io / sum_o sum_i w_i x_io``;
* Likert: share of each point, top-box share (e.g. "mature + very mature") and mean score;
  items sorted by top-box share;
* Cronbach's alpha (listwise complete responses, unweighted):
  ``alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_T^2)`` with item variances ``s_j^2`` and the
  variance of the total score ``s_T^2`` (divisor n - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .design import Design, categories
from .spec import Question, Questionnaire


def _labels(q: Question, lang: str) -> dict:
    return {o.code: o.label.get(lang) for o in q.choices()}


def single_choice(design: Design, q: Question, *, lang: str = "zh", ci: str = "logit",
                  level: float = 0.95) -> pd.DataFrame:
    """Distribution of a single-choice (or single Likert) question among those who answered;
    intervals by ``ci`` (:mod:`dtindex.survey.ciprop`; the default logit interval stays in [0, 1])."""
    col = design.column(q.code)
    props = design.proportions(q.code, ci=ci, level=level)
    codes, cats = categories(col)
    n = np.bincount(codes[codes >= 0], minlength=len(cats))
    lab = _labels(q, lang)
    out = pd.DataFrame({"code": cats, "label": [lab.get(c, str(c)) for c in cats], "n": n,
                        "share": props["estimate"].to_numpy(), "se": props["se"].to_numpy(),
                        "ci_low": props["ci_low"].to_numpy(), "ci_high": props["ci_high"].to_numpy()})
    return out


@dataclass
class MultiChoice:
    options: pd.DataFrame  # code, label, n, pct_respondents, se, ci_low, ci_high, pct_responses
    counts: pd.DataFrame  # chosen (number of options), n, share, se, ci_low, ci_high
    base_n: int


def multi_choice(design: Design, q: Question, *, lang: str = "zh", sort: bool = True, ci: str = "logit",
                 level: float = 0.95) -> MultiChoice:
    """Option frequencies of a multi-choice question and the distribution of the number chosen;
    the share choosing an option is a proportion among those who answered, with a ``ci`` interval."""
    if q.type != "multi":
        raise DataError(f"multi_choice: {q.code} is a {q.type} question")
    cols = q.columns()
    block = design.data[cols].to_numpy(dtype=float)
    answered = ~np.isnan(block).all(axis=1)
    w = design._w
    rows = []
    sel_w = np.nansum(block[answered] * w[answered, None], axis=0)
    for j, (o, c) in enumerate(zip(q.options, cols)):
        x = design.data[c].to_numpy(dtype=float)
        chosen = pd.Series(pd.Categorical(np.where(np.isnan(x), None, np.where(x > 0, "yes", "no")),
                                          categories=["no", "yes"]), index=design.data.index)
        est = design.proportions(chosen, ci=ci, level=level).loc[["yes"]]
        rows.append({"code": o.code, "label": o.label.get(lang), "n": int(np.nansum(block[:, j])),
                     "pct_respondents": float(est["estimate"].iloc[0]), "se": float(est["se"].iloc[0]),
                     "ci_low": float(est["ci_low"].iloc[0]), "ci_high": float(est["ci_high"].iloc[0]),
                     "pct_responses": float(sel_w[j] / sel_w.sum()) if sel_w.sum() > 0 else np.nan})
    options = pd.DataFrame(rows)
    if sort:
        options = options.sort_values("pct_respondents", ascending=False, kind="stable").reset_index(drop=True)
    count = pd.Series(np.where(answered, np.nansum(block, axis=1), np.nan), index=design.data.index)
    count = pd.Categorical(count.where(answered).astype("Int64"), categories=list(range(len(cols) + 1)))
    props = design.proportions(pd.Series(count, index=design.data.index), ci=ci, level=level)
    codes = np.asarray(pd.Series(count).cat.codes)
    n = np.bincount(codes[codes >= 0], minlength=len(cols) + 1)
    counts = pd.DataFrame({"chosen": list(range(len(cols) + 1)), "n": n, "share": props["estimate"].to_numpy(),
                           "se": props["se"].to_numpy(), "ci_low": props["ci_low"].to_numpy(),
                           "ci_high": props["ci_high"].to_numpy()})
    counts = counts[counts["n"] > 0].reset_index(drop=True)
    return MultiChoice(options, counts, int(answered.sum()))


def likert_table(design: Design, q: Question, *, lang: str = "zh") -> pd.DataFrame:
    """Share of each scale point per item (one row for a Likert question, one per matrix item),
    with top-box share, mean score and its standard error; sorted by top-box share."""
    if q.scale is None:
        raise DataError(f"likert_table: {q.code} has no scale")
    points = q.scale.points
    labels = [o.label.get(lang) for o in q.scale.options()]
    items = [(i.code, i.text.get(lang)) for i in q.items] if q.type == "matrix" else [(q.code, q.text.get(lang))]
    rows = []
    for code, text in items:
        y = design.column(code)
        cat = pd.Series(pd.Categorical(y, categories=[float(p) for p in points]), index=design.data.index)
        props = design.proportions(cat)
        top = pd.Series(np.where(y.isna(), np.nan, y.isin(q.scale.top_points).astype(float)), index=design.data.index)
        top_est = design.mean(top)
        mean = design.mean(code)
        row = {"item": code, "label": text, "n": int(y.notna().sum())}
        row.update({lab: float(v) for lab, v in zip(labels, props["estimate"].to_numpy())})
        row.update({"top_box": float(top_est["estimate"].iloc[0]), "top_box_se": float(top_est["se"].iloc[0]),
                    "mean": float(mean["estimate"].iloc[0]), "mean_se": float(mean["se"].iloc[0])})
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values("top_box", ascending=False, kind="stable").reset_index(drop=True)


def mean_by(design: Design, var: str, group: str, *, labels: dict | None = None) -> pd.DataFrame:
    """Mean of ``var`` (e.g. a 1-4 effect rating) within each level of ``group``, and overall."""
    by = design.by(group).mean(var)
    overall = design.mean(var)
    codes, cats = categories(design.column(group))
    y = design.column(var).to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(y)
    n = np.bincount(codes[(codes >= 0) & ok], minlength=len(cats))
    lab = labels or {}
    out = pd.DataFrame({"group": [lab.get(c, c) for c in cats], "n": n, "mean": by["estimate"].to_numpy(),
                        "se": by["se"].to_numpy(), "ci_low": by["ci_low"].to_numpy(), "ci_high": by["ci_high"].to_numpy()})
    total = pd.DataFrame({"group": ["all"], "n": [int(ok.sum())], "mean": overall["estimate"].to_numpy(),
                          "se": overall["se"].to_numpy(), "ci_low": overall["ci_low"].to_numpy(),
                          "ci_high": overall["ci_high"].to_numpy()})
    return pd.concat([out[out["n"] > 0], total], ignore_index=True)


def heat_table(design: Design, q: Question, group: str, *, lang: str = "zh",
               group_labels: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """% of respondents choosing each option of multi question ``q`` within each group
    (options x groups, plus 'all'), and the base n per group."""
    if q.type != "multi":
        raise DataError(f"heat_table: {q.code} is a {q.type} question; a multi-choice question is needed")
    codes, cats = categories(design.column(group))
    lab = group_labels or {}
    names = [str(lab.get(c, c)) for c in cats]
    block = design.data[q.columns()].to_numpy(dtype=float)
    answered = ~np.isnan(block).all(axis=1)
    base = np.bincount(codes[(codes >= 0) & answered], minlength=len(cats))
    data = {}
    for o, col in zip(q.options, q.columns()):
        by = design.by(group).mean(col)["estimate"].to_numpy()
        data[o.label.get(lang)] = list(by) + [float(design.mean(col)["estimate"].iloc[0])]
    table = pd.DataFrame(data, index=names + ["all"]).T
    keep = [nme for nme, b in zip(names, base) if b > 0] + ["all"]
    table = table[keep]
    table.index.name = "option"
    bases = pd.DataFrame({"group": keep, "n": [int(b) for b, nme in zip(base, names) if b > 0] + [int(answered.sum())]})
    return table.sort_values("all", ascending=False, kind="stable"), bases


@dataclass
class Alpha:
    alpha: float
    standardized: float
    n: int
    k: int
    items: pd.DataFrame  # item, mean, sd, item_total_r, alpha_if_deleted


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1)
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var.sum() / total_var))


def cronbach_alpha(df: pd.DataFrame, items: list[str]) -> Alpha:
    """Cronbach's alpha of a scale from its item columns (listwise complete responses).

    Also the standardised alpha ``k rbar / (1 + (k - 1) rbar)`` (mean inter-item correlation
    ``rbar``), corrected item-total correlations and alpha if the item is deleted.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(d, ["a", "b", "c"]).alpha, 4)
    0.9538
    """
    if len(items) < 2:
        raise DataError(f"cronbach_alpha: a scale needs at least two items; got {items}")
    missing = [c for c in items if c not in df.columns]
    if missing:
        raise DataError(f"cronbach_alpha: columns {', '.join(missing)} are not in the data")
    x = df[items].astype(float).dropna().to_numpy()
    n, k = x.shape
    if n < 2:
        raise DataError(f"cronbach_alpha: fewer than two complete responses on {', '.join(items)}")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        raise DataError(f"cronbach_alpha: the total score of {', '.join(items)} does not vary")
    alpha = _alpha(x)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant item has no correlation (NaN)
        corr = np.corrcoef(x, rowvar=False)
        rbar = (corr.sum() - k) / (k * (k - 1))
        std = k * rbar / (1 + (k - 1) * rbar)
    rows = []
    for j, c in enumerate(items):
        rest = np.delete(x, j, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.corrcoef(x[:, j], rest.sum(axis=1))[0, 1]
        rows.append({"item": c, "mean": float(x[:, j].mean()), "sd": float(x[:, j].std(ddof=1)),
                     "item_total_r": float(r), "alpha_if_deleted": _alpha(rest) if k > 2 else np.nan})
    return Alpha(alpha, float(std), n, k, pd.DataFrame(rows))


def scale_items(spec: Questionnaire) -> dict[str, list[str]]:
    """Item columns of every matrix question (each a candidate scale for alpha)."""
    return {q.code: q.columns() for q in spec.questions if q.type == "matrix"}
