"""residual_core.training.loop: ``until`` stops a model early (the /why page trains its residual network until it
matches the plain one)."""

from __future__ import annotations

from residual_core.models.networks import DeepMLP
from residual_core.training.loop import train_models
from residual_core.training.tasks import RegressionTask


def test_a_model_stops_when_until_says_so_and_the_others_go_on():
    task = RegressionTask(32, 0)
    models = {"a": DeepMLP(2, 8, seed=0), "b": DeepMLP(2, 8, seed=0)}
    asked = []

    def until(model, step):
        asked.append(step)
        return step == 7

    state = train_models(models, task, steps=20, lr=0.01, seed=0, until={"a": until})
    assert state["stopped_at"] == {"a": 7} and asked == list(range(1, 8))
    assert [p["step"] for p in state["curves"]["a"]] == list(range(1, 8))
    assert len(state["curves"]["b"]) == 20
    assert state["curves"]["a"] == state["curves"]["b"][:7]  # same weights, same batches until it stopped


def test_the_loop_ends_early_when_every_model_has_stopped_and_the_curve_ends_at_the_stop():
    task = RegressionTask(32, 0)
    calls = []

    def progress(done, total, message=""):
        calls.append((done, total))

    state = train_models(
        {"m": DeepMLP(1, 8, seed=0)}, task, steps=1000, lr=0.01, seed=0, progress=progress,
        until={"m": lambda model, step: step == 33},
    )  # fmt: skip
    assert state["stopped_at"] == {"m": 33}
    assert state["curves"]["m"][-1]["step"] == 33  # recorded although 33 is not a multiple of record_every(1000)
    assert calls[-1] == (33, 1000)


def test_without_until_nothing_stops():
    state = train_models({"m": DeepMLP(1, 8, seed=0)}, RegressionTask(32, 0), steps=5, lr=0.01, seed=0)
    assert state["stopped_at"] == {} and len(state["curves"]["m"]) == 5
