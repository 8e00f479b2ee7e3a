"""AppTest: the Highway vs residual page (/highway)."""

from __future__ import annotations

import pytest

import lab
from residual_core.catalog import highway as declared
from residual_core.experiments.highway import KINDS, gate_check, highway_experiment, highway_training
from tests.conftest import chart_frame, charts, glance, open_code_panels, run_page, warnings_text

PAGE = "pages/highway.py"


@pytest.fixture(autouse=True)
def _cold_cache():
    lab.clear_cache()  # every test starts like a fresh server (the training result is cached across sessions)
    yield
    lab.clear_cache()


def _series(frame, value, name, x="layer"):
    return frame[frame["series"] == name].sort_values(x)[value].tolist()


@pytest.mark.slow
def test_defaults_render_and_chart_data_matches_residual_core():
    at = run_page(PAGE)
    assert not at.exception
    assert [s.value for s in at.slider] == [50, -3.0, 64, 30, 100]
    assert at.number_input[0].value == 0
    assert not warnings_text(at)
    expected = highway_experiment(50, 64, -3.0, 0)
    grads = chart_frame(at, "gradients", column="grad_norm", section="what-the-gate-does-at-initialisation")
    for kind in KINDS:
        assert _series(grads, "grad_norm", kind) == [row[kind] for row in expected["per_layer"]]
    gates = chart_frame(at, "gates", column="gate_mean", section="what-the-gate-does-at-initialisation")
    assert gates.sort_values("layer")["gate_mean"].tolist() == expected["gate_mean"]
    change = chart_frame(at, "change", column="change", section="what-the-gate-does-at-initialisation")
    assert _series(change, "change", "highway") == [row["highway"] for row in expected["change"]]
    # not trained yet on this (fresh) server: a button, no training chart, no waiting
    assert [c for c in charts(at) if c["spec"]["usermeta"]["lab"]["section"] == "training-side-by-side"] == []
    own = [b.label for b in at.button if not (b.key or "").startswith("lab-")]  # not "Predict first" or My lecture's
    assert own == ["Train the three networks"]


@pytest.mark.slow
def test_gate_check_table_is_computed_live():
    at = run_page(PAGE, {"width": "24", "seed": "5"})
    assert not at.exception
    table = at.dataframe[0].value
    expected = gate_check(24, 5)
    assert table["max |y − residual|"].tolist() == [r["diff_residual"] for r in expected["rows"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["T = C = 1 equals the residual bit for bit"] == "yes"
    assert metrics["T = 1, C = 0 equals the plain layer bit for bit"] == "yes"


@pytest.mark.slow
def test_deep_link_training_progress_and_cache():
    link = {"depth": "20", "gate_bias": "-1", "width": "32", "seed": "3", "layers": "20", "steps": "50"}
    at = run_page(PAGE, link)
    assert not at.exception and not warnings_text(at)
    assert [s.value for s in at.slider] == [20, -1.0, 32, 20, 50]
    assert at.number_input[0].value == 3
    grads = chart_frame(at, "gradients", column="grad_norm", section="what-the-gate-does-at-initialisation")
    expected = highway_experiment(20, 32, -1.0, 3)
    assert _series(grads, "grad_norm", "plain") == [row["plain"] for row in expected["per_layer"]]

    next(b for b in at.button if b.label == "Train the three networks").click().run()
    assert not at.exception
    trained = highway_training(20, 50, -1.0, 3)
    loss = chart_frame(at, "training", column="loss", section="training-side-by-side")
    for kind in KINDS:
        assert _series(loss, "loss", kind, x="step") == [row[kind] for row in trained["curves"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Held-out loss, plain"] == f"{trained['test']['plain']:.3f}"

    # the next visitor with the same link sees the trained result at once: no button, the same curves
    again = run_page(PAGE, link)
    assert not again.exception
    assert not [b for b in again.button if b.label == "Train the three networks"]
    assert chart_frame(again, "training", column="loss", section="training-side-by-side").equals(loss)


@pytest.mark.parametrize(
    ("params", "key", "used"),
    [
        ({"depth": "abc"}, "depth", 50),
        ({"depth": "1000"}, "depth", 100),
        ({"gate_bias": "9"}, "gate_bias", 2.0),
        ({"steps": "nan"}, "steps", 100),
        ({"layers": "5"}, "layers", 20),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_no_exception(params, key, used):
    at = run_page(PAGE, params)
    assert not at.exception
    notice = warnings_text(at).replace("*", "")
    assert f"{key}={used}" in notice
    assert {s.key: s.value for s in at.slider}[key] == used


@pytest.mark.slow
def test_code_panels_show_the_real_source():
    at = run_page(PAGE)
    code = "\n".join(c.value for c in open_code_panels(at).code)
    assert "def highway_experiment" in code and "class HighwayLayer" in code
    assert "class UncoupledHighway" in code and "def gate_check" in code


def test_sections_are_drawn_in_declared_order_with_each_figure_once():
    at = run_page(PAGE, {"depth": "10", "width": "16", "layers": "20", "steps": "50"})
    next(b for b in at.button if b.label == "Train the three networks").click().run()
    assert not at.exception
    sections = declared.PAGE.sections
    assert [s.value for s in at.subheader] == [s.heading for s in sections]
    assert [s.proto.anchor for s in at.subheader] == [s.name for s in sections]
    drawn = [(m["section"], m["figure"]) for m in (c["spec"]["usermeta"]["lab"] for c in charts(at))]
    assert drawn == [(s.name, f.key) for s in sections for f in s.shown_figures]


def test_at_most_900_words_are_visible_and_a_chart_comes_first():
    at = run_page(PAGE)
    assert not at.exception
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 80, before  # the intro and the question, no long prose
    assert charts(at)[0]["spec"]["usermeta"]["lab"]["section"] == declared.PAGE.sections[0].name
