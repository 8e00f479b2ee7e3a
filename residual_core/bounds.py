"""Every bound on every input that costs work, in one place.

The pages build their controls from these objects (slider range, default, step, URL key) and the command line
builds its options from the same objects, so a value the page refuses the CLI refuses too, with the same message.

A :class:`Bound` knows its kind (``int``, ``float`` or ``choice``), its range or options and its default. Its
``parse`` method turns raw text (a URL query parameter, a CLI argument) into a value or raises
:class:`BoundError` whose message names the bound.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field


class BoundError(ValueError):
    """A value that a bound refuses; the message names the bound and the allowed range."""


@dataclass(frozen=True)
class Bound:
    """One input: its URL/CLI name, kind, range or options, default and a human label."""

    name: str
    kind: str  # "int", "float" or "choice"
    default: object
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = field(default=())
    label: str = ""
    help: str = ""

    # -- constructors -------------------------------------------------------------------------------------------
    @classmethod
    def int(cls, name, lo, hi, default, *, step=1, label="", help=""):
        return cls(name, "int", default, lo, hi, step, (), label or name, help)

    @classmethod
    def float(cls, name, lo, hi, default, *, step=0.01, label="", help=""):
        return cls(name, "float", default, lo, hi, step, (), label or name, help)

    @classmethod
    def choice(cls, name, options, default, *, label="", help=""):
        return cls(name, "choice", default, None, None, None, tuple(options), label or name, help)

    # -- checking -----------------------------------------------------------------------------------------------
    @property
    def flag(self) -> str:
        """The command-line option: ``gate_bias`` becomes ``--gate-bias``."""
        return "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """The allowed values, for messages and help texts."""
        if self.kind == "choice":
            return "one of " + ", ".join(str(o) for o in self.options)
        return f"between {_fmt(self.lo)} and {_fmt(self.hi)}"

    def check(self, value):
        """Return ``value`` (converted to the bound's type) or raise :class:`BoundError` naming the bound."""
        if self.kind == "choice":
            if value not in self.options:
                raise BoundError(f"{self.name} must be {self.describe()} (got {value!r})")
            return value
        if isinstance(value, bool):
            raise BoundError(f"{self.name} must be a number {self.describe()} (got {value!r})")
        if self.kind == "int":
            if isinstance(value, float):
                if not math.isfinite(value) or value != int(value):
                    raise BoundError(f"{self.name} must be a whole number {self.describe()} (got {value!r})")
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise BoundError(f"{self.name} must be a finite number {self.describe()} (got {value!r})")
        if value < self.lo or value > self.hi:
            raise BoundError(f"{self.name} must be {self.describe()} (got {_fmt(value)})")
        return value

    def parse(self, text: str):
        """Parse raw text (URL or CLI) and check it; raise :class:`BoundError` if it cannot be used."""
        text = str(text).strip()
        if self.kind == "choice":
            for option in self.options:
                if str(option) == text:
                    return option
            raise BoundError(f"{self.name} must be {self.describe()} (got {text!r})")
        try:
            number = float(text)
        except ValueError:
            kind = "whole number" if self.kind == "int" else "number"
            raise BoundError(f"{self.name} must be a {kind} {self.describe()} (got {text!r})") from None
        return self.check(number)

    def clamp(self, value):
        """The nearest allowed value (for numbers); the default for an unknown choice."""
        if self.kind == "choice":
            return value if value in self.options else self.default
        value = min(max(value, self.lo), self.hi)
        return round(value) if self.kind == "int" else float(value)


def _fmt(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


# ---------------------------------------------------------------------------------------------------------------
# Shared by several experiments
SEED = Bound.int("seed", 0, 9_999, 0, label="Seed", help="Random seed for weights and inputs.")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
VARIANTS = ("post-ln", "pre-ln", "none")  # where a transformer layer puts its residual adds and LayerNorms
INITS = ("default", "xavier")  # the transformer's weight initialisations
# The stacks' weight initialisations (/vanishing, /gradient-flow, the training lab's depth sweep): PyTorch's default
# (uniform, variance 1 / (3 fan_in): a third of LeCun's), Xavier / LeCun (variance 1 / width for these square layers),
# He (variance 2 / fan_in, for ReLU) and orthogonal (gain 1); all but the default start with zero biases.
NETWORK_INITS = ("default", "xavier", "he", "orthogonal")
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
# The page's measured network: width of the plain/residual tanh DeepNetwork and its branch scale.
PRODUCTS_NETWORK_WIDTH = 64
PRODUCTS_NETWORK_ALPHA = 0.1

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
RESIDUAL_1D_GRID = (-3.0, 3.0, 241)  # x from, x to, number of points

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
GRADIENT_SEEDS_COUNT = 5  # the seed band: seeds seed, seed + 1, ..., seed + 4
ACTIVATIONS_BATCH = 64  # inputs drawn for the activation statistics
# `depth-alpha`: the heatmap grid (fixed, so its cost is bounded; it does not depend on depth or alpha).
DEPTH_ALPHA = {"width": GRADIENT_FLOW["width"], "activation": ACTIVATION, "init": INIT, "seed": SEED}
DEPTH_ALPHA_DEPTHS = (1, 2, 5, 10, 20, 50, 100, 200)
DEPTH_ALPHA_ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0)

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
HIGHWAY_BATCH = 16  # seeded standard-normal inputs per gradient measurement
HIGHWAY_TRAIN = {  # `layers`, not `depth`: both sections share one page (URL keys must differ)
    "layers": Bound.int("layers", 20, 50, 30, label="Depth of the trained stacks"),
    "steps": Bound.int("steps", 50, 400, 100, step=50, label="Training steps"),
    "gate_bias": HIGHWAY["gate_bias"],
    "seed": SEED,
}
HIGHWAY_TRAIN_WIDTH = 32
HIGHWAY_TRAIN_TEST = 1024  # fresh points for the final test error
HIGHWAY_TRAIN_BATCH = 64
HIGHWAY_TRAIN_LR = 3e-3

ADD_NORM = {
    "layers": Bound.int("layers", 2, 24, 16, label="Encoder layers"),
    "d_model": Bound.choice("d_model", ("32", "64", "96", "128"), "64", label="d_model"),
    "heads": Bound.choice("heads", ("1", "2", "4", "8"), "4", label="Attention heads"),
    "init": Bound.choice("init", ("xavier", "default"), "xavier", label="Initialisation"),
    "seed": SEED,
}
ADD_NORM_BATCH = 4  # sequences per batch
ADD_NORM_TOKENS = 16  # tokens per sequence
ADD_NORM_SEED_COUNT = 5  # seeds seed .. seed + 4 for the robustness check
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
WHY_BATCH = 128  # MNIST-1D minibatch
WHY_LR = 1e-3  # Adam's step size
WHY_CHECK_EVERY = 2  # steps between checks of the residual network's test accuracy against the plain one's
WHY_DELETE_DRAWS = 2  # random subsets averaged per number of deleted blocks
LESION = {
    "depth": Bound.int("depth", 4, 24, 16, label="Blocks", help="Blocks between the input and the output layer."),
    "width": Bound.int("width", 32, 96, 64, step=16, label="Width", help="Units per block."),
    "steps": Bound.int(
        "steps", 100, 800, 400, step=50, label="Training steps", help="Adam steps of the plain network."
    ),
    "seed": SEED,
}


@dataclass(frozen=True)
class OddBound(Bound):
    """A whole-number bound that takes odd values only (a grid whose centre is one of its points); ``lo`` and ``hi``
    are odd."""

    def check(self, value):
        value = super().check(value)
        if value % 2 == 0:
            raise BoundError(f"{self.name} must be an odd whole number {self.describe()} (got {value})")
        return value

    def clamp(self, value):
        value = super().clamp(value)
        return value if value % 2 else min(value + 1, int(self.hi))


LANDSCAPE = {
    "depth": LESION["depth"],  # the networks of the lesion experiment: same depth control on the page
    "grid": OddBound.int(
        "grid", 11, 41, 25, step=2, label="Grid points per axis", help="Odd, so that the trained weights are on it."
    ),
    "seed": SEED,
}
LANDSCAPE_WIDTH = LESION["width"].default  # the landscape slices the lesion experiment's default networks
LANDSCAPE_STEPS = LESION["steps"].default
LANDSCAPE_SPAN = 1.0  # α, β from -1 to 1 (Li et al. 2018)
LANDSCAPE_POINTS = 128  # fixed training signals the loss is computed on
LANDSCAPE_LINE = 51  # points of the 1-D slice
SHATTERED = {
    "depth": Bound.int("depth", 1, 100, 50, label="Depth (layers)"),
    "width": Bound.int("width", 16, 256, 200, step=8, label="Width"),
    "seed": SEED,
}
SHATTERED_INPUTS = 256  # grid of inputs on [-2, 2]
SHATTERED_RANGE = (-2.0, 2.0)
SHATTERED_MAX_LAG = 64  # autocorrelation lags 0..64
SHATTERED_DEPTHS = (1, 2, 4, 8, 16, 24, 32, 50)  # `shattered-depths`: the sweep (cost fixed by these)
SHATTERED_SWEEP = {"width": SHATTERED["width"], "seed": SEED}
# On /why `depth` and `width` are the lesion experiment's URL keys; the shattered-gradient controls use these (the
# command line keeps `shattered --depth --width`).
SHATTERED_PAGE = {
    "depth": dataclasses.replace(SHATTERED["depth"], name="shattered_depth"),
    "width": dataclasses.replace(SHATTERED["width"], name="shattered_width"),
}
