"""Small hand-made panels for the analysis tests, built with the real engine.

MAIN: 4 cities x 5 quarters (2021Q1-2022Q1), framework DTI -> infra {a, b}, app {c},
all weights 1 (so infra = (a+b)/2, app = c, DTI = (infra+app)/2), normalisation
'none' and arithmetic aggregation: an additive build whose national index is the sum
over cities. 阳泉 has no value for b, so its infra is a alone (missing child skipped).

    unit            infra            app              DTI
    440300 深圳     8 8 10 10 12     8 10 10 12 12    8  9 10 11 12
    440100 广州     4 6  6  8  8     4  6  8  8 10    4  6  7  8  9
    340100 合肥     4 4  6  6 10*    4  6  6  6  8    4  5  6  6  9
    140300 阳泉     2 2  2  2  3     2  2  2  2  3    2  2  2  2  3
    national       18 20 24 26 33   18 24 26 28 33   18 22 25 27 33
    (* 合肥 2022Q1: a = 12, b = 8; elsewhere a = b = infra)

Regions: 深圳, 广州 -> 广东, 一线, 珠三角; 合肥 -> 安徽, 新一线, 长三角; 阳泉 -> 山西,
五线 (2025 list; not in the 2023 list), in no cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dtindex.index import Index, build
from dtindex.panel import Panel
from dtindex.release import Release, write_release
from dtindex.spec.framework import framework_from_records
from dtindex.spec.index_spec import IndexSpec

Q5 = ["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1"]
SZ, GZ, HF, YQ = "440300", "440100", "340100", "140300"

MAIN_FRAMEWORK = [
    {"code": "DTI", "type": "aggregate", "name": "数字化转型指数", "name_en": "Digital Transformation Index"},
    {"code": "infra", "type": "aggregate", "parent": "DTI", "name": "基础设施", "name_en": "Infrastructure"},
    {"code": "app", "type": "aggregate", "parent": "DTI", "name": "应用", "name_en": "Application"},
    {"code": "a", "parent": "infra", "name": "云计算", "name_en": "Cloud"},
    {"code": "b", "parent": "infra", "name": "人工智能", "name_en": "AI"},
    {"code": "c", "parent": "app", "name": "支付", "name_en": "Payment"},
]

MAIN = {
    SZ: {"a": [8, 8, 10, 10, 12], "b": [8, 8, 10, 10, 12], "c": [8, 10, 10, 12, 12]},
    GZ: {"a": [4, 6, 6, 8, 8], "b": [4, 6, 6, 8, 8], "c": [4, 6, 8, 8, 10]},
    HF: {"a": [4, 4, 6, 6, 12], "b": [4, 4, 6, 6, 8], "c": [4, 6, 6, 6, 8]},
    YQ: {"a": [2, 2, 2, 2, 3], "b": [None] * 5, "c": [2, 2, 2, 2, 3]},
}


def build_index(values: dict[str, dict[str, list]], periods: list[str], framework: list[dict], *,
                drop: Iterable[tuple[str, str]] = (), methods: dict | None = None) -> Index:
    """Build an Index from ``unit -> indicator -> values per period`` (None = missing value).

    ``drop``: (unit, period) rows left out of the data (the unit is absent that period).
    """
    drop = set(drop)
    indicators = [n["code"] for n in framework if n.get("type", "indicator") == "indicator"]
    rows = []
    for t, period in enumerate(periods):
        for unit, cols in values.items():
            if (unit, period) in drop:
                continue
            row = {"uCode": unit, "Time": period}
            for ind in indicators:
                v = cols[ind][t]
                row[ind] = "" if v is None else repr(float(v))
            rows.append(row)
    frame = pd.DataFrame(rows, dtype=str)
    panel = Panel.from_frame(frame, numeric=indicators, source="test panel")
    spec = IndexSpec(name="test", framework=framework, base_period=periods[0],
                     methods=methods or {"normalise": {"method": "none"}})
    return build(spec, framework_from_records(framework), panel)


def main_index(**kwargs) -> Index:
    return build_index(MAIN, Q5, MAIN_FRAMEWORK, **kwargs)


def as_build(idx: Index, tmp_path, name: str = "city"):
    """The same build written to a release folder and read back as a BuildResult."""
    write_release(tmp_path / "release", {name: idx})
    return Release.load(tmp_path / "release")[name]


# ----------------------------------------------------------------------------- rank panel
# DTI -> x, y (weights 1: DTI = (x + y) / 2), 6 quarters. x = y = DTI except 上海 2022Q1
# (x 14, y 10) and 北京 2022Q1 (x 13, y 9).
#            2021Q1-Q4   2022Q1   2022Q2
#   北京        10          11       11
#   上海         9          12       15
#   深圳         5           5        5
#   合肥         4           6        8
BJ, SH = "110000", "310000"
Q6 = [*Q5, "2022Q2"]
RANK_FRAMEWORK = [
    {"code": "DTI", "type": "aggregate", "name": "指数", "name_en": "Index"},
    {"code": "x", "parent": "DTI", "name": "云计算", "name_en": "Cloud"},
    {"code": "y", "parent": "DTI", "name": "支付", "name_en": "Payment"},
]


def _xy(dti: list[float], x22q1: float | None = None, y22q1: float | None = None) -> dict[str, list]:
    x, y = list(dti), list(dti)
    if x22q1 is not None:
        x[4], y[4] = x22q1, y22q1
    return {"x": x, "y": y}


RANKS = {
    BJ: _xy([10, 10, 10, 10, 11, 11], 13, 9),
    SH: _xy([9, 9, 9, 9, 12, 15], 14, 10),
    SZ: _xy([5, 5, 5, 5, 5, 5]),
    HF: _xy([4, 4, 4, 4, 6, 8]),
}


def rank_index(**kwargs) -> Index:
    return build_index(RANKS, Q6, RANK_FRAMEWORK, **kwargs)


# ----------------------------------------------------------------------------- industry panel
# units "<city>:<industry>", framework IND -> cloud, ai (weights 1), cloud = ai = the value.
#              C (制造业)      J (金融业)     I (信息技术)
#   深圳     4 4 4 4 6       2 2 2 2 2      2 3 3 3 4
#   广州     2 2 2 2 3       2 2 2 2 2      2 2 2 2 3
#   合肥     1 1 1 1 2       1 1 1 1 1      1 1 1 1 1
IND_FRAMEWORK = [
    {"code": "IND", "type": "aggregate", "name": "行业指数", "name_en": "Industry index"},
    {"code": "cloud", "parent": "IND", "name": "云计算", "name_en": "Cloud"},
    {"code": "ai", "parent": "IND", "name": "人工智能", "name_en": "AI"},
]
IND_VALUES = {
    (SZ, "C"): [4, 4, 4, 4, 6], (SZ, "J"): [2, 2, 2, 2, 2], (SZ, "I"): [2, 3, 3, 3, 4],
    (GZ, "C"): [2, 2, 2, 2, 3], (GZ, "J"): [2, 2, 2, 2, 2], (GZ, "I"): [2, 2, 2, 2, 3],
    (HF, "C"): [1, 1, 1, 1, 2], (HF, "J"): [1, 1, 1, 1, 1], (HF, "I"): [1, 1, 1, 1, 1],
}
IND_NAMES = pd.DataFrame({"code": ["C", "J", "I"], "name_zh": ["制造业", "金融业", "信息技术"],
                          "name_en": ["Manufacturing", "Finance", "IT"]})


def industry_index(**kwargs) -> Index:
    values = {f"{c}:{i}": {"cloud": v, "ai": v} for (c, i), v in IND_VALUES.items()}
    return build_index(values, Q5, IND_FRAMEWORK, **kwargs)
