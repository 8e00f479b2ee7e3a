"""Per-layer gradient analysis.

For a network and an input batch, the norm of ``d loss / d x_l`` at the input of every layer ``l`` (``x_0`` is the
network's input, ``x_L`` its output). The loss is ``output.sum()`` as in the reference text, so the gradient at the
output is a tensor of ones and its norm is ``sqrt(batch * width)``.

Everything runs in float64: in float32 the squares inside a norm underflow to exactly 0 once the gradient falls
below about 1e-23, long before the values themselves are 0, and a log plot would show a cliff that is not there.
"""

from __future__ import annotations

import torch

from .networks import DeepNetwork, seeded_input


def layer_input_grad_norms(net: DeepNetwork, x: torch.Tensor) -> list[float]:
    """Gradient norm ``||d sum(net(x)) / d x_l||`` for ``l = 0..L``, computed in float64.

    Args:
        net: a :class:`DeepNetwork` (any module with ``trace(x) -> [x_0, ..., x_L]``).
        x: input batch ``(batch, d)``.

    Returns:
        ``L + 1`` floats; entry 0 is the gradient at the network's input, entry ``L`` at its output.
    """
    net = net.to(torch.float64)
    x = x.detach().to(torch.float64).requires_grad_(True)
    states = net.trace(x)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return [float(g.norm()) for g in grads]


def gradient_profile(
    depth: int,
    width: int = 64,
    alpha: float = 0.1,
    activation: str = "tanh",
    seed: int = 0,
    batch: int = 1,
) -> dict[str, list[float]]:
    """Per-layer input-gradient norms of a plain and a residual ``DeepNetwork`` with the same weights.

    The network is ``DeepNetwork(depth, width, residual, alpha, activation, seed)``, the input a seeded
    standard-normal batch ``(batch, width)``, the loss ``output.sum()``.

    Returns:
        ``{"layer": [0..L], "plain": [...], "residual": [...]}``, float64 norms, layer 0 being the input.
    """
    x = seeded_input(batch, width, seed)
    net = DeepNetwork(depth, width, residual=False, alpha=alpha, activation=activation, seed=seed)
    out = {"layer": list(range(depth + 1))}
    for name, residual in (("plain", False), ("residual", True)):
        net.residual = residual  # one set of weights, with and without the skip path
        out[name] = layer_input_grad_norms(net, x)
    return out
