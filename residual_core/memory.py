"""The memory budget, beside the time budget (:mod:`residual_core.budget`): no run may need more than
:data:`MEMORY_BUDGET_MB` of the server's memory.

A lecture hall shares one server of 690 MB (Community Cloud's smallest); options within their bounds and within the
time budget can still need hundreds of MB (``shattered`` at depth 100, width 256: float64 activations of 256 inputs
through 200 layers, kept for the backward pass). Each experiment's peak memory above the server's baseline is
estimated from its options by a :class:`Memory` model, measured per option like the time cost (figures:
``python benchmarks/memory_model.py``); :func:`check` raises :class:`MemoryBudgetError` (a
:class:`~residual_core.budget.BudgetError`, so the command line exits 2 with one line and the app shows a notice)
before anything is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .budget import BudgetError, _experiment, number

MEMORY_BUDGET_MB = 180.0
"""The most memory any one computation may need above the server's baseline, in MB."""


class MemoryBudgetError(BudgetError):
    """A combination of options estimated to need more memory than the budget; the message names the budget."""


@dataclass(frozen=True)
class Memory:
    """``mb = base + per_unit * units(kwargs)``: the peak memory of one run above the process's baseline."""

    units: Callable[[dict], float]
    per_unit: float
    base: float = 0.0

    def mb(self, kwargs: dict) -> float:
        return self.base + self.per_unit * self.units(kwargs)


def fixed(mb: float) -> Memory:
    """A run whose memory its options hardly change: the largest measured."""
    return Memory(lambda kw: 0.0, 0.0, mb)


def shattered_units(kw: dict) -> float:
    """Two float64 networks of DEPTH layers of WIDTH on 256 inputs: activations kept for the backward pass
    (``depth * width``) and the weights (``depth * width ** 2``), in MB (fitted to three measured runs)."""
    depth, width = number(kw, "depth", 50), number(kw, "width", 200)
    return 5.08e-3 * depth * width + 2.35e-5 * depth * width**2


def shattered_depths_units(kw: dict) -> float:
    """The sweep's depths (up to 50) one after the other, at WIDTH."""
    width = number(kw, "width", 200)
    return 0.365 * width + 1.42e-3 * width**2


DEFAULT_MB = 50.0
"""The memory of a declared experiment without a ``memory`` model (each of them measured at 50 MB or less at its
largest shapes)."""

HEAVY_MB = 40.0
"""A run estimated at this much or more is heavy: the app gives its memory back to the system after it."""


def estimate_mb(experiment, kwargs: dict) -> float:
    """Estimated peak MB of ``experiment`` (an Experiment or its function) with ``kwargs``; 0 for a function that is no
    declared experiment (the app's fixed-size helpers)."""
    exp = _experiment(experiment)
    if exp is None:
        return 0.0
    return DEFAULT_MB if exp.memory is None else exp.memory.mb(kwargs)


def check(experiment, kwargs: dict) -> float:
    """The estimate, or raise :class:`MemoryBudgetError` naming the budget if it exceeds :data:`MEMORY_BUDGET_MB`."""
    mb = estimate_mb(experiment, kwargs)
    if mb > MEMORY_BUDGET_MB:
        exp = _experiment(experiment)
        raise MemoryBudgetError(
            f"{exp.name} with these settings would need about {mb:.0f} MB of the server's memory, over the budget "
            f"of {MEMORY_BUDGET_MB:.0f} MB per run; lower {', '.join(_drivers(exp, kwargs))}"
        )
    return mb


def _drivers(exp, kwargs: dict) -> list[str]:
    """The numeric options whose lowest value most lowers the estimate (at most three)."""
    base, gains = estimate_mb(exp, kwargs), []
    for option, bound in exp.bounds.items():
        if bound.kind == "choice" or option == "seed":
            continue
        low = bound.lo if bound.kind == "float" else int(bound.lo)
        cheaper = estimate_mb(exp, {**kwargs, option: low})
        if cheaper < base * 0.9:
            gains.append((base - cheaper, option))
    return [option for _, option in sorted(gains, reverse=True)[:3]] or ["the settings"]


__all__ = [
    "MEMORY_BUDGET_MB",
    "Memory",
    "MemoryBudgetError",
    "check",
    "estimate_mb",
    "fixed",
    "number",
    "shattered_depths_units",
    "shattered_units",
]
