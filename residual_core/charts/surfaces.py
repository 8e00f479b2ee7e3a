"""Chart builders for surfaces over two quantitative axes (a loss landscape's slice) and for bar charts (counts)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .base import chart_builder, color_scale


@chart_builder
def surface(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    step: float,
    domain: tuple[float, float] | None = None,
    bands: int = 14,
    x_title: str | None = None,
    y_title: str | None = None,
    color_title: str | None = None,
    marker: tuple[float, float] | None = (0.0, 0.0),
    marker_label: str = "trained weights",
    title: str = "",
    height: int = 320,
) -> alt.Chart:
    """A filled-contour map of ``color`` over the quantitative axes ``x`` and ``y`` (one row per grid point, the
    grid evenly spaced by ``step``): every cell is a rectangle, coloured in ``bands`` equal steps of the colour
    domain (``domain``, e.g. shared by two maps so their colours compare; by default the data's range).

    ``marker`` draws a labelled cross at that point (the trained weights at the centre). Missing or non-finite
    values are drawn grey.
    """
    half = step / 2
    lo_x, hi_x = float(df[x].min()) - half, float(df[x].max()) + half
    lo_y, hi_y = float(df[y].min()) - half, float(df[y].max()) + half
    scale = alt.Scale(type="quantize", scheme="viridis", nice=False, zero=False)
    if domain is not None:
        scale = alt.Scale(type="quantize", scheme="viridis", domain=list(domain), nice=False, zero=False)
    legend = alt.Legend(title=color_title or color, tickCount=bands)
    cells = (
        alt.Chart(df, title=title)
        .transform_calculate(
            x0=f"datum['{x}'] - {half}",
            x1=f"datum['{x}'] + {half}",
            y0=f"datum['{y}'] - {half}",
            y1=f"datum['{y}'] + {half}",
        )
        .mark_rect()
        .encode(
            x=alt.X("x0:Q", title=x_title or x, scale=alt.Scale(domain=[lo_x, hi_x], nice=False, zero=False)),
            x2="x1:Q",
            y=alt.Y("y0:Q", title=y_title or y, scale=alt.Scale(domain=[lo_y, hi_y], nice=False, zero=False)),
            y2="y1:Q",
            color=alt.condition(
                f"isFinite(datum['{color}'])",
                alt.Color(f"{color}:Q", scale=scale, legend=legend),
                alt.value("#bbbbbb"),
            ),
            tooltip=[
                alt.Tooltip(f"{x}:Q", format=".3~g"),
                alt.Tooltip(f"{y}:Q", format=".3~g"),
                alt.Tooltip(f"{color}:Q", format=".4~g"),
            ],
        )
    )
    chart = cells
    if marker is not None:
        point = pd.DataFrame({"mx": [marker[0]], "my": [marker[1]], "what": [marker_label]})
        chart = cells + alt.Chart(point).mark_point(shape="cross", size=160, color="white", filled=True).encode(
            x="mx:Q", y="my:Q", tooltip=[alt.Tooltip("what:N", title="")]
        )
    # the colour bar at the side: under the plot it would take the plot's height on a phone
    return chart.properties(height=height).configure_legend(orient="right", direction="vertical")


@chart_builder
def bar_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str = "",
    height: int = 300,
) -> alt.Chart:
    """Bars of ``y`` over a whole-number ``x`` (e.g. counts by length), coloured by ``series`` if given."""
    encoding = {
        "x": alt.X(f"{x}:O", title=x_title or x, axis=alt.Axis(labelAngle=0)),
        "y": alt.Y(f"{y}:Q", title=y_title or y),
        "tooltip": [alt.Tooltip(f"{x}:O"), alt.Tooltip(f"{y}:Q", format=",.4~g")],
    }
    if series:
        order = list(dict.fromkeys(df[series]))
        encoding["color"] = alt.Color(f"{series}:N", title=None, scale=color_scale(order), sort=order)
    return alt.Chart(df, title=title).mark_bar(color="#0072B2").encode(**encoding).properties(height=height)
