"""Seeded networks built from the layers in :mod:`residual_core.models.layers`.

Every builder draws its weights inside :func:`~residual_core.seeding.seeded`, as a fresh script that starts with
``torch.manual_seed(seed)`` would. Networks that differ only in the layer kind are built from the *same* branches
(:func:`branches`), so the way the input is carried is their only difference.
"""

from __future__ import annotations

from torch import nn

from ..seeding import seeded
from .layers import Branch, GatedResidual, HighwayLayer, Multiplicative, Plain, Residual, ReZero, ScaledResidual, Stack

# The stacks' weight initialisations (/vanishing, /gradient-flow, the training lab's depth sweep): PyTorch's default
# (uniform, variance 1 / (3 fan_in): a third of LeCun's), Xavier / LeCun (variance 1 / width for these square layers),
# He (variance 2 / fan_in, for ReLU) and orthogonal (gain 1); all but the default start with zero biases.
NETWORK_INITS = ("default", "xavier", "he", "orthogonal")


def initialise_(linear: nn.Linear, init: str) -> nn.Linear:
    """Re-draw ``linear``'s weights with the initialisation ``init`` (from the global generator: call it inside
    :func:`~residual_core.seeding.seeded`); every initialisation but ``"default"`` zeroes the bias.

    * ``"default"`` -- PyTorch's ``nn.Linear`` draw, kept: uniform with variance ``1 / (3 fan_in)``, a third of
      LeCun's ``1 / fan_in``; biases uniform in ``±1/sqrt(fan_in)``;
    * ``"xavier"`` -- Xavier (Glorot) uniform, gain 1: variance ``2 / (fan_in + fan_out)`` (``1 / width`` for a square
      layer, LeCun's);
    * ``"he"`` -- He (Kaiming) normal for ReLU: variance ``2 / fan_in``;
    * ``"orthogonal"`` -- a random orthogonal matrix (every singular value 1).
    """
    if init not in NETWORK_INITS:
        raise ValueError(f"init must be one of {', '.join(NETWORK_INITS)} (got {init!r})")
    if init == "default":
        return linear
    if init == "xavier":
        nn.init.xavier_uniform_(linear.weight)
    elif init == "he":
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
    else:
        nn.init.orthogonal_(linear.weight)
    nn.init.zeros_(linear.bias)
    return linear


def branches(depth: int, width: int, activation: str = "tanh", seed: int = 0, init: str = "default") -> list[Branch]:
    """``depth`` branches ``act(W_l x + b_l)``, ``nn.Linear(width, width)`` each, drawn after
    ``torch.manual_seed(seed)``: PyTorch's default initialisation (uniform, variance ``1 / (3 width)``), or with
    ``init`` the same draw followed by a re-draw of every weight (:func:`initialise_`), so ``"default"`` is exactly
    the plain ``nn.Linear`` draw."""
    with seeded(seed):
        linears = [nn.Linear(width, width) for _ in range(depth)]
        for linear in linears:
            initialise_(linear, init)
    return [Branch(linear, activation) for linear in linears]


# The layer kinds of the reference text's network, by name: each wraps one branch.
KINDS = {
    "plain": lambda f, alpha: Plain(f),
    "residual": lambda f, alpha: ScaledResidual(f, alpha),
    "multiplicative": lambda f, alpha: Multiplicative(f),
}


def stack(kind: str, fs: list[Branch], alpha: float = 0.1) -> Stack:
    """A :class:`Stack` of ``kind`` layers (``"plain"``, ``"residual"`` = ``x + alpha * F(x)``, or
    ``"multiplicative"``) around the given branches (shared, not copied)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    return Stack([KINDS[kind](f, alpha) for f in fs])


class DeepNetwork(Stack):
    """The reference text's ``DeepNetwork`` (section 3.8), generalised::

        plain:     x <- act(W x + b)
        residual:  x <- x + alpha * act(W x + b)        (the text uses alpha = 0.1 and tanh)

    Args:
        depth: number of layers ``L``.
        width: features per layer ``d`` (64 in the text).
        residual: :class:`~residual_core.models.layers.ScaledResidual` layers if true, else
            :class:`~residual_core.models.layers.Plain`.
        alpha: branch scale of the residual.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"linear"``.
        seed: the weights are drawn after ``torch.manual_seed(seed)``; a plain and a residual network with the same
            seed, depth, width and init have exactly the same weights.
        init: ``"default"`` (PyTorch's), ``"xavier"``, ``"he"`` or ``"orthogonal"`` (see :func:`initialise_`).

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
        init: str = "default",
    ):
        fs = branches(depth, width, activation, seed, init)
        super().__init__(stack("residual" if residual else "plain", fs, alpha).layers)


def twins(
    depth: int, width: int, alpha: float, activation: str, seed: int, kinds=("plain", "residual"), init="default"
):
    """``{kind: Stack}`` for each of ``kinds``, all around the same seeded branches (the same weights)."""
    fs = branches(depth, width, activation, seed, init)
    return {kind: stack(kind, fs, alpha) for kind in kinds}


# -- highway stacks -------------------------------------------------------------------------------------------------

HIGHWAY_KINDS = ("plain", "highway", "residual")


def highway_stack(kind: str, depth: int, width: int = 64, gate_bias: float = -2.0, seed: int = 0) -> Stack:
    """``depth`` layers of one kind, all with the transform ``H_l(x) = tanh(W_l x + b_l)``::

        plain:     x <- H_l(x)
        residual:  x <- x + H_l(x)
        highway:   x <- T_l(x) * H_l(x) + (1 - T_l(x)) * x     (HighwayLayer, gate bias ``gate_bias``)

    All transforms are drawn first (after ``torch.manual_seed(seed)``), then the gates, so the three kinds built with
    the same seed, depth and width have identical ``W_l, b_l``.
    """
    build = {
        "plain": lambda t: Plain(Branch(t, "tanh")),
        "residual": lambda t: Residual(Branch(t, "tanh")),
        "highway": lambda t: HighwayLayer(width, gate_bias, transform=t),
    }
    if kind not in build:
        raise ValueError(f"kind must be one of {', '.join(HIGHWAY_KINDS)} (got {kind!r})")
    with seeded(seed):
        transforms = [nn.Linear(width, width) for _ in range(depth)]
        return Stack([build[kind](t) for t in transforms])  # highway gates are drawn here, after the transforms


class Regressor(nn.Module):
    """A :func:`highway_stack` followed by a linear read-out ``nn.Linear(width, 1)`` (drawn from ``seed + 1``).

    Shapes:
        x: ``(batch, width)`` -> output: ``(batch, 1)``
    """

    def __init__(self, kind: str, depth: int, width: int, gate_bias: float, seed: int):
        super().__init__()
        self.stack = highway_stack(kind, depth, width, gate_bias, seed)
        with seeded(seed + 1):
            self.readout = nn.Linear(width, 1)

    def forward(self, x):
        return self.readout(self.stack(x))


# -- MLPs for the training lab ----------------------------------------------------------------------------------------

MLP_BLOCKS = ("plain", "residual", "rezero", "gated")


class DeepMLP(nn.Module):
    """``Linear(d_in, width)`` -> ``depth`` hidden layers -> ``Linear(width, d_out)``.

    Hidden layer ``l`` has the branch ``F_l(x) = tanh(W_l x + b_l)``, carried by ``block``:
    ``"plain"`` (:class:`~residual_core.models.layers.Plain`), ``"residual"``
    (:class:`~residual_core.models.layers.ScaledResidual` with ``alpha``; ``alpha = 1`` is the plain residual),
    ``"rezero"`` (:class:`~residual_core.models.layers.ReZero`) or ``"gated"``
    (:class:`~residual_core.models.layers.GatedResidual`, gates ``nn.Linear(width, 1)`` drawn from ``seed + 40009``).

    All linear layers use PyTorch's default initialisation drawn after ``torch.manual_seed(seed)``; ``init`` then
    re-draws the hidden layers' ``W_l`` (:func:`initialise_`; the input and output layers keep theirs). Models built
    with one seed and init share ``W_l, b_l`` and the input/output layers whatever the block.

    Shapes:
        x ``(N, d_in)`` -> ``(N, d_out)``
    """

    def __init__(self, depth: int, width: int, *, block: str = "residual", alpha: float = 1.0, d_in: int = 8,
                 d_out: int = 1, seed: int = 0, init: str = "default"):  # fmt: skip
        super().__init__()
        if block not in MLP_BLOCKS:
            raise ValueError(f"block must be one of {', '.join(MLP_BLOCKS)} (got {block!r})")
        self.block = block
        with seeded(seed):
            self.inp = nn.Linear(d_in, width)
            fs = [Branch(nn.Linear(width, width), "tanh") for _ in range(depth)]
            self.out = nn.Linear(width, d_out)
            for f in fs:
                initialise_(f.linear, init)
        if block == "gated":
            with seeded(int(seed) + 40_009):
                gates = [nn.Linear(width, 1) for _ in range(depth)]
        build = {
            "plain": lambda i, f: Plain(f),
            "residual": lambda i, f: ScaledResidual(f, alpha),
            "rezero": lambda i, f: ReZero(f),
            "gated": lambda i, f: GatedResidual(f, gates[i]),
        }
        self.hidden = Stack([build[block](i, f) for i, f in enumerate(fs)])

    def forward(self, x):
        return self.out(self.hidden(self.inp(x)))

    def gate_values(self) -> list[float]:
        """Mean gate value per layer in the last forward pass (``"gated"`` only)."""
        return [float(layer.last_gate) for layer in self.hidden.layers if layer.last_gate is not None]

    def alpha_values(self) -> list[float]:
        """The learned ``a_l`` per layer (``"rezero"`` only)."""
        return [float(layer.a.detach()) for layer in self.hidden.layers]
