"""The loss landscape (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the Loss Landscape of Neural Nets"),
on the /why page: the loss of the trained plain and residual networks of the lesion experiment on a 2-D slice of
weight space around the trained weights, along two random filter-normalised directions, and how rough it is.

For an MLP a "filter" is one unit: the row of a weight matrix that feeds it. Each random direction is rescaled row
by row to the norm of the trained row, so a step of 1 moves every unit's weights by as much as they are long, in a
random direction; biases and batch-normalisation parameters are not moved (Li et al.'s ``ignore=biasbn``).
"""

from __future__ import annotations

import math

import torch
from torch.func import functional_call, vmap
from torch.nn import functional as F

from ..options import LANDSCAPE, LESION
from ..seeding import generator, single_thread
from ..training.mnist1d import load_mnist1d
from .lesion import NETWORKS, trained_pair

LANDSCAPE_WIDTH = LESION["width"].default  # the landscape slices the lesion experiment's default networks
LANDSCAPE_STEPS = LESION["steps"].default
LANDSCAPE_SPAN = 1.0  # α, β from -1 to 1 (Li et al. 2018)
LANDSCAPE_POINTS = 128  # fixed training signals the loss is computed on
LANDSCAPE_LINE = 51  # points of the 1-D slice
CHUNK = 25  # grid points evaluated at once (vectorised with torch.func.vmap)


def filter_normalised_direction(weights: dict[str, torch.Tensor], gen: torch.Generator) -> dict[str, torch.Tensor]:
    """A random direction ``d`` (standard normal) for every weight matrix, each row rescaled to the norm of the
    same row of the weights: ``d_i <- d_i / ||d_i|| * ||w_i||`` (filter normalisation, Li et al. 2018)."""
    out = {}
    for name, w in weights.items():
        d = torch.randn(w.shape, generator=gen, dtype=w.dtype)
        out[name] = d * (w.norm(dim=1, keepdim=True) / d.norm(dim=1, keepdim=True).clamp_min(1e-12))
    return out


def slice_losses(net, x, y, alphas: torch.Tensor, betas: torch.Tensor, u: dict, v: dict) -> torch.Tensor:
    """``L(θ + α u + β v)`` for each pair ``(alphas[k], betas[k])``: the cross-entropy of ``net`` (evaluation mode)
    on ``(x, y)`` with its weight matrices moved along ``u`` and ``v`` (every other parameter as trained)."""
    params = {name: p.detach() for name, p in net.named_parameters()}
    buffers = dict(net.named_buffers())

    def loss_at(a, b):
        moved = {**params, **{name: params[name] + a * u[name] + b * v[name] for name in u}}
        return F.cross_entropy(functional_call(net, (moved, buffers), (x,)), y)

    with torch.no_grad():
        parts = [vmap(loss_at)(a, b) for a, b in zip(alphas.split(CHUNK), betas.split(CHUNK), strict=True)]
    return torch.cat(parts)


def roughness(losses: list[list[float]], step: float) -> float:
    """Mean ``|∇² log L|`` over the interior of the grid: the 5-point discrete Laplacian of the log loss divided by
    the grid step squared, absolute, averaged. A smooth bowl gives a small constant; a chaotic surface a large one."""
    log = torch.tensor(losses, dtype=torch.float64).log()
    lap = log[1:-1, 2:] + log[1:-1, :-2] + log[2:, 1:-1] + log[:-2, 1:-1] - 4 * log[1:-1, 1:-1]
    return float(lap.abs().mean() / step**2)


def nonconvex_share(losses: list[list[float]], step: float) -> float:
    """The share of interior grid points where the slice is not convex: the 2x2 finite-difference Hessian of the
    loss there has a negative eigenvalue larger than 1/20 of its largest one (a tolerance for rounding)."""
    L = torch.tensor(losses, dtype=torch.float64)
    hxx = (L[1:-1, 2:] - 2 * L[1:-1, 1:-1] + L[1:-1, :-2]) / step**2
    hyy = (L[2:, 1:-1] - 2 * L[1:-1, 1:-1] + L[:-2, 1:-1]) / step**2
    hxy = (L[2:, 2:] - L[2:, :-2] - L[:-2, 2:] + L[:-2, :-2]) / (4 * step**2)
    mean, spread = (hxx + hyy) / 2, torch.sqrt(((hxx - hyy) / 2) ** 2 + hxy**2)
    low, high = mean - spread, mean + spread
    return float((low < -0.05 * torch.maximum(high.abs(), low.abs())).double().mean())


def basin_share(losses: list[list[float]]) -> float:
    """The share of grid points whose loss is below twice the loss at the centre (the trained weights)."""
    grid = torch.tensor(losses, dtype=torch.float64)
    centre = grid[grid.shape[0] // 2, grid.shape[1] // 2]
    return float((grid < 2 * centre).double().mean())


def symmetric_axis(points: int) -> list[float]:
    """``points`` (odd) evenly spaced values from -span to span, exactly 0 in the middle and exactly symmetric."""
    half = points // 2
    return [round(LANDSCAPE_SPAN * k / half, 12) for k in range(-half, half + 1)]


def landscape_experiment(depth: int = 16, grid: int = 25, seed: int = 0, progress=None) -> dict:
    """The loss around the trained plain and residual networks on a ``grid`` x ``grid`` slice (Li et al. 2018).

    Networks: the lesion experiment's (:func:`~residual_core.experiments.lesion.trained_pair`: ``depth`` blocks,
    width 64, the plain network trained 400 Adam steps on MNIST-1D, the residual one until it matches its test
    accuracy), in evaluation mode. Directions: two random filter-normalised directions per network, drawn from the
    seed. Loss: cross-entropy on the first 128 training signals (a fixed batch), at ``θ + α u + β v`` for α, β on
    ``grid`` evenly spaced values from -1 to 1; the 1-D slice takes 51 values of α with β = 0.

    Returns:
        ``{"depth", "seed", "grid", "width", "steps", "alphas", "betas", "plain": [[loss]], "residual": [[loss]],
        "line": {"alphas", "plain", "residual"}, "roughness", "nonconvex", "basin", "centre": {network: value},
        "training": {"plain_steps", "residual_steps"}}``; ``plain[i][j]`` is the loss at ``(alphas[j], betas[i])``.
    """
    for name, value in {"depth": depth, "grid": grid, "seed": seed}.items():
        LANDSCAPE[name].check(value)

    def train_progress(done, total, message=""):
        if progress is not None:
            progress(done, total * 2, message)  # training is about half of a cold run

    nets, record = trained_pair(depth, LANDSCAPE_WIDTH, LANDSCAPE_STEPS, seed, progress=train_progress)
    data = load_mnist1d()
    x, y = data["x_train"][:LANDSCAPE_POINTS], data["y_train"][:LANDSCAPE_POINTS]
    axis_values, line_values = symmetric_axis(grid), symmetric_axis(LANDSCAPE_LINE)
    axis, line = torch.tensor(axis_values), torch.tensor(line_values)
    betas, alphas = torch.meshgrid(axis, axis, indexing="ij")
    step = 2 * LANDSCAPE_SPAN / (grid - 1)
    result = {
        "depth": depth,
        "seed": seed,
        "grid": grid,
        "width": LANDSCAPE_WIDTH,
        "steps": LANDSCAPE_STEPS,
        "alphas": axis_values,
        "betas": list(axis_values),
        "line": {"alphas": line_values},
    }
    with single_thread():
        for n, kind in enumerate(NETWORKS):
            net = nets[kind]
            weights = {name: p.detach() for name, p in net.named_parameters() if p.dim() == 2}
            gen = generator(int(seed) + 4_241 + n)
            u = filter_normalised_direction(weights, gen)
            v = filter_normalised_direction(weights, gen)
            flat = slice_losses(net, x, y, alphas.flatten(), betas.flatten(), u, v)
            result[kind] = flat.reshape(grid, grid).tolist()
            result["line"][kind] = slice_losses(net, x, y, line, torch.zeros_like(line), u, v).tolist()
            if progress is not None:
                progress(2 + n, 4, f"{kind} network: loss on the {grid} x {grid} grid")
    result["roughness"] = {kind: roughness(result[kind], step) for kind in NETWORKS}
    result["nonconvex"] = {kind: nonconvex_share(result[kind], step) for kind in NETWORKS}
    result["basin"] = {kind: basin_share(result[kind]) for kind in NETWORKS}
    result["centre"] = {kind: result[kind][grid // 2][grid // 2] for kind in NETWORKS}
    result["training"] = {k: record[k] for k in ("plain_steps", "residual_steps")}
    return result


# -- rows for the charts ---------------------------------------------------------------------------------------------


def log_loss_domain(r: dict) -> tuple[float, float]:
    """The range of log10(loss) over both slices: one colour scale for the two maps, so their colours compare."""
    values = [math.log10(v) for kind in NETWORKS for row in r[kind] for v in row if v is not None and v > 0]
    values = [v for v in values if math.isfinite(v)]
    return (min(values), max(values)) if values else (0.0, 1.0)


def surface_rows(r: dict) -> list[dict]:
    """``[{"network", "alpha", "beta", "loss", "log10_loss"}]``: every grid point of both slices."""
    rows = []
    for kind in NETWORKS:
        for i, beta in enumerate(r["betas"]):
            for j, alpha in enumerate(r["alphas"]):
                loss = r[kind][i][j]
                log = math.log10(loss) if loss is not None and loss > 0 and math.isfinite(loss) else None
                rows.append({"network": kind, "alpha": alpha, "beta": beta, "loss": loss, "log10_loss": log})
    return rows


def line_rows(r: dict) -> list[dict]:
    """``[{"alpha", "network", "loss"}]``: the 1-D slice through the trained weights (β = 0)."""
    return [
        {"alpha": a, "network": kind, "loss": value}
        for kind in NETWORKS
        for a, value in zip(r["line"]["alphas"], r["line"][kind], strict=True)
    ]
