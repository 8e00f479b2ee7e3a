"""Residual variants, one small module each: read ``forward`` and you have read the formula.

Every layer maps ``(batch, d)`` to ``(batch, d)`` and is built around a *branch* ``F(x) = act(W x + b)``
(:class:`Branch`). Layers built from the same branches share their weights, so two stacks that differ only in the
layer class differ only in how the input is carried:

=========================  ==============================================================
:class:`Plain`             ``x <- F(x)``
:class:`Residual`          ``x <- x + F(x)``
:class:`ScaledResidual`    ``x <- x + alpha * F(x)``
:class:`ReZero`            ``x <- x + a * F(x)``, ``a`` learned, starting at 0
:class:`GatedResidual`     ``x <- x + g(x) * F(x)``, ``g(x) = sigmoid(u . x + c)`` learned
:class:`Multiplicative`    ``x <- x * F(x)``  (elementwise)
:class:`HighwayLayer`      ``x <- T(x) * H(x) + (1 - T(x)) * x``  (coupled gates)
:class:`UncoupledHighway`  ``x <- T(x) * H(x) + C(x) * x``  (separate gates, learned or pinned)
=========================  ==============================================================

:class:`Stack` runs any list of them and records every intermediate state (:meth:`Stack.trace`). The transformer's
layers (Post-LN, Pre-LN, no residual) are in :mod:`residual_core.models.transformer`, the reference text's blocks
(``ResidualBlock``, ``ProjectedResidual``, ...) in :mod:`residual_core.models.blocks`.
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATION_FUNCTIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "linear": lambda h: h,
}


class Branch(nn.Module):
    """The residual branch ``F(x) = act(W x + b)``.

    Args:
        linear: the ``nn.Linear(d, d)`` holding ``W`` and ``b`` (shared when several layers wrap one branch).
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"linear"``.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``
    """

    def __init__(self, linear: nn.Linear, activation: str = "tanh"):
        super().__init__()
        if activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATION_FUNCTIONS)} (got {activation!r})")
        self.linear = linear
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ACTIVATION_FUNCTIONS[self.activation](self.linear(x))


class Plain(nn.Module):
    """No skip path: ``x <- F(x)``. Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch(x)


class Residual(nn.Module):
    """The residual connection: ``x <- x + F(x)``. Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


class ScaledResidual(nn.Module):
    """A residual with its branch scaled by a constant: ``x <- x + alpha * F(x)`` (the reference text's
    ``DeepNetwork`` uses ``alpha = 0.1``; ``alpha = 0`` is the identity). Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, branch: nn.Module, alpha: float):
        super().__init__()
        self.branch = branch
        self.alpha = float(alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.alpha * self.branch(x)


class ReZero(nn.Module):
    """ReZero (Bachlechner et al. 2020): ``x <- x + a * F(x)`` with a learned scalar ``a`` that starts at 0, so
    the layer starts as the identity. Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch
        self.a = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.a * self.branch(x)


class GatedResidual(nn.Module):
    """A gated branch: ``x <- x + g(x) * F(x)`` with ``g(x) = sigmoid(u . x + c)``, one learned value per example.

    Only the branch is gated: the skip path ``x`` is always open (unlike :class:`HighwayLayer`). The mean gate of the
    last forward pass is kept in ``last_gate`` (for plots).

    Args:
        branch: ``F``.
        gate: ``nn.Linear(d, 1)`` holding ``u`` and ``c``.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``; the gate ``g(x)``: ``(batch, 1)``.
    """

    def __init__(self, branch: nn.Module, gate: nn.Linear):
        super().__init__()
        self.branch = branch
        self.gate = gate
        self.last_gate: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.branch(x)
        g = torch.sigmoid(self.gate(x))
        self.last_gate = g.detach().mean()
        return x + g * h


class Multiplicative(nn.Module):
    """Multiplication instead of addition (the reference text's exercise 3): ``x <- x * F(x)``, elementwise.
    Shapes: ``(batch, d) -> (batch, d)``."""

    def __init__(self, branch: nn.Module):
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.branch(x)


def _gate(width: int, bias: float) -> nn.Linear:
    gate = nn.Linear(width, width)
    with torch.no_grad():
        gate.bias.fill_(bias)
    return gate


class HighwayLayer(nn.Module):
    """A highway layer (Srivastava, Greff & Schmidhuber 2015): ``y = T(x) * H(x) + (1 - T(x)) * x`` with
    ``H(x) = tanh(W_H x + b_H)`` and ``T(x) = sigmoid(W_T x + b_T)``.

    Args:
        width: features ``d``.
        gate_bias: the initial value of every entry of ``b_T`` (negative: start by carrying the input).
        transform: the ``nn.Linear(d, d)`` inside ``H``; a new one if not given.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``; the gate ``T(x)``: ``(batch, d)``, every entry in (0, 1).
    """

    def __init__(self, width: int, gate_bias: float = -2.0, transform: nn.Linear | None = None):
        super().__init__()
        self.transform = transform if transform is not None else nn.Linear(width, width)
        self.gate = _gate(width, gate_bias)

    def transform_gate(self, x: torch.Tensor) -> torch.Tensor:
        """``T(x) = sigmoid(W_T x + b_T)``."""
        return torch.sigmoid(self.gate(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.transform_gate(x)
        return t * torch.tanh(self.transform(x)) + (1 - t) * x


class UncoupledHighway(nn.Module):
    """``y = T(x) * H(x) + C(x) * x``: separate transform and carry gates, each learned or pinned to a constant.

    Args:
        width: features ``d``.
        transform_gate: a number pins ``T``; ``None`` makes it learned, ``sigmoid(W_T x + b_T)``, ``b_T = gate_bias``.
        carry_gate: a number pins ``C``; ``None`` makes it learned, ``sigmoid(W_C x + b_C)``, ``b_C = carry_bias``.
        transform: the ``nn.Linear(d, d)`` inside ``H = tanh(W_H x + b_H)``; a new one if not given.

    ``T = C = 1`` is exactly the residual ``x + H(x)``; ``T = 1, C = 0`` exactly the plain layer ``H(x)``;
    ``C = 1 - T`` a highway layer with a constant gate.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``
    """

    def __init__(
        self,
        width: int,
        *,
        transform_gate: float | None = None,
        carry_gate: float | None = None,
        gate_bias: float = -2.0,
        carry_bias: float = 2.0,
        transform: nn.Linear | None = None,
    ):
        super().__init__()
        self.transform = transform if transform is not None else nn.Linear(width, width)
        self.pinned_t, self.pinned_c = transform_gate, carry_gate
        self.t_gate = _gate(width, gate_bias) if transform_gate is None else None
        self.c_gate = _gate(width, carry_bias) if carry_gate is None else None

    def gates(self, x: torch.Tensor) -> tuple[torch.Tensor | float, torch.Tensor | float]:
        """``(T(x), C(x))``: a tensor ``(batch, d)`` for a learned gate, the constant for a pinned one."""
        t = self.pinned_t if self.t_gate is None else torch.sigmoid(self.t_gate(x))
        c = self.pinned_c if self.c_gate is None else torch.sigmoid(self.c_gate(x))
        return t, c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, c = self.gates(x)
        return t * torch.tanh(self.transform(x)) + c * x


class Stack(nn.Module):
    """Layers applied in turn: ``x_l = layer_l(x_{l-1})`` for ``l = 1..L``.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``
    """

    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def trace(self, x: torch.Tensor) -> list[torch.Tensor]:
        """All states ``[x_0, x_1, ..., x_L]``: ``x_0`` is the input, ``x_L`` the output."""
        states = [x]
        for layer in self.layers:
            states.append(layer(states[-1]))
        return states
