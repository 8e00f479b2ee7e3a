"""lab's chart builders: specs are remembered per chart shape, never with stale data."""

from __future__ import annotations

import altair as alt
import pandas as pd

import lab


def _frame(values):
    return pd.DataFrame({"layer": [0, 1, 2, 0, 1, 2], "series": ["plain"] * 3 + ["residual"] * 3, "v": values})


def test_same_shape_reuses_the_spec_and_carries_the_new_data():
    a = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    b = _frame([9.0, 8.0, 7.0, 6.0, 5.0, 4.0])
    spec_a = lab.line_chart(a, x="layer", y="v", marker_x=2)
    spec_b = lab.line_chart(b, x="layer", y="v", marker_x=2)
    frames_a = [f for f in spec_a["datasets"].values() if "v" in f.columns]
    frames_b = [f for f in spec_b["datasets"].values() if "v" in f.columns]
    assert frames_a[0] is a and frames_b[0] is b
    assert {k: v for k, v in spec_a.items() if k != "datasets"} == {k: v for k, v in spec_b.items() if k != "datasets"}


def test_the_spec_equals_the_altair_builders_own():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    direct = lab.vega_lite_spec(lab.line_chart.altair(df, x="layer", y="v", log_y=False))
    memo = lab.line_chart(df, x="layer", y="v", log_y=False)
    strip = lambda s: {k: v for k, v in s.items() if k != "datasets"}  # noqa: E731
    assert strip(direct) == strip(memo)


def test_a_new_series_or_option_makes_a_new_spec():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    other = df.assign(series=["plain"] * 3 + ["highway"] * 3)
    base = lab.line_chart(df, x="layer", y="v")
    renamed = lab.line_chart(other, x="layer", y="v")
    assert "highway" in str(renamed) and "highway" not in str(base)
    assert lab.line_chart(df, x="layer", y="v", log_y=False) != base


def test_callers_cannot_corrupt_the_remembered_spec():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    first = lab.line_chart(df, x="layer", y="v", title="t")
    first["encoding"].clear()
    del first["datasets"]
    again = lab.line_chart(df, x="layer", y="v", title="t")
    assert again["encoding"] and again["datasets"]


def test_builder_derived_frames_are_never_remembered():
    calls = []

    @lab.chart_builder
    def derived(df, *, scale):
        calls.append(scale)
        return alt.Chart(df.assign(w=df["v"] * scale)).mark_line().encode(x="layer:Q", y="w:Q")

    a = pd.DataFrame({"layer": range(40), "v": [float(i) for i in range(40)]})
    b = a.assign(v=a["v"] * 2)
    wa = next(iter(derived(a, scale=1.0)["datasets"].values()))["w"].tolist()
    wb = next(iter(derived(b, scale=1.0)["datasets"].values()))["w"].tolist()
    assert wa != wb and len(calls) == 2  # rebuilt, not a stale copy
