"""The one training loop: several models side by side on the same batches, with progress, partial results and
cancellation.

Progress: ``progress(done, total, message)`` is called every few steps. Two extras, both optional, let a caller watch
or stop a run: if the callback has a ``partial`` attribute, the loop calls ``progress.partial(snapshot)`` with the
result so far (the caller's result shape, curves up to now); and if the callback raises (for example
:class:`residual_core.training.jobs.Cancelled`), training stops there and the exception propagates -- no result is
returned, so nothing half-finished can be stored.

Reproducibility: every batch comes from a private :func:`~residual_core.seeding.generator`; nothing draws from the
global generator during training (no dropout). Same models, task and seed, same curves. Training runs on one
intra-op thread (:func:`~residual_core.seeding.single_thread`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from ..seeding import generator, single_thread

MAX_POINTS = 400  # points kept per curve; longer runs record every k-th step
REPORTS = 60  # progress calls per run (about every 1.5 % of the steps)


def record_every(steps: int) -> int:
    """Record every k-th step so that a curve keeps at most about :data:`MAX_POINTS` points (and always the last)."""
    return max(1, math.ceil(steps / MAX_POINTS))


def train_models(
    models: dict[str, nn.Module],
    task,
    *,
    steps: int,
    lr: float,
    seed: int,
    data_seed: int | None = None,
    foreach: bool = False,
    progress=None,
    probes: dict[str, Callable[[nn.Module], list[float]]] | None = None,
    snapshot: Callable[[dict, int], dict] | None = None,
    until: dict[str, Callable[[nn.Module, int], bool]] | None = None,
    label: str = "training",
) -> dict:
    """Train every model in ``models`` for ``steps`` Adam steps on the same batches, in turn, step by step.

    Each step draws one batch ``(x, y)`` from ``task.batch_from(gen)`` (``gen`` a private generator seeded from
    ``data_seed``, by default ``seed + 10007``), then every model computes ``task.loss(model(x), y)`` on it,
    back-propagates and takes one Adam step (learning rate ``lr``, PyTorch defaults otherwise). A model whose loss
    is not finite stops there (``diverged_at``); the others go on.

    Args:
        foreach: use PyTorch's ``foreach`` Adam instead of the ``fused`` one. Both compute Adam; they round
            differently, so a curve recorded with one is reproduced only by the same one (the highway comparison
            uses ``foreach``).
        probes: ``{name: fn(model) -> list of floats}`` read after each recorded step's update (e.g. the mean gate
            per layer of that step's forward pass, or the learned α per layer).
        snapshot: turns the state so far into the caller's result shape for ``progress.partial``; receives
            ``(state, step)``.
        until: ``{name: fn(model, step) -> bool}`` asked after each of that model's steps: when it returns true the
            model stops training there (``stopped_at``; e.g. once it reaches a target accuracy). With ``until``
            given, the loop ends early when every model has stopped or diverged.

    Returns:
        ``{"curves": {name: [{"step", "loss", "accuracy"?}]}, "probes": {name: [{"step", "values"}]},
        "diverged_at": {name: step}, "stopped_at": {name: step}}``; ``step`` counts from 1, the loss is the batch
        loss before that step's update.
    """
    gen = generator(int(seed) + 10_007 if data_seed is None else int(data_seed))
    kind = {"foreach": True} if foreach else {"fused": True}
    optimizers = {name: torch.optim.Adam(m.parameters(), lr=lr, **kind) for name, m in models.items()}
    state = {
        "curves": {name: [] for name in models},
        "probes": {name: [] for name in probes or {}},
        "diverged_at": {},
        "stopped_at": {},
    }
    every = record_every(steps)
    report_every = max(1, steps // REPORTS)
    for m in models.values():
        m.train()

    def snap(step):
        copy = {
            "curves": {k: list(v) for k, v in state["curves"].items()},
            "probes": {k: list(v) for k, v in state["probes"].items()},
            "diverged_at": dict(state["diverged_at"]),
            "stopped_at": dict(state["stopped_at"]),
        }
        return snapshot(copy, step) if snapshot else copy

    with single_thread():
        _report(progress, 0, steps, label, lambda: snap(0))
        for step in range(1, steps + 1):
            x, y = task.batch_from(gen)
            keep = step % every == 0 or step == steps or step == 1
            for name, model in models.items():
                if name not in state["diverged_at"] and name not in state["stopped_at"]:
                    point = _step(name, model, optimizers[name], task, x, y, step, keep, state, probes)
                    if until and name in until and name not in state["diverged_at"] and until[name](model, step):
                        state["stopped_at"][name] = step
                        if not keep:  # a curve ends where its model stopped
                            state["curves"][name].append(point)
            done = bool(until) and len(state["diverged_at"].keys() | state["stopped_at"].keys()) == len(models)
            if step % report_every == 0 or step == steps or done:
                _report(progress, step, steps, label, lambda s=step: snap(s))
            if done:
                break
    return state


def _step(name, model, optimizer, task, x, y, step, keep, state, probes) -> dict:
    """One Adam step of one model, recorded in ``state`` when ``keep``; returns the step's curve point."""
    loss, accuracy = task.loss(model(x), y)
    value = float(loss.detach())
    if not math.isfinite(value):
        state["diverged_at"][name] = step
        state["curves"][name].append(_point(step, float("nan"), accuracy))
        return state["curves"][name][-1]
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    point = _point(step, value, accuracy)
    if keep:
        state["curves"][name].append(point)
        if probes and name in probes:
            state["probes"][name].append({"step": step, "values": probes[name](model)})
    return point


def _report(progress, done: int, total: int, message: str, snapshot: Callable[[], dict]) -> None:
    """``progress(done, total, message)``, then ``progress.partial(snapshot())`` if the callback wants curves."""
    if progress is None:
        return
    progress(done, total, message)
    partial = getattr(progress, "partial", None)
    if partial is not None:
        partial(snapshot())


def _point(step: int, loss: float, accuracy: float | None) -> dict:
    point = {"step": step, "loss": loss}
    if accuracy is not None:
        point["accuracy"] = accuracy
    return point


def last(curve: list[dict], key: str = "loss"):
    """The last point's value (``None`` for an empty curve or a point without ``key``)."""
    return curve[-1].get(key) if curve else None
