"""The national index per period, its growth, the layer indices and which layer grows most steadily."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import DataError, check_choice, describe_rows
from ._base import (
    IndexLike,
    PeriodAxis,
    as_rank,
    growth,
    node_table,
    order_rows,
    rank_desc,
    rollup_method,
    rollup_weights,
)


def _national_wide(idx: IndexLike, codes: Sequence[str], how: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, counts = [], []
    W = rollup_weights(idx, "national_series") if how == "weighted_mean" else None
    for code in codes:
        wide = node_table(idx, code)
        if W is not None:  # sum_c w_c s_c / sum_c w_c over units with a score and a weight
            w = W.reindex(index=wide.index, columns=wide.columns).astype(float)
            valid = wide.notna() & w.notna()
            den = w.where(valid).sum(axis=0, min_count=1)
            rows.append((wide * w).where(valid).sum(axis=0, min_count=1) / den.where(den != 0))
        else:
            rows.append(wide.sum(axis=0, min_count=1) if how == "sum" else wide.mean(axis=0))
        counts.append(wide.notna().sum(axis=0))
    values = pd.DataFrame(rows, index=pd.Index(list(codes), name="iCode"))
    n = pd.DataFrame(counts, index=values.index).astype(np.int64)
    return values, n


def _layers(idx: IndexLike, layers: Sequence[str] | None) -> list[str]:
    fw = idx.framework
    if layers is None:
        return list(fw.children[fw.root])
    layers = list(layers)
    for code in layers:
        fw[code]
    return layers


def national_series(idx: IndexLike, *, codes: Sequence[str] | None = None, method: str = "auto") -> pd.DataFrame:
    """The national index and its layers per period, with QoQ and YoY growth.

    ``value_t = sum_c s_c,t`` over the units present in period t for additive builds
    (base_share: 100 in the base period), else the mean over present units
    (``method`` overrides; ``auto`` reads the recipe's resolved roll-up).
    ``qoq_t = value_t / value_(t-1) - 1`` with t-1 the chronologically previous period,
    ``yoy_t = value_t / value_(t - 1 year) - 1``; NaN when that period is not in the
    build or its value is missing or <= 0.

    Parameters
    ----------
    codes : sequence of str, optional
        Nodes to report; default the top node and its children (the layers).

    Returns
    -------
    DataFrame ``Time, iCode, name, name_en, depth, value, n_units, qoq, yoy``; ``depth``
    is 0 for the top node, 1 for its children...; ``n_units`` = units with a value.
    Rows ordered by ``codes`` (top node first, then layers in framework order), then period.
    ``attrs["rollup"]`` is ``sum`` or ``mean``.
    """
    owner = "national_series"
    fw = idx.framework
    codes = [fw.root, *fw.children[fw.root]] if codes is None else _layers(idx, codes)
    how = rollup_method(idx, method, owner, weighted=True)
    axis = PeriodAxis.of(idx)
    values, n = _national_wide(idx, codes, how)
    qoq = growth(values, axis.previous())
    yoy = growth(values, axis.year_ago())
    k, t = values.shape
    df = pd.DataFrame({
        "Time": np.tile(np.asarray(values.columns, dtype=object), k),
        "iCode": np.repeat(np.asarray(codes, dtype=object), t),
        "name": np.repeat([fw[c].label("zh") for c in codes], t),
        "name_en": np.repeat([fw[c].label("en") for c in codes], t),
        "depth": np.repeat([len(fw.ancestors(c)) for c in codes], t),
        "value": values.to_numpy().reshape(-1),
        "n_units": n.to_numpy().reshape(-1),
        "qoq": qoq.to_numpy().reshape(-1),
        "yoy": yoy.to_numpy().reshape(-1),
    })
    df.attrs["rollup"] = how
    return df


def layer_stability(idx: IndexLike, *, layers: Sequence[str] | None = None, growth_kind: str = "qoq",
                    window: Sequence[str] | None = None, method: str = "auto") -> pd.DataFrame:
    """How steadily each layer of the national index grows.

    For each layer l, ``g_l,t`` is the growth rate of its national value
    (``growth_kind``: ``qoq`` or ``yoy``). Only the periods where every layer has a
    rate are used (so all layers are compared over the same periods), restricted to
    ``window = (start, end)`` if given. Then

    * ``growth_var`` = sample variance of ``g_l,t`` over those periods (ddof = 1),
    * ``growth_rank_t`` = rank of layer l's rate among the layers in period t (1 = fastest, 'min'),
    * ``rank_moves`` = sum over consecutive used periods of ``|growth_rank_t - growth_rank_(t-1)|``.

    The most stable layer has the smallest variance; ``stability_rank`` orders layers by
    ``growth_var``, then ``rank_moves``, then framework order (1 = most stable; no shared ranks).

    Returns
    -------
    DataFrame ``iCode, name, name_en, n_growth, growth_mean, growth_var, growth_sd, rank_first,
    rank_last, rank_moves, stability_rank``, ordered by ``stability_rank``. Variance and
    ranks are NaN/NA with fewer than two used periods. ``attrs["periods"]`` lists the periods used.
    """
    owner = "layer_stability"
    check_choice(owner, "growth_kind", growth_kind, ("qoq", "yoy"))
    codes = _layers(idx, layers)
    if len(codes) < 2:
        raise DataError(f"{owner}: needs at least two layers to compare; got {describe_rows(codes) or 'none'}")
    fw = idx.framework
    axis = PeriodAxis.of(idx)
    axis.require_time(owner)
    how = rollup_method(idx, method, owner, weighted=True)
    values, _ = _national_wide(idx, codes, how)
    G = growth(values, axis.previous() if growth_kind == "qoq" else axis.year_ago())
    cols = list(G.columns) if window is None else axis.window(window, owner)
    G = G[cols]
    used = [c for c in cols if G[c].notna().all()]
    G = G[used]
    R = rank_desc(G)
    n = len(used)
    var = G.var(axis=1, ddof=1) if n >= 2 else pd.Series(np.nan, index=G.index)
    moves = R.diff(axis=1).abs().sum(axis=1, min_count=1) if n >= 2 else pd.Series(np.nan, index=G.index)
    df = pd.DataFrame({
        "iCode": codes,
        "name": [fw[c].label("zh") for c in codes],
        "name_en": [fw[c].label("en") for c in codes],
        "n_growth": n,
        "growth_mean": G.mean(axis=1).to_numpy() if n else np.nan,
        "growth_var": var.to_numpy(),
        "growth_sd": np.sqrt(var.to_numpy()),
        "rank_first": as_rank(R[used[0]].to_numpy() if n else np.full(len(codes), np.nan)),
        "rank_last": as_rank(R[used[-1]].to_numpy() if n else np.full(len(codes), np.nan)),
        "rank_moves": moves.to_numpy(),
        "_order": np.arange(len(codes)),
    })
    df = order_rows(df, [("growth_var", "rank"), ("rank_moves", "rank"), ("_order", "asc")])
    stab = np.arange(1, len(df) + 1, dtype=float)
    stab[df["growth_var"].isna().to_numpy()] = np.nan
    df["stability_rank"] = as_rank(stab)
    df = df.drop(columns="_order")
    df.attrs["periods"] = used
    df.attrs["growth_kind"] = growth_kind
    return df
