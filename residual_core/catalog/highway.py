"""/highway: highway layers against residual ones, at initialisation, with pinned gates, and trained."""

import math

from ..altered import replaced, scaled
from ..budget import Cost, fixed, net, number
from ..declare import Claim, Experiment, Figure, Page, Question, Section, Verdict
from ..experiments import highway
from ..experiments.highway import HIGHWAY_BATCH, HIGHWAY_TRAIN_BATCH, HIGHWAY_TRAIN_LR, HIGHWAY_TRAIN_TEST
from ..experiments.highway import HIGHWAY_TRAIN_WIDTH as WIDTH
from ..measure import layer_input_grad_norms
from ..memory import Memory
from ..models.layers import HighwayLayer, UncoupledHighway
from ..models.networks import Regressor, highway_stack
from ..numbers import g3, plural
from ..options import HIGHWAY, HIGHWAY_TRAIN
from ..training.loop import train_models
from ..training.tasks import StreamingRegressionTask
from ..where import all_of, any_of, at_least, at_most
from . import highway_text as text


def _kept(r: dict, kind: str) -> float:
    """``||dL/dx_0|| / ||dL/dx_L||``: the share of the output's gradient that reaches the input."""
    return r["per_layer"][0][kind] / r["per_layer"][-1][kind]


def _gradients_takeaway(r: dict) -> str:
    return (
        f"Gradient at the input over the gradient at the output after {plural(r['depth'], 'layer')}: plain "
        f"{g3(_kept(r, 'plain'))}, highway {g3(_kept(r, 'highway'))}, residual {g3(_kept(r, 'residual'))}."
    )


def _gates_takeaway(r: dict) -> str:
    gates = r["gate_mean"]
    return (
        f"With gate bias {r['gate_bias']:g} the mean gate runs from {min(gates):.3f} to {max(gates):.3f} over the "
        f"{plural(r['depth'], 'layer')} (sigmoid({r['gate_bias']:g}) = {1 / (1 + math.exp(-r['gate_bias'])):.3f})."
    )


def _change_takeaway(r: dict) -> str:
    mean = {k: sum(row[k] for row in r["change"]) / len(r["change"]) for k in ("plain", "highway", "residual")}
    return (
        f"On average a layer changes its input by {mean['plain']:.2f} (plain), {mean['highway']:.2f} (highway) and "
        f"{mean['residual']:.2f} (residual) of its size."
    )


def _training_takeaway(r: dict) -> str:
    t = r["test"]
    return (
        f"Held-out loss after {r['steps']} steps: plain {t['plain']:.3f}, highway {t['highway']:.3f}, residual "
        f"{t['residual']:.3f} (1 = learned nothing)."
    )


# -- claims ------------------------------------------------------------------------------------------------------


def _setting(r: dict) -> str:
    return f"depth {r['depth']}, gate bias {r['gate_bias']:g}, width {r['width']}, seed {r['seed']}"


def _plain_vanishes(r: dict) -> Verdict:
    kept = _kept(r, "plain")
    return Verdict(kept < 1e-3, f"plain ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {g3(kept)} ({_setting(r)})")


def _highway_carries(r: dict) -> Verdict:
    kept = _kept(r, "highway")
    return Verdict(
        kept >= 1e-2,
        f"highway ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {g3(kept)}, mean gate in layer 1 {r['gate_mean'][0]:.3f} ({_setting(r)})",
    )


def _residual_grows(r: dict) -> Verdict:
    kept = _kept(r, "residual")
    return Verdict(kept > 1, f"residual ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ = {g3(kept)} ({_setting(r)})")


def _uncoupled_exact(r: dict) -> Verdict:
    return Verdict(
        r["exact_residual"] and r["exact_plain"],
        f"T = C = 1 equals the residual block: {'yes' if r['exact_residual'] else 'no'}; T = 1, C = 0 equals the "
        f"plain layer: {'yes' if r['exact_plain'] else 'no'} (width {r['width']}, seed {r['seed']}, float32)",
    )


def _plain_trains_worst(r: dict) -> Verdict:
    t = r["test"]
    return Verdict(
        t["plain"] > 2 * min(t["highway"], t["residual"]),
        f"held-out loss: plain {t['plain']:.3f}, highway {t['highway']:.3f}, residual {t['residual']:.3f} "
        f"({plural(r['layers'], 'layer')}, {r['steps']} steps, gate bias {r['gate_bias']:g}, seed {r['seed']})",
    )


# -- the prediction question (section 3.3, highway networks) -----------------------------------------------------

STACKS = ("plain", "highway", "residual")


def _largest_input_gradient(r: dict) -> str:
    first = r["per_layer"][0]
    return max(STACKS, key=lambda k: first[k])


LARGEST_GRADIENT = Question(
    id="largest-input-gradient",
    text=lambda kw: (
        f"Three {kw['depth']}-layer stacks with the same transforms: plain, highway (gate bias "
        f"{kw['gate_bias']:g}) and residual. Which one has the largest gradient norm at its input?"
    ),
    answer=_largest_input_gradient,
    kind="choice",
    options=STACKS,
    explain=lambda r: (
        "Gradient norm at the input: "
        + ", ".join(f"{k} {r['per_layer'][0][k]:.3g}" for k in STACKS)
        + " (the same output gradient in all three)."
    ),
)

AT_INIT_CLAIMS = (
    Claim(
        id="highway-plain-vanishes",
        text="Without a carry path the gradient vanishes: less than 1/1000 of it reaches the plain stack's input.",
        condition="tanh transforms, PyTorch's default initialisation, 20 layers or more",
        check=_plain_vanishes,
        holds={},
        fails={"depth": 5},
        applies=at_least("depth", 20),
    ),
    Claim(
        id="closed-gate-carries-gradient",
        text="A highway whose gates start nearly shut carries the gradient: more than 1/100 of it reaches the input.",
        condition="a negative gate bias, the more negative the deeper (−3 or below at 50 layers)",
        check=_highway_carries,
        holds={},
        fails={"gate_bias": 2.0},
        applies=any_of(all_of(at_most("gate_bias", -3.0), at_most("depth", 75)), at_most("gate_bias", -4.0)),
    ),
    Claim(
        id="unscaled-residual-grows",
        text="The residual stack's gradient does not vanish; with nothing scaling H down it grows toward the input.",
        condition="x + H(x) with H = tanh(Wx + b) at full size (no α)",
        check=_residual_grows,
        holds={"depth": 5},
        fails=scaled("per_layer", "residual", 1e-3, slice(0, 1)),
    ),
)

AT_INIT = Experiment(
    name="highway",
    func=highway.highway_experiment,
    bounds=HIGHWAY,
    summary="plain, highway and residual stacks at initialisation: gate values, layer changes, gradients",
    help=(
        "Three stacks of DEPTH layers of width WIDTH with the same transforms H_l(x) = tanh(W_l x + b_l)\n"
        "(nn.Linear after torch.manual_seed(SEED)): plain x <- H_l(x); residual x <- x + H_l(x); highway\n"
        "x <- T_l(x) H_l(x) + (1 - T_l(x)) x with T_l(x) = sigmoid(W_T x + b_T), b_T = GATE_BIAS.\n\n"
        f"Batch: {HIGHWAY_BATCH} standard-normal inputs (batch, WIDTH) from a generator seeded from SEED.\n"
        "Loss: output.sum(). Float64.\n\n"
        "gate_mean: the highway's mean gate value T_l per layer 1..DEPTH. per_layer: the norm of the loss\n"
        "gradient at the input of every layer, layer 0 being the network's input. change: mean over the\n"
        "batch of ||x_l - x_(l-1)|| / ||x_(l-1)|| per layer 1..DEPTH."
    ),
    code=(highway_stack, HighwayLayer, layer_input_grad_norms, highway.relative_changes),
    table=highway.highway_table,
    figures=(
        Figure(
            "gradients",
            "line",
            highway.gradient_rows,
            {
                "x": "layer",
                "y": "grad_norm",
                "x_title": "layer l (0 = network input)",
                "y_title": "‖∂loss/∂x_l‖",
                "title": "Gradient norm at every layer",
            },
            takeaway=_gradients_takeaway,
        ),
        Figure(
            "gates",
            "line",
            highway.gate_rows,
            {
                "x": "layer",
                "y": "gate_mean",
                "x_title": "layer l",
                "y_title": "mean of T_l(x)",
                "log_y": False,
                "title": "Mean transform gate per layer",
                "height": 280,
            },
            takeaway=_gates_takeaway,
        ),
        Figure(
            "change",
            "line",
            highway.change_rows,
            {
                "x": "layer",
                "y": "change",
                "x_title": "layer l",
                "y_title": "‖x_l − x_(l−1)‖ / ‖x_(l−1)‖",
                "title": "How much each layer changes its input",
                "height": 280,
            },
            takeaway=_change_takeaway,
        ),
    ),
    cost=Cost(net("depth", "width", 50, 64, copies=3), 4.6e-4, 2.7e-8, 0.023),
    memory=Memory(lambda kw: number(kw, "depth", 50) * number(kw, "width", 64) ** 2, 2.78e-5, 0.0),
    claims=AT_INIT_CLAIMS,
    question=LARGEST_GRADIENT,
    example={"depth": 5, "width": 8},
)

GATE_CHECK_CLAIMS = (
    Claim(
        id="uncoupled-gates-reproduce",
        text="Uncoupled gates contain both layers: T = C = 1 gives the residual block and T = 1, C = 0 the plain "
        "layer, bit for bit.",
        condition="any width and seed (float32, the text's own blocks as references)",
        check=_uncoupled_exact,
        holds={"width": 8},
        fails=replaced(exact_residual=False),
    ),
)

GATE_CHECK = Experiment(
    name="gate-check",
    func=highway.gate_check,
    bounds={"width": HIGHWAY["width"], "seed": HIGHWAY["seed"]},
    summary="pinned gates: which settings of T and C reproduce the plain and the residual layer bit for bit",
    help=(
        "One transform H(x) = tanh(W x + b) (nn.Linear(WIDTH, WIDTH) after torch.manual_seed(SEED)) and a seeded\n"
        "standard-normal batch (8, WIDTH), float32. The uncoupled layer y = T H(x) + C x with pinned gates is\n"
        "compared with the text's own blocks: plain Sequential(Linear, Tanh) and ResidualBlock of it.\n"
        "Reported: max |y - reference| per gate setting (0.0 = equal to the last bit)."
    ),
    code=(UncoupledHighway,),
    table=lambda r: r["rows"],
    cost=Cost(fixed, 0.0, 0.0, 0.01),
    claims=GATE_CHECK_CLAIMS,
    example={"width": 8},
)

TRAINED_CLAIMS = (
    Claim(
        id="plain-trains-worst",
        text="Trained side by side, the plain stack ends with more than twice the held-out loss of the better of "
        "the highway and the residual stack.",
        condition="30 layers or more, 100 steps; shallower stacks let the plain one keep up",
        check=_plain_trains_worst,
        holds=replaced(test={"plain": 0.9, "highway": 0.2, "residual": 0.3}),
        fails=replaced(test={"plain": 0.35, "highway": 0.2, "residual": 0.3}),
    ),
)

TRAINED = Experiment(
    name="highway-train",
    func=highway.highway_training,
    bounds=HIGHWAY_TRAIN,
    summary="train plain, highway and residual stacks side by side on a synthetic regression task",
    help=(
        f"Three stacks of LAYERS layers of width {WIDTH} (as in `highway`, same initial\n"
        "transforms, highway gate bias GATE_BIAS) each followed by a linear readout to one number, trained\n"
        f"for STEPS steps of Adam (learning rate {HIGHWAY_TRAIN_LR:g}).\n\n"
        f"Task: y = v . tanh(2 W x), a fixed random teacher with 8 hidden units, x ~ N(0, I_{WIDTH}),\n"
        "y scaled to unit variance (a loss of 1 = learned nothing). Batch: a fresh minibatch of\n"
        f"{HIGHWAY_TRAIN_BATCH} points every step, the same for the three networks.\n"
        "Loss: mean squared error.\n\n"
        "curves: the training loss of every step (before that step's update). test: the final mean squared\n"
        f"error on {HIGHWAY_TRAIN_TEST} held-out points."
    ),
    code=(Regressor, StreamingRegressionTask, train_models),
    table=highway.training_table,
    figures=(
        Figure(
            "training",
            "line",
            highway.loss_rows,
            lambda r: {
                "x": "step",
                "y": "loss",
                "x_title": "training step",
                "y_title": "training loss (mean squared error)",
                "title": f"Training loss, {plural(r['layers'], 'layer')}",
            },
            takeaway=_training_takeaway,
        ),
    ),
    cost=Cost(lambda kw: (3 * number(kw, "layers", 30) * number(kw, "steps", 100), 0.0), 2.6e-4, 0.0, 0.07),
    claims=TRAINED_CLAIMS,
    example={"layers": 2, "steps": 10},
)

AT_INIT_SECTION = Section(
    name="what-the-gate-does-at-initialisation",
    heading="1. What the gate does at initialisation",
    experiment=AT_INIT,
    figures=("gradients", "gates", "change"),
    controls=(HIGHWAY["depth"], HIGHWAY["gate_bias"], HIGHWAY["width"], HIGHWAY["seed"]),
    text=text.at_init_text,
    metrics=text.at_init_metrics,
)

GATE_CHECK_SECTION = Section(
    name="a-residual-is-not-the-highway-with-t-1",
    heading="2. A residual is not the highway with T = 1",
    experiment=GATE_CHECK,
    controls=(HIGHWAY["width"], HIGHWAY["seed"]),
    text=text.GATE_CHECK_TEXT,
    metrics=text.gate_check_metrics,
)

TRAINED_SECTION = Section(
    name="training-side-by-side",
    heading="3. Training, side by side",
    experiment=TRAINED,
    figures=("training",),
    controls=(HIGHWAY_TRAIN["layers"], HIGHWAY_TRAIN["steps"], HIGHWAY["gate_bias"], HIGHWAY["seed"]),
    text=text.TRAINING_TEXT,
    metrics=text.training_metrics,
)

PAGE = Page(
    key="highway",
    title="Highway vs residual",
    icon=":material/alt_route:",
    teaser="Gated carry T·H(x) + (1 − T)·x against the always-open x + F(x).",
    experiments=(AT_INIT, GATE_CHECK, TRAINED),
    sections=(AT_INIT_SECTION, GATE_CHECK_SECTION, TRAINED_SECTION),
)
