"""residual_core.models.networks: seeded networks built from shared branches (DeepNetwork, twins, highway stacks,
the training lab's MLPs)."""

from __future__ import annotations

import pytest
import torch

from residual_core.models.layers import HighwayLayer, Plain, Residual, ScaledResidual, Stack
from residual_core.models.networks import (
    HIGHWAY_KINDS,
    DeepMLP,
    DeepNetwork,
    Regressor,
    branches,
    highway_stack,
    stack,
    twins,
)


def test_same_seed_same_weights_even_with_other_models_built_in_between():
    a = DeepNetwork(5, 16, seed=3)
    torch.manual_seed(123)
    DeepNetwork(7, 16, seed=4)
    torch.randn(100)
    b = DeepNetwork(5, 16, seed=3)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    c = DeepNetwork(5, 16, seed=4)
    assert not torch.equal(a.layers[0].branch.linear.weight, c.layers[0].branch.linear.weight)


def test_seeded_construction_does_not_touch_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    DeepNetwork(10, 32, seed=7)
    twins(4, 8, 0.1, "tanh", 7)
    highway_stack("highway", 4, 8, seed=7)
    DeepMLP(3, 8, block="gated", seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_plain_and_residual_twins_share_weights():
    plain = DeepNetwork(4, 8, residual=False, seed=1)
    res = DeepNetwork(4, 8, residual=True, seed=1)
    for pa, pb in zip(plain.parameters(), res.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert all(isinstance(layer, Plain) for layer in plain.layers)
    assert all(isinstance(layer, ScaledResidual) and layer.alpha == 0.1 for layer in res.layers)


def test_deep_network_is_the_texts_formula():
    net = DeepNetwork(3, 8, residual=True, alpha=0.4, activation="sigmoid", seed=2)
    assert isinstance(net, Stack)
    x = torch.randn(5, 8, generator=torch.Generator().manual_seed(0))
    h = x
    for layer in net.layers:
        h = h + 0.4 * torch.sigmoid(layer.branch.linear(h))
    assert torch.allclose(net(x), h, atol=1e-7)


def test_twins_share_the_very_same_branches():
    nets = twins(4, 8, 0.3, "tanh", 5, kinds=("plain", "residual", "multiplicative"))
    assert list(nets) == ["plain", "residual", "multiplicative"]
    for i in range(4):
        branch = nets["plain"].layers[i].branch
        assert nets["residual"].layers[i].branch is branch and nets["multiplicative"].layers[i].branch is branch
    # the same weights as the reference text's DeepNetwork with that seed
    text = DeepNetwork(4, 8, alpha=0.3, seed=5)
    for a, b in zip(nets["residual"].parameters(), text.parameters(), strict=True):
        assert torch.equal(a, b)


def test_stack_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="kind"):
        stack("highway", branches(2, 4))


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation"):
        DeepNetwork(2, 4, activation="gelu")


# -- highway stacks ---------------------------------------------------------------------------------------------------
def test_stacks_share_transforms():
    stacks = {kind: highway_stack(kind, 5, 8, -2.0, seed=3) for kind in HIGHWAY_KINDS}

    def weight(kind, i):
        layer = stacks[kind].layers[i]
        return (layer.transform if kind == "highway" else layer.branch.linear).weight

    for i in range(5):
        assert torch.equal(weight("plain", i), weight("highway", i))
        assert torch.equal(weight("plain", i), weight("residual", i))
    assert all(isinstance(layer, HighwayLayer) for layer in stacks["highway"].layers)
    assert all(isinstance(layer, Residual) for layer in stacks["residual"].layers)
    assert all(isinstance(layer, Plain) for layer in stacks["plain"].layers)
    assert all(torch.all(layer.gate.bias == -2.0) for layer in stacks["highway"].layers)
    with pytest.raises(ValueError, match="kind"):
        highway_stack("gated", 2, 8)


def test_regressor_reads_out_the_stack():
    model = Regressor("residual", 3, 8, -2.0, seed=1)
    x = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    assert model(x).shape == (4, 1)
    assert torch.equal(model(x), model.readout(model.stack(x)))
    same = highway_stack("residual", 3, 8, -2.0, seed=1)
    for a, b in zip(model.stack.parameters(), same.parameters(), strict=True):
        assert torch.equal(a, b)


# -- the training lab's MLPs ------------------------------------------------------------------------------------------
def test_mlp_blocks_share_weights_and_differ_only_in_the_skip():
    plain = DeepMLP(3, 8, block="plain", seed=1)
    res = DeepMLP(3, 8, block="residual", seed=1)
    for a, b in zip(plain.hidden.layers, res.hidden.layers, strict=True):
        assert torch.equal(a.branch.linear.weight, b.branch.linear.weight)
    assert torch.equal(plain.inp.weight, res.inp.weight) and torch.equal(plain.out.weight, res.out.weight)
    x = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    h = res.inp(x)
    for layer in res.hidden.layers:
        h = h + torch.tanh(layer.branch.linear(h))
    assert torch.allclose(res(x), res.out(h))
    h = plain.inp(x)
    for layer in plain.hidden.layers:
        h = torch.tanh(layer.branch.linear(h))
    assert torch.allclose(plain(x), plain.out(h))
    rezero = DeepMLP(3, 8, block="rezero", seed=1)
    assert torch.allclose(rezero(x), rezero.out(rezero.inp(x)))  # alpha = 0: every block is the identity
    assert rezero.alpha_values() == [0.0, 0.0, 0.0]
    gated = DeepMLP(3, 8, block="gated", seed=1)
    gated(x)
    assert len(gated.gate_values()) == 3 and all(0 < g < 1 for g in gated.gate_values())
    with pytest.raises(ValueError, match="block"):
        DeepMLP(2, 8, block="highway")
