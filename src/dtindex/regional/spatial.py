"""Spatial weights from the shipped city/province coordinates, and spatial autocorrelation (PySAL).

Our own code: locating units (city adcodes, or province codes placed at the unweighted centroid of
their cities' points), great-circle (haversine, R = 6371.0088 km) distances, and building the
neighbour sets of k nearest neighbours or inverse distance with a cut-off. The weights object is a
:class:`libpysal.weights.W`; the statistics are PySAL's :mod:`esda` (global Moran's I, Geary's C,
local Moran), called with a seeded random state so permutation p-values are reproducible.

* Moran's I = (n / S0) sum_ij w_ij z_i z_j / sum z_i^2, E[I] = -1/(n - 1); z and p_norm under the
  normality assumption (two-sided), p_sim = (1 + #{I_perm >= I}) / (permutations + 1) (one-sided in
  the observed direction, esda's convention).
* Geary's C = (n - 1) sum_ij w_ij (y_i - y_j)^2 / (2 S0 sum z_i^2), E[C] = 1.
* Local Moran I_i = z_i sum_j w_ij z_j / m2 with quadrants HH (1), LH (2), LL (3), HL (4) and
  conditional-permutation pseudo p-values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, describe_rows

__all__ = ["QUADRANTS", "coordinates", "distance_matrix", "geary", "lisa", "moran", "parse_weights",
           "weights_from_coordinates", "weights_from_matrix"]

EARTH_RADIUS_KM = 6371.0088
#: esda quadrant codes -> labels
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def coordinates(units) -> pd.DataFrame:
    """``lat, lon`` (degrees) of each unit: a city adcode, a province-level code, or a name the
    shipped tables know (广东, 深圳, Shenzhen; province names first).

    Province codes are placed at the unweighted mean of their cities' coordinates (the shipped
    province table has no coordinates). Unknown units are an error naming them.
    """
    from ..regions import cities, city, normalise_code, province

    def code_of(u) -> str:
        try:
            return normalise_code(u)
        except DataError:
            pass
        for find in (province, city):
            try:
                return find(str(u)).adcode
            except DataError:
                continue
        return str(u)

    codes = [code_of(u) for u in units]
    c = cities()
    city_xy = c.set_index("adcode")[["lat", "lon"]].astype(float)
    prov_xy = c.groupby("province_adcode")[["lat", "lon"]].mean()
    xy = pd.concat([prov_xy[~prov_xy.index.isin(city_xy.index)], city_xy])
    missing = [u for u in codes if u not in xy.index]
    if missing:
        raise DataError(f"no coordinates for units {describe_rows(missing)}; units must be city adcodes or "
                        "province codes of the shipped tables, or give --weights FILE with a matrix")
    return xy.loc[codes].set_axis(list(units))


def distance_matrix(lat, lon) -> np.ndarray:
    """Great-circle distances in km (haversine), vectorised."""
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _w(neigh: dict, weights: dict, ids: list[str], transform: str):
    from libpysal.weights import W

    w = W(neigh, weights, id_order=ids, silence_warnings=True)
    if transform:
        w.transform = transform
    return w


def weights_from_coordinates(units, kind: str = "knn", k: int = 5, cutoff_km: float | None = None,
                             power: float = 1.0, transform: str = "r"):
    """k nearest neighbours (``kind="knn"``) or inverse distance 1/d^power within ``cutoff_km``
    (``kind="idw"``) by great-circle distance; row-standardised (``transform="r"``) by default.

    Ties in the k-th distance are broken by unit order (stable sort). A unit without a neighbour
    within the cut-off is an error (an island makes Moran's I undefined for it).
    """
    ids = [str(u) for u in units]
    if len(set(ids)) != len(ids):
        raise DataError(f"spatial weights: duplicate units {describe_rows(sorted({u for u in ids if ids.count(u) > 1}))}")
    xy = coordinates(ids)
    d = distance_matrix(xy["lat"].to_numpy(), xy["lon"].to_numpy())
    n = len(ids)
    np.fill_diagonal(d, np.inf)
    if kind == "knn":
        if not 1 <= k < n:
            raise DataError(f"knn weights: k must be between 1 and {n - 1} (number of units - 1); got {k}")
        nb = np.argsort(d, axis=1, kind="stable")[:, :k]
        neigh = {ids[i]: [ids[j] for j in nb[i]] for i in range(n)}
        wts = {ids[i]: [1.0] * k for i in range(n)}
    elif kind == "idw":
        if cutoff_km is None or cutoff_km <= 0:
            raise DataError("inverse-distance weights need a cut-off distance in km > 0 (e.g. idw:500)")
        inside = d <= cutoff_km
        alone = [ids[i] for i in np.flatnonzero(~inside.any(axis=1))]
        if alone:
            raise DataError(f"inverse-distance weights: no neighbour within {cutoff_km:g} km for {describe_rows(alone)}; "
                            "raise the cut-off or use knn")
        neigh, wts = {}, {}
        for i in range(n):
            js = np.flatnonzero(inside[i])
            neigh[ids[i]] = [ids[j] for j in js]
            wts[ids[i]] = (1.0 / np.maximum(d[i, js], 1e-9) ** power).tolist()
    else:
        raise DataError(f"unknown weights kind {kind!r}; use knn:K, idw:KM or a matrix file")
    return _w(neigh, wts, ids, transform)


def weights_from_matrix(path: str | Path, units, transform: str = "r"):
    """A user weights matrix: CSV/Excel, first column unit codes, header = the same unit codes.

    Every unit of the data must be in the matrix (extra units are ignored); the diagonal must be 0.
    """
    from ..io.tables import read_table, to_numbers

    path = Path(path)
    raw = read_table(path)
    key = raw.columns[0]
    ids = [str(u) for u in units]
    rows = raw[key].astype(str).str.strip().tolist()
    missing = [u for u in ids if u not in rows]
    missing_cols = [u for u in ids if u not in raw.columns]
    if missing or missing_cols:
        raise DataError(f"{path.name}: weights matrix lacks units {describe_rows(missing or missing_cols)} "
                        f"({'rows' if missing else 'columns'}); the first column and the header must list unit codes")
    pos = {u: i for i, u in enumerate(rows)}
    M = np.column_stack([to_numbers(raw[u], source=path.name, name=u) for u in ids])[[pos[u] for u in ids]]
    if np.isnan(M).any() or (M < 0).any():
        raise DataError(f"{path.name}: weights must be numbers >= 0 (no blanks)")
    if np.any(np.diag(M) != 0):
        raise DataError(f"{path.name}: the diagonal (a unit's weight on itself) must be 0")
    alone = [ids[i] for i in np.flatnonzero(M.sum(axis=1) == 0)]
    if alone:
        raise DataError(f"{path.name}: units without neighbours: {describe_rows(alone)}")
    neigh = {ids[i]: [ids[j] for j in np.flatnonzero(M[i])] for i in range(len(ids))}
    wts = {ids[i]: M[i, M[i] > 0].tolist() for i in range(len(ids))}
    return _w(neigh, wts, ids, transform)


def parse_weights(text: str, units, transform: str = "r"):
    """``knn:K`` | ``idw:KM`` (optionally ``idw:KM:POWER``) | a path to a matrix file."""
    text = str(text).strip()
    kind, _, rest = text.partition(":")
    try:
        if kind == "knn":
            return weights_from_coordinates(units, "knn", k=int(rest or 5), transform=transform)
        if kind == "idw":
            parts = rest.split(":")
            return weights_from_coordinates(units, "idw", cutoff_km=float(parts[0]),
                                            power=float(parts[1]) if len(parts) > 1 else 1.0, transform=transform)
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"--weights {text!r}: expected knn:K (integer) or idw:KM[:POWER] (numbers)") from None
    if Path(text).exists():
        return weights_from_matrix(text, units, transform=transform)
    raise DataError(f"--weights {text!r}: use knn:K, idw:KM[:POWER], or the path of an existing matrix file")


@dataclass(frozen=True)
class GlobalStat:
    """One global statistic: value, expectation under no autocorrelation, z, p-values."""

    value: float
    expected: float
    z: float
    p_norm: float
    p_sim: float
    permutations: int


def _esda_seeded(statistic, y, w, permutations: int, seed: int | None):
    """``statistic(y, w, permutations=...)`` of esda with numpy's global generator seeded for the
    permutations (esda draws from it) and restored afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return statistic(np.asarray(y, float), w, permutations=permutations)
    finally:
        np.random.set_state(state)


def moran(y, w, permutations: int = 999, seed: int | None = 1) -> GlobalStat:
    """Global Moran's I (esda.Moran; normality z and two-sided p_norm; seeded permutation p_sim)."""
    import esda

    m = _esda_seeded(esda.Moran, y, w, permutations, seed)
    return GlobalStat(float(m.I), float(m.EI), float(m.z_norm), float(m.p_norm),
                      float(m.p_sim) if permutations else float("nan"), permutations)


def geary(y, w, permutations: int = 999, seed: int | None = 1) -> GlobalStat:
    """Global Geary's C (esda.Geary; E[C] = 1; normality z and p; seeded permutation p_sim)."""
    import esda

    g = _esda_seeded(esda.Geary, y, w, permutations, seed)
    return GlobalStat(float(g.C), float(g.EC), float(g.z_norm), float(g.p_norm),
                      float(g.p_sim) if permutations else float("nan"), permutations)


def lisa(y, w, permutations: int = 999, seed: int | None = 1, *, chunk_cells: int = 4_000_000) -> pd.DataFrame:
    """Local Moran: ``unit, Ii, quadrant (HH/LH/LL/HL), p_sim, z, lag`` per unit.

    I_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2 (esda.Moran_Local's statistic, computed by esda with
    its inference switched off). The conditional-permutation pseudo p-values are dtindex's own
    vectorised implementation of esda's scheme: one table of ``permutations`` random draws of
    max-cardinality neighbour sets from the other n - 1 units (numpy Generator seeded with ``seed``)
    is shared by every unit; p_sim = (1 + min(#{I_sim >= I_i}, #{I_sim < I_i})) / (permutations + 1)
    (folded, as esda). Reason: esda's numba kernel compiles for more than a minute in every new
    process, which a command-line call cannot afford.
    """
    import esda

    y = np.asarray(y, float)
    n = y.size
    m = esda.Moran_Local(y, w, permutations=0)
    z = (y - y.mean()) / y.std()
    W = w.sparse.tocsr()
    lag = np.asarray(W @ z).ravel()
    Ii = (n - 1) * z * lag / np.sum(z * z)
    p = np.full(n, np.nan)
    if permutations:
        card = np.diff(W.indptr)
        kmax = int(card.max())
        rng = np.random.default_rng(seed)
        draws = rng.random((permutations, n - 1)).argsort(axis=1, kind="stable")[:, :kmax]
        Wd = np.zeros((n, kmax))  # each unit's neighbour weights, left-aligned, zero-padded
        for_cols = np.arange(kmax)[None, :] < card[:, None]
        Wd[for_cols] = W.data
        step = max(1, chunk_cells // max(1, permutations * kmax))
        scale = (n - 1) / np.sum(z * z)
        for a in range(0, n, step):
            rows = np.arange(a, min(n, a + step))
            idx = draws[None, :, :] + (draws[None, :, :] >= rows[:, None, None])  # skip the unit itself
            lag_sim = np.einsum("upk,uk->up", z[idx], Wd[rows])
            I_sim = scale * z[rows, None] * lag_sim
            larger = (I_sim >= Ii[rows, None]).sum(axis=1)
            larger = np.minimum(larger, permutations - larger)
            p[rows] = (larger + 1) / (permutations + 1)
    return pd.DataFrame({"unit": list(w.id_order), "Ii": np.asarray(m.Is, float),
                         "quadrant": [QUADRANTS[int(q)] for q in m.q], "p_sim": p, "z": z, "lag": lag})
