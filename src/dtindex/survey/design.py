"""Design-based estimation in the manner of R's ``survey`` package.

``Design(df, weights=, strata=, ids=, fpc=)`` plays the part of ``svydesign``; its methods
``mean``, ``total``, ``proportions``, ``by(...)``, ``crosstab`` and ``chisq`` play the parts of
``svymean``, ``svytotal``, ``svyby``, ``svytable`` and ``svychisq``. Standard errors are Taylor
linearised (see :mod:`dtindex.survey._linear`); numbers agree with R survey 4.x on its own ``api``
example data (tests/survey/test_design_api.py cites the published figures).

Conventions
-----------
* Missing values of the analysed variable are left out as a domain (R ``na.rm=TRUE``): the
  design, its strata and PSUs stay as they are, the missing responses contribute zero.
* Wald intervals use the normal quantile (R ``confint`` default); the logit interval of a
  proportion (``ci="logit"``) uses Student's t with the design degrees of freedom, as
  ``svyciprop(method="logit")`` does.
* Categories of a text column are sorted (as R's ``factor``); a pandas ``Categorical`` keeps its
  category order; booleans are ``False, True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, check_choice, describe_rows
from ._linear import Cells, PostStratum, Raking, Structure, check_lonely

COLUMNS = ["estimate", "se", "ci_low", "ci_high"]
CI_METHODS = ("wald", "logit", "wilson", "beta")


def _as_array(df: pd.DataFrame, value: Any, what: str) -> tuple[pd.Series, str]:
    """A design column given by name or as an array of length n."""
    if isinstance(value, str):
        if value not in df.columns:
            raise DataError(f"Design: {what} column {value!r} is not in the data; columns are {', '.join(map(str, df.columns))}")
        return df[value], value
    if isinstance(value, pd.Series):
        if len(value) != len(df):
            raise DataError(f"Design: {what} has {len(value)} values but the data have {len(df)} rows")
        return pd.Series(value.array, index=df.index, name=value.name), (value.name if isinstance(value.name, str) else what)
    arr = pd.Series(np.asarray(value), index=df.index)
    if len(arr) != len(df):
        raise DataError(f"Design: {what} has {len(arr)} values but the data have {len(df)} rows")
    return arr, what


def _missing_rows(s: pd.Series) -> np.ndarray:
    return np.flatnonzero(s.isna().to_numpy())


def categories(s: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) and the category labels of a column, in R's factor order."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64), list(s.cat.categories)
    if pd.api.types.is_bool_dtype(s.dtype):
        vals = s.to_numpy()
        return vals.astype(np.int64), [False, True]
    codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def _se(v: np.ndarray) -> np.ndarray:
    """Standard errors from a covariance matrix; rounding noise below zero (a quantity fixed by
    the design, e.g. the share of a stratum) is read as zero."""
    return np.sqrt(np.clip(np.diag(np.atleast_2d(v)), 0.0, None))


def _is_names(var) -> bool:
    """A list of column names (several variables at once, like R's ~a + b)."""
    return isinstance(var, (list, tuple)) and len(var) > 0 and all(isinstance(v, str) for v in var)


def _is_numeric(s: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
            and not isinstance(s.dtype, pd.CategoricalDtype))


class Design:
    """A survey design: responses, weights, strata, clusters and finite population correction.

    Parameters
    ----------
    df : DataFrame
        One row per response.
    weights : str or array, optional
        Sampling weights ``w_i`` (column name or values). Without weights and without ``fpc``
        every weight is 1; without weights but with ``fpc`` (population sizes) the weight is
        ``N_h / n_h`` (population PSUs over sampled PSUs of the stratum), as in R.
    strata : str or array, optional
        Stratum of each response.
    ids : str or array, optional
        Primary sampling unit (cluster) of each response; ``None`` = every response is a PSU
        (R ``id=~1``).
    fpc : str or array, optional
        Finite population correction: the population number of PSUs in the response's stratum
        (all values >= 1), or the sampling fraction (all values <= 1). The variance of stratum h
        is multiplied by ``(N_h - n_h) / N_h``.
    nest : bool
        Cluster ids repeat across strata but are different clusters (R ``nest=TRUE``).
    lonely_psu : {'fail', 'certainty', 'remove', 'adjust', 'average'}
        What to do with a stratum holding a single PSU (R ``options(survey.lonely.psu)``).

    Examples
    --------
    >>> import pandas as pd
    >>> from dtindex.survey import Design
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0]})
    >>> Design(df, weights="w").mean("y").round(4)
       estimate      se  ci_low  ci_high
    y    2.8333  0.5966   1.664   4.0027
    """

    def __init__(self, df: pd.DataFrame, weights=None, strata=None, ids=None, fpc=None, *,
                 nest: bool = False, lonely_psu: str = "fail"):
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"Design: df must be a pandas DataFrame, got {type(df).__name__}")
        n = len(df)
        if n == 0:
            raise DataError("Design: the data have no rows")
        self.data = df
        lonely = check_lonely(lonely_psu)
        self.spec = {"weights": weights if isinstance(weights, str) else None,
                     "strata": strata if isinstance(strata, str) else None,
                     "ids": ids if isinstance(ids, str) else None,
                     "fpc": fpc if isinstance(fpc, str) else None}

        # strata
        if strata is None:
            s_codes = np.zeros(n, dtype=np.int64)
            s_labels: tuple = ("all",)
        else:
            s, name = _as_array(df, strata, "strata")
            bad = _missing_rows(s)
            if len(bad):
                raise DataError(f"Design: strata column {name!r} is missing in rows {describe_rows(bad + 2)}")
            s_codes, labels = categories(s)
            present, s_codes = np.unique(s_codes, return_inverse=True)  # unused categories are no strata
            s_labels = tuple(labels[i] for i in present)
        # clusters
        if ids is None:
            psu = np.arange(n, dtype=np.int64)
            rows_are_psus = True
        else:
            c, name = _as_array(df, ids, "ids")
            bad = _missing_rows(c)
            if len(bad):
                raise DataError(f"Design: cluster id column {name!r} is missing in rows {describe_rows(bad + 2)}")
            c_codes, _ = categories(c)
            if not nest and strata is not None:
                n_strata_per_id = pd.Series(s_codes).groupby(c_codes).nunique().to_numpy()
                if (n_strata_per_id > 1).any():
                    raise DataError(
                        f"Design: cluster ids in column {name!r} occur in more than one stratum; "
                        "pass nest=True if ids are only unique within strata")
            pair = s_codes * (int(c_codes.max()) + 1) + c_codes
            psu = pd.factorize(pair, sort=True)[0].astype(np.int64)
            rows_are_psus = len(np.unique(psu)) == n
        n_psus_total = int(psu.max()) + 1
        if n_psus_total == 1 and not (nest and strata is not None):
            raise DataError("Design: the design has only one primary sampling unit (did you mean ids=None?)")
        psu_stratum = np.zeros(n_psus_total, dtype=np.int64)
        psu_stratum[psu] = s_codes
        h = len(s_labels)
        n_psu = np.bincount(psu_stratum, minlength=h).astype(np.int64)

        # fpc
        if fpc is None:
            fpc_factor = np.ones(h)
            pop = None
        else:
            f, name = _as_array(df, fpc, "fpc")
            vals = pd.to_numeric(f, errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(vals) | (vals <= 0))
            if len(bad):
                raise DataError(f"Design: fpc column {name!r} must be positive numbers; rows "
                                f"{describe_rows(bad + 2)} hold {describe_rows(f.iloc[bad].tolist(), 5)}")
            if (vals > 1).any() and (vals < 1).any():
                raise DataError(f"Design: fpc column {name!r} mixes population sizes (> 1) and sampling "
                                "fractions (< 1); give one or the other")
            per = pd.Series(vals).groupby(s_codes).agg(["min", "max"])
            varying = per.index[per["min"] != per["max"]]
            if len(varying):
                raise DataError(f"Design: fpc varies within stratum {s_labels[int(varying[0])]!r}; it must be "
                                "one population size (or fraction) per stratum")
            per_stratum = per["min"].reindex(range(h)).to_numpy()
            # R: any value > 1 means population sizes, otherwise sampling fractions n_h / N_h
            pop = per_stratum if (vals > 1).any() else n_psu / per_stratum
            too_big = np.flatnonzero(pop < n_psu - 1e-9)
            if len(too_big):
                j = int(too_big[0])
                raise DataError(f"Design: fpc implies more than 100% sampling in stratum {s_labels[j]!r} "
                                f"(population {pop[j]:g} PSUs, sample {n_psu[j]} PSUs)")
            fpc_factor = (pop - n_psu) / pop

        # weights
        if weights is None:
            if pop is None:
                w = np.ones(n)
            else:
                w = (pop / n_psu)[s_codes]
        else:
            wser, name = _as_array(df, weights, "weights")
            w = pd.to_numeric(wser, errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(w))
            if len(bad):
                raise DataError(f"Design: weights column {name!r} is missing or not a number in rows "
                                f"{describe_rows(bad + 2)}")
            neg = np.flatnonzero(w < 0)
            if len(neg):
                raise DataError(f"Design: weights column {name!r} is negative in rows {describe_rows(neg + 2)}")
        self._w = w
        self._st = Structure(strata=s_codes, psu=psu, psu_stratum=psu_stratum, n_psu=n_psu,
                             fpc_factor=fpc_factor, strata_labels=s_labels, rows_are_psus=rows_are_psus,
                             lonely_psu=lonely)

    # ------------------------------------------------------------------ basics
    @property
    def weights(self) -> pd.Series:
        """Analysis weights (after any post-stratification or raking)."""
        return pd.Series(self._w, index=self.data.index, name="weight")

    @property
    def n(self) -> int:
        return len(self.data)

    @property
    def degf(self) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata (R ``degf``)."""
        return self._st.degf(self._w != 0)

    @property
    def calibrated(self) -> bool:
        return bool(self._st.calibration)

    def _with(self, w: np.ndarray, step) -> Design:
        new = object.__new__(Design)
        new.data, new.spec = self.data, dict(self.spec)
        new._w = w
        st = self._st
        new._st = Structure(strata=st.strata, psu=st.psu, psu_stratum=st.psu_stratum, n_psu=st.n_psu,
                            fpc_factor=st.fpc_factor, strata_labels=st.strata_labels,
                            rows_are_psus=st.rows_are_psus, lonely_psu=st.lonely_psu,
                            calibration=st.calibration + (step,))
        return new

    def column(self, var) -> pd.Series:
        """The analysed variable: a column name or an array of length n."""
        return _as_array(self.data, var, "variable")[0]

    def __repr__(self) -> str:
        st = self._st
        kind = "independent sampling" if st.rows_are_psus else f"one-stage cluster sampling ({len(st.psu_stratum)} PSUs)"
        strat = f", {st.n_strata} strata" if st.n_strata > 1 else ""
        cal = ", calibrated" if self.calibrated else ""
        return f"<Design: {self.n} responses, {kind}{strat}{cal}, df={self.degf}>"

    # ------------------------------------------------------------ estimation
    def _frame(self, est, se, index, ci="wald", level=0.95, df=None, n=None) -> pd.DataFrame:
        est, se = np.asarray(est, float), np.asarray(se, float)
        check_choice("Design", "ci", ci, CI_METHODS)
        if ci == "wald":
            z = stats.norm.ppf(0.5 + level / 2)
            lo, hi = est - z * se, est + z * se
        elif ci == "logit" and n is None:
            lo, hi = logit_ci(est, se, df, level)
        else:
            from .ciprop import proportion_ci

            lo, hi = proportion_ci(est, se, method=ci, df=df, n=n, n_rows=self.n, level=level)
        return pd.DataFrame({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi}, index=index)

    def _numeric(self, var) -> tuple[np.ndarray, str]:
        s = self.column(var)
        name = var if isinstance(var, str) else "value"
        if not _is_numeric(s):
            raise DataError(f"Design: column {name!r} is not numeric (dtype {s.dtype})")
        return s.to_numpy(dtype=float, na_value=np.nan), name

    def _mean_numeric(self, y, domain):
        ok = domain & ~np.isnan(y)
        a = np.where(ok, self._w, 0.0)
        wsum = a.sum()
        if wsum <= 0:
            return np.nan, np.nan
        yy = np.where(ok, y, 0.0)
        m = float(a @ yy) / wsum
        z = a * (yy - m) / wsum
        return m, float(_se(self._st.vcov(z))[0])

    def _total_numeric(self, y, domain):
        ok = domain & ~np.isnan(y)
        z = np.where(ok, self._w * np.where(ok, y, 0.0), 0.0)
        return float(z.sum()), float(_se(self._st.vcov(z))[0])

    def _props(self, codes, k, domain):
        ok = domain & (codes >= 0)
        a = np.where(ok, self._w, 0.0)
        wsum = a.sum()
        if wsum <= 0:
            return np.full(k, np.nan), np.full((k, k), np.nan), ok
        a = a / wsum
        c = np.where(ok, codes, -1)
        p = np.bincount(c[ok], a[ok], k)
        return p, self._st.vcov(Cells(c, a, p)), ok

    def _cell_totals(self, codes, k, domain):
        ok = domain & (codes >= 0)
        a = np.where(ok, self._w, 0.0)
        c = np.where(ok, codes, -1)
        t = np.bincount(c[ok], a[ok], k)
        return t, self._st.vcov(Cells(c, a, np.zeros(k)))

    def mean(self, var, *, level: float = 0.95) -> pd.DataFrame:
        """Weighted mean (R ``svymean``): ``ybar = sum w y / sum w``.

        Influence values ``z_i = w_i (y_i - ybar) / sum w``; a categorical column gives the
        proportions of its categories (as R does for factors).
        """
        if _is_names(var):
            return pd.concat([self.mean(v, level=level) for v in var])
        s = self.column(var)
        if not _is_numeric(s):
            return self.proportions(var, level=level)
        y, name = self._numeric(var)
        m, se = self._mean_numeric(y, np.ones(self.n, bool))
        return self._frame([m], [se], pd.Index([name]), level=level)

    def total(self, var, *, level: float = 0.95) -> pd.DataFrame:
        """Weighted total (R ``svytotal``): ``Y = sum w y``, influence ``z_i = w_i y_i``.

        A categorical column gives the estimated number of population units per category.
        """
        if _is_names(var):
            return pd.concat([self.total(v, level=level) for v in var])
        s = self.column(var)
        name = var if isinstance(var, str) else "value"
        everyone = np.ones(self.n, bool)
        if not _is_numeric(s):
            codes, cats = categories(s)
            t, v = self._cell_totals(codes, len(cats), everyone)
            return self._frame(t, _se(v), pd.Index(cats, name=name), level=level)
        y, name = self._numeric(var)
        t, se = self._total_numeric(y, everyone)
        return self._frame([t], [se], pd.Index([name]), level=level)

    def proportions(self, var, *, ci: str = "wald", level: float = 0.95) -> pd.DataFrame:
        """Proportion of each category (R ``svymean`` on a factor).

        ``p_c = sum_{i in c} w_i / sum w``; influence ``z_i = w_i (e_{c_i} - p) / sum w``.
        ``ci="wald"``: ``p +- z_{1-a/2} se`` (R ``confint``); ``ci="logit"``:
        ``expit(logit(p) +- t_{df,1-a/2} se / (p (1 - p)))`` with the design df
        (R ``svyciprop(method="logit")``); ``"wilson"`` and ``"beta"`` (Korn-Graubard) as R's
        ``svyciprop`` -- see :mod:`dtindex.survey.ciprop` (these three stay within [0, 1]).
        """
        s = self.column(var)
        name = var if isinstance(var, str) else "value"
        codes, cats = categories(s)
        everyone = np.ones(self.n, bool)
        p, v, ok = self._props(codes, len(cats), everyone)
        df = self._st.degf(self._w != 0)
        return self._frame(p, _se(v), pd.Index(cats, name=name), ci=ci, level=level, df=df,
                           n=None if ci == "wald" else np.full(len(cats), int(ok.sum())))

    def proportions_vcov(self, var) -> pd.DataFrame:
        """Covariance matrix of :meth:`proportions` (R ``vcov(svymean(~factor))``)."""
        codes, cats = categories(self.column(var))
        _, v, _ = self._props(codes, len(cats), np.ones(self.n, bool))
        return pd.DataFrame(v, index=cats, columns=cats)

    def by(self, group) -> By:
        """Domain estimates for each level of ``group`` (a column name or list of names),
        R ``svyby``. Domains keep the full design: responses outside contribute zero."""
        return By(self, group)

    # ---------------------------------------------------------------- tables
    def crosstab(self, row, col, *, normalize: bool | str = False) -> pd.DataFrame:
        """Weighted cross-tab (R ``svytable``): rows = categories of ``row``, columns of ``col``.

        ``normalize``: ``False`` (weighted counts), ``"all"`` (share of the total),
        ``"index"`` (row percentages as fractions) or ``"columns"`` (column fractions).
        """
        from .crosstab import weighted_table

        return weighted_table(self, row, col, normalize=normalize)

    def chisq(self, row, col, method: str = "rao-scott"):
        """Test of independence of two categorical variables (R ``svychisq``).

        ``method``: ``"rao-scott"`` (second-order Rao-Scott F, R ``statistic="F"``),
        ``"rao-scott-1"`` (first-order, R ``"Chisq"``), ``"pearson"`` (uncorrected X^2 of the
        weighted table scaled to n), ``"wald"`` and ``"adj-wald"`` (R ``"Wald"``/``"adjWald"``).
        Returns a :class:`~dtindex.survey.crosstab.ChisqResult`.
        """
        from .crosstab import chisq

        return chisq(self, row, col, method=method)

    # ------------------------------------------------------------ weighting
    def poststratify(self, cells, targets, *, partial: bool = False) -> Design:
        """Post-stratified design (R ``postStratify``): weights scaled so that the weighted count
        of each cell equals its population total; standard errors use post-stratified residuals."""
        from .weighting import _cells_codes, _poststrat_factor

        codes, labels = _cells_codes(self.data, cells)
        factor = _poststrat_factor(codes, labels, self._w, targets, cells, partial=partial)
        new_w = self._w * factor[codes]
        return self._with(new_w, PostStratum(codes, new_w, self._w))

    def rake(self, margins, **kwargs) -> Design:
        """Raked design (R ``rake``); see :func:`dtindex.survey.weighting.rake`."""
        from .weighting import rake_weights

        res = rake_weights(self.data, margins, weights=self._w, **kwargs)
        out = self._with(res.weights.to_numpy(), Raking(res.steps))
        out.raking = res
        return out


class By:
    """Estimates within each domain (level) of one or more grouping columns."""

    def __init__(self, design: Design, group):
        self.design = design
        names = [group] if isinstance(group, str) or not isinstance(group, Sequence) else list(group)
        cols = [design.column(g) for g in names]
        self.names = [g if isinstance(g, str) else f"group{i}" for i, g in enumerate(names)]
        if len(cols) == 1:
            codes, cats = categories(cols[0])
            present = np.unique(codes[codes >= 0])  # empty groups are dropped (R drop.empty.groups)
            codes = np.where(codes >= 0, np.searchsorted(present, codes), -1)
            self.levels = pd.Index([cats[i] for i in present], name=self.names[0])
        else:
            parts = [categories(c) for c in cols]
            miss = np.zeros(design.n, bool)
            for c, _ in parts:
                miss |= c < 0
            sizes = [len(l) for _, l in parts]
            flat = np.zeros(design.n, dtype=np.int64)
            for (c, _), size in zip(parts, sizes):
                flat = flat * size + np.where(c < 0, 0, c)
            present = np.unique(flat[~miss])
            codes = np.where(miss, -1, np.searchsorted(present, flat))
            tuples = [tuple(parts[j][1][idx] for j, idx in enumerate(np.unravel_index(code, sizes)))
                      for code in present]
            self.levels = pd.MultiIndex.from_tuples(tuples, names=self.names)
        self.codes = codes

    def _domains(self):
        for g in range(len(self.levels)):
            yield g, self.codes == g

    def _index(self, inner: pd.Index | None = None):
        if inner is None:
            return self.levels
        outer = self.levels.repeat(len(inner))
        arrays = ([outer.get_level_values(i) for i in range(outer.nlevels)]
                  + [np.tile(np.asarray(inner, dtype=object), len(self.levels))])
        return pd.MultiIndex.from_arrays(arrays, names=[*self.names, inner.name])

    def mean(self, var, *, level: float = 0.95) -> pd.DataFrame:
        """Domain means (R ``svyby(~y, ~g, design, svymean)``); Wald intervals."""
        d = self.design
        if not _is_numeric(d.column(var)):
            return self.proportions(var, level=level)
        y, _ = d._numeric(var)
        res = [d._mean_numeric(y, dom) for _, dom in self._domains()]
        return d._frame([r[0] for r in res], [r[1] for r in res], self._index(), level=level)

    def total(self, var, *, level: float = 0.95) -> pd.DataFrame:
        """Domain totals (R ``svyby(~y, ~g, design, svytotal)``)."""
        d = self.design
        y, _ = d._numeric(var)
        res = [d._total_numeric(y, dom) for _, dom in self._domains()]
        return d._frame([r[0] for r in res], [r[1] for r in res], self._index(), level=level)

    def proportions(self, var, *, ci: str = "wald", level: float = 0.95) -> pd.DataFrame:
        """Category proportions within each domain (row percentages of group x var).

        With ``ci="logit"`` each domain uses its own design df (PSUs minus strata with
        responses in the domain), as ``svyby(..., svyciprop)`` does.
        """
        d = self.design
        name = var if isinstance(var, str) else "value"
        codes, cats = categories(d.column(var))
        inner = pd.Index(cats, name=name)
        frames = []
        for _, dom in self._domains():
            p, v, ok = d._props(codes, len(cats), dom)
            df = d._st.degf(dom & (d._w != 0))
            frames.append(d._frame(p, _se(v), inner, ci=ci, level=level, df=df,
                                   n=None if ci == "wald" else np.full(len(cats), int(ok.sum()))))
        out = pd.concat(frames, ignore_index=True)
        out.index = self._index(inner)
        return out


def logit_ci(p, se, df, level: float = 0.95):
    """Logit interval of a proportion: ``expit(logit(p) +- t se / (p (1 - p)))``.

    ``t`` is Student's quantile with the design degrees of freedom (R ``svyciprop`` passes
    ``degf(design)`` to ``confint.svyglm``); undefined (NaN) at ``p`` = 0 or 1 and for df <= 0.
    """
    p, se = np.asarray(p, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(0.5 + level / 2, df) if df is not None and df > 0 else np.nan
        eta = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        inside = (p > 0) & (p < 1)
        lo = np.where(inside, 1 / (1 + np.exp(-(eta - half))), np.nan)
        hi = np.where(inside, 1 / (1 + np.exp(-(eta + half))), np.nan)
    return lo, hi
