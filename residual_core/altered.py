"""Altered copies of real results: where a claim fails when no setting within its experiment's bounds makes it fail
(an identity the code guarantees, a trend no allowed setting reverses), or where a training claim holds and fails
without a training run per case. A claim's ``holds``/``fails`` (:class:`~residual_core.declare.Claim`) may be one
of these, e.g. ``fails=scaled("deleted", "plain", 10.0)``: the result a broken model would give.

Each function returns an alteration ``result -> result`` that deep-copies the result first (results are shared).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

Alteration = Callable[[dict], dict]


def replaced(**values) -> Alteration:
    """The result with top-level fields replaced; a value may be a function of the result (``rate=lambda r: ...``)."""

    def alter(result: dict) -> dict:
        out = copy.deepcopy(result)
        out.update({k: v(result) if callable(v) else v for k, v in values.items()})
        return out

    return alter


def scaled(key: str, column: str, factor: float, rows: slice = slice(None)) -> Alteration:
    """The result with ``result[key][rows][column]`` multiplied by ``factor``."""

    def alter(result: dict) -> dict:
        out = copy.deepcopy(result)
        for row in out[key][rows]:
            row[column] *= factor
        return out

    return alter


def final_losses(key: str, losses: dict, accuracy: dict | None = None) -> Alteration:
    """A training result whose runs (``result["runs"]``, told apart by ``run[key]``) end at the given final losses
    (and accuracies); a loss may be a function of the result (``lambda r: 0.9 * r["chance_loss"]``)."""

    def alter(result: dict) -> dict:
        out = copy.deepcopy(result)
        for run in out["runs"]:
            if run[key] in losses:
                loss = losses[run[key]]
                run["final_loss"] = loss(result) if callable(loss) else loss
            if accuracy and run[key] in accuracy:
                run["final_accuracy"] = accuracy[run[key]]
        return out

    return alter


def final_at(index: int, plain: float, residual: float, kept: float | None = None) -> Alteration:
    """A depth sweep whose ``index``-th depth ends at these final losses (and, with ``kept``, whose plain network
    kept that share of the gradient before training)."""

    def alter(result: dict) -> dict:
        out = copy.deepcopy(result)
        out["final"][index].update(plain=plain, residual=residual)
        if kept is not None:
            out["init_gradient"][index]["plain"] = kept
        return out

    return alter
