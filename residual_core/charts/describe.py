"""A text description of every chart (Vega-Lite ``description``, read by screen readers and kept in SVG exports).

A figure may declare its own sentence (:attr:`~residual_core.declare.Figure.description`, with ``{field}``
placeholders filled from the result); otherwise one is written here from the figure's declaration (chart kind, axis
titles, log scales) and its data (series with their colour-independent dash or marker, ranges).
"""

from __future__ import annotations

import math
import string

import numpy as np
import pandas as pd

from .base import DASH_NAMES, dash_patterns

KINDS = {
    "line": "Line chart",
    "band": "Line chart with a shaded band per series (from {lo} to {hi})",
    "heatmap": "Heatmap",
    "spans_line": "Line chart",
    "point": "Scatter plot",
    "curves": "Training curves",
}
MAX_SERIES_NAMED = 8


def number(x) -> str:
    """A number in a sentence: up to 3 significant digits, scientific when tiny or huge."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "not finite"
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.2e}"
    return f"{x:.3g}"


def _range(frame: pd.DataFrame, column: str | None) -> str:
    if not column or column not in frame.columns:
        return ""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "no finite values"
    return f"from {number(finite.min())} to {number(finite.max())}"


def _declared(figure, result: dict) -> str | None:
    """The figure's own description with ``{field}`` filled from the result (or None if it has none)."""
    text = (figure.description or "").strip()
    if not text:
        return None
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if fields and all(f in result for f in fields):
        return text.format(**{f: result[f] for f in fields})
    return text


def describe(figure, result: dict, frame: pd.DataFrame, options: dict) -> str:
    """One paragraph describing the chart ``figure`` draws for ``result`` (``options``: the builder's options,
    view overrides included)."""
    declared = _declared(figure, result)
    if declared:
        return declared
    o = options
    x, y = o.get("x"), o.get("y")
    x_title, y_title = o.get("x_title") or x, o.get("y_title") or y
    kind = KINDS.get(figure.chart, "Chart").format(lo=o.get("lo"), hi=o.get("hi"))
    title = f"{o['title']}. " if o.get("title") else ""
    if figure.chart == "heatmap":
        color = o.get("color_title") or o.get("color")
        return (
            f"{title}{kind} of {color} over {x_title} (columns) and {y_title} (rows), "
            f"{len(frame)} cells; values {_range(frame, o.get('color'))}."
        )
    log = " (log scale)" if o.get("log_y", figure.chart in ("line", "band", "curves")) else ""
    parts = [f"{title}{kind} of {y_title}{log} against {x_title}"]
    series = o.get("series", "series")
    names = list(pd.unique(frame[series])) if series in frame.columns else []
    if names:
        parts.append(_series_text(figure.chart, names, o))
    parts.append(f"{x_title} {_range(frame, x)}; {y_title} {_range(frame, y)}")
    if o.get("y2"):
        parts.append(f"dashed, on the right axis: {o.get('y2_title') or o['y2']} {_range(frame, o['y2'])}")
    if o.get("marker_x") is not None:
        parts.append(f"a vertical rule marks {o.get('marker_label') or number(o['marker_x'])}")
    return "; ".join(parts) + "."


def _series_text(chart: str, names: list, o: dict) -> str:
    shown = names[:MAX_SERIES_NAMED]
    more = f" and {len(names) - len(shown)} more" if len(names) > len(shown) else ""
    if chart == "point" or (chart == "curves" and o.get("y2")):
        cue = "a colour and a marker shape each"
        listed = ", ".join(str(n) for n in shown)
    else:
        cue = "a colour and a dash pattern each"
        patterns = dash_patterns(names, o.get("dashed", ()))
        listed = ", ".join(f"{n} ({DASH_NAMES.get(p, 'dashed')})" for n, p in zip(shown, patterns, strict=False))
    if len(names) == 1:
        return f"one series: {listed}"
    return f"{len(names)} series with {cue}: {listed}{more}"
