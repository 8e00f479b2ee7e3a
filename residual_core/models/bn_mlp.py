"""Batch-normalised MLPs, plain and residual, for the /why page (delete a block, the loss landscape, shattered
gradients). Read ``forward`` and you have read the formula:

=========================  ==================================================
:class:`PlainBNLayer`      ``x <- relu(BN(W x))``
:class:`ResidualBNBlock`   ``x <- x + V relu(BN(W x)) + c``
=========================  ==================================================

:class:`BlockMLP` is ``Linear(d_in, width)`` -> ``depth`` such blocks -> ``Linear(width, d_out)``; its ``forward``
takes an ``order``: which blocks run, in which order. Leaving block ``i`` out *deletes* it (a residual block then
passes ``x`` through, its branch dropped; a plain layer is replaced by the identity) and exchanging two entries
*swaps* them (Veit, Wilber & Belongie 2016).

Batch normalisation as in the papers these experiments reproduce (He et al. 2016; Balduzzi et al. 2017; Li et al.
2018): while training it standardises every unit over the batch; in evaluation mode it uses the running statistics
gathered while training.

Initialisation: ``W`` is He-normal (``kaiming_normal_``, fan-in, ReLU gain, no bias: batch normalisation would cancel
it); ``V``, ``c`` and the input and output layers use PyTorch's default ``nn.Linear`` initialisation (uniform,
variance ``1 / (3 fan_in)``). A plain and a residual :class:`BlockMLP` built with the same seed share ``W`` of every
block and the input and output layers: the skip path and ``V`` are their only difference.
"""

from __future__ import annotations

import torch
from torch import nn

from ..seeding import seeded

BLOCK_KINDS = ("plain", "residual")


def he_linear(width: int) -> nn.Linear:
    """``nn.Linear(width, width, bias=False)`` with He-normal weights (variance ``2 / width``)."""
    linear = nn.Linear(width, width, bias=False)
    nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
    return linear


class PlainBNLayer(nn.Module):
    """A plain layer with batch normalisation: ``x <- relu(BN(W x))``. Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.linear = linear
        self.norm = nn.BatchNorm1d(linear.out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.norm(self.linear(x)))


class ResidualBNBlock(nn.Module):
    """A residual block with batch normalisation: ``x <- x + V relu(BN(W x)) + c``; ``V x + c`` is ``second``.
    Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, linear: nn.Linear, second: nn.Linear):
        super().__init__()
        self.linear = linear
        self.norm = nn.BatchNorm1d(linear.out_features)
        self.second = second

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.second(torch.relu(self.norm(self.linear(x))))


class BlockMLP(nn.Module):
    """``Linear(d_in, width)`` -> ``depth`` blocks of ``kind`` -> ``Linear(width, d_out)``.

    Args:
        kind: ``"plain"`` (:class:`PlainBNLayer`) or ``"residual"`` (:class:`ResidualBNBlock`).
        depth, width: the number of blocks and their width.
        d_in, d_out: input features and outputs (40 and 10 for MNIST-1D; 1 and 1 for a 1-D function).
        seed: the weights are drawn after ``torch.manual_seed(seed)`` in a fixed order (input layer, every ``W``,
            output layer, then every ``V``), so both kinds built with one seed share everything they have in common.

    Shapes:
        x: ``(batch, d_in)`` -> output: ``(batch, d_out)``
    """

    def __init__(self, kind: str, depth: int, width: int, *, d_in: int = 40, d_out: int = 10, seed: int = 0):
        super().__init__()
        if kind not in BLOCK_KINDS:
            raise ValueError(f"kind must be one of {', '.join(BLOCK_KINDS)} (got {kind!r})")
        self.kind = kind
        with seeded(seed):
            self.inp = nn.Linear(d_in, width)
            firsts = [he_linear(width) for _ in range(depth)]
            self.out = nn.Linear(width, d_out)
            seconds = [nn.Linear(width, width) for _ in range(depth)] if kind == "residual" else []
        if kind == "plain":
            blocks = [PlainBNLayer(w) for w in firsts]
        else:
            blocks = [ResidualBNBlock(w, v) for w, v in zip(firsts, seconds, strict=True)]
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor, order: list[int] | None = None) -> torch.Tensor:
        h = self.inp(x)
        for i in range(len(self.blocks)) if order is None else order:
            h = self.blocks[i](h)
        return self.out(h)
