"""The /why page's teaching text: each part's prose, metrics and "the paper and this toy" paragraph (no Streamlit)."""

from __future__ import annotations

from ..declare import Metric
from ..experiments.landscape import LANDSCAPE_POINTS, LANDSCAPE_STEPS, LANDSCAPE_WIDTH
from ..experiments.lesion import kept, mean_of
from ..experiments.shattered import SHATTERED_INPUTS
from ..numbers import percent

INTRO = (
    "Three results from the literature, run live on small networks: deleting a block barely hurts a residual "
    "network (Veit et al.), its loss surface is smoother (Li et al.), and its gradient stays correlated instead of "
    "shattering into noise (Balduzzi et al.)."
)
INTRO_MORE = (
    "Skip connections keep a gradient alive (see *Gradient flow*). The three results here say more about **why "
    "residual networks train at all**: a residual network behaves like an ensemble of shallow paths, so deleting one "
    "of its blocks barely hurts it (Veit et al.); its loss surface is smoother (Li et al.); and its gradient stays "
    "correlated from one input to the next instead of shattering into noise (Balduzzi et al.). Each one runs here "
    "live, on small networks; the claims in each section's row of details say where and how often the toy agrees."
)


def bounds_caption(bounds: dict) -> str:
    parts = [f"{b.label} {b.describe().replace('between ', '').replace(' and ', '–')}" for b in bounds.values()]
    return "Bounds (a shared server computes every run): " + " · ".join(parts) + "."


def central_lengths(paths: list[dict], mass: float) -> tuple[int, int]:
    """The narrowest range of path lengths around the middle that holds at least ``mass`` of all paths."""
    depth = paths[-1]["length"]
    lo, hi = depth // 2, (depth + 1) // 2
    while sum(p["share"] for p in paths[lo : hi + 1]) < mass:
        lo, hi = max(lo - 1, 0), min(hi + 1, depth)
    return lo, hi


# -- 1. delete a block ----------------------------------------------------------------------------------------------

DELETE_HEADING = "1. Delete a block"
DELETE_TEXT = (
    "Veit, Wilber & Belongie (2016) deleted single blocks from trained networks at test time. A plain network is a "
    "chain: remove one link and nothing downstream gets the input it was trained on. A residual network "
    "$x_{l+1} = x_l + F_l(x_l)$ unrolls into a *sum of paths*; with two blocks"
)
DELETE_FORMULA = r"\begin{aligned} x_2 &= x_0 + F_1(x_0) \\ &\quad + F_2\big(x_0 + F_1(x_0)\big) \end{aligned}"
DELETE_AFTER = (
    "and with n blocks into 2ⁿ paths, each taking or skipping every block. Deleting block l (dropping its branch "
    "$F_l$, so that the block passes x through) removes only the paths through it."
)


def lesion_text(lesion: dict, settings: dict) -> str:
    base, training = lesion["baseline"], lesion["training"]
    depth, width = settings["depth"], settings["width"]
    return (
        f"Two networks of **{depth} blocks**, {width} units wide, on **MNIST-1D** (Greydanus 2020: 1-D signals of 40 "
        f"points, ten digit classes; {lesion['dataset']['train']} for training, {lesion['dataset']['test']} for the "
        "test). Plain block `x ← relu(BN(W x))`, residual block `x ← x + V relu(BN(W x)) + c`, with the same "
        f"He-normal `W`. Both trained for the same **{training['plain_steps']} Adam steps** on the same batches (the "
        "same budget: Veit et al. lesioned fully trained networks, not ones stopped early), reaching "
        f"{base['plain']:.3f} (plain) and {base['residual']:.3f} (residual) test accuracy. What is compared below is "
        "each network after the same training, not two networks of equal accuracy"
        + (
            f": the residual one is {base['residual'] - base['plain']:.3f} ahead before any block is deleted."
            if base["residual"] > base["plain"]
            else "."
        )
    )


def lesion_metrics(lesion: dict, settings: dict) -> list[Metric]:
    base = lesion["baseline"]
    return [
        Metric("Plain, intact", f"{base['plain']:.3f}", help="Test accuracy (chance: 0.1)."),
        Metric("Plain, one block deleted", f"{mean_of(lesion['deleted'], 'plain'):.3f}", help="Mean over the blocks."),
        Metric("Residual, intact", f"{base['residual']:.3f}"),
        Metric(
            "Residual, one block deleted", f"{mean_of(lesion['deleted'], 'residual'):.3f}", help="Mean over blocks."
        ),
    ]


def path_length_text(lesion: dict, settings: dict) -> str:
    depth = settings["depth"]
    lo_len, hi_len = central_lengths(lesion["paths"], 0.9)
    return (
        f"Each of the {depth} blocks is taken or skipped, so the residual stack holds 2^{depth} = {2**depth:,} paths, "
        f"and C({depth}, k) of them pass through exactly k blocks: a binomial distribution. At least 90% of the paths "
        f"pass through {lo_len} to {hi_len} blocks; a single one goes through all {depth}. Deleting a block removes "
        "the half of the paths that pass through it and leaves the other half intact; Veit et al. explain the "
        "graceful degradation this way, and showed that most of the gradient while training flows through "
        "relatively short paths. Deleting k blocks leaves 2^−k of the paths: the chart *Delete k blocks at random* "
        "above shows what that costs each network."
    )


def lesion_paper(lesion: dict, settings: dict) -> str:
    kept_res, plain_deleted = kept(lesion, "deleted", "residual"), mean_of(lesion["deleted"], "plain")
    plain_here = (
        f"Here the plain network collapses the same way (to {plain_deleted:.2f} on average)"
        if plain_deleted < 0.2
        else f"Here the plain network does not collapse all the way (it keeps {plain_deleted:.2f} on average)"
    )
    return (
        "**The paper and this toy.** Veit et al. deleted single blocks of a 110-layer ResNet on CIFAR-10 and the "
        "error barely changed (except for the blocks that change the resolution), while removing a layer of a VGG "
        f"network left it at chance. {plain_here}. Our residual network of {settings['depth']} blocks keeps "
        f"{percent(kept_res)} of its accuracy on average with one block deleted"
        + (
            ": as in the paper, deleting one block barely matters."
            if kept_res >= 0.97
            else ", less than the paper's 110-layer ResNet, whose error barely changed: with fewer blocks and fewer "
            "paths, each block carries more of the work. Try fewer or more blocks."
        )
    )


# -- 2. the loss landscape ------------------------------------------------------------------------------------------

LANDSCAPE_HEADING = "2. The loss landscape"
LANDSCAPE_TEXT = (
    "Li, Xu, Taylor, Studer & Goldstein (2018) drew the loss around trained weights θ on a 2-D slice, "
    "`L(θ + α u + β v)`, along two random directions u and v *normalised filter by filter*: here each unit's row "
    "of weights is rescaled to the length of the trained row, so that a step of 1 moves every unit by as much as it "
    "is long (biases and batch-norm parameters stay put). At depth, they found the plain network's surface chaotic "
    "and the residual one smooth and nearly convex."
)


def landscape_caption(lesion_settings: dict) -> str:
    """Which networks are sliced: section 1's, at the landscape's fixed width and steps."""
    depth, seed, width, steps = (lesion_settings[k] for k in ("depth", "seed", "width", "steps"))
    same = width == LANDSCAPE_WIDTH and steps == LANDSCAPE_STEPS
    return (
        f"The networks of section 1 with its {depth} blocks and seed {seed}, at width {LANDSCAPE_WIDTH} and "
        f"{LANDSCAPE_STEPS} training steps"
        + (" (as above)." if same else f" (section 1's defaults, not its current width {width} and {steps} steps).")
        + f" Loss: cross-entropy on {LANDSCAPE_POINTS} fixed training signals, evaluation mode; α, β from −1 to 1."
    )


def landscape_metrics(land: dict, settings: dict) -> list[Metric]:
    rough, nonconvex = land["roughness"], land["nonconvex"]
    return [
        Metric("Roughness, plain", f"{rough['plain']:.3g}", help="Mean |∇² log L| over the grid (per α²)."),
        Metric("Roughness, residual", f"{rough['residual']:.3g}", help="Mean |∇² log L| over the grid (per α²)."),
        Metric("Non-convex points, plain", f"{percent(nonconvex['plain'])}"),
        Metric("Non-convex points, residual", f"{percent(nonconvex['residual'])}"),
    ]


LINE_TEXT = "**The 1-D slice** through the trained weights along u (β = 0)"


def landscape_paper(land: dict, settings: dict) -> str:
    rough, nonconvex = land["roughness"], land["nonconvex"]
    ratio = rough["residual"] / rough["plain"]
    return (
        "**The paper and this toy.** Li et al.'s chaotic surfaces came from convolutional networks of 56 and 110 "
        f"layers without skips. Our MLPs are much smaller ({settings['depth']} blocks), so judge them by the measures "
        f"rather than by eye: here the residual surface's roughness is {ratio:.2f} times the plain one's, and "
        f"{percent(nonconvex['residual'])} of its points are non-convex against {percent(nonconvex['plain'])}. Over "
        "seeds 0–4 we measured no difference at 4 blocks and the largest at 24: compare them. Roughness is the mean "
        "|∇² log L|, the Laplacian of the log loss over the grid; a point is non-convex where the slice's 2×2 Hessian "
        "of the loss has a clearly negative eigenvalue."
    )


# -- 3. shattered gradients -----------------------------------------------------------------------------------------

SHATTERED_HEADING = "3. Shattered gradients"
SHATTERED_TEXT = (
    "Balduzzi et al. (2017) looked at a network with one input and one output, at initialisation, and at its "
    f"gradient `d output / d x` over {SHATTERED_INPUTS} inputs between −2 and 2. In a deep plain network with batch "
    "normalisation neighbouring inputs get unrelated gradients: the gradient is *white noise*, useless for "
    "learning, since a step that helps one input does something arbitrary to its neighbours. In a residual "
    "network it stays correlated (the paper likens it to *brown noise*)."
)


def shattered_text(shatter: dict, settings: dict) -> str:
    return (
        f"Blocks as in section 1 (`relu(BN(W x))` and `x + V relu(BN(W x)) + c`, the same He-normal `W`), "
        f"{settings['depth']} of them, {settings['width']} units wide, in float64. Batch normalisation standardises "
        f"every unit over the {SHATTERED_INPUTS} inputs (its statistics measured on them, then held fixed, so each "
        "gradient is that input's own)."
    )


def shattered_metrics(shatter: dict, settings: dict) -> list[Metric]:
    return [
        Metric("Lag-1 autocorrelation, plain", f"{shatter['lag1']['plain']:+.3f}", help="0: white noise."),
        Metric("Lag-1 autocorrelation, residual", f"{shatter['lag1']['residual']:+.3f}", help="Near 1: smooth."),
    ]


DEPTHS_TEXT = "**Against depth**, with and without batch normalisation (the same weights)"


def shattered_paper(shatter: dict, sweep: dict, settings: dict) -> str:
    """The paper against this toy, from the one network (``shatter``) and the depth sweep (``sweep``)."""
    deepest = max(sweep["depths"])
    no_bn = next(
        r["lag1"] for r in sweep["rows"] if r["depth"] == deepest and r["network"] == "plain" and not r["batch_norm"]
    )
    plain_lag = shatter["lag1"]["plain"]
    shatters = (
        f"The plain network's gradient is white noise here (lag-1 autocorrelation {plain_lag:+.2f}), as in the "
        "paper's figure"
        if abs(plain_lag) < 0.2
        else f"At {settings['depth']} blocks the plain network's gradient is not white noise yet (lag-1 "
        f"autocorrelation {plain_lag:+.2f}): try 16 or more"
    )
    residual_bn = [r["lag1"] for r in sweep["rows"] if r["network"] == "residual" and r["batch_norm"]]
    res_ac = shatter["autocorrelation"]["residual"]
    short = next((lag for lag, a in enumerate(res_ac) if a < 0.2), None)
    without = (
        f"Batch normalisation matters at this scale: without it, the plain network of {deepest} blocks keeps a "
        f"lag-1 autocorrelation of {no_bn:+.2f} (the *plain, no batch norm* line)"
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
        f"its autocorrelation falls below 0.2 after {short} steps along the input grid, so it is noisier than the "
        "brown noise of the paper's figure"
        if short is not None
        else f"its autocorrelation stays above 0.2 for all {len(res_ac) - 1} lags shown"
    )
    return (
        f"**The paper and this toy.** {shatters}. {without}. {residual_here}, but {noisier}. Balduzzi et al. show "
        "that residual gradients resist shattering, their correlation decaying only sublinearly with depth; "
        f"here the residual line goes from {residual_bn[0]:+.2f} at {sweep['depths'][0]} block to "
        f"{residual_bn[-1]:+.2f} at {deepest}."
    )
