"""Drawing a declared figure: the chart (its Vega-Lite spec from :mod:`residual_core.charts`), and under it its
takeaway, its files (CSV, SVG, PNG; :mod:`lab.export`), its data table and the "Show the code" panel of the
experiment that computed it."""

from __future__ import annotations

import streamlit as st

from residual_core.charts import figure_frame, figure_spec, vega_lite_spec
from residual_core.declare import Experiment, source_of

from .export import data_table, downloads
from .present import projector_spec


def figure(experiment: Experiment, key: str, result: dict, *, name: str | None = None, final: bool = True, **view):
    """Draw ``experiment``'s figure ``key`` for ``result``; under it its takeaway, its CSV, SVG and PNG files, its
    data table and its code panel.

    ``view`` overrides the figure's declared options (e.g. the page's log/linear axis). ``final=False`` draws the
    chart alone (a live run, redrawn every poll). ``name`` names the downloaded files (by default the experiment,
    the figure, the result's parameters and the view's overrides).
    """
    fig = experiment.figure(key)
    frame = figure_frame(fig, result)
    if frame.empty:  # a live run before its first recorded step
        st.caption("Waiting for the first training step…")
        return
    spec = figure_spec(fig, result, frame, **view)
    st.vega_lite_chart(projector_spec(spec), width="stretch")
    if not final:
        return
    if fig.takeaway is not None:
        st.markdown(f":material/lightbulb: {fig.takeaway(result)}")
    # the table's open/closed state outlives a slider move (its key has no parameters), unless ``name`` is given
    # to tell two drawings of one figure apart
    table_key = name or f"{experiment.name}-{key}"
    name = name or file_name(experiment, key, result, view)
    downloads(frame, spec, name)
    data_table(frame, table_key)
    code_panel([experiment.func, *experiment.code])


def file_name(experiment: Experiment, key: str, result: dict, view: dict | None = None) -> str:
    """``<experiment>-<figure>-<param><value>...`` from the result's values of the experiment's bounds, then the
    view's overrides of the figure's options (e.g. ``-logyfalse`` for a linear axis)."""
    parts = [experiment.name, key]
    for param in experiment.bounds:
        value = result.get(param)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            parts.append(f"{param.replace('_', '')}{value:g}" if isinstance(value, float) else f"{param}{value}")
    declared = experiment.figure(key).options_for(result) if view else {}
    for option, value in (view or {}).items():
        if isinstance(value, (bool, int, float, str)) and declared.get(option, _UNSET) != value:
            parts.append(f"{option.replace('_', '')}{str(value).lower()}")
    return "-".join(parts).replace(" ", "")


_UNSET = object()


def code_panel(objects, *, label: str = "Show the code") -> None:
    """An expander with the source of the residual_core functions and classes that computed the chart above."""
    with st.expander(label, icon=":material/code:"):
        for obj in objects:
            src = source_of(obj)
            st.caption(f"`{src.path}` · `{src.qualname}`")
            st.code(src.text, language="python")


def spec_of(chart) -> dict:
    """A chart builder's spec (or an Altair chart's), for drawing it without a declared figure."""
    return vega_lite_spec(chart)
