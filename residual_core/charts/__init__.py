"""Chart builders: Altair in, Vega-Lite spec out, with the colour-blind-safe palette. No Streamlit.

The pages draw these specs (:mod:`lab.figures.charts`) and the command line exports the same specs as SVG or
PNG, so a figure on a slide is the figure on the page. :func:`figure_spec` turns an experiment's
:class:`~residual_core.declare.Figure` and result into its spec;
the builders are listed in :data:`BUILDERS` by the name a figure gives.

* :mod:`~residual_core.charts.base` -- the palette, the memo of specs per chart shape, Altair -> Vega-Lite;
* :mod:`~residual_core.charts.builders` -- line, band, heatmap, spans, points, training curves;
* :mod:`~residual_core.charts.describe` -- the text description of every chart (screen readers);
* :mod:`~residual_core.charts.export` -- SVG and PNG files of a spec (vl-convert), in a short-lived worker process
  for the app or in-process for the command line.
* :mod:`~residual_core.charts.surfaces` -- a surface over two quantitative axes (a loss landscape), bars.
"""

from __future__ import annotations

import json

import pandas as pd

from .base import (
    DASH_PATTERNS,
    DASHED,
    OKABE_ITO,
    SERIES_COLORS,
    SERIES_DASHES,
    SOLID,
    chart_builder,
    color_scale,
    dash_patterns,
    dash_scale,
    fit_legend,
    forget_chart_specs,
    legend_columns,
    vega_lite_spec,
    x_axis,
)
from .builders import SHAPES, band_chart, curves_chart, heatmap, line_chart, point_chart, spans_line_chart
from .describe import describe
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
    the figure's options (e.g. a page's log/linear axis). Its data frames are under ``spec["datasets"]``.

    Every spec carries a text ``description`` (the figure's own, or one written from its options and data)."""
    frame = figure_frame(figure, result) if frame is None else frame
    options = {**figure.options_for(result), **view}
    spec = BUILDERS[figure.chart](frame, **options)
    series = options.get("series", "series")
    names = [str(n) for n in pd.unique(frame[series])] if series in frame.columns else []
    spec = fit_legend(spec, names)
    # usermeta (ignored by renderers): the legend's labels, for re-fitting it at projector size (lab.chrome.present)
    return {**spec, "description": describe(figure, result, frame, options), "usermeta": {"legend": names}}


def spec_json(spec: dict) -> dict:
    """``spec`` with its data frames turned into lists of records: a plain Vega-Lite document (for files)."""
    datasets = {
        name: json.loads(frame.to_json(orient="records")) if isinstance(frame, pd.DataFrame) else frame
        for name, frame in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets}


__all__ = [
    "BUILDERS",
    "DASHED",
    "DASH_PATTERNS",
    "OKABE_ITO",
    "SERIES_COLORS",
    "SERIES_DASHES",
    "SHAPES",
    "SOLID",
    "band_chart",
    "bar_chart",
    "chart_builder",
    "color_scale",
    "curves_chart",
    "dash_patterns",
    "dash_scale",
    "describe",
    "figure_frame",
    "figure_spec",
    "fit_legend",
    "forget_chart_specs",
    "heatmap",
    "legend_columns",
    "line_chart",
    "point_chart",
    "spans_line_chart",
    "spec_json",
    "surface",
    "vega_lite_spec",
    "x_axis",
]
