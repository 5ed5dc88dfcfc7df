"""Analyses of a future-industry build: rankings, leading fields, profiles, paths, top cities, AI view.

Every function reads a build through the read-only index interface
(``scores_long()``, ``ranks_long()``, ``weights``, ``period_labels``), so it
accepts a live :class:`~dtindex.index.Index` or a release's
:class:`~dtindex.release.BuildResult`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .taxonomy import AI_TRACKS, DIMENSIONS, FIELDS

ROOT = "FII"
PATH_NAMES: dict[str, tuple[str, str]] = {
    "leader": ("全面领先型", "All-round leaders"),
    "agglomeration": ("集聚引领型", "Agglomeration-led"),
    "activity": ("活跃驱动型", "Activity-driven"),
    "growth": ("成长追赶型", "Fast-growing catch-up"),
    "diversity": ("多元培育型", "Diversified nurturing"),
    "early": ("蓄势起步型", "Early-stage"),
}


def _period(build: Any, period: str | None) -> str:
    labels = list(build.period_labels)
    if period is None:
        return labels[-1]
    if period not in labels:
        raise DataError(f"period {period!r} is not in the build; periods are {', '.join(labels)}")
    return period


def _wide(build: Any, codes: list[str], period: str, what: str = "scores") -> pd.DataFrame:
    df = build.scores_long() if what == "scores" else build.ranks_long()
    col = "value" if what == "scores" else "rank"
    sub = df[(df["Time"].astype(str) == period) & df["iCode"].isin(codes)]
    wide = sub.pivot(index="uCode", columns="iCode", values=col)
    units = list(pd.unique(df["uCode"]))
    return wide.reindex(index=pd.Index(units, name="uCode"), columns=codes).astype(float)


def field_scores(build: Any, period: str | None = None) -> pd.DataFrame:
    """One row per unit: the total (``FII``) and each field's score and rank in ``period`` (default: latest).

    Columns ``code, FII, info, ..., rank_FII, rank_info, ...``; rows by total rank.
    """
    p = _period(build, period)
    codes = [ROOT, *FIELDS]
    s = _wide(build, codes, p)
    r = _wide(build, codes, p, "ranks").add_prefix("rank_")
    out = pd.concat([s, r], axis=1).reset_index().rename(columns={"uCode": "code"})
    out.insert(1, "period", p)
    return out.sort_values(["rank_FII", "code"], kind="stable").reset_index(drop=True)


def rankings(build: Any, units: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """Long ranking table: ``node, code, name, name_en, score, rank, change`` per node (total and fields).

    ``change``: rank change from the previous period (positive = moved up); missing in the first period.
    """
    p = _period(build, period)
    labels = list(build.period_labels)
    prev = labels[labels.index(p) - 1] if labels.index(p) > 0 else None
    codes = [ROOT, *FIELDS]
    s, r = _wide(build, codes, p), _wide(build, codes, p, "ranks")
    r0 = _wide(build, codes, prev, "ranks") if prev else None
    names = units.drop_duplicates("code").set_index("code")
    parts = []
    for c in codes:
        t = pd.DataFrame({"node": c, "code": s.index, "score": s[c].to_numpy(), "rank": r[c].to_numpy()})
        t["change"] = (r0[c].to_numpy() - r[c].to_numpy()) if r0 is not None else np.nan
        parts.append(t.sort_values(["rank", "code"], kind="stable"))
    out = pd.concat(parts, ignore_index=True)
    out.insert(2, "name", out["code"].map(names["name"]).to_numpy())
    out.insert(3, "name_en", out["code"].map(names["name_en"]).to_numpy())
    out.insert(0, "period", p)
    return out


def leading_fields(build: Any, period: str | None = None) -> pd.DataFrame:
    """Each unit's leading field: the field where its national rank is best (ties: the higher score).

    Columns ``code, leading, leading_rank, leading_score, strong`` where
    ``strong`` lists (``;``-joined, in field order) every field in which the
    unit ranks in the top 3.
    """
    fs = field_scores(build, period)
    fields = list(FIELDS)
    R = fs[[f"rank_{f}" for f in fields]].to_numpy(dtype=float)
    S = fs[fields].to_numpy(dtype=float)
    key = R - S / 1e6  # best rank first, then the higher score
    best = np.nanargmin(np.where(np.isnan(key), np.inf, key), axis=1)
    rows = np.arange(len(fs))
    strong = [";".join(f for f, rk in zip(fields, row) if rk <= 3) for row in R]
    return pd.DataFrame({"code": fs["code"], "period": fs["period"], "leading": np.array(fields, dtype=object)[best],
                         "leading_rank": R[rows, best], "leading_score": S[rows, best], "strong": strong})


def dimension_profile(build: Any, period: str | None = None) -> pd.DataFrame:
    """The four-dimension profile of each unit (the radar): ``code, agglomeration, activity, growth, diversity``.

    ``profile_d = sum_f w_f s_{f,d} / sum_f w_f`` with ``w_f`` the field's
    weight in the total and ``s_{f,d}`` the unit's score of dimension d in field
    f. With arithmetic aggregation the total equals ``sum_d w_d profile_d``
    when every field weights its dimensions alike (the default spec).
    """
    p = _period(build, period)
    w = build.weights
    fields = list(FIELDS)
    wf = np.array([float(w.get(f, 1.0)) for f in fields])
    out = {}
    for d in DIMENSIONS:
        s = _wide(build, [f"{f}_{d}" for f in fields], p)
        out[d] = (s.to_numpy(dtype=float) * wf).sum(axis=1) / wf.sum()
    df = pd.DataFrame(out, index=s.index).reset_index().rename(columns={"uCode": "code"})
    df.insert(1, "period", p)
    return df


def field_dimension_table(build: Any, period: str | None = None, *, units: list[str] | None = None) -> pd.DataFrame:
    """Mean score of every field x dimension over the units (or the given ones): rows fields, columns dimensions."""
    p = _period(build, period)
    rows = []
    for f in FIELDS:
        s = _wide(build, [f"{f}_{d}" for d in DIMENSIONS], p)
        if units is not None:
            s = s.reindex(units)
        rows.append(s.mean(axis=0).to_numpy())
    return pd.DataFrame(rows, index=pd.Index(list(FIELDS), name="field"), columns=list(DIMENSIONS))


def cluster_paths(profile: pd.DataFrame, *, k: int = 4, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group units into development "paths" by their four-dimension profile: k-means.

    Method: scikit-learn ``KMeans(n_clusters=k, n_init=10, random_state=seed)`` on
    the profile scores (all four on the same 0-100 scale, so they are not
    rescaled). k-means is used rather than hierarchical clustering because the
    paths are read as "typical profiles" (the centroids), which k-means
    optimises directly; the seed makes it reproducible. Clusters are numbered
    by the mean of their centroid (1 = highest). Names by rule: the highest
    cluster is ``leader`` when it is above the mean on every dimension; the
    lowest is ``early`` when it is below the mean on every dimension; any
    other is named after the dimension where its centroid is furthest above
    the mean of all units (suffixes Ⅰ, Ⅱ tell apart two clusters of one name).

    Returns (assignments ``code, path, key, name_zh, name_en``, centroids
    ``path, key, name_zh, name_en, n, <dimensions>``).
    """
    from sklearn.cluster import KMeans

    dims = list(DIMENSIONS)
    X = profile[dims].to_numpy(dtype=float)
    ok = ~np.isnan(X).any(axis=1)
    k = int(max(1, min(k, ok.sum() - 1 if ok.sum() > 1 else 1)))
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X[ok])
    C = km.cluster_centers_
    order = np.argsort(-C.mean(axis=1), kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    C = C[order]
    mean = X[ok].mean(axis=0)
    keys = []
    for j in range(k):
        if j == 0 and k > 1 and (C[j] > mean).all():
            keys.append("leader")
        elif j == k - 1 and k > 1 and (C[j] < mean).all():
            keys.append("early")
        else:
            keys.append(dims[int(np.argmax(C[j] - mean))])
    names_zh, names_en = [], []
    for j, key in enumerate(keys):
        zh, en = PATH_NAMES[key]
        if keys.count(key) > 1:
            n = keys[: j + 1].count(key)
            zh, en = f"{zh}{'ⅠⅡⅢⅣⅤⅥ'[n - 1]}", f"{en} {'I II III IV V VI'.split()[n - 1]}"
        names_zh.append(zh)
        names_en.append(en)
    path = np.full(len(profile), -1)
    path[ok] = relabel[km.labels_] + 1
    idx = np.where(path > 0, path - 1, 0)
    assign = pd.DataFrame({"code": profile["code"].to_numpy(), "path": path,
                           "key": np.where(path > 0, np.array(keys, dtype=object)[idx], ""),
                           "name_zh": np.where(path > 0, np.array(names_zh, dtype=object)[idx], ""),
                           "name_en": np.where(path > 0, np.array(names_en, dtype=object)[idx], "")})
    cent = pd.DataFrame(C, columns=dims)
    cent.insert(0, "path", np.arange(1, k + 1))
    cent.insert(1, "key", keys)
    cent.insert(2, "name_zh", names_zh)
    cent.insert(3, "name_en", names_en)
    cent.insert(4, "n", np.bincount(path[ok] - 1, minlength=k))
    return assign, cent


def top_cities(city_build: Any, units: pd.DataFrame, period: str | None = None, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` best cities of every field and of the total: ``node, rank, code, name, name_en, province_name, score``."""
    r = rankings(city_build, units, period)
    r = r[r["rank"] <= n]
    meta = units.drop_duplicates("code").set_index("code")
    r = r.assign(province_name=r["code"].map(meta["province_name"]).to_numpy())
    return r[["period", "node", "rank", "code", "name", "name_en", "province_name", "score"]].reset_index(drop=True)


def ai_view(ai: pd.DataFrame, level: str = "province") -> pd.DataFrame:
    """The AI sub-field by track: per region the firm stock of each track, its share of the
    region's AI firms and the region's share of the nation's firms of the track.

    Columns ``region, track, firms, new_firms, financing, track_share, national_share``.
    """
    a = ai[ai["level"] == level].copy()
    tot_r = a.groupby("region")["firms"].transform("sum")
    tot_t = a.groupby("track")["firms"].transform("sum")
    a["track_share"] = np.where(tot_r > 0, a["firms"] / tot_r.where(tot_r > 0, 1.0), 0.0)
    a["national_share"] = np.where(tot_t > 0, a["firms"] / tot_t.where(tot_t > 0, 1.0), 0.0)
    order = pd.Categorical(a["track"], categories=list(AI_TRACKS), ordered=True)
    return a.assign(_o=order).sort_values(["region", "_o"]).drop(columns=["_o", "level"]).reset_index(drop=True)
