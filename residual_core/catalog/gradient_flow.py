"""/gradient-flow: section 3.8 seeded, the gradient at every layer over seeds, activations, depth × α."""

import math

from ..altered import scaled
from ..budget import Cost, fixed, net, number
from ..declare import Claim, Experiment, Figure, Page, Question, Section, Verdict
from ..experiments import gradient_flow
from ..measure import gradient_profile, layer_input_grad_norms
from ..memory import fixed as memory_fixed
from ..models.layers import Branch, Plain, ScaledResidual
from ..models.networks import branches, initialise_, twins
from ..numbers import g3, span, times
from ..options import DEPTH_ALPHA as DEPTH_ALPHA_BOUNDS
from ..options import GRADIENT_FLOW, SEED
from ..where import all_of, at_least, at_most, equals, one_of
from . import gradient_flow_text as text
from .gradient_flow_text import ends as _ends
from .gradient_flow_text import kept as _kept

NETWORKS = (
    "Networks: DeepNetwork(DEPTH, WIDTH) built after torch.manual_seed(SEED) with the initialisation INIT,\n"
    "plain x <- act(W x + b) and residual x <- x + ALPHA * act(W x + b), with the same weights. INIT: default\n"
    "(PyTorch's nn.Linear: variance 1/(3 fan_in)), xavier (gain 1), he (for ReLU) or orthogonal; all but\n"
    "default zero the biases."
)
BATCH = "Batch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED."
NETWORK_CODE = (gradient_profile, layer_input_grad_norms, twins, branches, initialise_, Branch, Plain, ScaledResidual)


# -- claims ------------------------------------------------------------------------------------------------------


def _setting(r: dict) -> str:
    return f"depth {r['depth']}, {r['activation']}, α = {r['alpha']:g}, {r['init']} init, seed {r['seed']}"


def _plain_vanishes(r: dict) -> Verdict:
    kept = _kept(r["per_layer"], "plain")
    return Verdict(kept < 1e-3, f"plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {g3(kept)} ({_setting(r)})")


def _residual_kept(r: dict) -> Verdict:
    kept = _kept(r["per_layer"], "residual")
    return Verdict(0.1 <= kept <= 10, f"residual ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {g3(kept)} ({_setting(r)})")


def _plain_forgets(r: dict) -> Verdict:
    e = _ends(r, "input_spread")
    share = e["plain"] / e["input"]
    return Verdict(share < 0.01, f"plain spread across inputs: {g3(e['plain'])} of the input's {g3(e['input'])}")


def _residual_keeps_apart(r: dict) -> Verdict:
    e = _ends(r, "input_spread")
    share = e["residual"] / e["input"]
    return Verdict(
        share >= 0.5, f"residual spread across inputs: {g3(e['residual'])} (input: {g3(e['input'])}, {times(share)})"
    )


def _identity_at_zero(r: dict) -> Verdict:
    values = [gradient_flow.cell(r, "residual", d, 0.0) for d in r["depths"]]
    worst = max(abs(v / r["identity_norm"] - 1) for v in values)
    return Verdict(worst < 1e-12, f"α = 0 at every depth: {span(min(values), max(values))}, √width = "
                   f"{r['identity_norm']:.6g}")  # fmt: skip


def _large_alpha_explodes(r: dict) -> Verdict:
    d = max(r["depths"])
    value = gradient_flow.cell(r, "residual", d, 1.0)
    factor = value / r["identity_norm"]
    return Verdict(
        factor > 10,
        f"depth {d}, α = 1: ‖∂L/∂x₀‖ = {g3(value)}, {g3(factor)}× the output's ({r['activation']}, {r['init']} init, "
        f"seed {r['seed']})",
    )


# -- the prediction question (section 3.8) -------------------------------------------------------------------------

GRADIENT_RATIO = Question(
    id="gradient-ratio",
    text=lambda kw: (
        f"Two {kw['depth']}-layer {kw['activation']} networks with the same weights ({kw['init']} init, "
        f"seed {kw['seed']}), one with the skip path x + {kw['alpha']:g}·{kw['activation']}(Wx + b). How many times "
        "larger is the gradient norm at the input with the skip path than without?"
    ),
    answer=lambda r: r["ratio"],
    scale="log",
    explain=lambda r: (
        f"Gradient norm at the input: {r['input_grad_norm']['residual']:.4g} with the skip path, "
        f"{r['input_grad_norm']['plain']:.4g} without; ratio {r['ratio']:.4g}."
    ),
)

FLOW_CLAIMS = (
    Claim(
        id="flow-plain-vanishes",
        text="Without the skip path the gradient vanishes: less than 1/1000 of the output's gradient reaches the "
        "input.",
        condition="tanh or sigmoid, PyTorch's default initialisation, depth 20 or more (ReLU: 10 or more)",
        check=_plain_vanishes,
        holds={},
        fails={"depth": 5},
        applies=all_of(equals("init", "default"), at_least("depth", 20)),
    ),
    Claim(
        id="flow-residual-kept",
        text="With the skip path the gradient neither vanishes nor explodes: between 1/10 and 10 times the output's "
        "gradient reaches the input.",
        condition="a small branch (α around 0.1) and tanh or sigmoid; with ReLU or α near 1 it explodes with depth",
        check=_residual_kept,
        holds={},
        fails={"depth": 200, "alpha": 1.0},
        applies=all_of(at_most("alpha", 0.2), one_of("activation", ("tanh", "sigmoid"))),
    ),
)

FLOW = Experiment(
    name="gradient-flow",
    func=gradient_flow.gradient_flow_experiment,
    bounds=GRADIENT_FLOW,
    summary="section 3.8: gradient norm at the input and at every layer, plain vs residual",
    help=(
        f"{NETWORKS}\n{BATCH}\n"
        "Loss: output.sum(). Reported: float64 gradient norms at the input of every layer (layer 0 is the\n"
        "network's input) and ratio = residual / plain at the input."
    ),
    code=NETWORK_CODE,
    table=lambda r: r["per_layer"],
    cost=Cost(net("depth", "width", 50, 64), 3.4e-4, 9.3e-9, 0.005),
    claims=FLOW_CLAIMS,
    question=GRADIENT_RATIO,
    example={"depth": 5, "width": 8},
)

SEEDS = Experiment(
    name="gradient-seeds",
    func=gradient_flow.gradient_seed_spread,
    bounds=GRADIENT_FLOW,
    summary="gradient-flow for seeds SEED .. SEED+4: the spread per layer",
    help=(
        f"{NETWORKS}\nRun for seeds SEED, SEED+1, ..., SEED+4 (each with its own weights and input).\n"
        "Batch: one standard-normal input (1, WIDTH) per seed. Loss: output.sum(). Reported: per layer the\n"
        "min, max and geometric mean over the seeds of the float64 gradient norm (and SEED's own value); per\n"
        "seed the values at the input."
    ),
    code=(gradient_flow.gradient_flow_experiment, *NETWORK_CODE),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "per-layer",
            "band",
            gradient_flow.per_layer_band_rows,
            {
                "x": "layer",
                "y": "grad_norm",
                "lo": "seed_min",
                "hi": "seed_max",
                "x_title": "layer l (0 = network input)",
                "y_title": "‖∂loss/∂x_l‖",
            },
            takeaway=text.band_takeaway,
        ),
    ),
    cost=Cost(net("depth", "width", 50, 64, copies=5), 2.6e-4, 3.9e-8, 0.023),
    example={"depth": 5, "width": 8},
)

VS_TEXT = Experiment(
    name="gradient-vs-text",
    func=gradient_flow.text_comparison,
    bounds={"seed": SEED},
    summary="section 3.8 at the text's settings beside the numbers the text printed, over seeds SEED .. SEED+4",
    help=(
        "gradient-seeds at the reference text's settings (depth 50, width 64, alpha 0.1, tanh, PyTorch's\n"
        "default initialisation, as the text's nn.Linear layers) for seeds\n"
        "SEED .. SEED+4, beside the numbers the text printed: the plain and residual gradient norms at the\n"
        "input and their ratio, the range over the seeds, and how far the printed plain value lies outside it."
    ),
    code=(gradient_flow.gradient_flow_vs_text, gradient_flow.gradient_seed_spread),
    table=lambda r: [{"quantity": k, "printed": v, "computed": r["computed"][k]} for k, v in r["printed"].items()],
    cost=Cost(fixed, 0.0, 0.0, 0.1),
)

ACTIVATIONS_CLAIMS = (
    Claim(
        id="plain-forgets-input",
        text="After the plain stack every input lands on nearly the same point: the spread across inputs falls "
        "below 1/100 of the input's.",
        condition="tanh or sigmoid, PyTorch's default initialisation, depth 50 or more",
        check=_plain_forgets,
        holds={},
        fails={"depth": 5},
        applies=all_of(one_of("activation", ("tanh", "sigmoid")), equals("init", "default"), at_least("depth", 50)),
    ),
    Claim(
        id="residual-keeps-inputs-apart",
        text="The residual stack keeps the inputs apart: after the last layer their spread is at least half the "
        "input's.",
        condition="a small branch (α around 0.1)",
        check=_residual_keeps_apart,
        holds={"depth": 10},
        fails=scaled("per_layer", "input_spread", 0.1, slice(12, 22)),  # the residual rows after layer 0
        applies=at_most("alpha", 0.2),
    ),
)

ACTIVATIONS = Experiment(
    name="activations",
    func=gradient_flow.activation_profile,
    bounds=GRADIENT_FLOW,
    summary="activations through the layers: RMS, per-input RMS range and the spread across inputs",
    help=(
        f"{NETWORKS}\nBatch: 64 standard-normal inputs (64, WIDTH) from a generator seeded from SEED.\n"
        "No loss. Reported per layer and network: RMS of the activations, min/max per-input RMS, and the\n"
        "RMS over features of the standard deviation across the batch (float64)."
    ),
    code=(twins,),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "rms",
            "band",
            gradient_flow.activation_rows,
            {
                "x": "layer",
                "y": "rms",
                "lo": "sample_rms_min",
                "hi": "sample_rms_max",
                "x_title": "layer l",
                "y_title": "RMS of x_l (band: per-input min–max)",
                "log_y": False,
            },
            takeaway=text.rms_takeaway,
        ),
        Figure(
            "spread",
            "line",
            gradient_flow.activation_rows,
            {"x": "layer", "y": "input_spread", "x_title": "layer l", "y_title": "spread of x_l across inputs"},
            takeaway=text.spread_takeaway,
        ),
    ),
    cost=Cost(net("depth", "width", 50, 64), 5.4e-4, 2.3e-8, 0.005),
    memory=memory_fixed(55.0),
    claims=ACTIVATIONS_CLAIMS,
    example={"depth": 5, "width": 8},
)

DEPTH_ALPHA_CLAIMS = (
    Claim(
        id="identity-at-alpha-zero",
        text="At α = 0 the residual network is the identity: every depth passes the output's gradient √width to the "
        "input exactly.",
        condition="any width, activation, initialisation and seed",
        check=_identity_at_zero,
        holds={"width": 8},
        fails=scaled("cells", "grad_norm", 1 + 1e-9, slice(1, 2)),
    ),
    Claim(
        id="large-branch-explodes",
        text="Residual connections do not protect a stack whose branch is not small: at the deepest depth with α = 1 "
        "the input gets more than 10 times the output's gradient.",
        condition="tanh or ReLU; the identity path adds, it does not cap",
        check=_large_alpha_explodes,
        holds={"width": 16},
        fails={"width": 16, "activation": "sigmoid"},
        applies=all_of(one_of("activation", ("tanh", "relu")), at_least("width", 16)),
    ),
)

DEPTH_ALPHA = Experiment(
    name="depth-alpha",
    func=gradient_flow.depth_alpha_map,
    bounds=DEPTH_ALPHA_BOUNDS,
    summary="gradient norm at the input over a depth x alpha grid (and plain per depth)",
    help=(
        "Residual DeepNetwork(depth, WIDTH) x <- x + alpha * act(W x + b), built after\n"
        "torch.manual_seed(SEED) with the initialisation INIT, for depth in 1, 2, 5, 10, 20, 50, 100, 200\n"
        "and alpha in 0, 0.05, 0.1, 0.2, 0.5, 1, 1.5, 2; plus the plain network per depth (same weights).\n"
        "Batch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED.\n"
        "Loss: output.sum(). Reported: the float64 gradient norm at the network's input for every cell."
    ),
    code=(branches, initialise_, layer_input_grad_norms),
    table=lambda r: r["cells"],
    figures=(
        Figure(
            "heatmap",
            "heatmap",
            gradient_flow.depth_alpha_rows,
            lambda r: {
                "x": "column",
                "y": "depth",
                "color": "log10",
                "x_sort": gradient_flow.depth_alpha_columns(r),
                "y_sort": list(r["depths"]),
                "x_title": "network (residual scale α)",
                "y_title": "depth",
                "color_title": "log₁₀ ‖∂loss/∂x₀‖",
                "mid": math.log10(r["identity_norm"]),
                "text": "label",
                "height": 360,
            },
            takeaway=text.heatmap_takeaway,
        ),
    ),
    cost=Cost(lambda kw: (1.0, number(kw, "width", 64) ** 2), 0.25, 6.8e-6, 0.25),
    claims=DEPTH_ALPHA_CLAIMS,
    example={"width": 8},
)

# -- the page: its sections ------------------------------------------------------------------------------------------

_NET = tuple(GRADIENT_FLOW.values())

SECTION_3_8_LIVE = Section(
    name="section-3-8-live",
    heading="2 · Section 3.8, live",
    experiment=FLOW,
    controls=_NET,
    metrics=text.live_metrics,
    level="header",
)
GRADIENT_AT_EVERY_LAYER = Section(
    name="gradient-magnitude-at-every-layer",
    heading="1 · Gradient magnitude at every layer (exercise 8)",
    experiment=SEEDS,
    figures=("per-layer",),
    controls=_NET,
    level="header",
)
ACTIVATIONS_THROUGH_THE_LAYERS = Section(
    name="activations-through-the-layers",
    heading="3 · Activations through the layers (exercise 5)",
    experiment=ACTIVATIONS,
    figures=("rms", "spread"),
    controls=_NET,
    level="header",
)
DEPTH_TIMES_ALPHA = Section(
    name="depth-alpha",
    heading="4 · Depth × α",
    experiment=DEPTH_ALPHA,
    figures=("heatmap",),
    controls=tuple(DEPTH_ALPHA_BOUNDS.values()),
    level="header",
)

PAGE = Page(
    key="gradient-flow",
    title="Gradient flow",
    icon=":material/waterfall_chart:",
    teaser="Gradient norm at every layer, with and without the skip path, over depth, scale α and seeds.",
    experiments=(FLOW, SEEDS, VS_TEXT, ACTIVATIONS, DEPTH_ALPHA),
    sections=(GRADIENT_AT_EVERY_LAYER, SECTION_3_8_LIVE, ACTIVATIONS_THROUGH_THE_LAYERS, DEPTH_TIMES_ALPHA),
)
