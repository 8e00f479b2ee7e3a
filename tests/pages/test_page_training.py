"""AppTest: the Training lab page (small settings through the URL; runs finish in a second or two).

A run trains in a background thread (residual_core.training.jobs). AppTest cannot wait on that thread, so these tests
rerun the script until the page shows the finished run, the way the page's polling fragment does in a browser.
"""

from __future__ import annotations

import json
import time

import pytest

from residual_core import catalog
from residual_core.catalog import training as declared
from residual_core.experiments import training_lab as training
from residual_core.training import jobs
from tests.conftest import (
    chart,
    chart_frame,
    charts,
    glance,
    open_code_panels,
    open_details,
    run_page,
    warnings_text,
)

PAGE = "pages/training.py"
SMALL = {"steps": "10", "layers": "1", "d_model": "16", "batch": "8", "seq_len": "4"}
SMALL_MLP = {"steps": "10", "width": "8", "samples": "32"}


def trained(at) -> bool:
    return any("Trained in" in c.value for c in at.caption)


def until_trained(at, timeout: float = 90.0):
    end = time.monotonic() + timeout
    while not trained(at):
        assert not at.exception, at.exception
        assert time.monotonic() < end, "the run did not finish in time"
        time.sleep(0.3)
        at.run()
    assert not at.exception
    return at


@pytest.fixture(autouse=True)
def fresh_registry():
    jobs.REGISTRY.clear()
    yield
    jobs.REGISTRY.clear()


@pytest.mark.slow
def test_small_transformer_run_shows_the_curves_residual_core_computes():
    at = until_trained(run_page(PAGE, {**SMALL, "seed": "21"}))
    assert not at.get("progress")  # finished: no progress bar any more
    expected = training.transformer_experiment(
        task="sort", layers=1, steps=10, seed=21, d_model=16, seq_len=4, batch=8, lr="0.003"
    )
    loss = chart_frame(at, "loss", column="loss", section="a-6-layer-transformer")
    accuracy = chart_frame(at, "accuracy", column="accuracy", section="a-6-layer-transformer")
    for run in expected["runs"]:
        rows = loss[loss["variant"] == run["label"]].sort_values("step")
        assert rows["loss"].tolist() == [p["loss"] for p in run["curve"]]
        rows = accuracy[accuracy["variant"] == run["label"]].sort_values("step")
        assert rows["accuracy"].tolist() == [p["accuracy"] for p in run["curve"]]
    assert [m.label for m in at.metric] == [f"{r['label']}: loss, final" for r in expected["runs"]]
    code = "\n".join(c.value for c in open_code_panels(at).code)
    assert "def transformer_experiment" in code and "class SequenceModel" in code and "def train_models" in code
    assert "Bounds" in " ".join(c.value for c in at.caption)


@pytest.mark.slow
def test_the_next_visitor_sees_the_finished_run_at_once():
    params = {**SMALL, "seed": "22"}
    until_trained(run_page(PAGE, params))
    started = jobs.REGISTRY.started
    again = run_page(PAGE, params)
    assert trained(again) and not again.get("progress") and jobs.REGISTRY.started == started
    assert chart_frame(again, "loss", column="loss", section="a-6-layer-transformer")["loss"].notna().all()


@pytest.mark.slow
def test_a_run_is_drawn_live_then_finished():
    params = {"experiment": "depth", "max_depth": "8", "steps": "400", "width": "8", "samples": "32", "seed": "3"}
    at = run_page(PAGE, params)
    assert not at.exception
    assert at.get("progress"), "a 400-step run should still be training after the first script run"
    until_trained(at)
    assert not at.get("progress")
    final = chart_frame(at, "final", column="final_loss", section="how-deep-can-a-plain-network-go")
    assert sorted(final["depth"].unique()) == [2, 4, 8]


@pytest.mark.slow
def test_moving_a_control_mid_run_stops_it_and_stores_nothing():
    params = {"experiment": "depth", "max_depth": "16", "steps": "600", "width": "8", "samples": "32", "seed": "4"}
    at = run_page(PAGE, params)
    old_key = jobs.run_key(
        training.depth_experiment,
        {"max_depth": 16, "init": "default", "steps": 600, "seed": 4, "width": 8, "samples": 32, "lr": "0.003"},
    )
    assert old_key in jobs.REGISTRY.active_keys()
    old = jobs.REGISTRY._active[old_key]
    steps_slider = next(s for s in at.slider if s.label == "Training steps")
    steps_slider.set_value(20).run()  # the student moves a slider: Streamlit reruns the page
    assert not at.exception
    assert old.wait(30) and old.view().state == jobs.CANCELLED and old.view().result is None
    assert old_key not in jobs.REGISTRY.cached_keys() and old_key not in jobs.REGISTRY.active_keys()
    until_trained(at)
    assert chart_frame(at, "deepest", column="loss", section="how-deep-can-a-plain-network-go")["step"].max() == 20


def test_deep_link_sets_the_controls():
    at = run_page(PAGE, {"experiment": "scaling", "depth": "4", "seed": "7", **SMALL_MLP})
    assert not at.exception and not warnings_text(at)
    assert at.button_group[0].value == "scaling"
    sliders = {s.label: s.value for s in at.slider}
    assert sliders["Hidden layers"] == 4 and sliders["Training steps"] == 10 and sliders["Width"] == 8
    assert at.number_input[0].value == 7
    until_trained(at)
    assert len(charts(at)) == 3  # curves, final loss against α, learned α per layer


@pytest.mark.parametrize(
    ("params", "used"),
    [
        ({"steps": "abc"}, "steps=100"),
        ({"layers": "99"}, "layers=8"),
        ({"experiment": "nope"}, "experiment=transformer"),
        ({"task": "copy"}, "task=sort"),
        ({"lr": "1"}, "lr=0.003"),
    ],
)
@pytest.mark.slow
def test_bad_url_values_give_a_notice_and_a_usable_value(params, used):
    at = run_page(PAGE, {**SMALL, **params})
    assert not at.exception
    notice = warnings_text(at).replace("*", "")
    name = used.split("=")[0]
    assert f"{name}=" in notice and used in notice


@pytest.mark.parametrize(
    ("experiment", "extra", "n_charts"),
    [
        ("depth", {"max_depth": "4"}, 2),
        ("scaling", {"depth": "3"}, 3),
        ("gated", {"depth": "3"}, 2),
    ],
)
def test_every_experiment_renders_at_small_settings(experiment, extra, n_charts):
    at = until_trained(run_page(PAGE, {"experiment": experiment, **SMALL_MLP, **extra}))
    assert len(charts(at)) == n_charts
    # the "what this run shows" statements are the experiment's claims, each with its status for this run, in the
    # section's row of details
    shown = " ".join(c.value for c in open_details(at).caption)
    name = {"depth": "depth-sweep"}.get(experiment, experiment)
    for claim in catalog.experiment(name).claims:
        assert f"claim `{claim.id}`" in shown
    assert "Seed count not shown yet" in shown  # the other seeds are trained only on request


def test_depth_text_separates_vanishing_from_degradation():
    at = open_details(until_trained(run_page(PAGE, {"experiment": "depth", "max_depth": "2", **SMALL_MLP})))
    text = " ".join(m.value for m in at.markdown)
    assert "Vanishing or degradation?" in text and "degradation problem" in text


@pytest.mark.parametrize(
    ("index", "params"),
    [
        (0, {"experiment": "transformer", **SMALL}),
        (1, {"experiment": "depth", "max_depth": "4", **SMALL_MLP}),
        (2, {"experiment": "scaling", "depth": "3", **SMALL_MLP}),
        (3, {"experiment": "gated", "depth": "3", **SMALL_MLP}),
    ],
)
def test_the_chosen_experiments_section_is_drawn_with_every_declared_figure_once(index, params):
    section = declared.PAGE.sections[index]
    at = until_trained(run_page(PAGE, params))
    assert [(h.value, h.proto.anchor) for h in at.subheader] == [(section.heading, section.name)]
    for figure in section.shown_figures:
        chart(at, figure.key, section=section.name)  # exactly one chart of it, in this section
    drawn = [c["spec"]["usermeta"]["lab"] for c in charts(at)]
    assert [d["figure"] for d in drawn] == [f.key for f in section.shown_figures]
    assert {d["section"] for d in drawn} == {section.name}


def _y_fields(spec: dict) -> set[str]:
    """The data fields a chart's layers put on a y axis (a reference rule's constant included)."""
    fields = set()

    def walk(node):
        if isinstance(node, dict):
            y = node.get("encoding", {}).get("y", {})
            if isinstance(y, dict) and "field" in y:
                fields.add(y["field"])
            for child in node.get("layer", []):
                walk(child)

    walk(spec)
    return fields


def _texts(spec: dict) -> list[dict]:
    """The encodings of a chart's text marks (the reference rule's label)."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            mark = node.get("mark")
            if (mark == "text" or (isinstance(mark, dict) and mark.get("type") == "text")) and "encoding" in node:
                out.append({"mark": mark, **node["encoding"]})
            for child in node.get("layer", []):
                walk(child)

    walk(spec)
    return out


def test_the_transformer_loss_and_accuracy_are_two_charts_with_one_y_axis_each():
    at = until_trained(run_page(PAGE, {**SMALL, "seed": "23"}))
    loss = chart(at, "loss", section="a-6-layer-transformer")["spec"]
    accuracy = chart(at, "accuracy", section="a-6-layer-transformer")["spec"]
    for spec in (loss, accuracy):
        assert "resolve" not in spec  # no second, independent y scale
        assert "right" not in json.dumps(spec.get("layer", []))  # no right axis
    assert _y_fields(loss) == {"loss", "value"}  # the curves and the chance rule
    assert _y_fields(accuracy) == {"accuracy"}
    # the chance rule is named in the title, not by a label on the plot where the curves start (and one that does
    # not learn stays)
    assert _texts(loss) == []
    chance = next(f for f in chart(at, "loss", section="a-6-layer-transformer")["data"] if "label" in f.columns)
    expected = training.transformer_experiment(
        task="sort", layers=1, steps=10, seed=23, d_model=16, seq_len=4, batch=8, lr="0.003"
    )["chance_loss"]
    assert chance["value"].tolist() == [expected]
    assert chance["label"].tolist() == [f"chance, ln(vocabulary) = {expected:.3g}"]
    assert loss["title"] == f"dashed line: {chance['label'][0]}"


@pytest.mark.parametrize(
    "params",
    [
        {"experiment": "transformer", **SMALL},
        {"experiment": "depth", "max_depth": "4", **SMALL_MLP},
        {"experiment": "scaling", "depth": "3", **SMALL_MLP},
        {"experiment": "gated", "depth": "3", **SMALL_MLP},
    ],
    ids=lambda p: p["experiment"],
)
def test_at_most_900_words_are_visible_and_a_chart_comes_first(params):
    at = until_trained(run_page(PAGE, params))
    words, before = glance(at)
    assert 0 < words <= 900, words
    assert sum(len(t.split()) for t in before) <= 120, before  # the intro and the run's captions, no long prose
    section = declared.PAGE.sections[["transformer", "depth", "scaling", "gated"].index(params["experiment"])]
    assert charts(at)[0]["spec"]["usermeta"]["lab"]["section"] == section.name
    # the prose that moved into the section's row of details is still there, once it is opened
    folded = {"transformer": "Dong et al., 2021", "depth": "degradation problem", "scaling": "ReZero does"}
    folded["gated"] = "unlike a highway layer's carry gate"
    visible = " ".join(m.value for m in at.markdown)
    assert folded[params["experiment"]] not in visible
    assert folded[params["experiment"]] in " ".join(m.value for m in open_details(at).markdown)
