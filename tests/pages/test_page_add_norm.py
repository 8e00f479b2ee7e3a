"""AppTest: the Add & Norm page (/add-norm)."""

from __future__ import annotations

import pytest

from residual_core.catalog import add_norm as declared
from residual_core.catalog import add_norm_text as text
from residual_core.experiments.add_norm import add_norm_experiment, add_norm_seeds, dropout_demo, shape_demo
from residual_core.models.diagram import encoder_diagram
from tests.conftest import chart_frame, charts, glance, open_code_panels, open_details, run_page, warnings_text

PAGE = "pages/add-norm.py"
SERIES = {"post_ln": "Post-LN", "pre_ln": "Pre-LN", "no_residual": "no residual"}


def _diagram(at) -> str:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


def _series(frame, value, name, x="layer"):
    return frame[frame["series"] == name].sort_values(x)[value].tolist()


def _controls(at) -> dict:
    values = {s.key: s.value for s in at.slider}
    values.update({b.key: b.value for b in at.button_group})
    values.update({n.key: n.value for n in at.number_input})
    return values


@pytest.mark.slow
def test_defaults_render_and_chart_data_matches_residual_core():
    at = run_page(PAGE)
    assert not at.exception and not warnings_text(at)
    assert _controls(at) == {
        "variant": "post-ln",
        "dropout": 0.2,
        "layers": 16,
        "d_model": "64",
        "heads": "4",
        "init": "xavier",
        "seed": 0,
        "d_in": 512,
        "d_out": 256,
    }
    assert _diagram(at) == encoder_diagram("post-ln", dropout=0.2, **text.DIAGRAM_SIZE)
    assert "× 16" in _diagram(at)  # the default encoder of section 2, whose charts use 16 layers
    expected = add_norm_experiment(16, 64, 4, "xavier", 0)
    grads = chart_frame(at, "gradients", column="grad_norm", section="gradients-at-initialisation-layer-by-layer")
    for column, name in SERIES.items():
        assert _series(grads, "grad_norm", name) == [row[column] for row in expected["per_layer"]]
    stream_grad = chart_frame(
        at, "stream-gradient", column="stream_grad", section="gradients-at-initialisation-layer-by-layer"
    )
    for column, name in SERIES.items():
        assert _series(stream_grad, "stream_grad", name) == [row[column] for row in expected["stream_grad"]]
    band = chart_frame(at, "band", column="seed_max", section="gradients-at-initialisation-layer-by-layer")
    expected_band = add_norm_seeds(16, 64, 4, "xavier", 0)
    assert _series(band, "seed_max", "Post-LN") == [row["post_ln_max"] for row in expected_band["per_layer"]]
    stream = chart_frame(at, "stream", column="stream_norm", section="gradients-at-initialisation-layer-by-layer")
    assert _series(stream, "stream_norm", "Pre-LN") == [row["pre_ln"] for row in expected["stream"]]
    demo = dropout_demo(0.2, 32, 0)
    drops = chart_frame(at, "added", column="value", section="dropout-sits-on-the-sublayer-before-the-add")
    assert _series(drops, "value", "added in training, run 1", x="feature") == [r["train_1"] for r in demo["features"]]
    # the default widths differ: the real PyTorch error is shown as text, not raised
    code = "\n".join(c.value for c in open_code_panels(at).code)
    assert f"RuntimeError: {shape_demo(512, 256, 0)['error']}" in code
    assert "must match the size of tensor b" in code


def test_deep_link_with_other_parameters():
    link = {
        "variant": "pre-ln",
        "dropout": "0.5",
        "layers": "6",
        "d_model": "32",
        "heads": "2",
        "init": "default",
        "seed": "7",
        "d_in": "48",
        "d_out": "48",
    }
    at = run_page(PAGE, link)
    assert not at.exception and not warnings_text(at)
    assert _controls(at) == {
        "variant": "pre-ln",
        "dropout": 0.5,
        "layers": 6,
        "d_model": "32",
        "heads": "2",
        "init": "default",
        "seed": 7,
        "d_in": 48,
        "d_out": 48,
    }
    dot = _diagram(at)
    assert dot == encoder_diagram("pre-ln", dropout=0.5, **text.DIAGRAM_SIZE)
    assert "final LayerNorm" in dot and "Dropout p=0.5" in dot
    expected = add_norm_experiment(6, 32, 2, "default", 7)
    grads = chart_frame(at, "gradients", column="grad_norm", section="gradients-at-initialisation-layer-by-layer")
    assert _series(grads, "grad_norm", "Post-LN") == [row["post_ln"] for row in expected["per_layer"]]
    demo = dropout_demo(0.5, 32, 7)
    drops = chart_frame(at, "added", column="value", section="dropout-sits-on-the-sublayer-before-the-add")
    assert _series(drops, "value", "added in training, run 2", x="feature") == [r["train_2"] for r in demo["features"]]
    # matching widths: no error, the projection is the identity
    assert not at.error
    assert "bit for bit" in at.success[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projection on the skip path"] == "Identity" and metrics["Extra parameters"] == "0"


def test_no_residual_diagram_has_no_add():
    at = run_page(PAGE, {"variant": "none", "dropout": "0"})
    assert not at.exception
    dot = _diagram(at)
    assert 'label="+"' not in dot and "Dropout" not in dot
    assert "Residual adds per layer: **0**" in "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("params", "key", "used"),
    [
        ({"variant": "sandwich"}, "variant", "post-ln"),
        ({"heads": "3"}, "heads", "4"),
        ({"d_model": "50"}, "d_model", "64"),
        ({"layers": "100"}, "layers", 24),
        ({"dropout": "-1"}, "dropout", 0.0),
        ({"d_in": "x"}, "d_in", 512),
        ({"init": "kaiming"}, "init", "xavier"),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_no_exception(params, key, used):
    at = run_page(PAGE, params)
    assert not at.exception
    assert f"{key}={used}" in warnings_text(at).replace("*", "")
    assert _controls(at)[key] == used


def test_sections_are_drawn_in_declared_order_with_each_figure_once():
    at = run_page(PAGE, {"layers": "3", "d_model": "32", "heads": "2"})
    assert not at.exception
    sections = declared.PAGE.sections
    assert [s.value for s in at.subheader] == [s.heading for s in sections]
    assert [s.proto.anchor for s in at.subheader] == [s.name for s in sections]
    drawn = [(m["section"], m["figure"]) for m in (c["spec"]["usermeta"]["lab"] for c in charts(at))]
    # the layer's section draws a diagram and no chart; the gradients' section also draws the band over seeds
    declared_figures = [(s.name, k) for s in sections for k in s.figures]
    band = ("gradients-at-initialisation-layer-by-layer", "band")
    assert [d for d in drawn if d != band] == declared_figures and drawn.count(band) == 1


def test_a_warm_visit_reuses_the_seed_band(monkeypatch):
    """The seed band is a cached result, not rebuilt on every visit (then its chart would be rebuilt too)."""
    from residual_core.experiments import add_norm

    at = run_page(PAGE, {"layers": "3", "d_model": "32", "heads": "2"})
    assert not at.exception
    calls = []
    real = add_norm.seed_band
    monkeypatch.setattr(add_norm, "seed_band", lambda results: calls.append(1) or real(results))
    at.run()
    assert not at.exception and calls == []
    band = chart_frame(at, "band", column="grad_norm", section="gradients-at-initialisation-layer-by-layer")
    assert band["grad_norm"].tolist() == [
        r["grad_norm"] for r in add_norm.band_rows(add_norm_seeds(3, 32, 2, "xavier", 0))
    ]


def test_width_one_add_broadcasts_and_the_page_says_so():
    at = run_page(PAGE, {"d_in": "512", "d_out": "1"})
    assert not at.exception
    shown = "\n".join(w.value for w in at.warning) + "\n".join(m.value for m in at.success)
    assert "broadcasts" in shown and "(2, 10, 512)" in shown and "nn.Linear(512, 1)" in shown
    assert "The widths match" not in shown and "nn.Identity()" not in shown
    assert {m.label: m.value for m in at.metric}["Extra parameters"] == "513"


def test_at_most_900_words_are_visible_and_the_readings_are_in_the_rows():
    at = run_page(PAGE)
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 120, before  # the intro, the layer's formula and the question
    shown = "\n".join(m.value for m in at.markdown)
    assert "**What the data shows.**" not in shown and "**The initialisation.**" not in shown
    assert "Residual adds per layer: **2**" in shown  # the diagram's count stays beside it
    # d_model, heads and seed are under More settings, the layers and the initialisation beside the chart
    folded = [e for e in at.expander if e.label == "More settings"]
    assert len(folded) == 1 and {w.key for w in (*folded[0].button_group, *folded[0].number_input)} == {
        "d_model",
        "heads",
        "seed",
    }
    # opened, the rows hold every reading the page used to show under its charts
    data = add_norm_experiment(16, 64, 4, "xavier", 0)
    band = add_norm_seeds(16, 64, 4, "xavier", 0)
    settings = {"layers": 16, "d_model": 64, "heads": 4, "init": "xavier", "seed": 0}
    open_details(at)
    opened = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    for paragraph in (
        *text.seeds_reading(data, band, settings),
        text.INITIALISATION,
        text.stream_reading(data, settings),
        text.gradients_text(data, settings),
        text.DROPOUT_AFTER,
        text.layer_text("post-ln", 2),
        text.DIAGRAM_CAPTION,
        text.shapes_caption(shape_demo(512, 256, 0)),
    ):
        assert paragraph in opened, paragraph
