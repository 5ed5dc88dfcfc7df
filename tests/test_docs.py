"""Every method, setting and command is documented (a test fails when one is not)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from dtindex.cli import main
from dtindex.methods.aggregate import AGGREGATORS
from dtindex.methods.normalise import NORMALISERS
from dtindex.spec import model
from dtindex.spec.framework import Node
from dtindex.spec.index_spec import DataSource, IndexSpec, PeriodsSpec

DOCS = Path(__file__).parents[1] / "docs"


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


METHOD_NAMES = sorted({
    *NORMALISERS, *AGGREGATORS, *model.WEIGHT_METHODS, *model.IMPUTE_METHODS, *model.TREAT_METHODS,
    *model.SCOPES, *model.MISSING_POLICIES, *model.NONPOSITIVE_POLICIES, *model.ROLLUP_METHODS, *model.TIE_RULES,
} - {"none"})


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_every_method_is_in_methods_md(name):
    assert f"`{name}`" in _text("methods.md")


SPEC_MODELS = [IndexSpec, DataSource, PeriodsSpec, Node, model.MethodSpec, model.NormaliseConfig, model.WeightsConfig,
               model.AggregateConfig, model.ImputeSpec, model.TreatSpec, model.DenominateSpec, model.RollupSpec,
               model.RankSpec]


@pytest.mark.parametrize("field", sorted({f for m in SPEC_MODELS for f in m.model_fields}))
def test_every_spec_field_is_in_spec_md(field):
    assert f"`{field}`" in _text("spec.md")


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, full + " ")
        else:
            yield full, cmd


@pytest.mark.parametrize("command,cmd", list(_commands(main)), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_and_option_is_in_cli_md(command, cmd):
    # cli.md is the reference; command groups added later may document themselves in their own page
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))
    assert command in text
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert any(f"`{opt}" in text for opt in param.opts), (command, param.opts)
