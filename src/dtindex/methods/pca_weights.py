"""PCA weights in the two conventions published studies cite (selected by ``pca(..., convention=...)``).

Both start from the eigen-decomposition of the Pearson correlation matrix
``R`` of the indicators (z-scored data), eigenvalues ``lambda_1 >= ... >=
lambda_k`` with unit eigenvectors ``v_1 ... v_k``, and keep ``m`` components
by a stated retention rule (:data:`RETENTION_RULES`):

``kaiser``
    eigenvalue > 1 (the Kaiser criterion; the usual rule of Chinese texts,
    "特征值大于1");
``variance_share``
    every retained component explains more than ``min_share`` (default 10%)
    of the total variance -- the rule that gives the four factors of the
    OECD/JRC Handbook's technology-achievement example;
``cumulative``
    the fewest components whose cumulative share reaches ``cumulative``
    (default 85%, "累计方差贡献率85%");
an integer
    exactly that many components.

``handbook`` (OECD & JRC 2008, *Handbook on Constructing Composite
Indicators*, section 6.1, Tables 16-18)::

    L        = V_m diag(sqrt(lambda_m))          loadings of the m components
    L*       = varimax(L)                        Kaiser-normalised varimax rotation
    EV_c     = sum_j L*_jc^2                     variance explained by rotated factor c
    s_jc     = L*_jc^2 / EV_c                    squared loadings scaled to unity sum
    c(j)     = argmax_c s_jc                     the factor indicator j is grouped in
    w_j      ∝ s_j,c(j) * EV_c(j) / sum_c EV_c   (then scaled to sum 1)

``textbook`` (the component-score-coefficient form of Chinese textbooks and
papers, "主成分分析法确定指标权重")::

    a_jc = v_jc = L_jc / sqrt(lambda_c)          coefficient of indicator j in component c
    c_j  = sum_{c<=m} a_jc lambda_c / sum_{c<=m} lambda_c
    w_j  = c_j / sum_l c_l

Component signs are arbitrary; each component (rotated factor) is oriented
so that its coefficients (loadings) sum to a non-negative number. The
textbook form can give an indicator a negative coefficient (an indicator
opposed to the others); a negative weight is refused with the indicators
named, since an index weight cannot be negative.
"""

from __future__ import annotations

import numpy as np

from dtindex.errors import MethodDomainError, SpecError, check_choice, describe_rows

__all__ = ["PCA_CONVENTIONS", "RETENTION_RULES", "components_to_keep", "pca_convention_weights", "varimax"]

PCA_CONVENTIONS = ("first_component", "handbook", "textbook")
RETENTION_RULES = ("kaiser", "variance_share", "cumulative")


def components_to_keep(eigenvalues: np.ndarray, retain, *, min_share: float = 0.10,
                       cumulative: float = 0.85) -> int:
    """Number of components ``m`` kept by the rule ``retain`` (see the module docstring); at least 1.

    >>> components_to_keep(np.array([3.35, 1.75, 0.98, 0.89, 0.47, 0.30, 0.17, 0.08]), "variance_share")
    4
    """
    lam = np.asarray(eigenvalues, dtype=float)
    k = lam.size
    share = lam / lam.sum()
    if isinstance(retain, (int, np.integer)) and not isinstance(retain, bool):
        if not 1 <= retain <= k:
            raise SpecError(f"pca: retain = {retain} components, but there are {k} indicators; give 1..{k}.")
        return int(retain)
    check_choice("pca", "retain", retain, [*RETENTION_RULES, "<a number of components>"])
    if retain == "kaiser":
        m = int((lam > 1.0).sum())
    elif retain == "variance_share":
        if not 0 < min_share < 1:
            raise SpecError(f"pca: min_share must be in (0, 1) (0.10 = 10%); got {min_share!r}.")
        m = int((share > min_share).sum())
    else:
        if not 0 < cumulative <= 1:
            raise SpecError(f"pca: cumulative must be in (0, 1] (0.85 = 85%); got {cumulative!r}.")
        m = int(np.searchsorted(np.cumsum(share), cumulative - 1e-12) + 1)
    return max(1, min(m, k))


def varimax(L: np.ndarray, *, normalise: bool = True) -> np.ndarray:
    """Varimax rotation of loadings ``L`` (statsmodels' ``rotate_factors``), Kaiser-normalised by default.

    Kaiser normalisation divides each row by its communality ``sqrt(sum_c
    L_jc^2)`` before rotating and multiplies it back after (the default of
    SPSS, Stata and R's ``psych``).
    """
    from statsmodels.multivariate.factor_rotation import rotate_factors

    L = np.asarray(L, dtype=float)
    if L.shape[1] < 2:
        return L.copy()
    h = np.sqrt((L**2).sum(axis=1)) if normalise else np.ones(L.shape[0])
    h = np.where(h > 0, h, 1.0)
    rotated, _ = rotate_factors(L / h[:, None], "varimax")
    return rotated * h[:, None]


def pca_convention_weights(R: np.ndarray, columns: list, *, convention: str, retain, min_share: float,
                           cumulative: float) -> tuple[np.ndarray, dict]:
    """Weights and details of ``convention`` (``handbook`` or ``textbook``) from the correlation matrix ``R``."""
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0.0, None), vecs[:, order]
    k = vals.size
    m = components_to_keep(vals, retain, min_share=min_share, cumulative=cumulative)
    V = vecs[:, :m] * np.where(vecs[:, :m].sum(axis=0) < 0, -1.0, 1.0)
    ratio = vals / k
    details: dict = {"eigenvalues": vals, "explained_variance_ratio": ratio,
                     "cumulative_variance_ratio": np.cumsum(ratio), "n_components": np.asarray(m),
                     "correlation": R}
    if convention == "handbook":
        L = varimax(V * np.sqrt(vals[:m]))
        L = L * np.where(L.sum(axis=0) < 0, -1.0, 1.0)
        ev = (L**2).sum(axis=0)
        scaled = L**2 / ev
        factor = scaled.argmax(axis=1)
        share = ev / ev.sum()
        raw = scaled[np.arange(k), factor] * share[factor]
        details.update({"loadings": L, "squared_loadings_scaled": scaled, "explained_variance": ev,
                        "explained_share": share, "factor": factor})
        return raw / raw.sum(), details
    coef = V  # loadings / sqrt(lambda): the eigenvectors
    c = coef @ (vals[:m] / vals[:m].sum())
    details.update({"coefficients": coef, "loadings": V * np.sqrt(vals[:m]), "combined_coefficient": c})
    if (c < 0).any() or c.sum() <= 0:
        bad = [f"{columns[j]} ({c[j]:.4g})" for j in np.flatnonzero(c < 0)] or ["all"]
        raise MethodDomainError(
            f"pca (textbook convention, {m} component(s)): indicator(s) {describe_rows(bad)} get a negative "
            "combined coefficient, so their weight would be negative; they move against the other indicators. "
            "Check their direction, or use convention 'handbook' (squared loadings, never negative)."
        )
    return c / c.sum(), details
