"""Which group each unit of a build belongs to: provinces, tiers, clusters, regions, or a user mapping.

A :class:`Grouping` maps every unit of a build to a group label (NA: the unit
is in no group, e.g. a county-level unit has no tier and 196 cities are in no
cluster). Built-in kinds read :func:`dtindex.regions.group_map`; for city ×
industry builds (units ``"440300:C39"``) the city part before ``sep`` is looked
up. A user mapping is a ``pandas.Series`` (or dict) whose index holds every unit
code of the build, or every city code for city × industry builds; map a unit to
NA to leave it out on purpose. Missing keys are an error, never a silent drop.
Built-in kinds put a code the city table does not know (a country, an enterprise, an
abolished city such as 莱芜 371200) in no group (listed in ``describe()``), except that
a 6-digit code still belongs to the province of its first two digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, check_choice, describe_rows
from ._base import map_names, unit_names

KINDS = ("unit", "province", "tier", "cluster", "region")
TIER_LISTS = ("2025", "2023")


@dataclass(frozen=True, eq=False)
class Grouping:
    """Units -> group labels, with the groups' canonical order and names.

    Attributes
    ----------
    kind : str
        ``unit``, ``province``, ``tier``, ``cluster``, ``region`` or ``custom``.
    labels : pandas.Series
        Index = unit codes of the build (build order), values = group label or NA.
    order : tuple of str
        Canonical order of the groups (provinces by adcode, tiers 一线..五线, the 11
        clusters in :data:`dtindex.regions.CLUSTERS` order, regions 东部..东北; custom
        mappings in order of first appearance in the mapping).
    names_zh, names_en : mapping label -> display name
    tier_list : str or None
        The tier list used (``kind == "tier"`` only).
    """

    kind: str
    labels: pd.Series
    order: tuple[str, ...]
    names_zh: Mapping[str, str] = field(default_factory=dict)
    names_en: Mapping[str, str] = field(default_factory=dict)
    tier_list: str | None = None

    @property
    def unmapped(self) -> list[str]:
        """Units in no group, in build order."""
        return self.labels.index[self.labels.isna()].tolist()

    def describe(self) -> dict[str, Any]:
        """What the output's ``attrs["grouping"]`` says: kind, tier list, units in no group."""
        out: dict[str, Any] = {"kind": self.kind, "n_unmapped": len(self.unmapped),
                               "unmapped_units": self.unmapped}
        if self.tier_list is not None:
            out["tier_list"] = self.tier_list
        return out

    def present_order(self, labels: Sequence[str]) -> list[str]:
        """``labels`` sorted by the canonical order (unknown ones last, by text)."""
        pos = {g: i for i, g in enumerate(self.order)}
        return sorted(set(labels), key=lambda g: (pos.get(g, len(pos)), str(g)))

    def zh(self, label: str) -> str:
        return self.names_zh.get(label, label)

    def en(self, label: str) -> str:
        return self.names_en.get(label, label)

    def en_many(self, labels) -> list:
        """English names of many labels at once."""
        return map_names(labels, self.names_en)

    def zh_many(self, labels) -> list:
        """Chinese names of many labels at once."""
        return map_names(labels, self.names_zh)


def make_grouping(units: Sequence[str], by: str | pd.Series | Mapping[str, Any], *, tier_list: str = "2025",
                  sep: str | None = None, owner: str = "analysis") -> Grouping:
    """Build a :class:`Grouping` of ``units``.

    Parameters
    ----------
    units : sequence of str
        Unit codes of the build (city adcodes, or ``"<adcode><sep><industry>"``).
    by : {"unit", "province", "tier", "cluster", "region"} or Series/dict
        ``unit`` makes every unit its own group (names from the city table).
    tier_list : {"2025", "2023"}
        For ``by="tier"``: the Yicai list (2025 is complete; 2023 has only 一线, 新一线, 二线).
    sep : str, optional
        Separator of city × industry unit codes; the city part is looked up.
    """
    check_choice(owner, "tier_list", tier_list, TIER_LISTS)
    units = pd.Index(list(units)).astype(str).tolist()
    index = pd.Index(units, name="uCode")
    if isinstance(by, (pd.Series, Mapping)):
        return _custom(index, pd.Series(by) if not isinstance(by, pd.Series) else by, sep, owner)
    check_choice(owner, "by", by, [*KINDS, "a pandas Series unit -> group"])
    if by == "unit":
        zh, en = unit_names(units, sep)
        return Grouping("unit", pd.Series(units, index=index, dtype=object), tuple(units),
                        dict(zip(units, zh)), dict(zip(units, en)))
    from .. import regions

    cities = pd.Series(_city_part(units, sep), dtype=object).astype(str)
    known = cities.isin(set(regions.cities()["adcode"].astype(str))).to_numpy()
    labels_zh = pd.Series(pd.NA, index=range(len(cities)), dtype=object)
    labels_en = labels_zh.copy()
    if known.any():
        labels_zh[known] = regions.group_map(by, codes=cities[known], tier_list=tier_list, lang="zh").to_numpy(dtype=object)
        labels_en[known] = regions.group_map(by, codes=cities[known], tier_list=tier_list, lang="en").to_numpy(dtype=object)
    if by == "province" and not known.all():
        # a code the city table does not know (an abolished city such as 莱芜 371200) still names its province
        prov = regions.provinces()
        prefix = cities.str.slice(0, 2) + "0000"
        zh_of = dict(zip(prov["adcode"].astype(str), prov["short_name"].astype(str)))
        en_of = dict(zip(prov["adcode"].astype(str), prov["name_en"].astype(str)))
        unknown = ~known & cities.str.fullmatch(r"\d{6}").to_numpy()
        labels_zh[unknown] = prefix[unknown].map(zh_of).to_numpy(dtype=object)
        labels_en[unknown] = prefix[unknown].map(en_of).to_numpy(dtype=object)
    labels = pd.Series(labels_zh.to_numpy(dtype=object), index=index, dtype=object)
    labels = labels.where(labels.notna(), None)
    names_en = {z: e for z, e in zip(labels_zh, labels_en) if pd.notna(z)}
    if by == "province":
        order = tuple(regions.provinces()["short_name"].astype(str))
    elif by == "tier":
        order = tuple(regions.TIERS)
    elif by == "cluster":
        order = tuple(regions.CLUSTERS)
    else:
        order = tuple(regions.REGIONS)
    return Grouping(by, labels, order, {g: g for g in order}, names_en, tier_list if by == "tier" else None)


def _city_part(units: list[str], sep: str | None) -> list[str]:
    if not sep:
        return units
    return pd.Series(units, dtype=object).astype(str).str.partition(sep)[0].tolist()


def _custom(index: pd.Index, mapping: pd.Series, sep: str | None, owner: str) -> Grouping:
    keys = pd.Index([str(k) for k in mapping.index])
    if keys.has_duplicates:
        raise DataError(f"{owner}: the group mapping has duplicated keys: "
                        f"{describe_rows(keys[keys.duplicated()].unique().tolist())}")
    values = pd.Series(mapping.to_numpy(dtype=object), index=keys, dtype=object)
    present = values.notna()
    values = values.astype(str).where(present, None)
    units = index.tolist()
    lookup = units
    if not set(units) <= set(keys) and sep:
        lookup = _city_part(units, sep)
    known = pd.Index(lookup).isin(values.index)
    missing = [u for u, ok in zip(units, known) if not ok]
    if missing:
        raise DataError(f"{owner}: the group mapping has no entry for {len(missing)} unit(s): "
                        f"{describe_rows(missing)}; give every unit a group (NA to leave a unit out on purpose)")
    labels = pd.Series(values.reindex(lookup).to_numpy(dtype=object), index=index, dtype=object)
    order = tuple(pd.unique(values[present].to_numpy(dtype=object)))
    return Grouping("custom", labels, order, {g: g for g in order}, {g: g for g in order})


def rollup(wide: pd.DataFrame, grouping: Grouping, how: str,
           weights: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group values (``sum`` with all-missing -> missing, ``mean``, or ``weighted_mean``) and counts of present units.

    ``weighted_mean``: ``v_g,t = sum_c w_c,t s_c,t / sum_c w_c,t`` over the group's units with
    both a score and a weight in period t (``weights`` has the rows and columns of ``wide``).

    Rows are the groups that have at least one unit, in canonical order;
    ``by="unit"`` returns the table itself (counts 1/0).
    """
    if grouping.kind == "unit":
        return wide.copy(), wide.notna().astype(np.int64)
    labels = grouping.labels.reindex(wide.index).to_numpy(dtype=object)
    keep = pd.notna(labels)
    sub = wide[keep]
    g = sub.groupby(labels[keep], sort=False)
    if how == "weighted_mean":
        W = weights.reindex(index=sub.index, columns=sub.columns).astype(float)
        valid = sub.notna() & W.notna()
        num = (sub * W).where(valid).groupby(labels[keep], sort=False).sum(min_count=1)
        den = W.where(valid).groupby(labels[keep], sort=False).sum(min_count=1)
        values = num / den.where(den != 0)
    else:
        values = g.sum(min_count=1) if how == "sum" else g.mean()
    counts = g.count()
    order = grouping.present_order(values.index.tolist())
    values, counts = values.reindex(order), counts.reindex(order)
    values.index.name = counts.index.name = "group"
    return values, counts.astype(np.int64)


def group_of_entities(entities: pd.Index, grouping: Grouping, within: Grouping, owner: str) -> pd.Series:
    """The ``within`` group of each entity of ``grouping`` (a unit or a group of units).

    A group whose units fall into several ``within`` groups is an error (e.g.
    ranking clusters within provinces: a cluster spans provinces).
    """
    if grouping.kind == "unit":
        return within.labels.reindex(entities)
    pairs = pd.DataFrame({"g": grouping.labels.to_numpy(dtype=object),
                          "w": within.labels.reindex(grouping.labels.index).to_numpy(dtype=object)}).dropna()
    pairs = pairs.drop_duplicates()
    split = pairs[pairs["g"].duplicated(keep=False)]
    if len(split):
        raise DataError(f"{owner}: groups span several '{within.kind}' groups, so they cannot be ranked within them: "
                        f"{describe_rows(sorted(split['g'].unique()))}")
    return pairs.set_index("g")["w"].reindex(entities)
