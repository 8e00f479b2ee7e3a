"""/highway: highway layers against residual ones, at initialisation, with pinned gates, and trained."""

from ..bounds import HIGHWAY, HIGHWAY_BATCH, HIGHWAY_TRAIN, HIGHWAY_TRAIN_BATCH, HIGHWAY_TRAIN_LR, HIGHWAY_TRAIN_TEST
from ..bounds import HIGHWAY_TRAIN_WIDTH as WIDTH
from ..declare import Experiment, Figure, Page
from ..experiments import highway
from ..measure import layer_input_grad_norms
from ..models.layers import HighwayLayer, UncoupledHighway
from ..models.networks import Regressor, highway_stack
from ..training.loop import train_models
from ..training.tasks import StreamingRegressionTask

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
        ),
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
                "title": f"Training loss, {r['layers']} layers",
            },
        ),
    ),
)

PAGE = Page(
    key="highway",
    title="Highway vs residual",
    icon=":material/alt_route:",
    teaser="Gated carry T·H(x) + (1 − T)·x against the always-open x + F(x).",
    experiments=(AT_INIT, GATE_CHECK, TRAINED),
)
