"""Residual math (reference text, sections 3.2, 3.3 and 3.5; exercises 2 and 3).

Computed by residual_core/experiments/{residual_math,preservation,jacobian}.py, declared (figures, code) in
residual_core/catalog/residual_math.py.
"""

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import residual_math as declared
from residual_core.options import MATH_NETWORK, PRESERVATION, RESIDUAL_1D

lab.page("residual-math")
st.markdown(
    "A residual block computes **y = x + F(x)**: the input is passed on unchanged and the block only adds a "
    "correction. Five views of what that buys, each computed live."
)

# =================================================================================================================
st.header("1 · y = x + R(x) in one dimension")
c1, c2, c3 = st.columns([2, 3, 3])
g = lab.choice(RESIDUAL_1D["g"], container=c1)
a = lab.slider(RESIDUAL_1D["a"], container=c2)
w = lab.slider(RESIDUAL_1D["w"], container=c3)
one = lab.compute(declared.ONE_D, g=g, a=a, w=w)
lab.ask(declared.ONE_D.question, {"g": g, "a": a, "w": w}, one)  # predict, then reveal
g_prime = {"sin": r"\cos(wx)", "tanh": r"(1 - \tanh^2(wx))", "relu": r"\mathbb{1}[wx > 0]"}[g]
st.latex(
    rf"R(x) = a\,\mathrm{{{g}}}(w x),\qquad y = x + R(x),\qquad \frac{{dy}}{{dx}} = 1 + R'(x) = 1 + a w\,{g_prime}"
)
m1, m2, m3 = st.columns(3)
m1.metric("Smallest dy/dx on the plot", f"{one['min_dy']:.3f}")
m2.metric("Share of x with dy/dx < 1", f"{one['share_below_one']:.0%}")
m3.metric("Share of x with dy/dx < 0", f"{one['share_negative']:.0%}")
lab.figure(declared.ONE_D, "curves", one)
lab.claims(declared.ONE_D, one, {"g": g, "a": a, "w": w})
below = (
    "nowhere on this plot"
    if not one["below_one"]
    else f"on the shaded {one['share_below_one']:.0%} of the plot (dashed line: dy/dx = 1)"
)
st.markdown(
    f"The text says the derivative of x + R(x) is *at least 1*. It is **1 + R′(x)**, which is at least 1 only where "
    f"R′(x) ≥ 0. Here it drops below 1 {below}: there the block squeezes nearby inputs together, and a gradient "
    "passing back through it is multiplied by less than 1. "
    + (
        f"On {one['share_negative']:.0%} of the plot it is even negative: y runs backwards, so different inputs "
        "land on the same output and the gradient flips sign. "
        if one["share_negative"] > 0
        else ""
    )
    + "What the skip path really guarantees is that the derivative is 1 **plus** the branch's slope: close to 1 "
    "whenever |R′| is small, and 0 only where R′ reaches −1 (here the smallest value of 1 + R′ is "
    f"{one['min_dy']:.3f}). A plain layer's derivative is R′ alone, which is small exactly when the branch's slope "
    "is."
)

# =================================================================================================================
st.header("2 · The unrolled sum")
st.caption("The network below is shared by sections 2, 4 and 5 (and its seed by section 3).")
n1, n2, n3, n4, n5 = st.columns([3, 3, 3, 4, 2])
layers = lab.slider(MATH_NETWORK["layers"], container=n1)
width = lab.slider(MATH_NETWORK["width"], container=n2)
alpha = lab.slider(MATH_NETWORK["alpha"], container=n3)
activation = lab.choice(MATH_NETWORK["activation"], container=n4)
seed = lab.number(MATH_NETWORK["seed"], container=n5)
net_args = {"layers": layers, "width": width, "alpha": alpha, "activation": activation, "seed": seed}

unrolled = lab.compute(declared.UNROLLED, **net_args)
st.latex(
    r"x_{l+1} = x_l + F_l(x_l)\quad\Longrightarrow\quad x_L = x_0 + \sum_{i=0}^{L-1} F_i(x_i),"
    rf"\qquad F_i(x) = {alpha:g}\cdot\mathrm{{{activation}}}(W_i x + b_i)"
)
u1, u2, u3, u4 = st.columns(4)
u1.metric("‖x₀‖ (input)", f"{unrolled['input_norm']:.4g}")
u2.metric("‖x_L‖ (output)", f"{unrolled['output_norm']:.4g}")
u3.metric("max |x_L − (x₀ + Σ Fᵢ)|, float32", lab.fmt(unrolled["max_abs_diff_float32"], 3))
u4.metric("… in float64", lab.fmt(unrolled["max_abs_diff_float64"], 3))
lab.figure(declared.UNROLLED, "norms", unrolled)
lab.claims(declared.UNROLLED, unrolled, net_args)
sum_of_norms = unrolled["per_layer"][-1]["sum_block_norms"]
st.markdown(
    f"The output is the input plus {layers} added terms, each computed from its branch alone. The check adds them up "
    "separately and compares with the forward pass: in float32 they differ by "
    f"{unrolled['max_abs_diff_float32'] / unrolled['float32_spacing']:.1f} rounding steps at the output's largest "
    f"entry (one step: {unrolled['float32_spacing']:.1e}). "
    + (
        "The terms partly cancel: "
        if unrolled["distance_from_input"] < 0.9 * sum_of_norms
        else "The terms point mostly the same way: "
    )
    + f"‖x_L − x₀‖ = {unrolled['distance_from_input']:.4g}, while the sum of their norms is "
    f"{sum_of_norms:.4g}. Because x₀ appears in x_L with coefficient 1, "
    "∂x_L/∂x₀ = I + Σᵢ ∂Fᵢ(xᵢ)/∂x₀: the gradient always has a direct path to the input (the sum beside it can "
    "still add to it or take from it: section 4)."
)

# =================================================================================================================
st.header("3 · Information preservation (section 3.5)")
p1, p2, p3 = st.columns(3)
depth = lab.slider(PRESERVATION["depth"], container=p1)
shrink = lab.slider(PRESERVATION["shrink"], container=p2)
update = lab.slider(PRESERVATION["update"], container=p3)
pres = lab.compute(declared.PRESERVATION, depth=depth, shrink=shrink, update=update, seed=seed)
st.markdown(
    f"The text's experiment with seed {seed}: `x = torch.randn(1, 10, 512)`, then {depth} times `x ← {shrink:g}·x` "
    f"(no residual) and `x ← x + {update:g}·x` (residual)."
)
q1, q2, q3 = st.columns(3)
q1.metric("Input norm", f"{pres['input_norm']:.4f}")
q2.metric("Output norm, no residual", lab.fmt(pres["output_norm_plain"]))
q3.metric("Output norm, residual", lab.fmt(pres["output_norm_residual"]))
lab.figure(declared.PRESERVATION, "norms", pres)

vs = lab.compute(declared.PRESERVATION_VS_TEXT, seed=seed)
printed, computed = vs["printed"], vs["computed"]
st.subheader("Printed in the reference text / computed here")
st.caption(
    f"At the text's settings (depth {vs['settings']['depth']}, shrink {vs['settings']['shrink']}, "
    f"update {vs['settings']['update']}), seed {seed}, with the text's print formats."
)
st.table(
    pd.DataFrame(
        {
            "quantity": ["Input norm", "Output norm, no residual", "Output norm, residual"],
            "printed in the reference text": [
                f"{printed['input_norm']:.4f}",
                f"{printed['output_norm_plain']:.10f}",
                f"{printed['output_norm_residual']:.4f}",
            ],
            "computed here": [
                f"{computed['input_norm']:.4f}",
                f"{computed['output_norm_plain']:.10f}",
                f"{computed['output_norm_residual']:.4f}",
            ],
        }
    ).set_index("quantity")
)
st.markdown(
    f"""
Why they differ (every number below computed):

* **Input.** The tensor has 1·10·512 = {vs["n"]:,} entries, each with mean square 1, so its norm is about
  √{vs["n"]:,} = **{vs["sqrt_n"]:.2f}**; this draw gives {computed["input_norm"]:.2f}. The printed
  {printed["input_norm"]} squared is {vs["printed_input_squared"]:,.1f} = {vs["printed_elements_per_512"]:.1f} × 512:
  the norm of about 100 rows of 512 standard normals, not 10.
* **No residual.** Each step multiplies by {vs["settings"]["shrink"]}, so the output is exactly
  {vs["settings"]["shrink"]}^{vs["settings"]["depth"]} = **{vs["factor_plain"]:.4e}** times the input (this run's
  ratio: {vs["ratio_plain"]:.4e}). From the printed input that gives {vs["plain_from_printed_input"]:.4e}, not
  {printed["output_norm_plain"]:.3g}; the printed ratio {vs["printed_ratio_plain"]:.3e} would need
  {vs["plain_layers_implied"]:.1f} layers. (To the printed digits, {printed["output_norm_plain"]:.3g} is
  2⁻²⁴ = {vs["two_to_minus_24"]:.4e}, a float32 rounding-size number.)
* **Residual.** x + {vs["settings"]["update"]}·x = {1 + vs["settings"]["update"]:g}·x, so the output is
  {1 + vs["settings"]["update"]:g}^{vs["settings"]["depth"]} = **{vs["factor_residual"]:.4f}** times the input (this
  run: {vs["ratio_residual"]:.4f}). From the printed input that gives
  {1 + vs["settings"]["update"]:g}^{vs["settings"]["depth"]} × {printed["input_norm"]} =
  **{vs["residual_from_printed_input"]:.2f}**, not the printed {printed["output_norm_residual"]:.2f}: close
  ({abs(vs["printed_ratio_residual"] / vs["factor_residual"] - 1):.2%} apart) but not equal, so none of the three
  printed numbers is what this code computes from the printed input.
"""
)
lab.code_panel([declared.PRESERVATION_VS_TEXT.func, *declared.PRESERVATION_VS_TEXT.code])
st.markdown(
    f"An honest limit of this toy: both loops only **scale** x. The residual one is not a learned F(x); it multiplies "
    f"by {1 + update:g} per layer, so after {depth} layers the norm is "
    f"{pres['output_norm_residual'] / pres['input_norm']:.4g} times the input — it grows (or, with a negative "
    "update, shrinks) geometrically too. What the skip path buys is that the per-layer factor is 1 + (small), "
    "not (small)."
)

# =================================================================================================================
st.header("4 · The Jacobian view")
jac = lab.compute(declared.JACOBIAN, **net_args)
st.latex(
    r"\frac{\partial x_L}{\partial x_0} = J_L \cdots J_1,\qquad "
    r"J_l^{\text{plain}} = \mathrm{diag}(\phi'(h_l))\,W_l,\qquad "
    r"J_l^{\text{residual}} = I + \alpha\,\mathrm{diag}(\phi'(h_l))\,W_l"
)
st.caption(f"φ is the activation ({activation}), h_l = W_l x_(l−1) + b_l its input.")
last = jac["per_layer"][-1]
j1, j2, j3 = st.columns(3)
j1.metric("Smallest singular value, plain", lab.fmt(last["plain_min"], 3))
j2.metric("Smallest singular value, residual", lab.fmt(last["residual_min"], 3))
j3.metric("Residual blocks with a singular value < 1", f"{jac['blocks_below_one']} of {layers}")
lab.figure(declared.JACOBIAN, "spectrum", jac)
lab.figure(declared.JACOBIAN, "per-layer", jac)
lab.claims(declared.JACOBIAN, jac, net_args)
st.caption("Band: smallest to largest singular value of ∂x_l/∂x₀ after l layers; line: the median.")
resolution = (
    f" The plain stack's smallest values lie below float64's resolution for this matrix "
    f"(ε·σ_max = {jac['resolution_plain']:.1e}): they are 0 to working precision."
    if last["plain_min"] < jac["resolution_plain"] * 1e3
    else ""
)
st.markdown(
    f"Each plain layer multiplies by diag(φ′)·W; {jac['plain_layer_share_below_one']:.0%} of these layers' singular "
    "values are below 1 here"
    + (", so the product's spectrum collapses" if last["plain_max"] < 1e-2 else "")
    + f": after {layers} layers it spans {lab.fmt(last['plain_min'], 2)} to {lab.fmt(last['plain_max'], 2)}."
    f"{resolution} The residual stack keeps it between {last['residual_min']:.3g} and {last['residual_max']:.3g}. "
    'In matrix form "at least 1" does **not** hold: a residual block\'s Jacobian I + A has a singular value below 1 '
    "as soon as it shortens some vector v, i.e. 2vᵀAv + ‖Av‖² < 0. Here "
    f"{jac['blocks_below_one']} of {layers} blocks have one (smallest: {jac['smallest_block_sigma']:.4f}). "
    f"What holds is σ_min(I + A) ≥ 1 − ‖A‖₂ (here at least {jac['smallest_lower_bound']:.4f}): with a small branch "
    "every factor stays close to 1, and a product of factors close to 1 drifts far more slowly than one of small "
    "factors collapses."
)

# =================================================================================================================
st.header("5 · Multiplication instead of addition (exercise 3)")
mult = lab.compute(declared.MULTIPLICATIVE, **net_args)
st.latex(
    rf"\text{{residual: }} x_{{l+1}} = x_l + {alpha:g}\,F(x_l)\qquad"
    r"\text{multiplicative: } x_{l+1} = x_l \odot F(x_l)"
)
st.caption(
    f"Same branch F(x) = {activation}(Wx + b) and the same weights in both; one seeded input, loss output.sum()."
)
lab.figure(declared.MULTIPLICATIVE, "forward", mult)
lab.figure(declared.MULTIPLICATIVE, "gradient", mult)
lab.claims(declared.MULTIPLICATIVE, mult, net_args)
zeros = (
    f" {mult['zero_share']:.0%} of the output's entries are exactly 0, and a 0 stays 0 in every later layer."
    if mult["zero_share"] > 0
    else ""
)
st.markdown(
    f"Multiplying makes every layer a **factor** again: ‖x‖ changes by about ×{mult['rate_multiplicative']:.3g} per "
    f"layer here (residual: ×{mult['rate_additive']:.4g}), so depth compounds into vanishing (|F| < 1) or exploding "
    "(|F| > 1) — the problem the skip connection was meant to remove. The easy identity is gone too: x ⊙ F(x) = x "
    "needs F(x) = 1 for every x, while x + F(x) = x only needs the branch to output 0."
    f"{zeros} The gradient ∂y/∂x = diag(F(x)) + diag(x)·∂F/∂x shrinks with F and with x."
)
