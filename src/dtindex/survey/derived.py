"""Skip logic and derived variables on the canonical response table.

Canonical columns (made by :mod:`dtindex.survey.imports`): a single-choice question ``Q`` is a
categorical column of option codes (spec order); a multi-choice question gives one 0/1 column per
option, ``Q_<code>`` (NaN = not answered); Likert questions and matrix items are numeric scale
points; numeric questions are floats; open text is text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .spec import Question, Questionnaire


def code_text(col: pd.Series) -> pd.Series:
    """Answers as text, whole numbers without '.0' (so 1, 1.0 and "1" compare equal); missing stays NA."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
    num = pd.to_numeric(col, errors="coerce")
    whole = num.notna() & (num == num.round())
    text = col.astype(str).str.strip()
    text = text.where(~whole, num.where(whole, 0).astype("int64").astype(str))
    return text.where(col.notna())


def _codes_equal(col: pd.Series, codes) -> np.ndarray:
    """Rows whose answer is one of ``codes`` (compared as text so 1 == "1")."""
    want = {str(c) for c in codes}
    return code_text(col).isin(want).to_numpy()


def answered(df: pd.DataFrame, q: Question) -> np.ndarray:
    """Rows that answered question ``q`` (any option column / item non-missing)."""
    cols = [c for c in q.columns() if c in df.columns]
    if not cols:
        raise DataError(f"responses have no column for question {q.code}")
    return df[cols].notna().any(axis=1).to_numpy()


def asked(df: pd.DataFrame, spec: Questionnaire, q: Question) -> np.ndarray:
    """Rows to whom ``q`` applies under its skip logic (all ``ask_if`` conditions hold)."""
    mask = np.ones(len(df), bool)
    for cond in q.ask_if:
        src = spec.question(cond.question)
        if cond.includes is not None:
            cols = [f"{src.code}_{c}" for c in cond.includes]
            hit = (df[cols].fillna(0).to_numpy() > 0).any(axis=1)
            mask &= hit
        else:
            col = df[src.code]
            if cond.in_ is not None:
                mask &= _codes_equal(col, cond.in_)
            else:
                mask &= col.notna().to_numpy() & ~_codes_equal(col, cond.not_in)
        mask &= asked(df, spec, src)
    return mask


def add_derived(df: pd.DataFrame, spec: Questionnaire) -> pd.DataFrame:
    """Append the spec's derived variables (in order; later ones may use earlier ones).

    * ``count``: number of options chosen in a multi question (NaN if unanswered);
    * ``recode``: group label of a single question's code (categorical, mapping order);
    * ``score``: mean of the listed Likert questions / matrix items (``min_answered`` needed);
    * ``top_box``: 1 if the Likert answer is in the scale's top box, 0 otherwise.
    """
    out = df.copy()
    for d in spec.derived:
        sources = [d.source] if isinstance(d.source, str) else list(d.source)
        if d.kind == "count":
            q = spec.question(sources[0])
            if q.type != "multi":
                raise DataError(f"derived {d.code}: count needs a multi question; {q.code} is {q.type}")
            block = out[q.columns()]
            out[d.code] = block.sum(axis=1, min_count=1)
        elif d.kind == "recode":
            col = out[sources[0]]
            res = pd.Series(pd.NA, index=out.index, dtype=object)
            covered = np.zeros(len(out), bool)
            for group, codes in d.mapping.items():  # type: ignore[union-attr]
                hit = _codes_equal(col, codes)
                res[hit] = group
                covered |= hit
            left = col.notna().to_numpy() & ~covered
            if left.any():
                vals = sorted({str(v) for v in col[left]})
                raise DataError(f"derived {d.code}: codes {', '.join(vals)} of {sources[0]} are in no recode group")
            out[d.code] = pd.Categorical(res, categories=list(d.mapping))  # type: ignore[arg-type]
        elif d.kind == "score":
            cols = []
            for s in sources:
                cols += spec.question(s).columns() if s in [q.code for q in spec.questions] else [s]
            block = out[cols].astype(float)
            n_ok = block.notna().sum(axis=1)
            need = d.min_answered if d.min_answered is not None else len(cols)
            out[d.code] = block.mean(axis=1).where(n_ok >= need)
        else:  # top_box
            src = sources[0]
            q = next((q for q in spec.questions if q.code == src or src in [i.code for i in q.items]), None)
            if q is None or q.scale is None:
                raise DataError(f"derived {d.code}: top_box needs a Likert question or matrix item; {src} is neither")
            vals = out[src].astype(float)
            out[d.code] = vals.isin(q.scale.top_points).astype(float).where(vals.notna())
    return out
