"""residual_core.charts: the chart builders' specs are remembered per chart shape, never with stale data; figures
build from declarations."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from residual_core import charts
from residual_core.declare import Figure


def _frame(values):
    return pd.DataFrame({"layer": [0, 1, 2, 0, 1, 2], "series": ["plain"] * 3 + ["residual"] * 3, "v": values})


def test_same_shape_reuses_the_spec_and_carries_the_new_data():
    a = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    b = _frame([9.0, 8.0, 7.0, 6.0, 5.0, 4.0])
    spec_a = charts.line_chart(a, x="layer", y="v", marker_x=2)
    spec_b = charts.line_chart(b, x="layer", y="v", marker_x=2)
    frames_a = [f for f in spec_a["datasets"].values() if "v" in f.columns]
    frames_b = [f for f in spec_b["datasets"].values() if "v" in f.columns]
    assert frames_a[0] is a and frames_b[0] is b
    assert {k: v for k, v in spec_a.items() if k != "datasets"} == {k: v for k, v in spec_b.items() if k != "datasets"}


def test_the_spec_equals_the_altair_builders_own():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    direct = charts.vega_lite_spec(charts.line_chart.altair(df, x="layer", y="v", log_y=False))
    memo = charts.line_chart(df, x="layer", y="v", log_y=False)
    strip = lambda s: {k: v for k, v in s.items() if k != "datasets"}  # noqa: E731
    assert strip(direct) == strip(memo)


def test_a_new_series_or_option_makes_a_new_spec():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    other = df.assign(series=["plain"] * 3 + ["highway"] * 3)
    base = charts.line_chart(df, x="layer", y="v")
    renamed = charts.line_chart(other, x="layer", y="v")
    assert "highway" in str(renamed) and "highway" not in str(base)
    assert charts.line_chart(df, x="layer", y="v", log_y=False) != base


def test_callers_cannot_corrupt_the_remembered_spec():
    df = _frame([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    first = charts.line_chart(df, x="layer", y="v", title="t")
    first["encoding"].clear()
    del first["datasets"]
    again = charts.line_chart(df, x="layer", y="v", title="t")
    assert again["encoding"] and again["datasets"]


def test_builder_derived_frames_are_never_remembered():
    calls = []

    @charts.chart_builder
    def derived(df, *, scale):
        calls.append(scale)
        return alt.Chart(df.assign(w=df["v"] * scale)).mark_line().encode(x="layer:Q", y="w:Q")

    a = pd.DataFrame({"layer": range(40), "v": [float(i) for i in range(40)]})
    b = a.assign(v=a["v"] * 2)
    wa = next(iter(derived(a, scale=1.0)["datasets"].values()))["w"].tolist()
    wb = next(iter(derived(b, scale=1.0)["datasets"].values()))["w"].tolist()
    assert wa != wb and len(calls) == 2  # rebuilt, not a stale copy


def test_spans_are_a_list_of_intervals():
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0], "series": ["R(x)"] * 3, "value": [0.0, 0.5, 0.2]})
    spec = charts.spans_line_chart(df, x="x", y="value", spans=[{"start": 0.5, "end": 1.5}], span_label="dy/dx < 1")
    shaded = [f for f in spec["datasets"].values() if "start" in f.columns]
    assert len(shaded) == 1 and shaded[0][["start", "end"]].values.tolist() == [[0.5, 1.5]]
    assert set(shaded[0]["what"]) == {"dy/dx < 1"}
    plain = charts.spans_line_chart(df, x="x", y="value", spans=[])
    assert not [f for f in plain["datasets"].values() if "start" in f.columns]


def test_known_series_keep_their_colours():
    scale = charts.color_scale(["residual", "plain", "something new"]).to_dict()
    assert scale["range"][:2] == [charts.SERIES_COLORS["residual"], charts.SERIES_COLORS["plain"]]
    assert scale["range"][2] in charts.OKABE_ITO and scale["range"][2] not in scale["range"][:2]


def test_a_figure_builds_its_spec_from_the_result_and_exports_as_json():
    fig = Figure(
        "norms",
        "line",
        lambda r: [{"layer": i, "series": "plain", "norm": v} for i, v in enumerate(r["norms"])],
        lambda r: {"x": "layer", "y": "norm", "title": f"{len(r['norms'])} layers"},
    )
    result = {"norms": [1.0, 0.5, 0.25]}
    frame = charts.figure_frame(fig, result)
    assert frame["norm"].tolist() == [1.0, 0.5, 0.25]
    spec = charts.figure_spec(fig, result, log_y=False)  # a view option overrides the declared ones
    layout = json.dumps({k: v for k, v in spec.items() if k != "datasets"})
    assert '"log"' not in layout and "3 layers" in layout  # the title comes from the result
    exported = json.loads(json.dumps(charts.spec_json(spec)))
    records = [d for d in exported["datasets"].values() if d and "norm" in d[0]]
    assert records == [[{"layer": 0, "series": "plain", "norm": 1.0}, {"layer": 1, "series": "plain", "norm": 0.5},
                        {"layer": 2, "series": "plain", "norm": 0.25}]]  # fmt: skip
    assert set(charts.BUILDERS) == {"line", "band", "heatmap", "spans_line", "point", "curves", "surface", "bar"}
