"""What the /add-norm page says around its charts, computed from the results: its sections' text, metrics and the
sentences it reads off a chart (plain Python; the page lays them out, :mod:`residual_core.catalog.add_norm`
declares which section shows which)."""

from __future__ import annotations

from ..claims import SEEDS
from ..declare import Metric
from ..experiments import add_norm
from ..experiments.add_norm import ADD_NORM_BATCH, ADD_NORM_TOKENS
from ..numbers import span, times
from ..options import ADD_NORM

INTRO = (
    "Every transformer layer wraps each of its two sublayers, multi-head self-attention and the feed-forward "
    "network, in a residual connection followed by a LayerNorm: **Add & Norm**. Where the LayerNorm sits matters."
)

# -- 1. the layer, drawn from the model ------------------------------------------------------------------------------

FORMULAS = {
    "post-ln": r"x \leftarrow \mathrm{LN}\bigl(x + \mathrm{Dropout}(\mathrm{Sublayer}(x))\bigr)",
    "pre-ln": r"x \leftarrow x + \mathrm{Dropout}\bigl(\mathrm{Sublayer}(\mathrm{LN}(x))\bigr)"
    r"\quad\text{(and one final LN after the last layer)}",
    "none": r"x \leftarrow \mathrm{LN}\bigl(\mathrm{Dropout}(\mathrm{Sublayer}(x))\bigr)\quad\text{(no add)}",
}
"""Each arrangement's update of the stream, shown beside its diagram."""

ARRANGEMENTS = {
    "post-ln": "**Post-LN** is the reference text's diagram and the original transformer's: add, then "
    "normalise. The residual stream itself passes through a LayerNorm twice per layer.",
    "pre-ln": "**Pre-LN** normalises only the sublayer's *input*; the stream `x` runs from the first "
    "layer to the last through nothing but additions, and one LayerNorm at the very end tidies it up.",
    "none": "**No residual**: the same sublayers and LayerNorms with both adds removed. Every layer must "
    "pass the whole signal, and the whole gradient, through its sublayers.",
}


ARRANGEMENT_LINES = {
    "post-ln": "**Post-LN**: add, then normalise.",
    "pre-ln": "**Pre-LN**: normalise the sublayer's input; the stream is only added to.",
    "none": "**No residual**: both adds removed.",
}
"""Each arrangement in one line, beside its diagram (the full sentence is :data:`ARRANGEMENTS`, in the row)."""


def adds_line(adds: int) -> str:
    return f"Residual adds per layer: **{adds}**."


def layer_line(variant: str, adds: int) -> str:
    """Beside the diagram, visible: the arrangement in a line and the residual adds counted in it."""
    return ARRANGEMENT_LINES[variant] + " " + adds_line(adds)


def layer_text(variant: str, adds: int) -> str:
    """In the section's row: the arrangement in full and the residual adds counted in it."""
    return ARRANGEMENTS[variant] + " " + adds_line(adds)


# the diagram is drawn for the default encoder of section 2 (the layer is the same at every size; its labels name them)
DIAGRAM_SIZE = {key: int(ADD_NORM[key].default) for key in ("layers", "d_model", "heads")}
DIAGRAM_CAPTION = (
    "The diagram is drawn by tracing the `forward` of the layer that `build_encoder` builds for this arrangement "
    "and dropout, so it cannot disagree with the model the charts below measure. It is drawn at the default sizes "
    f"of section 2 ({DIAGRAM_SIZE['layers']} layers, d_model {DIAGRAM_SIZE['d_model']}, {DIAGRAM_SIZE['heads']} "
    "heads); the charts there use the sizes set under its heading."
)

# -- 2. gradients at initialisation ----------------------------------------------------------------------------------


def last_first(result: dict, column: str) -> float:
    return result["per_layer"][-1][column] / result["per_layer"][0][column]


def variance_share(fan_in: int, fan_out: int) -> float:
    """PyTorch's default variance 1/(3 fan_in) over Xavier's 2/(fan_in + fan_out)."""
    return (fan_in + fan_out) / (6 * fan_in)


def gradients_lead(r: dict, kw: dict) -> str:
    """Under the two charts, visible: what a student needs to read them (the full setup is :func:`gradients_text`,
    in the section's row)."""
    return (
        f"{kw['layers']} layers, the same weights for the three arrangements; loss: mean squared error against a "
        "random target."
    )


def gradients_text(r: dict, kw: dict) -> str:
    layers, d_model, heads = kw["layers"], kw["d_model"], kw["heads"]
    init_name = "Xavier" if kw["init"] == "xavier" else "PyTorch's default"
    return (
        f"Three encoders of **{layers}** layers (d_model {d_model}, {heads} heads, feed-forward {4 * d_model}, no "
        f"dropout), {init_name} initialisation, the same weights for the three arrangements. One batch of "
        f"{ADD_NORM_BATCH} × {ADD_NORM_TOKENS} standard-normal token vectors; loss = mean squared error of the output "
        "against a random target. Left: for every layer, the norm of the gradient of all its weight matrices together "
        "(attention Q, K, V, output and the two feed-forward matrices). Right: the gradient flowing down the residual "
        "stream itself, ‖∂loss/∂x_l‖ after layer l. All in float64."
    )


def gradients_metrics(r: dict, kw: dict) -> list[Metric]:
    return [
        Metric(
            f"{name}: last layer / first layer",
            f"{last_first(r, column):.2f}×",
            help="Weight-gradient norm of the last layer over the first's. Above 1: larger toward the output.",
        )
        for name, column in add_norm.SERIES_BY_NAME.items()
    ]


BAND_HEADING = f"**The same over seeds {SEEDS[0]}–{SEEDS[-1]}** (line: geometric mean; band: smallest to largest)"


def seeds_reading(data: dict, band: dict, kw: dict) -> tuple[str, str]:
    """Under the band over seeds: what the data shows, then against the paper."""
    lf = band["last_over_first"]
    post_above = sum(v > 1 for v in lf["post_ln"])
    pre_below = sum(v < 1 for v in lf["pre_ln"])
    follow = add_norm.follow_ratio(data, "pre_ln")
    pre_stream = data["stream_grad"][-1]["pre_ln"] / data["stream_grad"][1]["pre_ln"]
    follow_spread = max(follow) / min(follow)
    weights_spread = max(r["pre_ln"] for r in data["per_layer"]) / min(r["pre_ln"] for r in data["per_layer"])
    follows = (
        f"Divide one by the other and what is left varies only {follow_spread:.2f}× across the layers (the weight "
        f"gradient itself {weights_spread:.2f}×): a Pre-LN layer's weight gradient is set by the stream gradient at "
        "its output."
        if follow_spread < min(1.5, weights_spread)
        else f"Their ratio varies {follow_spread:.2f}× across the layers here (the weight gradient itself "
        f"{weights_spread:.2f}×), so at this setting the stream gradient is only part of the story."
    )
    shows = (
        f"**What the data shows.** Pre-LN's last layer gets {times(last_first(data, 'pre_ln'))} the weight gradient "
        f"of its first, and the gradient reaching the stream after the last layer is {times(pre_stream)} the one after "
        f"the first. {follows} On its way down the stream the gradient is multiplied by I + ∂F_l/∂x_l at every layer, "
        "the identity plus the branch's Jacobian. Post-LN puts its LayerNorms on the stream itself, two per layer, and "
        "each rescales the gradient passing down through it by a factor that depends on the weights: its last/first "
        f"ratio is {times(last_first(data, 'post_ln'))} here and {span(min(lf['post_ln']), max(lf['post_ln']))}× "
        f"over seeds {SEEDS[0]}–{SEEDS[-1]}. Read the band, not one curve."
    )
    n = len(band["seeds"])
    flat = sum(0.8 <= v <= 1.25 for v in lf["pre_ln"])
    paper = (
        "**Against the paper.** Xiong et al. (2020, figure 3) report that at initialisation Post-LN's weight gradients "
        "grow toward the output while Pre-LN's are the same size in every layer, and give that as the reason Post-LN "
        "transformers need a learning-rate warm-up and Pre-LN ones do not. Measured here over seeds "
        f"{SEEDS[0]}–{SEEDS[-1]}: Post-LN's last layer gets the larger gradient at {post_above} of {n} seeds "
        f"(last/first {span(min(lf['post_ln']), max(lf['post_ln']))}); Pre-LN's last/first ratio runs "
        f"{span(min(lf['pre_ln']), max(lf['pre_ln']))}, within 0.8–1.25 (about flat) at {flat} of {n} seeds and "
        f"below 1 (shrinking toward the output) at {pre_below} of {n}."
        + (
            " Where Pre-LN's gradient shrinks with depth, this toy disagrees with Xiong et al.'s figure, but not with "
            "full-size models: NormFormer (Shleifer et al. 2021) reports the same pattern in full-size Pre-LN "
            "language models — the early layers get much larger gradients than the later ones — and adds extra "
            "normalisation to rebalance them. So the shrinking is not a quirk of the toy's size."
            if pre_below
            else ""
        )
    )
    return shows, paper


INITIALISATION = (
    "**The initialisation.** PyTorch's default `nn.Linear` draws weights with variance 1/(3·fan_in), Xavier with "
    f"2/(fan_in + fan_out). For the square attention projections the default is {variance_share(1, 1):.2f} of "
    f"Xavier's, for the first feed-forward matrix (d → 4d) {variance_share(1, 4):.2f} and for the second (4d → d) "
    f"{variance_share(4, 1):.2f}: smaller weights in every matrix, so every sublayer adds less to the stream. "
    "Switch the initialisation and compare the counts over seeds."
)


def stream_reading(r: dict, kw: dict) -> str:
    """Under the stream-norm chart."""
    d_model = kw["d_model"]
    pre_first, pre_last = r["stream"][0]["pre_ln"], r["stream"][-1]["pre_ln"]
    return (
        f"Post-LN and no-residual normalise after every sublayer, so each token vector has norm about √{d_model} = "
        f"{d_model**0.5:.1f} (their two lines lie on top of each other). Pre-LN's stream is only ever added to: here "
        f"it goes from {pre_first:.1f} at the input to {pre_last:.1f} after the last layer."
    )


# -- 3. dropout before the add ---------------------------------------------------------------------------------------

DROPOUT_FORMULA = r"\mathrm{output} = x + \mathrm{Dropout}_p\bigl(F(x)\bigr)"


def dropout_text(r: dict, kw: dict) -> str:
    return (
        f"One token of 32 features through `ResidualWithDropout(SimpleFFN(32), p={kw['dropout']:g})` (p is the "
        "dropout slider above). The chart shows what the block *adds* to x, `output − x`, next to the sublayer's "
        "output F(x)."
    )


def dropout_metrics(r: dict, kw: dict) -> list[Metric]:
    return [
        Metric("Entries dropped in run 1", f"{r['dropped']} of {r['width']}"),
        Metric(
            "Kept entries scaled by",
            "—" if r["kept_scale"] is None else f"{r['kept_scale']:.4f}",
            help=f"1 / (1 − p) = {r['expected_scale']:.4f}; largest deviation {r['kept_scale_error']:.1e}.",
        ),
        Metric(
            "Skip path untouched", "yes" if r["skip_exact"] else "no", help="output == x exactly where F was dropped"
        ),
        Metric("Eval mode deterministic", "yes" if r["eval_runs_equal"] and r["eval_equals_x_plus_f"] else "no"),
    ]


DROPOUT_AFTER = (
    "In **training mode** each entry of F(x) is zeroed with probability p and the survivors are multiplied by "
    "1/(1 − p), so the *expected* addition is still F(x); two runs draw different masks. Where an entry is dropped "
    "the output equals x: dropout sits on the branch, not on the skip path, so the identity route for signal and "
    "gradient is never dropped. In **eval mode** dropout is the identity: the output is x + F(x), the same every "
    "time (the eval-mode diamonds sit exactly on the F(x) dots)."
)

# -- 4. shapes -------------------------------------------------------------------------------------------------------


def shapes_text(r: dict, kw: dict) -> str:
    return (
        f"`x` has shape {tuple(r['input_shape'])}; the sublayer `SimpleFFN({kw['d_in']}, d_out={kw['d_out']})` "
        f"returns {tuple(r['sublayer_shape'])}. What does `x + sublayer(x)` do?"
    )


REFUSED = "PyTorch refuses the add:"


def refused_error(r: dict) -> str:
    return f"RuntimeError: {r['error']}"


def projection_fix(r: dict, kw: dict) -> str:
    return (
        f"The fix (`ProjectedResidual`): put `nn.Linear({kw['d_in']}, {kw['d_out']})` on the skip path, "
        "`output = projection(x) + sublayer(x)`."
    )


def broadcast_warning(r: dict) -> str:
    """For widths that differ with one of them 1: the add does not fail, it broadcasts."""
    return (
        f"PyTorch does not refuse this add: it **broadcasts**. `x` is {r['d_in']} wide and `sublayer(x)` "
        f"{r['d_out']} wide; a width of 1 is copied along the last axis, so `x + sublayer(x)` silently returns shape "
        f"{tuple(r['plain_shape'])} — no error, and not a residual: "
        + (
            "every one of the sublayer's features gets the same single input value added."
            if r["d_in"] == 1
            else "the sublayer's single output is added to every one of x's features."
        )
        + " The widths differ, so `ProjectedResidual` does not trust the add: it puts "
        f"`nn.Linear({r['d_in']}, {r['d_out']})` on the skip path (see the parameter count below)."
    )


def identity_works(r: dict) -> str:
    return (
        "The widths match, so the add works. `ProjectedResidual` uses `nn.Identity()` here: the output equals "
        f"x + sublayer(x) {'bit for bit' if r['identity_exact'] else '(but not bit for bit!)'}."
    )


def shapes_metrics(r: dict, kw: dict) -> list[Metric]:
    return [
        Metric("Projection on the skip path", r["projection"]),
        Metric("Extra parameters", f"{r['projection_params']:,}", help="d_in · d_out + d_out for a Linear, 0 else"),
        Metric("Sublayer parameters", f"{r['sublayer_params']:,}"),
    ]


def shapes_caption(r: dict) -> str:
    return (
        f"ProjectedResidual output shape: {tuple(r['output_shape'])}. Transformers keep every sublayer at d_model "
        "wide precisely so that the skip path stays a free identity."
    )
