"""Gradient flow (reference text, section 3.8; exercises 5 and 8)."""

import math

import pandas as pd
import streamlit as st

import lab
from residual_core import gradient_flow, gradients, networks
from residual_core.bounds import DEPTH_ALPHA_ALPHAS, DEPTH_ALPHA_DEPTHS, GRADIENT_FLOW

lab.page("gradient-flow")
st.markdown(
    "The reference text's `DeepNetwork`: a stack of `Linear(width, width)` layers, either plain `x ← act(Wx + b)` or "
    "residual `x ← x + α·act(Wx + b)`. Both networks are built from the same seed, so they have **the same "
    "weights**: the skip path is the only difference. The loss is `output.sum()`; gradient norms are computed in "
    "float64."
)

c1, c2, c3, c4, c5 = st.columns([3, 3, 3, 4, 2])
depth = lab.slider(GRADIENT_FLOW["depth"], container=c1)
width = lab.slider(GRADIENT_FLOW["width"], container=c2)
alpha = lab.slider(GRADIENT_FLOW["alpha"], container=c3)
activation = lab.choice(GRADIENT_FLOW["activation"], container=c4)
seed = lab.number(GRADIENT_FLOW["seed"], container=c5)
args = {"depth": depth, "width": width, "alpha": alpha, "activation": activation, "seed": seed}
tag = f"depth{depth}-w{width}-a{alpha:g}-{activation}-s{seed}"

flow = lab.compute(gradient_flow.gradient_flow_experiment, **args)
spread = lab.compute_with_progress(gradient_flow.gradient_seed_spread, label="Running 5 seeds…", **args)

# =================================================================================================================
st.header("1 · Section 3.8, live")
m1, m2, m3 = st.columns(3)
m1.metric("Gradient norm at the input, plain", lab.fmt(flow["input_grad_norm"]["plain"]))
m2.metric("Gradient norm at the input, residual", lab.fmt(flow["input_grad_norm"]["residual"]))
m3.metric("Ratio residual / plain", lab.fmt(flow["ratio"], 3))

text_spread = lab.compute_with_progress(
    gradient_flow.gradient_seed_spread, label="Running 5 seeds…", **gradient_flow.TEXT_SETTINGS, seed=seed
)
vs = gradient_flow.gradient_flow_vs_text(text_spread, seed)
printed, computed, rng = vs["printed"], vs["computed"], vs["range"]
st.subheader("Printed in the reference text / computed here")
settings = gradient_flow.TEXT_SETTINGS
st.caption(
    f"At the text's settings (depth {settings['depth']}, width {settings['width']}, α = {settings['alpha']}, "
    f"{settings['activation']}), seed {seed}; range over seeds {vs['seeds'][0]}–{vs['seeds'][-1]}."
)
st.table(
    pd.DataFrame(
        {
            "quantity": ["Gradient norm at input, without residuals", "… with residuals", "Ratio"],
            "printed in the reference text": [
                f"{printed['plain']:.8f}",
                f"{printed['residual']:.4f}",
                f"{printed['ratio']:.0f}x",
            ],
            f"computed here (seed {seed})": [
                f"{computed['plain']:.8f} ({computed['plain']:.3e})",
                f"{computed['residual']:.4f}",
                f"{computed['ratio']:.0f}x",
            ],
            f"range over seeds {vs['seeds'][0]}–{vs['seeds'][-1]}": [
                f"{rng['plain'][0]:.2e} – {rng['plain'][1]:.2e}",
                f"{rng['residual'][0]:.4f} – {rng['residual'][1]:.4f}",
                f"{rng['ratio'][0]:.2e} – {rng['ratio'][1]:.2e}",
            ],
        }
    ).set_index("quantity")
)
rounds = (
    f" Printed with the text's `:.8f`, this run's plain value would read {computed['plain']:.8f}."
    if f"{computed['plain']:.8f}" != f"{printed['plain']:.8f}"
    else ""
)
outside = vs["printed_plain_outside"]
where = (
    f"the printed {printed['plain']:.8f} lies inside that range"
    if outside == 0
    else f"the printed {printed['plain']:.8f} lies {abs(outside):.1f} orders of magnitude "
    f"{'above' if outside > 0 else 'below'} it, so these seeds show no draw near it"
)
st.markdown(
    "The text's weights are unseeded — and its two networks are drawn one after the other, so they do not even "
    f"share weights. How much does the draw matter? Over {len(vs['seeds'])} seeds the plain gradient spans "
    f"{vs['decades']:.1f} orders of magnitude ({rng['plain'][0]:.2e} to {rng['plain'][1]:.2e}) and the ratio "
    f"{rng['ratio'][0]:.2e} to {rng['ratio'][1]:.2e}; {where}. The printed ratio does fit the text's own residual "
    f"value: {printed['residual']} / {printed['ratio']} = {vs['implied_plain']:.4e}, which rounds to the printed "
    f"{printed['plain']:.8f}.{rounds}"
)

lab.code_panel([gradient_flow.gradient_flow_vs_text, gradient_flow.gradient_seed_spread])

# =================================================================================================================
st.header("2 · Gradient magnitude at every layer (exercise 8)")
per_layer = pd.DataFrame(flow["per_layer"])
band_rows = pd.DataFrame(spread["per_layer"])
band = pd.concat(
    [
        pd.DataFrame(
            {
                "layer": per_layer["layer"],
                "series": name,
                "grad_norm": per_layer[name],
                "seed_min": band_rows[f"{name}_min"],
                "seed_max": band_rows[f"{name}_max"],
            }
        )
        for name in ("plain", "residual")
    ],
    ignore_index=True,
)
lab.show_chart(
    lab.band_chart(
        band,
        x="layer",
        y="grad_norm",
        lo="seed_min",
        hi="seed_max",
        x_title="layer l (0 = network input)",
        y_title="‖∂loss/∂x_l‖",
    ),
    band,
    sources=[
        gradient_flow.gradient_flow_experiment,
        gradient_flow.gradient_seed_spread,
        gradients.gradient_profile,
        gradients.layer_input_grad_norms,
        networks.DeepNetwork,
    ],
    name=f"gradient-per-layer-{tag}",
)
st.markdown(
    f"Line: seed {seed}. Band: smallest to largest over seeds {spread['seeds'][0]}–{spread['seeds'][-1]} (each seed "
    "draws new weights and a new input). Layer 0 is the network's input, layer "
    f"{depth} its output, where the gradient of `output.sum()` is a vector of ones with norm √{width} = "
    f"{per_layer['plain'].iloc[-1]:.4g}. Reading right to left is reading backpropagation: each plain layer "
    "multiplies the gradient by its Jacobian diag(act′)·W, each residual layer by I + α·diag(act′)·W."
)

# =================================================================================================================
st.header("3 · Activations through the layers (exercise 5)")
acts = lab.compute(gradient_flow.activation_profile, **args)
act_rows = pd.DataFrame(acts["per_layer"])
st.markdown("**How large the activations are**")
lab.show_chart(
    lab.band_chart(
        act_rows.rename(columns={"network": "series"}),
        x="layer",
        y="rms",
        lo="sample_rms_min",
        hi="sample_rms_max",
        x_title="layer l",
        y_title="RMS of x_l (band: per-input min–max)",
        log_y=False,
    ),
    act_rows,
    sources=[gradient_flow.activation_profile],
    name=f"activations-rms-{tag}",
)
st.markdown("**How much they still depend on the input**")
lab.show_chart(
    lab.line_chart(
        act_rows.rename(columns={"network": "series"}),
        x="layer",
        y="input_spread",
        x_title="layer l",
        y_title="spread of x_l across inputs",
        log_y=True,
    ),
    act_rows,
    sources=[gradient_flow.activation_profile],
    name=f"activations-spread-{tag}",
)
last = act_rows[act_rows["layer"] == depth].set_index("network")
first = act_rows[act_rows["layer"] == 0].set_index("network")
kept = last.loc["plain", "rms"] > 10 * last.loc["plain", "input_spread"]  # far from 0, yet input-independent
lost = last.loc["plain", "input_spread"] < 0.01 * first.loc["plain", "input_spread"]
st.markdown(
    f"{acts['batch']} seeded inputs go through both networks. First chart: the activations' size. After {depth} plain "
    f"layers their RMS is {last.loc['plain', 'rms']:.3g} (input: {first.loc['plain', 'rms']:.3g}; residual: "
    f"{last.loc['residual', 'rms']:.3g})"
    + (f" — with biases a plain {activation} stack does not drive the activations to zero. " if kept else ". ")
    + "Second chart: the standard deviation *across the inputs* (RMS over features), i.e. how different the "
    f"{acts['batch']} inputs still look after each layer. It goes from {first.loc['plain', 'input_spread']:.3g} "
    f"to {last.loc['plain', 'input_spread']:.3g} in the plain stack (residual: "
    f"{last.loc['residual', 'input_spread']:.3g})."
    + (
        " That is what vanishes: every input is mapped to nearly the same point, so the output hardly depends on "
        "the input any more — the vanishing gradient of section 2, seen forwards."
        if lost
        else ""
    )
)

# =================================================================================================================
st.header("4 · Depth × α")
grid = lab.compute_with_progress(
    gradient_flow.depth_alpha_map, label="Depth × α grid…", width=width, activation=activation, seed=seed
)
cells = pd.DataFrame(grid["cells"])
cells["column"] = [
    ("plain" if n == "plain" else f"α = {a:g}") for n, a in zip(cells["network"], cells["alpha"], strict=True)
]
cells["label"] = [f"{g:.1e}" if g and (g < 0.01 or g >= 1000) else f"{g:.3g}" for g in cells["grad_norm"]]
columns = ["plain"] + [f"α = {a:g}" for a in DEPTH_ALPHA_ALPHAS]
lab.show_chart(
    lab.heatmap(
        cells,
        x="column",
        y="depth",
        color="log10",
        x_sort=columns,
        y_sort=list(DEPTH_ALPHA_DEPTHS),
        x_title="network (residual scale α)",
        y_title="depth",
        color_title="log₁₀ ‖∂loss/∂x₀‖",
        mid=math.log10(grid["identity_norm"]),
        text="label",
        height=360,
    ),
    cells.drop(columns=["column", "label"]),
    sources=[gradient_flow.depth_alpha_map],
    name=f"depth-alpha-w{width}-{activation}-s{seed}",
)
ident = cells[(cells["network"] == "residual") & (cells["alpha"] == 0.0)]["grad_norm"]
one = cells[(cells["network"] == "residual") & (cells["alpha"] == 1.0)].set_index("depth")["grad_norm"]
small = cells[(cells["network"] == "residual") & (cells["alpha"] == 0.1)].set_index("depth")["grad_norm"]
plain = cells[cells["network"] == "plain"].set_index("depth")["grad_norm"]
deepest = max(DEPTH_ALPHA_DEPTHS)
st.markdown(
    f"Gradient norm at the input (width {width}, {activation}, seed {seed}; the grid does not move with the depth and "
    f"α sliders). Colour: blue above, orange below √{width} = {grid['identity_norm']:.4g}, the gradient at the "
    f"output. At α = 0 the network is the identity and every depth passes exactly that on (computed: "
    f"{ident.min():.6g}" + (f" to {ident.max():.6g}" if ident.max() != ident.min() else " at every depth") + "). "
    f"At depth {deepest}: α = 0.1 gives {small.loc[deepest]:.3g}, α = 1 gives "
    f"{one.loc[deepest]:.3g}, the plain network {plain.loc[deepest]:.2g}. Each residual layer multiplies the "
    "gradient by I + α·diag(act′)·W: the larger α, the further each factor is from the identity, and over many "
    "layers a factor a little above 1 compounds just as one below 1 does — which is why deep residual stacks keep "
    "the branch small (small α, careful initialisation, normalisation)."
)
