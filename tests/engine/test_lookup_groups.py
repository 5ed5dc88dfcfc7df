"""Lookup misses named in the log, and the ``city`` / ``industry`` groups of ``<city>:<industry>`` units."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from dtindex.engine import aggregate, engine_config, panel_from_observations

from .conftest import lookup_spec, write_lookup


def test_lookup_misses_are_named_in_the_null_unit_line(tmp_path):
    records, firms = write_lookup(tmp_path)
    agg = aggregate(engine_config(lookup_spec(records, firms), None))
    # enterprise 99 (one record, 2021-03-01, 8.0) is not in the lookup table
    details = agg.log.loc[agg.log["category"] == "null_unit", "detail"].tolist()
    assert len(details) == 2 and all(d.endswith("; keys not in lookup enterprises.parquet: 99 (1 row)") for d in details)


def test_city_and_industry_groups_come_from_the_unit(tmp_path):
    records, firms = write_lookup(tmp_path)
    config = engine_config(lookup_spec(records, firms), None)
    # what panel_from_observations reads of a framework: its indicators, denominators and groups
    framework = SimpleNamespace(indicators=["pay", "firms"], denominators=[], groups=["city", "industry", "province"])
    panel = panel_from_observations(aggregate(config).observations, framework, config)
    assert panel.units == ("110000:retail", "310000:manufacturing")
    n = len(panel.units)
    assert list(panel.groups["city"][:n]) == ["110000", "310000"]
    assert list(panel.groups["industry"][:n]) == ["retail", "manufacturing"]
    assert list(panel.groups["province"][:n]) == ["北京市", "上海市"]
    assert np.all(panel.groups["city"][n:2 * n] == panel.groups["city"][:n])
