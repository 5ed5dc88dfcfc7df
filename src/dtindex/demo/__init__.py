"""The ``dtindex demo`` data set: SYNTHETIC activity records -> DuckDB aggregates -> indices -> release.

* :mod:`dtindex.demo.params`: :class:`GeneratorParams` (every documented model
  parameter) and the size presets :data:`SIZES`.
* :mod:`dtindex.demo.generator`: seeded, vectorised generation of enterprises
  and activity records, written to Parquet with DuckDB ``COPY``.
* :mod:`dtindex.demo.aggregate`: DuckDB SQL from records to
  ``(adcode, industry, quarter, indicator, value)``.
* :mod:`dtindex.demo.pipeline`: :func:`run_demo`, the whole chain up to the
  release folder.

See ``docs/demo.md``. Nothing here is real telemetry.
"""

from .aggregate import MEASURES, Aggregates, aggregate_records
from .generator import RawData, expert_panel, generate, industries
from .params import PRODUCTS, SIZES, GeneratorParams, params_for_size
from .pipeline import STAGES, DemoResult, run_demo

__all__ = [
    "MEASURES", "PRODUCTS", "SIZES", "STAGES", "Aggregates", "DemoResult", "GeneratorParams", "RawData",
    "aggregate_records", "expert_panel", "generate", "industries", "params_for_size", "run_demo",
]
