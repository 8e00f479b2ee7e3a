"""/add-norm: the transformer's Add & Norm, Post-LN against Pre-LN, dropout before the add, the projection shortcut."""

from ..bounds import ADD_NORM, ADD_NORM_BATCH, ADD_NORM_DROPOUT, ADD_NORM_SHAPE, ADD_NORM_TOKENS, SEED
from ..declare import Claim, Experiment, Figure, Page, Verdict
from ..experiments import add_norm
from ..models.blocks import ProjectedResidual, ResidualWithDropout
from ..models.transformer import Encoder, NoResidualLayer, PostLNLayer, PreLNLayer, build_encoder

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

GRADIENTS = Experiment(
    name="add-norm",
    func=add_norm.add_norm_experiment,
    bounds=ADD_NORM,
    summary="per-layer weight-gradient norms of Post-LN, Pre-LN and no-residual transformer encoders at init",
    help=(
        f"{ENCODERS}\n\n"
        "per_layer: for layers 1..N from the input side, the norm of the gradient of all of that layer's\n"
        "weight matrices (attention query, key, value, output; both feed-forward matrices) together; biases\n"
        "and LayerNorm parameters are left out. stream: the mean token norm of the residual stream after each\n"
        "layer 0..N (0 = the input)."
    ),
    code=(
        add_norm.variant_profile,
        add_norm.layer_weight_grad_norms,
        add_norm.sum_spread,
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
                "y_title": "‖∂loss/∂W_layer‖",
                "title": "Weight-gradient norm per layer",
            },
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
        ),
    ),
)

SEEDS = Experiment(
    name="add-norm-seeds",
    func=add_norm.add_norm_seeds,
    bounds=ADD_NORM,
    summary="add-norm's output-side / input-side gradient ratio for Post-LN and Pre-LN over seeds SEED .. SEED+4",
    help=f"{ENCODERS}\n\nFor seeds SEED .. SEED+4: growth_ratio of the Post-LN and Pre-LN weight-gradient norms.",
    code=(add_norm.growth_ratio, add_norm.variant_profile),
    table=lambda r: [
        {"seed": s, "post_ln": p, "pre_ln": q} for s, p, q in zip(r["seeds"], r["post_ln"], r["pre_ln"], strict=True)
    ],
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
        ),
    ),
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
)


def _post_ln_grows(r: dict) -> Verdict:
    first, last = r["per_layer"][0]["post_ln"], r["per_layer"][-1]["post_ln"]
    return Verdict(last > first, f"Post-LN weight gradient, last / first layer = {last / first:.2f}")


CLAIMS = (
    Claim(
        id="post-ln-grows-toward-output",
        text="Post-LN's weight gradients are larger near the output than near the input.",
        condition="at initialisation, mean-squared-error loss on a random target",
        experiment="add-norm",
        check=_post_ln_grows,
    ),
)

PAGE = Page(
    key="add-norm",
    title="Add & Norm",
    icon=":material/add_circle:",
    teaser="The transformer's two residuals per layer, Post-LN against Pre-LN, dropout before the add.",
    experiments=(GRADIENTS, SEEDS, DROPOUT, SHAPES),
    claims=CLAIMS,
)
