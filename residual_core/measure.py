"""Measurements shared by the experiments: per-layer gradient norms (float64) and a geometric fit.

For a network and an input batch, :func:`layer_input_grad_norms` gives the norm of ``d loss / d x_l`` at the input of
every layer ``l`` (``x_0`` is the network's input, ``x_L`` its output). The loss is ``output.sum()`` as in the
reference text, so the gradient at the output is a tensor of ones and its norm is ``sqrt(batch * width)``.

Everything runs in float64: in float32 the squares inside a norm underflow to exactly 0 once the gradient falls
below about 1e-23, long before the values themselves are 0, and a log plot would show a cliff that is not there.
"""

from __future__ import annotations

import numpy as np
import torch

from .models.networks import twins
from .seeding import seeded_input


def layer_input_grad_norms(net, x: torch.Tensor) -> list[float]:
    """Gradient norm ``||d sum(net(x)) / d x_l||`` for ``l = 0..L``, computed in float64.

    Args:
        net: any module with ``trace(x) -> [x_0, ..., x_L]`` (a :class:`~residual_core.models.layers.Stack`);
            converted to float64 in place.
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
    init: str = "default",
) -> dict[str, list[float]]:
    """Per-layer input-gradient norms of a plain and a residual network with the same weights.

    The networks are :func:`~residual_core.models.networks.twins` ``(depth, width, alpha, activation, seed, init)``:
    plain ``x <- act(W x + b)`` and residual ``x <- x + alpha * act(W x + b)``. The input is a seeded standard-normal
    batch ``(batch, width)``, the loss ``output.sum()``.

    Returns:
        ``{"layer": [0..L], "plain": [...], "residual": [...]}``, float64 norms, layer 0 being the input.
    """
    x = seeded_input(batch, width, seed)
    nets = twins(depth, width, alpha, activation, seed, init=init)
    return {"layer": list(range(depth + 1)), **{name: layer_input_grad_norms(net, x) for name, net in nets.items()}}


def geometric_fit(steps, norms) -> dict:
    """Fit ``norm ~ C * r ** step`` by least squares on ``log10(norm)``.

    Returns ``{"rate": r, "log10_c": log10 C, "fitted": [C * r ** step for each step]}``. Points with a zero norm
    are left out of the fit (their log is undefined). With ``steps`` counted backwards from the output, ``rate`` is
    the measured factor per layer of backpropagation: below 1 the gradient vanishes geometrically, as ``r ** L``.
    """
    steps = np.asarray(steps, dtype=np.float64)
    norms = np.asarray(norms, dtype=np.float64)
    keep = norms > 0
    if keep.sum() < 2:
        return {"rate": float("nan"), "log10_c": float("nan"), "fitted": [float("nan")] * len(steps)}
    slope, intercept = np.polyfit(steps[keep], np.log10(norms[keep]), 1)
    fitted = 10.0 ** (intercept + slope * steps)
    return {"rate": float(10.0**slope), "log10_c": float(intercept), "fitted": fitted.tolist()}
