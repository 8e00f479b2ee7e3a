"""The vanishing page's teaching text: its sections' prose, metrics and derivations, computed from the result and the
page's settings (plain Python, no Streamlit). Declared as the sections of :data:`residual_core.catalog.vanishing.PAGE`.
"""

from __future__ import annotations

from ..declare import Metric
from ..experiments.vanishing import PRODUCTS_NETWORK_ALPHA, PRODUCTS_NETWORK_WIDTH, exact_product
from ..numbers import fmt, g3, plural


def share(x: float) -> str:
    """A share of the gradient, readable at any size."""
    return f"{x:.2g}" if 1e-3 <= abs(x) < 1e3 else f"{x:.1e}"


INIT_NAMES = {"default": "PyTorch's default", "xavier": "Xavier", "he": "He", "orthogonal": "orthogonal"}

INTRO = (
    "Backpropagation multiplies one factor per layer. If each factor is a little below 1 the product **vanishes**; "
    "a little above 1 and it **explodes**. Move the factor and the depth and watch the product."
)


# -- above the first section: the product the page is about -----------------------------------------------------------


def product_metrics(result: dict, settings: dict) -> list[Metric]:
    """0.9¹⁰⁰, 1.1¹⁰⁰ and the chosen factor to the chosen depth."""
    factor, depth = settings["factor"], settings["depth"]
    p09, p11, chosen = exact_product(0.9, 100), exact_product(1.1, 100), exact_product(factor, depth)
    return [
        Metric("0.9¹⁰⁰", fmt(p09.value), help=f"log₁₀ = {p09.log10:.4f}"),
        Metric("1.1¹⁰⁰", fmt(p11.value), help=f"log₁₀ = {p11.log10:.4f}"),
        Metric(f"{factor:g}^{depth}", fmt(chosen.value), help=f"log₁₀ = {chosen.log10:.4f}"),
    ]


CHAIN_RULE = (
    r"\frac{\partial \mathcal{L}}{\partial x_0} = \frac{\partial \mathcal{L}}{\partial x_L}\,"
    r"J_L\,J_{L-1}\cdots J_1,\qquad J_l = \frac{\partial x_l}{\partial x_{l-1}}"
)
CHAIN_RULE_CAPTION = "Gradients as row vectors: the last layer's Jacobian J_L comes first, the first layer's J_1 last."


def chosen_power(settings: dict) -> str:
    """The chosen factor to the chosen depth as a display formula (``0.9^{100} = 2.656 \\times 10^{-5}``)."""
    factor, depth = settings["factor"], settings["depth"]
    mantissa, _, exponent = exact_product(factor, depth).text.partition("e")
    power = rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa
    return rf"{factor:g}^{{{depth}}} = {power}"


# -- a real network ---------------------------------------------------------------------------------------------------


def real_network_text(result: dict, settings: dict) -> str:
    depth, seed, init_name = settings["depth"], settings["seed"], INIT_NAMES[settings["init"]]
    return (
        f"A plain tanh network of **{depth}** layers (width {PRODUCTS_NETWORK_WIDTH}, {init_name} initialisation, "
        f"seed {seed}) and its residual twin with the same weights, `x + {PRODUCTS_NETWORK_ALPHA}·tanh(Wx + b)`. The "
        "loss is `output.sum()`; the chart shows the gradient norm at the input of every layer (layer 0 is the "
        "network's input), computed in float64."
    )


def real_network_metrics(result: dict, settings: dict) -> list[Metric]:
    fit_plain, fit_res = result["fit"]["plain"], result["fit"]["residual"]
    return [
        Metric("Gradient at the input, plain", fmt(result["measured"][0]["plain"])),
        Metric("Gradient at the input, residual", fmt(result["measured"][0]["residual"])),
        Metric(
            "Fitted factor per layer, plain",
            f"{fit_plain['rate']:.3f}",
            help="Least-squares fit of log₁₀(gradient norm) against the number of layers between it and the output. "
            f"Residual: {fit_res['rate']:.3f}.",
        ),
    ]


JACOBIANS = (
    r"\text{plain: } J_l = \operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l,\qquad "
    r"\text{residual: } J_l = I + \alpha\,\operatorname{diag}\big(\tanh'(W_l x_{l-1} + b_l)\big)\,W_l"
)


CRITICAL_INITS = ("xavier", "orthogonal")  # weight variance 1/fan_in: a tanh stack near the edge of chaos


def real_network_reading(result: dict, settings: dict) -> str:
    """Under the chart and its claims: what the fitted factors say about the two Jacobians."""
    fit_plain, fit_res = result["fit"]["plain"], result["fit"]["residual"]
    trend = "shrinks" if fit_plain["rate"] < 1 else "grows"
    critical = (
        f" With {INIT_NAMES[settings['init']]} initialisation, though, r is not a constant of the network: the "
        "weights' variance 1/fan_in puts this tanh stack at (near) criticality, the edge of chaos of mean-field "
        "theory (Poole et al. 2016; Schoenholz et al. 2017), where the gradient decays *sub-exponentially*, slower "
        "than any fixed r^L. The fitted r drifts towards 1 as the stack gets deeper: compare 10 layers with 500."
        if settings["init"] in CRITICAL_INITS
        else ""
    )
    return (
        f"Going backwards, each plain layer here multiplies the gradient by **{fit_plain['rate']:.3f}** on average "
        f"(fitted), so over {plural(settings['depth'], 'layer')} it {trend} roughly like "
        f"{fit_plain['rate']:.3f}^L.{critical} "
        "How much a plain "
        "layer shrinks or stretches the gradient is set by `diag(tanh′)·W`: tanh′ is at most 1, so only the weights "
        "`W` can stretch it, and small weights shrink it. Each residual layer's Jacobian is `I + α·diag(tanh′)·W`: "
        f"with a small α it stays close to the identity (fitted factor here **{fit_res['rate']:.4f}**)."
    )


# -- depth or initialisation? -----------------------------------------------------------------------------------------

INIT_TEXT = (
    "PyTorch's default `nn.Linear` draws weights uniformly from ±1/√fan_in: variance **1/(3·fan_in)**, a third of "
    "the 1/fan_in of LeCun's and Xavier's initialisation for these square 64 × 64 layers. Weights that small shrink "
    "the signal and the gradient at a tanh layer. Below, the same network with each of the four initialisations "
    "(same depth and seed; all but the default start with zero biases): how much of the vanishing is the "
    "initialisation, and how much is depth?"
)


def init_verdict(result: dict, settings: dict) -> str:
    """The computed answer to the section's question, for the initialisation chosen above."""
    kept = {init: result["kept"][init]["plain"] for init in result["inits"]}
    default, xavier = kept["default"], kept["xavier"]
    chosen = settings.get("init", "default")
    head = (
        f"Here the plain network's input gets {share(default)} of the output's gradient with the default "
        f"initialisation and {share(xavier)} with Xavier"
    )
    if xavier >= 10 * default:
        head += f" ({g3(xavier / default)} times more): much of the default's vanishing is the initialisation."
    else:
        head += ": at this depth and seed the initialisation is not what makes the difference."
    if chosen != "default":
        c = kept[chosen]
        head += (
            f" Above you chose {INIT_NAMES[chosen]}: the plain gradient there "
            + (f"grows {share(c)}× on its way back" if c > 1 else f"keeps {share(c)} of its size")
            + "."
        )
    return head


def init_more(result: dict) -> str:
    """In the row of details under the comparison: He initialisation, and the degradation problem."""
    return (
        "He initialisation (variance 2/fan_in) is made for ReLU, which zeroes half of its inputs; on these square "
        "tanh layers it has twice Xavier's variance (plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ here: "
        f"{share(result['kept']['he']['plain'])}). A gradient that does not vanish is not the whole story "
        "either: He et al. (2016) found that deeper *plain* networks trained to a higher training error than "
        "shallower ones even though normalisation kept their gradients from vanishing (the *degradation problem*). "
        "The training lab's depth sweep (the link below) lets you try it with Xavier initialisation."
    )


def init_reading(result: dict, settings: dict) -> str:
    """The verdict and :func:`init_more` in one text."""
    return init_verdict(result, settings) + " " + init_more(result)
