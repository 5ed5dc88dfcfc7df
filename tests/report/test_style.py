"""Heat colours and ink colours shared by HTML and Excel."""

from __future__ import annotations

import pytest

from dtindex.errors import SpecError
from dtindex.report.style import HEAT_STOPS, heat_colours, ink_for


def test_heat_colours_hand_computed():
    # stops #f3f7fc, #9ec5e3, #1f5fa8. t = 0.25 lies halfway between the first two stops:
    # R (243 + 158) / 2 = 200.5 -> 201 (c9), G (247 + 197) / 2 = 222 (de), B (252 + 227) / 2 = 239.5 -> 240 (f0)
    assert HEAT_STOPS == ("#f3f7fc", "#9ec5e3", "#1f5fa8")
    assert heat_colours([0.0, 2.5, 5.0, 10.0, None]) == ["#f3f7fc", "#c9def0", "#9ec5e3", "#1f5fa8", None]


def test_heat_colours_fixed_range_clips_and_constant_values_take_the_middle():
    assert heat_colours([-5.0, 20.0], lo=0.0, hi=10.0) == ["#f3f7fc", "#1f5fa8"]
    assert heat_colours([3.0, 3.0]) == ["#9ec5e3", "#9ec5e3"]
    assert heat_colours([None, float("nan")]) == [None, None]
    with pytest.raises(SpecError, match="low <= high"):
        heat_colours([1.0], lo=2.0, hi=1.0)


def test_ink_for_contrast():
    assert ink_for("#1f5fa8") == "#ffffff"
    assert ink_for("#f3f7fc") == "#1a1a1a"
    assert ink_for(None) == "#1a1a1a"
