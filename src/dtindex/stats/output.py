"""Write statistics results as files (atomically; UTF-8, ``\\n`` line ends, optional BOM for Excel).

The file names and the columns of the main tables are a contract of the CLI:

* ``corr.csv``: ``var1,var2,r,p,n`` (+ ``p_adj`` when a correction was asked for);
  ``corr_matrix.csv``: the square matrix of r;
* ``coefficients.csv``: ``term,estimate,se,t,p,ci_low,ci_high``;
  ``diagnostics.csv``: ``term,std_estimate,vif``; ``model.json``: fit statistics, settings, dropped rows;
* ``mediation.csv``: ``effect,estimate,se,z_or_t,p,ci_low,ci_high``; ``mediation.json``: settings,
  R² of each equation, dropped rows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..io import tables
from ..io.atomic import atomic_write
from .correlation import correlation_matrix
from .inputs import Dropped
from .mediation import MEDIATION_COLUMNS, MediationResult
from .regression import COEF_COLUMNS, OLSResult


def write_csv(df: pd.DataFrame, path: str | Path, *, bom: bool = False, index: bool = False) -> Path:
    path = Path(path)
    with atomic_write(path) as fh:
        if bom:
            fh.write("\ufeff")
        tables.write_csv(fh, df, index=index)
    return path


def write_json(payload: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(json.dumps(_clean(payload), ensure_ascii=False, indent=2) + "\n")
    return path


def _clean(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if hasattr(o, "item"):  # numpy scalars
        return _clean(o.item())
    return o


def _dropped(d: Dropped) -> dict[str, Any]:
    return {"count": d.count, "rows": [str(r) for r in d.rows], "missing_by_column": d.columns}


def write_correlation(pairs: pd.DataFrame, out_dir: str | Path, *, bom: bool = False,
                      with_p_adj: bool = True) -> list[Path]:
    """``corr.csv`` (one row per pair) and ``corr_matrix.csv`` (r as a square matrix)."""
    out = Path(out_dir)
    cols = ["var1", "var2", "r", "p", "n"] + (["p_adj"] if with_p_adj else [])
    return [write_csv(pairs[cols], out / "corr.csv", bom=bom),
            write_csv(correlation_matrix(pairs=pairs, value="r"), out / "corr_matrix.csv", bom=bom, index=True)]


def write_ols(result: OLSResult, out_dir: str | Path, *, bom: bool = False) -> list[Path]:
    """``coefficients.csv``, ``diagnostics.csv`` and ``model.json``."""
    out = Path(out_dir)
    coef = result.coefficients
    model = {
        "dtindex_version": __version__, "source": result.source, "y": result.y, "x": list(result.x),
        "se": result.se, "fe": result.fe, "level": result.level, "nobs": result.nobs, "r2": result.r2,
        "r2_adj": result.r2_adj, "r2_within": result.r2_within, "f_stat": result.f_stat, "f_p": result.f_p,
        "f_df": list(result.f_df) if result.f_df else None, "df_resid": result.df_resid,
        "n_clusters": result.n_clusters, "n_units": result.n_units, "n_periods": result.n_periods,
        "dropped": _dropped(result.dropped), "summary": {"en": result.summary_lines("en"), "zh": result.summary_lines("zh")},
    }
    return [write_csv(coef[list(COEF_COLUMNS)], out / "coefficients.csv", bom=bom),
            write_csv(coef[["term", "std_estimate", "vif"]], out / "diagnostics.csv", bom=bom),
            write_json(model, out / "model.json")]


def write_mediation(result: MediationResult, out_dir: str | Path, *, bom: bool = False) -> list[Path]:
    """``mediation.csv`` and ``mediation.json``."""
    out = Path(out_dir)
    meta = {
        "dtindex_version": __version__, "source": result.source, "x": result.x, "m": list(result.m), "y": result.y,
        "covariates": list(result.covariates), "nobs": result.nobs, "boot": result.boot, "seed": result.seed,
        "level": result.level, "ci": result.ci, "r2": result.r2, "dropped": _dropped(result.dropped),
        "summary": {"en": result.summary_lines("en"), "zh": result.summary_lines("zh")},
    }
    return [write_csv(result.table[list(MEDIATION_COLUMNS)], out / "mediation.csv", bom=bom),
            write_json(meta, out / "mediation.json")]
