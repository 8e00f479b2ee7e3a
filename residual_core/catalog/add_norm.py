"""/add-norm: the transformer's Add & Norm, Post-LN against Pre-LN, dropout before the add, the projection shortcut."""

from ..altered import replaced, scaled
from ..bounds import Bound
from ..budget import Cost, fixed, net, number
from ..declare import Claim, Experiment, Figure, Page, Question, Section, Verdict
from ..experiments import add_norm
from ..experiments.add_norm import ADD_NORM_BATCH, ADD_NORM_TOKENS
from ..models.blocks import ProjectedResidual, ResidualWithDropout
from ..models.transformer import VARIANTS, Encoder, NoResidualLayer, PostLNLayer, PreLNLayer, build_encoder
from ..numbers import plural, span
from ..options import ADD_NORM, ADD_NORM_DROPOUT, ADD_NORM_SHAPE, SEED
from ..where import all_of, at_least, at_most, equals, one_of
from . import add_norm_text as text

ENCODERS = (
    "Three transformer encoders of LAYERS layers (d_ff = 4 * D_MODEL, no dropout), built after\n"
    "torch.manual_seed(SEED) from residual_core.models.transformer: Post-LN (LN(x + Sublayer(x))), Pre-LN\n"
    "(x + Sublayer(LN(x)), final LayerNorm) and no residual (LN(Sublayer(x))); the same attention and\n"
    "feed-forward weights for the three. --init xavier re-draws every linear and attention projection\n"
    "with Xavier uniform (zero biases); default keeps PyTorch's nn.Linear initialisation.\n\n"
    f"Batch: {ADD_NORM_BATCH} sequences of {ADD_NORM_TOKENS} tokens, standard normal (B, T, D_MODEL).\n"
    "Readout: the encoder's output itself. Loss: mean squared error against a seeded standard-normal\n"
    "target of the same shape. Float64."
)


def _ratio(x: float) -> str:
    return f"{x:.2f}×"


def _last_first(r: dict, column: str) -> float:
    return r["per_layer"][-1][column] / r["per_layer"][0][column]


def _gradients_takeaway(r: dict) -> str:
    return (
        f"Last layer's weight gradient over the first's: Post-LN {_ratio(_last_first(r, 'post_ln'))}, Pre-LN "
        f"{_ratio(_last_first(r, 'pre_ln'))}, no residual {_ratio(_last_first(r, 'no_residual'))} ({r['layers']} "
        f"layers, d_model {r['d_model']}, {r['init']} init, seed {r['seed']})."
    )


def _stream_grad_takeaway(r: dict) -> str:
    g = r["stream_grad"]
    pre = g[-1]["pre_ln"] / g[1]["pre_ln"]
    follow = add_norm.follow_ratio(r, "pre_ln")
    return (
        f"Pre-LN's stream gradient after the last layer is {_ratio(pre)} the one after the first, and its weight "
        f"gradient over the stream gradient varies only by {_ratio(max(follow) / min(follow))} across the layers."
    )


def _stream_takeaway(r: dict) -> str:
    st = r["stream"]
    return (
        f"Mean token norm after the last layer: Post-LN {st[-1]['post_ln']:.2f}, no residual "
        f"{st[-1]['no_residual']:.2f}, Pre-LN {st[-1]['pre_ln']:.2f} (input {st[0]['pre_ln']:.2f}; "
        f"√d_model = {r['d_model'] ** 0.5:.2f})."
    )


def _band_takeaway(r: dict) -> str:
    lf = r["last_over_first"]
    above = sum(v > 1 for v in lf["post_ln"])
    return (
        f"Over seeds {r['seeds'][0]}–{r['seeds'][-1]} the last/first ratio runs "
        f"{span(min(lf['post_ln']), max(lf['post_ln']))} for Post-LN (above 1 at {above} of {len(r['seeds'])}) and "
        f"{span(min(lf['pre_ln']), max(lf['pre_ln']))} for Pre-LN."
    )


def _dropout_takeaway(r: dict) -> str:
    return (
        f"Training run 1 dropped {r['dropped']} of {r['width']} entries of F(x) and scaled the rest by "
        + ("—" if r["kept_scale"] is None else f"{r['kept_scale']:.4f}")
        + f" (1/(1 − p) = {r['expected_scale']:.4f}); eval mode added "
        + ("F(x) unchanged." if r["eval_equals_x_plus_f"] else "something other than F(x).")
    )


# -- claims ------------------------------------------------------------------------------------------------------


def _settings(r: dict) -> str:
    return (
        f"{plural(r['layers'], 'layer')}, d_model {r['d_model']}, {r['heads']} heads, {r['init']} init, "
        f"seed {r['seed']}"
    )


def _post_ln_grows(r: dict) -> Verdict:
    first, last = r["per_layer"][0]["post_ln"], r["per_layer"][-1]["post_ln"]
    return Verdict(last > first, f"Post-LN weight gradient, last / first layer = {last / first:.2f} ({_settings(r)})")


def _pre_ln_shrinks(r: dict) -> Verdict:
    ratio = _last_first(r, "pre_ln")
    return Verdict(ratio < 1, f"Pre-LN weight gradient, last / first layer = {ratio:.2f} ({_settings(r)})")


def _pre_ln_follows_stream(r: dict) -> Verdict:
    follow = add_norm.follow_ratio(r, "pre_ln")
    weights = [row["pre_ln"] for row in r["per_layer"]]
    spread, weight_spread = max(follow) / min(follow), max(weights) / min(weights)
    return Verdict(
        spread < 1.5 and spread < weight_spread,
        f"Pre-LN: ‖∂L/∂W_l‖ / ‖∂L/∂x_l‖ varies by {spread:.2f}× across the layers, ‖∂L/∂W_l‖ itself by "
        f"{weight_spread:.2f}× ({_settings(r)})",
    )


def _post_steeper(r: dict) -> Verdict:
    post, pre = _last_first(r, "post_ln"), _last_first(r, "pre_ln")
    return Verdict(post > pre, f"last / first layer: Post-LN {post:.2f}, Pre-LN {pre:.2f} ({_settings(r)})")


def _pre_stream_grows(r: dict) -> Verdict:
    first, last = r["stream"][0]["pre_ln"], r["stream"][-1]["pre_ln"]
    post = r["stream"][-1]["post_ln"]
    return Verdict(
        last > first,
        f"Pre-LN mean token norm {first:.2f} at the input, {last:.2f} after the last layer (Post-LN: {post:.2f})",
    )


def _dropout_spares_skip(r: dict) -> Verdict:
    return Verdict(
        r["skip_exact"] and r["eval_runs_equal"] and r["eval_equals_x_plus_f"],
        f"output == x exactly where F(x) was dropped: {'yes' if r['skip_exact'] else 'no'}; eval mode gives "
        f"x + F(x) every time: {'yes' if r['eval_runs_equal'] and r['eval_equals_x_plus_f'] else 'no'} "
        f"(p = {r['dropout']:g}, seed {r['seed']})",
    )


# -- the prediction question (section 3.4) -------------------------------------------------------------------------

GROWTH = ("larger at the last layer", "about the same (within 0.8–1.25×)", "smaller at the last layer")


def _post_ln_growth(r: dict) -> str:
    ratio = r["per_layer"][-1]["post_ln"] / r["per_layer"][0]["post_ln"]
    return GROWTH[0] if ratio > 1.25 else GROWTH[2] if ratio < 0.8 else GROWTH[1]


POST_LN_GROWTH = Question(
    id="post-ln-growth",
    text=lambda kw: (
        f"A {kw['layers']}-layer Post-LN encoder at initialisation ({kw['init']} init, seed {kw['seed']}): "
        "how does the last layer's weight-gradient norm compare with the first layer's?"
    ),
    answer=_post_ln_growth,
    kind="choice",
    options=GROWTH,
    explain=lambda r: (
        f"Post-LN's last layer gets {r['per_layer'][-1]['post_ln'] / r['per_layer'][0]['post_ln']:.2f}× "
        "the weight-gradient norm of its first."
    ),
)

GRADIENTS_CLAIMS = (
    Claim(
        id="post-ln-grows-toward-output",
        text="Post-LN's weight gradients are larger near the output than near the input.",
        condition="at initialisation, Xavier weights, mean-squared-error loss on a random target; noisy from seed to "
        "seed in a model this small",
        check=_post_ln_grows,
        holds={},
        fails={"layers": 12, "seed": 2},
        applies=all_of(equals("layers", 16), equals("d_model", "64"), equals("init", "xavier")),
    ),
    Claim(
        id="pre-ln-shrinks-toward-output",
        text="Pre-LN's weight gradients shrink toward the output (Xiong et al. report them flat).",
        condition="at initialisation, either initialisation, mean-squared-error loss on a random target",
        check=_pre_ln_shrinks,
        holds={},
        fails={"layers": 2, "d_model": "32", "init": "default", "seed": 0},
        applies=at_least("layers", 4),
    ),
    Claim(
        id="pre-ln-follows-stream",
        text="Pre-LN's weight gradients follow the gradient flowing down the stream: their ratio to ‖∂L/∂x_l‖ at "
        "each layer's output varies by less than 1.5× across the layers, less than the weight gradients themselves.",
        condition="at initialisation, up to about 16 layers (deeper stacks spread the ratio more)",
        check=_pre_ln_follows_stream,
        holds={},
        fails={"layers": 24, "d_model": "32", "seed": 0},
        applies=all_of(at_least("layers", 4), at_most("layers", 16), one_of("heads", ("1", "2", "4"))),
    ),
    Claim(
        id="post-ln-steeper-than-pre-ln",
        text="With the same weights, Post-LN's last/first weight-gradient ratio lies above Pre-LN's.",
        condition="at initialisation, same weights for both arrangements",
        check=_post_steeper,
        holds={},
        fails=scaled("per_layer", "pre_ln", 100.0, slice(-1, None)),
    ),
    Claim(
        id="pre-ln-stream-grows",
        text="Pre-LN's residual stream grows with depth; Post-LN normalises it back after every sublayer.",
        condition="at initialisation, any setting",
        check=_pre_stream_grows,
        holds={},
        fails=scaled("stream", "pre_ln", 0.01, slice(-1, None)),
    ),
)

GRADIENTS = Experiment(
    name="add-norm",
    func=add_norm.add_norm_experiment,
    bounds=ADD_NORM,
    summary="per-layer weight-gradient and stream-gradient norms of Post-LN, Pre-LN and no-residual encoders at init",
    help=(
        f"{ENCODERS}\n\n"
        "per_layer: for layers 1..N from the input side, the norm of the gradient of all of that layer's\n"
        "weight matrices (attention query, key, value, output; both feed-forward matrices) together; biases\n"
        "and LayerNorm parameters are left out. stream_grad: the norm of the loss gradient with respect to\n"
        "the residual stream after each layer 0..N, ||dL/dx_l|| over the whole batch. stream: the mean token\n"
        "norm of the residual stream after each layer 0..N (0 = the input)."
    ),
    code=(
        add_norm.variant_profile,
        add_norm.layer_weight_grad_norms,
        build_encoder,
        PostLNLayer,
        PreLNLayer,
        NoResidualLayer,
        Encoder.trace,
    ),
    table=add_norm.add_norm_table,
    figures=(
        Figure(
            "gradients",
            "line",
            add_norm.gradient_rows,
            {
                "x": "layer",
                "y": "grad_norm",
                "x_title": "encoder layer (1 = input side)",
                "y_title": "‖∂loss/∂W_l‖",
                "title": "Weight gradient per layer",
                "height": 300,
            },
            takeaway=_gradients_takeaway,
        ),
        Figure(
            "stream-gradient",
            "line",
            add_norm.stream_grad_rows,
            {
                "x": "layer",
                "y": "stream_grad",
                "x_title": "after layer l (0 = the input)",
                "y_title": "‖∂loss/∂x_l‖",
                "title": "Gradient reaching the stream",
                "height": 300,
            },
            takeaway=_stream_grad_takeaway,
        ),
        Figure(
            "stream",
            "line",
            add_norm.stream_rows,
            {
                "x": "layer",
                "y": "stream_norm",
                "x_title": "after layer (0 = the input)",
                "y_title": "mean token norm ‖x_l‖",
                "title": "Size of the residual stream",
                "log_y": False,
                "height": 280,
            },
            takeaway=_stream_takeaway,
        ),
    ),
    cost=Cost(net("layers", "d_model", 12, 64, copies=3), 4.7e-3, 4.7e-7, 0.01),
    claims=GRADIENTS_CLAIMS,
    question=POST_LN_GROWTH,
    example={"layers": 2, "d_model": "32", "heads": "2"},
)

SEEDS = Experiment(
    name="add-norm-seeds",
    func=add_norm.add_norm_seeds,
    bounds=ADD_NORM,
    summary="add-norm for seeds SEED .. SEED+4: Post-LN's and Pre-LN's weight gradient per layer, range and mean",
    help=(
        f"{ENCODERS}\n\nadd-norm for seeds SEED .. SEED+4 (the page uses seeds 0-4). Per layer: the min, max and\n"
        "geometric mean over the seeds of the Post-LN and Pre-LN weight-gradient norms; per seed: growth_ratio\n"
        "(top third / bottom third) and the last layer's norm over the first's."
    ),
    code=(add_norm.seed_band, add_norm.add_norm_experiment, add_norm.growth_ratio),
    table=lambda r: r["per_layer"],
    figures=(
        Figure(
            "band",
            "band",
            add_norm.band_rows,
            lambda r: {
                "x": "layer",
                "y": "grad_norm",
                "lo": "seed_min",
                "hi": "seed_max",
                "x_title": "encoder layer (1 = input side)",
                "y_title": f"‖∂loss/∂W_l‖ over seeds {r['seeds'][0]}–{r['seeds'][-1]}",
            },
            takeaway=_band_takeaway,
        ),
    ),
    cost=Cost(net("layers", "d_model", 12, 64, copies=15), 2.3e-3, 2.4e-7, 0.01),
    example={"layers": 2, "d_model": "32", "heads": "2"},
)

DROPOUT_CLAIMS = (
    Claim(
        id="dropout-spares-skip",
        text="Dropout never touches the skip path: where F(x) is dropped the output is exactly x, and in eval mode "
        "the block adds F(x) unchanged.",
        condition="ResidualWithDropout, any p",
        check=_dropout_spares_skip,
        holds={},
        fails=replaced(skip_exact=False),
    ),
)

DROPOUT = Experiment(
    name="dropout",
    func=add_norm.dropout_demo,
    bounds={"dropout": ADD_NORM_DROPOUT, "seed": SEED},
    summary="dropout before the add: what x + Dropout(F(x)) adds to x in training and in eval mode",
    help=(
        "ResidualWithDropout(SimpleFFN(32), DROPOUT) on one seeded standard-normal token (1, 32), built and run\n"
        "after torch.manual_seed(SEED): twice in training mode, twice in eval mode. Reported per feature: x,\n"
        "F(x) and output - x of each run; how many entries were dropped and how the kept ones were scaled."
    ),
    code=(ResidualWithDropout,),
    table=lambda r: r["features"],
    figures=(
        Figure(
            "added",
            "point",
            add_norm.dropout_rows,
            {"x": "feature", "y": "value", "x_title": "feature", "y_title": "value", "title": "What gets added to x"},
            takeaway=lambda r: _dropout_takeaway(r),
        ),
    ),
    cost=Cost(fixed, 0.0, 0.0, 0.01),
    claims=DROPOUT_CLAIMS,
)

SHAPES = Experiment(
    name="shape",
    func=add_norm.shape_demo,
    bounds=ADD_NORM_SHAPE,
    summary="x + sublayer(x) with mismatched widths: PyTorch's error and the ProjectedResidual fix",
    help=(
        "Section 3.7: SimpleFFN(D_IN, D_OUT) on a seeded input (2, 10, D_IN). Tries x + sublayer(x), reports\n"
        "PyTorch's error when the widths differ, then runs ProjectedResidual (a Linear on the skip path when\n"
        "the widths differ, nn.Identity otherwise) and reports its shapes and parameter counts."
    ),
    code=(ProjectedResidual,),
    table=lambda r: [{k: v for k, v in r.items() if not isinstance(v, list)}],
    cost=Cost(lambda kw: (1.0, number(kw, "d_in", 512) * number(kw, "d_out", 256)), 0.0048, 5.4e-8, 0.005),
    example={"d_in": 16, "d_out": 8},
)

VARIANT = Bound.choice("variant", VARIANTS, "post-ln", label="Arrangement")  # the diagram's; no experiment's option
# the layer's diagram is traced from the encoders GRADIENTS measures; it draws none of their figures or claims
LAYER_SECTION = Section(
    "one-encoder-layer", "1. One encoder layer", GRADIENTS, claims=(), controls=(VARIANT, ADD_NORM_DROPOUT)
)
GRADIENTS_SECTION = Section(
    "gradients-at-initialisation-layer-by-layer", "2. Gradients at initialisation, layer by layer", GRADIENTS,
    figures=("gradients", "stream-gradient", "stream"), controls=tuple(ADD_NORM.values()),
    text=text.gradients_lead, metrics=text.gradients_metrics,
)  # fmt: skip
DROPOUT_SECTION = Section(
    "dropout-sits-on-the-sublayer-before-the-add", "3. Dropout sits on the sublayer, before the add", DROPOUT,
    figures=("added",), controls=(ADD_NORM_DROPOUT, SEED), text=text.dropout_text, metrics=text.dropout_metrics,
)  # fmt: skip
SHAPES_SECTION = Section(
    "the-add-needs-matching-shapes", "4. The add needs matching shapes", SHAPES,
    controls=tuple(ADD_NORM_SHAPE.values()), text=text.shapes_text, metrics=text.shapes_metrics,
)  # fmt: skip

PAGE = Page(
    key="add-norm",
    title="Add & Norm",
    icon=":material/add_circle:",
    teaser="The transformer's two residuals per layer, Post-LN against Pre-LN, dropout before the add.",
    experiments=(GRADIENTS, SEEDS, DROPOUT, SHAPES),
    sections=(LAYER_SECTION, GRADIENTS_SECTION, DROPOUT_SECTION, SHAPES_SECTION),
)
