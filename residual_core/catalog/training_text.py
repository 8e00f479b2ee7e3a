"""The Training lab's teaching text: each section's prose, metrics and closing paragraph (no Streamlit)."""

from __future__ import annotations

from ..declare import Metric
from ..numbers import fmt, percent

INTRO = (
    "Networks trained **live** on the server's CPU from the *same* weights on the *same* batches: the residual "
    "arrangement is the only difference."
)


def loss_text(x) -> str:
    """A loss for a metric: "—" before the first step, "not finite" for a network that diverged."""
    if x is not None and x != x:  # NaN: the loss overflowed and that network stopped training
        return "not finite (diverged)"
    return fmt(x)


def status(data: dict, final: bool) -> str:
    return "final" if final else f"at step {data['step']}"


def bounds_caption(bounds: dict) -> str:
    """The bounds of every control that costs work (they keep a run to seconds on a shared CPU)."""
    parts = [f"{b.label} {b.describe().replace('between ', '').replace(' and ', '–')}" for b in bounds.values()]
    return "Bounds (a shared server trains every run): " + " · ".join(parts) + "."


# -- exercise 4 ---------------------------------------------------------------------------------------------------

TRANSFORMER_TEXT = (
    "The same small transformer in three arrangements (see the *Add & Norm* page): Post-LN "
    "`x = LN(x + Sublayer(x))`, Pre-LN `x = x + Sublayer(LN(x))` and **no residual** `x = LN(Sublayer(x))`. "
    "**Sort**: read a row of digits 0–9 (8 by default) and output them in ascending order, one per position "
    "(needs attention by content); **reverse**: output them backwards (attention by position); **text**: "
    "predict the next character of the Gettysburg Address (a causal language model)."
)


def transformer_metrics(data: dict, final: bool) -> list[tuple[str, str, str | None]]:
    """One metric per arrangement: (label, value, delta): the loss, and the accuracy as an uncoloured delta."""
    out = []
    for run in data["runs"]:
        acc = run["final_accuracy"]
        label = f"{run['label']}: loss, {status(data, final)}"
        out.append((label, loss_text(run["final_loss"]), f"accuracy {percent(acc)}" if acc is not None else None))
    return out


def transformer_shows(data: dict) -> str:
    return f"**What this run shows** ({data['task']}, {data['layers']} layers, {data['steps']} steps):"


TRANSFORMER_WHY = """
**Why.** Self-attention outputs weighted *averages* of the positions' value vectors. Stacked without a skip path,
averaging after averaging makes the positions look more and more alike (Dong et al., 2021, prove that pure attention
loses rank doubly exponentially with depth), so the read-out has less and less to tell the tokens apart, and the
gradient reaching the embeddings has to pass back through all of it. With a residual, each layer *adds* its output
to the stream `x`, so every layer gets a direct gradient path (`∂(x + F(x))/∂x = I + ∂F/∂x`). In Pre-LN the token's
own embedding and position reach the final LayerNorm as one term of that sum; in Post-LN they are carried by the
adds but renormalised by a LayerNorm after every sublayer, so they arrive rescaled, not unchanged. The claims in
these details are checked on this run; whether they hold depends on the task (sort needs attention by content,
reverse by position, text predicts the next character) and on the number of steps.
"""

# -- exercise 1 ---------------------------------------------------------------------------------------------------

DEPTH_TEXT = (
    "Plain MLPs `x ← tanh(Wx + b)` and residual ones `x ← x + tanh(Wx + b)` with the *same* weights, of depth "
    "2, 4, 8, … up to the deepest chosen, each trained with Adam for the same number of steps on a small "
    "synthetic regression task (8 inputs, targets from a random teacher network, standardised: predicting the "
    "mean scores a loss of exactly 1)."
)


def depth_metrics(data: dict, final: bool) -> list[Metric]:
    deepest = data["depths"][-1]
    last = data["final"][-1]
    return [
        Metric(f"Plain, depth {deepest}: loss {status(data, final)}", loss_text(last["plain"])),
        Metric(f"Residual, depth {deepest}: loss {status(data, final)}", loss_text(last["residual"])),
        Metric(
            f"Plain, depth {deepest}: gradient reaching layer 1",
            fmt(data["init_gradient"][-1]["plain"]),
            help="Before training: the share of the gradient of the last hidden layer's output that reaches the "
            f"first hidden layer's input (residual: {fmt(data['init_gradient'][-1]['residual'])}).",
        ),
    ]


def depth_shows(data: dict) -> str:
    return f"**What this run shows** ({data['init']} initialisation, {data['steps']} steps):"


DEPTH_WHY = """
**Vanishing or degradation?** With PyTorch's default initialisation each plain `tanh(Wx + b)` layer shrinks the
signal and the gradient (see the *Vanishing & exploding* page): the third metric under the charts shows how little
of the gradient reaches the first layer before training, and a deep plain network stalls for that reason. Choose
**xavier** or **orthogonal** and the deep plain network's gradient no longer vanishes, yet it can still train far
worse than its residual twin: that is the *degradation problem* He et al. (2016) reported, where deeper plain
networks reached a higher *training* error although normalisation kept their gradients alive. Their networks were
batch-normalised convolutional networks trained for days; this is a small MLP trained for seconds, so read it as an
illustration, checked by the claims in these details for this run.
"""

# -- exercise 6 ---------------------------------------------------------------------------------------------------

SCALING_FORMULA = r"x_{l+1} = x_l + \alpha\,\tanh(W_l x_l + b_l) \qquad \alpha \in \{0.1,\ 0.5,\ 1,\ 2\}"
SCALING_TEXT = (
    "Four residual MLPs with a fixed α and one where every layer learns its own α, starting at **0** "
    "(ReZero, Bachlechner et al. 2020: at the start every block is exactly the identity). Same weights `W, b` "
    "for all, same regression task as *How deep?*, trained with Adam."
)
SCALING_WHY = """
**Why α matters here.** Adam moves every weight by about the learning rate per step whatever its gradient's size,
so the change of the output per step grows with α; with a small α the whole stack stays close to the identity and
learns slowly. The learned α starts at 0, where the branches' weights get no gradient at all (their output is
multiplied by 0): at first only α moves, by about the learning rate per step, and the heatmap shows each layer's α
leaving 0 with its own sign.

**Limits.** The tanh branch is bounded (|tanh| ≤ 1), so here each layer can add at most α·√width to the stream's
norm: it grows at most linearly with depth, never exponentially, and Adam hides how large the gradients get. With
unbounded branches (ReLU, attention), many more layers or plain SGD, a large α makes every block add more to the
stream than it already holds, so its size and its gradient can grow layer after layer (the *Gradient flow* page's
depth × α map shows it); that is why deep models scale their branches down (e.g. by 1/√(2L)) or start them at 0 as
ReZero does.
"""

# -- exercise 7 ---------------------------------------------------------------------------------------------------

GATED_FORMULA = r"x_{l+1} = x_l + g_l(x_l)\,\tanh(W_l x_l + b_l), \qquad g_l(x) = \sigma(u_l^\top x + c_l) \in (0, 1)"
GATED_TEXT = (
    "Each layer learns a gate: one number per example that says how much of the branch to add. It starts "
    "near 0.5. It is compared with the plain residual (`g = 1`) and the plain network (no skip), all with the "
    "same weights `W, b`, on the regression task of *How deep?*. Unlike a highway layer, the skip path `x` is "
    "never gated: only the branch is."
)


def gated_metrics(data: dict, final: bool) -> list[Metric]:
    return [Metric(f"{run['label']}: loss {status(data, final)}", loss_text(run["final_loss"])) for run in data["runs"]]


GATED_GATES = "**The gates while training**: mean gate value per layer (blue: more open than 0.5)."
GATED_READING = """
**Reading it.** The gate only multiplies the branch: the identity path `x` and its gradient stay open whatever the
gate learns, unlike a highway layer's carry gate. A gate that starts near 0.5 halves every branch at first, as
α = 0.5 would on the *Scaling α* view; the heatmap shows how the gates move away from their start layer by layer.
"""
