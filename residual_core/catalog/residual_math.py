"""/residual-math: y = x + R(x) in one dimension, the unrolled sum, section 3.5, the Jacobian view, x ⊙ F(x)."""

from ..altered import replaced
from ..budget import Cost, fixed, net, number
from ..declare import Claim, Experiment, Figure, Page, Question, Section
from ..experiments import jacobian, preservation, residual_math
from ..measure import layer_input_grad_norms
from ..models.layers import Branch, Multiplicative, ScaledResidual
from ..models.networks import twins
from ..numbers import percent
from ..options import MATH_NETWORK, RESIDUAL_1D, SEED
from ..options import PRESERVATION as PRESERVATION_BOUNDS
from ..where import all_of, at_least, at_most, equals, one_of
from . import residual_math_text as text
from .residual_math_checks import (
    _below_one,
    _blocks_below_one,
    _multiplication_compounds,
    _residual_keeps_directions,
    _unrolled_exact,
)

# -- the prediction question (sections 3.2 and 3.3) ---------------------------------------------------------------


def _branch(kw: dict) -> str:
    return f"R(x) = {kw['a']:g}·{kw['g']}({kw['w']:g}·x)"


BELOW_ONE = Question(
    id="below-one",
    text=lambda kw: (
        f"y = x + R(x) with {_branch(kw)}, for x from −3 to 3. On what share of that range (in %) is "
        "dy/dx = 1 + R′(x) below 1?"
    ),
    answer=lambda r: 100 * r["share_below_one"],
    explain=lambda r: (
        f"dy/dx < 1 on {percent(r['share_below_one'])} of the plot: exactly where R′(x) < 0 (the smallest "
        f"dy/dx is {r['min_dy']:.3f})."
    ),
)

ONE_D_CLAIMS = (
    Claim(
        id="derivative-below-one",
        text="The derivative of x + R(x) is not at least 1: 1 + R′(x) drops below 1 wherever the branch decreases.",
        condition="a branch with R′ < 0 somewhere (sin with a·w ≠ 0; tanh or relu with a·w < 0)",
        check=_below_one,
        seeded=False,
        holds={},
        fails={"g": "tanh"},
        applies=equals("g", "sin"),
    ),
)

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
            takeaway=text.one_d_takeaway,
        ),
    ),
    cost=Cost(fixed, 0.0, 0.0, 0.01),
    claims=ONE_D_CLAIMS,
    question=BELOW_ONE,
)

NETWORK_HELP = "Batch: one standard-normal input (1, WIDTH) from its own generator seeded from SEED."

UNROLLED_CLAIMS = (
    Claim(
        id="unrolled-sum-exact",
        text="x_L = x₀ + Σ Fᵢ(xᵢ): adding the branch outputs to the input reproduces the output up to rounding.",
        condition="any residual network x ← x + α·F(x) (rounding: 16 float32 steps, 1e-9 relative in float64)",
        check=_unrolled_exact,
        holds={"layers": 5},
        fails=replaced(max_abs_diff_float32=lambda r: 100 * r["float32_spacing"]),
    ),
)

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
            takeaway=text.unrolled_takeaway,
        ),
    ),
    cost=Cost(net("layers", "width", 30, 64), 3.7e-4, 2.7e-8, 0.005),
    claims=UNROLLED_CLAIMS,
    example={"layers": 5, "width": 8},
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
            takeaway=text.preservation_takeaway,
        ),
    ),
    cost=Cost(lambda kw: (number(kw, "depth", 100), 0.0), 1.0e-4, 0.0, 0.005),
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
    cost=Cost(fixed, 0.0, 0.0, 0.02),
)

JACOBIAN_CLAIMS = (
    Claim(
        id="residual-blocks-below-one",
        text="In matrix form “at least 1” fails too: some residual blocks' Jacobians I + A have a singular value "
        "below 1.",
        condition="any α > 0: it needs only one direction that A shortens",
        check=_blocks_below_one,
        holds={"layers": 5, "width": 16},
        fails={"layers": 5, "width": 16, "alpha": 0.0},
        applies=at_least("alpha", 0.01),
    ),
    Claim(
        id="residual-keeps-directions",
        text="The residual stack keeps every direction: the singular values of ∂x_L/∂x₀ stay between 0.1 and 10.",
        condition="a small branch (α around 0.1); with α near 1 or ReLU they grow",
        check=_residual_keeps_directions,
        holds={},
        fails={"alpha": 2.0, "activation": "relu"},
        applies=all_of(at_most("alpha", 0.2), one_of("activation", ("tanh", "sigmoid"))),
    ),
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
            takeaway=text.spectrum_takeaway,
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
            takeaway=text.jacobian_layers_takeaway,
        ),
    ),
    cost=Cost(net("layers", "width", 30, 64, power=3), 0.0, 1.8e-8, 0.068),
    claims=JACOBIAN_CLAIMS,
    example={"layers": 5, "width": 8},
)

MULTIPLICATIVE_CLAIMS = (
    Claim(
        id="multiplication-compounds",
        text="Multiplying instead of adding makes depth compound again: x ⊙ F(x) ends below 1/1000 or above 1000 "
        "times the input's norm, while x + α·F(x) stays within a factor of 10.",
        condition="tanh or sigmoid branch (|F| < 1), α around 0.1, 20 layers or more",
        check=_multiplication_compounds,
        holds={},
        fails={"layers": 1},
        applies=all_of(
            one_of("activation", ("tanh", "sigmoid")),
            at_least("alpha", 0.05),
            at_most("alpha", 0.2),
            at_least("layers", 20),
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
            takeaway=text.mult_forward_takeaway,
        ),
        Figure(
            "gradient",
            "line",
            residual_math.multiplicative_gradient_rows,
            {"x": "layer", "y": "grad_norm", "x_title": "layer l (0 = input)", "y_title": "‖∂loss/∂x_l‖ (backward)"},
            takeaway=text.mult_gradient_takeaway,
        ),
    ),
    cost=Cost(net("layers", "width", 30, 64), 5.8e-4, 5.4e-9, 0.005),
    claims=MULTIPLICATIVE_CLAIMS,
    example={"layers": 5, "width": 8},
)

# -- the page: its sections ------------------------------------------------------------------------------------------

_NET = tuple(MATH_NETWORK.values())

IN_ONE_DIMENSION = Section(
    name="in-one-dimension",
    heading="1 · y = x + R(x) in one dimension",
    experiment=ONE_D,
    figures=("curves",),
    controls=tuple(RESIDUAL_1D.values()),
    metrics=text.one_d_metrics,
    level="header",
)
THE_UNROLLED_SUM = Section(
    name="the-unrolled-sum",
    heading="2 · The unrolled sum",
    experiment=UNROLLED,
    figures=("norms",),
    controls=_NET,
    metrics=text.unrolled_metrics,
    level="header",
)
INFORMATION_PRESERVATION = Section(
    name="information-preservation",
    heading="3 · Information preservation (section 3.5)",
    experiment=PRESERVATION,
    figures=("norms",),
    controls=(*PRESERVATION_BOUNDS.values(), MATH_NETWORK["seed"]),
    text=text.preservation_text,
    metrics=text.preservation_metrics,
    level="header",
)
THE_JACOBIAN_VIEW = Section(
    name="the-jacobian-view",
    heading="4 · The Jacobian view",
    experiment=JACOBIAN,
    figures=("spectrum", "per-layer"),
    controls=_NET,
    metrics=text.jacobian_metrics,
    level="header",
)
MULTIPLICATION_INSTEAD_OF_ADDITION = Section(
    name="multiplication-instead-of-addition",
    heading="5 · Multiplication instead of addition (exercise 3)",
    experiment=MULTIPLICATIVE,
    figures=("forward", "gradient"),
    controls=_NET,
    level="header",
)

PAGE = Page(
    key="residual-math",
    title="Residual math",
    icon=":material/function:",
    teaser="y = x + F(x): the derivative 1 + F′, the unrolled sum x₀ + Σ Fᵢ, and what survives a hundred layers.",
    experiments=(ONE_D, UNROLLED, PRESERVATION, PRESERVATION_VS_TEXT, JACOBIAN, MULTIPLICATIVE),
    sections=(
        IN_ONE_DIMENSION,
        THE_UNROLLED_SUM,
        INFORMATION_PRESERVATION,
        THE_JACOBIAN_VIEW,
        MULTIPLICATION_INSTEAD_OF_ADDITION,
    ),
)
