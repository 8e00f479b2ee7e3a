"""Drawing a declared figure: the chart (its Vega-Lite spec from :mod:`residual_core.charts`), and under it the CSV
download and the "Show the code" panel of the experiment that computed it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from residual_core.charts import figure_frame, figure_spec, vega_lite_spec
from residual_core.declare import Experiment, source_of


def figure(experiment: Experiment, key: str, result: dict, *, name: str | None = None, final: bool = True, **view):
    """Draw ``experiment``'s figure ``key`` for ``result``, with the CSV of its rows and its code panel.

    ``view`` overrides the figure's declared options (e.g. the page's log/linear axis). ``final=False`` draws the
    chart alone (a live run, redrawn every poll). ``name`` names the downloaded file (by default the experiment,
    the figure and the result's parameters).
    """
    fig = experiment.figure(key)
    frame = figure_frame(fig, result)
    if frame.empty:  # a live run before its first recorded step
        st.caption("Waiting for the first training step…")
        return
    spec = figure_spec(fig, result, frame, **view)
    st.vega_lite_chart(spec, width="stretch")
    if not final:
        return
    if fig.takeaway is not None:
        st.markdown(f":material/lightbulb: {fig.takeaway(result)}")
    left, right = st.columns([1, 5], vertical_alignment="top")
    with left:
        csv_download(frame, name or file_name(experiment, key, result))
    with right:
        code_panel([experiment.func, *experiment.code])


def file_name(experiment: Experiment, key: str, result: dict) -> str:
    """``<experiment>-<figure>-<param><value>...`` from the result's values of the experiment's bounds."""
    parts = [experiment.name, key]
    for param in experiment.bounds:
        value = result.get(param)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            parts.append(f"{param.replace('_', '')}{value:g}" if isinstance(value, float) else f"{param}{value}")
    return "-".join(parts).replace(" ", "")


def code_panel(objects, *, label: str = "Show the code") -> None:
    """An expander with the source of the residual_core functions and classes that computed the chart above."""
    with st.expander(label, icon=":material/code:"):
        for obj in objects:
            src = source_of(obj)
            st.caption(f"`{src.path}` · `{src.qualname}`")
            st.code(src.text, language="python")


def csv_download(df: pd.DataFrame, name: str) -> None:
    """A button that downloads ``df`` as ``name.csv``."""
    st.download_button(
        "CSV",
        df.to_csv(index=False).encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        help="Download the data behind this chart",
        icon=":material/download:",
        key=f"csv-{name}",
    )


def spec_of(chart) -> dict:
    """A chart builder's spec (or an Altair chart's), for drawing it without a declared figure."""
    return vega_lite_spec(chart)
