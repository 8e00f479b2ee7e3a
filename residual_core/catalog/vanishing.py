"""/vanishing: vanishing and exploding products, and a real network that shows them."""

from .. import options
from ..altered import replaced
from ..bounds import Bound
from ..budget import Cost, number
from ..declare import Claim, Experiment, Figure, Page, Question, Section, Verdict
from ..experiments import vanishing
from ..measure import geometric_fit, gradient_profile, layer_input_grad_norms
from ..models.layers import Branch, Plain, ScaledResidual
from ..models.networks import branches, initialise_, twins
from ..numbers import g3, span
from ..where import all_of, at_least, at_most, equals
from . import vanishing_text as text
from .vanishing_text import INIT_NAMES, share

# -- takeaways ---------------------------------------------------------------------------------------------------


def _product_takeaway(r: dict) -> str:
    log10 = r["log10_product"]
    if log10 is None:
        return "A factor of 0 makes the product 0 from the first layer on."
    size = (
        "exactly 1: the product neither vanishes nor explodes"
        if abs(log10) < 1e-12
        else f"{abs(log10):.1f} orders of magnitude {'below' if log10 < 0 else 'above'} 1"
    )
    return f"{r['factor']:g} multiplied {r['depth']} times gives 10^{log10:.2f}: {size}."


def _kept(r: dict, name: str) -> float:
    first, last = r["measured"][0][name], r["measured"][-1][name]
    return first / last


def _gradient_takeaway(r: dict) -> str:
    rate = r["fit"]["plain"]["rate"]
    return (
        f"With {INIT_NAMES[r['init']]} initialisation (seed {r['seed']}) the gradient at the input is "
        f"{share(_kept(r, 'plain'))} times the one at the output in the plain network (fitted factor {rate:.3f} per "
        f"layer) and {share(_kept(r, 'residual'))} times in the residual twin."
    )


def _init_takeaway(network: str):
    def takeaway(r: dict) -> str:
        kept = ", ".join(f"{share(r['kept'][i][network])} ({INIT_NAMES[i]})" for i in r["inits"])
        return f"‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ of the {network} network at depth {r['depth']}: {kept}."

    return takeaway


# -- claims ------------------------------------------------------------------------------------------------------


def _plain_vanishes(r: dict) -> Verdict:
    ratio = _kept(r, "plain")
    return Verdict(
        ratio < 1e-3,
        f"plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {ratio:.3g} at depth {r['depth']}, {r['init']} init, seed {r['seed']}",
    )


def _residual_kept(r: dict) -> Verdict:
    ratio = _kept(r, "residual")
    return Verdict(
        0.5 <= ratio <= 2,
        f"residual ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {ratio:.3g} at depth {r['depth']}, {r['init']} init, seed {r['seed']}",
    )


def _init_postpones(r: dict) -> Verdict:
    kept = {i: r["kept"][i]["plain"] for i in r["inits"]}
    gain = min(kept["xavier"], kept["orthogonal"]) / kept["default"] if kept["default"] > 0 else float("inf")
    return Verdict(
        gain >= 100,
        f"plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖: default {share(kept['default'])}, xavier {share(kept['xavier'])}, "
        f"orthogonal {share(kept['orthogonal'])} (at least {share(gain)}× the default's), depth {r['depth']}",
    )


def _depth_still_costs(r: dict) -> Verdict:
    rate = {i: r["rate"][i]["plain"] for i in r["inits"]}
    return Verdict(
        rate["xavier"] < 1 and rate["orthogonal"] < 1,
        f"plain network's fitted factor per layer: xavier {rate['xavier']:.4f}, orthogonal {rate['orthogonal']:.4f} "
        f"(he {rate['he']:.4f}, default {rate['default']:.4f}), depth {r['depth']}",
    )


def _residual_ignores_init(r: dict) -> Verdict:
    res = [r["kept"][i]["residual"] for i in r["inits"]]
    plain = [r["kept"][i]["plain"] for i in r["inits"]]
    spread = max(res) / min(res)
    plain_spread = max(plain) / min(plain) if min(plain) > 0 else float("inf")
    return Verdict(
        spread < 2,
        f"residual ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ {span(min(res), max(res), share)} over the four inits (a factor "
        f"{g3(spread)}); plain {span(min(plain), max(plain), share)} (a factor {share(plain_spread)}), depth "
        f"{r['depth']}",
    )


# -- the prediction question (section 3.1) -------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_text(base: float, exponent: int) -> str:
    """``0.9¹⁰⁰``."""
    return f"{base:g}{str(exponent).translate(_SUPERSCRIPT)}"


def _ratio(kw: dict) -> str:
    return power_text(kw["factor"], kw["depth"])


POWER = Question(
    id="power",
    text=lambda kw: f"What is {_ratio(kw)}, the product of {kw['depth']} factors of {kw['factor']:g}?",
    answer=lambda r: r["product"],
    scale="log",
    explain=lambda r: f"{_ratio(r)} = {r['product']:.4g}, that is 10^{r['log10_product']:.2f} (computed exactly).",
)

PRODUCTS_CLAIMS = (
    Claim(
        id="plain-gradient-vanishes",
        text="The plain network's gradient vanishes: less than 1/1000 of it reaches the input.",
        condition="tanh, width 64, PyTorch's default nn.Linear initialisation, depth 20 or more",
        check=_plain_vanishes,
        holds={"depth": 50},
        fails={"depth": 50, "init": "xavier"},
        applies=all_of(equals("init", "default"), at_least("depth", 20)),
    ),
    Claim(
        id="residual-gradient-kept",
        text="The residual twin's gradient neither vanishes nor explodes: between half and twice the output's "
        "gradient reaches the input.",
        condition="x + 0.1·tanh(Wx + b), width 64; at 500 layers Xavier and He weights take it above 2",
        check=_residual_kept,
        holds={"depth": 50},
        fails={"depth": 500, "init": "he"},
        applies=at_most("depth", 200),
    ),
)

PRODUCTS = Experiment(
    name="products",
    func=vanishing.products_experiment,
    bounds=options.PRODUCTS,
    summary="factor ** depth, layer by layer, and a real network's per-layer gradient norms",
    help=(
        "The product of DEPTH equal per-layer factors, exact (decimal arithmetic), with its log10 and the\n"
        "running product for every layer 0..DEPTH.\n\n"
        "measured: a plain tanh DeepNetwork(DEPTH, width=64) built after torch.manual_seed(SEED) with the\n"
        "initialisation INIT, and its residual twin with the same weights (x + 0.1 * tanh(W x + b)). INIT:\n"
        "default (PyTorch's nn.Linear: variance 1/(3 fan_in), a third of LeCun's), xavier (gain 1), he (for\n"
        "ReLU) or orthogonal; all but default zero the biases. Batch: one standard-normal\n"
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
        initialise_,
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
            takeaway=_product_takeaway,
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
            takeaway=_gradient_takeaway,
        ),
    ),
    cost=Cost(lambda kw: (number(kw, "depth", 100), 64.0**2), 2.21e-4, 5.4e-8, 0.018),
    claims=PRODUCTS_CLAIMS,
    question=POWER,
    example={"depth": 20},
)


INIT_COMPARE_CLAIMS = (
    Claim(
        id="init-postpones-vanishing",
        text="Good initialisation postpones vanishing: with Xavier or orthogonal weights at least 100 times more of "
        "the plain network's gradient reaches the input than with PyTorch's default.",
        condition="plain tanh network, width 64, depth 10 or more",
        check=_init_postpones,
        holds={"depth": 50},
        fails={"depth": 1},
        applies=at_least("depth", 12),
    ),
    Claim(
        id="depth-still-costs",
        text="Good initialisation does not remove the cost of depth: with Xavier or orthogonal weights the plain "
        "network's gradient still shrinks by a factor below 1 per layer, so a deeper network keeps less of it.",
        condition="plain tanh network, width 64, fitted over all layers",
        check=_depth_still_costs,
        holds={"depth": 20},
        fails=replaced(rate=lambda r: {**r["rate"], "xavier": {"plain": 1.01, "residual": 1.0}}),
    ),
    Claim(
        id="residual-ignores-init",
        text="The residual twin's gradient barely depends on the initialisation: the gradient reaching its input "
        "changes by less than a factor of 2 across the four.",
        condition="x + 0.1·tanh(Wx + b), width 64, up to a few hundred layers",
        check=_residual_ignores_init,
        holds={"depth": 50},
        fails={"depth": 500},
        applies=at_most("depth", 250),
    ),
)

INIT_COMPARE = Experiment(
    name="init-compare",
    func=vanishing.init_compare,
    bounds=options.INIT_COMPARE,
    summary="the page's network under every initialisation (default, xavier, he, orthogonal): gradient per layer",
    help=(
        "The measured network of `products` (plain tanh DeepNetwork(DEPTH, width=64) and its residual twin\n"
        "x + 0.1 * tanh(W x + b), same weights) built after torch.manual_seed(SEED) with each initialisation:\n"
        "default (PyTorch's nn.Linear: uniform, variance 1/(3 fan_in)), xavier (Xavier uniform, gain 1:\n"
        "variance 1/width), he (Kaiming normal for ReLU: variance 2/width), orthogonal (gain 1); all but\n"
        "default zero the biases. Batch: one standard-normal input (1, 64) from its own generator seeded from\n"
        "SEED. Loss: output.sum(). Reported: the float64 gradient norm at the input of every layer per init,\n"
        "the share ||dL/dx_0|| / ||dL/dx_L|| that reaches the input and the fitted factor per layer."
    ),
    code=(initialise_, branches, gradient_profile, geometric_fit),
    table=lambda r: r["per_layer"],
    figures=tuple(
        Figure(
            network,
            "line",
            vanishing.init_rows(network),
            lambda r, network=network: {
                "x": "layer",
                "y": "grad_norm",
                "x_title": "layer l (0 = network input)",
                "y_title": "‖∂loss/∂x_l‖",
                "title": f"{network.capitalize()} network, by initialisation",
                "height": 300,
            },
            takeaway=_init_takeaway(network),
        )
        for network in ("plain", "residual")
    ),
    cost=Cost(lambda kw: (8 * number(kw, "depth", 100), 8 * number(kw, "depth", 100) * 64.0**2), 9.4e-5, 2.3e-8, 0.055),
    claims=INIT_COMPARE_CLAIMS,
)

# -- the page: its sections ------------------------------------------------------------------------------------------

AXIS = Bound.choice("axis", ("log", "linear"), "log", label="Vertical axis")
"""The vertical axis of every chart on the page (a view option, no experiment's)."""

RUNNING_PRODUCT = Section(
    name="the-running-product",
    heading="The running product",
    experiment=PRODUCTS,
    figures=("running-product",),
    claims=(),
    controls=(options.PRODUCTS["factor"], options.PRODUCTS["depth"], AXIS),
)
REAL_NETWORK = Section(
    name="a-real-network",
    heading="A real network",
    experiment=PRODUCTS,
    figures=("gradients",),
    controls=(options.PRODUCTS["depth"], options.PRODUCTS["init"], options.PRODUCTS["seed"], AXIS),
    text=text.real_network_text,
    metrics=text.real_network_metrics,
)
DEPTH_OR_INIT = Section(
    name="is-it-the-depth-or-the-initialisation",
    heading="Is it the depth, or the initialisation?",
    experiment=INIT_COMPARE,
    figures=("plain", "residual"),
    controls=(options.PRODUCTS["depth"], options.PRODUCTS["seed"], AXIS),
    text=text.INIT_TEXT,
)

PAGE = Page(
    key="vanishing",
    title="Vanishing & exploding",
    icon=":material/trending_down:",
    teaser="0.9¹⁰⁰ and 1.1¹⁰⁰: why a product of many layer factors vanishes or explodes, measured in a real network.",
    experiments=(PRODUCTS, INIT_COMPARE),
    sections=(RUNNING_PRODUCT, REAL_NETWORK, DEPTH_OR_INIT),
)
