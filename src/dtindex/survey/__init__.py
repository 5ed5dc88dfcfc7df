"""Survey analysis: questionnaires, platform imports, screening, weighting and design-based estimates.

The estimation core follows R's ``survey`` package (Lumley): :class:`Design` is ``svydesign``,
:func:`rake` is ``rake``; numbers agree with R on its ``api`` example data.
"""

from .crosstab import ChisqResult
from .design import By, Design, logit_ci
from .weighting import (
                        RakedWeights,
                        RakeResult,
                        kish_deff,
                        kish_effective_n,
                        poststratify,
                        rake,
                        rake_weights,
                        read_margins,
                        trim_weights,
)

__all__ = ["By", "ChisqResult", "Design", "RakeResult", "RakedWeights", "kish_deff", "kish_effective_n", "logit_ci", "poststratify",
           "rake", "rake_weights", "read_margins", "trim_weights"]
