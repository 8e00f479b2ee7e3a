"""Every user-facing input: the options of the experiments, which are the pages' controls, their URL keys and the
command line's ``--options`` (each a :class:`~residual_core.bounds.Bound`).

Why one module rather than beside each experiment: a page's controls are shared by several of its experiments (the
gradient-flow page's ``depth`` feeds four of them), and one URL key on one page must be one bound, with one range
and one default; several pages also share inputs (``seed``, ``init``, ``alpha``). Declared here they are seen side by
side, so a clash of URL keys on one page shows at a glance (``layers`` against ``depth`` below). An option that only
one experiment has may be declared beside that experiment's declaration in :mod:`residual_core.catalog` instead.

Fixed numbers that are no input (a batch size, a grid, a learning rate) live beside the code that uses them, in the
experiment's module; the models read no options.
"""

from __future__ import annotations

import dataclasses

from .bounds import Bound, OddBound
from .models.networks import NETWORK_INITS
from .models.transformer import VARIANTS

# ---------------------------------------------------------------------------------------------------------------
# Shared by several experiments
SEED = Bound.int("seed", 0, 9_999, 0, label="Seed", help="Random seed for weights and inputs.")
INIT = Bound.choice(
    "init",
    NETWORK_INITS,
    "default",
    label="Initialisation",
    help="default: PyTorch's nn.Linear (variance 1/(3·fan_in)); xavier: gain 1; he: for ReLU; orthogonal. "
    "All but default zero the biases.",
)

# Vanishing & exploding (/vanishing) and `python -m residual_core products`
PRODUCTS = {
    "factor": Bound.float("factor", 0.5, 1.5, 0.9, step=0.01, label="Per-layer factor"),
    "depth": Bound.int("depth", 1, 500, 100, label="Depth (layers)"),
    "init": INIT,
    "seed": SEED,
}
# `init-compare`: the page's network (depth, seed) under every initialisation.
INIT_COMPARE = {"depth": PRODUCTS["depth"], "seed": SEED}

# ---------------------------------------------------------------------------------------------------------------
# Residual math (/residual-math) and gradient flow (/gradient-flow): experiments preservation, unrolled, jacobian,
# multiplicative, gradient-flow, gradient-seeds, activations, depth-alpha.
FLOW_ACTIVATIONS = ("tanh", "relu", "sigmoid")
ACTIVATION = Bound.choice("activation", FLOW_ACTIVATIONS, "tanh", label="Activation")
ALPHA = Bound.float(
    "alpha", 0.0, 2.0, 0.1, step=0.01, label="Residual scale α", help="Residual layer: x + α·act(W x + b)."
)

# Residual math, section 1: R(x) = a·g(w·x) in one dimension, on a fixed grid of x.
RESIDUAL_1D = {
    "g": Bound.choice("g", ("sin", "tanh", "relu"), "sin", label="g in R(x) = a·g(w·x)"),
    "a": Bound.float("a", -2.0, 2.0, 0.5, step=0.05, label="a (branch size)"),
    "w": Bound.float("w", -3.0, 3.0, 1.5, step=0.1, label="w (branch frequency)"),
}

# Residual math, sections 2, 4, 5: one seeded network. Its depth is `layers`, because on this page `depth` is the
# preservation experiment's (whose command-line option is fixed). Width and depth are kept small so that the
# end-to-end Jacobian (width x width, every layer) stays cheap.
MATH_NETWORK = {
    "layers": Bound.int("layers", 1, 50, 30, label="Layers L"),
    "width": Bound.int("width", 8, 64, 64, label="Width d"),
    "alpha": ALPHA,
    "activation": ACTIVATION,
    "seed": SEED,
}

# Residual math, section 3 and `preservation`: the reference text's section 3.5 loop.
PRESERVATION = {
    "depth": Bound.int("depth", 1, 1000, 100, label="Depth (layers)"),
    "shrink": Bound.float("shrink", 0.5, 1.0, 0.9, step=0.01, label="Plain layer: x ← shrink·x"),
    "update": Bound.float("update", -0.1, 0.1, 0.01, step=0.001, label="Residual layer: x ← x + update·x"),
    "seed": SEED,
}

# Gradient flow page and `gradient-flow`, `gradient-seeds`, `activations`.
GRADIENT_FLOW = {
    "depth": Bound.int("depth", 1, 200, 50, label="Depth (layers)"),
    "width": Bound.int("width", 8, 128, 64, label="Width"),
    "alpha": ALPHA,
    "activation": ACTIVATION,
    "init": INIT,
    "seed": SEED,
}
# `depth-alpha`: a fixed grid of depths and α (so its cost is bounded; it does not depend on depth or alpha).
DEPTH_ALPHA = {"width": GRADIENT_FLOW["width"], "activation": ACTIVATION, "init": INIT, "seed": SEED}

# ---------------------------------------------------------------------------------------------------------------
# Highway vs residual (/highway: `highway`, `highway-train`) and Add & Norm (/add-norm: `add-norm`)
HIGHWAY = {
    "depth": Bound.int("depth", 1, 100, 50, label="Depth (layers)"),
    "width": Bound.int("width", 8, 256, 64, label="Width (features)"),
    "gate_bias": Bound.float(
        "gate_bias",
        -6.0,
        2.0,
        -3.0,
        step=0.5,
        label="Gate bias b_T",
        help="Initial value of the transform gate's bias.",
    ),
    "seed": SEED,
}
HIGHWAY_TRAIN = {  # `layers`, not `depth`: both sections share one page (URL keys must differ)
    "layers": Bound.int("layers", 20, 50, 30, label="Depth of the trained stacks"),
    "steps": Bound.int("steps", 50, 400, 100, step=50, label="Training steps"),
    "gate_bias": HIGHWAY["gate_bias"],
    "seed": SEED,
}

ADD_NORM = {
    "layers": Bound.int("layers", 2, 24, 16, label="Encoder layers"),
    "d_model": Bound.choice("d_model", ("32", "64", "96", "128"), "64", label="d_model"),
    "heads": Bound.choice("heads", ("1", "2", "4", "8"), "4", label="Attention heads"),
    "init": Bound.choice("init", ("xavier", "default"), "xavier", label="Initialisation"),
    "seed": SEED,
}
ADD_NORM_DROPOUT = Bound.float("dropout", 0.0, 0.9, 0.2, step=0.05, label="Dropout p")
ADD_NORM_SHAPE = {
    "d_in": Bound.int("d_in", 1, 1024, 512, label="Input width"),
    "d_out": Bound.int("d_out", 1, 1024, 256, label="Sublayer output width"),
    "seed": SEED,
}

# ---------------------------------------------------------------------------------------------------------------
# Training lab (/training) and `python -m residual_core train|transformer|depth-sweep|scaling|gated`.
# Worst cases within these bounds take minutes, the defaults about ten seconds each (see benchmarks/training.py).
TRAINING_EXPERIMENT = Bound.choice(
    "experiment", ("transformer", "depth", "scaling", "gated"), "transformer", label="Experiment"
)
TRAINING_STEPS = Bound.int("steps", 10, 600, 100, step=10, label="Training steps", help="Adam steps per network.")
TRAINING_LR = Bound.choice(
    "lr", ("0.0003", "0.001", "0.003", "0.01"), "0.003", label="Learning rate", help="Adam's step size."
)
TRANSFORMER_TRAINING = {
    "task": Bound.choice(
        "task", ("sort", "reverse", "text"), "sort", label="Task", help="Sort or reverse 0-9 tokens, or next character."
    ),
    "layers": Bound.int("layers", 1, 8, 6, label="Encoder layers"),
    "steps": TRAINING_STEPS,
    "seed": SEED,
    "d_model": Bound.int("d_model", 16, 64, 32, step=16, label="d_model", help="Width of the residual stream."),
    "seq_len": Bound.int("seq_len", 4, 16, 8, label="Sequence length", help="Tokens per sequence."),
    "batch": Bound.int("batch", 8, 64, 32, step=8, label="Batch", help="Sequences per step."),
    "lr": TRAINING_LR,
}
TRAIN_VARIANT = Bound.choice("variant", VARIANTS, "pre-ln", label="Variant")
TRAIN = {**TRANSFORMER_TRAINING, "variant": TRAIN_VARIANT}  # `python -m residual_core train`: one variant
_MLP_SHARED = {
    "width": Bound.int("width", 8, 64, 32, step=8, label="Width", help="Units per hidden layer."),
    "steps": TRAINING_STEPS,
    "seed": SEED,
    "samples": Bound.int("samples", 32, 512, 256, step=32, label="Data points", help="Full-batch training set size."),
    "lr": TRAINING_LR,
}
DEPTH_SWEEP = {"max_depth": Bound.int("max_depth", 2, 64, 32, label="Deepest network"), "init": INIT, **_MLP_SHARED}
MLP_DEPTH = Bound.int("depth", 2, 64, 16, label="Hidden layers")
SCALING = {"depth": MLP_DEPTH, **_MLP_SHARED}
GATED = {"depth": MLP_DEPTH, **_MLP_SHARED}

# ---------------------------------------------------------------------------------------------------------------
# Why residual networks train (/why): `lesion`, `landscape`, `shattered`, `shattered-depths`. Every default run
# takes a few seconds on one thread (benchmarks/training.py); the worst cases within these bounds about a minute.
LESION = {
    "depth": Bound.int("depth", 4, 24, 16, label="Blocks", help="Blocks between the input and the output layer."),
    "width": Bound.int("width", 32, 96, 64, step=16, label="Width", help="Units per block."),
    "steps": Bound.int(
        "steps", 100, 800, 400, step=50, label="Training steps", help="Adam steps of the plain network."
    ),
    "seed": SEED,
}
LANDSCAPE = {
    "depth": LESION["depth"],  # the networks of the lesion experiment: same depth control on the page
    "grid": OddBound.int(
        "grid", 11, 41, 25, step=2, label="Grid points per axis", help="Odd, so that the trained weights are on it."
    ),
    "seed": SEED,
}
SHATTERED = {
    "depth": Bound.int("depth", 1, 100, 50, label="Depth (layers)"),
    "width": Bound.int("width", 16, 256, 200, step=8, label="Width"),
    "seed": SEED,
}
SHATTERED_SWEEP = {"width": SHATTERED["width"], "seed": SEED}
# On /why `depth` and `width` are the lesion experiment's URL keys; the shattered-gradient controls use these (the
# command line keeps `shattered --depth --width`).
SHATTERED_PAGE = {
    "depth": dataclasses.replace(SHATTERED["depth"], name="shattered_depth"),
    "width": dataclasses.replace(SHATTERED["width"], name="shattered_width"),
}
