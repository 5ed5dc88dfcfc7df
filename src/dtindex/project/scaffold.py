"""``dtindex init NAME``: a new index project that builds as it is.

:func:`init_project` writes into a new folder ``NAME``:

* ``spec.yaml`` — a commented spec with a three-layer example framework (a top index, three
  layers, two indicators each) that the user edits: names, title, source, unit, edition,
  periods and methods (base-period share normalisation, expert-scoring weights for the
  indicators, AHP weights for the layers, weighted arithmetic means);
* ``data.xlsx`` — the data-entry template with example rows for eight cities (about 12 % growth a year)
  (:func:`dtindex.project.templates.write_data_template`);
* ``experts.xlsx`` — the expert-scoring template with three example experts;
* ``ahp.xlsx`` — the AHP judgement template with example judgements;
* ``README.md`` — the steps from here to the report.

The example rows are synthetic (seeded) and the spec says so (``synthetic: true``) until the
user replaces them. A folder that exists and is not empty is refused: nothing a user wrote
is ever overwritten.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..periods import parse_period, period_range
from ..spec.framework import Framework, framework_from_records

#: The example framework: code, zh, en, parent.
EXAMPLE_NODES = (
    ("DTI", "数字化转型指数", "Digital Transformation Index", ""),
    ("infra", "基础设施", "Infrastructure", "DTI"),
    ("platform", "平台", "Platform", "DTI"),
    ("application", "应用", "Application", "DTI"),
    ("cloud", "云计算", "Cloud computing", "infra"),
    ("ai", "人工智能", "Artificial intelligence", "infra"),
    ("meeting", "在线会议", "Online meetings", "platform"),
    ("docs", "在线文档", "Online documents", "platform"),
    ("payment", "移动支付", "Mobile payment", "application"),
    ("ecommerce", "电子商务", "E-commerce", "application"),
)
EXAMPLE_CITIES = (("110000", "北京市"), ("310000", "上海市"), ("440100", "广州市"), ("440300", "深圳市"),
                  ("330100", "杭州市"), ("510100", "成都市"), ("420100", "武汉市"), ("610100", "西安市"))
EXAMPLE_AHP = {"DTI": {("infra", "platform"): "2", ("infra", "application"): "3", ("platform", "application"): "2"},
               "infra": {("cloud", "ai"): "2"}, "platform": {("meeting", "docs"): "1"},
               "application": {("payment", "ecommerce"): "1/2"}}
LAYOUTS = ("sheets", "wide", "long")


@dataclass(frozen=True)
class Project:
    """What :func:`init_project` wrote."""

    path: Path
    spec: Path
    data: Path
    experts: Path
    ahp: Path
    periods: tuple[str, ...]


def example_framework() -> Framework:
    records = [{"code": c, "name": zh, "name_en": en, "parent": p or None,
                "type": "aggregate" if any(q == c for *_, q in EXAMPLE_NODES) else "indicator"}
               for c, zh, en, p in EXAMPLE_NODES]
    return framework_from_records(records, source="dtindex init example")


def _spec_text(name: str, periods: Sequence[str], experts: int) -> str:
    def node(code: str, indent: int) -> list[str]:
        zh, en = next((z, e) for c, z, e, _ in EXAMPLE_NODES if c == code)
        kids = [c for c, *_, p in EXAMPLE_NODES if p == code]
        pad = " " * indent
        if not kids:
            return [f"{pad}- {{code: {code}, name: {{zh: {zh}, en: {en}}}}}"]
        lines = [f"{pad}- code: {code}", f"{pad}  name: {{zh: {zh}, en: {en}}}", f"{pad}  children:"]
        for k in kids:
            lines += node(k, indent + 4)
        return lines

    layers = []
    for k in [c for c, *_, p in EXAMPLE_NODES if p == "DTI"]:
        layers += node(k, 4)
    return f"""# dtindex project "{name}" — made by `dtindex init`. Edit this file, fill in data.xlsx, then:
#   dtindex build spec.yaml --out build/{name}
#   dtindex report build/{name}
# Every key is documented in docs/spec.md; the methods with their formulas in docs/methods.md.
name: {name}
title: 数字化转型指数报告（示例）         # the report's title (cover and browser tab)
title_en: Digital Transformation Index report (example)
source: 示例数据（dtindex init 生成）     # data source: on the cover and under every chart and table
source_en: example data (made by dtindex init)
unit: 指数（基期合计=100）                # unit of the index values
unit_en: index (base-period total = 100)
edition: {periods[0]}–{periods[-1]}
synthetic: true                          # the example rows are made up: set to false once data.xlsx holds real data

# The indicator framework: a top index, its layers, their indicators (any depth; codes are the
# column headers of data.xlsx). Rename, add or remove nodes here, then run `dtindex init` again in
# another folder to get matching templates (or edit the headers of data.xlsx by hand).
framework:
  code: DTI
  name: {{zh: 数字化转型指数, en: Digital Transformation Index}}
  children:
{chr(10).join(layers)}

data:
  path: data.xlsx
  layout: workbook      # one sheet per period (or one sheet with a Time column), read with cell-level errors
periods: {{start: {periods[0]}, end: {periods[-1]}}}   # the data must cover exactly these periods
base_period: {periods[0]}

methods:
  normalise:
    method: base_share  # share of the base-period total x 100: city scores add up to provinces and tiers
    params: {{scale: 100}}
    # other choices: minmax (0-100 per period), zscore, rank, none, ...: see docs/methods.md
  weights:
    method: expert      # indicators within each layer: expert scoring, w_j = sum_i a_ij / sum_(l in group) sum_i a_il
    expert_scores: experts.xlsx   # {experts} example experts, one sheet each; add sheets for more experts
    nodes:
      DTI: {{method: ahp, ahp_matrices: ahp.xlsx}}   # the layers: AHP pairwise judgements (1-9 scale)
  aggregate:
    method: arithmetic  # weighted arithmetic mean at every level
  rollup:
    method: auto        # provinces/tiers/clusters: sum for base_share, else the mean
"""


def _example_data(periods: Sequence[str], seed: int = 2024) -> pd.DataFrame:
    """Seeded example values: a level per city and indicator growing about 12 % a year."""
    rng = np.random.default_rng(seed)
    per_year = parse_period(periods[0]).per_year
    indicators = [c for c, *_, p in EXAMPLE_NODES if p and p != "DTI"]
    n_c, n_i, n_p = len(EXAMPLE_CITIES), len(indicators), len(periods)
    level = rng.uniform(50, 500, size=(n_c, n_i))
    steps = 1.0 + rng.normal(0.12 / per_year, 0.08 / per_year, size=(n_p, n_c, n_i))
    steps[0] = 1.0
    values = np.round(level[None, :, :] * np.cumprod(steps, axis=0), 1)
    idx = pd.MultiIndex.from_product([list(periods), range(n_c)], names=["Time", "k"])
    df = pd.DataFrame(values.reshape(n_p * n_c, n_i), index=idx, columns=indicators).reset_index()
    df.insert(0, "uCode", [EXAMPLE_CITIES[k][0] for k in df["k"]])
    df.insert(1, "uName", [EXAMPLE_CITIES[k][1] for k in df["k"]])
    return df.drop(columns="k")


def _example_scores(experts: int, nodes: Sequence[str], seed: int = 7) -> dict[str, dict[str, int]]:
    rng = np.random.default_rng(seed)
    base = rng.integers(2, 6, size=len(nodes))
    return {f"专家{k}": {n: int(np.clip(b + rng.integers(-1, 2), 1, 5)) for n, b in zip(nodes, base)}
            for k in range(1, experts + 1)}


def init_project(path: str | Path, *, name: str | None = None, periods: tuple[str, str] = ("2021Q1", "2023Q1"),
                 layout: str = "sheets", experts: int = 3) -> Project:
    """Write a new project folder (see the module docstring); refuse a folder that is not empty."""
    from .templates import write_ahp_template, write_data_template, write_expert_template

    out = Path(path)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out}: exists and is not empty; dtindex init never overwrites files — choose a new folder")
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    if not 1 <= int(experts) <= 50:
        raise DataError(f"experts must be between 1 and 50; got {experts!r}")
    start, end = (parse_period(p, where="periods") for p in periods)
    if start.freq != end.freq or end < start:
        raise DataError(f"periods {periods[0]}..{periods[1]}: start and end need one frequency and start <= end")
    labels = tuple(p.label for p in period_range(start, end))
    name = name or out.name
    fw = example_framework()
    indicators = list(fw.indicators)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / "spec.yaml").write_text(_spec_text(name, labels, experts), encoding="utf-8")
        write_data_template(tmp / "data.xlsx", fw, labels, layout=layout, example=_example_data(labels))
        write_expert_template(tmp / "experts.xlsx", fw, indicators, experts=experts,
                              example=_example_scores(experts, indicators))
        write_ahp_template(tmp / "ahp.xlsx", fw, list(fw.aggregates), example=EXAMPLE_AHP)
        (tmp / "README.md").write_text(_readme(name, labels), encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty (checked above)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Project(out, out / "spec.yaml", out / "data.xlsx", out / "experts.xlsx", out / "ahp.xlsx", labels)


def _readme(name: str, periods: Sequence[str]) -> str:
    return f"""# {name}

Made by `dtindex init`. The example rows are synthetic; replace them with your data.

1. Edit `spec.yaml`: title, source, unit, edition, the framework (codes and names), periods, methods.
2. Fill in `data.xlsx`: one sheet per period ({periods[0]} … {periods[-1]}), one row per unit, one column
   per indicator. City codes and names have drop-down lists; other units (countries, enterprises) take
   codes of your own.
3. Experts score the indicators in `experts.xlsx` (one sheet per expert, 1–5); the layers are weighted
   by the pairwise judgements in `ahp.xlsx` (1–9 scale).
4. Build and publish:

   ```bash
   dtindex build spec.yaml --out build/{name}
   dtindex report build/{name}
   ```

A mistake in a workbook stops the build with its sheet and cell, e.g.
`data.xlsx sheet {periods[-1]} cell D17: "12,3" is not a number`. See docs/own-data.md.
"""
