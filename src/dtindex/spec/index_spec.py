"""The project's YAML index specification.

An :class:`IndexSpec` holds everything a build needs: framework (nested or flat
list of nodes, or a COINr table), data source, periods and base period, and
the method choices (:class:`~dtindex.spec.model.MethodSpec`). Relative paths
are resolved against the folder of the YAML file. See ``docs/spec.md``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ..errors import SpecError, check_choice
from ..periods import parse_period
from .coinr import read_framework_table
from .framework import Framework, _pydantic_message, framework_from_records, nested_to_records
from .model import MethodSpec


class DataSource(BaseModel):
    """Where the indicator data come from.

    ``layout``: ``wide`` (COINr iData: uCode, uName, Time, group and
    denominator columns, one column per indicator), ``long`` (uCode, Time,
    iCode, value) or ``workbook`` (a data-entry workbook from ``dtindex init``:
    one sheet per period or one sheet with a Time column, read with cell-level
    errors by :func:`dtindex.io.workbook.read_data_workbook`). ``unit_column``, ``name_column`` and ``time_column`` rename
    the key columns for files that do not use COINr's names.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    layout: str = "wide"
    sheet: str | int | None = None
    unit_column: str = "uCode"
    name_column: str = "uName"
    time_column: str = "Time"

    @model_validator(mode="after")
    def _check(self) -> "DataSource":
        check_choice("data", "layout", self.layout, ("wide", "long", "workbook"))
        return self


def _period_text(v: Any) -> Any:
    """Let YAML numbers stand for years (``base_period: 2021``)."""
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class PeriodsSpec(BaseModel):
    """Declared periods: data must cover exactly ``start`` .. ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: Annotated[str, BeforeValidator(_period_text)]
    end: Annotated[str, BeforeValidator(_period_text)]


class IndexSpec(BaseModel):
    """A complete, serialisable index specification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "index"
    title: str | None = None
    title_en: str | None = None
    description: str | None = None
    # shown on the report's cover and under every chart and table (dtindex report)
    source: str | None = None
    source_en: str | None = None
    unit: str | None = None
    unit_en: str | None = None
    edition: str | None = None
    synthetic: bool = False
    framework: list[dict[str, Any]] | dict[str, Any] | None = None
    framework_table: str | None = None
    groups: list[str] = Field(default_factory=list)
    denominators: list[str] = Field(default_factory=list)
    data: DataSource | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    engine: dict[str, Any] = Field(default_factory=dict)
    periods: PeriodsSpec | None = None
    base_period: Annotated[str | None, BeforeValidator(_period_text)] = None
    methods: MethodSpec = Field(default_factory=MethodSpec)

    @model_validator(mode="after")
    def _check(self) -> "IndexSpec":
        if (self.framework is None) == (self.framework_table is None):
            raise ValueError("give exactly one of 'framework' (nodes in the YAML) or 'framework_table' (a COINr iMeta file)")
        if self.base_period is not None:
            parse_period(self.base_period, where="base_period")
        if self.periods is not None:
            a = parse_period(self.periods.start, where="periods.start")
            b = parse_period(self.periods.end, where="periods.end")
            if a.freq != b.freq or b < a:
                raise ValueError(f"periods: start {a} and end {b} must have one frequency and start <= end")
        return self

    # ------------------------------------------------------------------ framework
    def build_framework(self, base_dir: Path | None = None) -> Framework:
        if self.framework_table is not None:
            path = resolve(self.framework_table, base_dir)
            fw = read_framework_table(path)
            if self.groups or self.denominators:
                fw = Framework(fw.nodes, groups=[*fw.groups, *self.groups],
                               denominators=[*fw.denominators, *self.denominators], source=fw.source)
            return fw
        tree = self.framework
        flat = isinstance(tree, list) and all(isinstance(n, dict) and "children" not in n for n in tree) and any(
            "parent" in n for n in tree
        )
        records = [dict(n) for n in tree] if flat else nested_to_records(copy.deepcopy(tree))
        if flat:
            parents = {r.get("parent") for r in records}
            for r in records:
                if "type" not in r and r.get("code") in parents:
                    r["type"] = "aggregate"  # as in the nested form: a node with children is an aggregate
        for r in records:
            if isinstance(r.get("name"), dict):
                names = r.pop("name")
                r["name"], r["name_en"] = names.get("zh"), names.get("en")
        return framework_from_records(records, groups=self.groups, denominators=self.denominators, source="spec framework")

    def with_changes(self, changes: dict[str, Any]) -> "IndexSpec":
        """A copy with dotted-path changes, e.g. ``{"methods.aggregate.method": "geometric"}``.

        Paths may omit the leading ``methods.``; keys below ``levels``,
        ``nodes`` and ``params`` are free (level numbers, node codes, method
        parameters). Only settings that were set stay set, so a per-level
        override keeps inheriting what it did not name. The result is
        validated again.
        """
        data = self.model_dump(exclude_unset=True)
        for path, value in changes.items():
            keys = path.split(".")
            if keys[0] not in IndexSpec.model_fields:
                keys = ["methods", *keys]
            _check_path(path, keys)
            node = data
            for k in keys[:-1]:
                key: Any = int(k) if k.isdigit() else k
                nxt = node.get(key)
                if not isinstance(nxt, dict):
                    nxt = node[key] = {}
                node = nxt
            last = keys[-1]
            node[int(last) if last.isdigit() else last] = value
        try:
            return IndexSpec.model_validate(data)
        except ValidationError as exc:
            raise SpecError(f"spec: {_pydantic_message(exc)}") from None


def _check_path(path: str, keys: list[str]) -> None:
    """Refuse a dotted path that names no setting, listing the settings that exist there."""
    model: Any = IndexSpec
    free = False
    for k in keys:
        if free:
            free = False
            model = _step_class(model)
            continue
        if model is None:
            return
        fields = model.model_fields
        if k not in fields:
            raise SpecError(f"cannot set {path!r}: {k!r} is not a setting; settings there are {', '.join(fields)}")
        if k in ("levels", "nodes"):
            free = True
            continue
        if k == "params":
            return
        ann = fields[k].annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else _optional_model(ann)


def _step_class(config_cls: Any) -> Any:
    """The per-level/per-node class of a Config class (NormaliseConfig -> NormaliseSpec)."""
    return config_cls.__mro__[1]


def _optional_model(ann: Any) -> Any:
    for arg in getattr(ann, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def resolve(path: str, base_dir: Path | None) -> Path:
    p = Path(path)
    return p if p.is_absolute() or base_dir is None else base_dir / p


def load_spec(path: str | Path) -> tuple[IndexSpec, Path]:
    """Read and validate a YAML spec; returns the spec and its folder."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise SpecError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise SpecError(f"{path.name}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name}: the spec must be a YAML mapping (name, framework, data, methods...)")
    try:
        spec = IndexSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{path.name}: {_pydantic_message(exc)}") from None
    return spec, path.parent


def dump_spec(spec: IndexSpec) -> str:
    """YAML text of a spec: the settings that were set (so overrides equal to a default survive)."""
    import yaml

    return yaml.safe_dump(spec.model_dump(exclude_unset=True, mode="json"), allow_unicode=True, sort_keys=False)
