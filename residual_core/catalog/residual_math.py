"""/residual-math: y = x + R(x) in one dimension, the unrolled sum, section 3.5, the Jacobian view, x ⊙ F(x)."""

from ..bounds import MATH_NETWORK, RESIDUAL_1D, SEED
from ..bounds import PRESERVATION as PRESERVATION_BOUNDS
from ..declare import Experiment, Figure, Page
from ..experiments import jacobian, preservation, residual_math
from ..measure import layer_input_grad_norms
from ..models.layers import Branch, Multiplicative, ScaledResidual
from ..models.networks import twins

ONE_D = Experiment(
    name="residual-1d",
    func=residual_math.residual_1d,
    bounds=RESIDUAL_1D,
    summary="y = x + R(x) with R(x) = a * g(w * x): the derivative 1 + R'(x) on a grid, and where it is below 1",
    help=(
        "One dimension, no network: R(x) = A * G(W * x) for G in sin, tanh, relu, on 241 points of x in [-3, 3].\n"
        "y = x + R(x); dy/dx = 1 + R'(x) by autograd (float64). Reported: the points {x, r, y, dy}, the\n"
        "intervals where dy/dx < 1, and the shares of the grid where dy/dx < 1 and < 0."
    ),
    table=lambda r: r["points"],
    figures=(
        Figure(
            "curves",
            "spans_line",
            residual_math.one_d_rows,
            lambda r: {
                "x": "x",
                "y": "value",
                "spans": r["below_one"],
                "span_label": "dy/dx < 1",
                "hline": 1.0,
                "x_title": "x",
                "y_title": "value",
            },
        ),
    ),
)

NETWORK_HELP = "Batch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED."

UNROLLED = Experiment(
    name="unrolled",
    func=residual_math.unrolled_sum,
    bounds=MATH_NETWORK,
    summary="x_L = x_0 + sum_i F_i(x_i): each block's contribution and the numerical check",
    help=(
        "A residual DeepNetwork(LAYERS, WIDTH, x + ALPHA * act(W x + b)) built after torch.manual_seed(SEED).\n"
        f"{NETWORK_HELP} No loss.\n"
        "Reported: ||x_l|| and the norm of each block's contribution F_i(x_i) (computed from the branch\n"
        "alone), and max |x_L - (x_0 + sum_i F_i(x_i))| in float32 and float64."
    ),
    code=(twins, Branch, ScaledResidual),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "norms",
            "line",
            residual_math.unrolled_rows,
            {"x": "layer", "y": "norm", "x_title": "layer l", "y_title": "norm"},
        ),
    ),
)

PRESERVATION = Experiment(
    name="preservation",
    func=preservation.preservation_experiment,
    bounds=PRESERVATION_BOUNDS,
    summary="section 3.5: x <- shrink * x against x <- x + update * x, norm per layer",
    help=(
        "The reference text's section 3.5 loop. Input: torch.randn(1, 10, 512) drawn after\n"
        "torch.manual_seed(SEED) (float32, as the text), iterated in float64. Without residual:\n"
        "x <- SHRINK * x; with residual: x <- x + UPDATE * x; DEPTH times. No network, no loss.\n"
        "Reported: the norm of x after every layer, layer 0 being the input."
    ),
    code=(preservation.text_input, preservation.stable_norm),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "norms",
            "line",
            preservation.preservation_rows,
            {"x": "layer", "y": "norm", "x_title": "layer", "y_title": "‖x‖"},
        ),
    ),
)

PRESERVATION_VS_TEXT = Experiment(
    name="preservation-vs-text",
    func=preservation.preservation_vs_text,
    bounds={"seed": SEED},
    summary="section 3.5 at the text's settings beside the numbers the text printed, and why they differ",
    help=(
        "The section 3.5 loop at the text's settings (depth 100, shrink 0.9, update 0.01), input drawn after\n"
        "torch.manual_seed(SEED), beside the numbers printed in the reference text, with the arithmetic that\n"
        "explains each difference (the input's expected norm, 0.9 ** 100, 1.01 ** 100)."
    ),
    code=(preservation.preservation_experiment,),
    table=lambda r: [{"quantity": k, "printed": v, "computed": r["computed"][k]} for k, v in r["printed"].items()],
)

JACOBIAN = Experiment(
    name="jacobian",
    func=jacobian.jacobian_spectrum,
    bounds=MATH_NETWORK,
    summary="singular values of the end-to-end Jacobian d x_L / d x_0, plain and residual",
    help=(
        "A plain DeepNetwork(LAYERS, WIDTH, act(W x + b)) and its residual twin x + ALPHA * act(W x + b),\n"
        "same weights (built after torch.manual_seed(SEED)). Point: one standard-normal input (1, WIDTH)\n"
        "from its own generator seeded from SEED. No loss: each layer's Jacobian by autograd (float64),\n"
        "multiplied up. Reported: the singular values of d x_L / d x_0, their min/median/max for every\n"
        "l, and each residual block's smallest and largest singular value with the bound 1 - ||A||_2."
    ),
    code=(jacobian.layer_jacobians, twins),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "spectrum",
            "line",
            jacobian.spectrum_rows,
            lambda r: {
                "x": "index",
                "y": "singular_value",
                "x_title": "singular value number (largest first)",
                "y_title": f"singular value of ∂x_{r['layers']}/∂x₀",
            },
        ),
        Figure(
            "per-layer",
            "band",
            jacobian.per_layer_band_rows,
            {
                "x": "layer",
                "y": "median",
                "lo": "min",
                "hi": "max",
                "x_title": "layer l",
                "y_title": "singular values of ∂x_l/∂x₀",
            },
        ),
    ),
)

MULTIPLICATIVE = Experiment(
    name="multiplicative",
    func=residual_math.multiplicative_experiment,
    bounds=MATH_NETWORK,
    summary="y = x * F(x) stacked against y = x + alpha * F(x): forward and gradient norms per layer",
    help=(
        "Two networks with the same weights (built after torch.manual_seed(SEED)), F(x) = act(W x + b):\n"
        "multiplicative x <- x * F(x) and residual x <- x + ALPHA * F(x), LAYERS layers of width WIDTH.\n"
        f"{NETWORK_HELP}\n"
        "Loss: output.sum(). Reported: float64 norms of x_l and of d loss / d x_l for every layer l."
    ),
    code=(Multiplicative, ScaledResidual, layer_input_grad_norms),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "forward",
            "line",
            residual_math.multiplicative_forward_rows,
            {"x": "layer", "y": "norm", "x_title": "layer l", "y_title": "‖x_l‖ (forward)"},
        ),
        Figure(
            "gradient",
            "line",
            residual_math.multiplicative_gradient_rows,
            {"x": "layer", "y": "grad_norm", "x_title": "layer l (0 = input)", "y_title": "‖∂loss/∂x_l‖ (backward)"},
        ),
    ),
)

PAGE = Page(
    key="residual-math",
    title="Residual math",
    icon=":material/function:",
    teaser="y = x + F(x): the derivative 1 + F′, the unrolled sum x₀ + Σ Fᵢ, and what survives a hundred layers.",
    experiments=(ONE_D, UNROLLED, PRESERVATION, PRESERVATION_VS_TEXT, JACOBIAN, MULTIPLICATIVE),
)
