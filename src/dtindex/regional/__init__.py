"""Regional gaps and dynamics: inequality and its decomposition, coupling coordination, distribution
dynamics, convergence, spatial autocorrelation and obstacle degrees (see docs/regional.md).

Submodules import their heavy dependencies (scipy, statsmodels, linearmodels, PySAL) inside the
functions that use them, so importing this package stays cheap.
"""

from .coupling import coupling, coupling_degree, grade, relative_development
from .inequality import cv, dagum, gini, theil
from .obstacle import layer_obstacles, obstacle, overall_weights, release_obstacles, top_obstacles

__all__ = ["coupling", "coupling_degree", "cv", "dagum", "gini", "grade", "layer_obstacles", "obstacle",
           "overall_weights", "relative_development", "release_obstacles", "theil", "top_obstacles"]
