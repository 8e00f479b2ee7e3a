"""Add & Norm in the transformer (reference text, sections 3.4, 3.6, 3.7 and the Post-LN / Pre-LN preview).

Computed by residual_core/experiments/add_norm.py, declared (figures, code) in residual_core/catalog/add_norm.py;
the layers are residual_core/models/transformer.py, the diagram residual_core/models/diagram.py.
"""

import streamlit as st

import lab
from residual_core.bounds import (
    ADD_NORM,
    ADD_NORM_BATCH,
    ADD_NORM_DROPOUT,
    ADD_NORM_SHAPE,
    ADD_NORM_TOKENS,
    VARIANTS,
    Bound,
)
from residual_core.catalog import add_norm as declared
from residual_core.models import diagram, transformer

VARIANT = Bound.choice("variant", VARIANTS, "post-ln", label="Arrangement")

lab.page("add-norm")
st.markdown(
    "Every transformer layer wraps each of its two sublayers, multi-head self-attention and the feed-forward "
    "network, in a residual connection followed by a LayerNorm: **Add & Norm**. Where the LayerNorm sits matters."
)

# -- 1. the layer, drawn from the model ----------------------------------------------------------------------------
st.subheader("1. One encoder layer")
c1, c2 = st.columns([3, 2])
variant = lab.choice(VARIANT, container=c1)
dropout = lab.slider(ADD_NORM_DROPOUT, container=c2, help="Dropout on each sublayer's output, before the add.")
formulas = {
    "post-ln": r"x \leftarrow \mathrm{LN}\bigl(x + \mathrm{Dropout}(\mathrm{Sublayer}(x))\bigr)",
    "pre-ln": r"x \leftarrow x + \mathrm{Dropout}\bigl(\mathrm{Sublayer}(\mathrm{LN}(x))\bigr)"
    r"\quad\text{(and one final LN after the last layer)}",
    "none": r"x \leftarrow \mathrm{LN}\bigl(\mathrm{Dropout}(\mathrm{Sublayer}(x))\bigr)\quad\text{(no add)}",
}
left, right = st.columns([2, 3])
with left:
    dot = lab.compute(diagram.encoder_diagram, variant=variant, layers=6, d_model=64, heads=4, dropout=dropout)
    st.graphviz_chart(dot, width="content")
with right:
    st.latex(formulas[variant])
    adds = dot.count('label="+"')
    st.markdown(
        {
            "post-ln": "**Post-LN** is the reference text's diagram and the original transformer's: add, then "
            "normalise. The residual stream itself passes through a LayerNorm twice per layer.",
            "pre-ln": "**Pre-LN** normalises only the sublayer's *input*; the stream `x` runs from the first "
            "layer to the last through nothing but additions, and one LayerNorm at the very end tidies it up.",
            "none": "**No residual**: the same sublayers and LayerNorms with both adds removed. Every layer must "
            "pass the whole signal, and the whole gradient, through its sublayers.",
        }[variant]
        + f" Residual adds per layer: **{adds}**."
    )
    st.caption(
        "The diagram is drawn by tracing the `forward` of the layer that `build_encoder` builds for this arrangement "
        "and dropout (6 layers, d_model 64, 4 heads), so it cannot disagree with the model the charts below measure."
    )
    lab.code_panel(
        [transformer.LAYERS[variant], transformer.EncoderLayer, transformer.MultiHeadSelfAttention, diagram.layer_graph]
    )

# -- 2. gradients at initialisation ---------------------------------------------------------------------------------
st.subheader("2. Gradients at initialisation, layer by layer")
g1, g2, g3 = st.columns([3, 2, 1])
layers = lab.slider(ADD_NORM["layers"], container=g1)
init = lab.choice(ADD_NORM["init"], container=g2)
seed = lab.number(ADD_NORM["seed"], container=g3)
g4, g5, _ = st.columns([2, 2, 2])
d_model = int(lab.choice(ADD_NORM["d_model"], container=g4))
heads = int(lab.choice(ADD_NORM["heads"], container=g5))

settings = {"layers": layers, "d_model": d_model, "heads": heads, "init": init, "seed": seed}
data = lab.compute(declared.GRADIENTS, **settings)
spread = lab.compute(declared.SEEDS, **settings)
growth = {
    "Post-LN": data["growth"]["post_ln"],
    "Pre-LN": data["growth"]["pre_ln"],
    "no residual": data["growth"]["no_residual"],
}
init_name = "Xavier" if init == "xavier" else "PyTorch's default"
st.markdown(
    f"Three encoders of **{layers}** layers (d_model {d_model}, {heads} heads, feed-forward {4 * d_model}, no "
    f"dropout), {init_name} initialisation, the same weights for the three arrangements. One batch of "
    f"{ADD_NORM_BATCH} × {ADD_NORM_TOKENS} standard-normal token vectors; loss = mean squared error of the output "
    "against a random target. For every layer: the norm of the gradient of all its weight matrices together "
    "(attention Q, K, V, output and the two feed-forward matrices), in float64."
)
third = "top third of the layers / bottom third" if layers >= 6 else "last layer / first layer"
m1, m2, m3 = st.columns(3)
for col, name in zip((m1, m2, m3), ("Post-LN", "Pre-LN", "no residual"), strict=True):
    col.metric(
        f"{name}: output side / input side",
        f"{growth[name]:.2f}×",
        help=f"Mean gradient norm of the {third}. Above 1: larger toward the output.",
    )
lab.figure(declared.GRADIENTS, "gradients", data)
lab.claims(declared.GRADIENTS, data, settings)
post_range = f"{min(spread['post_ln']):.2f}–{max(spread['post_ln']):.2f}×"
pre_range = f"{min(spread['pre_ln']):.2f}–{max(spread['pre_ln']):.2f}×"
above = sum(p > q for p, q in zip(spread["post_ln"], spread["pre_ln"], strict=True))
seeds_text = (
    f"Over seeds {spread['seeds'][0]}–{spread['seeds'][-1]} the same ratio runs {post_range} for Post-LN and "
    f"{pre_range} for Pre-LN; Post-LN's is the larger at {above} of {len(spread['seeds'])} seeds."
)
post, pre = growth["Post-LN"], growth["Pre-LN"]
sum_std = data["post_ln_sum_spread"]
pre_text = (
    f"Pre-LN's gradient shrinks toward the output ({pre:.2f}× here)"
    if pre < 1
    else f"Pre-LN's gradient does not shrink here ({pre:.2f}×), but in deeper stacks it does"
)
post_text = (
    f"Post-LN's gradient does not shrink like that ({post:.2f}×)."
    if post > pre
    else f"At this setting Post-LN's ratio ({post:.2f}×) is not above Pre-LN's."
)
st.markdown(
    f"**What to look for.** {pre_text}: Pre-LN's stream is only ever added to, so it grows with depth (chart "
    "below), and each layer's LayerNorm divides its input, and with it the gradient reaching its weights, by a "
    f"bigger number. {post_text} {seeds_text}"
)
if init == "xavier":
    st.markdown(
        "Xiong et al. (2020, figure 3) report that at initialisation Post-LN's gradients are **largest near the "
        "output**, which is why Post-LN transformers need a learning-rate warm-up and Pre-LN ones do not. The "
        "mechanism is visible here: every Post-LN LayerNorm divides the gradient passing down through it by the "
        f"spread of the sum x + F(x) it normalises, on average **{sum_std:.2f}** with Xavier-sized weights, so layers "
        "far below the output receive less. In a model this small the trend is noisy from seed to seed: read the "
        "range over seeds, not one curve."
    )
else:
    st.markdown(
        "With PyTorch's default initialisation Post-LN's curve is nearly flat: the growth toward the output that "
        "Xiong et al. (2020, figure 3) report does not show at this scale. The default draws weights with a third "
        "of Xavier's variance, so each sublayer adds little to the stream: the sum x + F(x) has a spread of "
        f"**{sum_std:.2f}** on average, each Post-LN LayerNorm divides by about 1 and the gradient passes down "
        "almost unchanged. Switch to **xavier** to see the effect the paper describes."
    )
st.markdown(
    "Without residuals the gradient must pass through every sublayer's Jacobian; its spread over the layers "
    "depends on the weights, with no identity path to steady it."
)

lab.figure(declared.GRADIENTS, "stream", data)
st.markdown(
    f"Post-LN and no-residual normalise after every sublayer, so each token vector has norm about √{d_model} = "
    f"{d_model**0.5:.1f} (their two lines lie on top of each other). Pre-LN's stream is only ever added to, so it "
    f"grows with depth (from {data['stream'][0]['pre_ln']:.1f} to {data['stream'][-1]['pre_ln']:.1f} here)."
)

# -- 3. dropout before the add --------------------------------------------------------------------------------------
st.subheader("3. Dropout sits on the sublayer, before the add")
demo = lab.compute(declared.DROPOUT, dropout=dropout, seed=seed)
st.latex(r"\mathrm{output} = x + \mathrm{Dropout}_p\bigl(F(x)\bigr)")
st.markdown(
    f"One token of 32 features through `ResidualWithDropout(SimpleFFN(32), p={dropout:g})` (p is the dropout "
    "slider above). The chart shows what the block *adds* to x, `output − x`, next to the sublayer's output F(x)."
)
d1, d2, d3, d4 = st.columns(4)
d1.metric("Entries dropped in run 1", f"{demo['dropped']} of 32")
d2.metric(
    "Kept entries scaled by",
    "—" if demo["kept_scale"] is None else f"{demo['kept_scale']:.4f}",
    help=f"1 / (1 − p) = {demo['expected_scale']:.4f}; largest deviation {demo['kept_scale_error']:.1e}.",
)
d3.metric("Skip path untouched", "yes" if demo["skip_exact"] else "no", help="output == x exactly where F was dropped")
d4.metric("Eval mode deterministic", "yes" if demo["eval_runs_equal"] and demo["eval_equals_x_plus_f"] else "no")
lab.figure(declared.DROPOUT, "added", demo)
st.markdown(
    "In **training mode** each entry of F(x) is zeroed with probability p and the survivors are multiplied by "
    "1/(1 − p), so the *expected* addition is still F(x); two runs draw different masks. Where an entry is dropped "
    "the output equals x exactly: dropout never touches the skip path, so the identity route for signal and gradient "
    "stays intact. In **eval mode** dropout is the identity: the output is x + F(x), the same every time (the "
    "eval-mode diamonds sit exactly on the F(x) dots)."
)

# -- 4. shapes -------------------------------------------------------------------------------------------------------
st.subheader("4. The add needs matching shapes")
s1, s2 = st.columns(2)
d_in = lab.number(ADD_NORM_SHAPE["d_in"], container=s1)
d_out = lab.number(ADD_NORM_SHAPE["d_out"], container=s2)
shape = lab.compute(declared.SHAPES, d_in=d_in, d_out=d_out, seed=seed)
st.markdown(
    f"`x` has shape {tuple(shape['input_shape'])}; the sublayer `SimpleFFN({d_in}, d_out={d_out})` returns "
    f"{tuple(shape['sublayer_shape'])}. What does `x + sublayer(x)` do?"
)
if shape["error"]:
    st.error("PyTorch refuses the add:", icon=":material/block:")
    st.code(f"RuntimeError: {shape['error']}", language="text", wrap_lines=True)
    st.markdown(
        f"The fix (`ProjectedResidual`): put `nn.Linear({d_in}, {d_out})` on the skip path, "
        "`output = projection(x) + sublayer(x)`."
    )
else:
    st.success(
        "The widths match, so the add works. `ProjectedResidual` uses `nn.Identity()` here: the output equals "
        f"x + sublayer(x) {'bit for bit' if shape['identity_exact'] else '(but not bit for bit!)'}.",
        icon=":material/check_circle:",
    )
p1, p2, p3 = st.columns(3)
p1.metric("Projection on the skip path", shape["projection"])
p2.metric("Extra parameters", f"{shape['projection_params']:,}", help="d_in · d_out + d_out for a Linear, 0 else")
p3.metric("Sublayer parameters", f"{shape['sublayer_params']:,}")
st.caption(
    f"ProjectedResidual output shape: {tuple(shape['output_shape'])}. Transformers keep every sublayer at d_model "
    "wide precisely so that the skip path stays a free identity."
)
lab.code_panel([declared.SHAPES.func, *declared.SHAPES.code])
