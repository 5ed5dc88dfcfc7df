"""Links between indices: correlation, regression (OLS, fixed effects) and mediation.

See docs/stats.md for every formula and default.
"""

from .correlation import ADJUSTMENTS, CORR_COLUMNS, METHODS, adjust_pvalues, correlation, correlation_matrix
from .inputs import Dropped, numeric_columns, read_data, release_frame, select_period
from .labels import effect_label, labelled
from .mediation import MEDIATION_COLUMNS, MediationResult, mediate
from .regression import COEF_COLUMNS, OLSResult, ols

__all__ = [
    "ADJUSTMENTS", "COEF_COLUMNS", "CORR_COLUMNS", "Dropped", "MEDIATION_COLUMNS", "METHODS", "MediationResult",
    "OLSResult", "adjust_pvalues", "correlation", "correlation_matrix", "effect_label", "labelled", "mediate",
    "numeric_columns", "ols", "read_data", "release_frame", "select_period",
]
