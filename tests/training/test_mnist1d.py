"""MNIST-1D as shipped for /why: the generated arrays, their licence, and that the app never needs mnist1d."""

from __future__ import annotations

import re

import torch

from residual_core.training.mnist1d import CHANCE, DATA_FILE, MNIST1DTask, describe, held_out_accuracy, load_mnist1d
from tests.conftest import ROOT


def test_the_shipped_arrays():
    data = load_mnist1d()
    assert data["x_train"].shape == (4000, 40) and data["x_test"].shape == (1000, 40)
    assert data["x_train"].dtype == torch.float32 and data["y_train"].dtype == torch.int64
    # mnist1d standardises the whole set to mean 0 and standard deviation 1; the classes are balanced
    x = torch.cat([data["x_train"], data["x_test"]]).double()
    assert abs(float(x.mean())) < 1e-3 and abs(float(x.std()) - 1) < 1e-2
    assert torch.bincount(data["y_train"]).tolist() == [398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
    assert set(data["y_test"].tolist()) == set(range(10))
    assert describe() == {"name": "MNIST-1D", "train": 4000, "test": 1000, "features": 40, "classes": 10}
    assert DATA_FILE.stat().st_size < 1_000_000


def test_licence_and_the_script_that_made_it_are_shipped():
    licence = (ROOT / "residual_core" / "data" / "mnist1d.LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    script = (ROOT / "scripts" / "make_mnist1d.py").read_text()
    assert "make_dataset(args)" in script and "pip install mnist1d" in script


def test_the_app_does_not_depend_on_mnist1d_scipy_or_matplotlib():
    requirements = (ROOT / "requirements.txt").read_text().lower()
    for name in ("mnist1d", "scipy", "matplotlib"):
        assert not re.search(rf"^{name}\b", requirements, re.MULTILINE), name
    for folder in ("residual_core", "lab", "pages"):
        for file in (ROOT / folder).rglob("*.py"):
            text = file.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(import|from)\s+(mnist1d|scipy|matplotlib)\b", text, re.MULTILINE), file


def test_task_batches_come_from_the_loops_generator():
    task = MNIST1DTask(16)
    x1, y1 = task.batch_from(torch.Generator().manual_seed(3))
    x2, y2 = task.batch_from(torch.Generator().manual_seed(3))
    assert x1.shape == (16, 40) and torch.equal(x1, x2) and torch.equal(y1, y2)
    loss, accuracy = task.loss(torch.zeros(16, 10), y1)
    assert abs(float(loss) - float(torch.log(torch.tensor(10.0)))) < 1e-6 and 0 <= accuracy <= 1


def test_held_out_accuracy_of_a_constant_guess_and_the_mode_is_restored():
    class Constant(torch.nn.Module):
        def forward(self, x):
            out = torch.zeros(len(x), 10)
            out[:, 3] = 1
            return out

    model = Constant().train()
    expected = float((load_mnist1d()["y_test"] == 3).double().mean())
    assert held_out_accuracy(model) == expected and model.training
    assert abs(expected - CHANCE) < 0.02
