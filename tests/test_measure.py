"""residual_core.measure: per-layer gradient norms in float64 and the geometric fit."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from residual_core.measure import geometric_fit, gradient_profile, layer_input_grad_norms
from residual_core.models.networks import DeepNetwork, twins
from residual_core.seeding import seeded_input


def test_geometric_fit_recovers_a_known_rate():
    layers = list(range(30))
    fit = geometric_fit(layers, [3.0 * 0.8**k for k in layers])
    assert fit["rate"] == pytest.approx(0.8, rel=1e-9)
    assert fit["log10_c"] == pytest.approx(0.47712125472, rel=1e-9)  # log10(3)
    assert fit["fitted"] == pytest.approx([3.0 * 0.8**k for k in layers], rel=1e-9)


def test_geometric_fit_leaves_out_zero_norms_and_needs_two_points():
    fit = geometric_fit([0, 1, 2, 3], [1.0, 0.5, 0.0, 0.125])
    assert fit["rate"] == pytest.approx(0.5, rel=1e-9)
    assert geometric_fit([0, 1], [1.0, 0.0])["rate"] != geometric_fit([0, 1], [1.0, 0.0])["rate"]  # nan


def test_seeded_gradients_repeat_exactly():
    a = gradient_profile(30, 64, seed=5)
    DeepNetwork(3, 8, seed=99)  # something else in between
    b = gradient_profile(30, 64, seed=5)
    assert a == b


def test_gradient_at_output_is_norm_of_ones():
    g = gradient_profile(10, 64, seed=0)
    assert g["plain"][-1] == pytest.approx(8.0) and g["residual"][-1] == pytest.approx(8.0)
    assert len(g["plain"]) == 11 and g["layer"] == list(range(11))


def test_plain_tanh_gradients_vanish_with_depth_and_residual_ones_do_not():
    g = gradient_profile(100, 64, seed=0)
    plain, res = g["plain"], g["residual"]
    assert plain[0] < 1e-10 * plain[-1]  # ten orders of magnitude lost over 100 layers
    assert plain[0] < plain[50] < plain[100]
    assert 0.1 < res[0] / res[-1] < 10  # the residual stack keeps the gradient within an order of magnitude


def test_float64_norms_do_not_underflow_where_float32_would():
    net = DeepNetwork(300, 64, residual=False, seed=0)
    x = seeded_input(1, 64, 0)
    norms = layer_input_grad_norms(net, x)
    assert 0 < norms[0] < 1e-40  # below float32's smallest normal, still a real number, not 0


def test_depth_200_sigmoid_plain_gradient_is_measured_not_zero_for_seeds_0_to_4():
    # ||g||^2 ~ 1e-340 underflows in float64, so g.norm() read 0 and the ratio inf; rescaling per layer keeps it.
    from residual_core.experiments.gradient_flow import gradient_flow_experiment

    expected = [-169.88, -170.18, -169.56, -169.61, -169.56]
    for seed, want in enumerate(expected):
        r = gradient_flow_experiment(depth=200, activation="sigmoid", seed=seed)
        assert r["log10"]["plain"] == pytest.approx(want, abs=0.01)
        assert 0 < r["input_grad_norm"]["plain"] < 1e-160
        assert math.isfinite(r["ratio"]) and r["ratio"] > 1e160
        assert r["log10"]["ratio"] == pytest.approx(r["log10"]["residual"] - r["log10"]["plain"])


def test_log10_norms_agree_with_plain_norms_where_both_are_in_range():
    from residual_core.measure import layer_input_grad_log10

    plain, _ = twins(30, 16, 0.1, "tanh", 3).values()
    x = seeded_input(2, 16, 3)
    logs = layer_input_grad_log10(copy.deepcopy(plain), x)
    x64 = x.to(torch.float64).requires_grad_(True)
    net = plain.to(torch.float64)
    states = net.trace(x64)
    direct = [math.log10(float(g.norm())) for g in torch.autograd.grad(states[-1].sum(), states)]
    assert logs == pytest.approx(direct, abs=1e-9)
