"""The cost budget: every combination of an experiment's options must finish within :data:`BUDGET_SECONDS`.

A lecture hall shares one server, so no URL and no command line may make it run unbounded work. The bounds
(:mod:`residual_core.options`) cap each option alone; this module caps their product. Each experiment has a
:class:`Cost`: its work counted from its options (network evaluations and multiply-adds) and two coefficients,
seconds per network-layer step and per multiply-add, measured on one thread of the reference machine (2-core x86,
PyTorch on one intra-op thread, as the app and the command line run) by ``python benchmarks/budget.py``, which
also prints the measured against the estimated time and the worst case of every experiment.

:func:`check` raises :class:`BudgetError` (a :class:`~residual_core.bounds.BoundError`, so the command line exits 2
with one line) for a combination estimated over the budget; the app checks the same before computing and shows the
estimate beside the training lab's controls (``lab``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from .bounds import BoundError

BUDGET_SECONDS = 60.0
"""The longest any one computation may run on the reference machine (one thread), in seconds."""


class BudgetError(BoundError):
    """A combination of options estimated to run longer than the budget; the message names the budget."""


@dataclass(frozen=True)
class Cost:
    """``seconds = base + per_op * ops + per_work * work`` with ``(ops, work) = units(kwargs)``.

    ``ops`` counts network-layer evaluations (forward and backward, each training step; Python and PyTorch
    overhead dominates small layers), ``work`` their multiply-adds. Coefficients: ``benchmarks/budget.py``.
    """

    units: Callable[[dict], tuple[float, float]]
    per_op: float
    per_work: float
    base: float = 0.0

    def seconds(self, kwargs: dict) -> float:
        ops, work = self.units(kwargs)
        return self.base + self.per_op * ops + self.per_work * work


def _i(kwargs: dict, name: str, default: float) -> float:
    """An option as a number (choices such as ``d_model="64"`` are numbers in text)."""
    try:
        return float(kwargs.get(name, default))
    except (TypeError, ValueError):
        return float(default)


def _depth_list(max_depth: int) -> list[int]:
    from .experiments.training_lab import depth_list

    return depth_list(int(max_depth))


def _sequence(kw: dict, variants: int) -> tuple[float, float]:
    steps, layers = _i(kw, "steps", 100), _i(kw, "layers", 6)
    tokens, d = _i(kw, "batch", 32) * _i(kw, "seq_len", 8), _i(kw, "d_model", 32)
    ops = steps * layers * variants
    return ops, ops * tokens * (12 * d * d + 2 * _i(kw, "seq_len", 8) * d)


def _mlp(kw: dict, layers: float) -> tuple[float, float]:
    ops = _i(kw, "steps", 100) * layers
    return ops, ops * _i(kw, "samples", 256) * _i(kw, "width", 32) ** 2


def _net(depth: str, width: str, d_default: float, w_default: float, copies: float = 1.0, power: int = 2):
    """Units of a seeded stack measured once: ``copies`` networks of ``depth`` layers of ``width``."""

    def units(kw: dict) -> tuple[float, float]:
        ops = copies * _i(kw, depth, d_default)
        return ops, ops * _i(kw, width, w_default) ** power

    return units


def _fixed(kw: dict) -> tuple[float, float]:
    return 1.0, 0.0


def _lesion(kw: dict) -> tuple[float, float]:
    """Two networks trained ``steps`` steps (minibatch 128) at most, then every block deleted, every adjacent pair
    swapped and a few random deletions, each evaluated on 1000 test signals."""
    steps, depth, width = _i(kw, "steps", 400), _i(kw, "depth", 16), _i(kw, "width", 64)
    train, evals = 2 * steps * depth, 4 * depth * depth
    return train + evals, (train * 128 + evals * 1000) * width**2


def _landscape(kw: dict) -> tuple[float, float]:
    """The lesion's networks at its defaults (trained unless kept), then ``grid ** 2`` loss evaluations of each on 128
    signals, and the 1-D slice."""
    from .experiments.landscape import LANDSCAPE_STEPS, LANDSCAPE_WIDTH

    depth, grid = _i(kw, "depth", 16), _i(kw, "grid", 25)
    train, evals = 2 * LANDSCAPE_STEPS * depth, 2 * (grid * grid + 51) * depth
    return train + evals, (train + evals) * 128 * LANDSCAPE_WIDTH**2


# Coefficients fitted by ``python benchmarks/budget.py`` (CPU seconds of one thread on the reference machine): seconds
# per op, per multiply-add, and a base. The two transformer experiments share the fit of `train` (the same network,
# trained once per variant), the most sampled of them (16 runs).
_SEQ = (1.86e-3, 2.66e-10, 0.13)
COSTS: dict[str, Cost] = {
    # Vanishing & exploding
    "products": Cost(lambda kw: (_i(kw, "depth", 100), 64.0**2), 2.21e-4, 5.4e-8, 0.018),
    # Residual math
    "residual-1d": Cost(_fixed, 0.0, 0.0, 0.01),
    "unrolled": Cost(_net("layers", "width", 30, 64), 3.7e-4, 2.7e-8, 0.005),
    "preservation": Cost(lambda kw: (_i(kw, "depth", 100), 0.0), 1.0e-4, 0.0, 0.005),
    "preservation-vs-text": Cost(_fixed, 0.0, 0.0, 0.02),
    "jacobian": Cost(_net("layers", "width", 30, 64, power=3), 0.0, 1.8e-8, 0.068),
    "multiplicative": Cost(_net("layers", "width", 30, 64), 5.8e-4, 5.4e-9, 0.005),
    # Gradient flow
    "gradient-flow": Cost(_net("depth", "width", 50, 64), 3.4e-4, 9.3e-9, 0.005),
    "gradient-seeds": Cost(_net("depth", "width", 50, 64, copies=5), 2.6e-4, 3.9e-8, 0.023),
    "gradient-vs-text": Cost(_fixed, 0.0, 0.0, 0.1),
    "activations": Cost(_net("depth", "width", 50, 64), 5.4e-4, 2.3e-8, 0.005),
    "depth-alpha": Cost(lambda kw: (1.0, _i(kw, "width", 64) ** 2), 0.25, 6.8e-6, 0.25),
    # Highway vs residual
    "highway": Cost(_net("depth", "width", 50, 64, copies=3), 4.6e-4, 2.7e-8, 0.023),
    "gate-check": Cost(_fixed, 0.0, 0.0, 0.01),
    "highway-train": Cost(lambda kw: (3 * _i(kw, "layers", 30) * _i(kw, "steps", 100), 0.0), 2.6e-4, 0.0, 0.07),
    # Add & Norm
    "add-norm": Cost(_net("layers", "d_model", 12, 64, copies=3), 4.7e-3, 4.7e-7, 0.01),
    "add-norm-seeds": Cost(_net("layers", "d_model", 12, 64, copies=15), 2.3e-3, 2.4e-7, 0.01),
    "dropout": Cost(_fixed, 0.0, 0.0, 0.01),
    "shape": Cost(lambda kw: (1.0, _i(kw, "d_in", 512) * _i(kw, "d_out", 256)), 0.0048, 5.4e-8, 0.005),
    # Training lab
    "transformer": Cost(lambda kw: _sequence(kw, 3), *_SEQ),
    "train": Cost(lambda kw: _sequence(kw, 1), *_SEQ),
    "depth-sweep": Cost(lambda kw: _mlp(kw, 2 * sum(_depth_list(_i(kw, "max_depth", 32)))), 2.37e-4, 1.17e-10, 0.16),
    "scaling": Cost(lambda kw: _mlp(kw, 5 * _i(kw, "depth", 16)), 1.88e-4, 1.34e-10, 0.37),
    "gated": Cost(lambda kw: _mlp(kw, 3 * _i(kw, "depth", 16)), 1.86e-4, 1.32e-10, 0.08),
    # Vanishing & exploding: four initialisations, plain and residual
    "init-compare": Cost(
        lambda kw: (8 * _i(kw, "depth", 100), 8 * _i(kw, "depth", 100) * 64.0**2), 9.4e-5, 2.3e-8, 0.055
    ),
    # Why residual networks train
    "lesion": Cost(_lesion, 9.6e-5, 6.4e-11, 0.47),
    "landscape": Cost(_landscape, 3.8e-5, 7.3e-11, 0.95),
    "shattered": Cost(
        lambda kw: (2 * _i(kw, "depth", 50), 2 * _i(kw, "depth", 50) * 256 * _i(kw, "width", 200) ** 2),
        8.8e-4,
        2.6e-10,
        0.0,
    ),
    "shattered-depths": Cost(lambda kw: (4 * 137, 4 * 137 * 256 * _i(kw, "width", 200) ** 2), 2.5e-4, 2.6e-10, 0.1),
}


def _name(experiment) -> str | None:
    """The experiment name of a name, a declared Experiment or the function behind one (``None`` if undeclared)."""
    if isinstance(experiment, str):
        return experiment
    name = getattr(experiment, "name", None)
    if isinstance(name, str) and hasattr(experiment, "bounds"):
        return name
    from .catalog import EXPERIMENTS

    for exp in EXPERIMENTS.values():
        if exp.func is experiment:
            return exp.name
    return None


def estimate(experiment, kwargs: dict) -> float | None:
    """Estimated seconds of ``experiment`` (a name, an Experiment or its function) with ``kwargs``; ``None`` for a
    function that is no declared experiment (the app's fixed-size helpers, e.g. the layer diagram)."""
    name = _name(experiment)
    cost = COSTS.get(name) if name else None
    return None if cost is None else cost.seconds(kwargs)


def check(experiment, kwargs: dict) -> float | None:
    """The estimate, or raise :class:`BudgetError` naming the budget if it exceeds :data:`BUDGET_SECONDS`."""
    seconds = estimate(experiment, kwargs)
    if seconds is not None and seconds > BUDGET_SECONDS:
        raise BudgetError(
            f"{_name(experiment)} with these settings would take about {seconds:.0f} s, over the budget of "
            f"{BUDGET_SECONDS:.0f} s per run; lower {', '.join(_drivers(experiment, kwargs))}"
        )
    return seconds


def _drivers(experiment, kwargs: dict) -> list[str]:
    """The options that make this run expensive: those whose value above their minimum most raises the cost."""
    from .catalog import experiment as find

    name = _name(experiment)
    exp = find(name)
    base = estimate(name, kwargs) or 0.0
    gains = []
    for option, bound in exp.bounds.items():
        if bound.kind == "choice" or option == "seed":
            try:
                low = min(bound.options, key=float) if bound.kind == "choice" else None
            except ValueError:
                continue
            if low is None:
                continue
        else:
            low = bound.lo if bound.kind == "float" else int(bound.lo)
        cheaper = estimate(name, {**kwargs, option: low}) or 0.0
        if cheaper < base * 0.9:
            gains.append((base - cheaper, option))
    return [option for _, option in sorted(gains, reverse=True)[:3]] or ["the settings"]


def corners(exp) -> list[dict]:
    """Every combination of the lowest and highest value of each numeric option and every option of each choice
    (other than the seed): where an experiment's cost is largest."""
    axes = []
    for option, bound in exp.bounds.items():
        if option == "seed":
            axes.append([bound.default])
        elif bound.kind == "choice":
            axes.append(list(bound.options))
        else:
            axes.append([bound.lo, bound.hi] if bound.kind == "float" else [int(bound.lo), int(bound.hi)])
    combos = itertools.product(*axes)
    return [dict(zip(exp.bounds, values, strict=True)) for values in itertools.islice(combos, 4096)]


def worst_case(exp) -> tuple[dict, float]:
    """The combination of ``exp``'s options with the largest estimate, and that estimate (seconds)."""
    best, seconds = {}, -math.inf
    for kwargs in corners(exp):
        s = estimate(exp, kwargs)
        if s is not None and s > seconds:
            best, seconds = kwargs, s
    return best, seconds
