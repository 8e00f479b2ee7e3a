"""/why: why residual networks train -- delete a block (Veit et al. 2016), slice the loss landscape (Li et al.
2018), see shattered gradients (Balduzzi et al. 2017)."""

from .. import options
from ..budget import Cost, landscape_units, lesion_units, number
from ..declare import Experiment, Figure, Page, Section
from ..experiments import landscape, lesion, shattered
from ..experiments.landscape import LANDSCAPE_LINE, LANDSCAPE_POINTS, LANDSCAPE_SPAN, LANDSCAPE_STEPS, LANDSCAPE_WIDTH
from ..experiments.lesion import WHY_BATCH, WHY_DELETE_DRAWS, WHY_LR
from ..experiments.shattered import SHATTERED_DEPTHS, SHATTERED_INPUTS, SHATTERED_MAX_LAG, SHATTERED_RANGE
from ..memory import Memory, shattered_depths_units, shattered_units
from ..models.bn_mlp import BlockMLP, PlainBNLayer, ResidualBNBlock
from ..training.loop import train_models
from ..training.mnist1d import MNIST1DTask, held_out_accuracy
from . import why_claims as says
from . import why_text as text

NETWORKS = (
    "Networks: BlockMLP, Linear(IN, WIDTH) -> DEPTH blocks -> Linear(WIDTH, OUT). Plain block: x <- relu(BN(W x));\n"
    "residual block: x <- x + V relu(BN(W x)) + c. W is He-normal (no bias), V, c and the input and output layers\n"
    "use PyTorch's default nn.Linear init; a plain and a residual network with one seed share W and the input and\n"
    "output layers."
)
TRAINING = (
    f"Data: MNIST-1D (Greydanus 2020; 4000 training and 1000 test signals of 40 features, 10 classes), shipped as\n"
    f"residual_core/data/mnist1d.npz. Training: Adam (learning rate {WHY_LR:g}), minibatches of "
    f"{WHY_BATCH}, cross-entropy; both\nnetworks for the same STEPS steps on the same batches (the same budget, as "
    "Veit et al. lesioned\nfully trained networks)."
)

LESION = Experiment(
    name="lesion",
    func=lesion.lesion_experiment,
    bounds=options.LESION,
    summary="delete or swap blocks of a trained plain and residual MLP (Veit et al. 2016) and count paths by length",
    help=(
        "Delete a block: test accuracy of a trained plain and residual network with each block deleted in turn\n"
        "(left out of the forward pass: a residual block passes x through, a plain layer becomes the identity),\n"
        f"with each pair of adjacent blocks swapped, and with k random blocks deleted (mean of "
        f"{WHY_DELETE_DRAWS} draws).\nPaths: C(DEPTH, k) of the 2^DEPTH paths through a residual stack pass "
        "k blocks.\n\n" + NETWORKS.replace("IN", "40").replace("OUT", "10") + "\n" + TRAINING
    ),
    code=(
        lesion.trained_pair,
        lesion.train_same_budget,
        BlockMLP,
        PlainBNLayer,
        ResidualBNBlock,
        MNIST1DTask,
        held_out_accuracy,
        train_models,
        lesion.path_counts,
    ),
    table=lesion.table_rows,
    figures=(
        Figure(
            "deleted",
            "line",
            lesion.deleted_rows,
            {
                "x": "block",
                "y": "accuracy",
                "series": "network",
                "log_y": False,
                "x_title": "deleted block",
                "y_title": "test accuracy",
                "dashed": (lesion.intact_label("plain"), lesion.intact_label("residual"), "chance"),
            },
            description="Test accuracy of the plain and the residual network with each of their {depth} blocks "
            "deleted in turn.",
            takeaway=says.deleted_takeaway,
        ),
        Figure(
            "swapped",
            "line",
            lesion.swapped_rows,
            {
                "x": "block",
                "y": "accuracy",
                "series": "network",
                "log_y": False,
                "x_title": "block b swapped with block b + 1",
                "y_title": "test accuracy",
                "dashed": (lesion.intact_label("plain"), lesion.intact_label("residual"), "chance"),
            },
            takeaway=says.swapped_takeaway,
        ),
        Figure(
            "deleted-k",
            "curves",
            lesion.deleted_k_rows,
            {
                "x": "k",
                "y": "accuracy",
                "series": "network",
                "log_y": False,
                "points": True,
                "x_title": "blocks deleted at random",
                "y_title": "test accuracy",
                "rule": (0.1, "chance"),
            },
            takeaway=says.deleted_k_takeaway,
        ),
        Figure(
            "paths",
            "bar",
            lesion.path_rows,
            lambda r: {
                "x": "length",
                "y": "paths",
                "x_title": "path length (blocks passed)",
                "y_title": f"paths (of 2^{r['depth']})",
            },
            takeaway=says.paths_takeaway,
        ),
        Figure(
            "training",
            "curves",
            lesion.training_rows,
            {
                "x": "step",
                "y": "loss",
                "y2": "accuracy",
                "series": "network",
                "log_y": False,
                "y_title": "minibatch loss (solid)",
                "y2_title": "minibatch accuracy (dashed)",
            },
            takeaway=says.training_takeaway,
        ),
    ),
    cost=Cost(lesion_units, 9.6e-5, 6.4e-11, 0.47),
    claims=says.LESION_CLAIMS,
    question=says.KEEPS_MORE,
    example={"depth": 4, "width": 32, "steps": 100},
)

LANDSCAPE = Experiment(
    name="landscape",
    func=landscape.landscape_experiment,
    bounds=options.LANDSCAPE,
    summary="the loss on a 2-D slice around the trained plain and residual networks (Li et al. 2018)",
    help=(
        f"The loss landscape: the networks of `lesion` (DEPTH blocks, width {LANDSCAPE_WIDTH}, "
        f"{LANDSCAPE_STEPS} steps), trained, then the\ncross-entropy on the first "
        f"{LANDSCAPE_POINTS} training signals at theta + a u + b v for a, b on a GRID x GRID grid\n"
        f"from -{LANDSCAPE_SPAN:g} to {LANDSCAPE_SPAN:g}; u, v random directions, filter-normalised "
        "row by row (each unit's weights); biases and\nbatch-norm parameters fixed; evaluation mode. Also the 1-D "
        f"slice (b = 0, {LANDSCAPE_LINE} points) and three measures:\nroughness = mean |Laplacian of log loss| "
        "/ step^2 over the interior, the share of non-convex points (a\nnegative eigenvalue of the 2x2 "
        "finite-difference Hessian beyond 1/20 of the largest), the share of points under\ntwice the centre's "
        "loss.\n\n"
        + NETWORKS.replace("IN", "40").replace("OUT", "10").replace("WIDTH", str(LANDSCAPE_WIDTH))
        + "\n"
        + TRAINING.replace("STEPS", str(LANDSCAPE_STEPS))
    ),
    code=(
        landscape.filter_normalised_direction,
        landscape.slice_losses,
        landscape.roughness,
        landscape.nonconvex_share,
        landscape.basin_share,
        lesion.trained_pair,
        BlockMLP,
        PlainBNLayer,
        ResidualBNBlock,
    ),
    table=landscape.surface_rows,
    figures=(
        *(
            Figure(
                f"{kind}-surface",
                "surface",
                lambda r, kind=kind: [row for row in landscape.surface_rows(r) if row["network"] == kind],
                lambda r: {
                    "x": "alpha",
                    "y": "beta",
                    "color": "log10_loss",
                    "step": r["alphas"][1] - r["alphas"][0],
                    "domain": landscape.log_loss_domain(r),
                    "x_title": "α (direction u)",
                    "y_title": "β (direction v)",
                    "color_title": "log₁₀ loss",
                },
                description=f"The {kind} network's loss on a 2-D slice of weight space around its trained weights.",
                takeaway=says.surface_takeaway(kind),
            )
            for kind in lesion.NETWORKS
        ),
        Figure(
            "line",
            "curves",
            landscape.line_rows,
            {
                "x": "alpha",
                "y": "loss",
                "series": "network",
                "x_title": "α (direction u; β = 0)",
                "y_title": "loss",
                "log_y": True,
            },
            takeaway=says.line_takeaway,
        ),
    ),
    cost=Cost(landscape_units, 3.8e-5, 7.3e-11, 0.95),
    claims=says.LANDSCAPE_CLAIMS,
    example={"depth": 4, "grid": 11},
)


def _shattered_units(kw: dict) -> tuple[float, float]:
    """The cost units of `shattered`: two networks of DEPTH layers of WIDTH, once, on 256 inputs."""
    ops = 2 * number(kw, "depth", 50)
    return ops, ops * 256 * number(kw, "width", 200) ** 2


SHATTERED = Experiment(
    name="shattered",
    func=shattered.shattered_experiment,
    bounds=options.SHATTERED,
    summary="d output / d input over 256 inputs of a plain and a residual network at initialisation (Balduzzi 2017)",
    help=(
        f"Shattered gradients: a network with one input and one output, at initialisation, float64; the gradient\n"
        f"d output / d input at {SHATTERED_INPUTS} evenly spaced inputs on [{SHATTERED_RANGE[0]:g}, "
        f"{SHATTERED_RANGE[1]:g}], and its autocorrelation along the\ngrid (lags 0..{SHATTERED_MAX_LAG})."
        " Batch normalisation standardises every unit over the inputs (statistics\nmeasured on them, then held "
        "fixed, so each gradient is that input's own).\n\n" + NETWORKS.replace("IN", "1").replace("OUT", "1")
    ),
    code=(
        shattered.input_gradient,
        shattered.calibrate_batch_norm,
        shattered.autocorrelation,
        BlockMLP,
        PlainBNLayer,
        ResidualBNBlock,
    ),
    table=shattered.table_rows,
    figures=(
        Figure(
            "plain-gradient",
            "line",
            shattered.plain_gradient_rows,
            {
                "x": "x",
                "y": "gradient",
                "series": "network",
                "log_y": False,
                "x_title": "input x",
                "y_title": "d output / d x, plain",
            },
            takeaway=says.gradient_takeaway("plain"),
        ),
        Figure(
            "residual-gradient",
            "line",
            shattered.residual_gradient_rows,
            {
                "x": "x",
                "y": "gradient",
                "series": "network",
                "log_y": False,
                "x_title": "input x",
                "y_title": "d output / d x, residual",
            },
            takeaway=says.gradient_takeaway("residual"),
        ),
        Figure(
            "autocorrelation",
            "line",
            shattered.autocorrelation_rows,
            {
                "x": "lag",
                "y": "autocorrelation",
                "series": "network",
                "log_y": False,
                "x_title": "lag (steps along the input grid)",
                "y_title": "autocorrelation",
            },
            takeaway=says.autocorrelation_takeaway,
        ),
    ),
    cost=Cost(_shattered_units, 8.8e-4, 2.6e-10, 0.0),
    memory=Memory(shattered_units, 1.0, 45.0),
    claims=says.SHATTERED_CLAIMS,
    example={"depth": 5, "width": 16},
)

SHATTERED_DEPTHS = Experiment(
    name="shattered-depths",
    func=shattered.shattered_depths_experiment,
    bounds=options.SHATTERED_SWEEP,
    summary="lag-1 autocorrelation of the input gradient against depth, with and without batch normalisation",
    help=(
        "The networks of `shattered` at depths " + ", ".join(map(str, SHATTERED_DEPTHS)) + ", with and "
        "without batch normalisation (without: every\nBN is the identity, nothing else changes): the lag-1 "
        "autocorrelation of d output / d input over the inputs."
    ),
    code=(shattered.input_gradient, shattered.autocorrelation, BlockMLP),
    figures=(
        Figure(
            "depths",
            "curves",
            shattered.depth_rows,
            {
                "x": "depth",
                "y": "lag1",
                "series": "series",
                "log_y": False,
                "points": True,
                "x_title": "depth (blocks)",
                "y_title": "lag-1 autocorrelation",
                "rule": (0.0, "white noise"),
            },
            takeaway=says.depths_takeaway,
        ),
    ),
    cost=Cost(lambda kw: (4 * 137, 4 * 137 * 256 * number(kw, "width", 200) ** 2), 2.5e-4, 2.6e-10, 0.1),
    memory=Memory(shattered_depths_units, 1.0, 0.0),
    claims=says.SHATTERED_DEPTHS_CLAIMS,
    example={"width": 16},
)

PAGE = Page(
    key="why",
    title="Why residual networks train",
    icon=":material/psychology:",
    teaser="Delete a block, slice the loss landscape, see shattered gradients: three results that explain why "
    "residual networks train, run live on MNIST-1D and at initialisation.",
    experiments=(LESION, LANDSCAPE, SHATTERED, SHATTERED_DEPTHS),
    # three parts, each a header with a line under it; the path-length view is a section within the first
    sections=(
        DELETE_SECTION := Section(
            "delete-a-block",
            text.DELETE_HEADING,
            LESION,
            figures=("deleted", "swapped", "deleted-k"),
            claims=(),  # shown under the path-length view, with the count over seeds
            controls=tuple(options.LESION.values()),
            level="header",
            divider="gray",
        ),
        PATH_LENGTH_SECTION := Section(
            "the-path-length-view",
            "The path-length view",
            LESION,
            figures=("paths", "training"),
            controls=tuple(options.LESION.values()),
            text=text.path_length_text,
        ),
        LANDSCAPE_SECTION := Section(
            "the-loss-landscape",
            text.LANDSCAPE_HEADING,
            LANDSCAPE,
            figures=("plain-surface", "residual-surface", "line"),
            level="header",
            divider="gray",
        ),
        SHATTERED_SECTION := Section(
            "shattered-gradients",
            text.SHATTERED_HEADING,
            SHATTERED,
            figures=("plain-gradient", "residual-gradient", "autocorrelation"),
            level="header",
            divider="gray",
        ),
    ),
)
