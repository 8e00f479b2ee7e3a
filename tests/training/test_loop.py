"""residual_core.training.loop: the one training loop (same batches for every model, divergence, bounded curves,
progress)."""

from __future__ import annotations

import math

import pytest
import torch

from residual_core.models.networks import DeepMLP
from residual_core.training.loop import MAX_POINTS, last, record_every, train_models
from residual_core.training.tasks import RegressionTask


def test_diverging_models_stop_and_report_it():
    class Boom(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.w * x[:, :1] * float("inf")

    task = RegressionTask(8, 0)
    state = train_models({"ok": DeepMLP(2, 8, seed=0), "boom": Boom()}, task, steps=5, lr=0.01, seed=0)
    assert state["diverged_at"] == {"boom": 1}
    assert len(state["curves"]["boom"]) == 1 and math.isnan(state["curves"]["boom"][0]["loss"])
    assert len(state["curves"]["ok"]) == 5


def test_long_runs_keep_a_bounded_number_of_points():
    assert record_every(600) == 2 and record_every(150) == 1
    assert record_every(MAX_POINTS) == 1 and record_every(MAX_POINTS + 1) == 2


def test_last_point():
    assert last([]) is None
    assert last([{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}]) == 1.0
    assert last([{"step": 1, "loss": 2.0}], "accuracy") is None


def test_every_model_sees_the_same_batches_and_curves_record_the_loss_before_the_update():
    task = RegressionTask(32, 0)
    models = {"a": DeepMLP(2, 8, seed=0), "b": DeepMLP(2, 8, seed=0)}
    x, y = task.x, task.y
    with torch.no_grad():
        before = float(torch.nn.functional.mse_loss(models["a"](x), y))
    state = train_models(models, task, steps=12, lr=0.01, seed=0)
    assert state["curves"]["a"] == state["curves"]["b"]  # same weights, same batches: same curve
    assert [p["step"] for p in state["curves"]["a"]] == list(range(1, 13))
    assert state["curves"]["a"][0]["loss"] == pytest.approx(before)
    assert state["curves"]["a"][-1]["loss"] < before


def test_long_runs_record_every_kth_step_and_the_last():
    task = RegressionTask(32, 0)
    state = train_models({"m": DeepMLP(1, 8, seed=0)}, task, steps=MAX_POINTS + 30, lr=0.001, seed=0)
    steps = [p["step"] for p in state["curves"]["m"]]
    assert steps[0] == 1 and steps[-1] == MAX_POINTS + 30 and len(steps) <= MAX_POINTS + 2
    assert all(s % 2 == 0 for s in steps[1:])


def test_probes_are_read_at_recorded_steps():
    task = RegressionTask(32, 0)
    state = train_models(
        {"r": DeepMLP(3, 8, block="rezero", seed=0)}, task, steps=5, lr=0.01, seed=0, probes={"r": DeepMLP.alpha_values}
    )
    assert [p["step"] for p in state["probes"]["r"]] == [1, 2, 3, 4, 5]
    assert all(len(p["values"]) == 3 for p in state["probes"]["r"])
    assert all(v != 0 and not math.isnan(v) for v in state["probes"]["r"][0]["values"])  # moved by the first step
