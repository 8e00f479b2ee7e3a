"""Vanishing and exploding products (reference text, sections 3.1 and 3.8).

Computed by residual_core/experiments/vanishing.py, declared (figures, code) in residual_core/catalog/vanishing.py.
"""

import streamlit as st

import lab
from residual_core.bounds import PRODUCTS, PRODUCTS_NETWORK_ALPHA, PRODUCTS_NETWORK_WIDTH, Bound
from residual_core.catalog import vanishing as declared
from residual_core.experiments.vanishing import exact_product

AXIS = Bound.choice("axis", ("log", "linear"), "log", label="Vertical axis")

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
seed = PRODUCTS["seed"].default
log_y = axis == "log"

# -- one call into residual_core (cached) -------------------------------------------------------------------------
data = lab.compute(declared.PRODUCTS, factor=factor, depth=depth, seed=seed)
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
    r"\frac{\partial \mathcal{L}}{\partial x_0} = \frac{\partial \mathcal{L}}{\partial x_L}"
    r"\prod_{l=1}^{L} \frac{\partial x_l}{\partial x_{l-1}}"
)
st.latex(rf"{factor:g}^{{{depth}}} = {power}")

# -- chart 1: the running product ---------------------------------------------------------------------------------
st.subheader("The running product")
lab.figure(declared.PRODUCTS, "running-product", data, log_y=log_y)

# -- chart 2: a real network --------------------------------------------------------------------------------------
st.subheader("A real network behaves the same way")
fit_plain, fit_res = data["fit"]["plain"], data["fit"]["residual"]
st.markdown(
    f"A plain tanh network of **{depth}** layers (width {PRODUCTS_NETWORK_WIDTH}, seed {seed}) and its residual "
    f"twin with the same weights, `x + {PRODUCTS_NETWORK_ALPHA}·tanh(Wx + b)`. The loss is `output.sum()`; the chart "
    "shows the gradient norm at the input of every layer (layer 0 is the network's input), computed in float64."
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
lab.claims(declared.PRODUCTS, data, {"factor": factor, "depth": depth, "seed": seed})
st.latex(
    r"\text{plain: } \frac{\partial x_{l}}{\partial x_{l-1}} = "
    r"\operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l"
)
st.latex(
    r"\text{residual: } \frac{\partial x_{l}}{\partial x_{l-1}} = I + \alpha\,"
    r"\operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l"
)
st.markdown(
    f"Going backwards, each plain layer multiplies the gradient by about **{fit_plain['rate']:.3f}** on average: "
    "a tanh layer's Jacobian `diag(tanh′)·W` shrinks most directions, and the shrinking compounds like "
    f"{fit_plain['rate']:.3f}^L. Each residual layer's Jacobian is `I + α·diag(tanh′)·W`: the identity keeps the "
    f"factor near 1 (fitted **{fit_res['rate']:.3f}**), so the gradient reaches the first layer intact."
)
