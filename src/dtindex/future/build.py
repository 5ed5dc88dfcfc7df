"""Build the future-industry index from a spec: engine aggregation -> derived indicators -> index builds.

:func:`build_future` runs, for a spec such as ``specs/future-industry.yaml``:

1. :func:`dtindex.engine.aggregate` over the spec's ``sources`` (registry, financing,
   patents; DuckDB by default, Spark with ``engine.name: spark``) for every period
   of ``periods`` (the registry's coverage);
2. :mod:`dtindex.future.derive` -- cities summed into provinces, stocks, shares,
   location quotients, growth rates and diversity, per field and index period;
3. :func:`dtindex.index.build` with the spec's framework and methods, once for the
   provinces and once for the cities (units = province / city adcodes), over the
   index periods (every aggregated period but the first, which is the base of the
   first growth rates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import regions
from ..errors import DataError, SpecError, describe_rows
from ..index import Index, build
from ..io.tables import file_sha256
from ..spec.index_spec import IndexSpec, load_spec
from .derive import BASE_MEASURES, Derived, base_cube, derive_indicators, indicator_panel, region_cube
from .taxonomy import AI_TRACKS

AI_MEASURES = ("ai_new_firms", "ai_fin_amount")
LEVELS = ("province", "city")


@dataclass(frozen=True, eq=False)
class FutureBuild:
    """Result of :func:`build_future`.

    ``province`` and ``city``: the two index builds; ``measures``: every
    dimension measure (long: ``level, region, field, period, ...``, see
    :class:`~dtindex.future.derive.Derived`); ``units``: code, name, level,
    province and region of every unit; ``ai``: the AI sub-field by track
    (``level, region, track, period, firms`` = stock, ``new_firms`` and
    ``financing`` in the latest period, ``financing_total`` over all periods);
    ``messages``: the engine's dirty-data log lines.
    """

    province: Index
    city: Index
    measures: pd.DataFrame
    units: pd.DataFrame
    ai: pd.DataFrame
    periods: tuple[str, ...]
    history: tuple[str, ...]
    engine: str
    messages: tuple[str, ...] = field(default_factory=tuple)


def default_cities() -> pd.DataFrame:
    """Municipalities and prefecture-level cities of :mod:`dtindex.regions` (the units of the city build)."""
    c = regions.cities()
    return c[c["level"].isin(["municipality", "prefecture"])].sort_values("adcode", kind="stable").reset_index(drop=True)


def unit_table(cities: pd.DataFrame) -> pd.DataFrame:
    """``code, name, name_en, level, province, province_name, region`` of the provinces and cities."""
    prov = regions.provinces().set_index("adcode")
    pcodes = sorted(set(cities["province_adcode"].astype(str)))
    p = pd.DataFrame({"code": pcodes, "name": prov.loc[pcodes, "name"].to_numpy(),
                      "name_en": prov.loc[pcodes, "name_en"].to_numpy(), "level": "province", "province": pcodes,
                      "province_name": prov.loc[pcodes, "name"].to_numpy(),
                      "region": prov.loc[pcodes, "region"].to_numpy()})
    cp = cities["province_adcode"].astype(str)
    c = pd.DataFrame({"code": cities["adcode"].astype(str).to_numpy(), "name": cities["name"].to_numpy(),
                      "name_en": cities["name_en"].to_numpy(), "level": "city", "province": cp.to_numpy(),
                      "province_name": prov.loc[cp, "name"].to_numpy(), "region": prov.loc[cp, "region"].to_numpy()})
    return pd.concat([p, c], ignore_index=True)


def _index_periods(history: list[str], start: str | None) -> list[str]:
    if start is None:
        return history[1:]
    if start not in history[1:]:
        raise SpecError(f"future-industry: index start {start!r} must be one of {', '.join(history[1:])} (the first "
                        f"aggregated period, {history[0]}, is the base of the first growth rates)")
    return history[history.index(start):]


def _ai_table(obs: pd.DataFrame, cities: pd.DataFrame, history: list[str]) -> pd.DataFrame:
    sub = obs[obs["indicator"].isin(AI_MEASURES)]
    unknown = sorted(set(sub["industry"].astype(str)) - set(AI_TRACKS))
    if unknown:
        raise DataError(f"future-industry: AI tracks not in the taxonomy: {describe_rows(unknown)}")
    last = history[-1]
    prov = cities.set_index(cities["adcode"].astype(str))["province_adcode"].astype(str)
    rows = []
    for level in LEVELS:
        region = sub["city"].astype(str) if level == "city" else sub["city"].astype(str).map(prov)
        if region.isna().any():
            raise DataError(f"future-industry: AI records in cities outside the city list: "
                            f"{describe_rows(sub['city'][region.isna()].unique())}")
        d = sub.assign(region=region.to_numpy(), track=sub["industry"].astype(str))
        g = d.groupby(["region", "track"], sort=True)
        firms = d[d["indicator"] == "ai_new_firms"].groupby(["region", "track"])["value"].sum()
        new = d[(d["indicator"] == "ai_new_firms") & (d["period"] == last)].groupby(["region", "track"])["value"].sum()
        fin = d[(d["indicator"] == "ai_fin_amount") & (d["period"] == last)].groupby(["region", "track"])["value"].sum()
        fin_all = d[d["indicator"] == "ai_fin_amount"].groupby(["region", "track"])["value"].sum()
        keys = pd.MultiIndex.from_tuples(sorted(g.groups), names=["region", "track"])
        t = pd.DataFrame({"firms": firms.reindex(keys).fillna(0.0), "new_firms": new.reindex(keys).fillna(0.0),
                          "financing": fin.reindex(keys).fillna(0.0),
                          "financing_total": fin_all.reindex(keys).fillna(0.0)}).reset_index()
        rows.append(t.assign(level=level, period=last))
    out = pd.concat(rows, ignore_index=True)
    return out[["level", "region", "track", "period", "firms", "new_firms", "financing", "financing_total"]]


def build_future(spec: IndexSpec | str | Path, *, data_dir: str | Path | None = None, base_dir: Path | None = None,
                 cities: pd.DataFrame | None = None, engine: str | None = None, growth: str = "dhs",
                 diversity: str = "entropy", index_start: str | None = None,
                 inputs: dict[str, str] | None = None, backend: Any = None,
                 changes: dict[str, Any] | None = None) -> FutureBuild:
    """Aggregate the spec's sources, derive the dimension indicators and build both indices.

    Parameters
    ----------
    spec : IndexSpec or path
        A future-industry spec (``sources`` with the base measures
        :data:`~dtindex.future.derive.BASE_MEASURES`; framework indicators
        ``<field>_<suffix>`` of :data:`~dtindex.future.derive.INDICATORS`).
    data_dir : path, optional
        Folder the sources' relative paths resolve against (default: the spec's folder).
    cities : DataFrame, optional
        City units (``adcode, name, name_en, province_adcode``; default :func:`default_cities`).
    engine : 'duckdb' or 'spark', optional
        Overrides ``engine.name``.
    growth : 'dhs' or 'pct'; diversity : 'entropy' or 'hhi'
        See :mod:`dtindex.future.dimensions`.
    index_start : period label, optional
        First index period (default: the second aggregated period).
    backend : optional
        An open engine backend to use (e.g. a ``SparkBackend`` on an existing session).
    changes : dict, optional
        Dotted-path spec changes (:meth:`~dtindex.spec.index_spec.IndexSpec.with_changes`), e.g.
        ``{"aggregate.method": "geometric"}`` -- any normalisation, weighting or aggregation method.
    """
    from ..engine import aggregate, engine_config
    from ..engine.store import definition_hashes

    if not isinstance(spec, IndexSpec):
        path = Path(spec)
        spec, base_dir = load_spec(path)
        inputs = {f"spec:{path.name}": file_sha256(path), **(inputs or {})}
    if changes:
        spec = spec.with_changes(dict(changes))
    root = Path(data_dir) if data_dir is not None else base_dir
    config = engine_config(spec, root, engine=engine)
    missing = [m for m in BASE_MEASURES if m not in config.indicator_codes()]
    if missing:
        raise SpecError(f"future-industry spec: sources must define the base measures {describe_rows(missing)} "
                        "(see docs/future-industry.md)")
    agg = aggregate(config, backend)
    history = [p.label for p in config.periods]
    periods = _index_periods(history, index_start)
    cities = default_cities() if cities is None else cities.sort_values("adcode", kind="stable").reset_index(drop=True)
    units = unit_table(cities)
    fw = spec.build_framework(base_dir)
    cube = base_cube(agg.observations, list(cities["adcode"].astype(str)), history)
    prov_codes = list(units.loc[units["level"] == "province", "code"])
    pcube = region_cube(cube, dict(zip(cities["adcode"].astype(str), cities["province_adcode"].astype(str))), prov_codes)
    ispec = spec.with_changes({"periods": {"start": periods[0], "end": periods[-1]}})
    hashes = {**(inputs or {}), **{f"source:{k}": v for k, v in definition_hashes(config).items()}}
    builds: dict[str, Index] = {}
    tables = []
    for level, c in (("province", pcube), ("city", cube)):
        derived: Derived = derive_indicators(c, periods, growth=growth, diversity=diversity)
        extra = [code for code in fw.indicators if code not in derived.indicators]
        if extra:
            raise SpecError(f"future-industry spec: framework indicators {describe_rows(extra)} are not derived "
                            "measures (<field>_<suffix>, see docs/future-industry.md)")
        meta = units[units["level"] == level].set_index("code").loc[list(derived.regions)]
        groups = {"region": meta["region"].to_numpy(dtype=object)}
        if level == "city":
            groups["province"] = meta["province"].to_numpy(dtype=object)
        panel = indicator_panel(derived, list(meta["name"]), groups, source=f"future-industry {level} indicators")
        builds[level] = build(ispec, fw, panel, base_dir=base_dir, inputs=hashes)
        tables.append(derived.table.assign(level=level))
    measures = pd.concat(tables, ignore_index=True)
    measures = measures[["level", *[c for c in measures.columns if c != "level"]]]
    return FutureBuild(builds["province"], builds["city"], measures, units, _ai_table(agg.observations, cities, history),
                       tuple(periods), tuple(history), agg.engine, tuple(agg.messages()))


def release_files(result: FutureBuild) -> dict[str, pd.DataFrame]:
    """The tables a release of a future-industry build carries next to its builds (see docs/future-industry.md)."""
    from .taxonomy import taxonomy_table

    return {"future_units.csv": result.units, "future_measures.csv": result.measures, "future_ai.csv": result.ai,
            "future_taxonomy.csv": taxonomy_table()}


def release_meta(result: FutureBuild) -> dict[str, Any]:
    """Release metadata of a future-industry build (periods, registry history, engine, build names)."""
    return {"builds": {"future": "province", "future_city": "city"}, "periods": list(result.periods),
            "history": list(result.history), "engine": result.engine}
