"""Mainland China city and province reference tables, shipped as package data.

The tables live in ``dtindex/data/regions/`` (``cities.csv``: 369 city-level units;
``provinces.csv``: 31 province-level units; ``README.md``: sources and caveats). They are
read once with :mod:`importlib.resources`, validated, and cached; every lookup after the
first is a dictionary access.

Conventions
-----------
* Adcodes are always 6-character strings (``"440300"``), never integers or floats.
* ``tier`` is the Yicai 2023 list, in which only 一线, 新一线 and 二线 are filled;
  ``tier_2025`` is the complete 2025 list. The two must not be mixed (see
  ``docs/regions.md``); functions that use tiers take ``tier_list="2023" | "2025"``.
* ``cluster`` is the primary national city cluster of a unit; ``clusters_all`` lists every
  cluster whose plan includes it (邯郸 and 邢台: 京津冀 and 中原; 运城: 关中平原 and 中原).
"""
from __future__ import annotations

from .groups import group_map, members, members_frame
from .lookup import city, normalise_code, province
from .tables import (
    CLUSTERS,
    LEVELS,
    REGIONS,
    TIER_LISTS,
    TIERS,
    City,
    Province,
    cities,
    provinces,
)

__all__ = [
    "CLUSTERS", "LEVELS", "REGIONS", "TIERS", "TIER_LISTS", "City", "Province", "cities", "city", "group_map", "members", "members_frame", "normalise_code", "province", "provinces",
]
