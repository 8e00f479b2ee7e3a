"""Drawing a declared figure: the chart (its Vega-Lite spec from :mod:`residual_core.charts`) and under it its
takeaway; its files (CSV, SVG, PNG; :mod:`lab.figures.export`), its data table and the code of the experiment that
computed it go into its section's one folded row of details (:mod:`lab.figures.fold`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from residual_core.charts import figure_frame, figure_spec, vega_lite_spec
from residual_core.declare import Experiment, source_of

from ..chrome.present import projector_spec
from . import fold as folds
from .memo import PerResult


@dataclass(frozen=True)
class Drawing:
    """Everything a figure sends for one result, made once and shared by every visitor: the data frame (CSV, data
    table), the spec with its frames (SVG/PNG export), the spec with its data already in Arrow (what the chart
    sends), the file name and the takeaway sentence."""

    frame: pd.DataFrame
    spec: dict
    wire: dict
    name: str
    takeaway: str | None


# building a spec, converting its frames to Arrow and writing the takeaway cost most of a warm page run before
# (py-spy, benchmarks/profile_pages.py): a warm visit sends what was made for the first visitor
DRAWINGS = PerResult(max_entries=512)


def drawing(experiment: Experiment, key: str, result: dict, view: dict, name: str | None) -> Drawing | None:
    """The :class:`Drawing` of ``experiment``'s figure ``key`` for ``result`` and ``view`` (made, or remembered);
    ``None`` when the figure has no rows for this result."""
    memo_key = (id(result), experiment.name, key, json.dumps(view, sort_keys=True, default=str), name)
    found = DRAWINGS.get(memo_key, result)
    if found is not None:
        return found
    fig = experiment.figure(key)
    frame = figure_frame(fig, result)
    if frame.empty:
        return None
    spec = figure_spec(fig, result, frame, **view)
    wire = {
        **spec,
        "datasets": {n: dataframe_util.convert_anything_to_arrow_bytes(f) for n, f in spec["datasets"].items()},
    }
    made = Drawing(
        frame=frame,
        spec=spec,
        wire=wire,
        name=name or file_name(experiment, key, result, view),
        takeaway=fig.takeaway(result) if fig.takeaway is not None else None,
    )
    DRAWINGS.put(memo_key, result, made)
    return made


def figure(experiment: Experiment, key: str, result: dict, *, name: str | None = None, final: bool = True, **view):
    """Draw ``experiment``'s figure ``key`` for ``result`` and under it its takeaway; its files (CSV, SVG, PNG and its
    data table) and its code go into the section's row of details (a figure outside a section draws its own row),
    sent only when opened.

    ``view`` overrides the figure's declared options (e.g. the page's log/linear axis). ``final=False`` draws the
    chart alone (a live run, redrawn every poll). ``name`` names the downloaded files (by default the experiment,
    the figure, the result's parameters and the view's overrides).
    """
    fig = experiment.figure(key)
    if not final:  # a live run's partial result: a new object at every poll, drawn once
        frame = figure_frame(fig, result)
        if frame.empty:  # before its first recorded step
            st.caption("Waiting for the first training step…")
            return
        st.vega_lite_chart(
            projector_spec(_tagged(figure_spec(fig, result, frame, **view), experiment, key)), width="stretch"
        )
        return
    made = drawing(experiment, key, result, view, name)
    if made is None:
        st.caption("No data for this chart yet.")
        return
    wire = _tagged({**made.wire, "datasets": dict(made.wire["datasets"])}, experiment, key)
    st.vega_lite_chart(projector_spec(wire), width="stretch")
    if made.takeaway is not None:
        st.markdown(f":material/lightbulb: {made.takeaway}")
    section = folds.current()
    # outside a section the figure's own row; its open/closed state outlives a slider move (the key has no
    # parameters), unless ``name`` is given to tell two drawings of one figure apart
    own = folds.Fold(name or f"{experiment.name}-{key}") if section is None else None
    target = section or own
    target.add_files(_title(made.spec) or key, made.frame, made.spec, made.name)
    target.add_code([experiment.func, *experiment.code])
    if own is not None:
        own.draw()


def _title(spec: dict) -> str:
    """A chart's title as plain text (Vega-Lite's ``title`` is a string, a list of lines or ``{"text": ...}``)."""
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    return " ".join(title) if isinstance(title, list) else str(title)


def _tagged(spec: dict, experiment: Experiment, key: str) -> dict:
    """``spec`` with the names that address its chart (section, experiment, figure) in Vega-Lite's ``usermeta``,
    which the renderer ignores; page tests, presenter mode and lecture scenes find a chart by them."""
    fold = folds.current()  # a section's fold while it is collected and while its row is drawn
    section = fold.key if fold is not None else None
    spec["usermeta"] = {
        **spec.get("usermeta", {}),
        "lab": {"section": section, "experiment": experiment.name, "figure": key},
    }
    return spec


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


def code_panel(objects, *, key: str | None = None, label: str = "Show the code") -> None:
    """The source of the residual_core functions and classes that computed what is above: in a section, into its
    row of details; elsewhere an expander of its own. The source is sent only to visitors who open it (the page
    reruns when it opens)."""
    section = folds.current()
    if section is not None:
        section.add_code(objects)
        return
    key = key or hashlib.sha1("|".join(source_of(o).qualname for o in objects).encode()).hexdigest()[:10]
    box = st.expander(label, icon=":material/code:", key=f"code-{key}", on_change="rerun")
    if box.open:
        with box:
            for obj in objects:
                src = source_of(obj)
                st.caption(f"`{src.path}` · `{src.qualname}`")
                st.code(src.text, language="python")


def spec_of(chart) -> dict:
    """A chart builder's spec (or an Altair chart's), for drawing it without a declared figure."""
    return vega_lite_spec(chart)
