"""Gradient flow (reference text, section 3.8; exercises 5 and 8).

Computed by residual_core/experiments/gradient_flow.py, declared (figures, code) in
residual_core/catalog/gradient_flow.py.
"""

import pandas as pd
import streamlit as st

import lab
from residual_core.catalog import gradient_flow as declared
from residual_core.experiments.gradient_flow import DEPTH_ALPHA_DEPTHS, TEXT_SETTINGS, cell
from residual_core.options import GRADIENT_FLOW, TRAINING_EXPERIMENT

lab.page("gradient-flow")
st.markdown(
    "The reference text's `DeepNetwork`: a stack of `Linear(width, width)` layers, either plain `x ← act(Wx + b)` or "
    "residual `x ← x + α·act(Wx + b)`. Both networks are built from the same seed, so they have **the same "
    "weights**: the skip path is the only difference. The loss is `output.sum()`; gradient norms are computed in "
    "float64. The weights' initialisation is a control too: PyTorch's default `nn.Linear` draws them with a third "
    "of LeCun's variance for these square layers, and much of the vanishing at this scale comes from that."
)

c1, c2, c3 = st.columns(3)
depth = lab.slider(GRADIENT_FLOW["depth"], container=c1)
width = lab.slider(GRADIENT_FLOW["width"], container=c2)
alpha = lab.slider(GRADIENT_FLOW["alpha"], container=c3)
c4, c5, c6 = st.columns([4, 4, 2])
activation = lab.choice(GRADIENT_FLOW["activation"], container=c4)
init = lab.choice(GRADIENT_FLOW["init"], container=c5)
seed = lab.number(GRADIENT_FLOW["seed"], container=c6)
args = {"depth": depth, "width": width, "alpha": alpha, "activation": activation, "init": init, "seed": seed}

flow = lab.compute(declared.FLOW, **args)
lab.ask(declared.FLOW.question, args, flow)  # predict, then reveal
spread = lab.compute_with_progress(declared.SEEDS, label="Running 5 seeds…", **args)

# =================================================================================================================
st.header("1 · Section 3.8, live")
m1, m2, m3 = st.columns(3)
m1.metric("Gradient norm at the input, plain", lab.fmt(flow["input_grad_norm"]["plain"]))
m2.metric("Gradient norm at the input, residual", lab.fmt(flow["input_grad_norm"]["residual"]))
m3.metric("Ratio residual / plain", lab.fmt(flow["ratio"], 3))
lab.claims(declared.FLOW, flow, args)

vs = lab.compute_with_progress(declared.VS_TEXT, label="Running 5 seeds…", seed=seed)
printed, computed, rng = vs["printed"], vs["computed"], vs["range"]
st.subheader("Printed in the reference text / computed here")
settings = TEXT_SETTINGS
st.caption(
    f"At the text's settings (depth {settings['depth']}, width {settings['width']}, α = {settings['alpha']}, "
    f"{settings['activation']}, PyTorch's default initialisation as in the text), seed {seed}; range over seeds "
    f"{vs['seeds'][0]}–{vs['seeds'][-1]}. This table does not move with the controls above."
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

lab.code_panel([declared.VS_TEXT.func, *declared.VS_TEXT.code])

# =================================================================================================================
st.header("2 · Gradient magnitude at every layer (exercise 8)")
lab.figure(declared.SEEDS, "per-layer", spread)
output_grad = flow["per_layer"][-1]["plain"]
st.markdown(
    f"Line: seed {seed}. Band: smallest to largest over seeds {spread['seeds'][0]}–{spread['seeds'][-1]} (each seed "
    "draws new weights and a new input). Layer 0 is the network's input, layer "
    f"{depth} its output, where the gradient of `output.sum()` is a vector of ones with norm √{width} = "
    f"{output_grad:.4g}. Reading right to left is reading backpropagation: each plain layer "
    "multiplies the gradient by its Jacobian diag(act′)·W, each residual layer by I + α·diag(act′)·W."
)

# =================================================================================================================
st.header("3 · Activations through the layers (exercise 5)")
acts = lab.compute(declared.ACTIVATIONS, **args)
st.markdown("**How large the activations are**")
lab.figure(declared.ACTIVATIONS, "rms", acts)
st.markdown("**How much they still depend on the input**")
lab.figure(declared.ACTIVATIONS, "spread", acts)
at_layer = {(row["network"], row["layer"]): row for row in acts["per_layer"]}
last = {name: at_layer[name, depth] for name in ("plain", "residual")}
first = {name: at_layer[name, 0] for name in ("plain", "residual")}
kept = last["plain"]["rms"] > 10 * last["plain"]["input_spread"]  # far from 0, yet input-independent
st.markdown(
    f"{acts['batch']} seeded inputs go through both networks. First chart: the activations' size. After {depth} plain "
    f"layers their RMS is {last['plain']['rms']:.3g} (input: {first['plain']['rms']:.3g}; residual: "
    f"{last['residual']['rms']:.3g})"
    + (": far from zero, but (second chart) nearly all of it is the same vector for every input. " if kept else ". ")
    + "Second chart: the standard deviation *across the inputs* (RMS over features), i.e. how different the "
    f"{acts['batch']} inputs still look after each layer. It goes from {first['plain']['input_spread']:.3g} "
    f"to {last['plain']['input_spread']:.3g} in the plain stack (residual: "
    f"{last['residual']['input_spread']:.3g}). Where it collapses, the output hardly depends on the input any more: "
    "the vanishing gradient of section 2, seen forwards."
)
lab.claims(declared.ACTIVATIONS, acts, args)

# =================================================================================================================
st.header("4 · Depth × α")
grid_args = {"width": width, "activation": activation, "init": init, "seed": seed}
grid = lab.compute_with_progress(declared.DEPTH_ALPHA, label="Depth × α grid…", **grid_args)
lab.figure(declared.DEPTH_ALPHA, "heatmap", grid)
lab.claims(
    declared.DEPTH_ALPHA, grid, grid_args, seeds=lab.ON_DEMAND, run="grid"
)  # a grid per seed: counted on request
ident = [cell(grid, "residual", d, 0.0) for d in DEPTH_ALPHA_DEPTHS]
deepest = max(DEPTH_ALPHA_DEPTHS)
st.markdown(
    f"Gradient norm at the input (width {width}, {activation}, {init} init, seed {seed}; the grid does not move with "
    "the depth and "
    f"α sliders). Colour: blue above, orange below √{width} = {grid['identity_norm']:.4g}, the gradient at the "
    f"output. At α = 0 the network is the identity and every depth passes exactly that on (computed: "
    f"{min(ident):.6g}" + (f" to {max(ident):.6g}" if max(ident) != min(ident) else " at every depth") + "). "
    f"At depth {deepest}: α = 0.1 gives {cell(grid, 'residual', deepest, 0.1):.3g}, α = 1 gives "
    f"{cell(grid, 'residual', deepest, 1.0):.3g}, the plain network {cell(grid, 'plain', deepest):.2g}. "
    "Each residual layer multiplies the "
    "gradient by I + α·diag(act′)·W: the larger α, the further each factor is from the identity, and over many "
    "layers a factor a little above 1 compounds just as one below 1 does — which is why deep residual stacks keep "
    "the branch small (small α, careful initialisation, normalisation). The identity path gives the gradient a route "
    "around every layer, but it does not cap it: it can explode."
)
st.markdown(
    "And a gradient that neither vanishes nor explodes is not enough for a deep plain network to train well: "
    "He et al. (2016) saw deeper plain networks reach a *higher training error* than shallower ones although "
    "normalisation kept their gradients alive. Try it in the training lab with Xavier initialisation, where the "
    "plain network's gradient does not vanish:"
)
lab.page_link(
    "training",
    label="Training lab: plain vs residual by depth, Xavier initialisation",
    icon=":material/model_training:",
    **{TRAINING_EXPERIMENT.name: "depth", "init": "xavier", "max_depth": "64"},
)
