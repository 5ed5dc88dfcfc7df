"""The ``dtindex demo`` data set: SYNTHETIC activity records -> engine aggregates -> indices -> release.

* :mod:`dtindex.demo.params`: :class:`GeneratorParams` (every documented model
  parameter) and the size presets :data:`SIZES`.
* :mod:`dtindex.demo.generator`: seeded, vectorised generation of enterprises
  and activity records, written to Parquet with DuckDB ``COPY``.
* :mod:`dtindex.demo.aggregate`: the raw-record engine (:mod:`dtindex.engine`) on the
  ``sources`` of ``specs/dti-2023-industry.yaml``, from records to
  ``(adcode, industry, quarter, indicator, value)``.
* :mod:`dtindex.demo.pipeline`: :func:`run_demo`, the whole chain up to the
  release folder.

See ``docs/demo.md``. Nothing here is real telemetry.
"""

# re-exported lazily: ``dtindex demo --help`` imports only :mod:`dtindex.demo.params`, not DuckDB or the pipeline
_EXPORTS = {
    "SOURCES_SPEC": "aggregate", "Aggregates": "aggregate", "aggregate_records": "aggregate",
    "RawData": "generator", "expert_panel": "generator", "generate": "generator", "industries": "generator",
    "PRODUCTS": "params", "SIZES": "params", "GeneratorParams": "params", "params_for_size": "params",
    "STAGES": "pipeline", "DemoResult": "pipeline", "run_demo": "pipeline",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dtindex.demo' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "PRODUCTS", "SOURCES_SPEC", "SIZES", "STAGES", "Aggregates", "DemoResult", "GeneratorParams", "RawData",
    "aggregate_records", "expert_panel", "generate", "industries", "params_for_size", "run_demo",
]
