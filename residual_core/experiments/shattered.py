"""Shattered gradients (Balduzzi, Frean, Leary, Lewis, Ma & McWilliams 2017, "The shattered gradients problem: if
resnets are the answer, then what is the question?"), on the /why page.

A network with one input and one output, at initialisation, is evaluated on 256 evenly spaced inputs in [-2, 2]; the
gradient ``d output / d input`` at each of them is a 1-D signal. In a deep plain network with batch normalisation it
looks like white noise (neighbouring inputs have unrelated gradients: the gradient is "shattered"); in a residual
network it stays correlated, like brown noise. Measured by the autocorrelation of the gradient along the grid.
"""

from __future__ import annotations

import torch
from torch import nn

from ..models.bn_mlp import BlockMLP
from ..options import SHATTERED
from ..seeding import single_thread

NETWORKS = ("plain", "residual")
SHATTERED_INPUTS = 256  # grid of inputs on [-2, 2]
SHATTERED_RANGE = (-2.0, 2.0)
SHATTERED_MAX_LAG = 64  # autocorrelation lags 0..64
SHATTERED_DEPTHS = (1, 2, 4, 8, 16, 24, 32, 50)  # `shattered-depths`: the sweep (cost fixed by these)


def inputs() -> torch.Tensor:
    """The 256 inputs, evenly spaced on [-2, 2], as a float64 column ``(256, 1)``."""
    lo, hi = SHATTERED_RANGE
    return torch.linspace(lo, hi, SHATTERED_INPUTS, dtype=torch.float64).reshape(-1, 1)


def calibrate_batch_norm(net: nn.Module, x: torch.Tensor) -> None:
    """Set every batch normalisation's running statistics to those of the batch ``x`` (one forward pass in training
    mode with momentum 1, no gradient), then put ``net`` in evaluation mode. Each unit is then standardised over the
    256 inputs as in training mode, but with the statistics held fixed, so the gradient at each input is the
    derivative of that input's own output (no coupling through the batch statistics)."""
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = 1.0
    net.train()
    with torch.no_grad():
        net(x)
    net.eval()


def input_gradient(kind: str, depth: int, width: int, seed: int, *, batch_norm: bool = True) -> list[float]:
    """``d f(x_i) / d x_i`` at each of the 256 inputs, float64, for a freshly initialised
    :class:`~residual_core.models.bn_mlp.BlockMLP` (``Linear(1, width)`` -> ``depth`` blocks -> ``Linear(width, 1)``).
    ``batch_norm=False`` replaces every batch normalisation by the identity (for the comparison without it)."""
    net = BlockMLP(kind, depth, width, d_in=1, d_out=1, seed=seed).to(torch.float64)
    x = inputs()
    if batch_norm:
        calibrate_batch_norm(net, x)
    else:
        for block in net.blocks:
            block.norm = nn.Identity()
        net.eval()
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(net(x).sum(), x)
    return grad.flatten().tolist()


def autocorrelation(signal: list[float], max_lag: int = SHATTERED_MAX_LAG) -> list[float]:
    """The normalised autocorrelation ``r(k) = Σ (g_i - ḡ)(g_{i+k} - ḡ) / Σ (g_i - ḡ)²`` for ``k = 0..max_lag``.
    White noise gives ``r(k) ≈ 0`` for every ``k ≥ 1``; a smooth (brown-noise-like) signal stays near 1 at short
    lags."""
    g = torch.tensor(signal, dtype=torch.float64)
    g = g - g.mean()
    denom = float((g * g).sum())
    if denom == 0.0:
        return [1.0] + [0.0] * max_lag
    return [1.0] + [float((g[:-k] * g[k:]).sum() / denom) for k in range(1, max_lag + 1)]


def shattered_experiment(depth: int = 50, width: int = 200, seed: int = 0) -> dict:
    """The input gradient of a plain and a residual network at initialisation, over 256 inputs (Balduzzi et al.).

    Networks: :class:`~residual_core.models.bn_mlp.BlockMLP` with one input and one output: ``Linear(1, width)``
    (PyTorch's default init), ``depth`` blocks (plain ``relu(BN(W x))``, residual ``x + V relu(BN(W x)) + c``;
    He-normal ``W``, the same for both), ``Linear(width, 1)``; float64. Batch normalisation standardises every
    unit over the 256 inputs (its statistics measured on them, then held fixed). Inputs: 256 evenly spaced points
    on [-2, 2]. Measured: ``d output / d input`` at each input, and its autocorrelation along the grid.

    Returns:
        ``{"depth", "width", "seed", "inputs", "plain": [gradient], "residual": [gradient], "lags",
        "autocorrelation": {"plain", "residual"}, "lag1": {"plain", "residual"}}``
    """
    for name, value in {"depth": depth, "width": width, "seed": seed}.items():
        SHATTERED[name].check(value)
    with single_thread():
        grads = {kind: input_gradient(kind, depth, width, seed) for kind in NETWORKS}
    ac = {kind: autocorrelation(grads[kind]) for kind in NETWORKS}
    return {
        "depth": depth,
        "width": width,
        "seed": seed,
        "inputs": inputs().flatten().tolist(),
        **grads,
        "lags": list(range(SHATTERED_MAX_LAG + 1)),
        "autocorrelation": ac,
        "lag1": {kind: ac[kind][1] for kind in NETWORKS},
    }


def shattered_depths_experiment(width: int = 200, seed: int = 0, progress=None) -> dict:
    """The lag-1 autocorrelation of the input gradient against depth, with and without batch normalisation.

    The networks of :func:`shattered_experiment` at each depth in 1, 2, 4, 8, 16, 24, 32, 50, built with and
    without batch normalisation (without it, every ``BN`` is the identity; nothing else changes).

    Returns:
        ``{"width", "seed", "depths", "rows": [{"depth", "network", "batch_norm", "lag1"}]}``
    """
    for name, value in {"width": width, "seed": seed}.items():
        SHATTERED[name].check(value)
    rows = []
    jobs = [(d, bn) for bn in (True, False) for d in SHATTERED_DEPTHS]
    with single_thread():
        for n, (depth, bn) in enumerate(jobs):
            for kind in NETWORKS:
                grad = input_gradient(kind, depth, width, seed, batch_norm=bn)
                rows.append({"depth": depth, "network": kind, "batch_norm": bn, "lag1": autocorrelation(grad, 1)[1]})
            if progress is not None:
                progress(n + 1, len(jobs), f"depth {depth}, {'with' if bn else 'without'} batch normalisation")
    return {"width": width, "seed": seed, "depths": list(SHATTERED_DEPTHS), "rows": rows}


# -- rows for the charts ---------------------------------------------------------------------------------------------


def gradient_rows(r: dict, kind: str) -> list[dict]:
    """``[{"x", "network", "gradient", "scaled"}]`` for one network: the gradient at each input, and the same
    divided by its root mean square (so the two networks' curves can share an axis)."""
    g = torch.tensor(r[kind], dtype=torch.float64)
    rms = float(g.pow(2).mean().sqrt()) or 1.0
    return [
        {"x": x, "network": kind, "gradient": value, "scaled": value / rms}
        for x, value in zip(r["inputs"], r[kind], strict=True)
    ]


def plain_gradient_rows(r: dict) -> list[dict]:
    return gradient_rows(r, "plain")


def residual_gradient_rows(r: dict) -> list[dict]:
    return gradient_rows(r, "residual")


def autocorrelation_rows(r: dict) -> list[dict]:
    """``[{"lag", "network", "autocorrelation"}]``."""
    return [
        {"lag": lag, "network": kind, "autocorrelation": value}
        for kind in NETWORKS
        for lag, value in zip(r["lags"], r["autocorrelation"][kind], strict=True)
    ]


def table_rows(r: dict) -> list[dict]:
    """The CSV: one row per input, both gradients."""
    return [{"x": x, "plain": p, "residual": q} for x, p, q in zip(r["inputs"], r["plain"], r["residual"], strict=True)]


def depth_rows(r: dict) -> list[dict]:
    """``[{"depth", "series", "lag1"}]``: one series per network and normalisation."""
    return [
        {
            "depth": row["depth"],
            "series": f"{row['network']}{'' if row['batch_norm'] else ', no batch norm'}",
            "lag1": row["lag1"],
        }
        for row in r["rows"]
    ]
