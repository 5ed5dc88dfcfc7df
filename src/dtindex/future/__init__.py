"""Future-industry development index (未来产业发展指数).

* :mod:`~dtindex.future.taxonomy` -- six fields, sub-fields, AI tracks, dimensions
* :mod:`~dtindex.future.dimensions` -- share, location quotient, growth, entropy / HHI
* :mod:`~dtindex.future.derive` -- engine base counts -> dimension indicators -> panel
* :mod:`~dtindex.future.build` -- spec -> engine -> derived indicators -> province and city builds
* :mod:`~dtindex.future.analysis` -- rankings, leading fields, profiles, paths, top cities, AI view

See ``docs/future-industry.md``.
"""

from .build import FutureBuild, build_future
from .taxonomy import AI_TRACKS, DIMENSIONS, FIELDS, SUBFIELDS

__all__ = ["AI_TRACKS", "DIMENSIONS", "FIELDS", "SUBFIELDS", "FutureBuild", "build_future"]
