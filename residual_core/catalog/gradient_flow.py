"""/gradient-flow: section 3.8 seeded, the gradient at every layer over seeds, activations, depth × α."""

import math

from ..bounds import DEPTH_ALPHA as DEPTH_ALPHA_BOUNDS
from ..bounds import GRADIENT_FLOW, SEED
from ..declare import Experiment, Figure, Page
from ..experiments import gradient_flow
from ..measure import gradient_profile, layer_input_grad_norms
from ..models.layers import Branch, Plain, ScaledResidual
from ..models.networks import branches, twins

NETWORKS = (
    "Networks: DeepNetwork(DEPTH, WIDTH) built after torch.manual_seed(SEED), plain x <- act(W x + b) and\n"
    "residual x <- x + ALPHA * act(W x + b), with the same weights."
)
BATCH = "Batch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED."
NETWORK_CODE = (gradient_profile, layer_input_grad_norms, twins, branches, Branch, Plain, ScaledResidual)

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
        ),
    ),
)

VS_TEXT = Experiment(
    name="gradient-vs-text",
    func=gradient_flow.text_comparison,
    bounds={"seed": SEED},
    summary="section 3.8 at the text's settings beside the numbers the text printed, over seeds SEED .. SEED+4",
    help=(
        "gradient-seeds at the reference text's settings (depth 50, width 64, alpha 0.1, tanh) for seeds\n"
        "SEED .. SEED+4, beside the numbers the text printed: the plain and residual gradient norms at the\n"
        "input and their ratio, the range over the seeds, and how far the printed plain value lies outside it."
    ),
    code=(gradient_flow.gradient_flow_vs_text, gradient_flow.gradient_seed_spread),
    table=lambda r: [{"quantity": k, "printed": v, "computed": r["computed"][k]} for k, v in r["printed"].items()],
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
        ),
        Figure(
            "spread",
            "line",
            gradient_flow.activation_rows,
            {"x": "layer", "y": "input_spread", "x_title": "layer l", "y_title": "spread of x_l across inputs"},
        ),
    ),
)

DEPTH_ALPHA = Experiment(
    name="depth-alpha",
    func=gradient_flow.depth_alpha_map,
    bounds=DEPTH_ALPHA_BOUNDS,
    summary="gradient norm at the input over a depth x alpha grid (and plain per depth)",
    help=(
        "Residual DeepNetwork(depth, WIDTH) x <- x + alpha * act(W x + b), built after\n"
        "torch.manual_seed(SEED), for depth in 1, 2, 5, 10, 20, 50, 100, 200 and alpha in 0, 0.05, 0.1,\n"
        "0.2, 0.5, 1, 1.5, 2; plus the plain network per depth (same weights). Batch: one standard-normal\n"
        "input (1, WIDTH) from its own generator seeded from SEED. Loss: output.sum(). Reported: the\n"
        "float64 gradient norm at the network's input for every cell."
    ),
    code=(branches, layer_input_grad_norms),
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
        ),
    ),
)

PAGE = Page(
    key="gradient-flow",
    title="Gradient flow",
    icon=":material/waterfall_chart:",
    teaser="Gradient norm at every layer, with and without the skip path, over depth, scale α and seeds.",
    experiments=(FLOW, SEEDS, VS_TEXT, ACTIVATIONS, DEPTH_ALPHA),
)
