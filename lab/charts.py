"""Charts: the colour-blind-safe palette, the chart builders (Altair in, Vega-Lite spec out), and what goes under
every chart: the CSV download and the "Show the code" panel."""

from __future__ import annotations

import functools
import inspect
import json
import threading
from collections import OrderedDict
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from .layout import ROOT

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
    "highway gate T": "#009E73",
    "sublayer F(x)": "#000000",
    "added in eval mode": "#0072B2",
    "α = 1": "#0072B2",
    "gated residual": "#E69F00",
    "learned α (ReZero)": "#000000",
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


def forget_chart_specs() -> None:
    """Forget every remembered chart spec (benchmarks use this to time a cold first render)."""
    global _SPECS
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
    config = spec.setdefault("config", {})
    for key in ("continuousWidth", "continuousHeight"):  # Altair's default theme; Streamlit sizes the chart
        config.get("view", {}).pop(key, None)
    if config.get("view") == {}:
        del config["view"]
    # legends under the plot: the plot keeps the full width on a phone and on a projector
    config["legend"] = config.get("legend") or {"orient": "bottom", "direction": "horizontal", "columns": 3}
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
    # the colour bar stays at the side: under the plot it would take the rows' height
    return chart.properties(height=height).configure_legend(orient="right", direction="vertical")


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
