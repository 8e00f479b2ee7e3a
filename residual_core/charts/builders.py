"""The chart builders: each takes a long-format data frame and options, and returns a Vega-Lite spec."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .base import chart_builder, color_scale, dash_scale, x_axis

# point shapes per series (a second cue beside colour)
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "triangle-left"]


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

    Every series has its own colour and dash pattern; series named in ``dashed`` are drawn dashed (e.g. a fitted
    curve beside the measured one). ``log_y`` uses a log axis (rows with y <= 0 cannot be drawn on it and are left
    out of the marks, not the data). ``marker_x`` draws a labelled vertical rule, e.g. at the chosen depth.
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
        "strokeDash": alt.StrokeDash(f"{series}:N", title=None, scale=dash_scale(order, dashed), sort=order),
        "tooltip": [alt.Tooltip(f"{series}:N"), alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=".4~g")],
    }
    chart = base.transform_filter(visible).mark_line(strokeWidth=2.5).encode(**encoding)
    if dashed:
        # a fitted or reference curve is drawn first, thin and light; the measured lines on top of it
        fits = alt.FieldOneOfPredicate(field=series, oneOf=list(dashed))
        fit = base.transform_filter(visible).transform_filter(fits).mark_line(strokeWidth=1.3, opacity=0.45)
        measured = base.transform_filter(visible).transform_filter({"not": fits}).mark_line(strokeWidth=3)
        chart = fit.encode(**encoding) + measured.encode(**encoding)
    if marker_x is not None:
        rule = alt.Chart(pd.DataFrame({x: [marker_x], "marker": [marker_label]}))
        chart = chart + rule.mark_rule(strokeDash=[4, 4], strokeWidth=2, color="#555").encode(
            x=f"{x}:Q", tooltip=[alt.Tooltip("marker:N", title="")]
        )
    return chart.properties(height=height).interactive(bind_y=False)


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
        # legend entries drawn as the lines (with their dashes), not as the bands' filled swatches
        color=alt.Color(
            f"{series}:N", title=None, scale=colors, sort=order, legend=alt.Legend(symbolType="stroke", symbolOpacity=1)
        ),
    )
    band = base.transform_filter(f"datum['{lo}'] > 0 && datum['{hi}'] > 0" if log_y else "true").mark_area(opacity=0.22)
    band = band.encode(y=alt.Y(f"{lo}:Q", title=y_title or y, scale=scale, axis=axis), y2=alt.Y2(f"{hi}:Q"))
    line = base.transform_filter(f"datum['{y}'] > 0" if log_y else "true").mark_line(strokeWidth=2.5)
    line = line.encode(
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=scale, axis=axis),
        strokeDash=alt.StrokeDash(f"{series}:N", title=None, scale=dash_scale(order), sort=order),
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
    spans: list[dict] | None = None,
    span_label: str = "",
    hline: float | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """A multi-series line chart (linear axes) with shaded x-intervals and an optional horizontal reference rule.

    ``spans`` is a list of ``{start, end}`` (one per shaded interval); ``span_label`` names them in the tooltip.
    ``hline`` draws a dashed horizontal rule at that y.
    """
    order = list(dict.fromkeys(df[series]))
    layers = []
    if spans:
        shaded = pd.DataFrame(spans, columns=["start", "end"]).assign(what=span_label)
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
            strokeDash=alt.StrokeDash(f"{series}:N", title=None, scale=dash_scale(order), sort=order),
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
    shapes = SHAPES
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


def _sparse_markers(base: alt.Chart, x: str, series: str, count: int = 12) -> alt.Chart:
    """About ``count`` filled markers along each series' curve (every k-th point), so curves of the same dash can
    be told apart without colour."""
    return (
        base.transform_window(marker_i="row_number()", groupby=[series], sort=[alt.SortField(x)])
        .transform_joinaggregate(marker_n="count()", groupby=[series])
        .transform_filter(f"(datum.marker_i - 1) % max(1, floor(datum.marker_n / {count})) == 0")
        .mark_point(filled=True, size=60, opacity=0.9)
    )


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
    rule_label_at: str = "start",
    x_domain: tuple[float, float] | None = None,
    title: str = "",
    height: int = 340,
) -> alt.Chart:
    """Training curves from long-format data: one line per ``series`` of ``y`` (solid, left axis) and, if ``y2`` is
    given, of ``y2`` in the same colour (dashed, right axis; e.g. loss and accuracy on one chart).

    ``rule=(value, label)`` draws a labelled dashed horizontal reference line on the left axis (e.g. chance level);
    ``rule_label_at="title"`` names it in the chart's title ("dashed line: LABEL") instead of on the plot at the
    line's left end ("start"), where curves that start or stay near the reference would cover it.
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
    if y2:
        # dash tells the left-axis curves from the dashed right-axis ones, so series differ by colour and marker
        shape = alt.Shape(f"{series}:N", title=None, sort=order, scale=alt.Scale(domain=order, range=SHAPES))
        left = [main.mark_line(strokeWidth=2.5), _sparse_markers(main, x, series).encode(shape=shape)]
    else:
        dash = alt.StrokeDash(f"{series}:N", title=None, scale=dash_scale(order), sort=order)
        left = [main.mark_line(strokeWidth=2.5, point=points).encode(strokeDash=dash)]
    if rule is not None:
        ref = alt.Chart(pd.DataFrame({"value": [rule[0]], "label": [rule[1]]}))
        left.append(ref.mark_rule(strokeDash=[4, 4], color="#555").encode(y="value:Q"))
        if rule_label_at == "title":
            title = f"{title} · dashed line: {rule[1]}" if title else f"dashed line: {rule[1]}"
        else:
            left.append(
                ref.mark_text(align="left", dx=4, dy=-7, color="#555").encode(
                    x=alt.value(0), y="value:Q", text="label:N"
                )
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
