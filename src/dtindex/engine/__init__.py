"""Raw-record engine: indicators declared over raw tables, aggregated by DuckDB or Spark.

A spec's ``sources`` section defines indicators over raw activity tables
(Parquet, CSV, DuckDB or Spark/Hive tables); ``engine`` chooses the backend.
The pipeline is::

    spec.sources --engine_config--> SourceSpec --compile_source--> SourcePlan --sql(dialect)--> DuckDB | Spark
        --> grouped rows (raw keys) --classify / policies / exact values--> observations --> Panel

* :func:`load_panel` -- what :func:`dtindex.index.build_from_spec` calls when
  a spec has ``sources``: the panel (units = city codes, or
  ``"<city>:<industry>"``) and the build-log lines.
* :func:`aggregate` -- the observations and the structured dirty-data log.
* :class:`~dtindex.engine.store.Store` -- the workspace DuckDB file:
  observations aggregated incrementally by period, and versioned releases.

See ``docs/engine.md``.
"""

from .aggregation import (
    Aggregation,
    aggregate,
    explain,
    known_values,
    log_messages,
    open_backend,
    register_source,
    source_facts,
)
from .grouped import OBS_COLUMNS
from .panels import REGION_GROUPS, load_panel, panel_from_observations
from .spec import EngineConfig, EngineSpec, IndicatorDef, Policies, SourceSpec, engine_config
from .validate import LOG_COLUMNS

__all__ = [
    "LOG_COLUMNS", "OBS_COLUMNS", "REGION_GROUPS", "Aggregation", "EngineConfig", "EngineSpec", "IndicatorDef",
    "Policies", "SourceSpec", "aggregate", "engine_config", "explain", "known_values", "load_panel", "log_messages",
    "open_backend", "panel_from_observations", "register_source", "source_facts",
]
