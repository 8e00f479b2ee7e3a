"""Highway vs residual (reference text, section 3.3, "Highway networks perspective").

Computed by residual_core/experiments/highway.py, declared (figures, code) in residual_core/catalog/highway.py.
"""

import math

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import highway as declared
from residual_core.experiments.highway import (
    HIGHWAY_BATCH,
    HIGHWAY_TRAIN_BATCH,
    HIGHWAY_TRAIN_LR,
    HIGHWAY_TRAIN_WIDTH,
    KINDS,
)
from residual_core.options import HIGHWAY, HIGHWAY_TRAIN

lab.page("highway")
st.markdown(
    "Before residual networks, **highway networks** (Srivastava, Greff & Schmidhuber, 2015) trained very deep "
    "stacks with a learned *gate* that decides, per feature, how much of a layer's transform to use and how much of "
    "the input to carry through unchanged:"
)
st.latex(
    r"y = T(x)\odot H(x) + \bigl(1 - T(x)\bigr)\odot x,\qquad "
    r"H(x) = \tanh(W_H x + b_H),\quad T(x) = \operatorname{sigmoid}(W_T x + b_T)"
)
st.markdown(
    "The more **negative the gate bias** b_T, the closer the gate starts to 0 and the closer each layer starts to the "
    "identity, carrying the signal (and the gradient) through. The paper suggests −1 to −3, more negative for deeper "
    "nets."
)

# -- 1. the gate at initialisation ---------------------------------------------------------------------------------
st.subheader("1. What the gate does at initialisation")
c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
depth = lab.slider(HIGHWAY["depth"], container=c1)
gate_bias = lab.slider(HIGHWAY["gate_bias"], container=c2)
width = lab.slider(HIGHWAY["width"], container=c3)
seed = lab.number(HIGHWAY["seed"], container=c4)

data = lab.compute(declared.AT_INIT, depth=depth, width=width, gate_bias=gate_bias, seed=seed)
lab.ask(declared.AT_INIT.question, {"depth": depth, "width": width, "gate_bias": gate_bias, "seed": seed}, data)
first = data["per_layer"][0]
gate0 = data["gate_mean"][0]

st.markdown(
    f"Three stacks of **{depth}** layers of width {width} with the *same* transforms H_l: **plain** `x ← H_l(x)`, "
    f"**highway** with gate bias **{gate_bias:g}**, and **residual** `x ← x + H_l(x)`. The loss is `output.sum()` "
    f"over a seeded batch of {HIGHWAY_BATCH} inputs; every norm is computed in float64."
)
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Mean gate T, layer 1",
    f"{gate0:.3f}",
    help=f"Near sigmoid(b_T) = sigmoid({gate_bias:g}) = {1 / (1 + math.exp(-gate_bias)):.3f}; the term W_T x moves "
    "it a little.",
)
m2.metric("Gradient at the input, plain", lab.fmt(first["plain"]))
m3.metric("Gradient at the input, highway", lab.fmt(first["highway"]))
m4.metric("Gradient at the input, residual", lab.fmt(first["residual"]))

lab.figure(declared.AT_INIT, "gradients", data)
lab.figure(declared.AT_INIT, "gates", data)
lab.figure(declared.AT_INIT, "change", data)
at_init_args = {"depth": depth, "width": width, "gate_bias": gate_bias, "seed": seed}

ratio = {k: first[k] / data["per_layer"][-1][k] for k in KINDS}
state = "nearly shut" if gate0 < 0.1 else "wide open" if gate0 > 0.75 else "partly open"
if ratio["highway"] >= 1e-2:
    gate_text = (
        f"Here the gate starts {state} (T ≈ {gate0:.3f} in layer 1), so each highway layer is close to the identity "
        "and the gradient is carried down to the input. Push the gate bias up and watch the highway curve fall "
        "toward the plain one."
    )
else:
    gate_text = (
        f"Here the gate starts {state} (T ≈ {gate0:.3f} in layer 1), so each layer carries its input with weight "
        f"only 1 − T ≈ {1 - gate0:.2f} and passes the rest through the squashing transform; over {depth} layers the "
        "gradient fades. This is why Srivastava et al. start deeper networks with more negative gate biases."
    )
st.markdown(
    f"From the output back to the input the gradient norm changes by a factor of **{lab.fmt(ratio['plain'])}** in "
    f"the plain stack, **{lab.fmt(ratio['highway'])}** in the highway stack and **{lab.fmt(ratio['residual'])}** in "
    f"the residual stack. {gate_text} Each residual layer multiplies the gradient by `I + ∂H/∂x`. That is not a "
    "guarantee of at least 1 (the *Residual math* page finds blocks whose Jacobian shrinks some direction); here the "
    f"product of these factors is **{lab.fmt(ratio['residual'])}** from output to input, and with H at full size "
    "(no α scaling it down) such a product can grow."
)
lab.claims(declared.AT_INIT, data, at_init_args)

# -- 2. T = 1 is not the residual ----------------------------------------------------------------------------------
st.subheader("2. A residual is not the highway with T = 1")
st.markdown(
    "The reference text says a residual is the highway with *T(x) = 1 always*. Put T = 1 into the highway formula "
    "and the carry term `(1 − T)·x` disappears: **y = H(x), a plain layer with no skip at all**. A residual keeps "
    "*both* paths fully open, transform 1 **and** carry 1. The highway's gates are coupled (T and 1 − T always add "
    "up to 1), so no setting of T gives that. Uncouple them and both layers appear as special cases:"
)
st.latex(r"y = T(x)\odot H(x) + C(x)\odot x")
st.latex(
    r"T = C = 1 \;\Rightarrow\; y = x + H(x)\ \text{(residual)},\qquad "
    r"T = 1,\ C = 0 \;\Rightarrow\; y = H(x)\ \text{(plain)}"
)
check = lab.compute(declared.GATE_CHECK, width=width, seed=seed)
check_df = pd.DataFrame(check["rows"]).rename(
    columns={
        "layer": "layer (gates pinned)",
        "t": "T",
        "c": "C",
        "diff_plain": "max |y − plain|",
        "diff_residual": "max |y − residual|",
        "diff_identity": "max |y − x|",
    }
)
st.dataframe(check_df, hide_index=True, width="stretch")
k1, k2 = st.columns(2)
k1.metric("T = C = 1 equals the residual bit for bit", "yes" if check["exact_residual"] else "no")
k2.metric("T = 1, C = 0 equals the plain layer bit for bit", "yes" if check["exact_plain"] else "no")
st.caption(
    f"One layer of width {width}, seed {seed}, a seeded batch of 8 inputs, float32. The references are the text's "
    "own blocks: plain = `Sequential(Linear, Tanh)`, residual = `ResidualBlock(Sequential(Linear, Tanh))`, with the "
    "same Linear. A 0 means equal to the last bit."
)
lab.claims(declared.GATE_CHECK, check, {"width": width, "seed": seed})
lab.csv_download(check_df, f"highway-gates-check-width{width}-seed{seed}")
lab.code_panel([declared.GATE_CHECK.func, *declared.GATE_CHECK.code])

# -- 3. training side by side ---------------------------------------------------------------------------------------
st.subheader("3. Training, side by side")
st.markdown(
    f"Plain, highway and residual stacks of width {HIGHWAY_TRAIN_WIDTH} (same initial transforms, the gate bias "
    "above) with a linear readout learn a synthetic regression task: `y = v·tanh(2Wx)`, a fixed random teacher, "
    f"scaled so that a loss of 1 means *learned nothing*. Adam (learning rate {HIGHWAY_TRAIN_LR:g}), a fresh "
    f"minibatch of {HIGHWAY_TRAIN_BATCH} points every step, mean squared error."
)
t1, t2 = st.columns(2)
layers = lab.slider(HIGHWAY_TRAIN["layers"], container=t1)
steps = lab.slider(HIGHWAY_TRAIN["steps"], container=t2)
train_args = {"layers": layers, "steps": steps, "gate_bias": gate_bias, "seed": seed}
trained = lab.cached_result(declared.TRAINED, **train_args)
if trained is None:
    offer = st.empty()  # the offer to train disappears once the result is there
    with offer.container():
        st.info(
            "This run has not been trained on this server yet. Training takes a few seconds; afterwards everyone "
            "who opens this link sees the result at once.",
            icon=":material/hourglass_empty:",
        )
        clicked = st.button("Train the three networks", icon=":material/play_arrow:", type="primary")
    if clicked:
        trained = lab.compute_with_progress(declared.TRAINED, label="Training…", **train_args)
        offer.empty()
if trained is not None:
    test = trained["test"]
    n1, n2, n3 = st.columns(3)
    n1.metric("Held-out loss, plain", f"{test['plain']:.3f}")
    n2.metric("Held-out loss, highway", f"{test['highway']:.3f}")
    n3.metric("Held-out loss, residual", f"{test['residual']:.3f}")
    lab.figure(declared.TRAINED, "training", trained)
    best = min(test, key=test.get)
    first_loss = trained["curves"][0]
    lines = [
        f"After {steps} steps the held-out loss is {test['plain']:.3f} (plain), {test['highway']:.3f} (highway) and "
        f"{test['residual']:.3f} (residual); lowest: **{best}**."
    ]
    if first_loss["residual"] > max(first_loss["plain"], first_loss["highway"]):
        lines.append(
            f"The residual stack starts higher ({first_loss['residual']:.2f} against {first_loss['plain']:.2f}): "
            "every layer adds to x, so its initial output is large and must first be brought down."
        )
    st.markdown(" ".join(lines))
    lab.claims(declared.TRAINED, trained, train_args, seeds=lab.ON_DEMAND, run="training")
