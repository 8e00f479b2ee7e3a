"""What every page shares: page set-up and navigation, URL-bound controls, cached calls into residual_core, chart
builders, the "Show the code" panel, CSV downloads and notices.

A page reads as::

    import lab
    from residual_core import products

    lab.page("vanishing")                                   # title, navigation, notice area
    depth = lab.slider(PRODUCTS["depth"])                   # bound to ?depth=..., bad values get a notice
    data = lab.compute(products.products_experiment, depth=depth, ...)   # cached, shared by all sessions
    lab.show_chart(lab.line_chart(...), df, sources=[products.products_experiment], name="...")

This module is the only place that knows Streamlit's API details; residual_core never imports Streamlit.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import torch

from residual_core.bounds import Bound, BoundError

ROOT = Path(__file__).resolve().parent

# One process serves every visitor: parallelism comes from sessions, not from splitting each small tensor operation
# across cores (which, with several sessions at once, only adds contention). One thread also makes every result
# independent of the machine's core count; the command line does the same (residual_core.cli.main).
torch.set_num_threads(1)

# ---------------------------------------------------------------------------------------------------------------
# Pages: one entry per page, in navigation order. The URL path is the file name without its number prefix.


@dataclass(frozen=True)
class PageInfo:
    key: str  # the URL path, e.g. "vanishing" -> https://host/vanishing
    file: str  # relative to the repository root
    title: str
    icon: str
    teaser: str


PAGES = [
    PageInfo("", "app.py", "Home", ":material/home:", "What Residual Lab is and how to use it in a lecture."),
    PageInfo(
        "vanishing",
        "pages/1_vanishing.py",
        "Vanishing & exploding",
        ":material/trending_down:",
        "0.9¹⁰⁰ and 1.1¹⁰⁰: why a product of many layer factors vanishes or explodes, measured in a real network.",
    ),
    PageInfo(
        "residual-math",
        "pages/2_residual-math.py",
        "Residual math",
        ":material/function:",
        "y = x + F(x): the derivative 1 + F′, the unrolled sum x₀ + Σ Fᵢ, and what survives a hundred layers.",
    ),
    PageInfo(
        "gradient-flow",
        "pages/3_gradient-flow.py",
        "Gradient flow",
        ":material/waterfall_chart:",
        "Gradient norm at every layer, with and without the skip path, over depth, scale α and seeds.",
    ),
    PageInfo(
        "highway",
        "pages/4_highway.py",
        "Highway vs residual",
        ":material/alt_route:",
        "Gated carry T·H(x) + (1 − T)·x against the always-open x + F(x).",
    ),
    PageInfo(
        "add-norm",
        "pages/5_add-norm.py",
        "Add & Norm",
        ":material/add_circle:",
        "The transformer's two residuals per layer, Post-LN against Pre-LN, dropout before the add.",
    ),
    PageInfo(
        "training",
        "pages/6_training.py",
        "Training lab",
        ":material/model_training:",
        "Train networks live with and without residuals: transformers, residual scaling α, gated residuals.",
    ),
]


_run = threading.local()  # per script-run state (each session's script runs in its own thread)


def available_pages() -> list[PageInfo]:
    """The pages whose script exists (the navigation never links to a missing page)."""
    return [p for p in PAGES if (ROOT / p.file).is_file()]


def page(key: str, *, layout: str = "wide") -> PageInfo:
    """Start a page: browser title, the sidebar navigation with proper names, the page title and a notice area.

    Must be the first Streamlit call of every page script.
    """
    info = next(p for p in PAGES if p.key == key)
    st.set_page_config(page_title=f"{info.title} · Residual Lab", page_icon="➕", layout=layout)
    with st.sidebar:
        st.markdown("### :material/add_circle: Residual Lab")
        for p in available_pages():
            st.page_link(p.file, label=p.title, icon=p.icon)
        st.caption("Every control is stored in the address bar: copy it to share exactly what you see.")
    st.title(info.title)
    _run.notices = st.container()
    return info


def notice(message: str) -> None:
    """A small notice at the top of the page (e.g. a URL value that could not be used)."""
    area = getattr(_run, "notices", None)
    (area if area is not None else st).warning(message, icon=":material/link_off:")


# ---------------------------------------------------------------------------------------------------------------
# URL-bound controls. Each takes a residual_core Bound: its name is the widget key and the URL query parameter.


def _url_value(bound: Bound, labels: dict | None = None):
    """Read the raw query parameter before the widget is drawn; on a bad value, pick a usable one and say so.

    Streamlit silently drops a bound URL value it cannot use, so the check has to happen here, first.
    A number outside the range is clamped to the nearest bound; anything else falls back to the default.
    For a choice shown with ``labels``, Streamlit writes the label into the URL; the option itself is accepted too.
    """
    raw = st.query_params.get(bound.name)
    if raw is None:
        return
    if labels:
        if raw in {str(labels.get(o, o)) for o in bound.options}:
            return  # Streamlit's own form of the value
        if raw in {str(o) for o in bound.options}:  # the option itself, which Streamlit would drop: set it here
            st.session_state[bound.name] = bound.parse(raw)
            _forget_initial_url_value(bound.name)
            return
    try:
        bound.parse(raw)
        return
    except BoundError as err:
        used = bound.default
        if bound.kind != "choice":
            try:
                used = bound.clamp(float(raw))
            except (TypeError, ValueError, OverflowError):
                used = bound.default
            if used != used:  # NaN
                used = bound.default
        st.session_state[bound.name] = used
        _forget_initial_url_value(bound.name)
        notice(f"URL parameter `{bound.name}={raw}` cannot be used: {err}. Using **{bound.name}={used}** instead.")


def _forget_initial_url_value(key: str) -> None:
    """Make Streamlit forget a refused value from the first request's URL, so the widget starts from session state.

    Streamlit 1.67 seeds a bound widget from the URL it first saw, even after ``st.query_params`` changes, and its
    ``number_input`` then crashes on a value beyond the float range (``?seed=999…9`` gives ``int(inf)``). There is
    no public API for this, so the private record is edited here, defensively; the AppTest fuzz test
    (tests/test_url_fuzz.py) fails if a Streamlit upgrade changes it.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    # On another Streamlit version the attribute may be gone: the notice and the session-state value still apply.
    with contextlib.suppress(AttributeError):
        ctx.session_state._state.query_params._initial_query_params.pop(key, None)


def _help(bound: Bound, extra: str | None) -> str:
    text = extra or bound.help
    return f"{text} Range: {bound.describe()}. URL key: `{bound.name}`.".strip()


def slider(bound: Bound, *, label: str | None = None, help: str | None = None, container=st):
    """A slider for a numeric bound, bound to the URL query parameter ``bound.name``."""
    _url_value(bound)
    if bound.kind == "int":
        lo, hi, default, step = int(bound.lo), int(bound.hi), int(bound.default), int(bound.step or 1)
    else:
        lo, hi, default, step = float(bound.lo), float(bound.hi), float(bound.default), float(bound.step or 0.01)
    return container.slider(
        label or bound.label,
        min_value=lo,
        max_value=hi,
        value=default,
        step=step,
        key=bound.name,
        bind="query-params",
        help=_help(bound, help),
    )


def number(bound: Bound, *, label: str | None = None, help: str | None = None, container=st):
    """A number input for a numeric bound (seeds), bound to the URL."""
    _url_value(bound)
    cast = int if bound.kind == "int" else float
    return container.number_input(
        label or bound.label,
        min_value=cast(bound.lo),
        max_value=cast(bound.hi),
        value=cast(bound.default),
        step=cast(bound.step or 1),
        key=bound.name,
        bind="query-params",
        help=_help(bound, help),
    )


def choice(bound: Bound, *, label: str | None = None, help: str | None = None, container=st, labels=None):
    """A segmented control for a choice bound, bound to the URL (always has a value).

    ``labels`` maps options to the text shown (the URL then carries the label; the option is accepted as well).
    """
    _url_value(bound, labels)
    value = container.segmented_control(
        label or bound.label,
        options=list(bound.options),
        default=bound.default,
        key=bound.name,
        bind="query-params",
        format_func=(lambda o: labels.get(o, o)) if labels else str,
        help=_help(bound, help),
    )
    return bound.default if value is None else value  # a click on the selected option deselects it


# ---------------------------------------------------------------------------------------------------------------
# Cached calls into residual_core.

MAX_CACHE_ENTRIES = 256  # per cached function; results are small (lists of floats)
CACHE_TTL_SECONDS = 24 * 3600


@st.cache_data(max_entries=MAX_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner="Computing…")
def _cached_call(module: str, name: str, kwargs_json: str):
    fn = getattr(importlib.import_module(module), name)
    return fn(**json.loads(kwargs_json))


COMPUTE_SECONDS = [0.0]  # wall time spent inside compute() since start; read by benchmarks/pages.py


def compute(fn, **kwargs):
    """``fn(**kwargs)``, cached across all sessions by the function's name and its plain arguments.

    ``fn`` must be a module-level residual_core function of JSON-serialisable arguments (numbers, strings).
    """
    start = time.perf_counter()
    try:
        return _cached_call(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True))
    finally:
        COMPUTE_SECONDS[0] += time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------------------
# Charts: colours, spec builders and the panel under each chart.

# Okabe-Ito, a colour-blind-safe palette; the same series name has the same colour on every page.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
SERIES_COLORS = {
    "residual": "#0072B2",
    "plain": "#D55E00",
    "highway": "#009E73",
    "Pre-LN": "#0072B2",
    "Post-LN": "#CC79A7",
    "no residual": "#D55E00",
    "0.9^l": "#56B4E9",
    "1.1^l": "#E69F00",
    "chosen factor": "#000000",
    "plain, fitted C·r^(L−l)": "#000000",
}


def color_scale(names) -> alt.Scale:
    """A colour scale that gives known series their fixed colours and others the remaining palette colours."""
    names = list(dict.fromkeys(names))
    spare = [c for c in OKABE_ITO if c not in {SERIES_COLORS.get(n) for n in names}]
    colors = []
    for n in names:
        colors.append(SERIES_COLORS.get(n) or (spare.pop(0) if spare else "#999999"))
    return alt.Scale(domain=names, range=colors)


def x_axis(df: pd.DataFrame, x: str, title: str | None = None) -> alt.X:
    """A quantitative x channel; whole-number data (layers, steps) gets whole-number ticks (no "1.0, 1.5, 2.0")."""
    values = pd.to_numeric(df[x], errors="coerce").dropna()
    whole = len(values) > 0 and bool((values == values.round()).all())
    axis = alt.Axis(format="d", tickMinStep=1) if whole else alt.Axis()
    return alt.X(f"{x}:Q", title=title or x, axis=axis)


class _SpecMemo:
    """Vega-Lite specs of chart builders, remembered by everything that shapes them except the data values.

    Building an Altair chart costs 10-120 ms a chart on every rerun (schema checks, layer merging), while the spec
    depends only on the builder's options, the frame's columns and dtypes, its category values in order and whether
    its numbers are whole. So a builder runs once per such shape; later calls reuse its spec and attach the new data.
    A frame that a builder derives itself (not the data passed in, not a frame option) is kept only when tiny
    (rules, markers); otherwise the spec is not remembered, so stale data can never be shown.
    """

    MAX_ENTRIES = 512
    MAX_DERIVED_ROWS = 16

    def __init__(self):
        self._specs: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def shape(df: pd.DataFrame) -> tuple:
        parts = []
        for column in df.columns:
            values = df[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                finite = values[np.isfinite(values.astype("float64"))]
                parts.append((column, str(values.dtype), bool((finite == finite.round()).all())))
            else:
                parts.append((column, str(values.dtype), tuple(dict.fromkeys(values.astype(str)))))
        return tuple(parts)

    @staticmethod
    def option(value):
        if isinstance(value, pd.DataFrame):
            return ("frame", tuple(value.columns), int(pd.util.hash_pandas_object(value, index=True).sum()))
        return repr(value)

    def spec(self, builder, df: pd.DataFrame, kwargs: dict) -> dict:
        key = (builder.__qualname__, self.shape(df), tuple(sorted((k, self.option(v)) for k, v in kwargs.items())))
        with self._lock:
            found = self._specs.get(key)
            if found is not None:
                self._specs.move_to_end(key)
        if found is None:
            spec = vega_lite_spec(builder(df, **kwargs))
            datasets = spec.pop("datasets")
            main = [name for name, frame in datasets.items() if frame is df]
            options = [frame for frame in kwargs.values() if isinstance(frame, pd.DataFrame)]
            derived = {n: f for n, f in datasets.items() if n not in main and not any(f is o for o in options)}
            if any(len(frame) > self.MAX_DERIVED_ROWS for frame in derived.values()):
                return {**spec, "datasets": datasets}  # a builder-derived data frame: never remembered
            found = (json.dumps(spec), main, {n: f for n, f in datasets.items() if n not in main})
            with self._lock:
                self._specs[key] = found
                while len(self._specs) > self.MAX_ENTRIES:
                    self._specs.popitem(last=False)
        template, main, others = found
        return {**json.loads(template), "datasets": {**others, **dict.fromkeys(main, df)}}


_SPECS = _SpecMemo()


def chart_builder(builder):
    """Decorator for chart builders: ``builder(df, **options)`` is written in Altair; the decorated function
    returns its Vega-Lite spec (see :func:`vega_lite_spec`), built once per chart shape (see :class:`_SpecMemo`)."""

    @functools.wraps(builder)
    def build(df: pd.DataFrame, **options) -> dict:
        return _SPECS.spec(builder, df, options)

    build.altair = builder  # the undecorated builder, returning the Altair chart
    return build


@chart_builder
def line_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str = "series",
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = True,
    title: str = "",
    marker_x: float | None = None,
    marker_label: str = "",
    dashed: tuple = (),
    height: int = 340,
) -> alt.Chart:
    """A multi-series line chart from long-format data (one row per x and series), with tooltips.

    Series named in ``dashed`` are drawn dashed (e.g. a fitted curve beside the measured one).
    ``log_y`` uses a log axis (rows with y <= 0 cannot be drawn on it and are left out of the marks, not the data).
    ``marker_x`` draws a labelled vertical rule, e.g. at the chosen depth.
    """
    order = list(dict.fromkeys(df[series]))
    base = alt.Chart(df, title=title)
    y_enc = alt.Y(
        f"{y}:Q",
        title=y_title or y,
        scale=alt.Scale(type="log") if log_y else alt.Scale(zero=False),
        axis=alt.Axis(format="~e") if log_y else alt.Axis(),
    )
    visible = f"datum['{y}'] > 0" if log_y else "true"
    encoding = {
        "x": x_axis(df, x, x_title),
        "y": y_enc,
        "color": alt.Color(f"{series}:N", title=None, scale=color_scale(order), sort=order),
        "tooltip": [alt.Tooltip(f"{series}:N"), alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=".4~g")],
    }
    solid = base.transform_filter(visible).mark_line(strokeWidth=2.5)
    if dashed:
        names = json.dumps(list(dashed))
        solid = solid.transform_filter(f"indexof({names}, datum['{series}']) < 0")
    lines = solid.encode(**encoding)
    if dashed:
        lines += (
            base.transform_filter(visible)
            .transform_filter(f"indexof({names}, datum['{series}']) >= 0")
            .mark_line(strokeWidth=2, strokeDash=[6, 4])
            .encode(**encoding)
        )
    chart = lines
    if marker_x is not None:
        rule = alt.Chart(pd.DataFrame({x: [marker_x], "marker": [marker_label]}))
        chart = chart + rule.mark_rule(strokeDash=[4, 4], strokeWidth=2, color="#555").encode(
            x=f"{x}:Q", tooltip=[alt.Tooltip("marker:N", title="")]
        )
    return chart.properties(height=height).interactive(bind_y=False)


@functools.lru_cache(maxsize=512)
def source_of(fn) -> str:
    """The source code of a residual_core function or class, read from the code itself.

    Cached per function object: when a source file changes, Streamlit reloads the module, which makes new
    function objects, so the panel never shows stale code.
    """
    return inspect.getsource(fn)


def code_panel(sources, *, label: str = "Show the code") -> None:
    """An expander with the source of the residual_core functions that computed the chart above."""
    with st.expander(label, icon=":material/code:"):
        for fn in sources:
            module = inspect.getmodule(fn)
            path = Path(module.__file__).resolve().relative_to(ROOT) if module else "?"
            st.caption(f"`{path}` · `{fn.__qualname__}`")
            st.code(source_of(fn), language="python")


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


def vega_lite_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The Vega-Lite spec of an Altair chart, its data frames under ``spec["datasets"]`` by name.

    A spec (what the chart builders return) is passed through as it is.

    This is the exportable form of every chart (``json.dumps`` it after converting the frames with ``to_dict``).
    It skips Altair's JSON-schema validation, which costs 10-30 ms a chart on every rerun: the builders above
    are fixed code, exercised by the page tests. Data frames are swapped for named references on a copy of the
    chart, so no global Altair state (data transformers, themes) is touched and sessions cannot race.
    """
    if isinstance(chart, dict):
        return chart
    datasets: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}  # one dataset per distinct frame, however many layers share it

    def detach(node):
        node = node.copy(deep=False)
        if isinstance(getattr(node, "data", None), pd.DataFrame):
            name = names.setdefault(id(node.data), f"data-{len(names)}")
            datasets[name] = node.data
            node.data = alt.NamedData(name=name)
        for attr in ("layer", "hconcat", "vconcat", "concat"):
            children = getattr(node, attr, alt.Undefined)
            if isinstance(children, list):
                setattr(node, attr, [detach(child) for child in children])
        return node

    spec = detach(chart).to_dict(validate=False)
    config = spec.get("config", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme; Streamlit sizes the chart
        config.get("view", {}).pop(key, None)
    if config.get("view") == {}:
        del config["view"]
    if spec.get("config") == {}:
        del spec["config"]
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def show_chart(chart: alt.TopLevelMixin | dict, data: pd.DataFrame, *, sources, name: str) -> None:
    """Draw ``chart``, then its CSV download and the "Show the code" panel of the functions in ``sources``."""
    st.vega_lite_chart(vega_lite_spec(chart), width="stretch")
    left, right = st.columns([1, 5], vertical_alignment="top")
    with left:
        csv_download(data, name)
    with right:
        code_panel(sources)


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a metric: plain for ordinary magnitudes, scientific for tiny or huge ones."""
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}g}"


# ---------------------------------------------------------------------------------------------------------------
# Issue 3 (residual math, gradient flow): band, heatmap and shaded-span chart builders.


@chart_builder
def band_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    lo: str,
    hi: str,
    series: str = "series",
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = True,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """Lines with a shaded band per series, from long-format data with columns ``x``, ``series``, ``y``, ``lo``, ``hi``.

    The band runs from ``lo`` to ``hi`` (e.g. the min and max over seeds), the line is ``y``. On a log axis rows
    whose values are <= 0 are left out of the marks (not the data).
    """
    order = list(dict.fromkeys(df[series]))
    colors = color_scale(order)
    scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    axis = alt.Axis(format="~e") if log_y else alt.Axis()
    base = alt.Chart(df).encode(
        x=x_axis(df, x, x_title),
        color=alt.Color(f"{series}:N", title=None, scale=colors, sort=order),
    )
    band = base.transform_filter(f"datum['{lo}'] > 0 && datum['{hi}'] > 0" if log_y else "true").mark_area(opacity=0.22)
    band = band.encode(y=alt.Y(f"{lo}:Q", title=y_title or y, scale=scale, axis=axis), y2=alt.Y2(f"{hi}:Q"))
    line = base.transform_filter(f"datum['{y}'] > 0" if log_y else "true").mark_line(strokeWidth=2.5)
    line = line.encode(
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=scale, axis=axis),
        tooltip=[
            alt.Tooltip(f"{series}:N"),
            alt.Tooltip(f"{x}:Q"),
            alt.Tooltip(f"{y}:Q", format=".4~g"),
            alt.Tooltip(f"{lo}:Q", format=".4~g"),
            alt.Tooltip(f"{hi}:Q", format=".4~g"),
        ],
    )
    return alt.layer(band, line, title=title).properties(height=height).interactive(bind_y=False)


@chart_builder
def heatmap(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    x_title: str | None = None,
    y_title: str | None = None,
    color_title: str | None = None,
    x_sort=None,
    y_sort=None,
    mid: float | None = None,
    text: str | None = None,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """A heatmap of ``color`` (quantitative) over the categories ``x`` and ``y``, with tooltips.

    ``mid`` centres a diverging, colour-blind-safe scheme (blue above, orange below) on that value; without it a
    sequential scheme is used. ``text`` prints that column in every cell. Non-finite colour values are drawn grey.
    """
    scale = (
        alt.Scale(scheme="blueorange", domainMid=mid, reverse=True) if mid is not None else alt.Scale(scheme="viridis")
    )
    base = alt.Chart(df, title=title).encode(
        x=alt.X(f"{x}:O", title=x_title or x, sort=x_sort),
        y=alt.Y(f"{y}:O", title=y_title or y, sort=y_sort),
    )
    cells = base.mark_rect().encode(
        color=alt.condition(
            f"isFinite(datum['{color}'])",
            alt.Color(f"{color}:Q", title=color_title or color, scale=scale),
            alt.value("#bbbbbb"),
        ),
        tooltip=[alt.Tooltip(f"{x}:O"), alt.Tooltip(f"{y}:O"), alt.Tooltip(f"{color}:Q", format=".4~g")],
    )
    chart = cells
    if text:
        # dark text on light cells, white on dark ones (far from the middle of the colour scale)
        centre = "0" if mid is None else repr(float(mid))
        v = f"datum['{color}']"
        labels = (
            base.transform_calculate(text_v=f"isFinite({v}) ? {v} : {centre}")
            .transform_joinaggregate(text_lo="min(text_v)", text_hi="max(text_v)")
            .transform_calculate(  # how far along its side of the scale the cell's colour is, 0..1
                text_t=f"datum.text_v >= {centre} ? (datum.text_v - {centre}) / max(datum.text_hi - {centre}, 1e-12)"
                f" : ({centre} - datum.text_v) / max({centre} - datum.text_lo, 1e-12)"
            )
        )
        chart = cells + labels.mark_text(fontSize=11).encode(
            text=f"{text}:N",
            color=alt.condition("datum.text_t > 0.6", alt.value("white"), alt.value("#222222")),
        )
    return chart.properties(height=height)


@chart_builder
def spans_line_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str = "series",
    spans: pd.DataFrame | None = None,
    span_label: str = "",
    hline: float | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """A multi-series line chart (linear axes) with shaded x-intervals and an optional horizontal reference rule.

    ``spans`` has columns ``start`` and ``end`` (one row per shaded interval); ``span_label`` names them in the
    tooltip. ``hline`` draws a dashed horizontal rule at that y.
    """
    order = list(dict.fromkeys(df[series]))
    layers = []
    if spans is not None and len(spans):
        shaded = spans.assign(what=span_label)
        layers.append(
            alt.Chart(shaded)
            .mark_rect(opacity=0.18, color="#E69F00")
            .encode(x=alt.X("start:Q"), x2="end:Q", tooltip=[alt.Tooltip("what:N", title=""), "start:Q", "end:Q"])
        )
    if hline is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"y": [hline]})).mark_rule(strokeDash=[4, 4], color="#555").encode(y="y:Q")
        )
    layers.append(
        alt.Chart(df)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x_axis(df, x, x_title),
            y=alt.Y(f"{y}:Q", title=y_title or y),
            color=alt.Color(f"{series}:N", title=None, scale=color_scale(order), sort=order),
            tooltip=[
                alt.Tooltip(f"{series}:N"),
                alt.Tooltip(f"{x}:Q", format=".3~g"),
                alt.Tooltip(f"{y}:Q", format=".4~g"),
            ],
        )
    )
    return alt.layer(*layers, title=title).properties(height=height)


# ---------------------------------------------------------------------------------------------------------------
# Issue 4 (highway, add & norm): long computations with a progress bar, cached; a point chart; series colours.

SERIES_COLORS.update({"highway gate T": "#009E73", "sublayer F(x)": "#000000", "added in eval mode": "#0072B2"})


class _NotCached(Exception):
    """Raised inside :func:`_stored_result` on a cache miss when there is nothing to store (never cached)."""


@st.cache_data(max_entries=MAX_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _stored_result(module: str, name: str, kwargs_json: str, _result=None):
    # A hit returns the stored result without running this body. On a miss the body runs: with nothing to store
    # it raises (st.cache_data never caches an exception), otherwise the given result is cached and returned.
    if _result is None:
        raise _NotCached
    return _result[0]


def cached_result(fn, **kwargs):
    """The cached result of ``fn(**kwargs)`` if some session already computed it with :func:`compute_with_progress`,
    else ``None``. Never computes anything."""
    try:
        return _stored_result(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True))
    except _NotCached:
        return None


MAX_CONCURRENT_PROGRESS_RUNS = 2  # long computations (highway training) running at once, over all sessions
_PROGRESS_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_PROGRESS_RUNS)
_PROGRESS_KEYS: dict[str, threading.Lock] = {}
_PROGRESS_KEYS_LOCK = threading.Lock()


def _acquire_politely(lock, bar, text: str) -> None:
    """Wait for ``lock`` while keeping the page responsive: each half second touches the page, so a rerun
    (a control moved) can still interrupt this script run."""
    while not lock.acquire(timeout=0.5):
        bar.progress(0.0, text=text)


def compute_with_progress(fn, *, label: str = "Computing…", **kwargs):
    """``fn(**kwargs, progress=...)``, cached across sessions like :func:`compute`, with a progress bar on a miss.

    ``fn`` takes a ``progress(done, total, message)`` callback. On a cache hit the result comes back at once and no
    bar is drawn. On a miss ``fn`` runs in this script run (outside ``st.cache_data``, so the bar is an ordinary
    element, not one the cache would try to replay) and its result is then stored under the same key.

    A lecture hall clicking at once: visitors asking for the same result wait for the one computing it (it runs
    once), and at most :data:`MAX_CONCURRENT_PROGRESS_RUNS` different ones run at a time; the others wait their turn.
    """
    found = cached_result(fn, **kwargs)
    if found is not None:
        return found
    key = json.dumps([fn.__module__, fn.__name__, kwargs], sort_keys=True)
    with _PROGRESS_KEYS_LOCK:
        mine = _PROGRESS_KEYS.setdefault(key, threading.Lock())
    bar = st.progress(0.0, text=label)
    _acquire_politely(mine, bar, "Another visitor is computing this same run; it appears here when it is done…")
    try:
        found = cached_result(fn, **kwargs)  # computed by whoever held the lock before us
        if found is not None:
            bar.empty()
            return found
        _acquire_politely(_PROGRESS_SLOTS, bar, "The server is busy with other runs; waiting for a free slot…")
        try:

            def progress(done: int, total: int, message: str = "") -> None:
                bar.progress(min(max(done / max(total, 1), 0.0), 1.0), text=f"{label} {message}".strip())

            result = fn(**kwargs, progress=progress)
        finally:
            _PROGRESS_SLOTS.release()
        bar.empty()
        return _stored_result(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True), _result=(result,))
    finally:
        mine.release()
        with _PROGRESS_KEYS_LOCK:  # forget the key's lock unless someone holds it again (keeps the dict small)
            if _PROGRESS_KEYS.get(key) is mine and not mine.locked():
                del _PROGRESS_KEYS[key]


@chart_builder
def point_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str = "series",
    x_title: str | None = None,
    y_title: str | None = None,
    zero_rule: bool = True,
    title: str = "",
    height: int = 300,
) -> alt.Chart:
    """Points per series over a discrete-looking x (e.g. feature index), linear axes, with tooltips.

    Each series gets its own fixed colour and shape, so overlapping points stay distinguishable;
    ``zero_rule`` draws a thin rule at y = 0.
    """
    order = list(dict.fromkeys(df[series]))
    shapes = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
    points = (
        alt.Chart(df)
        .mark_point(filled=True, size=70, opacity=0.85)
        .encode(
            x=x_axis(df, x, x_title),
            y=alt.Y(f"{y}:Q", title=y_title or y),
            color=alt.Color(f"{series}:N", title=None, scale=color_scale(order), sort=order),
            shape=alt.Shape(
                f"{series}:N", title=None, sort=order, scale=alt.Scale(domain=order, range=shapes[: len(order)])
            ),
            tooltip=[alt.Tooltip(f"{series}:N"), alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=".4~g")],
        )
    )
    layers = [points]
    if zero_rule:
        layers.insert(0, alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#999").encode(y="zero:Q"))
    return alt.layer(*layers, title=title).properties(height=height).interactive(bind_y=False)


# ---------------------------------------------------------------------------------------------------------------
# Issue 5 (training lab): shared live runs drawn while they train; training-curve chart; series colours.

SERIES_COLORS.update({"α = 1": "#0072B2", "gated residual": "#E69F00", "learned α (ReZero)": "#000000"})


def watcher_id(slot: str) -> str:
    """This browser session's watcher name for ``slot`` (one live run per session and slot)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return f"{ctx.session_id if ctx else 'no-session'}:{slot}"


def live_run(fn, kwargs: dict, *, draw, slot: str = "run", interval: float = 1.0, wait: float = 0.0, registry=None):
    """Show the shared run of ``fn(**kwargs)`` (see :mod:`residual_core.jobs`), live while it trains.

    This session watches the run (starting it if nobody has, leaving and possibly cancelling the run it watched
    before in ``slot``). A finished run is drawn at once with ``draw(result, True)``. A live one is drawn in a
    fragment that reruns every ``interval`` seconds: a progress bar with the step count, then
    ``draw(partial_result, False)``; when the run finishes the whole page reruns once and draws the final result.
    Every watcher's poll costs server time, so with many watchers of one run each polls less often (up to 5 s).
    ``wait`` seconds are spent waiting for a run to finish before drawing it live (short runs then appear complete).

    Returns the final result if it was available during this script run, else ``None``.
    """
    from residual_core import jobs

    registry = registry or jobs.REGISTRY
    watcher = watcher_id(slot)
    try:
        job = registry.watch(watcher, fn, **kwargs)
    except jobs.Busy as err:
        st.warning(f"The server is busy training other runs ({err}). Reload the page in a few seconds.")
        return None
    if wait:
        job.wait(wait)
    view = job.view()
    if view.state == jobs.DONE:
        _run_caption(view, final=True)
        draw(view.result, True)
        return view.result

    every = min(max(interval, interval * view.watchers / 4), 5.0)

    @st.fragment(run_every=every)
    def _live():
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        job.touch(watcher)
        v = job.view()
        ctx = get_script_run_ctx()
        in_fragment_run = bool(ctx and ctx.fragment_ids_this_run)
        if in_fragment_run and v.state in (jobs.DONE, jobs.CANCELLED):
            st.rerun(scope="app")  # draw the final result (or start again) outside the polling fragment
        if v.state == jobs.FAILED:
            st.error(f"This run failed: {v.error}")
            return
        if v.state == jobs.DONE:
            _run_caption(v, final=True)
            draw(v.result, True)
            return
        st.progress(v.fraction, text=_run_caption(v, final=False, draw_it=False))
        if v.partial is not None:
            draw(v.partial, False)

    _live()
    return None


def _run_caption(view, *, final: bool, draw_it: bool = True) -> str:
    others = view.watchers - 1
    shared = f" · {others} other {'person is' if others == 1 else 'people are'} watching this run" if others > 0 else ""
    if final:
        text = (
            f"Trained in {view.elapsed:.1f} s on the server's CPU. The finished run is cached: everyone who opens "
            "this link sees it at once."
        )
    elif view.state == "queued":
        text = f"Waiting for a free trainer ({view.message}){shared}"
    elif view.state == "cancelled":
        text = "This run was stopped; starting again…"
    else:
        text = f"Training… step {view.done} of {view.total} · {view.elapsed:.1f} s{shared}"
    if draw_it:
        st.caption(text)
    return text


@chart_builder
def curves_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str = "series",
    y2: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    y2_title: str | None = None,
    log_x: bool = False,
    log_y: bool = True,
    points: bool = False,
    rule: tuple[float, str] | None = None,
    x_domain: tuple[float, float] | None = None,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """Training curves from long-format data: one line per ``series`` of ``y`` (solid, left axis) and, if ``y2`` is
    given, of ``y2`` in the same colour (dashed, right axis; e.g. loss and accuracy on one chart).

    ``rule=(value, label)`` draws a labelled dashed horizontal reference line on the left axis (e.g. chance level).
    ``x_domain`` fixes the x range (so a curve that is still growing is drawn against the full budget).
    On a log axis rows with y <= 0 are left out of the marks (not the data); missing values break a line.
    """
    order = list(dict.fromkeys(df[series]))
    colors = color_scale(order)
    x_scale = alt.Scale(type="log", base=2) if log_x else alt.Scale(zero=False)
    if x_domain is not None:
        x_scale = alt.Scale(type="log", base=2, domain=list(x_domain)) if log_x else alt.Scale(domain=list(x_domain))
    x_enc = alt.X(f"{x}:Q", title=x_title or x, scale=x_scale)
    color = alt.Color(f"{series}:N", title=None, scale=colors, sort=order)
    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=True)
    tooltip = [alt.Tooltip(f"{series}:N"), alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=".4~g")]
    if y2:
        tooltip.append(alt.Tooltip(f"{y2}:Q", format=".3~g"))
    base = alt.Chart(df)
    main = base.transform_filter(f"isValid(datum['{y}']) && datum['{y}'] > 0" if log_y else "true").encode(
        x=x_enc,
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=y_scale, axis=alt.Axis(format="~g")),
        color=color,
        tooltip=tooltip,
    )
    left = [main.mark_line(strokeWidth=2.5, point=points)]
    if rule is not None:
        ref = alt.Chart(pd.DataFrame({"value": [rule[0]], "label": [rule[1]]}))
        left.append(ref.mark_rule(strokeDash=[4, 4], color="#555").encode(y="value:Q"))
        left.append(
            ref.mark_text(align="left", dx=4, dy=-7, color="#555").encode(x=alt.value(0), y="value:Q", text="label:N")
        )
    chart = alt.layer(*left)
    if y2:
        right = base.mark_line(strokeWidth=1.8, strokeDash=[5, 3], opacity=0.8).encode(
            x=x_enc,
            y=alt.Y(f"{y2}:Q", title=y2_title or y2, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(orient="right")),
            color=color,
            tooltip=tooltip,
        )
        chart = alt.layer(chart, right).resolve_scale(y="independent")
    return chart.properties(height=height, title=title).interactive(bind_y=False)
