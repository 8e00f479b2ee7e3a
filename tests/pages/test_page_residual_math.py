"""AppTest: the residual math page (/residual-math)."""

from __future__ import annotations

import pytest

from residual_core import catalog
from residual_core.experiments.jacobian import jacobian_spectrum
from residual_core.experiments.preservation import TEXT_PRINTED, preservation_experiment, preservation_vs_text
from residual_core.experiments.residual_math import multiplicative_experiment, residual_1d, unrolled_sum
from tests.conftest import chart_frame, charts, glance, open_code_panels, open_details, run_page, warnings_text

PAGE = "pages/residual-math.py"


def _series(frame, name, column):
    rows = frame[frame["series"] == name]
    order = "x" if "x" in rows.columns else ("index" if "index" in rows.columns else "layer")
    return rows.sort_values(order)[column].tolist()


def _check_charts(at, *, g, a, w, net, depth, shrink, update):
    one = residual_1d(g, a, w)
    curves = chart_frame(at, "curves", column="value", section="in-one-dimension")
    assert _series(curves, "1 + R′(x)", "value") == [p["dy"] for p in one["points"]]
    assert _series(curves, "x + R(x)", "value") == [p["y"] for p in one["points"]]

    unrolled = unrolled_sum(**net)
    terms = chart_frame(at, "norms", column="norm", section="the-unrolled-sum")
    assert _series(terms, "‖x_l‖ (running sum)", "norm") == [r["state_norm"] for r in unrolled["per_layer"]]

    pres = preservation_experiment(depth, shrink, update, net["seed"])
    norms = chart_frame(at, "norms", column="norm", section="information-preservation")
    assert _series(norms, "plain", "norm") == [r["plain"] for r in pres["per_layer"]]
    assert _series(norms, "residual", "norm") == [r["residual"] for r in pres["per_layer"]]

    jac = jacobian_spectrum(**net)
    spectrum = chart_frame(at, "spectrum", column="singular_value", section="the-jacobian-view")
    assert _series(spectrum, "residual", "singular_value") == [r["residual"] for r in jac["spectrum"]]
    band = chart_frame(at, "per-layer", column="median", section="the-jacobian-view")
    assert _series(band, "plain", "min") == [r["plain_min"] for r in jac["per_layer"]]

    mult = multiplicative_experiment(**net)
    forward = chart_frame(at, "forward", column="norm", section="multiplication-instead-of-addition")
    assert _series(forward, "multiplicative", "norm") == [r["multiplicative_norm"] for r in mult["per_layer"]]
    grads = chart_frame(at, "gradient", column="grad_norm", section="multiplication-instead-of-addition")
    assert _series(grads, "residual", "grad_norm") == [r["additive_grad"] for r in mult["per_layer"]]


DEFAULTS = {
    "g": "sin",
    "a": 0.5,
    "w": 1.5,
    "net": {"layers": 30, "width": 64, "alpha": 0.1, "activation": "tanh", "seed": 0},
    "depth": 100,
    "shrink": 0.9,
    "update": 0.01,
}


@pytest.mark.slow
def test_defaults_render_and_chart_data_matches_residual_core():
    at = run_page(PAGE)
    assert not at.exception
    assert not warnings_text(at)
    _check_charts(at, **DEFAULTS)
    metrics = {m.label: m.value for m in at.metric}
    pres = preservation_experiment(100, 0.9, 0.01, 0)
    assert metrics["Input norm"] == f"{pres['input_norm']:.4f}"
    # the printed / computed table: quotations beside live values, in the rows of details
    open_details(at)
    assert not at.exception
    table = at.table[0].value
    vs = preservation_vs_text(0)
    assert table.loc["Input norm", "printed in the reference text"] == f"{TEXT_PRINTED['input_norm']:.4f}"
    assert table.loc["Input norm", "computed here"] == f"{vs['computed']['input_norm']:.4f}"
    assert table.loc["Output norm, no residual", "computed here"] == f"{vs['computed']['output_norm_plain']:.10f}"
    text = " ".join(m.value for m in at.markdown)
    assert f"{vs['sqrt_n']:.2f}" in text and f"{vs['factor_plain']:.4e}" in text
    # "Show the code" shows the functions that computed the charts
    code = "\n".join(c.value for c in open_code_panels(at).code)
    for name in ("def residual_1d", "def unrolled_sum", "def preservation_experiment", "def jacobian_spectrum"):
        assert name in code
    assert "def multiplicative_experiment" in code and "class Multiplicative" in code


def test_sections_are_drawn_in_declared_order_with_each_figure_once():
    at = run_page(PAGE)
    assert not at.exception
    sections = catalog.page("residual-math").sections
    assert [h.value for h in at.header] == [s.heading for s in sections]
    assert [h.proto.anchor for h in at.header] == [s.name for s in sections]
    drawn = [c["spec"]["usermeta"]["lab"] for c in charts(at)]
    declared = [{"section": s.name, "figure": f.key} for s in sections for f in s.shown_figures]
    assert [{k: d[k] for k in ("section", "figure")} for d in drawn] == declared


@pytest.mark.slow
def test_deep_link_sets_the_controls_and_the_data():
    params = {
        "g": "tanh",
        "a": "-0.8",
        "w": "1",
        "layers": "12",
        "width": "16",
        "alpha": "0.3",
        "activation": "sigmoid",
        "seed": "3",
        "depth": "250",
        "shrink": "0.8",
        "update": "-0.02",
    }
    at = run_page(PAGE, params)
    assert not at.exception
    assert not warnings_text(at)
    assert at.button_group(key="g").value == "tanh"
    assert at.button_group(key="activation").value == "sigmoid"
    sliders = {k: at.slider(key=k).value for k in ("a", "w", "layers", "width", "alpha", "depth", "shrink", "update")}
    assert sliders == {
        "a": -0.8,
        "w": 1.0,
        "layers": 12,
        "width": 16,
        "alpha": 0.3,
        "depth": 250,
        "shrink": 0.8,
        "update": -0.02,
    }
    assert at.number_input(key="seed").value == 3
    _check_charts(
        at,
        g="tanh",
        a=-0.8,
        w=1.0,
        net={"layers": 12, "width": 16, "alpha": 0.3, "activation": "sigmoid", "seed": 3},
        depth=250,
        shrink=0.8,
        update=-0.02,
    )
    # tanh with a*w < 0: the derivative is below 1 everywhere, and the page shades it
    spans = chart_frame(at, "curves", column="start", section="in-one-dimension")
    assert len(spans) == len(residual_1d("tanh", -0.8, 1.0)["below_one"]) == 1


@pytest.mark.parametrize(
    ("params", "key", "used"),
    [
        ({"depth": "abc"}, "depth", 100),
        ({"depth": "1e9"}, "depth", 1000),
        ({"layers": "abc"}, "layers", 30),
        ({"activation": "gelu"}, "activation", "tanh"),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_a_usable_value(params, key, used):
    at = run_page(PAGE, params)
    assert not at.exception
    notice = warnings_text(at).replace("*", "")
    assert f"{key}={params[key]}" in notice and f"{key}={used}" in notice
    widget = at.button_group(key=key) if key == "activation" else at.slider(key=key)
    assert widget.value == used
    if key == "depth":
        assert chart_frame(at, "norms", column="norm", section="information-preservation")["layer"].max() == used


def test_the_page_leads_with_its_chart_and_shows_at_most_900_words():
    at = run_page(PAGE)
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 120, before  # the title and intro, no long prose
