"""Gradient flow (reference text, section 3.8; exercises 5 and 8).

* :func:`gradient_flow_experiment` -- the text's comparison, seeded: gradient norm at the input and at every layer,
  plain against residual, the two networks sharing their weights.
* :func:`gradient_seed_spread` -- the same over several seeds, so one draw is not mistaken for the law.
* :func:`activation_profile` -- activations through the layers: their size, and how much they still depend on the
  input.
* :func:`depth_alpha_map` -- the gradient norm at the input over a grid of depth and residual scale alpha.
* :func:`gradient_flow_vs_text` -- the text's printed numbers beside a seeded run, with the seed spread.
"""

from __future__ import annotations

import math
import statistics

import torch

from .gradients import gradient_profile, layer_input_grad_norms
from .networks import DeepNetwork, seeded_input

# Quoted from the reference text (section 3.8, "as printed in the original", unseeded weights). Shown as quotations
# only; every number the app puts beside them is computed.
TEXT_PRINTED = {"plain": 0.00000003, "residual": 8.9245, "ratio": 297483647}
TEXT_SETTINGS = {"depth": 50, "width": 64, "alpha": 0.1, "activation": "tanh"}


def gradient_flow_experiment(
    depth: int = 50, width: int = 64, alpha: float = 0.1, activation: str = "tanh", seed: int = 0
) -> dict:
    """Section 3.8 with a seed: per-layer gradient norms of a plain and a residual network with the same weights.

    Networks: ``DeepNetwork(depth, width, residual=False/True, alpha, activation, seed)`` (``x <- act(W x + b)``
    and ``x <- x + alpha * act(W x + b)``). Batch: one seeded standard-normal input ``(1, width)``. Loss:
    ``output.sum()``. Norms in float64.

    Returns:
        ``depth``, ``width``, ``alpha``, ``activation``, ``seed``; ``input_grad_norm``: ``{plain, residual}``, the
        gradient norm at the network's input; ``ratio``: residual / plain (``inf`` if the plain one is 0);
        ``per_layer``: ``[{layer, plain, residual}]`` for ``layer = 0..depth``, layer 0 the network's input.
    """
    g = gradient_profile(depth, width=width, alpha=alpha, activation=activation, seed=seed)
    plain, residual = g["plain"][0], g["residual"][0]
    return {
        "depth": depth,
        "width": width,
        "alpha": alpha,
        "activation": activation,
        "seed": seed,
        "input_grad_norm": {"plain": plain, "residual": residual},
        "ratio": residual / plain if plain else math.inf,
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
    count: int | None = None,
    progress=None,
) -> dict:
    """:func:`gradient_flow_experiment` for seeds ``seed, seed + 1, ..., seed + count - 1`` (default 5).

    Each seed draws its own weights and its own input; within a seed the plain and residual networks share weights.

    Returns:
        ``seeds``; ``per_seed``: ``[{seed, plain, residual, ratio}]`` (input gradient norms); ``per_layer``:
        ``[{layer, plain_min, plain_max, plain_geomean, residual_min, residual_max, residual_geomean}]`` over the
        seeds; ``range``: ``{plain: [min, max], residual: [min, max], ratio: [min, max]}`` of the input values.
    """
    from .bounds import GRADIENT_SEEDS_COUNT

    count = GRADIENT_SEEDS_COUNT if count is None else count
    seeds = [seed + k for k in range(count)]
    runs = []
    for k, s in enumerate(seeds):
        runs.append(gradient_flow_experiment(depth, width, alpha, activation, s))
        if progress:
            progress(k + 1, count, f"seed {s}")
    per_layer = []
    for layer in range(depth + 1):
        row = {"layer": layer}
        for name in ("plain", "residual"):
            values = [r["per_layer"][layer][name] for r in runs]
            row.update({f"{name}_min": min(values), f"{name}_max": max(values), f"{name}_geomean": _geomean(values)})
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
    from .bounds import ACTIVATIONS_BATCH

    batch = ACTIVATIONS_BATCH if batch is None else batch
    x = seeded_input(batch, width, seed)
    rows = []
    for name, residual in (("plain", False), ("residual", True)):
        net = DeepNetwork(depth, width, residual=residual, alpha=alpha, activation=activation, seed=seed)
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
        "seed": seed,
        "batch": batch,
        "per_layer": rows,
    }


def depth_alpha_map(width: int = 64, activation: str = "tanh", seed: int = 0, progress=None) -> dict:
    """Gradient norm at the input over the grid :data:`bounds.DEPTH_ALPHA_DEPTHS` x :data:`bounds.DEPTH_ALPHA_ALPHAS`.

    Networks: ``DeepNetwork(depth, width, residual=True, alpha, activation, seed)`` for every cell, and the plain
    ``DeepNetwork(depth, ..., residual=False)`` (same weights) for reference. Batch: one seeded standard-normal input
    ``(1, width)``. Loss: ``output.sum()``, so the gradient at the output is a vector of ones with norm
    ``sqrt(width)``; at ``alpha = 0`` the network is the identity and the input gets exactly that.

    Returns:
        ``cells``: ``[{depth, alpha, network, grad_norm, log10}]`` with ``network`` ``"residual"`` (one per grid
        cell) or ``"plain"`` (one per depth, ``alpha`` ``None``); ``depths``, ``alphas``; ``identity_norm``:
        ``sqrt(width)``.
    """
    from .bounds import DEPTH_ALPHA_ALPHAS, DEPTH_ALPHA_DEPTHS

    x = seeded_input(1, width, seed)
    cells = []
    total = len(DEPTH_ALPHA_DEPTHS) * (len(DEPTH_ALPHA_ALPHAS) + 1)
    done = 0
    for depth in DEPTH_ALPHA_DEPTHS:
        # one construction per depth: every cell of the row uses the same weights (the seed fixes them)
        net = DeepNetwork(depth, width, residual=False, activation=activation, seed=seed)
        for network, alpha in [("plain", None)] + [("residual", a) for a in DEPTH_ALPHA_ALPHAS]:
            net.residual, net.alpha = network == "residual", alpha or 0.0
            g = layer_input_grad_norms(net, x)[0]
            cells.append(
                {
                    "depth": depth,
                    "alpha": alpha,
                    "network": network,
                    "grad_norm": g,
                    "log10": math.log10(g) if g > 0 else -math.inf,
                }
            )
            done += 1
            if progress:
                progress(done, total, f"depth {depth}")
    return {
        "width": width,
        "activation": activation,
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


def _decades_outside(value: float, lo: float, hi: float) -> float:
    """How many orders of magnitude ``value`` lies above ``hi`` (positive) or below ``lo`` (negative); 0 inside."""
    if value > hi:
        return math.log10(value / hi) if hi > 0 else math.inf
    if value < lo:
        return -math.log10(lo / value) if value > 0 else -math.inf
    return 0.0


# -- command line ---------------------------------------------------------------------------------------------------


def _experiments():
    from .bounds import DEPTH_ALPHA, GRADIENT_FLOW
    from .registry import Experiment

    networks = (
        "Networks: DeepNetwork(DEPTH, WIDTH) built after torch.manual_seed(SEED), plain x <- act(W x + b) and\n"
        "residual x <- x + ALPHA * act(W x + b), with the same weights."
    )
    return [
        Experiment(
            name="gradient-flow",
            func=gradient_flow_experiment,
            bounds=GRADIENT_FLOW,
            summary="section 3.8: gradient norm at the input and at every layer, plain vs residual",
            description=(
                f"{networks}\nBatch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED.\n"
                "Loss: output.sum(). Reported: float64 gradient norms at the input of every layer (layer 0 is the\n"
                "network's input) and ratio = residual / plain at the input."
            ),
            table=lambda r: r["per_layer"],
        ),
        Experiment(
            name="gradient-seeds",
            func=gradient_seed_spread,
            bounds=GRADIENT_FLOW,
            summary="gradient-flow for seeds SEED .. SEED+4: the spread per layer",
            description=(
                f"{networks}\nRun for seeds SEED, SEED+1, ..., SEED+4 (each with its own weights and input).\n"
                "Batch: one standard-normal input (1, WIDTH) per seed. Loss: output.sum(). Reported: per layer the\n"
                "min, max and geometric mean over the seeds of the float64 gradient norm; per seed the values at the\n"
                "input."
            ),
            table=lambda r: r["per_layer"],
        ),
        Experiment(
            name="activations",
            func=activation_profile,
            bounds=GRADIENT_FLOW,
            summary="activations through the layers: RMS, per-input RMS range and the spread across inputs",
            description=(
                f"{networks}\nBatch: 64 standard-normal inputs (64, WIDTH) from a generator seeded from SEED.\n"
                "No loss. Reported per layer and network: RMS of the activations, min/max per-input RMS, and the\n"
                "RMS over features of the standard deviation across the batch (float64)."
            ),
            table=lambda r: r["per_layer"],
        ),
        Experiment(
            name="depth-alpha",
            func=depth_alpha_map,
            bounds=DEPTH_ALPHA,
            summary="gradient norm at the input over a depth x alpha grid (and plain per depth)",
            description=(
                "Residual DeepNetwork(depth, WIDTH) x <- x + alpha * act(W x + b), built after\n"
                "torch.manual_seed(SEED), for depth in 1, 2, 5, 10, 20, 50, 100, 200 and alpha in 0, 0.05, 0.1,\n"
                "0.2, 0.5, 1, 1.5, 2; plus the plain network per depth (same weights). Batch: one standard-normal\n"
                "input (1, WIDTH) from its own generator seeded from SEED. Loss: output.sum(). Reported: the\n"
                "float64 gradient norm at the network's input for every cell."
            ),
            table=lambda r: r["cells"],
        ),
    ]


EXPERIMENTS = _experiments()
