"""Questionnaire specification (pydantic, stored as YAML).

A questionnaire lists questions (codes, zh/en text, type, options, "other (please specify)", skip
logic), derived variables, the import layout of the survey platform, screening rules, weighting
variables and the report cuts. ``load_questionnaire("spec.yaml")`` validates everything once and
names the offending question and field on error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import SpecError

QUESTION_TYPES = ("single", "multi", "likert", "matrix", "numeric", "text")
DERIVED_KINDS = ("count", "recode", "score", "top_box")
RULES = ("min_duration", "attention", "straightlining", "duplicate", "required", "quota")
Code = int | str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Model):
    """Bilingual text; a plain string in YAML sets both languages."""

    zh: str | None = None
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"zh": v, "en": v}
        return v

    @model_validator(mode="after")
    def _one(self) -> Text:
        if not self.zh and not self.en:
            raise ValueError("text needs zh or en")
        return self

    def get(self, lang: str = "zh") -> str:
        return (self.zh or self.en) if lang == "zh" else (self.en or self.zh)  # type: ignore[return-value]

    def variants(self) -> set[str]:
        return {t.strip() for t in (self.zh, self.en) if t}


class Option(_Model):
    code: Code
    label: Text
    other: bool = False  # "other (please specify)": the cell may carry free text
    exclusive: bool = False  # e.g. "none of the above" in a multi-choice question
    column: str | None = None  # export header of this option's 0/1 column, if not derivable


class Item(_Model):
    """One row of a matrix (Likert grid)."""

    code: str
    text: Text
    column: str | None = None


class Scale(_Model):
    """A rating scale: integer points ``min..max`` with labels; ``top`` = points of the top box."""

    min: int = 1
    max: int = 5
    labels: list[Text] = Field(default_factory=list)
    top: list[int] | None = None

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must exceed min ({self.min})")
        if self.labels and len(self.labels) != self.max - self.min + 1:
            raise ValueError(f"scale {self.min}..{self.max} needs {self.max - self.min + 1} labels, got {len(self.labels)}")
        if self.top is not None and any(t < self.min or t > self.max for t in self.top):
            raise ValueError(f"top-box points {self.top} are outside {self.min}..{self.max}")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    @property
    def top_points(self) -> list[int]:
        return self.top if self.top is not None else self.points[-2:]

    def options(self) -> list[Option]:
        labels = self.labels or [Text(zh=str(p), en=str(p)) for p in self.points]
        return [Option(code=p, label=lab) for p, lab in zip(self.points, labels)]


class Condition(_Model):
    """Skip logic: the question is asked when the earlier answer is (not) among the codes, or a
    multi-choice question includes one of them."""

    question: str
    in_: list[Code] | None = Field(default=None, alias="in")
    not_in: list[Code] | None = None
    includes: list[Code] | None = None

    @model_validator(mode="after")
    def _one(self) -> Condition:
        if sum(x is not None for x in (self.in_, self.not_in, self.includes)) != 1:
            raise ValueError(f"condition on {self.question} needs exactly one of in, not_in, includes")
        return self


class Question(_Model):
    code: str
    text: Text
    type: Literal["single", "multi", "likert", "matrix", "numeric", "text"]
    options: list[Option] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    scale: Scale | None = None
    column: str | None = None  # export header (or header prefix) of the question
    required: bool = True
    ask_if: list[Condition] = Field(default_factory=list)
    min_choices: int | None = None
    max_choices: int | None = None
    min: float | None = None
    max: float | None = None
    separator: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not v or not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"question code {v!r} must be letters, digits, _ or -")
        return v

    @model_validator(mode="after")
    def _check(self) -> Question:
        t = self.type
        if t in ("single", "multi") and len(self.options) < 2:
            raise ValueError(f"{t} question {self.code} needs at least two options")
        if t in ("likert", "matrix") and self.scale is None:
            raise ValueError(f"{t} question {self.code} needs a scale")
        if t == "matrix" and len(self.items) < 2:
            raise ValueError(f"matrix question {self.code} needs at least two items")
        if t not in ("single", "multi") and self.options:
            raise ValueError(f"{t} question {self.code} cannot have options (a likert scale makes its own)")
        codes = [str(o.code) for o in self.options]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"question {self.code}: option codes {', '.join(dup)} are repeated")
        items = [i.code for i in self.items]
        dup = sorted({c for c in items if items.count(c) > 1})
        if dup:
            raise ValueError(f"question {self.code}: item codes {', '.join(dup)} are repeated")
        if t != "multi" and (self.min_choices is not None or self.max_choices is not None):
            raise ValueError(f"question {self.code}: min_choices/max_choices only apply to multi questions")
        return self

    def choices(self) -> list[Option]:
        """Answer options: declared options, or the scale points of a Likert question."""
        if self.type in ("likert", "matrix"):
            return self.scale.options()  # type: ignore[union-attr]
        return list(self.options)

    def columns(self) -> list[str]:
        """Canonical column names this question produces in the response table."""
        if self.type == "multi":
            return [f"{self.code}_{o.code}" for o in self.options]
        if self.type == "matrix":
            return [i.code for i in self.items]
        return [self.code]


class Derived(_Model):
    """Derived variable: ``count`` of options chosen in a multi question, ``recode`` of a single
    question's codes into groups, ``score`` (mean of matrix items or Likert questions),
    ``top_box`` (1 if a Likert answer is in the scale's top box)."""

    code: str
    text: Text
    kind: Literal["count", "recode", "score", "top_box"]
    source: str | list[str]
    mapping: dict[str, list[Code]] | None = None
    labels: dict[str, Text] = Field(default_factory=dict)  # recode group -> zh/en label shown in reports
    min_answered: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Derived:
        if self.kind == "recode" and not self.mapping:
            raise ValueError(f"derived {self.code}: recode needs a mapping {{group: [codes]}}")
        unknown = sorted(set(self.labels) - set(self.mapping or {}))
        if unknown:
            raise ValueError(f"derived {self.code}: labels name groups {', '.join(unknown)} that are not in the mapping")
        return self


class Rule(_Model):
    """A screening rule; fields used depend on the rule (see docs/survey.md)."""

    rule: Literal["min_duration", "attention", "straightlining", "duplicate", "required", "quota"]
    seconds: float | None = None
    question: str | None = None
    expect: list[Code] | None = None
    columns: list[str] | None = None
    min_items: int | None = None
    allowed: list[Code] | None = None
    limits: dict[str, int] | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Rule:
        need = {"min_duration": ("seconds",), "attention": ("question", "expect"), "straightlining": ("question",),
                "duplicate": ("columns",), "required": (), "quota": ("question",)}[self.rule]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"screening rule {self.rule} needs {', '.join(missing)}")
        if self.rule == "quota" and self.allowed is None and self.limits is None:
            raise ValueError("screening rule quota needs allowed (codes in the frame) or limits ({code: max})")
        return self

    @property
    def name(self) -> str:
        return self.label or (f"{self.rule}:{self.question}" if self.question else self.rule)


class ImportSpec(_Model):
    """Layout of platform exports: meta columns (first match wins) and cell conventions."""

    id_columns: list[str] = Field(default_factory=lambda: ["respondent_id", "序号", "答卷编号", "编号", "id"])
    duration_columns: list[str] = Field(default_factory=lambda: ["duration", "所用时间", "答题时长", "用时"])
    submitted_columns: list[str] = Field(default_factory=lambda: ["submitted", "提交答卷时间", "提交时间", "答题时间"])
    separators: list[str] = Field(default_factory=lambda: ["┋", "|", "；", ";"])
    missing: list[str] = Field(default_factory=lambda: ["", "(跳过)", "（跳过）", "(空)", "（空）", "-3", "-2"])


class WeightingSpec(_Model):
    """Raking variables (question or derived codes) and options."""

    variables: list[str] = Field(default_factory=list)
    source: Text | None = None  # where the population margins come from (printed under the tables)
    trim: tuple[float, float] | None = None
    maxit: int = 50
    epsilon: float = 1e-6


class SmallBase(_Model):
    """Small-base rule: results resting on fewer than ``flag_below`` unweighted responses are
    marked "样本量较小，仅供参考"; below ``suppress_below`` they are not reported (shown as —).
    Set both to 0 to switch the rule off."""

    flag_below: int = Field(30, ge=0)
    suppress_below: int = Field(10, ge=0)

    @model_validator(mode="after")
    def _check(self) -> SmallBase:
        if self.suppress_below > self.flag_below:
            raise ValueError(f"small_base: suppress_below ({self.suppress_below}) must not exceed "
                             f"flag_below ({self.flag_below})")
        return self


class ProvinceMap(_Model):
    """A province map of the share choosing ``codes`` of single-choice ``question``."""

    question: str
    codes: list[Code]


class Indicator(_Model):
    """A headline share: respondents answering ``codes`` to ``question``; ``label`` completes the
    sentence "x% ..." in generated findings; ``leaders`` names the leading groups 头雁."""

    question: str
    codes: list[Code]
    label: Text
    leaders: bool = False


class ReportSpec(_Model):
    """Report cuts: ``groups`` for by-group tables, ``heat`` pairs (multi question x group),
    ``means`` (score variables x group) and ``tests`` (single question x group: matrix cross-tab
    with column-proportion letters and the Rao-Scott test); ``ci_method`` of proportions
    (``logit``, ``wilson`` or ``beta``); the ``small_base`` rule; ``province`` (the variable whose
    option labels are province names, drawn as a map) and ``maps`` (indicators by province)."""

    groups: list[str] = Field(default_factory=list)
    heat: list[tuple[str, str]] = Field(default_factory=list)
    means: list[tuple[str, str]] = Field(default_factory=list)
    tests: list[tuple[str, str]] = Field(default_factory=list)
    confidence: float = 0.95
    ci_method: Literal["logit", "wilson", "beta"] = "logit"
    small_base: SmallBase = Field(default_factory=SmallBase)
    alpha: float = Field(0.05, gt=0, lt=1)
    province: str | None = None
    maps: list[ProvinceMap] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)


class Questionnaire(_Model):
    code: str
    title: Text
    synthetic: bool = False
    population: float | None = None
    questions: list[Question]
    derived: list[Derived] = Field(default_factory=list)
    import_: ImportSpec = Field(default_factory=ImportSpec, alias="import")
    screening: list[Rule] = Field(default_factory=list)
    weighting: WeightingSpec = Field(default_factory=WeightingSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)

    @model_validator(mode="after")
    def _refs(self) -> Questionnaire:
        codes = [q.code for q in self.questions]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"question codes {', '.join(dup)} are repeated")
        by = {q.code: q for q in self.questions}
        seen: set[str] = set()
        for q in self.questions:
            for cond in q.ask_if:
                if cond.question not in by:
                    raise ValueError(f"question {q.code}: ask_if refers to unknown question {cond.question}")
                if cond.question not in seen:
                    raise ValueError(f"question {q.code}: ask_if refers to {cond.question}, which comes later")
                src = by[cond.question]
                valid = {str(o.code) for o in src.choices()}
                given = cond.in_ or cond.not_in or cond.includes or []
                bad = [str(c) for c in given if str(c) not in valid]
                if bad:
                    raise ValueError(f"question {q.code}: ask_if codes {', '.join(bad)} are not options of {src.code}")
                if cond.includes is not None and src.type != "multi":
                    raise ValueError(f"question {q.code}: 'includes' needs a multi question; {src.code} is {src.type}")
            seen.add(q.code)
        names = set(by) | {c for q in self.questions for c in q.columns()}
        for d in self.derived:
            for s in ([d.source] if isinstance(d.source, str) else d.source):
                if s not in names:
                    raise ValueError(f"derived {d.code}: source {s} is not a question or item")
            names.add(d.code)
        for r in self.screening:
            if r.question and r.question not in by:
                raise ValueError(f"screening rule {r.rule}: unknown question {r.question}")
            if r.rule == "straightlining" and by[r.question].type != "matrix":  # type: ignore[index]
                raise ValueError(f"screening rule straightlining needs a matrix question; {r.question} is not one")
        for v in self.weighting.variables + self.report.groups:
            if v not in names:
                raise ValueError(f"weighting/report variable {v} is not a question or derived variable")
        if self.report.province is not None and self.report.province not in by:
            raise ValueError(f"report province: {self.report.province} is not a question")
        for m in self.report.maps:
            if self.report.province is None:
                raise ValueError("report maps need report.province (the question holding the province)")
        for m in [*self.report.maps, *self.report.indicators]:
            if m.question not in by or by[m.question].type not in ("single", "likert"):
                raise ValueError(f"report map/indicator: {m.question} is not a single-choice or Likert question")
            valid = {str(o.code) for o in by[m.question].choices()}
            bad = [str(c) for c in m.codes if str(c) not in valid]
            if bad:
                raise ValueError(f"report map/indicator: codes {', '.join(bad)} are not options of {m.question}")
        for a, b in self.report.heat + self.report.means + self.report.tests:
            for v in (a, b):
                if v not in names:
                    raise ValueError(f"report pair ({a}, {b}): {v} is not a question or derived variable")
        return self

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise SpecError(f"questionnaire {self.code}: no question {code!r}; questions are "
                        f"{', '.join(q.code for q in self.questions)}")

    def derived_var(self, code: str) -> Derived | None:
        return next((d for d in self.derived if d.code == code), None)

    def label(self, var: str, lang: str = "zh") -> str:
        """Question or derived-variable text."""
        for q in self.questions:
            if q.code == var:
                return q.text.get(lang)
            for it in q.items:
                if it.code == var:
                    return it.text.get(lang)
        d = self.derived_var(var)
        if d is None and " x " in var:  # a joint raking margin, e.g. "A2 x A1"
            return " × ".join(self.label(v.strip(), lang) for v in var.split(" x "))
        return d.text.get(lang) if d else var

    def value_labels(self, var: str, lang: str = "zh") -> dict:
        """Code -> label for a single/likert question or a recoded variable."""
        for q in self.questions:
            if q.code == var or var in [i.code for i in q.items]:
                return {o.code: o.label.get(lang) for o in q.choices()}
        d = self.derived_var(var)
        if d is not None and d.kind == "recode":
            return {k: (d.labels[k].get(lang) if k in d.labels else k) for k in d.mapping}  # type: ignore[union-attr]
        if d is None and " x " in var:  # a joint raking margin: cells "1 x 2" -> "15-24岁 × 女"
            parts = [self.value_labels(v.strip(), lang) for v in var.split(" x ")]
            if all(parts):
                cells = [("", "")]
                for part in parts:
                    cells = [(f"{k} x {c}" if k else str(c), f"{t} × {lab}" if t else lab)
                             for k, t in cells for c, lab in part.items()]
                return dict(cells)
        return {}


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire YAML file."""
    path = Path(path)
    if not path.exists():
        raise SpecError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"{path.name}: not valid YAML: {exc}") from None
    return parse_questionnaire(raw, source=path.name)


def parse_questionnaire(raw: Any, source: str = "questionnaire") -> Questionnaire:
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: expected a mapping with code, title and questions")
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        qs = raw.get("questions") or []
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int) and loc[1] < len(qs):
            q = qs[loc[1]]
            if isinstance(q, dict) and q.get("code"):
                where = f"question {q['code']} ({where})"
        msg = err["msg"].removeprefix("Value error, ")
        raise SpecError(f"{source}: {where}: {msg}" if where else f"{source}: {msg}") from None


def dump_questionnaire(q: Questionnaire) -> str:
    """YAML text of a questionnaire (round-trips through :func:`parse_questionnaire`)."""
    data = q.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
