"""The cost budget: every combination of an experiment's options must finish within :data:`BUDGET_SECONDS`.

A lecture hall shares one server, so no URL and no command line may make it run unbounded work. The bounds
(:mod:`residual_core.options`) cap each option alone; this module caps their product. Each experiment declares its
:class:`Cost` (``Experiment.cost``, beside it in :mod:`residual_core.catalog`, its units counted with the helpers
here): its work counted from its options (network evaluations and multiply-adds) and two coefficients,
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
from .declare import Experiment

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


# -- counting the work of an experiment's options: the ``units`` of its Cost ------------------------------------------


def number(kwargs: dict, name: str, default: float) -> float:
    """An option as a number (choices such as ``d_model="64"`` are numbers in text)."""
    try:
        return float(kwargs.get(name, default))
    except (TypeError, ValueError):
        return float(default)


def fixed(kw: dict) -> tuple[float, float]:
    """A run of fixed size (its options change no work): one op, the rest is the ``base``."""
    return 1.0, 0.0


def net(depth: str, width: str, d_default: float, w_default: float, copies: float = 1.0, power: int = 2):
    """Units of a seeded stack measured once: ``copies`` networks of ``depth`` layers of ``width``."""

    def units(kw: dict) -> tuple[float, float]:
        ops = copies * number(kw, depth, d_default)
        return ops, ops * number(kw, width, w_default) ** power

    return units


def sequence(variants: int):
    """Units of ``variants`` transformers trained side by side: ``steps`` x ``layers`` layer steps each, on ``batch``
    sequences of ``seq_len`` tokens of width ``d_model``."""

    def units(kw: dict) -> tuple[float, float]:
        steps, layers = number(kw, "steps", 100), number(kw, "layers", 6)
        tokens, d = number(kw, "batch", 32) * number(kw, "seq_len", 8), number(kw, "d_model", 32)
        ops = steps * layers * variants
        return ops, ops * tokens * (12 * d * d + 2 * number(kw, "seq_len", 8) * d)

    return units


def mlp(layers: Callable[[dict], float]):
    """Units of MLPs trained full-batch: ``steps`` x ``layers(kw)`` layer steps on ``samples`` points of ``width``."""

    def units(kw: dict) -> tuple[float, float]:
        ops = number(kw, "steps", 100) * layers(kw)
        return ops, ops * number(kw, "samples", 256) * number(kw, "width", 32) ** 2

    return units


def depth_list(kw: dict) -> list[int]:
    """The depths of the training lab's depth sweep for ``max_depth``."""
    from .experiments.training_lab import depth_list as depths

    return depths(int(number(kw, "max_depth", 32)))


def lesion_units(kw: dict) -> tuple[float, float]:
    """Two networks trained ``steps`` steps (minibatch 128) at most, then every block deleted, every adjacent pair
    swapped and a few random deletions, each evaluated on 1000 test signals."""
    steps, depth, width = number(kw, "steps", 400), number(kw, "depth", 16), number(kw, "width", 64)
    train, evals = 2 * steps * depth, 4 * depth * depth
    return train + evals, (train * 128 + evals * 1000) * width**2


def landscape_units(kw: dict) -> tuple[float, float]:
    """The lesion's networks at its defaults (trained unless kept), then ``grid ** 2`` loss evaluations of each on 128
    signals, and the 1-D slice."""
    from .experiments.landscape import LANDSCAPE_STEPS, LANDSCAPE_WIDTH

    depth, grid = number(kw, "depth", 16), number(kw, "grid", 25)
    train, evals = 2 * LANDSCAPE_STEPS * depth, 2 * (grid * grid + 51) * depth
    return train + evals, (train + evals) * 128 * LANDSCAPE_WIDTH**2


# -- estimating and checking ----------------------------------------------------------------------------------------


def _experiment(experiment) -> Experiment | None:
    """A declared Experiment itself, or the one whose function ``experiment`` is (the app's cache passes functions);
    ``None`` for a function that is no declared experiment."""
    if isinstance(experiment, Experiment):
        return experiment
    from .catalog import EXPERIMENTS

    return next((exp for exp in EXPERIMENTS.values() if exp.func is experiment), None)


def estimate(experiment, kwargs: dict) -> float | None:
    """Estimated seconds of ``experiment`` (an Experiment or its function) with ``kwargs``, from its ``cost``;
    ``None`` for a function that is no declared experiment (the app's fixed-size helpers, e.g. the layer diagram)."""
    exp = _experiment(experiment)
    return None if exp is None or exp.cost is None else exp.cost.seconds(kwargs)


def check(experiment, kwargs: dict) -> float | None:
    """The estimate, or raise :class:`BudgetError` naming the budget if it exceeds :data:`BUDGET_SECONDS`."""
    seconds = estimate(experiment, kwargs)
    if seconds is not None and seconds > BUDGET_SECONDS:
        exp = _experiment(experiment)
        raise BudgetError(
            f"{exp.name} with these settings would take about {seconds:.0f} s, over the budget of "
            f"{BUDGET_SECONDS:.0f} s per run; lower {', '.join(_drivers(exp, kwargs))}"
        )
    return seconds


def _drivers(exp: Experiment, kwargs: dict) -> list[str]:
    """The options that make this run expensive: those whose value above their minimum most raises the cost."""
    base = estimate(exp, kwargs) or 0.0
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
        cheaper = estimate(exp, {**kwargs, option: low}) or 0.0
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
