"""/training: networks trained live with and without residuals (the reference text's exercises 1, 4, 6 and 7)."""

import math

from .. import options
from ..budget import Cost, depth_list, mlp, number, sequence
from ..declare import Experiment, Figure, Page, Section
from ..experiments import training_lab as lab
from ..memory import Memory
from ..memory import fixed as memory_fixed
from ..models.layers import GatedResidual, Plain, ReZero, ScaledResidual
from ..models.networks import DeepMLP
from ..models.transformer import NoResidualLayer, PostLNLayer, PreLNLayer, SequenceModel
from ..numbers import percent, span
from ..training.loop import train_models
from ..training.tasks import RegressionTask, SequenceTask
from . import training_claims as says
from . import training_text as text
from .training_claims import loss_text

SEQUENCE = (
    "Network: token + learned position embeddings (d_model), LAYERS encoder layers of\n"
    "residual_core.models.transformer.build_encoder (2 heads, feed-forward 4*d_model, no dropout), a linear read-out.\n"
    "Batch: BATCH fresh sequences of SEQ_LEN tokens per step: sort or reverse uniform tokens 0-9, or windows of\n"
    "residual_core/data/gettysburg.txt for next-character prediction (causal mask). Loss: token cross-entropy\n"
    "(chance = ln(vocabulary)); token accuracy too. Adam, learning rate LR, STEPS steps, one intra-op thread;\n"
    "weights from SEED (inside seeded()), batches from a private generator seeded from SEED."
)
MLP = (
    "Batch: the whole synthetic regression set every step (SAMPLES points x ~ N(0, I_8), targets from a random\n"
    "tanh teacher net, standardised; a network that predicts the mean scores 1.0). Loss: mean squared error.\n"
    "Adam, learning rate LR, STEPS steps, one intra-op thread; weights and data from SEED."
)
SEQUENCE_CODE = (train_models, SequenceModel, SequenceTask, PostLNLayer, PreLNLayer, NoResidualLayer)
MLP_CODE = (DeepMLP, RegressionTask, train_models)
# The cost coefficients (seconds per op, per multiply-add, and a base) are fitted by ``python benchmarks/budget.py``.
# The two transformer experiments share the fit of `train` (the same network, trained once per variant), the most
# sampled of them (16 runs).
SEQUENCE_FIT = (1.86e-3, 2.66e-10, 0.13)
SMALL_SEQUENCE = {"layers": 1, "steps": 10, "d_model": 16, "seq_len": 4, "batch": 8}  # the tests' cheap runs
SMALL_MLP = {"steps": 10, "width": 8, "samples": 32}


def status(r: dict) -> str:
    """``"final"`` for a finished run, ``"at step N"`` for a partial one."""
    return "final" if r["step"] >= r["steps"] else f"at step {r['step']}"


def _transformer_takeaway(r: dict) -> str:
    losses = ", ".join(f"{run['label']} {loss_text(run['final_loss'])}" for run in r["runs"])
    return f"Training loss after {r['step']} steps: {losses} (chance: ln V = {r['chance_loss']:.3f})."


def _accuracy_takeaway(r: dict) -> str:
    accs = ", ".join(
        f"{run['label']} {percent(run['final_accuracy'])}" if run["final_accuracy"] is not None else f"{run['label']} —"
        for run in r["runs"]
    )
    return f"Token accuracy after {r['step']} steps: {accs}."


def _depth_takeaway(r: dict) -> str:
    first, last = r["final"][0], r["final"][-1]
    return (
        f"Final loss at depth {first['depth']}: plain {loss_text(first['plain'])}, residual "
        f"{loss_text(first['residual'])}; "
        f"at depth {last['depth']}: plain {loss_text(last['plain'])}, residual {loss_text(last['residual'])}."
    )


def _deepest_takeaway(r: dict) -> str:
    last = r["final"][-1]
    return (
        f"Depth {last['depth']}: the plain network ends at {loss_text(last['plain'])}, the residual one at "
        f"{loss_text(last['residual'])} (1 = predicting the mean)."
    )


def _labelled_takeaway(r: dict) -> str:
    losses = ", ".join(f"{run['label']} {loss_text(run['final_loss'])}" for run in r["runs"])
    return f"Training loss after {r['step']} steps: {losses}."


def _scaling_final_takeaway(r: dict) -> str:
    fixed = [run for run in r["runs"] if run["alpha"] != "learned"]
    best = min(fixed, key=lambda run: run["final_loss"] if run["final_loss"] == run["final_loss"] else math.inf)
    return f"Lowest final loss among the fixed α: {best['label']} ({loss_text(best['final_loss'])})."


def _alpha_takeaway(r: dict) -> str:
    last_step = max(row["step"] for row in r["rezero_alphas"])
    alphas = [row["alpha"] for row in r["rezero_alphas"] if row["step"] == last_step]
    return f"At step {last_step} the learned α range from {min(alphas):.3f} to {max(alphas):.3f} (all start at 0)."


def _gates_takeaway(r: dict) -> str:
    steps = sorted({row["step"] for row in r["gates"]})
    mean = {s: [row["gate"] for row in r["gates"] if row["step"] == s] for s in (steps[0], steps[-1])}
    return (
        f"Mean gate over the layers: {sum(mean[steps[0]]) / len(mean[steps[0]]):.3f} at step {steps[0]}, "
        f"{sum(mean[steps[-1]]) / len(mean[steps[-1]]):.3f} at step {steps[-1]} (per layer "
        f"{span(min(mean[steps[-1]]), max(mean[steps[-1]]), lambda v: f'{v:.3f}')})."
    )


def loss_curves(r: dict) -> dict:
    """Training loss per network of an MLP experiment, against the full step budget and the "predict the mean"
    line."""
    return {
        "x": "step",
        "y": "loss",
        "series": "network",
        "y_title": "training loss (MSE)",
        "rule": (r["baseline_loss"], "predict the mean"),
        "x_domain": (1, r["steps"]),
    }


def _transformer_loss(r: dict) -> dict:
    """The variants' training loss, one y axis, against the chance line (named in the title: the curves start at
    chance and a network that does not learn stays on it)."""
    return {
        "x": "step",
        "y": "loss",
        "series": "variant",
        "log_y": False,
        "y_title": "loss (cross-entropy)",
        "rule": (r["chance_loss"], f"chance, ln(vocabulary) = {r['chance_loss']:.3g}"),
        "rule_label_at": "title",
        "x_domain": (1, r["steps"]),
    }


def _transformer_accuracy(r: dict) -> dict:
    """The same runs' token accuracy on a chart of its own (one y axis per chart)."""
    return {
        "x": "step",
        "y": "accuracy",
        "series": "variant",
        "log_y": False,
        "y_title": "token accuracy",
        "title": "share of tokens predicted right",  # a title as the loss chart has: the two plots line up
        "x_domain": (1, r["steps"]),
    }


TRAIN_ONE = Experiment(
    name="train",
    func=lab.train,
    bounds=options.TRAIN,
    summary="train one transformer variant (post-ln, pre-ln, none) and print its training curve",
    help=(
        "Exercise 4: train one transformer VARIANT and print its curve [{step, loss, accuracy}] and\n"
        "final_loss (the curve's last point). Same curve as that variant on the Training lab page.\n\n" + SEQUENCE
    ),
    code=(lab.transformer_experiment, *SEQUENCE_CODE),
    table=lambda r: r["curve"],
    cost=Cost(sequence(1), *SEQUENCE_FIT),
    memory=memory_fixed(60.0),
    example=SMALL_SEQUENCE,
)

TRANSFORMER = Experiment(
    name="transformer",
    func=lab.transformer_experiment,
    bounds=options.TRANSFORMER_TRAINING,
    summary="the three transformer variants trained side by side on the same batches",
    help="Exercise 4: Post-LN, Pre-LN and no residual, trained side by side.\n\n" + SEQUENCE,
    code=SEQUENCE_CODE,
    table=lambda r: lab.curve_rows(r["runs"], "variant"),
    figures=(
        Figure("loss", "curves", lab.transformer_rows, _transformer_loss, takeaway=_transformer_takeaway),
        Figure("accuracy", "curves", lab.transformer_rows, _transformer_accuracy, takeaway=_accuracy_takeaway),
    ),
    live=True,
    cost=Cost(sequence(3), *SEQUENCE_FIT),
    memory=Memory(lambda kw: number(kw, "layers", 6) * number(kw, "batch", 32), 0.2, 15.0),
    claims=says.TRANSFORMER_CLAIMS,
    question=says.TRANSFORMER_QUESTION,
    example=SMALL_SEQUENCE,
)

DEPTH = Experiment(
    name="depth-sweep",
    func=lab.depth_experiment,
    bounds=options.DEPTH_SWEEP,
    summary="final training loss of plain and residual MLPs of depth 2, 4, 8, ... MAX_DEPTH",
    help=(
        "Exercise 1: plain (x <- tanh(Wx+b)) and residual (x <- x + tanh(Wx+b)) MLPs with the same weights,\n"
        "WIDTH units, depths 2, 4, 8, ... up to MAX_DEPTH, each trained for the same STEPS. INIT re-draws the\n"
        "hidden layers' weights: default (PyTorch's), xavier, he or orthogonal (zero biases). init_gradient:\n"
        "before training, the share of the gradient of sum(h_L) that reaches the first hidden layer's input.\n"
        "Network: Linear(8, WIDTH) -> hidden layers -> Linear(WIDTH, 1). CSV: final loss per depth.\n\n" + MLP
    ),
    code=(*MLP_CODE, Plain, ScaledResidual),
    table=lambda r: r["final"],
    figures=(
        Figure(
            "final",
            "curves",
            lab.depth_final_rows,
            lambda r: {
                "x": "depth",
                "y": "final_loss",
                "series": "network",
                "log_x": True,
                "points": True,
                "x_title": "hidden layers (log scale)",
                "y_title": f"training loss {status(r)}",
                "rule": (r["baseline_loss"], "predict the mean"),
            },
            takeaway=_depth_takeaway,
        ),
        Figure(
            "deepest",
            "curves",
            lab.deepest_curve_rows,
            lambda r: {**loss_curves(r), "y_title": f"training loss, depth {r['depths'][-1]}"},
            takeaway=_deepest_takeaway,
        ),
    ),
    live=True,
    cost=Cost(mlp(lambda kw: 2 * sum(depth_list(kw))), 2.37e-4, 1.17e-10, 0.16),
    memory=memory_fixed(80.0),
    claims=says.DEPTH_CLAIMS,
    question=says.DEPTH_QUESTION,
    example={"max_depth": 4, **SMALL_MLP},
)

SCALING = Experiment(
    name="scaling",
    func=lab.scaling_experiment,
    bounds=options.SCALING,
    summary="residual scaling x + α·F(x) for α in 0.1, 0.5, 1, 2 and a learned α from 0 (ReZero)",
    help=(
        "Exercise 6: x <- x + α·tanh(Wx+b) for α = 0.1, 0.5, 1, 2, and a learned α per layer starting at 0\n"
        "(ReZero), all with the same weights. Network: Linear(8, WIDTH) -> DEPTH such layers ->\n"
        "Linear(WIDTH, 1).\n\n" + MLP
    ),
    code=(*MLP_CODE, ScaledResidual, ReZero),
    table=lambda r: lab.curve_rows(r["runs"], "label"),
    figures=(
        Figure("curves", "curves", lab.labelled_curve_rows, loss_curves, takeaway=_labelled_takeaway),
        Figure(
            "final",
            "curves",
            lab.scaling_final_rows,
            lambda r: {
                "x": "alpha",
                "y": "final_loss",
                "series": "network",
                "log_x": True,
                "points": True,
                "x_title": "α (log scale)",
                "y_title": f"training loss {status(r)}",
                "rule": (lab.rezero_final(r), "learned α (ReZero)") if lab.rezero_final(r) else None,
            },
            takeaway=_scaling_final_takeaway,
        ),
        Figure(
            "rezero",
            "heatmap",
            lab.rezero_rows,
            {
                "x": "step",
                "y": "layer",
                "color": "alpha",
                "x_title": "step",
                "y_title": "layer",
                "color_title": "learned α",
                "mid": 0.0,
            },
            takeaway=_alpha_takeaway,
        ),
    ),
    live=True,
    cost=Cost(mlp(lambda kw: 5 * number(kw, "depth", 16)), 1.88e-4, 1.34e-10, 0.37),
    memory=Memory(lambda kw: number(kw, "depth", 16) * number(kw, "samples", 256), 2.6e-3, 10.0),
    claims=says.SCALING_CLAIMS,
    question=says.SCALING_QUESTION,
    example={"depth": 2, **SMALL_MLP},
)

GATED = Experiment(
    name="gated",
    func=lab.gated_experiment,
    bounds=options.GATED,
    summary="gated residual x + g(x)·F(x) against residual and plain, with the gate per layer",
    help=(
        "Exercise 7: x <- x + g(x)·tanh(Wx+b), g(x) = sigmoid(u·x + c) learned per layer, against the\n"
        "residual (g = 1) and the plain network, same weights. Network: Linear(8, WIDTH) -> DEPTH layers ->\n"
        "Linear(WIDTH, 1). JSON gates: mean gate per layer over training.\n\n" + MLP
    ),
    code=(*MLP_CODE, GatedResidual),
    table=lambda r: lab.curve_rows(r["runs"], "label"),
    figures=(
        Figure("curves", "curves", lab.labelled_curve_rows, loss_curves, takeaway=_labelled_takeaway),
        Figure(
            "gates",
            "heatmap",
            lab.gate_rows,
            lambda r: {
                "x": "step",
                "y": "layer",
                "color": "gate",
                "x_title": "step",
                "y_title": "layer",
                "color_title": "mean gate g",
                "mid": 0.5,
                "height": min(40 + 14 * r["depth"], 520),
            },
            takeaway=_gates_takeaway,
        ),
    ),
    live=True,
    cost=Cost(mlp(lambda kw: 3 * number(kw, "depth", 16)), 1.86e-4, 1.32e-10, 0.08),
    memory=memory_fixed(70.0),
    claims=says.GATED_CLAIMS,
    question=says.GATED_QUESTION,
    example={"depth": 2, **SMALL_MLP},
)

PAGE = Page(
    key="training",
    title="Training lab",
    icon=":material/model_training:",
    teaser="Train networks live with and without residuals: transformers, residual scaling α, gated residuals.",
    experiments=(TRANSFORMER, TRAIN_ONE, DEPTH, SCALING, GATED),
    selectors=(options.TRAINING_EXPERIMENT,),
    sections=(  # one of them is drawn, chosen by `experiment`
        Section(
            "a-6-layer-transformer",
            "A 6-layer transformer with and without residuals",
            TRANSFORMER,
            figures=("loss", "accuracy"),
            controls=tuple(options.TRANSFORMER_TRAINING.values()),
            text=text.TRANSFORMER_TEXT,
        ),
        Section(
            "how-deep-can-a-plain-network-go",
            "How deep can a plain network go?",
            DEPTH,
            figures=("final", "deepest"),
            controls=tuple(options.DEPTH_SWEEP.values()),
            text=text.DEPTH_TEXT,
        ),
        Section(
            "residual-scaling",
            "Residual scaling: y = x + α·F(x)",
            SCALING,
            figures=("curves", "final", "rezero"),
            controls=tuple(options.SCALING.values()),
            text=text.SCALING_TEXT,
        ),
        Section(
            "a-gated-residual",
            "A gated residual: y = x + g(x)·F(x)",
            GATED,
            figures=("curves", "gates"),
            controls=tuple(options.GATED.values()),
            text=text.GATED_TEXT,
        ),
    ),
)
TRANSFORMER_SECTION, DEPTH_SECTION, SCALING_SECTION, GATED_SECTION = PAGE.sections
