"""The survey pipeline: import -> screening -> weighting -> design (used by the CLI and the demo)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .design import Design
from .imports import Responses, read_responses
from .screening import ScreeningResult, screen
from .spec import Questionnaire
from .weighting import RakeResult, _margin_list, read_margins


@dataclass
class SurveyAnalysis:
    spec: Questionnaire
    responses: Responses
    screening: ScreeningResult
    valid: pd.DataFrame
    design: Design
    raking: RakeResult | None

    @property
    def weighted(self) -> bool:
        return self.raking is not None


def margins_to_codes(margins, spec: Questionnaire) -> dict:
    """Population margins keyed by option codes: categories given as option labels (zh or en)
    or codes of a questionnaire question are translated to the codes used in the responses."""
    out = {}
    for names, totals in _margin_list(margins):
        if isinstance(totals, pd.DataFrame):
            raise DataError("margins_to_codes: give margins as {variable: {category: total}} or a margins file")
        maps = []
        for v in names:
            q = next((q for q in spec.questions if q.code == v), None)
            opts = q.choices() if q is not None else []
            maps.append({text: o.code for o in opts for text in o.label.variants() | {str(o.code)}})
        conv = {}
        for key, val in dict(totals).items():
            parts = key if isinstance(key, tuple) else (key,)
            new = tuple(m.get(str(p).strip(), p) for p, m in zip(parts, maps))
            conv[new if len(new) > 1 else new[0]] = val
        out[tuple(names) if len(names) > 1 else names[0]] = conv
    return out


def analyse(spec: Questionnaire, responses: Responses | str | Path, *, margins=None) -> SurveyAnalysis:
    """Screen the responses, rake the valid ones to ``margins`` (a margins file, or the forms
    :func:`~dtindex.survey.weighting.rake` accepts; optional) and build the design.

    Raking uses the questionnaire's ``weighting`` settings (trim bounds, maxit, epsilon); the
    design's standard errors account for the raking (R ``rake``).
    """
    if not isinstance(responses, Responses):
        responses = read_responses(responses, spec)
    result = screen(responses, spec)
    valid = responses.data[result.valid].reset_index(drop=True)
    if len(valid) < 2:
        raise DataError(f"{responses.source}: only {len(valid)} valid responses after screening; nothing to analyse")
    base = Design(valid)
    raking = None
    if margins is not None:
        if isinstance(margins, (str, Path)):
            margins = read_margins(margins)
        ws = spec.weighting
        design = base.rake(margins_to_codes(margins, spec), trim=ws.trim, maxit=ws.maxit, epsilon=ws.epsilon)
        raking = design.raking
    else:
        design = base
    return SurveyAnalysis(spec, responses, result, valid, design, raking)
