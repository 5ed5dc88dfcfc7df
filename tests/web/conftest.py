"""Shared fixtures: the small demo release written once per test session, and a second edition of it."""

from __future__ import annotations

import json
import shutil

import pytest

from dtindex.demo.pipeline import run_demo


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory):
    """``<tmp>/demo/release`` as ``dtindex demo --size small`` writes it (no report)."""
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, size="small").release_dir


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, demo_release):
    """A folder with two releases: the demo (``2023/release``) and a copy whose city scores of Guangzhou and
    Beijing are swapped in 2023Q1 (``variant``), so the two differ in a known way."""
    import pandas as pd

    root = tmp_path_factory.mktemp("workspace")
    shutil.copytree(demo_release, root / "2023" / "release")
    variant = root / "variant"
    shutil.copytree(demo_release, variant)
    meta = json.loads((variant / "release.json").read_text(encoding="utf-8"))
    meta["title"] = "变体"
    meta["title_en"] = "Variant"
    (variant / "release.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    path = variant / "city" / "scores.csv"
    s = pd.read_csv(path, dtype={"uCode": str, "Time": str, "iCode": str})
    sel = (s["Time"] == "2023Q1") & (s["iCode"] == "DTI")
    a = sel & (s["uCode"] == "440100")
    b = sel & (s["uCode"] == "110000")
    va, vb = s.loc[a, "value"].iloc[0], s.loc[b, "value"].iloc[0]
    s.loc[a, "value"], s.loc[b, "value"] = vb, va
    s.to_csv(path, index=False, lineterminator="\n")
    _uncertainty(variant / "uncertainty")
    _survey(variant / "survey")
    return root


def _survey(out):
    """The synthetic GenAI survey as a release holds it: questionnaire, platform export and margins."""
    from dtindex.survey.demo import example_dir, example_spec, generate, to_wjx_export

    out.mkdir()
    shutil.copy(example_dir() / "questionnaire.yaml", out / "questionnaire.yaml")
    shutil.copy(example_dir() / "margins.csv", out / "margins.csv")
    to_wjx_export(generate(2024), example_spec()).to_csv(out / "responses.csv", index=False)


def _uncertainty(out):
    """Uncertainty results as `dtindex uncertainty run --out RELEASE/uncertainty` writes them (here of the
    shipped 40-city example, whose cities are cities of the demo too): small, about a second."""
    from importlib.resources import files

    from dtindex.index import Index
    from dtindex.uncertainty.analysis import run_uncertainty
    from dtindex.uncertainty.output import write_results
    from dtindex.uncertainty.spec import UncertaintySpec

    idx = Index.from_spec(files("dtindex") / "examples" / "dti-mini" / "spec.yaml")
    spec = UncertaintySpec(n=16, seed=1, bootstrap=20, normalisation=["base_share", "minmax:1,100"],
                           aggregation=["arithmetic", "geometric"], weights={2: 0.2})
    write_results(run_uncertainty(idx, spec), out, excel=False)
