"""residual_core.experiments.highway: stacks at initialisation, pinned gates and the training comparison (the layers
themselves are tested in tests/models/test_layers.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from residual_core.experiments.highway import (
    KINDS,
    change_rows,
    gate_check,
    gate_rows,
    gradient_rows,
    highway_experiment,
    highway_table,
    highway_training,
    loss_rows,
    relative_changes,
    training_table,
)
from residual_core.models.networks import highway_stack
from residual_core.seeding import seeded_input
from tests.conftest import ROOT


def test_strongly_negative_gate_bias_is_close_to_identity_and_passes_gradient():
    r = highway_experiment(depth=40, width=32, gate_bias=-6.0, seed=1)
    assert max(r["gate_mean"]) < 0.01  # sigmoid(-6) ~ 0.0025, plus the small W_T x
    assert max(c["highway"] for c in r["change"]) < 0.02  # each layer barely changes its input
    first, last = r["per_layer"][0], r["per_layer"][-1]
    # the gradient reaches the input almost unchanged; the plain stack's vanishes
    assert 0.5 < first["highway"] / last["highway"] < 2.0
    assert first["plain"] / last["plain"] < 1e-4
    # and a positive gate bias makes the highway behave like the plain stack: its gradient vanishes too
    r2 = highway_experiment(depth=40, width=32, gate_bias=2.0, seed=1)
    assert r2["per_layer"][0]["highway"] / r2["per_layer"][-1]["highway"] < 1e-3
    assert min(r2["gate_mean"]) > 0.8


def test_highway_experiment_contract():
    r = highway_experiment(depth=7, width=16, gate_bias=-3.0, seed=2)
    assert {"depth", "width", "gate_bias", "seed", "gate_mean", "per_layer"} <= set(r)
    assert len(r["gate_mean"]) == 7
    assert [row["layer"] for row in r["per_layer"]] == list(range(8))
    assert set(r["per_layer"][0]) == {"layer", *KINDS}
    # the loss is output.sum(): the gradient at the output is all ones, norm sqrt(batch * width)
    from residual_core.experiments.highway import HIGHWAY_BATCH

    for kind in KINDS:
        assert r["per_layer"][-1][kind] == pytest.approx((HIGHWAY_BATCH * 16) ** 0.5)
    assert r == highway_experiment(depth=7, width=16, gate_bias=-3.0, seed=2)  # deterministic


def test_experiment_is_measured_on_highway_stacks():
    r = highway_experiment(depth=5, width=8, gate_bias=-1.0, seed=3)
    net = highway_stack("highway", 5, 8, -1.0, seed=3).to(torch.float64)
    x = seeded_input(16, 8, 3)
    with torch.no_grad():
        states = net.trace(x)
    assert [row["highway"] for row in r["change"]] == relative_changes(states)
    with torch.no_grad():
        gates = [float(layer.transform_gate(s).mean()) for layer, s in zip(net.layers, states, strict=False)]
    assert r["gate_mean"] == gates


def test_relative_changes():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert relative_changes([a, 2 * a, 2 * a]) == [1.0, 0.0]


def test_gate_check_table():
    r = gate_check(width=32, seed=4)
    assert r["exact_residual"] and r["exact_plain"]
    by_name = {row["layer"]: row for row in r["rows"]}
    assert by_name["uncoupled: T = 1, C = 1"]["diff_residual"] == 0.0
    assert by_name["uncoupled: T = 1, C = 0"]["diff_plain"] == 0.0
    assert by_name["highway (coupled): T = 1, C = 1 − T"]["diff_plain"] == 0.0
    assert by_name["highway (coupled): T = 1, C = 1 − T"]["diff_residual"] > 0.1
    assert by_name["highway (coupled): T = 0, C = 1 − T"]["diff_identity"] == 0.0
    # no coupled setting gives the residual
    assert all(row["diff_residual"] > 0.1 for row in r["rows"] if row["layer"].startswith("highway"))


@pytest.mark.slow
def test_training_comparison_small_run():
    calls = []
    r = highway_training(layers=20, steps=50, gate_bias=-2.0, seed=0, progress=lambda d, t, m="": calls.append((d, t)))
    # the one training loop reports the start (0) and then every step
    assert calls == [(k, 50) for k in range(51)]
    assert [row["step"] for row in r["curves"]] == list(range(1, 51))
    for kind in KINDS:
        first = sum(row[kind] for row in r["curves"][:5]) / 5
        last = sum(row[kind] for row in r["curves"][-5:]) / 5
        assert last < first, kind  # every network learns something
    assert set(r["test"]) == set(KINDS)
    again = highway_training(layers=20, steps=50, gate_bias=-2.0, seed=0)
    assert again["curves"] == r["curves"]  # deterministic, with or without a progress callback


@pytest.mark.slow
def test_training_deep_plain_stack_learns_least():
    r = highway_training(layers=30, steps=100, gate_bias=-3.0, seed=0)
    assert r["test"]["plain"] > 2 * r["test"]["highway"]
    assert r["test"]["plain"] > 2 * r["test"]["residual"]


@pytest.mark.slow
def test_cli_highway_contract():
    out = subprocess.run(
        [sys.executable, "-m", "residual_core", "highway", "--depth", "12", "--width", "16", "--gate-bias", "-3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["depth"] == 12 and data["width"] == 16 and data["gate_bias"] == -3.0 and data["seed"] == 0
    assert len(data["gate_mean"]) == 12 and len(data["per_layer"]) == 13
    assert data == json.loads(json.dumps(highway_experiment(depth=12, width=16, gate_bias=-3.0, seed=0)))
    bad = subprocess.run(
        [sys.executable, "-m", "residual_core", "highway", "--depth", "101"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2 and "depth" in bad.stderr and not bad.stdout


@pytest.mark.slow
def test_cli_highway_train_progress_on_stderr_json_on_stdout():
    out = subprocess.run(
        [sys.executable, "-m", "residual_core", "highway-train", "--layers", "20", "--steps", "50", "--seed", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    data = json.loads(out.stdout)
    assert (data["layers"], data["steps"], data["seed"], data["gate_bias"]) == (20, 50, 2, -3.0)
    assert [row["step"] for row in data["curves"]] == list(range(1, 51))
    assert "50/50" in out.stderr
    assert data["curves"] == highway_training(layers=20, steps=50, gate_bias=-3.0, seed=2)["curves"]


@pytest.mark.parametrize(
    ("argv", "rows"), [(["highway", "--depth", "4", "--width", "8"], 5), (["highway-train", "--steps", "50"], 50)]
)
def test_cli_csv_has_one_row_per_layer_or_step(argv, rows, capsys):
    from residual_core import cli

    assert cli.main([*argv, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == rows + 1
    assert len({len(line.split(",")) for line in lines}) == 1


def test_rows_and_tables():
    r = highway_experiment(depth=4, width=8, gate_bias=-2.0, seed=0)
    assert {row["series"] for row in gradient_rows(r)} == set(KINDS) and len(gradient_rows(r)) == 3 * 5
    assert [row["gate_mean"] for row in gate_rows(r)] == r["gate_mean"]
    assert len(change_rows(r)) == 3 * 4
    table = highway_table(r)
    assert [row["layer"] for row in table] == list(range(5))
    assert table[0]["highway_gate_mean"] is None and table[1]["highway_gate_mean"] == r["gate_mean"][0]
    t = highway_training(layers=20, steps=50, gate_bias=-2.0, seed=1)
    assert len(loss_rows(t)) == 3 * 50
    assert training_table(t)[0] == {"step": 1, **{f"{k}_loss": t["curves"][0][k] for k in KINDS}}
