"""Why residual networks train: delete a block (Veit et al. 2016), slice the loss landscape (Li et al. 2018), see
shattered gradients (Balduzzi et al. 2017).

Computed by residual_core/experiments/lesion.py, landscape.py and shattered.py; declared (figures, code, claims) in
residual_core/catalog/why.py and why_claims.py.
"""

import streamlit as st

import lab
from residual_core.catalog import why as declared
from residual_core.experiments.landscape import LANDSCAPE_POINTS, LANDSCAPE_STEPS, LANDSCAPE_WIDTH
from residual_core.experiments.lesion import kept, mean_of
from residual_core.experiments.shattered import SHATTERED_INPUTS
from residual_core.options import LANDSCAPE, LESION, SEED, SHATTERED_PAGE

lab.page("why")
st.markdown(
    "Skip connections keep a gradient alive (see *Gradient flow*). Three results from the literature say more about "
    "**why residual networks train at all**: a residual network behaves like an ensemble of shallow paths, so "
    "deleting one of its blocks barely hurts it (Veit et al.); its loss surface is smoother (Li et al.); and its "
    "gradient stays correlated from one input to the next instead of shattering into noise (Balduzzi et al.). Each "
    "one runs here live, on small networks; the claims under each section say where and how often the toy agrees."
)
seed = lab.number(SEED, help="One seed for all three experiments: weights, batches and directions.")


def bounds_caption(bounds: dict) -> None:
    parts = [f"{b.label} {b.describe().replace('between ', '').replace(' and ', '–')}" for b in bounds.values()]
    st.caption("Bounds (a shared server computes every run): " + " · ".join(parts) + ".")


def central_lengths(paths: list[dict], mass: float) -> tuple[int, int]:
    """The narrowest range of path lengths around the middle that holds at least ``mass`` of all paths."""
    depth = paths[-1]["length"]
    lo, hi = depth // 2, (depth + 1) // 2
    while sum(p["share"] for p in paths[lo : hi + 1]) < mass:
        lo, hi = max(lo - 1, 0), min(hi + 1, depth)
    return lo, hi


# -- 1. delete a block ----------------------------------------------------------------------------------------------
st.header("1. Delete a block", divider="gray")
st.markdown(
    "Veit, Wilber & Belongie (2016) deleted single blocks from trained networks at test time. A plain network is a "
    "chain: remove one link and nothing downstream gets the input it was trained on. A residual network "
    "$x_{l+1} = x_l + F_l(x_l)$ unrolls into a *sum of paths*; with two blocks"
)
st.latex(r"\begin{aligned} x_2 &= x_0 + F_1(x_0) \\ &\quad + F_2\big(x_0 + F_1(x_0)\big) \end{aligned}")
st.markdown(
    "and with n blocks into 2ⁿ paths, each taking or skipping every block. Deleting block l (dropping its branch "
    "$F_l$, so that the block passes x through) removes only the paths through it."
)
c1, c2, c3 = st.columns(3)
depth = lab.slider(LESION["depth"], container=c1)
width = lab.slider(LESION["width"], container=c2)
steps = lab.slider(LESION["steps"], container=c3)
bounds_caption(LESION)
lesion_args = {"depth": depth, "width": width, "steps": steps, "seed": seed}
asked = lab.ask(declared.LESION.question, lesion_args)  # predict, then reveal: the page waits here until the reveal
lesion = lab.compute_with_progress(declared.LESION, label="Training the plain and the residual network…", **lesion_args)
asked.show(lesion)
base, training = lesion["baseline"], lesion["training"]
st.markdown(
    f"Two networks of **{depth} blocks**, {width} units wide, on **MNIST-1D** (Greydanus 2020: 1-D signals of 40 "
    f"points, ten digit classes; {lesion['dataset']['train']} for training, {lesion['dataset']['test']} for the "
    "test). Plain block `x ← relu(BN(W x))`, residual block `x ← x + V relu(BN(W x)) + c`, with the same He-normal "
    f"`W`. The plain network trained for {training['plain_steps']} Adam steps; the residual one trained on the same "
    + (
        f"batches until it matched the plain network's test accuracy, which took it only **{training['residual_steps']}"
        " steps**: the two are compared at comparable accuracy."
        if base["residual"] >= base["plain"]
        else "batches for at most as many steps and did **not** reach the plain network's test accuracy: compare "
        "the two with that in mind."
    )
)
m = st.columns(4)
m[0].metric("Plain, intact", f"{base['plain']:.3f}", help="Test accuracy (chance: 0.1).")
m[1].metric("Plain, one block deleted", f"{mean_of(lesion['deleted'], 'plain'):.3f}", help="Mean over the blocks.")
m[2].metric("Residual, intact", f"{base['residual']:.3f}")
m[3].metric("Residual, one block deleted", f"{mean_of(lesion['deleted'], 'residual'):.3f}", help="Mean over blocks.")
lab.figure(declared.LESION, "deleted", lesion)
left, right = st.columns(2)
with left:
    st.markdown("**Swap two adjacent blocks**")
    lab.figure(declared.LESION, "swapped", lesion)
with right:
    st.markdown("**Delete k blocks at random**")
    lab.figure(declared.LESION, "deleted-k", lesion)
st.subheader("The path-length view")
lo_len, hi_len = central_lengths(lesion["paths"], 0.9)
st.markdown(
    f"Each of the {depth} blocks is taken or skipped, so the residual stack holds 2^{depth} = {2**depth:,} paths, "
    f"and C({depth}, k) of them pass through exactly k blocks: a binomial distribution. At least 90% of the paths "
    f"pass through {lo_len} to {hi_len} blocks; a single one goes through all {depth}. Deleting a block removes "
    "the half of the paths that pass through it and leaves the other half intact; Veit et al. explain the graceful "
    "degradation this way, and showed that most of the gradient while training flows through relatively short "
    "paths. Deleting k blocks leaves 2^−k of the paths: the chart *Delete k blocks at random* above shows what that "
    "costs each network."
)
lab.figure(declared.LESION, "paths", lesion)
with st.expander("How the two networks were trained"):
    lab.figure(declared.LESION, "training", lesion)
lesion_claims = st.container()
kept_res, plain_deleted = kept(lesion, "deleted", "residual"), mean_of(lesion["deleted"], "plain")
plain_here = (
    f"Here the plain network collapses the same way (to {plain_deleted:.2f} on average)"
    if plain_deleted < 0.2
    else f"Here the plain network does not collapse all the way (it keeps {plain_deleted:.2f} on average)"
)
st.markdown(
    "**The paper and this toy.** Veit et al. deleted single blocks of a 110-layer ResNet on CIFAR-10 and the error "
    "barely changed (except for the blocks that change the resolution), while removing a layer of a VGG network "
    f"left it at chance. {plain_here}. Our residual network of {depth} blocks keeps {kept_res:.0%} of its accuracy "
    "on average: a smaller network with fewer paths, in which each block carries more of the work than in the "
    "paper's deep ResNet. Try fewer or more blocks."
)

# -- 2. the loss landscape ------------------------------------------------------------------------------------------
st.header("2. The loss landscape", divider="gray")
st.markdown(
    "Li, Xu, Taylor, Studer & Goldstein (2018) drew the loss around trained weights θ on a 2-D slice, "
    "`L(θ + α u + β v)`, along two random directions u and v *normalised filter by filter*: here each unit's row "
    "of weights is rescaled to the length of the trained row, so that a step of 1 moves every unit by as much as it "
    "is long (biases and batch-norm parameters stay put). At depth, they found the plain network's surface chaotic "
    "and the residual one smooth and nearly convex."
)
grid = lab.slider(LANDSCAPE["grid"])
land_args = {"depth": depth, "grid": grid, "seed": seed}
same = width == LANDSCAPE_WIDTH and steps == LANDSCAPE_STEPS
st.caption(
    f"The networks of section 1 with its {depth} blocks and seed {seed}, at width {LANDSCAPE_WIDTH} and "
    f"{LANDSCAPE_STEPS} training steps"
    + (" (as above)." if same else f" (section 1's defaults, not its current width {width} and {steps} steps).")
    + f" Loss: cross-entropy on {LANDSCAPE_POINTS} fixed training signals, evaluation mode; α, β from −1 to 1."
)
land = lab.compute_with_progress(declared.LANDSCAPE, label="Slicing the loss landscape…", **land_args)
rough, nonconvex = land["roughness"], land["nonconvex"]
m = st.columns(4)
m[0].metric("Roughness, plain", f"{rough['plain']:.3g}", help="Mean |∇² log L| over the grid (per α²).")
m[1].metric("Roughness, residual", f"{rough['residual']:.3g}", help="Mean |∇² log L| over the grid (per α²).")
m[2].metric("Non-convex points, plain", f"{nonconvex['plain']:.1%}")
m[3].metric("Non-convex points, residual", f"{nonconvex['residual']:.1%}")
left, right = st.columns(2)
with left:
    st.markdown("**Plain network**")
    lab.figure(declared.LANDSCAPE, "plain-surface", land)
with right:
    st.markdown("**Residual network**")
    lab.figure(declared.LANDSCAPE, "residual-surface", land)
st.markdown("**The 1-D slice** through the trained weights along u (β = 0)")
lab.figure(declared.LANDSCAPE, "line", land)
landscape_claims = st.container()
ratio = rough["residual"] / rough["plain"]
st.markdown(
    "**The paper and this toy.** Li et al.'s chaotic surfaces came from convolutional networks of 56 and 110 layers "
    f"without skips. Our MLPs are much smaller ({depth} blocks), so judge them by the measures rather than by eye: "
    f"here the residual surface's roughness is {ratio:.2f} times the plain one's, and {nonconvex['residual']:.1%} "
    f"of its points are non-convex against {nonconvex['plain']:.1%}. Over seeds 0–4 we measured no difference at 4 "
    "blocks and the largest at 24: compare them. Roughness is the mean |∇² log L|, the Laplacian of the log loss "
    "over the grid; a point is non-convex where the slice's 2×2 Hessian of the loss has a clearly negative "
    "eigenvalue."
)

# -- 3. shattered gradients -----------------------------------------------------------------------------------------
st.header("3. Shattered gradients", divider="gray")
st.markdown(
    "Balduzzi et al. (2017) looked at a network with one input and one output, at initialisation, and at its "
    f"gradient `d output / d x` over {SHATTERED_INPUTS} inputs between −2 and 2. In a deep plain network with batch "
    "normalisation neighbouring inputs get unrelated gradients: the gradient is *white noise*, useless for "
    "learning, since a step that helps one input does something arbitrary to its neighbours. In a residual "
    "network it stays correlated (the paper likens it to *brown noise*)."
)
c1, c2 = st.columns(2)
s_depth = lab.slider(SHATTERED_PAGE["depth"], container=c1)
s_width = lab.slider(SHATTERED_PAGE["width"], container=c2)
bounds_caption(SHATTERED_PAGE)
shatter_args = {"depth": s_depth, "width": s_width, "seed": seed}
shatter = lab.compute(declared.SHATTERED, **shatter_args)
st.markdown(
    f"Blocks as in section 1 (`relu(BN(W x))` and `x + V relu(BN(W x)) + c`, the same He-normal `W`), {s_depth} of "
    f"them, {s_width} units wide, in float64. Batch normalisation standardises every unit over the "
    f"{SHATTERED_INPUTS} inputs (its statistics measured on them, then held fixed, so each gradient is that "
    "input's own)."
)
m = st.columns(2)
m[0].metric("Lag-1 autocorrelation, plain", f"{shatter['lag1']['plain']:+.3f}", help="0: white noise.")
m[1].metric("Lag-1 autocorrelation, residual", f"{shatter['lag1']['residual']:+.3f}", help="Near 1: smooth.")
left, right = st.columns(2)
with left:
    lab.figure(declared.SHATTERED, "plain-gradient", shatter)
with right:
    lab.figure(declared.SHATTERED, "residual-gradient", shatter)
lab.figure(declared.SHATTERED, "autocorrelation", shatter)
st.markdown("**Against depth**, with and without batch normalisation (the same weights)")
sweep_args = {"width": s_width, "seed": seed}
sweep = lab.compute_with_progress(declared.SHATTERED_DEPTHS, label="Measuring depths 1–50…", **sweep_args)
lab.figure(declared.SHATTERED_DEPTHS, "depths", sweep)
shattered_claims = st.container()
deepest = max(sweep["depths"])
no_bn = next(
    r["lag1"] for r in sweep["rows"] if r["depth"] == deepest and r["network"] == "plain" and not r["batch_norm"]
)
plain_lag = shatter["lag1"]["plain"]
shatters = (
    f"The plain network's gradient is white noise here (lag-1 autocorrelation {plain_lag:+.2f}), as in the paper's "
    "figure"
    if abs(plain_lag) < 0.2
    else f"At {s_depth} blocks the plain network's gradient is not white noise yet (lag-1 autocorrelation "
    f"{plain_lag:+.2f}): try 16 or more"
)
residual_bn = [r["lag1"] for r in sweep["rows"] if r["network"] == "residual" and r["batch_norm"]]
res_ac = shatter["autocorrelation"]["residual"]
short = next((lag for lag, a in enumerate(res_ac) if a < 0.2), None)
without = (
    f"Batch normalisation matters at this scale: without it, the plain network of {deepest} blocks keeps a lag-1 "
    f"autocorrelation of {no_bn:+.2f} (the *plain, no batch norm* line)"
    if no_bn > 0.5
    else f"Without batch normalisation the plain network of {deepest} blocks decorrelates here too ({no_bn:+.2f})"
)
res_lag = shatter["lag1"]["residual"]
residual_here = (
    f"The residual network's gradient stays correlated (lag-1 {res_lag:+.2f})"
    if res_lag > 0.5
    else f"The residual network's gradient is less correlated here (lag-1 {res_lag:+.2f})"
)
noisier = (
    f"its autocorrelation falls below 0.2 after {short} steps along the input grid, so it is noisier than the brown "
    "noise of the paper's figure"
    if short is not None
    else f"its autocorrelation stays above 0.2 for all {len(res_ac) - 1} lags shown"
)
st.markdown(
    f"**The paper and this toy.** {shatters}. {without}. {residual_here}, but {noisier}. Balduzzi et al. show that "
    "residual gradients resist shattering, their correlation decaying only sublinearly with depth; "
    f"here the residual line goes from {residual_bn[0]:+.2f} at {sweep['depths'][0]} block to {residual_bn[-1]:+.2f} "
    f"at {deepest}."
)

# -- claims, with the count over seeds 0-4 ---------------------------------------------------------------------------
with lesion_claims:
    lab.claims(declared.LESION, lesion, lesion_args, seeds=lab.ON_DEMAND, run="training")
with landscape_claims:
    lab.claims(declared.LANDSCAPE, land, land_args, seeds=lab.ON_DEMAND, run="slice")
with shattered_claims:
    lab.claims(declared.SHATTERED, shatter, shatter_args)
    lab.claims(declared.SHATTERED_DEPTHS, sweep, sweep_args, seeds=lab.ON_DEMAND, run="depth sweep")
