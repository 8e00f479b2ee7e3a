"""The class's answers to a prediction question as a histogram beside the true value (predict, then reveal)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .base import vega_lite_spec

TRUE_COLOR = "#009E73"  # Okabe-Ito green: the bin that holds the true answer
OTHER_COLOR = "#999999"


def answers_chart(rows: list[dict], *, truth_label: str, title: str = "", height: int = 260) -> dict:
    """Bars of ``rows`` (:func:`residual_core.questions.histogram_rows`: ``bin, order, count, truth``) in their
    order; the bin holding the true answer is green, hatched by a thick outline and labelled with ``truth_label``
    (e.g. ``"true value 2.66e-05"``), so it is told apart without colour too."""
    df = pd.DataFrame(rows, columns=["bin", "order", "count", "truth"])
    df["kind"] = ["true answer" if t else "other answers" for t in df["truth"]]
    order = df.sort_values("order")["bin"].tolist()
    x = alt.X("bin:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30 if len(order) > 4 else 0, labelLimit=220))
    base = alt.Chart(df, title=title)
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y("count:Q", title="answers", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(domain=["true answer", "other answers"], range=[TRUE_COLOR, OTHER_COLOR]),
            legend=alt.Legend(orient="top"),
        ),
        stroke=alt.condition("datum.truth", alt.value("#000000"), alt.value(None)),
        strokeWidth=alt.condition("datum.truth", alt.value(3), alt.value(0)),
        tooltip=[alt.Tooltip("bin:N", title="answer"), alt.Tooltip("count:Q", title="answers")],
    )
    label = (
        base.transform_filter("datum.truth")
        .mark_text(dy=-12, fontWeight="bold", fontSize=18)  # read from the back of a hall
        .encode(x=x, y=alt.Y("count:Q"), text=alt.value(truth_label))
    )
    total = int(df["count"].sum())
    spec = vega_lite_spec((bars + label).properties(height=height, width="container"))
    true_bins = df.loc[df["truth"], "bin"].tolist()
    where = f"the true answer ({truth_label}) is in the bin {true_bins[0]}" if true_bins else "no true answer yet"
    counts = ", ".join(f"{b}: {n}" for b, n in zip(df["bin"], df["count"], strict=True))
    return {**spec, "description": f"Histogram of the class's {total} answers ({counts}); {where}."}
