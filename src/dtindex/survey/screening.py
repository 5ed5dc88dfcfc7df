"""Validity screening with a declared rule set, a screening log and a funnel.

Rules (declared in the questionnaire's ``screening`` list, applied in that order):

* ``min_duration``: completion time below ``seconds`` (or missing);
* ``attention``: the answer to an attention-check ``question`` is not in ``expect``
  (for a multi question: the set of chosen options differs from ``expect``);
* ``straightlining``: every answered item of a matrix ``question`` has the same point
  (at least ``min_items`` answered, default all items);
* ``duplicate``: the same values in ``columns`` (e.g. respondent id, IP) as an earlier response that
  is still valid (so a valid resubmission after a rejected attempt is kept);
* ``required``: a required question that applies under the skip logic is unanswered, or a multi
  question has fewer than ``min_choices`` options chosen;
* ``quota``: the answer to ``question`` is outside ``allowed`` (out of the sampling frame), or
  the response comes after its cell's quota ``limits`` were filled by earlier valid responses
  (order: submission time, then file order).

The funnel counts, per rule, the responses it flags and those it removes (flagged and not already
removed by an earlier rule): received -> ... -> valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .derived import answered, asked, code_text
from .imports import Responses
from .spec import Questionnaire, Rule


@dataclass
class ScreeningResult:
    flags: pd.DataFrame  # one boolean column per rule
    log: pd.DataFrame  # source_row, respondent_id, step, rule, detail, removed
    funnel: pd.DataFrame  # step, rule, flagged, removed, remaining
    valid: np.ndarray

    @property
    def n_received(self) -> int:
        return len(self.valid)

    @property
    def n_valid(self) -> int:
        return int(self.valid.sum())


def _text(values) -> np.ndarray:
    """Values as an object array of str ('' for missing), so ``+`` concatenates elementwise."""
    s = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return s.where(s.notna(), "").astype(str).to_numpy(dtype=object)


def _rule_min_duration(df, rule: Rule, spec, valid):
    d = df["duration_s"].to_numpy(dtype=float)
    flag = np.isnan(d) | (d < rule.seconds)
    shown = _text(np.char.mod("%.1f", np.nan_to_num(d)))
    detail = np.where(np.isnan(d), "duration missing", shown + f"s < {rule.seconds:g}s")
    return flag, detail


def _rule_attention(df, rule: Rule, spec: Questionnaire, valid):
    q = spec.question(rule.question)
    want = {str(c) for c in rule.expect}
    if q.type == "multi":
        block = df[q.columns()].to_numpy(dtype=float)
        expected = np.array([str(o.code) in want for o in q.options])
        chosen = np.nan_to_num(block) > 0
        flag = np.isnan(block).all(axis=1) | (chosen != expected[None, :]).any(axis=1)
        detail = np.where(flag, f"{q.code}: chosen options differ from {sorted(want)}", "")
        return flag, detail
    cols = q.columns()
    ans = code_text(df[cols[0]])
    flag = ~ans.isin(want).to_numpy()
    detail = np.where(ans.isna(), f"{q.code}: no answer", f"{q.code} = " + _text(ans) + f", expected {'/'.join(sorted(want))}")
    return flag, detail


def _rule_straightlining(df, rule: Rule, spec: Questionnaire, valid):
    q = spec.question(rule.question)
    block = df[q.columns()].to_numpy(dtype=float)
    n_ok = (~np.isnan(block)).sum(axis=1)
    need = rule.min_items if rule.min_items is not None else block.shape[1]
    hi = np.where(np.isnan(block), -np.inf, block).max(axis=1)
    lo = np.where(np.isnan(block), np.inf, block).min(axis=1)
    flag = (hi == lo) & (n_ok >= max(need, 1))
    detail = np.where(flag, f"{q.code}: " + _text(n_ok) + " items all = " + _text(np.char.mod("%g", np.where(flag, hi, 0))), "")
    return flag, detail


def _rule_duplicate(df, rule: Rule, spec, valid):
    missing_cols = [c for c in rule.columns if c not in df.columns]
    if missing_cols:
        raise DataError(f"screening rule duplicate: columns {', '.join(missing_cols)} are not in the responses; "
                        f"available: {', '.join(map(str, df.columns))}")
    keys = df[rule.columns]
    complete = (keys.notna().all(axis=1) & (keys.astype(str) != "").all(axis=1)).to_numpy()
    use = complete & valid  # duplicates among the responses still valid: the first one is kept
    sub = keys[use].astype(str)
    dup_sub = sub.duplicated(keep="first").to_numpy()
    first_sub = df["source_row"][use].groupby([sub[c] for c in rule.columns]).transform("first").to_numpy()
    dup = np.zeros(len(df), bool)
    first = np.zeros(len(df), dtype=np.int64)
    dup[np.flatnonzero(use)] = dup_sub
    first[np.flatnonzero(use)] = first_sub
    detail = np.where(dup, "same " + "+".join(rule.columns) + " as row " + _text(first), "")
    return dup, detail


def _rule_required(df, rule: Rule, spec: Questionnaire, valid):
    n = len(df)
    flag = np.zeros(n, bool)
    detail = np.full(len(df), "", dtype=object)
    for q in spec.questions:
        if not q.required:
            continue
        miss = asked(df, spec, q) & ~answered(df, q)
        if q.type == "multi" and q.min_choices:
            count = df[q.columns()].sum(axis=1, min_count=1).to_numpy()
            miss |= ~np.isnan(count) & (count < q.min_choices)
        if q.type == "matrix":
            miss |= asked(df, spec, q) & df[q.columns()].isna().any(axis=1).to_numpy()
        flag |= miss
        detail = np.where(miss, detail + np.where(detail == "", "", " ") + q.code, detail)
    return flag, np.where(flag, "unanswered: " + detail, "")


def _rule_quota(df, rule: Rule, spec: Questionnaire, valid):
    q = spec.question(rule.question)
    ans = code_text(df[q.columns()[0]])
    flag = np.zeros(len(df), bool)
    detail = np.full(len(df), "", dtype=object)
    if rule.allowed is not None:
        out = ~ans.isin({str(c) for c in rule.allowed}).to_numpy()
        flag |= out
        detail = np.where(out, f"{q.code} = " + _text(ans.fillna("no answer")) + " is outside the frame", detail)
    if rule.limits is not None:
        order = df[["submitted_at", "source_row"]].copy()
        order["ok"] = valid & ~flag
        ranked = order[order["ok"]].sort_values(["submitted_at", "source_row"], na_position="last")
        cell = ans[ranked.index]
        rank = cell.groupby(cell).cumcount()
        limits = cell.map({str(k): v for k, v in rule.limits.items()})
        over = (limits.notna() & (rank >= limits)).reindex(df.index, fill_value=False).to_numpy()
        flag |= over
        detail = np.where(over, f"{q.code} = " + _text(ans) + " quota already filled", detail)
    return flag, detail


_RULES = {"min_duration": _rule_min_duration, "attention": _rule_attention, "straightlining": _rule_straightlining,
          "duplicate": _rule_duplicate, "required": _rule_required, "quota": _rule_quota}


def screen(responses: Responses | pd.DataFrame, spec: Questionnaire | None = None,
           rules: list[Rule] | None = None) -> ScreeningResult:
    """Apply the screening rules in order; see the module docstring."""
    if isinstance(responses, Responses):
        df, spec = responses.data, spec or responses.spec
        extra = responses.extra.reset_index(drop=True)
        extra = extra[[c for c in extra.columns if c not in df.columns]]
        if len(extra.columns):
            # export columns not used by any question (IP address, channel...) can be duplicate keys
            df = pd.concat([df.reset_index(drop=True), extra.set_axis(range(len(extra)))], axis=1)
    else:
        df = responses
    if spec is None:
        raise DataError("screen: a questionnaire is needed")
    rules = list(spec.screening if rules is None else rules)
    for col in ("source_row", "respondent_id", "duration_s", "submitted_at"):
        if col not in df.columns:
            raise DataError(f"screen: responses need the column {col!r} (made by read_responses)")
    n = len(df)
    valid = np.ones(n, bool)
    flags, logs, steps = {}, [], [{"step": 0, "rule": "received", "flagged": n, "removed": 0, "remaining": n}]
    names = [r.name for r in rules]
    dups = sorted({x for x in names if names.count(x) > 1})
    if dups:
        raise DataError(f"screen: rule names {', '.join(dups)} are repeated; give each a label")
    for i, rule in enumerate(rules, start=1):
        flag, detail = _RULES[rule.rule](df, rule, spec, valid)
        flag = np.asarray(flag, bool)
        removed = flag & valid
        valid = valid & ~flag
        flags[rule.name] = flag
        hit = np.flatnonzero(flag)
        logs.append(pd.DataFrame({"source_row": df["source_row"].to_numpy()[hit],
                                  "respondent_id": df["respondent_id"].to_numpy()[hit],
                                  "step": i, "rule": rule.name, "detail": np.asarray(detail, dtype=object)[hit],
                                  "removed": removed[hit]}))
        steps.append({"step": i, "rule": rule.name, "flagged": int(flag.sum()), "removed": int(removed.sum()),
                      "remaining": int(valid.sum())})
    steps.append({"step": len(rules) + 1, "rule": "valid", "flagged": int(valid.sum()), "removed": 0,
                  "remaining": int(valid.sum())})
    funnel = pd.DataFrame(steps)
    funnel["share_of_received"] = funnel["remaining"] / n if n else np.nan
    log = (pd.concat(logs, ignore_index=True) if logs else
           pd.DataFrame(columns=["source_row", "respondent_id", "step", "rule", "detail", "removed"]))
    log = log.sort_values(["source_row", "step"], kind="stable").reset_index(drop=True)
    return ScreeningResult(pd.DataFrame(flags, index=df.index), log, funnel, valid)
