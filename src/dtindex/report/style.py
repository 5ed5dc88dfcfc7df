"""Colours and fonts shared by the HTML and the Excel renderer.

Heat colours are computed here once, so a heat-coloured table cell has the same fill in the
browser and in Excel, and the ECharts heat map uses the same colour stops.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dtindex.errors import SpecError

#: CSS / canvas font stack: CJK system fonts first (Linux, Adobe/Google, Windows, macOS), then sans-serif.
FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
              '"Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif')

#: Series colours, in order (ColorBrewer-like, readable in greyscale print).
PALETTE = ("#1f5fa8", "#e07b28", "#2e9a5a", "#c23b3b", "#7a5aa6", "#8c6d31", "#d45f9f", "#5f6b7a",
           "#a6a82c", "#2aa7b8")

#: Sequential heat stops, low -> high.
HEAT_STOPS = ("#f3f7fc", "#9ec5e3", "#1f5fa8")

#: Colour of improvements and declines. Chinese convention: red rises, green falls.
UP_DOWN = {"zh": ("#c23b3b", "#2e9a5a"), "en": ("#2e9a5a", "#c23b3b")}

MISSING_FILL = "#eeeeee"


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)


def heat_colours(values: Sequence[object] | np.ndarray, lo: float | None = None, hi: float | None = None,
                 stops: Sequence[str] = HEAT_STOPS) -> list[str | None]:
    """Fill colour per value on a linear scale through ``stops``; ``None`` for missing values.

    ``t = (v - lo) / (hi - lo)`` clipped to [0, 1] (``lo``/``hi`` default to the finite
    min/max; all-equal values give ``t = 0.5``); the colour is the linear RGB blend between
    the two neighbouring stops, rounded to the nearest integer per channel.

    >>> heat_colours([0.0, 5.0, 10.0, None])
    ['#f3f7fc', '#9ec5e3', '#1f5fa8', None]
    """
    x = np.asarray([np.nan if v is None else v for v in values], dtype=float).reshape(-1)
    finite = np.isfinite(x)
    if len(stops) < 2:
        raise SpecError(f"heat colours need at least two stops; got {list(stops)!r}.")
    if not finite.any():
        return [None] * len(x)
    lo = float(np.min(x[finite])) if lo is None else float(lo)
    hi = float(np.max(x[finite])) if hi is None else float(hi)
    if hi < lo:
        raise SpecError(f"heat colour range must have low <= high; got low={lo}, high={hi}.")
    t = np.full(x.shape, 0.5) if hi == lo else np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    rgb = np.stack([_rgb(s) for s in stops])  # (k, 3)
    pos = t * (len(stops) - 1)
    left = np.clip(np.floor(np.nan_to_num(pos)).astype(int), 0, len(stops) - 2)
    frac = (np.nan_to_num(pos) - left)[:, None]
    blend = rgb[left] * (1 - frac) + rgb[left + 1] * frac
    ints = np.floor(blend + 0.5).astype(int)
    hexes = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in ints.tolist()]
    return [h if ok else None for h, ok in zip(hexes, finite.tolist())]


def ink_for(fill: str | None) -> str:
    """Text colour readable on ``fill``: white on dark fills (relative luminance < 0.45), else near-black.

    Luminance ``L = 0.2126 R + 0.7152 G + 0.0722 B`` on linearised sRGB channels.

    >>> ink_for("#1f5fa8"), ink_for("#f3f7fc")
    ('#ffffff', '#1a1a1a')
    """
    if fill is None:
        return "#1a1a1a"
    c = _rgb(fill) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return "#ffffff" if lum < 0.45 else "#1a1a1a"
