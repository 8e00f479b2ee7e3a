"""Gradient flow (reference text, section 3.8; exercises 5 and 8).

* :func:`gradient_flow_experiment` -- the text's comparison, seeded: gradient norm at the input and at every layer,
  plain against residual, the two networks sharing their weights.
* :func:`gradient_seed_spread` -- the same over several seeds, so one draw is not mistaken for the law.
* :func:`activation_profile` -- activations through the layers: their size, and how much they still depend on the
  input.
* :func:`depth_alpha_map` -- the gradient norm at the input over a grid of depth and residual scale alpha.
* :func:`gradient_flow_vs_text` and :func:`text_comparison` -- the text's printed numbers beside a seeded run, with
  the seed spread.
"""

from __future__ import annotations

import math
import statistics

import torch

from ..measure import gradient_profile, layer_input_grads, pow10
from ..models.networks import branches, stack, twins
from ..seeding import seeded_input

GRADIENT_SEEDS_COUNT = 5  # the seed band: seeds seed, seed + 1, ..., seed + 4
ACTIVATIONS_BATCH = 64  # inputs drawn for the activation statistics
# `depth-alpha`: the heatmap grid (fixed, so its cost is bounded; it does not depend on depth or alpha).
DEPTH_ALPHA_DEPTHS = (1, 2, 5, 10, 20, 50, 100, 200)
DEPTH_ALPHA_ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0)

# Quoted from the reference text (section 3.8, "as printed in the original", unseeded weights). Shown as quotations
# only; every number the app puts beside them is computed.
TEXT_PRINTED = {"plain": 0.00000003, "residual": 8.9245, "ratio": 297483647}
TEXT_SETTINGS = {"depth": 50, "width": 64, "alpha": 0.1, "activation": "tanh", "init": "default"}


def gradient_flow_experiment(
    depth: int = 50, width: int = 64, alpha: float = 0.1, activation: str = "tanh", seed: int = 0, init: str = "default"
) -> dict:
    """Section 3.8 with a seed: per-layer gradient norms of a plain and a residual network with the same weights.

    Networks: :func:`~residual_core.models.networks.twins` ``(depth, width, alpha, activation, seed, init)``:
    ``x <- act(W x + b)`` and ``x <- x + alpha * act(W x + b)`` around the same branches. Batch: one seeded
    standard-normal input ``(1, width)``. Loss:
    ``output.sum()``. Norms in float64.

    Returns:
        ``depth``, ``width``, ``alpha``, ``activation``, ``init``, ``seed``; ``input_grad_norm``:
        ``{plain, residual}``, the gradient norm at the network's input; ``ratio``: residual / plain, from the
        logs (``inf`` only if the plain one is exactly 0); ``log10``: ``{plain, residual, ratio}``, exact at any size;
        ``per_layer``: ``[{layer, plain, residual}]`` for ``layer = 0..depth``, layer 0 the network's input.
    """
    g = gradient_profile(depth, width=width, alpha=alpha, activation=activation, seed=seed, init=init)
    plain, residual = g["plain"][0], g["residual"][0]
    log_plain, log_residual = g["plain_log10"][0], g["residual_log10"][0]
    log_ratio = log_residual - log_plain if math.isfinite(log_plain) else math.inf
    return {
        "depth": depth,
        "width": width,
        "alpha": alpha,
        "activation": activation,
        "init": init,
        "seed": seed,
        "input_grad_norm": {"plain": plain, "residual": residual},
        "ratio": pow10(log_ratio),
        "log10": {"plain": log_plain, "residual": log_residual, "ratio": log_ratio},
        "per_layer": [
            {"layer": layer, "plain": p, "residual": r}
            for layer, p, r in zip(g["layer"], g["plain"], g["residual"], strict=True)
        ],
    }


def _geomean(values: list[float]) -> float:
    positive = [v for v in values if v > 0]
    if len(positive) < len(values):
        return 0.0
    return math.exp(statistics.fmean(math.log(v) for v in positive))


def gradient_seed_spread(
    depth: int = 50,
    width: int = 64,
    alpha: float = 0.1,
    activation: str = "tanh",
    seed: int = 0,
    init: str = "default",
    count: int | None = None,
    progress=None,
) -> dict:
    """:func:`gradient_flow_experiment` for seeds ``seed, seed + 1, ..., seed + count - 1`` (default 5).

    Each seed draws its own weights and its own input; within a seed the plain and residual networks share weights.

    Returns:
        ``seeds``; ``per_seed``: ``[{seed, plain, residual, ratio}]`` (input gradient norms); ``per_layer``:
        ``[{layer, plain_min, plain_max, plain_geomean, residual_min, residual_max, residual_geomean, plain,
        residual}]``: the min, max and geometric mean over the seeds, and the values of the first seed ``seed``;
        ``range``: ``{plain: [min, max], residual: [min, max], ratio: [min, max]}`` of the input values.
    """
    count = GRADIENT_SEEDS_COUNT if count is None else count
    seeds = [seed + k for k in range(count)]
    runs = []
    for k, s in enumerate(seeds):
        runs.append(gradient_flow_experiment(depth, width, alpha, activation, s, init))
        if progress:
            progress(k + 1, count, f"seed {s}")
    per_layer = []
    for layer in range(depth + 1):
        row = {"layer": layer}
        for name in ("plain", "residual"):
            values = [r["per_layer"][layer][name] for r in runs]
            row.update({f"{name}_min": min(values), f"{name}_max": max(values), f"{name}_geomean": _geomean(values)})
        row.update({name: runs[0]["per_layer"][layer][name] for name in ("plain", "residual")})
        per_layer.append(row)
    per_seed = [
        {
            "seed": r["seed"],
            "plain": r["input_grad_norm"]["plain"],
            "residual": r["input_grad_norm"]["residual"],
            "ratio": r["ratio"],
        }
        for r in runs
    ]
    return {
        "depth": depth,
        "width": width,
        "alpha": alpha,
        "activation": activation,
        "init": init,
        "seeds": seeds,
        "per_seed": per_seed,
        "per_layer": per_layer,
        "range": {
            key: [min(p[key] for p in per_seed), max(p[key] for p in per_seed)]
            for key in ("plain", "residual", "ratio")
        },
    }


def activation_profile(
    depth: int = 50,
    width: int = 64,
    alpha: float = 0.1,
    activation: str = "tanh",
    seed: int = 0,
    init: str = "default",
    batch: int | None = None,
) -> dict:
    """Activations through the layers (exercise 5), plain against residual (same weights), float64.

    Batch: ``batch`` (default 64) seeded standard-normal inputs ``(batch, width)``. No loss.

    For every state ``x_l`` (``(batch, width)``, ``l = 0..depth``):

    * ``rms``: the root mean square of all its entries -- how large the activations are;
    * ``sample_rms_min`` / ``sample_rms_max``: the smallest and largest per-input RMS over the batch;
    * ``input_spread``: the RMS over features of the standard deviation across the batch -- how much ``x_l``
      still differs from one input to the next. A plain tanh stack with biases keeps ``rms`` away from 0 while
      ``input_spread`` collapses: every input is sent to nearly the same point, so the output no longer depends on
      the input.

    Returns:
        ``per_layer``: ``[{layer, network, rms, sample_rms_min, sample_rms_max, input_spread}]`` with ``network``
        ``"plain"`` or ``"residual"``; ``batch``.
    """
    batch = ACTIVATIONS_BATCH if batch is None else batch
    x = seeded_input(batch, width, seed)
    rows = []
    for name, net in twins(depth, width, alpha, activation, seed, init=init).items():
        net = net.to(torch.float64)
        with torch.no_grad():
            states = net.trace(x)
        for layer, s in enumerate(states):
            sample_rms = s.pow(2).mean(dim=1).sqrt()
            rows.append(
                {
                    "layer": layer,
                    "network": name,
                    "rms": float(s.pow(2).mean().sqrt()),
                    "sample_rms_min": float(sample_rms.min()),
                    "sample_rms_max": float(sample_rms.max()),
                    "input_spread": float(s.std(dim=0).pow(2).mean().sqrt()),
                }
            )
    return {
        "depth": depth,
        "width": width,
        "alpha": alpha,
        "activation": activation,
        "init": init,
        "seed": seed,
        "batch": batch,
        "per_layer": rows,
    }


def depth_alpha_map(
    width: int = 64, activation: str = "tanh", seed: int = 0, init: str = "default", progress=None
) -> dict:
    """Gradient norm at the input over the grid :data:`DEPTH_ALPHA_DEPTHS` x :data:`DEPTH_ALPHA_ALPHAS`.

    Networks: residual layers ``x + alpha * act(W x + b)`` for every cell and plain layers ``act(W x + b)`` for
    reference, all around the same seeded branches per depth (:func:`~residual_core.models.networks.branches`). Batch:
    one seeded standard-normal input
    ``(1, width)``. Loss: ``output.sum()``, so the gradient at the output is a vector of ones with norm
    ``sqrt(width)``; at ``alpha = 0`` the network is the identity and the input gets exactly that.

    Returns:
        ``cells``: ``[{depth, alpha, network, grad_norm, log10}]`` with ``network`` ``"residual"`` (one per grid
        cell) or ``"plain"`` (one per depth, ``alpha`` ``None``); ``depths``, ``alphas``; ``identity_norm``:
        ``sqrt(width)``.
    """
    x = seeded_input(1, width, seed)
    cells = []
    total = len(DEPTH_ALPHA_DEPTHS) * (len(DEPTH_ALPHA_ALPHAS) + 1)
    done = 0
    for depth in DEPTH_ALPHA_DEPTHS:
        fs = branches(depth, width, activation, seed, init)  # one draw per depth: every cell of the row shares it
        for network, alpha in [("plain", None)] + [("residual", a) for a in DEPTH_ALPHA_ALPHAS]:
            norms, logs = layer_input_grads(stack(network, fs, alpha or 0.0), x)
            g, log_g = norms[0], logs[0]
            cells.append(
                {
                    "depth": depth,
                    "alpha": alpha,
                    "network": network,
                    "grad_norm": g,
                    "log10": log_g,
                }
            )
            done += 1
            if progress:
                progress(done, total, f"depth {depth}")
    return {
        "width": width,
        "activation": activation,
        "init": init,
        "seed": seed,
        "depths": list(DEPTH_ALPHA_DEPTHS),
        "alphas": list(DEPTH_ALPHA_ALPHAS),
        "identity_norm": math.sqrt(width),
        "cells": cells,
    }


def gradient_flow_vs_text(spread: dict, seed: int, printed: dict | None = None) -> dict:
    """The text's printed section 3.8 numbers beside this app's run, from a :func:`gradient_seed_spread` result
    computed at the text's settings (:data:`TEXT_SETTINGS`) starting at ``seed``.

    Returns:
        ``printed``; ``computed``: ``{plain, residual, ratio}`` for ``seed``; ``range``: the min and max of each over
        the seeds; ``seeds``; ``implied_plain``: printed residual / printed ratio, the plain value the printed ratio
        implies (consistent with the printed, rounded ``0.00000003``); ``decades``: ``log10(max / min)`` of the plain
        value over the seeds; ``printed_plain_outside``: how many orders of magnitude the printed plain value lies
        above (positive) or below (negative) that range, 0 if inside it.
    """
    printed = dict(TEXT_PRINTED if printed is None else printed)
    for key, value in TEXT_SETTINGS.items():
        if spread[key] != value:
            raise ValueError(f"spread must be computed at the text's settings ({key}={value}, got {spread[key]})")
    mine = next(p for p in spread["per_seed"] if p["seed"] == seed)
    lo, hi = spread["range"]["plain"]
    return {
        "printed": printed,
        "computed": {k: mine[k] for k in ("plain", "residual", "ratio")},
        "range": spread["range"],
        "seeds": spread["seeds"],
        "implied_plain": printed["residual"] / printed["ratio"],
        "decades": math.log10(hi / lo) if lo > 0 else math.inf,
        "printed_plain_outside": _decades_outside(printed["plain"], lo, hi),
    }


def text_comparison(seed: int = 0, progress=None) -> dict:
    """:func:`gradient_flow_vs_text` for the seeds ``seed .. seed + 4`` at the text's settings
    (:data:`TEXT_SETTINGS`)."""
    return gradient_flow_vs_text(gradient_seed_spread(**TEXT_SETTINGS, seed=seed, progress=progress), seed)


def _decades_outside(value: float, lo: float, hi: float) -> float:
    """How many orders of magnitude ``value`` lies above ``hi`` (positive) or below ``lo`` (negative); 0 inside."""
    if value > hi:
        return math.log10(value / hi) if hi > 0 else math.inf
    if value < lo:
        return -math.log10(lo / value) if value > 0 else -math.inf
    return 0.0


# -- rows for the charts ----------------------------------------------------------------------------------------------


def per_layer_band_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm, seed_min, seed_max}`` from :func:`gradient_seed_spread`: the first seed's
    gradient norm per layer (the line) and the min and max over the seeds (the band)."""
    return [
        {
            "layer": row["layer"],
            "series": name,
            "grad_norm": row[name],
            "seed_min": row[f"{name}_min"],
            "seed_max": row[f"{name}_max"],
        }
        for name in ("plain", "residual")
        for row in result["per_layer"]
    ]


def activation_rows(result: dict) -> list[dict]:
    """The activation statistics per layer with the network as the chart's series."""
    return [
        {"series": row["network"], **{k: v for k, v in row.items() if k != "network"}} for row in result["per_layer"]
    ]


def _short(g: float) -> str:
    return f"{g:.1e}" if g and (g < 0.01 or g >= 1000) else f"{g:.3g}"


def depth_alpha_rows(result: dict) -> list[dict]:
    """One row per heatmap cell: ``column`` names the network (``plain`` or ``α = a``), ``label`` the printed value."""
    return [
        {
            **cell,
            "column": "plain" if cell["network"] == "plain" else f"α = {cell['alpha']:g}",
            "label": _short(cell["grad_norm"]),
        }
        for cell in result["cells"]
    ]


def depth_alpha_columns(result: dict) -> list[str]:
    """The heatmap's columns in order: ``plain``, then every α."""
    return ["plain"] + [f"α = {a:g}" for a in result["alphas"]]


def cell(result: dict, network: str, depth: int, alpha: float | None = None) -> float:
    """The gradient norm of one :func:`depth_alpha_map` cell."""
    return next(
        c["grad_norm"]
        for c in result["cells"]
        if c["network"] == network and c["depth"] == depth and (network == "plain" or c["alpha"] == alpha)
    )
