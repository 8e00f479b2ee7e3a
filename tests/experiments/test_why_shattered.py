"""/why, section 3: the input gradient over 256 inputs at initialisation (Balduzzi et al. 2017)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from residual_core.bounds import BoundError
from residual_core.experiments import shattered
from residual_core.experiments.shattered import SHATTERED_DEPTHS
from residual_core.models.bn_mlp import BlockMLP


def test_autocorrelation_of_white_and_brown_noise():
    white = torch.randn(20_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ac = shattered.autocorrelation(white.tolist(), 3)
    assert ac[0] == 1.0 and all(abs(a) < 0.03 for a in ac[1:])
    brown = white.cumsum(0)
    assert shattered.autocorrelation(brown.tolist(), 1)[1] > 0.99
    assert shattered.autocorrelation([2.0] * 10, 2) == [1.0, 0.0, 0.0]


def test_calibrated_batch_norm_standardises_over_the_inputs():
    net = BlockMLP("plain", 2, 16, d_in=1, d_out=1, seed=0).to(torch.float64)
    x = shattered.inputs()
    shattered.calibrate_batch_norm(net, x)
    assert not net.training
    with torch.no_grad():
        z = net.blocks[0].linear(net.inp(x))
        normed = net.blocks[0].norm(z)
    assert torch.allclose(normed.mean(0), torch.zeros(16, dtype=torch.float64), atol=1e-9)
    assert torch.allclose(
        normed.std(0, correction=1), torch.ones(16, dtype=torch.float64), atol=1e-3
    )  # BN adds eps = 1e-5


@pytest.mark.parametrize("kind", ["plain", "residual"])
def test_each_gradient_is_its_own_inputs_derivative(kind):
    """Batch statistics held fixed: the gradient at x_i is d f(x_i) / d x_i, checked by finite differences of the
    network evaluated at that input alone."""
    depth, width, seed = 6, 16, 2
    grads = shattered.input_gradient(kind, depth, width, seed)
    net = BlockMLP(kind, depth, width, d_in=1, d_out=1, seed=seed).to(torch.float64)
    x = shattered.inputs()
    shattered.calibrate_batch_norm(net, x)
    h = 1e-6
    with torch.no_grad():
        for i in (0, 100, 255):
            up, down = net(x[i : i + 1] + h), net(x[i : i + 1] - h)
            assert float((up - down) / (2 * h)) == pytest.approx(grads[i], rel=1e-4, abs=1e-6)


def test_without_batch_norm_the_norms_are_the_identity_and_nothing_else_changes():
    with_bn = shattered.input_gradient("plain", 3, 16, 0)
    without = shattered.input_gradient("plain", 3, 16, 0, batch_norm=False)
    assert with_bn != without
    net = BlockMLP("plain", 3, 16, d_in=1, d_out=1, seed=0).to(torch.float64).eval()
    for block in net.blocks:
        block.norm = nn.Identity()
    x = shattered.inputs().requires_grad_(True)
    (g,) = torch.autograd.grad(net(x).sum(), x)
    assert g.flatten().tolist() == without


def test_contract_and_the_phenomenon_at_the_defaults():
    r = shattered.shattered_experiment()
    assert {"depth", "seed", "inputs", "plain", "residual"} <= set(r)
    assert r["depth"] == 50 and r["width"] == 200 and r["seed"] == 0
    assert len(r["inputs"]) == 256 and r["inputs"][0] == -2.0 and r["inputs"][-1] == 2.0
    assert len(r["plain"]) == len(r["residual"]) == 256
    assert r["lag1"]["plain"] == r["autocorrelation"]["plain"][1]
    assert abs(r["lag1"]["plain"]) < 0.2 < 0.5 < r["lag1"]["residual"]  # white noise against a correlated gradient
    json.dumps(r, allow_nan=False)
    assert shattered.shattered_experiment() == r


def test_shallow_networks_do_not_shatter():
    r = shattered.shattered_experiment(depth=1, width=64, seed=3)
    assert r["lag1"]["plain"] > 0.9 and r["lag1"]["residual"] > 0.9


def test_depth_sweep():
    calls = []
    r = shattered.shattered_depths_experiment(width=16, seed=1, progress=lambda d, t, m="": calls.append((d, t)))
    assert r["depths"] == list(SHATTERED_DEPTHS)
    assert len(r["rows"]) == len(SHATTERED_DEPTHS) * 2 * 2
    assert calls[-1] == (2 * len(SHATTERED_DEPTHS), 2 * len(SHATTERED_DEPTHS))
    one = shattered.shattered_experiment(depth=16, width=16, seed=1)
    row = next(x for x in r["rows"] if x["depth"] == 16 and x["network"] == "plain" and x["batch_norm"])
    assert row["lag1"] == pytest.approx(one["lag1"]["plain"])
    assert {x["series"] for x in shattered.depth_rows(r)} == {
        "plain",
        "residual",
        "plain, no batch norm",
        "residual, no batch norm",
    }


@pytest.mark.parametrize(("name", "value"), [("depth", 0), ("depth", 101), ("width", 8), ("width", 512)])
def test_bounds_are_checked_in_residual_core(name, value):
    with pytest.raises(BoundError, match=name):
        shattered.shattered_experiment(**{name: value})


def test_rows_for_the_charts():
    r = shattered.shattered_experiment(depth=5, width=16)
    rows = shattered.plain_gradient_rows(r)
    assert len(rows) == 256 and {x["network"] for x in rows} == {"plain"}
    assert sum(x["scaled"] ** 2 for x in rows) / 256 == pytest.approx(1.0)
    assert len(shattered.autocorrelation_rows(r)) == 2 * len(r["lags"])
    assert len(shattered.table_rows(r)) == 256
