"""Obstacle degree (障碍度): which indicators hold a unit back (dtindex's own code).

For unit i and indicator j with normalised value x'_ij in [0, 1] and overall weight w_j (the product
of the weights on the path from the indicator to the index root, so sum_j w_j = 1):

    deviation     I_ij = 1 - x'_ij
    obstacle      O_ij = w_j I_ij / sum_j w_j I_ij        (sum_j O_ij = 1 per unit and period)
    layer level   O_iL = sum_{j in L} O_ij

A unit at the maximum on every indicator has no obstacle (all I_ij = 0): its O_ij are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["layer_obstacles", "obstacle", "overall_weights", "release_obstacles", "top_obstacles", "unit_interval"]


def obstacle(X: pd.DataFrame, weights: pd.Series | dict) -> pd.DataFrame:
    """O_ij for a rows x indicators table of normalised values in [0, 1] and indicator weights."""
    w = pd.Series(weights, dtype=float).reindex(X.columns)
    if w.isna().any():
        raise DataError(f"obstacle: no weight for indicators {', '.join(map(str, w.index[w.isna()]))}")
    V = X.to_numpy(float)
    if np.nanmin(V) < -1e-9 or np.nanmax(V) > 1 + 1e-9:
        raise DataError("obstacle: normalised values must lie in [0, 1]")
    dev = w.to_numpy() * (1 - V)
    total = np.nansum(dev, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        O = np.where(total > 0, dev / total, np.nan)
    return pd.DataFrame(O, index=X.index, columns=X.columns)


def overall_weights(weights_table: pd.DataFrame, indicators, root: str) -> pd.Series:
    """Each indicator's weight in the index: the product of ``weight`` from the indicator up to ``root``."""
    parent = dict(zip(weights_table["iCode"].astype(str), weights_table["Parent"].astype(str)))
    w = dict(zip(weights_table["iCode"].astype(str), weights_table["weight"].astype(float)))
    out = {}
    for code in indicators:
        v, node, seen = 1.0, str(code), 0
        while node != root:
            if node not in w or seen > 50:
                raise DataError(f"weights table: no path from {code} to {root}")
            v *= w[node]
            node = parent[node]
            seen += 1
        out[str(code)] = v
    s = pd.Series(out)
    return s / s.sum()


def unit_interval(values: pd.Series, normalise: dict | None) -> tuple[pd.Series, str]:
    """Map a build's normalised indicator values to [0, 1] for the deviation 1 - x'.

    Min-max builds are rescaled with their own target range (low, high); any other normalisation
    (base share, z-score, ...) is rescaled by min-max over all units and periods of that indicator,
    because its values are not bounded by 1. Returns the values and a note saying which was used.
    """
    method = (normalise or {}).get("method")
    params = (normalise or {}).get("params") or {}
    if method == "minmax":
        lo, hi = float(params.get("low", 0)), float(params.get("high", 100))
        return ((values - lo) / (hi - lo)).clip(0, 1), f"min-max target [{lo:g}, {hi:g}] rescaled to [0, 1]"
    lo, hi = values.min(), values.max()
    if hi == lo:
        return values * 0 + 1.0, "constant indicator"
    return (values - lo) / (hi - lo), f"{method or 'normalised'} values rescaled by pooled min-max to [0, 1]"


def release_obstacles(build) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Obstacle degrees of a built index (Index or release BuildResult) from its own weights and values.

    Returns (``unit, time, iCode, obstacle`` long table, notes per indicator).
    """
    fw = build.framework
    indicators = list(fw.indicators)
    scores = build.scores_long()
    ind = scores[scores["iCode"].isin(indicators)].copy()
    recipe = build.recipe()
    norm_specs = ((recipe.get("resolved") or {}).get("normalise") or {}) if isinstance(recipe, dict) else {}
    notes, parts = [], []
    for code, grp in ind.groupby("iCode", sort=False):
        spec = norm_specs.get(code) if isinstance(norm_specs, dict) else None
        vals, note = unit_interval(grp["value"].astype(float), spec)
        parts.append(vals)
        notes.append({"iCode": code, "rescaling": note})
    ind["x01"] = pd.concat(parts).reindex(ind.index)
    wide = ind.pivot_table(index=["uCode", "Time"], columns="iCode", values="x01", sort=False)
    wide = wide.reindex(columns=indicators)
    w = overall_weights(build.weights_table(), indicators, fw.root)
    O = obstacle(wide, w)
    long = O.stack(future_stack=True).rename("obstacle").reset_index()
    long.columns = ["unit", "time", "iCode", "obstacle"]
    return long, pd.DataFrame(notes)


def layer_obstacles(long: pd.DataFrame, framework) -> pd.DataFrame:
    """Sum indicator obstacles to their layer (the ancestor directly below the index root)."""
    anc = {}
    for code in framework.indicators:
        chain = [code, *framework.ancestors(code)]  # bottom-up, ends at the root
        anc[code] = chain[-2] if len(chain) >= 2 else code
    return long.assign(iCode=long["iCode"].map(anc)).groupby(["unit", "time", "iCode"], sort=False)[
        "obstacle"].sum(min_count=1).reset_index()


def top_obstacles(long: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` largest obstacles of each unit and period, ranked 1..n."""
    d = long.dropna(subset=["obstacle"]).sort_values(["unit", "time", "obstacle"], ascending=[True, True, False],
                                                       kind="stable")
    d["rank"] = d.groupby(["unit", "time"]).cumcount() + 1
    return d[d["rank"] <= n].reset_index(drop=True)
