"""Measurements shared by the experiments: per-layer gradient norms (float64) and a geometric fit.

For a network and an input batch, :func:`layer_input_grad_norms` gives the norm of ``d loss / d x_l`` at the input of
every layer ``l`` (``x_0`` is the network's input, ``x_L`` its output). The loss is ``output.sum()`` as in the
reference text, so the gradient at the output is a tensor of ones and its norm is ``sqrt(batch * width)``.

Everything runs in float64: in float32 the squares inside a norm underflow to exactly 0 once the gradient falls
below about 1e-23, long before the values themselves are 0, and a log plot would show a cliff that is not there.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .models.networks import twins
from .seeding import seeded_input

LOG10_2 = math.log10(2.0)


def _scaled_norms(net, x: torch.Tensor) -> list[tuple[float, int]]:
    """``(n, e)`` per layer, the gradient norm being ``n * 2 ** e`` with ``n`` of order 1 (``(0.0, 0)`` if zero)."""
    net = net.to(torch.float64)
    x = x.detach().to(torch.float64).requires_grad_(True)
    states = net.trace(x)
    depth = len(states) - 1
    g = torch.ones_like(states[-1])
    exponent = 0  # the true gradient is g * 2 ** exponent
    out = [(0.0, 0)] * (depth + 1)
    for layer in range(depth, -1, -1):
        top = float(g.abs().max()) if g.numel() else 0.0
        if top == 0.0:
            break  # exactly zero from here down
        if not math.isfinite(top):
            out[: layer + 1] = [(math.inf, 0)] * (layer + 1)
            break
        shift = math.frexp(top)[1]
        g = torch.ldexp(g, torch.tensor(-shift, dtype=torch.float64))
        exponent += shift
        out[layer] = (float(g.norm()), exponent)
        if layer:
            (g,) = torch.autograd.grad(states[layer], states[layer - 1], grad_outputs=g, retain_graph=True)
    return out


def _log10(n: float, e: int) -> float:
    return -math.inf if n == 0.0 else math.log10(n) + e * LOG10_2


def _value(n: float, e: int) -> float:
    try:
        return math.ldexp(n, e)
    except OverflowError:
        return math.inf


def layer_input_grads(net, x: torch.Tensor) -> tuple[list[float], list[float]]:
    """Both :func:`layer_input_grad_norms` and :func:`layer_input_grad_log10` from one backward pass."""
    pairs = _scaled_norms(net, x)
    return [_value(n, e) for n, e in pairs], [_log10(n, e) for n, e in pairs]


def layer_input_grad_log10(net, x: torch.Tensor) -> list[float]:
    """``log10 ||d sum(net(x)) / d x_l||`` for ``l = 0..L``, in float64, never under- or overflowing.

    The gradient is carried back one layer at a time (a vector-Jacobian product per layer) and rescaled after each
    layer by a power of 2 (exact: only the exponent changes) so that its largest entry lies in [0.5, 1); the scale
    is kept as a running base-2 exponent. So a gradient of 1e-170 (whose squares, 1e-340, would make ``g.norm()``
    read 0 even in float64) or of 1e400 is measured to full precision. ``-inf`` only for an exactly-zero gradient.

    Args:
        net: any module with ``trace(x) -> [x_0, ..., x_L]``; converted to float64 in place.
        x: input batch ``(batch, d)``.
    """
    return [_log10(n, e) for n, e in _scaled_norms(net, x)]


def layer_input_grad_norms(net, x: torch.Tensor) -> list[float]:
    """Gradient norm ``||d sum(net(x)) / d x_l||`` for ``l = 0..L``, computed in float64.

    From :func:`layer_input_grad_log10`, so a norm of 1e-170 reads 1e-170, not 0; a norm beyond float64's range
    (below about 1e-308 or above 1.8e308) reads 0 or inf: use the log10 for those.

    Args:
        net: any module with ``trace(x) -> [x_0, ..., x_L]`` (a :class:`~residual_core.models.layers.Stack`);
            converted to float64 in place.
        x: input batch ``(batch, d)``.

    Returns:
        ``L + 1`` floats; entry 0 is the gradient at the network's input, entry ``L`` at its output.
    """
    return [_value(n, e) for n, e in _scaled_norms(net, x)]


def pow10(v: float) -> float:
    """``10 ** v`` as a float64: 0 below its range, inf above it (no OverflowError)."""
    if v == -math.inf or v < -340:
        return 0.0
    if v > 308.3:
        return math.inf
    return 10.0**v


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
        ``{"layer": [0..L], "plain": [...], "residual": [...], "plain_log10": [...], "residual_log10": [...]}``:
        float64 norms and their log10 (exact even where the norm leaves float64's range), layer 0 the input.
    """
    x = seeded_input(batch, width, seed)
    nets = twins(depth, width, alpha, activation, seed, init=init)
    scaled = {name: _scaled_norms(net, x) for name, net in nets.items()}
    return {
        "layer": list(range(depth + 1)),
        **{name: [_value(n, e) for n, e in pairs] for name, pairs in scaled.items()},
        **{f"{name}_log10": [_log10(n, e) for n, e in pairs] for name, pairs in scaled.items()},
    }


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
