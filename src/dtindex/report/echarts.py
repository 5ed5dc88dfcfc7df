"""ECharts options for :class:`~dtindex.report.model.Chart` and :class:`~dtindex.report.model.Map`.

Options are plain JSON-able dicts; the small runtime in ``templates/runtime.js`` adds the few
JavaScript functions ECharts needs (tooltip, label and tick formatters). Every number the
reader sees next to a data point is formatted here, in Python, by the shared
:mod:`~dtindex.report.format` formatters and carried on the data item (``t``; ``s`` for
shares, ``n`` for point names); only axis ticks, whose values ECharts picks, are formatted in
JavaScript from the :meth:`~dtindex.report.format.NumberFormat.axis` recipe.

A chart spec is ``{"option": {...}, "tooltip": <kind>, "axes": {...}, ...}``.
"""

from __future__ import annotations

import numpy as np

from . import geo
from .format import MISSING, NumberFormat, percent
from .labels import label
from .model import POINT_KINDS, Chart, Map
from .style import FONT_STACK, HEAT_STOPS, MISSING_FILL, PALETTE, ink_for

_GRID = {"left": 16, "right": 32, "top": 40, "bottom": 16, "containLabel": True}
_MAP_BOX = {"left": 24, "right": 24, "top": 16, "bottom": 16}
_EMPTY = "-"  # ECharts' empty value


def _grid(legend: bool, top_name: str | None, bottom_name: str | None, right: int = 32) -> dict:
    """Plot area margins: room for the legend, the axis name above the value axis and the
    axis name under the horizontal axis (``containLabel`` keeps tick labels inside)."""
    top = 48 if legend and top_name else 40 if legend or top_name else 16
    return dict(_GRID, top=top, bottom=36 if bottom_name else 16, right=right)


def _base(legend: bool) -> dict:
    return {
        "animation": False,
        "color": list(PALETTE),
        "textStyle": {"fontFamily": FONT_STACK},
        "tooltip": {"confine": True},
        **({"legend": {"top": 0, "type": "scroll"}} if legend else {}),
    }


def _item(value: float | None, text: str) -> dict:
    return {"value": _EMPTY if value is None else value, "t": text}


def _range(values: list[float | None]) -> tuple[float, float]:
    finite = [v for v in values if v is not None]
    if not finite:
        return 0.0, 1.0
    return min(finite), max(finite)


def _value_axis(name: str | None, *, scale: bool, extra: dict | None = None) -> dict:
    axis = {"type": "value", "scale": scale, "splitLine": {"lineStyle": {"color": "#e6e6e6"}}}
    if name:
        axis.update({"name": name, "nameTextStyle": {"color": "#555"}})
    if extra:
        axis.update(extra)
    return axis


def _category_axis(cats: tuple[str, ...], name: str | None, *, boundary: bool, inverse: bool = False) -> dict:
    axis = {"type": "category", "data": list(cats), "boundaryGap": boundary, "axisTick": {"alignWithLabel": True}}
    if inverse:
        axis["inverse"] = True
    if name:
        axis.update({"name": name, "nameLocation": "middle", "nameGap": 28, "nameTextStyle": {"color": "#555"}})
    return axis


def chart_spec(block: Chart, lang: str) -> dict:
    """ECharts spec of a chart (see the module docstring)."""
    if block.kind in POINT_KINDS:
        return _points(block, lang)
    if block.kind == "heat_table":
        return _heat(block, lang)
    if block.kind == "pie":
        return _pie(block, lang)
    if block.kind == "interval":
        return _interval(block, lang)
    if block.kind == "bump":
        return _bump(block, lang)
    if block.kind == "radar":
        return _radar(block, lang)
    if block.kind == "path":
        return _path(block, lang)
    return _categories(block, lang)


def _bump(block: Chart, lang: str) -> dict:
    """Ranks over periods: one line per entity on an inverted value axis (rank 1 on top); the legend
    names the lines (ECharts 4.9 has no end labels)."""
    fmt = block.fmt
    option = _base(True)
    option["grid"] = _grid(True, block.y_label, block.x_label)
    option["tooltip"].update({"trigger": "axis", "axisPointer": {"type": "line"}})
    option["xAxis"] = _category_axis(block.categories, block.x_label, boundary=False)
    worst = max([v for s in block.series for v in s.values if v is not None] or [1.0])
    option["yAxis"] = _value_axis(block.y_label, scale=False, extra={"inverse": True, "min": 1, "max": worst,
                                                                    "minInterval": 1, "nameLocation": "start"})
    series = []
    for s in block.series:
        texts = fmt.texts(s.values, lang)
        series.append({"name": s.name, "type": "line", "symbolSize": 7, "connectNulls": False,
                       "data": [_item(v, t) for v, t in zip(s.values, texts)]})
    option["series"] = series
    return {"option": option, "tooltip": "axis", "axes": {"yAxis": fmt.axis()}}


def _radar(block: Chart, lang: str) -> dict:
    """One polygon per series over the categories (axes); every axis spans 0 .. the largest value."""
    every = [v for s in block.series for v in s.values if v is not None]
    top = max(every) if every else 1.0
    top = top if top > 0 else 1.0
    option = _base(len(block.series) > 1)
    option["tooltip"].update({"trigger": "item"})
    option["radar"] = {"indicator": [{"name": c, "max": top} for c in block.categories], "radius": "62%",
                       "center": ["50%", "55%"], "splitArea": {"show": False}}
    data = []
    for k, s in enumerate(block.series):
        data.append({"name": s.name, "value": [_EMPTY if v is None else v for v in s.values],
                     "t": block.fmt.texts(s.values, lang), "lineStyle": {"color": PALETTE[k % len(PALETTE)]},
                     "itemStyle": {"color": PALETTE[k % len(PALETTE)]}, "areaStyle": {"opacity": 0.08}})
    option["series"] = [{"type": "radar", "name": block.title, "data": data, "symbolSize": 4}]
    return {"option": option, "tooltip": "radar", "axes": {}, "cats": list(block.categories)}


def _stars(p: float | None) -> str:
    if p is None:
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def _path(block: Chart, lang: str) -> dict:
    """A path diagram (ECharts graph with fixed positions): X on the left, Y on the right,
    mediators spread between them above; each arrow is labelled with its estimate and stars."""
    cats = list(block.categories)
    n_mid = len(cats) - 2
    pos = {cats[0]: (0.0, 70.0), cats[-1]: (100.0, 70.0)}
    for i, c in enumerate(cats[1:-1]):
        pos[c] = (50.0, 10.0 + (40.0 * i / max(1, n_mid - 1) if n_mid > 1 else 0.0))
    def width(text: str) -> int:  # box width from the label: CJK characters are about twice as wide
        return 28 + sum(13 if ord(ch) > 0x2E80 else 7 for ch in text)

    pad = max(width(cats[0]), width(cats[-1])) // 2 + 8
    nodes = [{"name": c, "x": pos[c][0], "y": pos[c][1], "symbol": "roundRect", "symbolSize": [width(c), 40],
              "itemStyle": {"color": "#eef2f7", "borderColor": PALETTE[0], "borderWidth": 1.5},
              "label": {"show": True, "color": "#222", "fontSize": 12}} for c in cats]
    links = []
    for s in block.series:
        est, p = s.values
        text = f"{s.name} = {block.fmt.text(est, lang)}{_stars(p)}"
        links.append({"source": s.labels[0], "target": s.labels[1], "t": text,
                      "label": {"show": True, "formatter": text, "fontSize": 12},
                      "lineStyle": {"width": 1.8, "color": "#555", "type": "solid" if (p is not None and p < 0.05) else "dashed"}})
    option = _base(False)
    option["tooltip"].update({"trigger": "item"})
    option["series"] = [{"type": "graph", "layout": "none", "roam": False, "data": nodes, "links": links,
                         "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 10, "left": pad, "right": pad,
                         "top": 40, "bottom": 40}]
    return {"option": option, "tooltip": "graph", "axes": {}}


def _interval(block: Chart, lang: str) -> dict:
    """Intervals per category (e.g. 5th–95th percentile ranks): an invisible base bar up to ``low``,
    a visible bar from ``low`` to ``high`` stacked on it, and a marker at the middle value."""
    low, mid, high = block.series
    fmt = block.fmt
    option = _base(True)
    option["legend"]["data"] = [f"{low.name}–{high.name}", mid.name]  # the invisible base bar has no legend entry
    option["grid"] = _grid(True, block.y_label or block.unit, block.x_label)
    option["tooltip"].update({"trigger": "axis", "axisPointer": {"type": "shadow"}})
    option["xAxis"] = _category_axis(block.categories, block.x_label, boundary=True)
    option["yAxis"] = _value_axis(block.y_label or block.unit, scale=False)
    lo_t, mid_t, hi_t = (fmt.texts(s.values, lang) for s in block.series)
    if any(v is not None and v < 0 for v in low.values):
        # stacked bars cannot start below zero: draw each interval as a candlestick box from low to high
        option["legend"]["data"] = [f"{low.name}–{high.name}", mid.name]
        option["xAxis"]["axisLabel"] = {"interval": 0}
        option["series"] = [
            {"name": f"{low.name}–{high.name}", "type": "candlestick", "barMaxWidth": 18,
             "itemStyle": {"color": PALETTE[0], "color0": PALETTE[0], "borderColor": PALETTE[0],
                           "borderColor0": PALETTE[0], "opacity": 0.55},
             "data": [{"value": [_EMPTY, _EMPTY, _EMPTY, _EMPTY] if a is None or b is None else [a, b, a, b],
                       "t": f"{ta} – {tb}"} for a, b, ta, tb in zip(low.values, high.values, lo_t, hi_t)]},
            {"name": mid.name, "type": "scatter", "symbolSize": 7, "itemStyle": {"color": PALETTE[1]},
             "data": [_item(v, t) for v, t in zip(mid.values, mid_t)]},
        ]
        option["yAxis"]["scale"] = True
        return {"option": option, "tooltip": "axis", "axes": {"yAxis": fmt.axis()}}
    span = [None if a is None or b is None else b - a for a, b in zip(low.values, high.values)]
    option["series"] = [
        {"name": low.name, "type": "bar", "stack": "interval", "barMaxWidth": 18, "silent": True,
         "itemStyle": {"color": "rgba(0,0,0,0)"}, "data": [_item(v, t) for v, t in zip(low.values, lo_t)]},
        {"name": f"{low.name}–{high.name}", "type": "bar", "stack": "interval", "barMaxWidth": 18,
         "itemStyle": {"color": PALETTE[0], "opacity": 0.55},
         "data": [_item(v, f"{a} – {b}") for v, a, b in zip(span, lo_t, hi_t)]},
        {"name": mid.name, "type": "scatter", "symbolSize": 7, "itemStyle": {"color": PALETTE[1]},
         "data": [_item(v, t) for v, t in zip(mid.values, mid_t)]},
    ]
    return {"option": option, "tooltip": "axis", "axes": {"yAxis": fmt.axis()}}


def _categories(block: Chart, lang: str) -> dict:
    fmt = block.fmt
    stacked = block.kind == "stacked_bar"
    shares = block.shares() if (stacked and block.percent) else None
    share_fmt = percent(1)
    option = _base(len(block.series) > 1)
    y_name = block.y_label or block.unit
    option["grid"] = _grid(len(block.series) > 1, y_name if not block.horizontal else block.x_label,
                           block.x_label if not block.horizontal else y_name)
    option["tooltip"].update({"trigger": "axis", "axisPointer": {"type": "line" if block.kind == "line" else "shadow"}})
    value_axis = _value_axis(y_name, scale=block.kind == "line",
                             extra={"max": 1, "min": 0} if shares is not None else None)
    cat_axis = _category_axis(block.categories, block.x_label, boundary=block.kind != "line",
                              inverse=block.horizontal)
    if block.horizontal:
        option["xAxis"], option["yAxis"] = value_axis, cat_axis
        axes = {"xAxis": (share_fmt if shares is not None else fmt).axis()}
    else:
        option["xAxis"], option["yAxis"] = cat_axis, value_axis
        axes = {"yAxis": (share_fmt if shares is not None else fmt).axis()}
    series = []
    for k, s in enumerate(block.series):
        texts = fmt.texts(s.values, lang)
        if shares is not None:
            share_texts = share_fmt.texts(shares[k], lang)
            data = [_item(v, f"{st} ({t})" if v is not None else MISSING)
                    for v, st, t in zip(shares[k], share_texts, texts)]
        else:
            data = [_item(v, t) for v, t in zip(s.values, texts)]
        entry: dict = {"name": s.name, "data": data}
        if block.kind == "line":
            entry.update({"type": "line", "symbolSize": 6, "connectNulls": False})
        else:
            entry.update({"type": "bar", "barMaxWidth": 36})
            if stacked:
                entry["stack"] = "total"
        if block.kind == "bar":
            entry["label"] = {"show": True, "position": "right" if block.horizontal else "top", "fontSize": 11}
        series.append(entry)
    option["series"] = series
    return {"option": option, "tooltip": "axis", "axes": axes}


def _points(block: Chart, lang: str) -> dict:
    x_fmt = block.x_fmt or block.fmt
    option = _base(len(block.series) > 1)
    option["grid"] = _grid(len(block.series) > 1, block.y_label or block.unit, block.x_label,
                           right=72 if block.y_threshold is not None else 32)
    option["tooltip"].update({"trigger": "item"})
    option["xAxis"] = _value_axis(block.x_label, scale=True, extra={"nameLocation": "middle", "nameGap": 28})
    option["yAxis"] = _value_axis(block.y_label or block.unit, scale=True)
    n_points = sum(len(s.values) for s in block.series)
    series = []
    for s in block.series:
        tx, ty = x_fmt.texts(s.x, lang), block.fmt.texts(s.values, lang)
        names = s.labels or ("",) * len(s.values)
        data = [{"value": [x, y], "n": n, "tx": a, "ty": b}
                for x, y, n, a, b in zip(s.x, s.values, names, tx, ty) if x is not None and y is not None]
        entry = {"type": "scatter", "name": s.name, "data": data, "symbolSize": 9}
        if s.labels is not None and n_points <= 60:
            entry["label"] = {"show": True, "position": "right", "fontSize": 10, "color": "#444"}
        series.append(entry)
    lines = []
    if block.x_threshold is not None:
        lines.append({"xAxis": block.x_threshold,
                      "t": f"{label(lang, 'threshold')} {x_fmt.text(block.x_threshold, lang)}"})
    if block.y_threshold is not None:
        lines.append({"yAxis": block.y_threshold,
                      "t": f"{label(lang, 'threshold')} {block.fmt.text(block.y_threshold, lang)}"})
    if block.fit_line is not None:
        xs = [x for s in block.series for x in s.x if x is not None]
        if xs:
            a, b = block.fit_line
            ends = [min(xs), max(xs)]
            series.append({"type": "line", "name": label(lang, "fit"), "silent": True, "showSymbol": False,
                           "lineStyle": {"color": "#c23b3b", "width": 1.5},
                           "data": [{"value": [x, a + b * x], "n": "", "tx": x_fmt.text(x, lang),
                                     "ty": block.fmt.text(a + b * x, lang)} for x in ends]})
    if lines:
        series[0]["markLine"] = {"silent": True, "symbol": "none", "data": lines,
                                 "lineStyle": {"type": "dashed", "color": "#888"}}
    option["series"] = series
    spec = {"option": option, "tooltip": "point", "axes": {"xAxis": x_fmt.axis(), "yAxis": block.fmt.axis()},
            "xname": block.x_label or "x", "yname": block.y_label or block.unit or "y"}
    if block.quadrant_labels is not None:
        # placed by the runtime in the corners of the plot area once ECharts has laid it out
        spec["quadrants"] = list(block.quadrant_labels)
    return spec


def _heat(block: Chart, lang: str) -> dict:
    from .style import heat_colours

    option = _base(False)
    option["grid"] = dict(_GRID, top=32)
    option["tooltip"].update({"trigger": "item"})
    option["xAxis"] = {"type": "category", "data": list(block.categories), "position": "top",
                       "splitArea": {"show": True}, "axisTick": {"show": False}}
    option["yAxis"] = {"type": "category", "data": [s.name for s in block.series], "inverse": True,
                       "splitArea": {"show": True}, "axisTick": {"show": False}}
    every = [v for s in block.series for v in s.values]
    lo, hi = _range(every)
    fills = heat_colours(every, lo, hi)
    data = []
    k = 0
    for r, s in enumerate(block.series):
        texts = block.fmt.texts(s.values, lang)
        for c, (v, t) in enumerate(zip(s.values, texts)):
            data.append({"value": [c, r, _EMPTY if v is None else v], "t": t, "r": s.name, "c": block.categories[c],
                         "label": {"color": ink_for(fills[k])}})
            k += 1
    option["visualMap"] = {"show": False, "min": lo, "max": hi if hi > lo else lo + 1, "dimension": 2,
                           "inRange": {"color": list(HEAT_STOPS)}, "seriesIndex": 0}
    option["series"] = [{"type": "heatmap", "name": block.title, "data": data,
                         "label": {"show": True, "fontSize": 11},
                         "itemStyle": {"borderColor": "#ffffff", "borderWidth": 1}}]
    return {"option": option, "tooltip": "heat", "axes": {}}


def _pie(block: Chart, lang: str) -> dict:
    s = block.series[0]
    values = np.array([np.nan if v is None else v for v in s.values], dtype=float)
    total = float(np.nansum(values))
    shares = [None if (v is None or total == 0) else v / total for v in s.values]
    texts, share_texts = block.fmt.texts(s.values, lang), percent(1).texts(shares, lang)
    option = _base(False)
    option["tooltip"].update({"trigger": "item"})
    option["series"] = [{
        "type": "pie", "name": s.name, "radius": ["35%", "65%"], "center": ["50%", "55%"],
        "label": {"show": True, "fontSize": 11},
        "data": [{"name": c, "value": v, "t": t, "s": st}
                 for c, v, t, st in zip(block.categories, s.values, texts, share_texts) if v is not None],
    }]
    return {"option": option, "tooltip": "pie", "axes": {}}


#: Colours of categorical map classes (first class grey: e.g. "not significant").
CLASS_COLOURS = ("#c9ced6", "#c23b3b", "#7fb3e0", "#1f5fa8", "#f2a7a7", "#2e9a5a", "#e07b28", "#7a5aa6")


def _map_range(block: Map) -> tuple[float, float]:
    if block.value_range is not None:
        return block.value_range
    lo, hi = _range([v for _, v in block.values])
    return (lo, hi if hi > lo else lo + (abs(lo) if lo else 1.0))


def map_spec(block: Map, lang: str) -> tuple[dict, list[geo.Shapes]]:
    """ECharts spec of a map block and the shapes it needs registered (in order)."""
    shapes = geo.shapes_for(block)
    fmt: NumberFormat = block.fmt
    lo, hi = _map_range(block)
    values = [v for _, v in block.values]
    texts = fmt.texts(values, lang)
    vendored = block.geojson is None
    box = dict(_MAP_BOX, boundingCoords=[list(c) for c in geo.CHINA_BOUNDS]) if vendored else dict(_MAP_BOX)
    option = _base(False)
    option["tooltip"].update({"trigger": "item"})
    option["visualMap"] = {
        "type": "continuous", "min": lo, "max": hi, "calculable": False, "seriesIndex": 0,
        "inRange": {"color": list(HEAT_STOPS)}, "left": 8, "bottom": 8, "itemHeight": 100,
        "text": [fmt.text(hi, lang), fmt.text(lo, lang)], "textStyle": {"fontSize": 11},
    }
    needed = [shapes]
    names_for = [c for c, _ in block.values]
    if block.kind == "choropleth":
        data = [{"name": c, "value": v, "t": t} for (c, v), t in zip(block.values, texts) if v is not None]
        option["series"] = [{
            "type": "map", "map": shapes.key, "name": block.title, "data": data, "roam": False, "z": 2,
            "label": {"show": False}, "emphasis": {"label": {"show": False}, "itemStyle": {"areaColor": "#f4c542"}},
            "itemStyle": {"areaColor": MISSING_FILL, "borderColor": "#ffffff", "borderWidth": 0.5},
            **box,
        }]
        names_for = sorted(set(names_for) | shapes.adcodes)
        if vendored and block.level == "city":
            outline = geo.vendored_shapes("province")
            needed.append(outline)
            option["geo"] = {"map": outline.key, "silent": True, "z": 3, "roam": False, "label": {"show": False},
                             "itemStyle": {"areaColor": "rgba(0,0,0,0)", "borderColor": "#555555", "borderWidth": 0.8},
                             **box}
    else:
        coords = geo.scatter_coords(block)
        pts = [(c, v, t) for (c, v), t in zip(block.values, texts) if v is not None and c in coords]
        span = (hi - lo) or 1.0
        data = [{"name": c, "value": [coords[c][0], coords[c][1], v], "t": t,
                 "symbolSize": round(6 + 12 * min(max((v - lo) / span, 0.0), 1.0), 2)} for c, v, t in pts]
        option["geo"] = {"map": shapes.key, "silent": True, "roam": False, "label": {"show": False},
                         "itemStyle": {"areaColor": "#f3f3f3", "borderColor": "#999999", "borderWidth": 0.6}, **box}
        option["visualMap"]["dimension"] = 2
        option["series"] = [{"type": "scatter", "coordinateSystem": "geo", "name": block.title, "data": data, "z": 4,
                             "itemStyle": {"borderColor": "#5f6b7a", "borderWidth": 0.6}}]
    if block.classes:  # categorical map: one colour per class, legend with the class labels
        option["visualMap"] = {
            "type": "piecewise", "seriesIndex": 0, "left": 8, "bottom": 8, "textStyle": {"fontSize": 11},
            "pieces": [{"value": i + 1, "label": c, "color": CLASS_COLOURS[i % len(CLASS_COLOURS)]}
                       for i, c in enumerate(block.classes)],
            **({"dimension": 2} if block.kind == "scatter" else {}),
        }
        for item in option["series"][0]["data"]:
            item["t"] = block.class_label(item["value"][2] if isinstance(item["value"], list) else item["value"])
            item.pop("symbolSize", None)
        if block.kind == "scatter":
            option["series"][0]["symbolSize"] = 8
    names = geo.unit_names(block, names_for, lang, shapes)
    spec = {"option": option, "tooltip": "map", "axes": {}, "names": names, "nodata": label(lang, "no_data")}
    return spec, needed
