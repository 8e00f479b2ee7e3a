"""Add & Norm in the transformer (reference text, sections 3.4, 3.6, 3.7 and the Post-LN / Pre-LN preview).

Computed by residual_core/experiments/add_norm.py, declared (figures, code) in residual_core/catalog/add_norm.py;
the layers are residual_core/models/transformer.py, the diagram residual_core/models/diagram.py.
"""

import streamlit as st

import lab
from residual_core.bounds import Bound
from residual_core.catalog import add_norm as declared
from residual_core.claims import SEEDS
from residual_core.experiments import add_norm
from residual_core.experiments.add_norm import ADD_NORM_BATCH, ADD_NORM_TOKENS
from residual_core.models import diagram, transformer
from residual_core.models.transformer import VARIANTS
from residual_core.options import ADD_NORM, ADD_NORM_DROPOUT, ADD_NORM_SHAPE

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
lab.ask(declared.GRADIENTS.question, settings, data)  # predict, then reveal
band = add_norm.seed_band([lab.compute(declared.GRADIENTS, **{**settings, "seed": s}) for s in SEEDS])


def last_first(result: dict, column: str) -> float:
    return result["per_layer"][-1][column] / result["per_layer"][0][column]


def variance_share(fan_in: int, fan_out: int) -> float:
    """PyTorch's default variance 1/(3 fan_in) over Xavier's 2/(fan_in + fan_out)."""
    return (fan_in + fan_out) / (6 * fan_in)


init_name = "Xavier" if init == "xavier" else "PyTorch's default"
st.markdown(
    f"Three encoders of **{layers}** layers (d_model {d_model}, {heads} heads, feed-forward {4 * d_model}, no "
    f"dropout), {init_name} initialisation, the same weights for the three arrangements. One batch of "
    f"{ADD_NORM_BATCH} × {ADD_NORM_TOKENS} standard-normal token vectors; loss = mean squared error of the output "
    "against a random target. Left: for every layer, the norm of the gradient of all its weight matrices together "
    "(attention Q, K, V, output and the two feed-forward matrices). Right: the gradient flowing down the residual "
    "stream itself, ‖∂loss/∂x_l‖ after layer l. All in float64."
)
m1, m2, m3 = st.columns(3)
for col, (name, column) in zip((m1, m2, m3), add_norm.SERIES_BY_NAME.items(), strict=True):
    col.metric(
        f"{name}: last layer / first layer",
        f"{last_first(data, column):.2f}×",
        help="Weight-gradient norm of the last layer over the first's. Above 1: larger toward the output.",
    )
left, right = st.columns(2)
with left:
    lab.figure(declared.GRADIENTS, "gradients", data)
with right:
    lab.figure(declared.GRADIENTS, "stream-gradient", data)
lab.claims(declared.GRADIENTS, data, settings)

st.markdown(f"**The same over seeds {SEEDS[0]}–{SEEDS[-1]}** (line: geometric mean; band: smallest to largest)")
lab.figure(declared.SEEDS, "band", band)
lf = band["last_over_first"]
post_above = sum(v > 1 for v in lf["post_ln"])
pre_below = sum(v < 1 for v in lf["pre_ln"])
follow = add_norm.follow_ratio(data, "pre_ln")
pre_stream = data["stream_grad"][-1]["pre_ln"] / data["stream_grad"][1]["pre_ln"]
follow_spread = max(follow) / min(follow)
weights_spread = max(r["pre_ln"] for r in data["per_layer"]) / min(r["pre_ln"] for r in data["per_layer"])
follows = (
    f"Divide one by the other and what is left varies only {follow_spread:.2f}× across the layers (the weight "
    f"gradient itself {weights_spread:.2f}×): a Pre-LN layer's weight gradient is set by the stream gradient at its "
    "output."
    if follow_spread < min(1.5, weights_spread)
    else f"Their ratio varies {follow_spread:.2f}× across the layers here (the weight gradient itself "
    f"{weights_spread:.2f}×), so at this setting the stream gradient is only part of the story."
)
st.markdown(
    f"**What the data shows.** Pre-LN's last layer gets {last_first(data, 'pre_ln'):.2f}× the weight gradient of its "
    f"first, and the gradient reaching the stream after the last layer is {pre_stream:.2f}× the one after the first. "
    f"{follows} On its way down the stream the gradient is multiplied by I + ∂F_l/∂x_l at every layer, the identity "
    "plus the branch's Jacobian. Post-LN puts its LayerNorms on the stream itself, two per layer, and each rescales "
    "the gradient passing down through it by a factor that depends on the weights: its last/first ratio is "
    f"{last_first(data, 'post_ln'):.2f}× here and {min(lf['post_ln']):.2f}–{max(lf['post_ln']):.2f}× over seeds "
    f"{SEEDS[0]}–{SEEDS[-1]}. Read the band, not one curve."
)
n = len(band["seeds"])
flat = sum(0.8 <= v <= 1.25 for v in lf["pre_ln"])
st.markdown(
    "**Against the paper.** Xiong et al. (2020, figure 3) report that at initialisation Post-LN's weight gradients "
    "grow toward the output while Pre-LN's are the same size in every layer, and give that as the reason Post-LN "
    "transformers need a learning-rate warm-up and Pre-LN ones do not. Measured here over seeds "
    f"{SEEDS[0]}–{SEEDS[-1]}: Post-LN's last layer gets the larger gradient at {post_above} of {n} seeds (last/first "
    f"{min(lf['post_ln']):.2f}–{max(lf['post_ln']):.2f}); Pre-LN's last/first ratio runs "
    f"{min(lf['pre_ln']):.2f}–{max(lf['pre_ln']):.2f}, within 0.8–1.25 (about flat) at {flat} of {n} seeds and "
    f"below 1 (shrinking toward the output) at {pre_below} of {n}. Where Pre-LN shrinks, this toy disagrees with the "
    "paper. Ours is a small encoder, one batch and a mean-squared error on a random target; theirs are full-size "
    "models on real data."
)
st.markdown(
    "**The initialisation.** PyTorch's default `nn.Linear` draws weights with variance 1/(3·fan_in), Xavier with "
    f"2/(fan_in + fan_out). For the square attention projections the default is {variance_share(1, 1):.2f} of "
    f"Xavier's, for the first feed-forward matrix (d → 4d) {variance_share(1, 4):.2f} and for the second (4d → d) "
    f"{variance_share(4, 1):.2f}: smaller weights in every matrix, so every sublayer adds less to the stream. "
    "Switch the initialisation and compare the counts over seeds."
)

lab.figure(declared.GRADIENTS, "stream", data)
pre_first, pre_last = data["stream"][0]["pre_ln"], data["stream"][-1]["pre_ln"]
st.markdown(
    f"Post-LN and no-residual normalise after every sublayer, so each token vector has norm about √{d_model} = "
    f"{d_model**0.5:.1f} (their two lines lie on top of each other). Pre-LN's stream is only ever added to: here it "
    f"goes from {pre_first:.1f} at the input to {pre_last:.1f} after the last layer."
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
d1.metric("Entries dropped in run 1", f"{demo['dropped']} of {demo['width']}")
d2.metric(
    "Kept entries scaled by",
    "—" if demo["kept_scale"] is None else f"{demo['kept_scale']:.4f}",
    help=f"1 / (1 − p) = {demo['expected_scale']:.4f}; largest deviation {demo['kept_scale_error']:.1e}.",
)
d3.metric("Skip path untouched", "yes" if demo["skip_exact"] else "no", help="output == x exactly where F was dropped")
d4.metric("Eval mode deterministic", "yes" if demo["eval_runs_equal"] and demo["eval_equals_x_plus_f"] else "no")
lab.figure(declared.DROPOUT, "added", demo)
lab.claims(declared.DROPOUT, demo, {"dropout": dropout, "seed": seed})
st.markdown(
    "In **training mode** each entry of F(x) is zeroed with probability p and the survivors are multiplied by "
    "1/(1 − p), so the *expected* addition is still F(x); two runs draw different masks. Where an entry is dropped "
    "the output equals x: dropout sits on the branch, not on the skip path, so the identity route for signal and "
    "gradient is never dropped. In **eval mode** dropout is the identity: the output is x + F(x), the same every "
    "time (the eval-mode diamonds sit exactly on the F(x) dots)."
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
