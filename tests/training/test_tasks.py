"""residual_core.training.tasks: the sequence tasks, the fixed and the streaming regression tasks."""

from __future__ import annotations

import math

import pytest
import torch

from residual_core.training.tasks import (
    SEQUENCE_TASKS,
    RegressionTask,
    SequenceTask,
    StreamingRegressionTask,
    load_text,
)


def test_sequence_tasks_build_the_right_targets():
    gen = torch.Generator().manual_seed(0)
    x, y = SequenceTask("sort", 7, 5).batch_from(gen)
    assert x.shape == y.shape == (5, 7)
    assert torch.equal(y, x.sort(dim=1).values) and not torch.equal(x, y)
    x, y = SequenceTask("reverse", 7, 5).batch_from(gen)
    assert torch.equal(y, x.flip(1))
    text = SequenceTask("text", 12, 4)
    assert text.causal and text.vocab == len(set(load_text()))
    x, y = text.batch_from(gen)
    assert torch.equal(x[:, 1:], y[:, :-1])  # next-character targets
    assert text.chance_loss == pytest.approx(math.log(text.vocab))


def test_regression_task_is_standardised_so_the_mean_scores_one():
    task = RegressionTask(256, seed=3)
    assert task.x.shape == (256, 8) and task.y.shape == (256, 1)
    assert float(((task.y - 0) ** 2).mean()) == pytest.approx(task.baseline, rel=1e-5)
    assert torch.equal(task.y, RegressionTask(256, seed=3).y)
    assert not torch.equal(task.y, RegressionTask(256, seed=4).y)


def test_unknown_sequence_task_is_refused():
    assert SEQUENCE_TASKS == ("reverse", "sort", "text")
    with pytest.raises(ValueError, match="task"):
        SequenceTask("copy", 4, 2)


def test_sequence_loss_is_token_cross_entropy_and_accuracy():
    task = SequenceTask("sort", 4, 2)
    _, y = task.batch_from(torch.Generator().manual_seed(1))
    perfect = torch.nn.functional.one_hot(y, task.vocab).double() * 100
    loss, accuracy = task.loss(perfect, y)
    assert float(loss) < 1e-6 and accuracy == 1.0
    uniform, _ = task.loss(torch.zeros(2, 4, task.vocab), y)
    assert float(uniform) == pytest.approx(task.chance_loss)


def test_streaming_regression_task_has_unit_variance_fresh_points():
    task = StreamingRegressionTask(16, seed=2, batch=32)
    gen = torch.Generator().manual_seed(0)
    (x1, y1), (x2, _) = task.batch_from(gen), task.batch_from(gen)
    assert x1.shape == (32, 16) and y1.shape == (32, 1) and not torch.equal(x1, x2)  # never the same point twice
    _, y = task.sample(20_000, torch.Generator().manual_seed(5))
    assert float(y.std()) == pytest.approx(1.0, rel=0.05)
    assert torch.equal(task.w, StreamingRegressionTask(16, seed=2, batch=8).w)
    loss, accuracy = task.loss(torch.zeros_like(y1), y1)
    assert accuracy is None and float(loss) == pytest.approx(float((y1**2).mean()))
