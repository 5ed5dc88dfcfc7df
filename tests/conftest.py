"""Test-suite settings shared by every package's tests.

Hypothesis: no per-example deadline (the first example of a test pays for lazy imports, and CI
machines are shared), and in CI (``.ci/run`` sets DTINDEX_REQUIRE_SPARK=1) a derandomised run so that
a landing is judged on the same examples every time; local runs keep exploring new examples.
"""

import os

from hypothesis import settings

settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("DTINDEX_REQUIRE_SPARK") == "1" or os.environ.get("CI") else "local")
