"""Observations -> a balanced :class:`~dtindex.panel.Panel`, and :func:`load_panel`, what a build with ``sources`` calls.

Units are every unit with an observation (city codes sorted, the unknown unit last); group columns
come from the shipped city table (:func:`dtindex.regions.cities`) or from the unit's city and
industry parts. With ``engine.store`` the observations come from the workspace store
(:mod:`dtindex.engine.store`), otherwise from :func:`dtindex.engine.aggregation.aggregate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError, describe_rows
from ..panel import Panel
from ..spec.framework import Framework
from .aggregation import aggregate, log_messages
from .spec import EngineConfig, engine_config

#: Group columns filled from the city table.
REGION_GROUPS = ("province", "province_adcode", "tier", "tier_2025", "cluster", "level", "name_en", "short_name")


def panel_from_observations(observations: pd.DataFrame, framework: Framework, config: EngineConfig, *,
                            source: str = "sources") -> Panel:
    """A balanced :class:`~dtindex.panel.Panel` from observations.

    Units: every unit with an observation (city codes sorted, the unknown unit
    last); periods: the declared periods; a (unit, period) row is present
    when any indicator has rows there. Indicators with ``empty: zero`` are 0
    on present rows without their own rows. Group columns named in the
    framework come from :func:`dtindex.regions.cities` (province, tier, ...)
    or, for ``city`` and ``industry``, from the city and industry parts of the unit.
    """
    defined = {i.code: i for s in config.sources for i in s.indicators}
    needed = [*framework.indicators, *framework.denominators]
    missing = [c for c in needed if c not in defined]
    if missing:
        raise SpecError(f"{source}: indicators {describe_rows(missing)} of the framework are not defined in any source; "
                        f"sources define {describe_rows(list(defined), 30)}")
    obs = observations
    unknown = config.engine.unknown_unit
    units_all = sorted(set(obs["unit"].astype(str)), key=lambda u: (u.split(":")[0] == unknown, u))
    periods = tuple(config.periods)
    n_u, n_p = len(units_all), len(periods)
    uidx = {u: i for i, u in enumerate(units_all)}
    pidx = {p.label: i for i, p in enumerate(periods)}
    row = (obs["period"].map(pidx).to_numpy(dtype=np.int64) * n_u + obs["unit"].map(uidx).to_numpy(dtype=np.int64)) \
        if len(obs) else np.array([], dtype=np.int64)
    present = np.zeros(n_u * n_p, dtype=bool)
    present[row] = True
    values: dict[str, np.ndarray] = {}
    codes = obs["indicator"].to_numpy(dtype=object)
    vals = obs["value"].to_numpy(dtype=float)
    for code, ind in defined.items():
        arr = np.full(n_u * n_p, np.nan)
        sel = codes == code
        arr[row[sel]] = vals[sel]
        if ind.empty == "zero":
            seen = np.zeros(n_u * n_p, dtype=bool)
            seen[row[sel]] = True
            arr[present & ~seen] = 0.0
        values[code] = arr
    from ..regions import cities

    table = cities().set_index(cities()["adcode"].astype(str))
    city_of = [u.split(":", 1)[0] for u in units_all]
    ind_of = [u.split(":", 1)[1] if ":" in u else "" for u in units_all]
    names = []
    for c, i in zip(city_of, ind_of):
        nm = str(table.at[c, "name"]) if c in table.index else ""
        names.append(f"{nm}:{i}" if nm and i else nm)
    groups = {}
    for g in framework.groups:
        if g == "industry":
            per_unit = np.array(ind_of, dtype=object)
        elif g == "city":  # the city code of "<city>:<industry>" units (roll an industry index up to cities)
            per_unit = np.array(city_of, dtype=object)
        elif g in REGION_GROUPS:
            per_unit = np.array([("" if pd.isna(table.at[c, g]) else str(table.at[c, g])) if c in table.index else ""
                                 for c in city_of], dtype=object)
        else:
            raise SpecError(f"{source}: group column {g!r} cannot be filled from raw sources; groups available are "
                            f"{', '.join(REGION_GROUPS)} (from the city table), city and industry")
        groups[g] = np.tile(per_unit, n_p)
    return Panel(tuple(units_all), tuple(names), periods, values, groups, present, source)


def load_panel(spec: Any, base_dir: Path | None, framework: Framework, *, engine: str | None = None,
               backend: Any = None) -> tuple[Panel, list[str]]:
    """Aggregate a spec's sources into a panel for :func:`dtindex.index.build`.

    Parameters
    ----------
    spec : IndexSpec
        With ``sources`` (and ``periods``); ``engine`` settings apply.
    base_dir : Path or None
        Folder of the spec; relative source paths resolve against it.
    framework : Framework
        Every indicator and denominator must be defined in a source.
    engine : str, optional
        Override ``engine.name`` (``duckdb`` or ``spark``).
    backend : optional
        An open backend to use (tests share one Spark session).

    Returns
    -------
    (Panel, list of str)
        The panel and the build-log lines: dirty-data counts per indicator
        (and, with ``engine.store``, which periods were aggregated or reused).
    """
    config = engine_config(spec, base_dir, engine=engine)
    if config.engine.store:
        from .store import Store

        store = Store(config.resolve(config.engine.store))
        sync = store.sync(config, backend)
        obs = store.observations(config.indicator_codes(), [p.label for p in config.periods])
        messages = log_messages(sync.log) + sync.messages()
    else:
        result = aggregate(config, backend)
        obs = result.observations
        messages = result.messages()
    if config.engine.name == "spark" and backend is None:
        from .spark_backend import spark_log_path

        messages.append(f"engine: Spark's own console output (WARN lines, progress) is in {spark_log_path(config.engine)}")
    panel = panel_from_observations(obs, framework, config, source=f"sources ({config.engine.name})")
    return panel, messages
