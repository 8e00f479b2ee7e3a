"""The gradient-flow page's teaching text: its figures' takeaways, its sections' prose, metrics and tables, computed
from the results and the page's settings (plain Python, no Streamlit). Declared as the sections of
:data:`residual_core.catalog.gradient_flow.PAGE`.
"""

from __future__ import annotations

from ..declare import Metric
from ..experiments.gradient_flow import DEPTH_ALPHA_DEPTHS, TEXT_SETTINGS, cell
from ..numbers import fmt, g3, plural, span, times

INTRO = (
    "The reference text's `DeepNetwork`, plain `x ← act(Wx + b)` or residual `x ← x + α·act(Wx + b)`, built with "
    "**the same weights**: the skip path is the only difference."
)

NETWORKS_TEXT = (
    "A stack of `Linear(width, width)` layers. Both networks are built from the same seed, so they have the same "
    "weights. The loss is `output.sum()`; gradient norms are computed in float64. The weights' initialisation is a "
    "control too (under *More settings*): PyTorch's default `nn.Linear` draws them with a third of LeCun's variance "
    "for these square layers, and much of the vanishing at this scale comes from that."
)
"""The rest of the page's intro, in the first section's row of details."""

# -- takeaways ---------------------------------------------------------------------------------------------------


def kept(per_layer: list[dict], name: str) -> float:
    """``||dL/dx_0|| / ||dL/dx_L||``: the share of the output's gradient that reaches the input."""
    return per_layer[0][name] / per_layer[-1][name]


def band_takeaway(r: dict) -> str:
    lo = r["per_layer"][0]["plain_min"] / r["per_layer"][-1]["plain"]
    hi = r["per_layer"][0]["plain_max"] / r["per_layer"][-1]["plain"]
    return (
        f"Seed {r['seeds'][0]}: the gradient at the input is {g3(kept(r['per_layer'], 'plain'))} times the "
        f"output's in the plain network and {g3(kept(r['per_layer'], 'residual'))} times in the residual one; over "
        f"seeds {r['seeds'][0]}–{r['seeds'][-1]} the plain ratio spans {span(lo, hi, sep=' to ')}."
    )


def ends(r: dict, key: str) -> dict:
    at = {(row["network"], row["layer"]): row[key] for row in r["per_layer"]}
    return {"input": at["plain", 0], "plain": at["plain", r["depth"]], "residual": at["residual", r["depth"]]}


def rms_takeaway(r: dict) -> str:
    e = ends(r, "rms")
    return (
        f"After {plural(r['depth'], 'layer')} the activations' RMS is {g3(e['plain'])} in the plain stack and "
        f"{g3(e['residual'])} in the residual one (input: {g3(e['input'])})."
    )


def spread(v: float) -> str:
    """A spread across inputs; an exact 0 means the states agree to all of float64's digits, not a true zero."""
    return "0 to float64's 16 digits (the inputs' states are identical in float64)" if v == 0 else g3(v)


def spread_takeaway(r: dict) -> str:
    e = ends(r, "input_spread")
    return (
        f"How much the {r['batch']} inputs still differ: from {g3(e['input'])} at the input to {spread(e['plain'])} "
        f"after the plain stack and {spread(e['residual'])} after the residual one."
    )


def heatmap_takeaway(r: dict) -> str:
    d = max(r["depths"])
    return (
        f"At depth {d} the input gets {g3(cell(r, 'residual', d, 0.1))} with α = 0.1, "
        f"{g3(cell(r, 'residual', d, 1.0))} with α = 1 and {g3(cell(r, 'plain', d))} without the skip path; the "
        f"output's gradient is √{r['width']} = {r['identity_norm']:.3g}."
    )


# -- 1 · Section 3.8, live -------------------------------------------------------------------------------------------


def live_metrics(flow: dict, settings: dict) -> list[Metric]:
    return [
        Metric(
            "Gradient norm at the input, plain",
            fmt(flow["input_grad_norm"]["plain"]),
            help=(
                "Exactly 0, not an underflow: in some plain layer every unit is off (ReLU) for this input, so no "
                "gradient gets through and the ratio is infinite."
                if flow["input_grad_norm"]["plain"] == 0
                else f"log₁₀ = {flow['log10']['plain']:.2f} (measured with per-layer rescaling: exact at any size)."
            ),
        ),
        Metric("Gradient norm at the input, residual", fmt(flow["input_grad_norm"]["residual"])),
        Metric("Ratio residual / plain", fmt(flow["ratio"], 3)),
    ]


VS_TEXT_HEADING = "Printed in the reference text / computed here"


def vs_text_caption(vs: dict, settings: dict) -> str:
    text = TEXT_SETTINGS
    return (
        f"At the text's settings (depth {text['depth']}, width {text['width']}, α = {text['alpha']}, "
        f"{text['activation']}, PyTorch's default initialisation as in the text), seed {settings['seed']}; range over "
        f"seeds {vs['seeds'][0]}–{vs['seeds'][-1]}. This table does not move with the controls above."
    )


def vs_text_table(vs: dict, settings: dict) -> dict[str, list[str]]:
    """The printed / computed table's columns (the page indexes it by ``quantity``)."""
    printed, computed, rng, seed = vs["printed"], vs["computed"], vs["range"], settings["seed"]
    return {
        "quantity": ["Gradient norm at input, without residuals", "… with residuals", "Ratio"],
        "printed in the reference text": [
            f"{printed['plain']:.8f}",
            f"{printed['residual']:.4f}",
            f"{printed['ratio']:.0f}x",
        ],
        f"computed here (seed {seed})": [
            f"{computed['plain']:.8f} ({computed['plain']:.3e})",
            f"{computed['residual']:.4f}",
            times(computed["ratio"]),
        ],
        f"range over seeds {vs['seeds'][0]}–{vs['seeds'][-1]}": [
            f"{rng['plain'][0]:.2e} – {rng['plain'][1]:.2e}",
            f"{rng['residual'][0]:.4f} – {rng['residual'][1]:.4f}",
            f"{rng['ratio'][0]:.2e} – {rng['ratio'][1]:.2e}",
        ],
    }


def vs_text_reading(vs: dict) -> str:
    printed, computed, rng = vs["printed"], vs["computed"], vs["range"]
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
    return (
        "The text's weights are unseeded — and its two networks are drawn one after the other, so they do not even "
        f"share weights. How much does the draw matter? Over {len(vs['seeds'])} seeds the plain gradient spans "
        f"{vs['decades']:.1f} orders of magnitude ({rng['plain'][0]:.2e} to {rng['plain'][1]:.2e}) and the ratio "
        f"{rng['ratio'][0]:.2e} to {rng['ratio'][1]:.2e}; {where}. The printed ratio does fit the text's own residual "
        f"value: {printed['residual']} / {printed['ratio']} = {vs['implied_plain']:.4e}, which rounds to the printed "
        f"{printed['plain']:.8f}.{rounds}"
    )


# -- 2 · Gradient magnitude at every layer (exercise 8) --------------------------------------------------------------


def per_layer_reading(spread: dict, flow: dict, settings: dict) -> str:
    output_grad = flow["per_layer"][-1]["plain"]
    return (
        f"Line: seed {settings['seed']}. Band: smallest to largest over seeds {spread['seeds'][0]}–"
        f"{spread['seeds'][-1]} (each seed draws new weights and a new input). Layer 0 is the network's input, layer "
        f"{settings['depth']} its output, where the gradient of `output.sum()` is a vector of ones with norm "
        f"√{settings['width']} = {g3(output_grad)}. Reading right to left is reading backpropagation: each plain "
        "layer multiplies the gradient by its Jacobian diag(act′)·W, each residual layer by I + α·diag(act′)·W."
    )


# -- 3 · Activations through the layers (exercise 5) -----------------------------------------------------------------

RMS_LABEL = "**How large the activations are**"
SPREAD_LABEL = "**How much they still depend on the input**"


def activations_reading(acts: dict, settings: dict) -> str:
    depth = settings["depth"]
    at_layer = {(row["network"], row["layer"]): row for row in acts["per_layer"]}
    last = {name: at_layer[name, depth] for name in ("plain", "residual")}
    first = {name: at_layer[name, 0] for name in ("plain", "residual")}
    far = last["plain"]["rms"] > 10 * last["plain"]["input_spread"]  # far from 0, yet input-independent
    return (
        f"{acts['batch']} seeded inputs go through both networks. First chart: the activations' size. After {depth} "
        f"plain layers their RMS is {g3(last['plain']['rms'])} (input: {g3(first['plain']['rms'])}; residual: "
        f"{g3(last['residual']['rms'])})"
        + (": far from zero, but (second chart) nearly all of it is the same vector for every input. " if far else ". ")
        + "Second chart: the standard deviation *across the inputs* (RMS over features), i.e. how different the "
        f"{acts['batch']} inputs still look after each layer. It goes from {g3(first['plain']['input_spread'])} "
        f"to {spread(last['plain']['input_spread'])} in the plain stack (residual: "
        f"{spread(last['residual']['input_spread'])}). Where it collapses, the output hardly depends on the input any "
        "more: the vanishing gradient of section 2, seen forwards."
    )


# -- 4 · Depth × α -----------------------------------------------------------------------------------------------------


def depth_alpha_reading(grid: dict, settings: dict) -> str:
    width, activation, init, seed = settings["width"], settings["activation"], settings["init"], settings["seed"]
    ident = [cell(grid, "residual", d, 0.0) for d in DEPTH_ALPHA_DEPTHS]
    deepest = max(DEPTH_ALPHA_DEPTHS)
    return (
        f"Gradient norm at the input (width {width}, {activation}, {init} init, seed {seed}; the grid does not move "
        "with the depth and "
        f"α sliders). Colour: blue above, orange below √{width} = {grid['identity_norm']:.4g}, the gradient at the "
        f"output. At α = 0 the network is the identity and every depth passes exactly that on (computed: "
        f"{min(ident):.6g}" + (f" to {max(ident):.6g}" if max(ident) != min(ident) else " at every depth") + "). "
        f"At depth {deepest}: α = 0.1 gives {g3(cell(grid, 'residual', deepest, 0.1))}, α = 1 gives "
        f"{g3(cell(grid, 'residual', deepest, 1.0))}, the plain network {g3(cell(grid, 'plain', deepest))}. "
        "Each residual layer multiplies the "
        "gradient by I + α·diag(act′)·W: the larger α, the further each factor is from the identity, and over many "
        "layers a factor a little above 1 compounds just as one below 1 does — which is why deep residual stacks keep "
        "the branch small (small α, careful initialisation, normalisation). The identity path gives the gradient a "
        "route around every layer, but it does not cap it: it can explode."
    )


DEGRADATION = (
    "And a gradient that neither vanishes nor explodes is not enough for a deep plain network to train well: "
    "He et al. (2016) saw deeper plain networks reach a *higher training error* than shallower ones although "
    "normalisation kept their gradients alive. Try it in the training lab with Xavier initialisation, where the "
    "plain network's gradient does not vanish:"
)
