"""Vanishing and exploding products (reference text, sections 3.1 and 3.8).

Computed by residual_core/experiments/vanishing.py, declared (figures, code) in residual_core/catalog/vanishing.py.
"""

import streamlit as st

import lab
from residual_core.bounds import Bound
from residual_core.catalog import vanishing as declared
from residual_core.experiments.vanishing import PRODUCTS_NETWORK_ALPHA, PRODUCTS_NETWORK_WIDTH, exact_product
from residual_core.options import PRODUCTS, TRAINING_EXPERIMENT

AXIS = Bound.choice("axis", ("log", "linear"), "log", label="Vertical axis")
INIT_COUNT_DEPTH = 150

lab.page("vanishing")
st.markdown(
    "Backpropagation multiplies one factor per layer. If each factor is a little below 1 the product **vanishes**; "
    "a little above 1 and it **explodes**. Move the factor and the depth and watch the product."
)

# -- controls -----------------------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([3, 3, 2])
factor = lab.slider(PRODUCTS["factor"], container=c1)
depth = lab.slider(PRODUCTS["depth"], container=c2)
axis = lab.choice(AXIS, container=c3)
log_y = axis == "log"

# -- one call into residual_core (cached) -------------------------------------------------------------------------
c4, c5, _ = st.columns([3, 2, 3])
init = lab.choice(PRODUCTS["init"], container=c4)
seed = lab.number(PRODUCTS["seed"], container=c5)
settings = {"factor": factor, "depth": depth, "init": init, "seed": seed}
data = lab.compute(declared.PRODUCTS, **settings)
lab.ask(declared.PRODUCTS.question, settings, data)  # predict, then reveal: what lies below waits for the reveal
p09 = exact_product(0.9, 100)
p11 = exact_product(1.1, 100)
chosen = exact_product(factor, depth)

# -- metrics -------------------------------------------------------------------------------------------------------
m1, m2, m3 = st.columns(3)
m1.metric("0.9¹⁰⁰", lab.fmt(p09.value), help=f"log₁₀ = {p09.log10:.4f}")
m2.metric("1.1¹⁰⁰", lab.fmt(p11.value), help=f"log₁₀ = {p11.log10:.4f}")
m3.metric(f"{factor:g}^{depth}", lab.fmt(chosen.value), help=f"log₁₀ = {chosen.log10:.4f}")
mantissa, _, exponent = chosen.text.partition("e")
power = rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa
st.latex(
    r"\frac{\partial \mathcal{L}}{\partial x_0} = \frac{\partial \mathcal{L}}{\partial x_L}\,"
    r"J_L\,J_{L-1}\cdots J_1,\qquad J_l = \frac{\partial x_l}{\partial x_{l-1}}"
)
st.caption("Gradients as row vectors: the last layer's Jacobian J_L comes first, the first layer's J_1 last.")
st.latex(rf"{factor:g}^{{{depth}}} = {power}")

# -- chart 1: the running product ---------------------------------------------------------------------------------
st.subheader("The running product")
lab.figure(declared.PRODUCTS, "running-product", data, log_y=log_y)

# -- chart 2: a real network --------------------------------------------------------------------------------------
st.subheader("A real network")
fit_plain, fit_res = data["fit"]["plain"], data["fit"]["residual"]
init_name = declared.INIT_NAMES[init]
st.markdown(
    f"A plain tanh network of **{depth}** layers (width {PRODUCTS_NETWORK_WIDTH}, {init_name} initialisation, seed "
    f"{seed}) and its residual twin with the same weights, `x + {PRODUCTS_NETWORK_ALPHA}·tanh(Wx + b)`. The loss is "
    "`output.sum()`; the chart shows the gradient norm at the input of every layer (layer 0 is the network's input), "
    "computed in float64."
)
n1, n2, n3 = st.columns(3)
n1.metric("Gradient at the input, plain", lab.fmt(data["measured"][0]["plain"]))
n2.metric("Gradient at the input, residual", lab.fmt(data["measured"][0]["residual"]))
n3.metric(
    "Fitted factor per layer, plain",
    f"{fit_plain['rate']:.3f}",
    help="Least-squares fit of log₁₀(gradient norm) against the number of layers between it and the output. "
    f"Residual: {fit_res['rate']:.3f}.",
)
lab.figure(declared.PRODUCTS, "gradients", data, log_y=log_y)
lab.claims(declared.PRODUCTS, data, settings)
st.latex(
    r"\text{plain: } J_l = \operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l,\qquad "
    r"\text{residual: } J_l = I + \alpha\,\operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l"
)
trend = "shrinks" if fit_plain["rate"] < 1 else "grows"
st.markdown(
    f"Going backwards, each plain layer here multiplies the gradient by **{fit_plain['rate']:.3f}** on average "
    f"(fitted), so over {depth} layers it {trend} like {fit_plain['rate']:.3f}^L. How much a plain layer shrinks or "
    "stretches the gradient is set by `diag(tanh′)·W`: tanh′ is at most 1, so only the weights `W` can stretch it, "
    "and small weights shrink it. Each residual layer's Jacobian is `I + α·diag(tanh′)·W`: with a small α it stays "
    f"close to the identity (fitted factor here **{fit_res['rate']:.4f}**)."
)

# -- depth or initialisation? -------------------------------------------------------------------------------------
st.subheader("Is it the depth, or the initialisation?")
st.markdown(
    "PyTorch's default `nn.Linear` draws weights uniformly from ±1/√fan_in: variance **1/(3·fan_in)**, a third of "
    "the 1/fan_in of LeCun's and Xavier's initialisation for these square 64 × 64 layers. Weights that small shrink "
    "the signal and the gradient at a tanh layer, so much of the vanishing above is the initialisation, not depth "
    "alone. Below, the same network with each of the four initialisations (same depth and seed; all but "
    "the default start with zero biases)."
)
compare = lab.compute_with_progress(declared.INIT_COMPARE, label="Four initialisations…", depth=depth, seed=seed)
left, right = st.columns(2)
with left:
    lab.figure(declared.INIT_COMPARE, "plain", compare, log_y=log_y)
with right:
    lab.figure(declared.INIT_COMPARE, "residual", compare, log_y=log_y)
# Four networks per seed: seeds 0-4 are counted at once up to INIT_COUNT_DEPTH layers, on request beyond.
counting = True if depth <= INIT_COUNT_DEPTH else lab.ON_DEMAND
lab.claims(declared.INIT_COMPARE, compare, {"depth": depth, "seed": seed}, seeds=counting)
st.markdown(
    "He initialisation (variance 2/fan_in) is made for ReLU, which zeroes half of its inputs; on these square tanh "
    "layers it has twice Xavier's variance (plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ here: "
    f"{declared.share(compare['kept']['he']['plain'])}). A gradient that does not vanish is not the whole story "
    "either: He et al. (2016) found that deeper *plain* networks trained to a higher training error than shallower "
    "ones even though normalisation kept their gradients from vanishing (the *degradation problem*). The training "
    "lab's depth sweep lets you try it "
    "with Xavier initialisation:"
)
lab.page_link(
    "training",
    label="Training lab: plain vs residual by depth, Xavier initialisation",
    icon=":material/model_training:",
    **{TRAINING_EXPERIMENT.name: "depth", "init": "xavier", "max_depth": "64"},
)
