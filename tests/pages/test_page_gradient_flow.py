"""AppTest: the gradient flow page (/gradient-flow)."""

from __future__ import annotations

import pytest

import lab
from residual_core import catalog
from residual_core.experiments.gradient_flow import (
    TEXT_PRINTED,
    TEXT_SETTINGS,
    activation_profile,
    depth_alpha_map,
    gradient_flow_experiment,
    gradient_flow_vs_text,
    gradient_seed_spread,
)
from tests.conftest import chart_frame, charts, glance, open_code_panels, open_details, run_page, warnings_text

PAGE = "pages/gradient-flow.py"


def _series(frame, name, column, by="layer"):
    rows = frame[frame["series"] == name]
    return rows.sort_values(by)[column].tolist()


def _check_charts(at, args):
    flow = gradient_flow_experiment(**args)
    spread = gradient_seed_spread(**args)
    grads = chart_frame(at, "per-layer", column="grad_norm", section="gradient-magnitude-at-every-layer")
    for name in ("plain", "residual"):
        assert _series(grads, name, "grad_norm") == [r[name] for r in flow["per_layer"]]
        assert _series(grads, name, "seed_min") == [r[f"{name}_min"] for r in spread["per_layer"]]
        assert _series(grads, name, "seed_max") == [r[f"{name}_max"] for r in spread["per_layer"]]

    acts = activation_profile(**args)
    rms = chart_frame(at, "rms", column="rms", section="activations-through-the-layers")
    assert _series(rms, "plain", "rms") == [r["rms"] for r in acts["per_layer"] if r["network"] == "plain"]
    spread_frame = chart_frame(at, "spread", column="input_spread", section="activations-through-the-layers")
    expected = [r["input_spread"] for r in acts["per_layer"] if r["network"] == "residual"]
    assert _series(spread_frame, "residual", "input_spread") == expected

    grid = depth_alpha_map(width=args["width"], activation=args["activation"], seed=args["seed"])
    cells = chart_frame(at, "heatmap", column="log10", section="depth-alpha")
    assert sorted(cells["grad_norm"].tolist()) == sorted(c["grad_norm"] for c in grid["cells"])

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Gradient norm at the input, plain"] == lab.fmt(flow["input_grad_norm"]["plain"])
    assert metrics["Gradient norm at the input, residual"] == lab.fmt(flow["input_grad_norm"]["residual"])
    assert metrics["Ratio residual / plain"] == lab.fmt(flow["ratio"], 3)


@pytest.mark.slow
def test_defaults_render_and_chart_data_matches_residual_core():
    at = run_page(PAGE)
    assert not at.exception
    assert not warnings_text(at)
    args = {"depth": 50, "width": 64, "alpha": 0.1, "activation": "tanh", "seed": 0}
    _check_charts(at, args)
    # the text's printed numbers beside this run's, at the text's settings (in section 3.8's row of details)
    assert not at.table
    table = open_details(at).table[0].value
    vs = gradient_flow_vs_text(gradient_seed_spread(**TEXT_SETTINGS, seed=0), 0)
    printed = table["printed in the reference text"].tolist()
    assert printed == [f"{TEXT_PRINTED['plain']:.8f}", f"{TEXT_PRINTED['residual']:.4f}", "297483647x"]
    computed = table["computed here (seed 0)"].tolist()
    assert computed[1] == f"{vs['computed']['residual']:.4f}"
    assert f"{vs['decades']:.1f} orders of magnitude" in " ".join(m.value for m in at.markdown)
    code = "\n".join(c.value for c in open_code_panels(at).code)
    for name in ("def gradient_flow_experiment", "def gradient_seed_spread", "def layer_input_grad_norms"):
        assert name in code
    assert "def activation_profile" in code and "def depth_alpha_map" in code and "class ScaledResidual" in code


def test_sections_are_drawn_in_declared_order_with_each_figure_once():
    at = run_page(PAGE)
    assert not at.exception
    sections = catalog.page("gradient-flow").sections
    assert [h.value for h in at.header] == [s.heading for s in sections]
    assert [h.proto.anchor for h in at.header] == [s.name for s in sections]
    drawn = [c["spec"]["usermeta"]["lab"] for c in charts(at)]
    declared = [{"section": s.name, "figure": f.key} for s in sections for f in s.shown_figures]
    assert [{k: d[k] for k in ("section", "figure")} for d in drawn] == declared


@pytest.mark.slow
def test_deep_link_sets_the_controls_and_the_data():
    params = {"depth": "20", "width": "32", "alpha": "0.5", "activation": "sigmoid", "seed": "7"}
    at = run_page(PAGE, params)
    assert not at.exception
    assert not warnings_text(at)
    assert [at.slider(key=k).value for k in ("depth", "width", "alpha")] == [20, 32, 0.5]
    assert at.button_group(key="activation").value == "sigmoid"
    assert at.number_input(key="seed").value == 7
    _check_charts(at, {"depth": 20, "width": 32, "alpha": 0.5, "activation": "sigmoid", "seed": 7})
    # the comparison with the text stays at the text's settings, with the page's seed
    assert "computed here (seed 7)" in open_details(at).table[0].value.columns


@pytest.mark.parametrize(
    ("params", "key", "used"),
    [
        ({"depth": "abc"}, "depth", 50),
        ({"depth": "1e9"}, "depth", 200),
        ({"alpha": "-1"}, "alpha", 0.0),
        ({"seed": "x"}, "seed", 0),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_a_usable_value(params, key, used):
    at = run_page(PAGE, params)
    assert not at.exception
    notice = warnings_text(at).replace("*", "")
    assert f"{key}={params[key]}" in notice and f"{key}={used}" in notice
    widget = at.number_input(key=key) if key == "seed" else at.slider(key=key)
    assert widget.value == used
    if key == "depth":
        assert (
            chart_frame(at, "per-layer", column="grad_norm", section="gradient-magnitude-at-every-layer")["layer"].max()
            == used
        )


def test_moving_the_depth_slider_recomputes_but_keeps_the_grid():
    at = run_page(PAGE)
    grid_before = chart_frame(at, "heatmap", column="log10", section="depth-alpha")
    at.slider(key="depth").set_value(10).run()
    assert not at.exception
    assert (
        chart_frame(at, "per-layer", column="grad_norm", section="gradient-magnitude-at-every-layer")["layer"].max()
        == 10
    )
    assert chart_frame(at, "heatmap", column="log10", section="depth-alpha").equals(grid_before)


def test_at_most_900_words_are_visible_and_a_chart_comes_first():
    at = run_page(PAGE)
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 80, before  # the intro and the question, no long prose
    assert charts(at)[0]["spec"]["usermeta"]["lab"]["section"] == catalog.page("gradient-flow").sections[0].name
