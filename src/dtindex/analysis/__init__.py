"""Analysis of built indices: the tables and findings of a Digital Transformation Index report.

Every function takes a built :class:`~dtindex.index.Index` or a
:class:`~dtindex.release.BuildResult` read from a release folder (only their shared
read-only interface is used) and returns a pandas DataFrame with documented columns in
a deterministic order. Growth rates are fractions (0.23 = 23 %), ranks are 1 = highest
with ties sharing the smallest rank. See ``docs/analysis.md`` for every definition.

Modules: :mod:`.national` (national and layer indices, growth, layer stability),
:mod:`.rankings` (ranks, rank changes, top-N moves, growth rankings), :mod:`.groups`
(provinces, tiers, clusters), :mod:`.industry` (industry scale, provincial shares,
double-high provinces, cluster top industries), :mod:`.attribution` (contributions to
a change and to a rank gap), :mod:`.findings` (rule-based sentences).

Examples
--------
On the shipped example (40 cities, base_share normalisation, so the national index
is 100 in the base period 2021Q1):

>>> from importlib.resources import files
>>> from dtindex.index import Index
>>> from dtindex import analysis
>>> idx = Index.from_spec(files("dtindex") / "examples" / "dti-mini" / "spec.yaml")
>>> nat = analysis.national_series(idx)
>>> nat[nat.iCode == "DTI"]["value"].round(2).tolist()[:3]
[100.0, 108.08, 112.16]
>>> analysis.rank_table(idx, by="province").query("Time == '2023Q1'")["unit"].tolist()[:3]
['广东', '北京', '河北']
>>> analysis.tier_summary(idx)["group"].tolist()
['一线', '新一线', '二线', '三线', '四线', '五线']
>>> [f.rule for f in analysis.report_findings(idx)][:2]
['national_growth', 'tier_growth_leader']
"""

from __future__ import annotations

from .attribution import attribute, attribute_gap, contributions, neighbour_of
from .findings import (
    RULES,
    Finding,
    biggest_movers,
    findings_frame,
    report_findings,
    rule_biggest_movers,
    rule_double_high_leader,
    rule_group_growth_leader,
    rule_industries,
    rule_most_stable_layer,
    rule_national_growth,
    rule_new_leader,
    rule_top_entries,
)
from .grouping import Grouping, make_grouping
from .groups import (
    cluster_growth_rankings,
    cluster_heads,
    cluster_rankings,
    cluster_summary,
    group_shares,
    group_summary,
    tier_shares,
    tier_summary,
)
from .industry import (
    QUADRANTS,
    cluster_top_industries,
    double_high,
    industry_scale,
    industry_series,
    industry_top,
    province_industry_shares,
    quadrant_table,
)
from .national import layer_stability, national_series
from .rankings import growth_ranking, rank_table, top_moves

__all__ = [
    "QUADRANTS", "RULES", "Finding", "Grouping", "attribute", "attribute_gap", "biggest_movers", "cluster_growth_rankings",
    "cluster_heads", "cluster_rankings", "cluster_summary", "cluster_top_industries", "contributions", "double_high",
    "findings_frame", "group_shares", "group_summary", "growth_ranking", "industry_scale", "industry_series",
    "industry_top", "layer_stability", "make_grouping", "national_series", "neighbour_of", "province_industry_shares",
    "quadrant_table", "rank_table", "report_findings", "rule_biggest_movers", "rule_double_high_leader",
    "rule_group_growth_leader", "rule_industries", "rule_most_stable_layer", "rule_national_growth", "rule_new_leader",
    "rule_top_entries", "tier_shares", "tier_summary", "top_moves",
]
