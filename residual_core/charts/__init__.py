"""Chart builders: Altair in, Vega-Lite spec out, with the colour-blind-safe palette. No Streamlit.

The pages draw these specs (:mod:`lab.charts`) and the command line exports the same specs as SVG or PNG, so a figure
on a slide is the figure on the page. :func:`figure_spec` turns an experiment's :class:`~residual_core.declare.Figure`
and result into its spec; the builders are listed in :data:`BUILDERS` by the name a figure gives.

* :mod:`~residual_core.charts.base` -- the palette, the memo of specs per chart shape, Altair -> Vega-Lite;
* :mod:`~residual_core.charts.builders` -- line, band, heatmap, spans, points, training curves;
* :mod:`~residual_core.charts.surfaces` -- a surface over two quantitative axes (a loss landscape), bars.
"""

from __future__ import annotations

import json

import pandas as pd

from .base import (
    OKABE_ITO,
    SERIES_COLORS,
    chart_builder,
    color_scale,
    forget_chart_specs,
    vega_lite_spec,
    x_axis,
)
from .builders import band_chart, curves_chart, heatmap, line_chart, point_chart, spans_line_chart
from .surfaces import bar_chart, surface

BUILDERS = {
    "line": line_chart,
    "band": band_chart,
    "heatmap": heatmap,
    "spans_line": spans_line_chart,
    "point": point_chart,
    "curves": curves_chart,
    "surface": surface,
    "bar": bar_chart,
}


def figure_frame(figure, result: dict) -> pd.DataFrame:
    """The figure's rows as a data frame (the data the chart draws and the table and CSV show)."""
    return pd.DataFrame(figure.rows(result))


def figure_spec(figure, result: dict, frame: pd.DataFrame | None = None, **view) -> dict:
    """The Vega-Lite spec of ``figure`` (a :class:`~residual_core.declare.Figure`) for ``result``; ``view`` overrides
    the figure's options (e.g. a page's log/linear axis). Its data frames are under ``spec["datasets"]``."""
    frame = figure_frame(figure, result) if frame is None else frame
    return BUILDERS[figure.chart](frame, **{**figure.options_for(result), **view})


def spec_json(spec: dict) -> dict:
    """``spec`` with its data frames turned into lists of records: a plain Vega-Lite document (for files)."""
    datasets = {
        name: json.loads(frame.to_json(orient="records")) if isinstance(frame, pd.DataFrame) else frame
        for name, frame in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets}


__all__ = [
    "BUILDERS",
    "OKABE_ITO",
    "SERIES_COLORS",
    "band_chart",
    "bar_chart",
    "chart_builder",
    "color_scale",
    "curves_chart",
    "figure_frame",
    "figure_spec",
    "forget_chart_specs",
    "heatmap",
    "line_chart",
    "point_chart",
    "spans_line_chart",
    "spec_json",
    "surface",
    "vega_lite_spec",
    "x_axis",
]
