"""/vanishing: vanishing and exploding products, and a real network that shows them."""

from .. import bounds
from ..declare import Claim, Experiment, Figure, Page, Verdict
from ..experiments import vanishing
from ..measure import geometric_fit, gradient_profile, layer_input_grad_norms
from ..models.layers import Branch, Plain, ScaledResidual
from ..models.networks import branches, twins

PRODUCTS = Experiment(
    name="products",
    func=vanishing.products_experiment,
    bounds=bounds.PRODUCTS,
    summary="factor ** depth, layer by layer, and a real network's per-layer gradient norms",
    help=(
        "The product of DEPTH equal per-layer factors, exact (decimal arithmetic), with its log10 and the\n"
        "running product for every layer 0..DEPTH.\n\n"
        "measured: a plain tanh DeepNetwork(DEPTH, width=64) built after torch.manual_seed(SEED), and its\n"
        "residual twin with the same weights (x + 0.1 * tanh(W x + b)). Batch: one standard-normal\n"
        "input (1, 64) from its own generator seeded from SEED. Loss: output.sum(). Reported: the float64\n"
        "norm of the loss gradient at the input of every layer, layer 0 being the network's input."
    ),
    code=(
        vanishing.product_series,
        vanishing.exact_product,
        geometric_fit,
        gradient_profile,
        layer_input_grad_norms,
        twins,
        branches,
        Branch,
        Plain,
        ScaledResidual,
    ),
    table=vanishing.products_table,
    figures=(
        Figure(
            "running-product",
            "line",
            vanishing.running_product_rows,
            lambda r: {
                "x": "layer",
                "y": "product",
                "x_title": "layers l",
                "y_title": "product of l factors",
                "marker_x": r["depth"],
                "marker_label": f"depth {r['depth']}",
            },
        ),
        Figure(
            "gradients",
            "line",
            vanishing.gradient_rows,
            {
                "x": "layer",
                "y": "grad_norm",
                "x_title": "layer l (0 = network input)",
                "y_title": "‖∂loss/∂x_l‖",
                "dashed": (vanishing.FITTED,),
            },
        ),
    ),
)


def _plain_vanishes(r: dict) -> Verdict:
    first, last = r["measured"][0]["plain"], r["measured"][-1]["plain"]
    ratio = first / last
    return Verdict(ratio < 1e-3, f"plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {ratio:.3g} at depth {r['depth']}, seed {r['seed']}")


CLAIMS = (
    Claim(
        id="plain-gradient-vanishes",
        text="The plain network's gradient vanishes: less than 1/1000 of it reaches the input.",
        condition="tanh, width 64, PyTorch's default nn.Linear initialisation",
        experiment="products",
        check=_plain_vanishes,
    ),
)

PAGE = Page(
    key="vanishing",
    title="Vanishing & exploding",
    icon=":material/trending_down:",
    teaser="0.9¹⁰⁰ and 1.1¹⁰⁰: why a product of many layer factors vanishes or explodes, measured in a real network.",
    experiments=(PRODUCTS,),
    claims=CLAIMS,
)
