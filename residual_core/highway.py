"""Highway networks against residual networks (reference text, section 3.3, "Highway networks perspective").

A highway layer (Srivastava, Greff and Schmidhuber, 2015) mixes a transform and the unchanged input with a learned
gate::

    y = T(x) * H(x) + (1 - T(x)) * x,     H(x) = tanh(W_H x + b_H),   T(x) = sigmoid(W_T x + b_T)

The gate bias ``b_T`` starts negative (the paper suggests -1 to -3, more negative for deeper nets), so ``T`` starts
near 0 and each layer starts close to the identity: the input is *carried* through.

The reference text calls a residual layer the highway with "T(x) = 1 always". With ``T = 1`` the formula gives
``y = H(x)``: a plain layer, no skip at all. A residual ``y = x + H(x)`` keeps both paths fully open (transform 1
*and* carry 1), which the coupled gates ``T`` and ``1 - T`` cannot express. The *uncoupled* layer
``y = T(x) * H(x) + C(x) * x`` can (:class:`UncoupledHighwayLayer`): ``T = C = 1`` is exactly the residual,
``T = 1, C = 0`` exactly the plain layer.

Stacks (:class:`GatedStack`) of the three kinds built with the same seed share the same transform weights ``W_H``,
``b_H``: the way the input is carried is the only difference between them.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from .gradients import layer_input_grad_norms
from .networks import seeded_input
from .seeding import generator, seeded

KINDS = ("plain", "highway", "residual")


class HighwayLayer(nn.Module):
    """``y = T(x) * H(x) + (1 - T(x)) * x`` with ``H = tanh(W_H x + b_H)`` and ``T = sigmoid(W_T x + b_T)``.

    Args:
        width: features ``d`` (input and output).
        gate_bias: the initial value of every entry of ``b_T`` (negative: start by carrying the input).
        transform: the ``nn.Linear(d, d)`` inside ``H``; a new one if not given.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``; the gate ``T(x)``: ``(batch, d)``, every entry in (0, 1).
    """

    def __init__(self, width: int, gate_bias: float = -2.0, transform: nn.Linear | None = None):
        super().__init__()
        self.transform = transform if transform is not None else nn.Linear(width, width)
        self.gate = nn.Linear(width, width)
        with torch.no_grad():
            self.gate.bias.fill_(gate_bias)

    def transform_gate(self, x: torch.Tensor) -> torch.Tensor:
        """``T(x) = sigmoid(W_T x + b_T)``."""
        return torch.sigmoid(self.gate(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.transform_gate(x)
        return t * torch.tanh(self.transform(x)) + (1 - t) * x


class UncoupledHighwayLayer(nn.Module):
    """``y = T(x) * H(x) + C(x) * x``: separate transform and carry gates, each learned or pinned to a constant.

    Args:
        width: features ``d``.
        transform_gate: a number pins ``T`` to that constant; ``None`` makes it a learned gate
            ``sigmoid(W_T x + b_T)`` with ``b_T = gate_bias``.
        carry_gate: a number pins ``C``; ``None`` makes it a learned gate ``sigmoid(W_C x + b_C)`` with
            ``b_C = carry_bias``.
        transform: the ``nn.Linear(d, d)`` inside ``H = tanh(W_H x + b_H)``; a new one if not given.

    ``transform_gate=1, carry_gate=1`` is the residual ``x + H(x)``; ``transform_gate=1, carry_gate=0`` the plain
    layer ``H(x)``; ``carry_gate = 1 - transform_gate`` a highway layer with a constant gate.

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
        self.t_gate = self._gate(width, gate_bias) if transform_gate is None else None
        self.c_gate = self._gate(width, carry_bias) if carry_gate is None else None

    @staticmethod
    def _gate(width: int, bias: float) -> nn.Linear:
        gate = nn.Linear(width, width)
        with torch.no_grad():
            gate.bias.fill_(bias)
        return gate

    def gates(self, x: torch.Tensor) -> tuple[torch.Tensor | float, torch.Tensor | float]:
        """``(T(x), C(x))``: a tensor ``(batch, d)`` for a learned gate, the constant for a pinned one."""
        t = self.pinned_t if self.t_gate is None else torch.sigmoid(self.t_gate(x))
        c = self.pinned_c if self.c_gate is None else torch.sigmoid(self.c_gate(x))
        return t, c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, c = self.gates(x)
        return t * torch.tanh(self.transform(x)) + c * x


class GatedStack(nn.Module):
    """``depth`` width-preserving layers of one kind, all with the same transform ``H_l(x) = tanh(W_l x + b_l)``::

        plain:     x <- H_l(x)
        residual:  x <- x + H_l(x)
        highway:   x <- T_l(x) * H_l(x) + (1 - T_l(x)) * x     (HighwayLayer, gate bias ``gate_bias``)

    All transforms are drawn first (after ``torch.manual_seed(seed)``), then the gates, so the three kinds built with
    the same seed, depth and width have identical ``W_l, b_l``.

    Shapes:
        x: ``(batch, d)`` -> output: ``(batch, d)``
    """

    def __init__(self, kind: str, depth: int, width: int = 64, gate_bias: float = -2.0, seed: int = 0):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
        self.kind = kind
        with seeded(seed):
            transforms = [nn.Linear(width, width) for _ in range(depth)]
            if kind == "highway":
                self.layers = nn.ModuleList([HighwayLayer(width, gate_bias, transform=t) for t in transforms])
            else:
                self.layers = nn.ModuleList(transforms)

    def step(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Layer ``i`` applied to its input ``x``."""
        layer = self.layers[i]
        if self.kind == "highway":
            return layer(x)
        h = torch.tanh(layer(x))
        return x + h if self.kind == "residual" else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(len(self.layers)):
            x = self.step(i, x)
        return x

    def trace(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``[x_0, x_1, ..., x_L]``: the input and the output of every layer."""
        states = [x]
        for i in range(len(self.layers)):
            states.append(self.step(i, states[-1]))
        return states


def relative_changes(states: list[torch.Tensor]) -> list[float]:
    """How much each layer changes its input: mean over the batch of ``||x_l - x_{l-1}|| / ||x_{l-1}||``, l = 1..L."""
    out = []
    for before, after in itertools.pairwise(states):
        ratio = (after - before).norm(dim=-1) / before.norm(dim=-1)
        out.append(float(ratio.mean()))
    return out


def highway_experiment(depth: int = 50, width: int = 64, gate_bias: float = -3.0, seed: int = 0) -> dict:
    """Plain, highway and residual stacks at initialisation (:class:`GatedStack`, same transforms for one seed).

    Batch: ``HIGHWAY_BATCH`` seeded standard-normal inputs ``(batch, width)``. Loss: ``output.sum()``. Everything
    in float64.

    Returns:
        ``depth, width, gate_bias, seed``;
        ``gate_mean``: the highway's mean gate value ``T_l(x_{l-1})`` over the batch and features, layers 1..L;
        ``per_layer``: ``[{layer, plain, highway, residual}]``, the gradient norm ``||d loss / d x_l||`` for
        ``l = 0..L`` (layer 0 is the network's input);
        ``change``: ``[{layer, plain, highway, residual}]``, ``||x_l - x_{l-1}|| / ||x_{l-1}||`` for ``l = 1..L``.
    """
    from .bounds import HIGHWAY_BATCH

    x = seeded_input(HIGHWAY_BATCH, width, seed)
    grads, changes, gate_mean = {}, {}, []
    for kind in KINDS:
        net = GatedStack(kind, depth, width, gate_bias, seed).to(torch.float64)
        grads[kind] = layer_input_grad_norms(net, x)
        with torch.no_grad():
            states = net.trace(x)
            changes[kind] = relative_changes(states)
            if kind == "highway":
                gate_mean = [
                    float(layer.transform_gate(s).mean()) for layer, s in zip(net.layers, states, strict=False)
                ]
    return {
        "depth": depth,
        "width": width,
        "gate_bias": gate_bias,
        "seed": seed,
        "gate_mean": gate_mean,
        "per_layer": [{"layer": i, **{k: grads[k][i] for k in KINDS}} for i in range(depth + 1)],
        "change": [{"layer": i + 1, **{k: changes[k][i] for k in KINDS}} for i in range(depth)],
    }


def gate_check(width: int = 64, seed: int = 0) -> dict:
    """Pinned gates, checked numerically: which settings of ``T`` and ``C`` give the plain and the residual layer.

    One transform ``H(x) = tanh(W x + b)`` (``nn.Linear(width, width)`` after ``torch.manual_seed(seed)``) and a
    seeded standard-normal batch ``(8, width)``, float32. The references are built from the text's own blocks:
    plain = ``nn.Sequential(linear, nn.Tanh())``, residual = ``ResidualBlock(nn.Sequential(linear, nn.Tanh()))``.

    Returns:
        ``rows``: one per gate setting, ``{layer, t, c, diff_plain, diff_residual, diff_identity}`` where each
        ``diff_*`` is ``max |y - reference|`` (0.0 means bit-for-bit equal); ``exact_residual`` and ``exact_plain``:
        whether the uncoupled layer with ``T = C = 1`` and with ``T = 1, C = 0`` reproduces them exactly.
    """
    from .blocks import ResidualBlock

    with seeded(seed):
        linear = nn.Linear(width, width)
    x = seeded_input(8, width, seed, dtype=torch.float32)
    plain_ref = nn.Sequential(linear, nn.Tanh())
    residual_ref = ResidualBlock(nn.Sequential(linear, nn.Tanh()))
    settings = [
        ("highway (coupled): T = 0, C = 1 − T", 0.0, 1.0),
        ("highway (coupled): T = 0.5, C = 1 − T", 0.5, 0.5),
        ("highway (coupled): T = 1, C = 1 − T", 1.0, 0.0),
        ("uncoupled: T = 1, C = 0", 1.0, 0.0),
        ("uncoupled: T = 1, C = 1", 1.0, 1.0),
    ]
    rows = []
    with torch.no_grad():
        plain, residual = plain_ref(x), residual_ref(x)
        for name, t, c in settings:
            y = UncoupledHighwayLayer(width, transform_gate=t, carry_gate=c, transform=linear)(x)
            rows.append(
                {
                    "layer": name,
                    "t": t,
                    "c": c,
                    "diff_plain": float((y - plain).abs().max()),
                    "diff_residual": float((y - residual).abs().max()),
                    "diff_identity": float((y - x).abs().max()),
                }
            )
        exact_residual = torch.equal(
            UncoupledHighwayLayer(width, transform_gate=1.0, carry_gate=1.0, transform=linear)(x), residual
        )
        exact_plain = torch.equal(
            UncoupledHighwayLayer(width, transform_gate=1.0, carry_gate=0.0, transform=linear)(x), plain
        )
    return {"width": width, "seed": seed, "rows": rows, "exact_residual": exact_residual, "exact_plain": exact_plain}


# -- training, side by side ----------------------------------------------------------------------------------------


class RegressionTask:
    """A synthetic regression task that needs no download: inputs ``x ~ N(0, I_width)``, targets
    ``y = v . tanh(2 W x) / s``, a fixed random teacher with ``HIDDEN`` hidden units; ``s`` scales ``y`` to unit
    variance (measured on 4096 draws), so a mean squared error of 1 means "learned nothing".

    The teacher is drawn from a generator seeded from ``seed``; :meth:`sample` draws fresh points from a generator
    passed in, so every training step sees new data (no memorising a fixed set).

    Shapes: ``sample(n, g)`` returns x ``(n, width)`` and y ``(n, 1)``.
    """

    HIDDEN = 8

    def __init__(self, width: int, seed: int):
        g = generator(seed + 7_777)
        self.w = torch.randn(width, self.HIDDEN, generator=g) / math.sqrt(width)
        self.v = torch.randn(self.HIDDEN, 1, generator=g)
        self.scale = 1.0
        _, y = self.sample(4096, g)
        self.scale = float(y.std())

    def sample(self, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randn(n, self.w.shape[0], generator=g)
        return x, torch.tanh(2.0 * x @ self.w) @ self.v / self.scale


class Regressor(nn.Module):
    """A :class:`GatedStack` followed by a linear readout ``nn.Linear(width, 1)``.

    Shapes:
        x: ``(batch, width)`` -> output: ``(batch, 1)``
    """

    def __init__(self, kind: str, depth: int, width: int, gate_bias: float, seed: int):
        super().__init__()
        self.stack = GatedStack(kind, depth, width, gate_bias, seed)
        with seeded(seed + 1):
            self.readout = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.stack(x))


def highway_training(
    layers: int = 30,
    steps: int = 100,
    gate_bias: float = -2.0,
    seed: int = 0,
    progress=None,
) -> dict:
    """Train plain, highway and residual :class:`Regressor` s side by side on a :class:`RegressionTask`.

    Network: ``layers`` layers of width ``HIGHWAY_TRAIN_WIDTH`` (same initial transforms for the three kinds) and a
    linear readout. Data: every step draws a fresh minibatch of ``HIGHWAY_TRAIN_BATCH`` points, the same for the
    three networks. Loss: mean squared error. Optimiser: Adam, learning rate ``HIGHWAY_TRAIN_LR``. The targets have
    unit variance, so a loss of 1 means "learned nothing".

    Args:
        progress: optional ``progress(done, total, message)`` called after every training step.

    Returns:
        ``layers, width, steps, gate_bias, seed, lr, batch``; ``curves``: ``[{step, plain, highway, residual}]``
        training loss at every step (step 1 is the loss before the first update); ``test``: ``{plain, highway,
        residual}`` final mean squared error on ``HIGHWAY_TRAIN_TEST`` held-out points.
    """
    from .bounds import HIGHWAY_TRAIN_BATCH, HIGHWAY_TRAIN_LR, HIGHWAY_TRAIN_TEST, HIGHWAY_TRAIN_WIDTH

    width = HIGHWAY_TRAIN_WIDTH
    task = RegressionTask(width, seed)
    x_test, y_test = task.sample(HIGHWAY_TRAIN_TEST, generator(seed + 99_999))
    nets = {kind: Regressor(kind, layers, width, gate_bias, seed) for kind in KINDS}
    opts = {kind: torch.optim.Adam(net.parameters(), lr=HIGHWAY_TRAIN_LR, foreach=True) for kind, net in nets.items()}
    g = generator(seed + 424_242)
    curves = []
    for step in range(steps):
        x, y = task.sample(HIGHWAY_TRAIN_BATCH, g)  # a fresh minibatch, the same for the three networks
        row = {"step": step + 1}
        for kind in KINDS:
            loss = torch.mean((nets[kind](x) - y) ** 2)
            opts[kind].zero_grad()
            loss.backward()
            opts[kind].step()
            row[kind] = loss.item()
        curves.append(row)
        if progress is not None:
            progress(step + 1, steps, f"training step {step + 1} of {steps}")
    with torch.no_grad():
        test = {kind: float(torch.mean((net(x_test) - y_test) ** 2)) for kind, net in nets.items()}
    return {
        "layers": layers,
        "width": width,
        "steps": steps,
        "gate_bias": gate_bias,
        "seed": seed,
        "lr": HIGHWAY_TRAIN_LR,
        "batch": HIGHWAY_TRAIN_BATCH,
        "curves": curves,
        "test": test,
    }


# -- command line --------------------------------------------------------------------------------------------------


def _highway_table(result: dict) -> list[dict]:
    from .registry import merge_by_layer

    grads = [{"layer": r["layer"], **{f"{k}_grad_norm": r[k] for k in KINDS}} for r in result["per_layer"]]
    change = [{"layer": r["layer"], **{f"{k}_change": r[k] for k in KINDS}} for r in result["change"]]
    gates = [{"layer": i + 1, "highway_gate_mean": g} for i, g in enumerate(result["gate_mean"])]
    rows = merge_by_layer(grads, gates, change)
    columns = dict.fromkeys(k for row in rows for k in row)  # layer 0 has no gate and no change: empty cells
    return [{k: row.get(k) for k in columns} for row in rows]


def _training_table(result: dict) -> list[dict]:
    return [{"step": r["step"], **{f"{k}_loss": r[k] for k in KINDS}} for r in result["curves"]]


def _experiments():
    from .bounds import HIGHWAY, HIGHWAY_BATCH, HIGHWAY_TRAIN, HIGHWAY_TRAIN_BATCH, HIGHWAY_TRAIN_LR, HIGHWAY_TRAIN_TEST
    from .bounds import HIGHWAY_TRAIN_WIDTH as WIDTH
    from .registry import Experiment

    return [
        Experiment(
            name="highway",
            func=highway_experiment,
            bounds=HIGHWAY,
            summary="plain, highway and residual stacks at initialisation: gate values, layer changes, gradients",
            description=(
                "Three stacks of DEPTH layers of width WIDTH with the same transforms H_l(x) = tanh(W_l x + b_l)\n"
                "(nn.Linear after torch.manual_seed(SEED)): plain x <- H_l(x); residual x <- x + H_l(x); highway\n"
                "x <- T_l(x) H_l(x) + (1 - T_l(x)) x with T_l(x) = sigmoid(W_T x + b_T), b_T = GATE_BIAS.\n\n"
                f"Batch: {HIGHWAY_BATCH} standard-normal inputs (batch, WIDTH) from a generator seeded from SEED.\n"
                "Loss: output.sum(). Float64.\n\n"
                "gate_mean: the highway's mean gate value T_l per layer 1..DEPTH. per_layer: the norm of the loss\n"
                "gradient at the input of every layer, layer 0 being the network's input. change: mean over the\n"
                "batch of ||x_l - x_(l-1)|| / ||x_(l-1)|| per layer 1..DEPTH."
            ),
            table=_highway_table,
        ),
        Experiment(
            name="highway-train",
            func=highway_training,
            bounds=HIGHWAY_TRAIN,
            summary="train plain, highway and residual stacks side by side on a synthetic regression task",
            description=(
                f"Three stacks of LAYERS layers of width {WIDTH} (as in `highway`, same initial\n"
                "transforms, highway gate bias GATE_BIAS) each followed by a linear readout to one number, trained\n"
                f"for STEPS steps of Adam (learning rate {HIGHWAY_TRAIN_LR:g}).\n\n"
                f"Task: y = v . tanh(2 W x), a fixed random teacher with 8 hidden units, x ~ N(0, I_{WIDTH}),\n"
                "y scaled to unit variance (a loss of 1 = learned nothing). Batch: a fresh minibatch of\n"
                f"{HIGHWAY_TRAIN_BATCH} points every step, the same for the three networks.\n"
                "Loss: mean squared error.\n\n"
                "curves: the training loss of every step (before that step's update). test: the final mean squared\n"
                f"error on {HIGHWAY_TRAIN_TEST} held-out points."
            ),
            table=_training_table,
        ),
    ]


EXPERIMENTS = _experiments()
