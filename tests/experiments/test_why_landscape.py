"""/why, section 2: the loss on a 2-D slice around trained weights, filter-normalised (Li et al. 2018)."""

from __future__ import annotations

import copy
import json
import math

import pytest
import torch
from torch.nn import functional as F

from residual_core.bounds import BoundError
from residual_core.experiments import landscape, lesion
from residual_core.experiments.landscape import LANDSCAPE_LINE, LANDSCAPE_POINTS
from residual_core.models.bn_mlp import BlockMLP
from residual_core.seeding import generator
from residual_core.training.mnist1d import load_mnist1d

SMALL = {"depth": 4, "grid": 11, "seed": 0}


@pytest.fixture(scope="module")
def result():
    return landscape.landscape_experiment(**SMALL)


def _grid(fn, n=11):
    axis = torch.linspace(-1, 1, n, dtype=torch.float64)
    return [[float(fn(a, b)) for a in axis] for b in axis], 2 / (n - 1)


def test_roughness_of_a_known_surface():
    # log L = a² + b² has the Laplacian 4 everywhere, and the 5-point stencil is exact for quadratics
    losses, step = _grid(lambda a, b: math.exp(a**2 + b**2))
    assert landscape.roughness(losses, step) == pytest.approx(4.0)
    flat, step = _grid(lambda a, b: 2.0)
    assert landscape.roughness(flat, step) == pytest.approx(0.0, abs=1e-12)


def test_nonconvex_share_and_basin_of_known_surfaces():
    bowl, step = _grid(lambda a, b: 1 + a**2 + 2 * b**2)
    saddle, _ = _grid(lambda a, b: 10 + a**2 - b**2)
    assert landscape.nonconvex_share(bowl, step) == 0.0
    assert landscape.nonconvex_share(saddle, step) == 1.0
    assert landscape.basin_share(bowl) == pytest.approx(sum(1 + a * a + 2 * b * b < 2 for a, b in _points()) / 121)


def _points():
    axis = torch.linspace(-1, 1, 11, dtype=torch.float64).tolist()
    return [(a, b) for b in axis for a in axis]


def test_directions_are_normalised_filter_by_filter():
    net = BlockMLP("plain", 2, 8, seed=0)
    weights = {n: p.detach() for n, p in net.named_parameters() if p.dim() == 2}
    d = landscape.filter_normalised_direction(weights, generator(5))
    assert set(d) == set(weights)
    for name, w in weights.items():
        assert torch.allclose(d[name].norm(dim=1), w.norm(dim=1))
        assert not torch.allclose(d[name], w)
    again = landscape.filter_normalised_direction(weights, generator(5))
    assert all(torch.equal(d[n], again[n]) for n in d)


def test_slice_losses_move_only_the_weight_matrices():
    net = BlockMLP("residual", 2, 8, seed=0).eval()
    data = load_mnist1d()
    x, y = data["x_train"][:32], data["y_train"][:32]
    weights = {n: p.detach() for n, p in net.named_parameters() if p.dim() == 2}
    gen = generator(1)
    u, v = landscape.filter_normalised_direction(weights, gen), landscape.filter_normalised_direction(weights, gen)
    losses = landscape.slice_losses(net, x, y, torch.tensor([0.0, 0.5]), torch.tensor([0.0, -0.25]), u, v)
    with torch.no_grad():
        assert losses[0].item() == pytest.approx(F.cross_entropy(net(x), y).item(), rel=1e-5)
        moved = copy.deepcopy(net)
        for name, p in moved.named_parameters():
            if name in u:
                p.add_(0.5 * u[name] - 0.25 * v[name])
        assert losses[1].item() == pytest.approx(F.cross_entropy(moved(x), y).item(), rel=1e-5)


def test_contract_and_the_centre_is_the_trained_network(result):
    assert {"depth", "seed", "grid", "alphas", "betas", "plain", "residual"} <= set(result)
    assert result["grid"] == 11 and len(result["alphas"]) == 11 and result["alphas"][5] == 0.0
    assert result["alphas"][0] == -1.0 and result["betas"] == result["alphas"]
    for kind in ("plain", "residual"):
        assert len(result[kind]) == 11 and all(len(row) == 11 for row in result[kind])
        assert len(result["line"][kind]) == LANDSCAPE_LINE
        # the centre of the slice (and of the 1-D slice) is the trained network's loss on the fixed batch
        nets, _ = lesion.trained_pair(SMALL["depth"], result["width"], result["steps"], SMALL["seed"])
        data = load_mnist1d()
        with torch.no_grad():
            loss = F.cross_entropy(nets[kind](data["x_train"][:LANDSCAPE_POINTS]), data["y_train"][:LANDSCAPE_POINTS])
        assert result["centre"][kind] == pytest.approx(loss.item(), rel=1e-5)
        assert result["line"][kind][LANDSCAPE_LINE // 2] == pytest.approx(loss.item(), rel=1e-5)
        assert min(min(row) for row in result[kind]) > 0
    json.dumps(result, allow_nan=False)


def test_deterministic(result):
    assert landscape.landscape_experiment(**SMALL) == result


def test_the_measures_are_those_of_the_returned_grids(result):
    step = result["alphas"][1] - result["alphas"][0]
    for kind in ("plain", "residual"):
        assert result["roughness"][kind] == pytest.approx(landscape.roughness(result[kind], step))
        assert result["nonconvex"][kind] == landscape.nonconvex_share(result[kind], step)


@pytest.mark.parametrize(("name", "value"), [("grid", 12), ("grid", 9), ("grid", 43), ("depth", 30)])
def test_bounds_are_checked_in_residual_core(name, value):
    with pytest.raises(BoundError, match=name):
        landscape.landscape_experiment(**{**SMALL, name: value})


def test_rows_for_the_charts(result):
    rows = landscape.surface_rows(result)
    assert len(rows) == 2 * 121
    assert all(r["log10_loss"] == pytest.approx(math.log10(r["loss"])) for r in rows)
    lo, hi = landscape.log_loss_domain(result)
    assert lo == min(r["log10_loss"] for r in rows) and hi == max(r["log10_loss"] for r in rows)
    assert len(landscape.line_rows(result)) == 2 * LANDSCAPE_LINE
