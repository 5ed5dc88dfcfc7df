"""From the engine's base counts to the dimension indicators of the future-industry index.

The raw-record engine (:func:`dtindex.engine.aggregate`) turns the start-up
registry, financing and patent tables into base measures per city, sub-field
and period (counts and sums: new firms, new registered capital, financing events
and amounts, patents). The dimension indicators are not sums of records: a
share divides by the national total, a location quotient by four totals, a
growth rate compares two periods, a diversity index looks at the whole
sub-field distribution of a region. The engine's measures are per unit and
period (``sum``, ``count``, ratios of two of them within one unit-period), so
these derivations are computed here, vectorised, from the engine's output:

1. :func:`base_cube` -- observations -> array ``[city, sub-field, period]`` per measure;
2. :func:`region_cube` -- cities summed into provinces (counts and sums add up);
3. :func:`derive_indicators` -- stocks (cumulative new firms and capital since the
   registry's first period), then per field and index period the eleven indicators
   (growth rates compare the flows of a period with those of the previous one: new firms,
   new registered capital, financing amount; a stock's growth would mostly measure the
   registry's age)
   of :data:`INDICATORS` (formulas in :mod:`dtindex.future.dimensions`);
4. :func:`indicator_panel` -- a :class:`~dtindex.panel.Panel` for :func:`dtindex.index.build`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows
from ..panel import Panel
from ..periods import parse_period
from . import dimensions as D
from .taxonomy import FIELDS, SUBFIELDS, subfields_of

#: Engine indicator codes the derivation reads (declared in the spec's ``sources``).
BASE_MEASURES = ("new_firms", "new_capital", "fin_events", "fin_amount", "patents")

#: Indicator suffix -> (dimension, zh, en, unit). Indicator codes are ``<field>_<suffix>``.
INDICATORS: dict[str, tuple[str, str, str, str]] = {
    "share": ("agglomeration", "企业数量全国占比", "Share of national firms", "%"),
    "cap_share": ("agglomeration", "注册资本全国占比", "Share of national registered capital", "%"),
    "lq": ("agglomeration", "区位熵", "Location quotient", "LQ"),
    "new": ("activity", "新增企业数", "New firms", "家 / firms"),
    "fin_n": ("activity", "融资事件数", "Financing events", "起 / events"),
    "fin_amt": ("activity", "融资金额", "Financing amount", "万元 / 10k yuan"),
    "patents": ("activity", "专利申请数", "Patent applications", "件 / patents"),
    "g_firms": ("growth", "新增企业增长率", "Growth of new firms", "DHS"),
    "g_cap": ("growth", "新增注册资本增长率", "Growth of new registered capital", "DHS"),
    "g_fin": ("growth", "融资金额增长率", "Growth of financing", "DHS"),
    "div": ("diversity", "细分领域多样性", "Sub-field diversity", "0-1"),
}


@dataclass(frozen=True, eq=False)
class Cube:
    """Base measures as arrays ``[region, sub-field, period]`` over the history periods."""

    regions: tuple[str, ...]
    subfields: tuple[str, ...]
    periods: tuple[str, ...]
    values: dict[str, np.ndarray]


def base_cube(observations: pd.DataFrame, cities: list[str] | tuple[str, ...], periods: list[str] | tuple[str, ...],
              measures: tuple[str, ...] = BASE_MEASURES) -> Cube:
    """Observations (``indicator, city, industry, period, value``; industry = sub-field) as a :class:`Cube`.

    Absent combinations are 0 (no firm, no event). Cities or sub-fields outside
    the lists are an error naming them (nothing is dropped silently).
    """
    subs = tuple(SUBFIELDS)
    obs = observations[observations["indicator"].isin(measures)]
    ci = pd.Index([str(c) for c in cities]).get_indexer(obs["city"].astype(str))
    si = pd.Index(subs).get_indexer(obs["industry"].astype(str))
    pi = pd.Index(list(periods)).get_indexer(obs["period"].astype(str))
    for pos, col, what in ((ci, "city", "cities"), (si, "industry", "sub-fields"), (pi, "period", "periods")):
        if (pos < 0).any():
            bad = pd.unique(obs[col].astype(str).to_numpy()[pos < 0])
            raise DataError(f"future-industry base measures: {what} not in the lists: {describe_rows(bad)}")
    vals = obs["value"].to_numpy(dtype=float)
    ind = obs["indicator"].to_numpy()
    out = {}
    for m in measures:
        a = np.zeros((len(cities), len(subs), len(periods)))
        k = ind == m
        np.add.at(a, (ci[k], si[k], pi[k]), vals[k])
        out[m] = a
    return Cube(tuple(str(c) for c in cities), subs, tuple(periods), out)


def region_cube(cube: Cube, region_of: pd.Series | dict, regions: list[str] | tuple[str, ...]) -> Cube:
    """Sum cities into regions: ``x[r, s, t] = sum_{c in r} x[c, s, t]`` (``region_of``: city -> region)."""
    mapping = pd.Series(region_of)
    mapping.index = mapping.index.astype(str)
    codes = mapping.reindex(list(cube.regions))
    if codes.isna().any():
        raise DataError(f"future-industry: no region for cities {describe_rows(codes.index[codes.isna()])}")
    ri = pd.Index([str(r) for r in regions]).get_indexer(codes.astype(str))
    if (ri < 0).any():
        raise DataError(f"future-industry: regions {describe_rows(pd.unique(codes.astype(str)[ri < 0]))} not listed")
    M = np.zeros((len(regions), len(cube.regions)))
    M[ri, np.arange(len(cube.regions))] = 1.0
    vals = {m: np.einsum("rc,cst->rst", M, a) for m, a in cube.values.items()}
    return Cube(tuple(str(r) for r in regions), cube.subfields, cube.periods, vals)


def _by_field(a: np.ndarray, subs: tuple[str, ...]) -> np.ndarray:
    """``[region, sub-field, t]`` -> ``[region, field, t]`` (sum over each field's sub-fields)."""
    fi = pd.Index(list(FIELDS)).get_indexer([SUBFIELDS[s][0] for s in subs])
    out = np.zeros((a.shape[0], len(FIELDS), a.shape[2]))
    for f in range(len(FIELDS)):
        out[:, f, :] = a[:, fi == f, :].sum(axis=1)
    return out


@dataclass(frozen=True, eq=False)
class Derived:
    """Indicators ``{code: array[region, index period]}`` and the long table of every dimension measure.

    ``table``: one row per region, field and index period with the stock of
    firms and capital, shares, LQ, new firms, financing, patents, the three
    growth rates, the entropy and HHI diversity measures.
    """

    regions: tuple[str, ...]
    periods: tuple[str, ...]
    indicators: dict[str, np.ndarray]
    table: pd.DataFrame


def derive_indicators(cube: Cube, index_periods: list[str] | tuple[str, ...], *, growth: str = "dhs",
                      diversity: str = "entropy") -> Derived:
    """The indicators of :data:`INDICATORS` for every field, region and index period.

    ``stock_t = sum_{u <= t} new_u`` over the cube's periods (the registry's first
    period onward); each index period must have a previous period in the cube
    (growth compares ``t`` with ``t-1``). ``growth``: ``dhs`` or ``pct``
    (:func:`~dtindex.future.dimensions.growth_rate`); ``diversity``: ``entropy``
    or ``hhi`` (the value of ``<field>_div``; both are in the table).
    """
    D.growth_rate(0.0, 0.0, method=growth)
    D.diversity(np.ones((1, 2)), method=diversity)
    hist = list(cube.periods)
    pos = pd.Index(hist).get_indexer(list(index_periods))
    if (pos < 0).any():
        raise DataError(f"future-industry: index periods {describe_rows(np.array(index_periods)[pos < 0])} are not "
                        f"among the aggregated periods {hist[0]}..{hist[-1]}")
    if (pos < 1).any():
        raise DataError(f"future-industry: period {index_periods[0]} has no previous period for growth rates; start "
                        f"the registry history (history_start) at least one period earlier")
    v = cube.values
    stock_n = np.cumsum(v["new_firms"], axis=2)
    stock_c = np.cumsum(v["new_capital"], axis=2)
    F = {name: _by_field(a, cube.subfields) for name, a in
         (("stock", stock_n), ("capital", stock_c), ("new", v["new_firms"]), ("new_cap", v["new_capital"]), ("fin_n", v["fin_events"]),
          ("fin_amt", v["fin_amount"]), ("patents", v["patents"]))}
    cur, prev = pos, pos - 1
    stock = F["stock"][:, :, cur]
    cap = F["capital"][:, :, cur]
    nat_stock = stock.sum(axis=0, keepdims=True)
    reg_all = stock.sum(axis=1, keepdims=True)
    measures = {
        "stock": stock, "capital": cap,
        "share": D.share(stock, nat_stock),
        "cap_share": D.share(cap, cap.sum(axis=0, keepdims=True)),
        "lq": D.location_quotient(stock, reg_all, nat_stock, stock.sum(axis=(0, 1), keepdims=True)),
        "new": F["new"][:, :, cur], "fin_n": F["fin_n"][:, :, cur], "fin_amt": F["fin_amt"][:, :, cur],
        "patents": F["patents"][:, :, cur],
        "g_firms": D.growth_rate(F["new"][:, :, prev], F["new"][:, :, cur], method=growth),
        "g_cap": D.growth_rate(F["new_cap"][:, :, prev], F["new_cap"][:, :, cur], method=growth),
        "g_fin": D.growth_rate(F["fin_amt"][:, :, prev], F["fin_amt"][:, :, cur], method=growth),
    }
    ent = np.zeros_like(stock)
    hh = np.zeros_like(stock)
    hdiv = np.zeros_like(stock)
    for f, field in enumerate(FIELDS):
        cols = [cube.subfields.index(s) for s in subfields_of(field)]
        counts = np.moveaxis(stock_n[:, cols, :][:, :, cur], 1, -1)  # [region, t, K]
        ent[:, f, :] = D.entropy_diversity(counts)
        hh[:, f, :] = D.hhi(counts)
        hdiv[:, f, :] = D.hhi_diversity(counts)
    measures.update(entropy=ent, hhi=hh, div=ent if diversity == "entropy" else hdiv)
    indicators = {f"{field}_{suffix}": measures[suffix][:, f, :] for f, field in enumerate(FIELDS) for suffix in INDICATORS}
    n_r, n_f, n_t = stock.shape
    table = pd.DataFrame({
        "region": np.repeat(np.array(cube.regions, dtype=object), n_f * n_t),
        "field": np.tile(np.repeat(np.array(list(FIELDS), dtype=object), n_t), n_r),
        "period": np.tile(np.array(list(index_periods), dtype=object), n_r * n_f),
    })
    for name in ("stock", "capital", "share", "cap_share", "lq", "new", "fin_n", "fin_amt", "patents",
                 "g_firms", "g_cap", "g_fin", "entropy", "hhi"):
        table[name] = measures[name].reshape(-1)
    return Derived(cube.regions, tuple(index_periods), indicators, table)


def indicator_panel(derived: Derived, names: list[str] | tuple[str, ...], groups: dict[str, np.ndarray] | None = None,
                    *, source: str = "future-industry indicators") -> Panel:
    """The derived indicators as a balanced :class:`~dtindex.panel.Panel` (rows period-major).

    ``groups``: per-region arrays (one value per region), repeated for every period.
    """
    n_r, n_t = len(derived.regions), len(derived.periods)
    values = {code: np.ascontiguousarray(a.T).reshape(-1) for code, a in derived.indicators.items()}
    g = {k: np.tile(np.asarray(v, dtype=object), n_t) for k, v in (groups or {}).items()}
    return Panel(derived.regions, tuple(names), tuple(parse_period(p) for p in derived.periods), values, g,
                 np.ones(n_r * n_t, dtype=bool), source=source)
