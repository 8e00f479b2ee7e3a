"""residual_core.models.layers: every variant's forward is its formula; Stack runs and traces them."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from residual_core.models.blocks import ResidualBlock
from residual_core.models.layers import (
    Branch,
    GatedResidual,
    HighwayLayer,
    Multiplicative,
    Plain,
    Residual,
    ReZero,
    ScaledResidual,
    Stack,
    UncoupledHighway,
)
from residual_core.models.networks import DeepNetwork, twins

D = 12


def _linear(seed: int = 0, d: int = D) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(d, d)


def _x(batch: int = 5, d: int = D, seed: int = 1) -> torch.Tensor:
    return torch.randn(batch, d, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    ("activation", "fn"),
    [("tanh", torch.tanh), ("relu", torch.relu), ("sigmoid", torch.sigmoid), ("linear", lambda h: h)],
)
def test_branch_is_act_of_w_x_plus_b(activation, fn):
    linear, x = _linear(), _x()
    expected = fn(x @ linear.weight.T + linear.bias)
    assert torch.allclose(Branch(linear, activation)(x), expected, atol=1e-6)


def test_branch_refuses_unknown_activations():
    with pytest.raises(ValueError, match="activation"):
        Branch(_linear(), "gelu")


def test_plain_residual_scaled_and_multiplicative_formulas():
    f, x = Branch(_linear(), "tanh"), _x()
    fx = torch.tanh(f.linear(x))
    assert torch.equal(Plain(f)(x), fx)
    assert torch.equal(Residual(f)(x), x + fx)
    assert torch.equal(ScaledResidual(f, 0.25)(x), x + 0.25 * fx)
    assert torch.equal(ScaledResidual(f, 0.0)(x), x)  # alpha = 0 is the identity
    assert torch.equal(Multiplicative(f)(x), x * fx)  # elementwise, not a matrix product
    for layer in (Plain(f), Residual(f), ScaledResidual(f, 2.0), Multiplicative(f)):
        assert layer(x).shape == x.shape


def test_rezero_starts_as_the_identity_and_learns_its_scale():
    layer, x = ReZero(Branch(_linear(), "tanh")), _x()
    assert isinstance(layer.a, nn.Parameter) and layer.a.requires_grad and layer.a.item() == 0.0
    assert any(p is layer.a for p in layer.parameters())
    assert torch.equal(layer(x), x)  # a = 0: exactly the identity
    loss = (layer(x) * _x(seed=2)).sum()
    loss.backward()
    assert layer.a.grad is not None and float(layer.a.grad) != 0.0  # the scale gets a gradient ...
    assert torch.count_nonzero(layer.branch.linear.weight.grad) == 0  # ... the branch none, while a = 0
    torch.optim.SGD(layer.parameters(), lr=0.1).step()
    assert layer.a.item() != 0.0
    with torch.no_grad():
        layer.a.fill_(0.5)
    assert torch.allclose(layer(x), x + 0.5 * torch.tanh(layer.branch.linear(x)))


def test_gated_residual_gates_only_the_branch():
    torch.manual_seed(3)
    gate = nn.Linear(D, 1)
    layer, x = GatedResidual(Branch(_linear(), "tanh"), gate), _x()
    g = torch.sigmoid(gate(x))  # (batch, 1): one value per example
    expected = x + g * torch.tanh(layer.branch.linear(x))
    assert torch.allclose(layer(x), expected, atol=1e-7)
    assert float(layer.last_gate) == pytest.approx(g.mean().item())
    with torch.no_grad():
        gate.bias.fill_(-1e4)  # gate shut: the skip path is still fully open
    assert torch.equal(layer(x), x)


def test_highway_layer_formula():
    torch.manual_seed(0)
    layer = HighwayLayer(16, gate_bias=-1.5)
    assert torch.all(layer.gate.bias == -1.5)
    x = torch.randn(4, 16)
    t = torch.sigmoid(layer.gate(x))
    expected = t * torch.tanh(layer.transform(x)) + (1 - t) * x
    assert torch.allclose(layer(x), expected)
    assert torch.equal(layer.transform_gate(x), t)
    shared = _linear(d=16)
    assert HighwayLayer(16, transform=shared).transform is shared


def test_uncoupled_gates_reproduce_plain_and_residual_exactly():
    linear, x = _linear(d=24), _x(d=24)
    branch = Branch(linear, "tanh")
    plain, residual = Plain(branch)(x), Residual(branch)(x)
    # and the reference text's own blocks agree with the layer classes
    assert torch.equal(plain, nn.Sequential(linear, nn.Tanh())(x))
    assert torch.equal(residual, ResidualBlock(nn.Sequential(linear, nn.Tanh()))(x))
    both_open = UncoupledHighway(24, transform_gate=1.0, carry_gate=1.0, transform=linear)
    plain_layer = UncoupledHighway(24, transform_gate=1.0, carry_gate=0.0, transform=linear)
    assert torch.equal(both_open(x), residual)
    assert torch.equal(plain_layer(x), plain)
    # the coupled highway with T = 1 is the plain layer, not the residual
    highway_t1 = UncoupledHighway(24, transform_gate=1.0, carry_gate=1.0 - 1.0, transform=linear)
    assert torch.equal(highway_t1(x), plain) and not torch.allclose(highway_t1(x), residual)
    assert both_open.t_gate is None and both_open.c_gate is None  # pinned gates have no parameters
    assert sum(p.numel() for p in both_open.parameters()) == 24 * 24 + 24


def test_uncoupled_learned_gates():
    torch.manual_seed(0)
    layer = UncoupledHighway(8, gate_bias=-1.0, carry_bias=3.0)
    x = torch.randn(3, 8)
    t, c = layer.gates(x)
    assert torch.equal(t, torch.sigmoid(layer.t_gate(x))) and torch.equal(c, torch.sigmoid(layer.c_gate(x)))
    expected = t * torch.tanh(layer.transform(x)) + c * x
    assert torch.allclose(layer(x), expected)
    assert torch.all(layer.t_gate.bias == -1.0) and torch.all(layer.c_gate.bias == 3.0)


def test_stack_applies_its_layers_in_turn_and_traces_every_state():
    fs = [Branch(_linear(seed), "tanh") for seed in range(4)]
    net = Stack([Residual(fs[0]), Plain(fs[1]), ScaledResidual(fs[2], 0.5), Multiplicative(fs[3])])
    x = _x()
    states = net.trace(x)
    assert len(states) == len(net.layers) + 1 == 5
    assert states[0] is x
    for i, layer in enumerate(net.layers):
        assert torch.equal(states[i + 1], layer(states[i]))
    assert torch.equal(states[-1], net(x))
    assert Stack([]).trace(x) == [x] and torch.equal(Stack([])(x), x)


def test_twins_share_weights():
    nets = twins(6, D, 0.2, "tanh", 3, kinds=("plain", "residual", "multiplicative"))
    for a, b, c in zip(*(n.parameters() for n in nets.values()), strict=True):
        assert torch.equal(a, b) and torch.equal(a, c)
    assert torch.equal(
        nets["residual"].layers[0].branch.linear.weight, DeepNetwork(6, D, seed=3).layers[0].branch.linear.weight
    )
    x = _x()
    h = x
    for layer in nets["multiplicative"].layers:
        assert isinstance(layer, Multiplicative)
        h = h * torch.tanh(layer.branch.linear(h))
    assert torch.equal(nets["multiplicative"](x), h)
