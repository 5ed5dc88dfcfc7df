"""Tests of dtindex.spec.index_spec (IndexSpec, load_spec, dump_spec, with_changes) and spec.model."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dtindex.errors import SpecError
from dtindex.pipeline.resolve import resolve_aggregate, resolve_normalise
from dtindex.spec.index_spec import DataSource, IndexSpec, dump_spec, load_spec
from dtindex.spec.model import (
    AGGREGATE_METHODS, IMPUTE_METHODS, MISSING_POLICIES, NONPOSITIVE_POLICIES, NORMALISE_METHODS, SCOPES,
    TIE_RULES, TREAT_METHODS, WEIGHT_METHODS, AggregateConfig, AggregateSpec, ImputeSpec, MethodSpec,
    NormaliseSpec, RankSpec, RollupSpec, TreatSpec, WeightsSpec,
)

EXAMPLE = resources.files("dtindex") / "examples" / "dti-mini"

FW_YAML = """\
framework:
  code: T
  children:
    - {code: a}
    - {code: b}
"""
SMALL_FW = {"code": "T", "children": [{"code": "a"}, {"code": "b"}]}


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecError) as e:
        load_spec(write_spec(tmp_path, text))
    return str(e.value)


def fw_dump(fw):
    return [n.model_dump() for n in fw], fw.groups, fw.denominators


# --------------------------------------------------------------------------- shipped example


def test_load_shipped_example():
    spec, base = load_spec(EXAMPLE / "spec.yaml")
    assert base == Path(str(EXAMPLE))
    assert spec.name == "dti-mini"
    assert spec.base_period == "2021Q1"
    assert (spec.periods.start, spec.periods.end) == ("2021Q1", "2023Q1")
    assert spec.data.path == "data.csv" and spec.data.layout == "wide"
    assert spec.methods.normalise.method == "base_share"
    assert spec.methods.normalise.params == {"scale": 100}
    assert spec.methods.weights.method == "expert"
    fw = spec.build_framework(base)
    assert fw.root == "DTI" and fw.max_level == 3
    assert fw.indicators == ("cloud", "ai", "devops", "meeting", "docs", "payment", "ecommerce", "ticketing")
    assert fw.groups == ("province", "tier")
    # names given as {zh, en}
    assert (fw["infra"].name, fw["infra"].name_en) == ("基础设施", "Infrastructure")
    assert fw["DTI"].label("en") == "Digital Transformation Index"


# --------------------------------------------------------------------------- framework forms


NESTED_YAML = """\
framework:
  code: T
  name: {zh: 总指数, en: Total}
  children:
    - code: P
      name: {zh: 平台, en: Platform}
      weight: 2
      children:
        - {code: p1, name: {zh: 甲, en: Alpha}, direction: -1}
        - {code: p2, name: 乙}
    - {code: z, name_en: Zed, weight: 0.5}
"""

FLAT_YAML = """\
framework:
  - {code: T, type: aggregate, name: {zh: 总指数, en: Total}}
  - {code: P, type: aggregate, parent: T, name: {zh: 平台, en: Platform}, weight: 2}
  - {code: p1, parent: P, name: {zh: 甲, en: Alpha}, direction: -1}
  - {code: p2, parent: P, name: 乙}
  - {code: z, parent: T, name_en: Zed, weight: 0.5}
"""


def test_nested_and_flat_forms_give_the_same_framework(tmp_path):
    nested, base = load_spec(write_spec(tmp_path, NESTED_YAML, "n.yaml"))
    flat, _ = load_spec(write_spec(tmp_path, FLAT_YAML, "f.yaml"))
    a, b = nested.build_framework(base), flat.build_framework(base)
    assert fw_dump(a) == fw_dump(b)
    assert [(n.code, n.name, n.name_en, n.level) for n in a] == [
        ("T", "总指数", "Total", 3), ("P", "平台", "Platform", 2), ("p1", "甲", "Alpha", 1),
        ("p2", "乙", None, 1), ("z", None, "Zed", 1)]
    assert a["p1"].direction == -1 and a["P"].weight == 2.0 and a["z"].weight == 0.5


def test_build_framework_does_not_modify_the_spec():
    spec = IndexSpec(framework={"code": "T", "name": {"zh": "总", "en": "Total"}, "children": [{"code": "a"}]})
    spec.build_framework()
    spec.build_framework()
    assert spec.framework == {"code": "T", "name": {"zh": "总", "en": "Total"}, "children": [{"code": "a"}]}


def test_spec_framework_errors_name_the_spec():
    spec = IndexSpec(framework=[{"code": "T", "type": "aggregate"}, {"code": "a", "parent": "X"}])
    with pytest.raises(SpecError, match=r"^spec framework: unknown parent codes \(a -> parent 'X'\)"):
        spec.build_framework()


def test_framework_table_relative_to_spec_folder(tmp_path):
    (tmp_path / "meta.csv").write_text(
        "iCode,iName,Parent,Level,Weight,Direction,Type\n"
        "T,Total,,2,1,1,Aggregate\na,A,T,1,1,1,Indicator\nb,B,T,1,1,-1,Indicator\nprov,Province,,,,,Group\n",
        encoding="utf-8")
    spec, base = load_spec(write_spec(tmp_path, "framework_table: meta.csv\ngroups: [tier]\ndenominators: [pop]\n"))
    fw = spec.build_framework(base)
    assert fw.codes == ("T", "a", "b") and fw["b"].direction == -1
    assert fw.groups == ("prov", "tier") and fw.denominators == ("pop",)
    assert fw.source == "meta.csv"


# --------------------------------------------------------------------------- load_spec errors


def test_invalid_yaml_names_line_and_column(tmp_path):
    text = FW_YAML + "methods:\n  normalise:\n    method: minmax\n   params: {}\n"
    msg = load_error(tmp_path, text)
    # the mis-indented 'params' is on line 9
    assert msg.startswith("spec.yaml line 9 column 4: invalid YAML: ")
    assert "expected <block end>" in msg


def test_unclosed_flow_mapping(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "methods:\n  normalise: {method: minmax\n")
    assert msg.startswith("spec.yaml line 8 column 1: invalid YAML: expected ',' or '}'")


def test_unknown_top_level_key(tmp_path):
    assert load_error(tmp_path, FW_YAML + "colour: red\n") == "spec.yaml: colour: Extra inputs are not permitted (got 'red')"


def test_unknown_method_key(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "methods:\n  normalize: {method: zscore}\n")
    assert msg == "spec.yaml: methods.normalize: Extra inputs are not permitted (got {'method': 'zscore'})"


def test_both_framework_forms_refused(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "framework_table: meta.csv\n")
    assert msg == ("spec.yaml: Value error, give exactly one of 'framework' (nodes in the YAML) or "
                   "'framework_table' (a COINr iMeta file)")


def test_no_framework_refused(tmp_path):
    assert "give exactly one of 'framework'" in load_error(tmp_path, "name: x\n")


def test_bad_base_period(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "base_period: 2021Q5\n")
    assert msg == ("spec.yaml: Value error, base_period: period '2021Q5' is not a recognised period; "
                   "expected a year (2021), a quarter (2021Q1) or a month (2021-03)")


def test_bad_periods(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "periods: {start: 2021Q3, end: 2021Q1}\n")
    assert msg == "spec.yaml: Value error, periods: start 2021Q3 and end 2021Q1 must have one frequency and start <= end"
    msg = load_error(tmp_path, FW_YAML + "periods: {start: 2021Q1, end: 2021-06}\n")
    assert "must have one frequency" in msg
    msg = load_error(tmp_path, FW_YAML + "periods: {start: 2021Q1, end: 2021Q13}\n")
    assert "periods.end: period '2021Q13' is not a recognised period" in msg


def test_bad_method_value_uses_the_one_template(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "methods:\n  normalise: {method: minmax, scope: yearly}\n")
    assert ("methods.normalise: Value error, The 'scope' parameter of normalise must be one of 'per_period', "
            "'pooled', 'base_period'; got 'yearly'.") in msg
    assert msg.startswith("spec.yaml: ")


def test_bad_layout(tmp_path):
    msg = load_error(tmp_path, FW_YAML + "data: {path: d.csv, layout: tall}\n")
    assert "data: Value error, The 'layout' parameter of data must be one of 'wide', 'long', 'workbook'; got 'tall'." in msg


def test_not_a_mapping_and_missing_file(tmp_path):
    assert load_error(tmp_path, "- a\n- b\n") == (
        "spec.yaml: the spec must be a YAML mapping (name, framework, data, methods...)")
    assert load_error(tmp_path, "") == "spec.yaml: the spec must be a YAML mapping (name, framework, data, methods...)"
    with pytest.raises(SpecError, match=r"nope\.yaml: file not found$"):
        load_spec(tmp_path / "nope.yaml")


def test_bom_accepted(tmp_path):
    p = tmp_path / "spec.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + FW_YAML.encode("utf-8"))
    spec, _ = load_spec(p)
    assert spec.build_framework().codes == ("T", "a", "b")


def test_yearly_periods_as_yaml_numbers(tmp_path):
    # YAML reads 2021 as a number; for yearly panels it stands for the year
    spec, _ = load_spec(write_spec(tmp_path, FW_YAML + "base_period: 2021\nperiods: {start: 2019, end: 2021}\n"))
    assert spec.base_period == "2021"
    assert (spec.periods.start, spec.periods.end) == ("2019", "2021")
    msg = load_error(tmp_path, FW_YAML + "base_period: 2021\nperiods: {start: 2022, end: 2021}\n")
    assert msg == "spec.yaml: Value error, periods: start 2022 and end 2021 must have one frequency and start <= end"


# --------------------------------------------------------------------------- with_changes


def test_with_changes_dotted_paths():
    spec = IndexSpec(framework=SMALL_FW)
    s2 = spec.with_changes({"normalise.method": "zscore", "methods.aggregate.method": "geometric",
                            "normalise.levels.1.scope": "per_period", "aggregate.nodes.T.missing": "propagate",
                            "normalise.params.sd": 2, "base_period": "2021Q1", "data.path": "x.csv"})
    m = s2.methods
    assert m.normalise.method == "zscore" and m.normalise.params == {"sd": 2}
    assert m.aggregate.method == "geometric"
    assert m.normalise.levels[1] == NormaliseSpec(scope="per_period")
    assert m.aggregate.nodes["T"].missing == "propagate"
    assert s2.base_period == "2021Q1" and s2.data.path == "x.csv"
    # the original is untouched
    assert spec.methods.normalise.method == "minmax" and spec.base_period is None


def test_with_changes_unknown_path_lists_settings():
    spec = IndexSpec(framework=SMALL_FW)
    with pytest.raises(SpecError) as e:
        spec.with_changes({"normalise.methd": "zscore"})
    assert str(e.value) == (
        "cannot set 'normalise.methd': 'methd' is not a setting; settings there are method, params, scope, levels, nodes")
    with pytest.raises(SpecError) as e:
        spec.with_changes({"aggregate.levels.2.colour": 1})
    assert str(e.value) == (
        "cannot set 'aggregate.levels.2.colour': 'colour' is not a setting; "
        "settings there are method, missing, nonpositive, shift, params")
    with pytest.raises(SpecError, match=r"^cannot set 'weights.nodes.T.weight': 'weight' is not a setting; "
                                        r"settings there are method, scope, expert_scores, ahp_matrices, params$"):
        spec.with_changes({"weights.nodes.T.weight": 1})
    with pytest.raises(SpecError, match=r"^cannot set 'colour': 'colour' is not a setting; settings there are "):
        spec.with_changes({"colour": 1})


def test_with_changes_invalid_value():
    spec = IndexSpec(framework=SMALL_FW)
    with pytest.raises(SpecError) as e:
        spec.with_changes({"aggregate.missing": "drop"})
    assert str(e.value) == (
        "spec: methods.aggregate: Value error, The 'missing' parameter of aggregate must be one of "
        "'skip', 'propagate', 'error'; got 'drop'. (got {'missing': 'drop'})")


def test_with_changes_keeps_per_level_inheritance():
    fw_tree = {"code": "T", "children": [{"code": "P", "children": [{"code": "p1"}]}, {"code": "z"}]}
    spec = IndexSpec.model_validate({
        "framework": fw_tree,
        "methods": {"aggregate": {"missing": "propagate", "levels": {2: {"method": "geometric"}}}},
    })
    s2 = spec.with_changes({"aggregate.missing": "error", "aggregate.levels.2.nonpositive": "shift"})
    lvl2 = s2.methods.aggregate.levels[2]
    assert lvl2.model_fields_set == {"method", "nonpositive"}
    resolved = resolve_aggregate(s2.build_framework(), s2.methods.aggregate)
    # level 2 keeps inheriting 'missing' from the (changed) global setting
    assert (resolved["P"].method, resolved["P"].missing, resolved["P"].nonpositive) == ("geometric", "error", "shift")
    assert (resolved["T"].method, resolved["T"].missing, resolved["T"].nonpositive) == ("arithmetic", "error", "error")


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: NormaliseSpec(method="minmaxx"),
         ("The 'method' parameter of normalise must be one of 'base_share', 'minmax', 'zscore', 'rank', "
          "'goalposts', 'dist_to_max', 'pct_of_max', 'none'; got 'minmaxx'.")),
        (lambda: WeightsSpec(scope="per_period"),
         "The 'scope' parameter of weights must be one of 'pooled', 'base_period'; got 'per_period'."),
        (lambda: AggregateSpec(nonpositive="clip"),
         "The 'nonpositive' parameter of aggregate must be one of 'error', 'shift'; got 'clip'."),
        (lambda: ImputeSpec(method="locf", by="province"),
         "The 'by' parameter of impute must be one of None; got 'province'."),
        (lambda: ImputeSpec(scope="base_period"),
         "The 'scope' parameter of impute must be one of 'per_period', 'pooled'; got 'base_period'."),
        (lambda: TreatSpec(method="trim"),
         "The 'method' parameter of treat must be one of 'none', 'winsorise'; got 'trim'."),
        (lambda: RollupSpec(method="weighted_mean"),
         "The 'weight' parameter of rollup must be one of '<a data column>'; got None."),
        (lambda: RankSpec(ties="random"),
         "The 'ties' parameter of rank must be one of 'min', 'max', 'average', 'dense', 'first'; got 'random'."),
        (lambda: DataSource(path="d.csv", layout="tall"),
         "The 'layout' parameter of data must be one of 'wide', 'long', 'workbook'; got 'tall'."),
    ],
)
def test_model_validation_messages(make, message):
    with pytest.raises(ValueError) as e:
        make()
    assert message in str(e.value)


def test_models_are_frozen_and_strict():
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        MethodSpec.model_validate({"normalise": {"method": "minmax", "colour": 1}})
    spec = IndexSpec(framework=SMALL_FW)
    with pytest.raises(ValidationError, match="frozen"):
        spec.name = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- YAML round trip


def test_dump_spec_of_shipped_example_round_trips():
    spec, base = load_spec(EXAMPLE / "spec.yaml")
    text = dump_spec(spec)
    again = IndexSpec.model_validate(yaml.safe_load(text))
    assert again == spec
    # what was set stays set (per-level / per-node overrides inherit everything else)
    assert again.model_dump(exclude_unset=True) == spec.model_dump(exclude_unset=True)
    assert dump_spec(again) == text
    assert "数字化转型指数" in text  # unicode kept readable
    assert fw_dump(again.build_framework(base)) == fw_dump(spec.build_framework(base))


def test_dump_spec_writes_only_what_was_set():
    text = dump_spec(IndexSpec(framework=SMALL_FW, methods=MethodSpec(aggregate=AggregateConfig(method="geometric"))))
    assert yaml.safe_load(text) == {"framework": SMALL_FW, "methods": {"aggregate": {"method": "geometric"}}}


def test_dump_spec_keeps_overrides_equal_to_defaults():
    # an override naming the default value must survive, or it would inherit the global method on reload
    spec = IndexSpec.model_validate({
        "framework": SMALL_FW,
        "methods": {"normalise": {"method": "zscore", "levels": {1: {"method": "minmax"}}},
                    "aggregate": {"method": "geometric", "nodes": {"T": {"method": "arithmetic"}}}},
    })
    text = dump_spec(spec)
    assert yaml.safe_load(text)["methods"]["normalise"]["levels"] == {"1": {"method": "minmax"}}
    again = IndexSpec.model_validate(yaml.safe_load(text))
    fw = spec.build_framework()
    assert resolve_normalise(fw, again.methods.normalise)["a"].method == "minmax"
    assert resolve_aggregate(fw, again.methods.aggregate)["T"].method == "arithmetic"


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_text = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)
_number = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False))
_params = st.dictionaries(_word, st.one_of(_number, _word, st.booleans()), max_size=3)
_codes = st.sampled_from(["T", "P", "p1", "p2", "z"])


def _partial(**fields):
    return st.fixed_dictionaries({}, optional=fields)


_norm = _partial(method=st.sampled_from(NORMALISE_METHODS), params=_params, scope=st.sampled_from([*SCOPES, None]))
_weights = _partial(method=st.sampled_from(WEIGHT_METHODS), scope=st.sampled_from(["pooled", "base_period", None]),
                    expert_scores=st.one_of(st.none(), _word.map(lambda w: f"{w}.csv")), params=_params)
_agg = _partial(method=st.sampled_from(AGGREGATE_METHODS), missing=st.sampled_from(MISSING_POLICIES),
                nonpositive=st.sampled_from(NONPOSITIVE_POLICIES),
                shift=st.floats(0, 1e6, allow_nan=False), params=_params)


def _config(step):
    levels = st.dictionaries(st.integers(1, 3), step, max_size=2)
    nodes = st.dictionaries(_codes, step, max_size=2)
    return step.flatmap(lambda base: _partial(levels=levels, nodes=nodes).map(lambda extra: {**base, **extra}))


_methods = _partial(
    impute=_partial(method=st.sampled_from([m for m in IMPUTE_METHODS if m != "locf"]), by=st.one_of(st.none(), _word),
                    scope=st.sampled_from(["per_period", "pooled"])),
    treat=_partial(method=st.sampled_from(TREAT_METHODS), skew_thresh=st.floats(0, 10), winmax=st.integers(0, 20),
                   exclude=st.lists(_codes, max_size=3)),
    denominate=_partial(use_framework=st.booleans(), indicators=st.dictionaries(_codes, _word, max_size=2),
                        scale=st.floats(1e-3, 1e6)),
    normalise=_config(_norm),
    weights=_config(_weights),
    aggregate=_config(_agg),
    rollup=_partial(method=st.sampled_from(["auto", "sum", "mean"])),
    rank=_partial(ties=st.sampled_from(TIE_RULES)),
)
_quarters = st.integers(2015, 2030).flatmap(lambda y: st.integers(1, 4).map(lambda q: f"{y}Q{q}"))
_specs = _partial(
    name=_word, title=_text, title_en=_text, description=_text, base_period=_quarters,
    data=_partial(layout=st.sampled_from(["wide", "long"]), sheet=st.one_of(st.none(), _word, st.integers(0, 5)))
    .map(lambda d: {"path": "data.csv", **d}),
    methods=_methods,
).map(lambda d: {"framework": NESTED_FW, **d})

NESTED_FW = {"code": "T", "name": {"zh": "总", "en": "Total"},
             "children": [{"code": "P", "children": [{"code": "p1"}, {"code": "p2"}]}, {"code": "z"}]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_specs)
def test_spec_survives_yaml_round_trip(raw):
    spec = IndexSpec.model_validate(raw)
    text = dump_spec(spec)
    again = IndexSpec.model_validate(yaml.safe_load(text))
    assert again == spec
    # what was set stays set (per-level / per-node overrides inherit everything else)
    assert again.model_dump(exclude_unset=True) == spec.model_dump(exclude_unset=True)
    assert dump_spec(again) == text
