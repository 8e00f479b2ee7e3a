"""What the /highway page says around its charts, computed from the results: its sections' text, metrics and the
sentences it reads off a chart (plain Python; the page lays them out, :mod:`residual_core.catalog.highway` declares
which section shows which)."""

from __future__ import annotations

import math

from ..declare import Metric
from ..experiments.highway import HIGHWAY_BATCH, HIGHWAY_TRAIN_BATCH, HIGHWAY_TRAIN_LR, HIGHWAY_TRAIN_WIDTH, KINDS
from ..numbers import fmt

# -- 1. the gate at initialisation -----------------------------------------------------------------------------------


def at_init_text(r: dict, kw: dict) -> str:
    return (
        f"Three stacks of **{kw['depth']}** layers of width {kw['width']} with the *same* transforms H_l: **plain** "
        f"`x ← H_l(x)`, **highway** with gate bias **{kw['gate_bias']:g}**, and **residual** `x ← x + H_l(x)`. The "
        f"loss is `output.sum()` over a seeded batch of {HIGHWAY_BATCH} inputs; every norm is computed in float64."
    )


GATE_BIAS = (
    "The more **negative the gate bias** b_T, the closer the gate starts to 0 and the closer each layer starts to the "
    "identity, carrying the signal (and the gradient) through. The paper suggests −1 to −3, more negative for deeper "
    "nets."
)
"""Once the page's intro, now in the first section's row of details."""


def at_init_metrics(r: dict, kw: dict) -> list[Metric]:
    first, gate_bias = r["per_layer"][0], kw["gate_bias"]
    return [
        Metric(
            "Mean gate T, layer 1",
            f"{r['gate_mean'][0]:.3f}",
            help=f"Near sigmoid(b_T) = sigmoid({gate_bias:g}) = {1 / (1 + math.exp(-gate_bias)):.3f}; the term W_T x "
            "moves it a little.",
        ),
        Metric("Gradient at the input, plain", fmt(first["plain"])),
        Metric("Gradient at the input, highway", fmt(first["highway"])),
        Metric("Gradient at the input, residual", fmt(first["residual"])),
    ]


def at_init_reading(r: dict, kw: dict) -> str:
    """What the three gradient curves say, under the charts."""
    first, gate0 = r["per_layer"][0], r["gate_mean"][0]
    ratio = {k: first[k] / r["per_layer"][-1][k] for k in KINDS}
    state = "nearly shut" if gate0 < 0.1 else "wide open" if gate0 > 0.75 else "partly open"
    if ratio["highway"] >= 1e-2:
        gate_text = (
            f"Here the gate starts {state} (T ≈ {gate0:.3f} in layer 1), so each highway layer is close to the "
            "identity and the gradient is carried down to the input. Push the gate bias up and watch the highway "
            "curve fall toward the plain one."
        )
    else:
        gate_text = (
            f"Here the gate starts {state} (T ≈ {gate0:.3f} in layer 1), so each layer carries its input with weight "
            f"only 1 − T ≈ {1 - gate0:.2f} and passes the rest through the squashing transform; over {kw['depth']} "
            "layers the gradient fades. This is why Srivastava et al. start deeper networks with more negative gate "
            "biases."
        )
    return (
        f"From the output back to the input the gradient norm changes by a factor of **{fmt(ratio['plain'])}** in "
        f"the plain stack, **{fmt(ratio['highway'])}** in the highway stack and **{fmt(ratio['residual'])}** in "
        f"the residual stack. {gate_text} Each residual layer multiplies the gradient by `I + ∂H/∂x`. That is not a "
        "guarantee of at least 1 (the *Residual math* page finds blocks whose Jacobian shrinks some direction); here "
        f"the product of these factors is **{fmt(ratio['residual'])}** from output to input, and with H at full size "
        "(no α scaling it down) such a product can grow."
    )


# -- 2. T = 1 is not the residual ------------------------------------------------------------------------------------

GATE_CHECK_TEXT = (
    "The reference text says a residual is the highway with *T(x) = 1 always*. Put T = 1 into the highway formula "
    "and the carry term `(1 − T)·x` disappears: **y = H(x), a plain layer with no skip at all**. A residual keeps "
    "*both* paths fully open, transform 1 **and** carry 1. The highway's gates are coupled (T and 1 − T always add "
    "up to 1), so no setting of T gives that. Uncouple them and both layers appear as special cases:"
)

UNCOUPLED_FORMULAS = (
    r"y = T(x)\odot H(x) + C(x)\odot x",
    r"T = C = 1 \;\Rightarrow\; y = x + H(x)\ \text{(residual)},\qquad "
    r"T = 1,\ C = 0 \;\Rightarrow\; y = H(x)\ \text{(plain)}",
)
"""The display formulas between the section's text and its table."""

GATE_CHECK_COLUMNS = {
    "layer": "layer (gates pinned)",
    "t": "T",
    "c": "C",
    "diff_plain": "max |y − plain|",
    "diff_residual": "max |y − residual|",
    "diff_identity": "max |y − x|",
}
"""The gate check's table: its columns as the page names them."""


def gate_check_metrics(r: dict, kw: dict) -> list[Metric]:
    return [
        Metric("T = C = 1 equals the residual bit for bit", "yes" if r["exact_residual"] else "no"),
        Metric("T = 1, C = 0 equals the plain layer bit for bit", "yes" if r["exact_plain"] else "no"),
    ]


def gate_check_caption(r: dict, kw: dict) -> str:
    return (
        f"One layer of width {kw['width']}, seed {kw['seed']}, a seeded batch of 8 inputs, float32. The references "
        "are the text's own blocks: plain = `Sequential(Linear, Tanh)`, residual = "
        "`ResidualBlock(Sequential(Linear, Tanh))`, with the same Linear. A 0 means equal to the last bit."
    )


# -- 3. training side by side ----------------------------------------------------------------------------------------

TRAINING_TEXT = (
    f"Plain, highway and residual stacks of width {HIGHWAY_TRAIN_WIDTH} (same initial transforms, the gate bias "
    "above) with a linear readout learn a synthetic regression task: `y = v·tanh(2Wx)`, a fixed random teacher, "
    f"scaled so that a loss of 1 means *learned nothing*. Adam (learning rate {HIGHWAY_TRAIN_LR:g}), a fresh "
    f"minibatch of {HIGHWAY_TRAIN_BATCH} points every step, mean squared error."
)

TRAINING_NOT_YET = (
    "This run has not been trained on this server yet. Training takes a few seconds; afterwards everyone who opens "
    "this link sees the result at once."
)


def training_metrics(r: dict, kw: dict) -> list[Metric]:
    test = r["test"]
    return [Metric(f"Held-out loss, {k}", f"{test[k]:.3f}") for k in ("plain", "highway", "residual")]


def training_reading(r: dict, kw: dict) -> str:
    """What the training curves say, under the chart."""
    test, first_loss = r["test"], r["curves"][0]
    best = min(test, key=test.get)
    lines = [
        f"After {kw['steps']} steps the held-out loss is {test['plain']:.3f} (plain), {test['highway']:.3f} (highway) "
        f"and {test['residual']:.3f} (residual); lowest: **{best}**."
    ]
    if first_loss["residual"] > max(first_loss["plain"], first_loss["highway"]):
        lines.append(
            f"The residual stack starts higher ({first_loss['residual']:.2f} against {first_loss['plain']:.2f}): "
            "every layer adds to x, so its initial output is large and must first be brought down."
        )
    return " ".join(lines)
