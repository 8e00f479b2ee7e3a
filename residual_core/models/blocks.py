"""The reference text's building blocks (sections 3.6 and 3.7), as small modules whose ``forward`` is the formula.

Shapes: ``(..., d)`` means any number of leading dimensions (batch, sequence) and a last dimension ``d``.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """A generic residual block: ``output = x + sublayer(x)``.

    Args:
        sublayer: any module that maps ``(..., d)`` to ``(..., d)``.

    Shapes:
        x: ``(..., d)`` -> output: ``(..., d)``. A sublayer that changes ``d`` makes the add fail;
        use :class:`ProjectedResidual` then.
    """

    def __init__(self, sublayer: nn.Module):
        super().__init__()
        self.sublayer = sublayer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.sublayer(x)


class ResidualWithDropout(nn.Module):
    """Residual connection with dropout on the sublayer output: ``output = x + dropout(sublayer(x))``.

    In training mode dropout zeroes each element of the sublayer's output with probability ``p`` and scales the
    rest by ``1 / (1 - p)``; the skip path ``x`` is never dropped. In eval mode dropout is the identity.

    Shapes:
        x: ``(..., d)`` -> output: ``(..., d)``
    """

    def __init__(self, sublayer: nn.Module, dropout: float = 0.1):
        super().__init__()
        self.sublayer = sublayer
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.dropout(self.sublayer(x))


class ProjectedResidual(nn.Module):
    """Residual with a projection on the skip path when the sublayer changes the width.

    ``output = projection(x) + sublayer(x)``, where ``projection`` is ``nn.Linear(in_features, out_features)``
    when the widths differ and ``nn.Identity()`` (no parameters) when they match.

    Shapes:
        x: ``(..., in_features)`` -> output: ``(..., out_features)``
    """

    def __init__(self, sublayer: nn.Module, in_features: int, out_features: int):
        super().__init__()
        self.sublayer = sublayer
        if in_features != out_features:
            self.projection = nn.Linear(in_features, out_features)
        else:
            self.projection = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(x) + self.sublayer(x)


class SimpleFFN(nn.Module):
    """The transformer's position-wise feed-forward network: Linear(d, 4d) -> ReLU -> Linear(4d, d).

    Args:
        d_model: input and output width ``d``.
        d_out: output width, if different from ``d_model`` (used to demonstrate shape mismatches).
        expansion: hidden width factor (4 in the reference text).

    Shapes:
        x: ``(..., d_model)`` -> output: ``(..., d_out or d_model)``
    """

    def __init__(self, d_model: int, d_out: int | None = None, expansion: int = 4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_model, d_model * expansion),
            nn.ReLU(),
            nn.Linear(d_model * expansion, d_out or d_model),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
