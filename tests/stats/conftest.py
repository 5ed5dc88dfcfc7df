"""Shared small data sets of the statistics tests (simulated, seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    """An unbalanced panel: 15 units × 6 periods minus 4 rows, unit and period effects, 2 regressors."""
    rng = np.random.default_rng(20240601)
    units = np.repeat([f"u{i:02d}" for i in range(15)], 6)
    times = np.tile([f"2023Q{q}" for q in (1, 2, 3, 4)] + ["2024Q1", "2024Q2"], 15)
    ui = np.repeat(np.arange(15), 6)
    ti = np.tile(np.arange(6), 15)
    x1 = rng.normal(size=90) + 0.1 * ui
    x2 = rng.normal(size=90) + 0.2 * ti
    y = 1 + 2 * x1 - x2 + 0.3 * ui + 0.5 * ti + rng.normal(size=90) * (1 + 0.5 * np.abs(x1))
    df = pd.DataFrame({"uCode": units, "Time": times, "region": [f"r{i % 5}" for i in ui], "x1": x1, "x2": x2, "y": y})
    return df.drop(index=[3, 17, 40, 77]).reset_index(drop=True)


@pytest.fixture(scope="session")
def mediation_data() -> pd.DataFrame:
    """X -> M -> Y with a = 0.5, b = 0.4 (true indirect 0.2), c' = 0.2, a covariate W; n = 400."""
    rng = np.random.default_rng(7)
    n = 400
    w = rng.normal(size=n)
    x = rng.normal(size=n)
    m = 0.5 * x + 0.3 * w + rng.normal(size=n)
    m2 = 0.3 * x + rng.normal(size=n)
    y = 0.4 * m + 0.25 * m2 + 0.2 * x + 0.2 * w + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "m2": m2, "y": y, "w": w})
