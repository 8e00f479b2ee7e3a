"""Highway networks against residual networks (reference text, section 3.3, "Highway networks perspective").

A highway layer (Srivastava, Greff and Schmidhuber, 2015) mixes a transform and the unchanged input with a learned
gate::

    y = T(x) * H(x) + (1 - T(x)) * x,     H(x) = tanh(W_H x + b_H),   T(x) = sigmoid(W_T x + b_T)

The gate bias ``b_T`` starts negative (the paper suggests -1 to -3, more negative for deeper nets), so ``T`` starts
near 0 and each layer starts close to the identity: the input is *carried* through.

The reference text calls a residual layer the highway with "T(x) = 1 always". With ``T = 1`` the formula gives
``y = H(x)``: a plain layer, no skip at all. A residual ``y = x + H(x)`` keeps both paths fully open (transform 1
*and* carry 1), which the coupled gates ``T`` and ``1 - T`` cannot express. The *uncoupled* layer
``y = T(x) * H(x) + C(x) * x`` can (:class:`~residual_core.models.layers.UncoupledHighway`): ``T = C = 1`` is
exactly the residual, ``T = 1, C = 0`` exactly the plain layer.

Stacks of the three kinds (:func:`~residual_core.models.networks.highway_stack`) built with the same seed share the
same transform weights ``W_H``, ``b_H``: the way the input is carried is the only difference between them. The
layers are in :mod:`residual_core.models.layers`; training uses the one loop, :mod:`residual_core.training.loop`.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from ..measure import layer_input_grad_norms
from ..models.blocks import ResidualBlock
from ..models.layers import UncoupledHighway
from ..models.networks import HIGHWAY_KINDS as KINDS
from ..models.networks import Regressor, highway_stack
from ..seeding import generator, seeded, seeded_input
from ..tables import melt, merge_by_layer
from ..training.loop import train_models
from ..training.tasks import StreamingRegressionTask

HIGHWAY_BATCH = 16  # seeded standard-normal inputs per gradient measurement
HIGHWAY_TRAIN_WIDTH = 32  # `highway-train`: width of the trained stacks
HIGHWAY_TRAIN_TEST = 1024  # fresh points for the final test error
HIGHWAY_TRAIN_BATCH = 64
HIGHWAY_TRAIN_LR = 3e-3


def relative_changes(states: list[torch.Tensor]) -> list[float]:
    """How much each layer changes its input: mean over the batch of ``||x_l - x_{l-1}|| / ||x_{l-1}||``, l = 1..L."""
    out = []
    for before, after in itertools.pairwise(states):
        ratio = (after - before).norm(dim=-1) / before.norm(dim=-1)
        out.append(float(ratio.mean()))
    return out


def highway_experiment(depth: int = 50, width: int = 64, gate_bias: float = -3.0, seed: int = 0) -> dict:
    """Plain, highway and residual stacks at initialisation (:func:`~residual_core.models.networks.highway_stack`,
    same transforms for one seed).

    Batch: ``HIGHWAY_BATCH`` seeded standard-normal inputs ``(batch, width)``. Loss: ``output.sum()``. Everything
    in float64.

    Returns:
        ``depth, width, gate_bias, seed``;
        ``gate_mean``: the highway's mean gate value ``T_l(x_{l-1})`` over the batch and features, layers 1..L;
        ``per_layer``: ``[{layer, plain, highway, residual}]``, the gradient norm ``||d loss / d x_l||`` for
        ``l = 0..L`` (layer 0 is the network's input);
        ``change``: ``[{layer, plain, highway, residual}]``, ``||x_l - x_{l-1}|| / ||x_{l-1}||`` for ``l = 1..L``.
    """
    x = seeded_input(HIGHWAY_BATCH, width, seed)
    grads, changes, gate_mean = {}, {}, []
    for kind in KINDS:
        net = highway_stack(kind, depth, width, gate_bias, seed).to(torch.float64)
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
            y = UncoupledHighway(width, transform_gate=t, carry_gate=c, transform=linear)(x)
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
            UncoupledHighway(width, transform_gate=1.0, carry_gate=1.0, transform=linear)(x), residual
        )
        exact_plain = torch.equal(
            UncoupledHighway(width, transform_gate=1.0, carry_gate=0.0, transform=linear)(x), plain
        )
    return {"width": width, "seed": seed, "rows": rows, "exact_residual": exact_residual, "exact_plain": exact_plain}


def highway_training(
    layers: int = 30,
    steps: int = 100,
    gate_bias: float = -3.0,
    seed: int = 0,
    progress=None,
) -> dict:
    """Train plain, highway and residual :class:`~residual_core.models.networks.Regressor` s side by side.

    Network: ``layers`` layers of width ``HIGHWAY_TRAIN_WIDTH`` (same initial transforms for the three kinds) and a
    linear readout. Data: :class:`~residual_core.training.tasks.StreamingRegressionTask`, a fresh minibatch of
    ``HIGHWAY_TRAIN_BATCH`` points every step, the same for the three networks. Loss: mean squared error. Optimiser:
    Adam, learning rate ``HIGHWAY_TRAIN_LR``, in the one training loop
    (:func:`~residual_core.training.loop.train_models`). The targets have unit variance, so a loss of 1 means
    "learned nothing".

    Args:
        progress: optional ``progress(done, total, message)``.

    Returns:
        ``layers, width, steps, gate_bias, seed, lr, batch``; ``curves``: ``[{step, plain, highway, residual}]``
        training loss at every step (step 1 is the loss before the first update); ``test``: ``{plain, highway,
        residual}`` final mean squared error on ``HIGHWAY_TRAIN_TEST`` held-out points.
    """
    width = HIGHWAY_TRAIN_WIDTH
    task = StreamingRegressionTask(width, seed, HIGHWAY_TRAIN_BATCH)
    x_test, y_test = task.sample(HIGHWAY_TRAIN_TEST, generator(seed + 99_999))
    nets = {kind: Regressor(kind, layers, width, gate_bias, seed) for kind in KINDS}
    state = train_models(
        nets,
        task,
        steps=steps,
        lr=HIGHWAY_TRAIN_LR,
        seed=seed,
        data_seed=seed + 424_242,
        foreach=True,
        progress=progress,
    )
    with torch.no_grad():
        test = {kind: float(torch.mean((net(x_test) - y_test) ** 2)) for kind, net in nets.items()}
    recorded = [p["step"] for p in state["curves"][KINDS[0]]]
    return {
        "layers": layers,
        "width": width,
        "steps": steps,
        "gate_bias": gate_bias,
        "seed": seed,
        "lr": HIGHWAY_TRAIN_LR,
        "batch": HIGHWAY_TRAIN_BATCH,
        "curves": [
            {"step": step, **{kind: state["curves"][kind][i]["loss"] for kind in KINDS}}
            for i, step in enumerate(recorded)
        ],
        "test": test,
    }


# -- rows for the charts and tables -----------------------------------------------------------------------------------


def gradient_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm}`` for the three stacks."""
    return melt(result["per_layer"], "layer", {k: k for k in KINDS}, "grad_norm")


def gate_rows(result: dict) -> list[dict]:
    """``{layer, series, gate_mean}``: the highway's mean transform gate per layer."""
    return [{"layer": i + 1, "series": "highway gate T", "gate_mean": g} for i, g in enumerate(result["gate_mean"])]


def change_rows(result: dict) -> list[dict]:
    """``{layer, series, change}``: how much each layer changes its input, per stack."""
    return melt(result["change"], "layer", {k: k for k in KINDS}, "change")


def loss_rows(result: dict) -> list[dict]:
    """``{step, series, loss}``: the three training curves."""
    return melt(result["curves"], "step", {k: k for k in KINDS}, "loss")


def highway_table(result: dict) -> list[dict]:
    """CSV: gradient norm, gate and change per layer."""
    grads = [{"layer": r["layer"], **{f"{k}_grad_norm": r[k] for k in KINDS}} for r in result["per_layer"]]
    change = [{"layer": r["layer"], **{f"{k}_change": r[k] for k in KINDS}} for r in result["change"]]
    gates = [{"layer": i + 1, "highway_gate_mean": g} for i, g in enumerate(result["gate_mean"])]
    return merge_by_layer(grads, gates, change)


def training_table(result: dict) -> list[dict]:
    """CSV: the three training losses per step."""
    return [{"step": r["step"], **{f"{k}_loss": r[k] for k in KINDS}} for r in result["curves"]]
