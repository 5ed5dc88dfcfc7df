"""The demo's links between indices: city DTI x future-industry index x environment factors.

:func:`links_table` assembles one row per demo city (latest period of each
index) and :func:`run_links` computes, with :mod:`dtindex.stats`:

* ``links_correlation.csv`` -- Pearson correlations (Holm-adjusted p-values) of the
  DTI, its infrastructure and platform layers, the future-industry index, AI
  agglomeration and future-industry investment, and the fit of the future-industry
  index on the DTI (``links_fit.csv``);
* ``links_ols.csv`` -- "which environment factors drive AI-industry agglomeration":
  OLS of the city's share of the nation's AI start-ups on venture investment,
  open-source developers, policy support, patents, talent and incubators (HC3 SE);
* ``links_mediation.csv`` -- does digital infrastructure / platform mediate between
  future-industry investment and future-industry development: PROCESS model 4 with
  the two DTI layers as parallel mediators (5,000 bootstrap resamples, seed 1).

Every input is SYNTHETIC (demo generators); the numbers show the method, not a finding
about real cities. Count-like variables enter as ``ln(1 + x)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: column -> (zh, en) labels of the links table
VARIABLES: dict[str, tuple[str, str]] = {
    "dti": ("数字化转型指数", "Digital Transformation Index"),
    "dti_infra": ("数字基础设施", "Digital infrastructure"),
    "dti_platform": ("数字平台", "Digital platform"),
    "fii": ("未来产业发展指数", "Future-industry index"),
    "ai_share": ("人工智能产业集聚度", "AI agglomeration"),
    "ln_investment": ("未来产业投资（对数）", "Future-industry investment (log)"),
    "ln_vc": ("人工智能风险投资（对数）", "AI venture investment (log)"),
    "ln_open_source": ("高水平开源开发者（对数）", "Open-source developers (log)"),
    "policy_support": ("政策支持", "Policy support"),
    "ln_patents": ("知识产权产出（对数）", "IP output (log)"),
    "talent": ("人才", "Talent"),
    "ln_incubators": ("孵化器（对数）", "Incubators (log)"),
}
CORR_VARS = ("dti", "dti_infra", "dti_platform", "fii", "ai_share", "ln_investment")
ENV_VARS = ("ln_vc", "ln_open_source", "policy_support", "ln_patents", "talent", "ln_incubators")
MEDIATION = {"x": "ln_investment", "m": ("dti_infra", "dti_platform"), "y": "fii"}
BOOT, SEED = 5000, 1


def _latest(build: Any, code: str) -> pd.Series:
    t = build.table(code)
    return t.iloc[:, -1]


def links_table(dti: Any, future_city: Any, measures: pd.DataFrame, ai: pd.DataFrame,
                environment: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per city: ``code, name, name_en, province, dti, dti_infra, dti_platform, fii, ai_share,
    ln_investment, ln_vc, ln_open_source, policy_support, ln_patents, talent, ln_incubators``.

    DTI values are the latest quarter of the city build; future-industry values the
    latest year. ``ai_share``: the city's share of the nation's AI start-ups (%);
    ``ln_investment``: ln(1 + financing of all future-industry start-ups in the latest
    year, 万元); ``ln_vc``: the same for AI start-ups over all years.
    """
    cities = pd.Index([str(c) for c in dti.units], name="code")
    out = pd.DataFrame(index=cities)
    out["dti"] = _latest(dti, dti.root).reindex(cities).to_numpy()
    out["dti_infra"] = _latest(dti, "infra").reindex(cities).to_numpy()
    out["dti_platform"] = _latest(dti, "platform").reindex(cities).to_numpy()
    out["fii"] = _latest(future_city, future_city.root).reindex(cities).to_numpy()
    m = measures[(measures["level"] == "city") & (measures["period"].astype(str) == str(measures["period"].max()))]
    by_city = m.groupby(m["region"].astype(str))[["fin_amt", "patents"]].sum()
    a = ai[ai["level"] == "city"]
    firms = a.groupby(a["region"].astype(str))["firms"].sum()
    vc = a.groupby(a["region"].astype(str))["financing_total"].sum()
    total = float(firms.sum())
    out["ai_share"] = (100.0 * firms.reindex(cities).fillna(0.0) / (total if total > 0 else 1.0)).to_numpy()
    out["ln_investment"] = np.log1p(by_city["fin_amt"].reindex(cities).fillna(0.0).to_numpy())
    out["ln_vc"] = np.log1p(vc.reindex(cities).fillna(0.0).to_numpy())
    env = environment.assign(adcode=environment["adcode"].astype(str)).set_index("adcode").reindex(cities)
    out["ln_open_source"] = np.log1p(env["open_source_devs"].to_numpy(dtype=float))
    out["policy_support"] = env["policy_support"].to_numpy(dtype=float)
    out["ln_patents"] = np.log1p(by_city["patents"].reindex(cities).fillna(0.0).to_numpy())
    out["talent"] = env["talent"].to_numpy(dtype=float)
    out["ln_incubators"] = np.log1p(env["incubators"].to_numpy(dtype=float))
    meta = units[units["level"] == "city"].drop_duplicates("code").set_index("code").reindex(cities)
    out.insert(0, "province", meta["province_name"].to_numpy())
    out.insert(0, "name_en", meta["name_en"].to_numpy())
    out.insert(0, "name", meta["name"].to_numpy())
    return out.reset_index()


@dataclass(frozen=True, eq=False)
class LinksOutputs:
    data: pd.DataFrame
    files: dict[str, pd.DataFrame]
    meta: dict[str, Any]


def run_links(data: pd.DataFrame, *, boot: int = BOOT, seed: int = SEED) -> LinksOutputs:
    """Correlations, the DTI -> future-industry fit, the environment regression and the mediation."""
    from ..stats import correlation, mediate, ols

    corr = correlation(data, list(CORR_VARS), method="pearson", adjust="holm")
    spear = correlation(data, list(CORR_VARS), method="spearman", adjust="holm")
    corr = pd.concat([corr.assign(method="pearson"), spear.assign(method="spearman")], ignore_index=True)
    fit = ols(data, "fii", ["dti"], se="hc3")
    env = ols(data, "ai_share", list(ENV_VARS), se="hc3")
    med = mediate(data, MEDIATION["x"], list(MEDIATION["m"]), MEDIATION["y"], boot=boot, seed=seed)
    files = {
        "links_data.csv": data,
        "links_correlation.csv": corr,
        "links_fit.csv": fit.coefficients.assign(model="fii~dti", r2=fit.r2, nobs=fit.nobs),
        "links_ols.csv": env.coefficients.assign(model="ai_share~environment", r2=env.r2, nobs=env.nobs),
        "links_mediation.csv": med.table.assign(nobs=med.nobs, boot=med.boot, seed=med.seed),
    }
    meta = {"synthetic": True, "cities": int(len(data)), "correlation": {"vars": list(CORR_VARS), "adjust": "holm"},
            "ols": {"y": "ai_share", "x": list(ENV_VARS), "se": "hc3", "r2": env.r2, "nobs": env.nobs},
            "fit": {"y": "fii", "x": ["dti"], "se": "hc3", "r2": fit.r2},
            "mediation": {**{k: (list(v) if isinstance(v, tuple) else v) for k, v in MEDIATION.items()},
                          "boot": med.boot, "seed": med.seed, "ci": "percentile (indirect) and bias-corrected (indirect_bc)"},
            "files": list(files)}
    return LinksOutputs(data, files, meta)
