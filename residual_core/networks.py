"""The reference text's ``DeepNetwork`` (section 3.8), generalised.

Each layer is ``nn.Linear(width, width)`` followed by an activation. The residual version adds the layer's output,
scaled by ``alpha``, to its input::

    plain:     x <- act(W x + b)
    residual:  x <- x + alpha * act(W x + b)        (the text uses alpha = 0.1 and tanh)

Construction is seeded through the ``seed`` argument (see :mod:`residual_core.seeding`): a plain and a residual
network built with the same seed, depth and width have exactly the same weights, so the skip path is the only
difference between them.
"""

from __future__ import annotations

import torch
from torch import nn

from .bounds import ACTIVATIONS
from .seeding import seeded

_ACT = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "linear": lambda h: h,
}
assert set(_ACT) == set(ACTIVATIONS)


class DeepNetwork(nn.Module):
    """A stack of ``depth`` width-preserving layers, with or without residual connections.

    Args:
        depth: number of layers ``L``.
        width: features per layer ``d`` (64 in the text).
        residual: ``x + alpha * act(layer(x))`` if true, ``act(layer(x))`` if false.
        alpha: branch scale of the residual (ignored when ``residual`` is false).
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"linear"``.
        seed: weights are PyTorch's default initialisation drawn after ``torch.manual_seed(seed)``.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``
    """

    def __init__(
        self,
        depth: int,
        width: int = 64,
        residual: bool = True,
        alpha: float = 0.1,
        activation: str = "tanh",
        seed: int = 0,
    ):
        super().__init__()
        if activation not in _ACT:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)} (got {activation!r})")
        self.residual = residual
        self.alpha = float(alpha)
        self.activation = activation
        with seeded(seed):
            self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])

    def step(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Layer ``i`` applied to its input ``x``."""
        h = _ACT[self.activation](self.layers[i](x))
        return x + self.alpha * h if self.residual else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(len(self.layers)):
            x = self.step(i, x)
        return x

    def trace(self, x: torch.Tensor) -> list[torch.Tensor]:
        """All intermediate states ``[x_0, x_1, ..., x_L]``: ``x_0`` is the input, ``x_L`` the output."""
        states = [x]
        for i in range(len(self.layers)):
            states.append(self.step(i, states[-1]))
        return states


def seeded_input(batch: int, width: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    """A standard-normal input batch ``(batch, width)`` drawn from its own generator seeded with ``seed``."""
    g = torch.Generator().manual_seed(int(seed) + 1_000_003)  # a stream apart from the weights' stream
    return torch.randn(batch, width, generator=g, dtype=torch.float32).to(dtype)
