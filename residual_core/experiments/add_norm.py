"""Add & Norm in the transformer (reference text, sections 3.4, 3.6 and 3.7, and its "next section" preview).

* :func:`add_norm_experiment` -- at initialisation, the gradient norm of every encoder layer's weights for Post-LN,
  Pre-LN and no residual (Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture", figure 3),
  and the norm of the residual stream after every layer;
* :func:`dropout_demo` -- dropout on the sublayer output before the add, in training and in eval mode;
* :func:`shape_demo` -- ``x + sublayer(x)`` with mismatched widths: PyTorch's error and the ``ProjectedResidual`` fix.
"""

from __future__ import annotations

import torch
from torch import nn

from ..bounds import ADD_NORM_BATCH, ADD_NORM_SEED_COUNT, ADD_NORM_TOKENS, VARIANTS
from ..models.blocks import ProjectedResidual, ResidualWithDropout, SimpleFFN, count_parameters
from ..models.transformer import VARIANT_LABELS, Encoder, build_encoder
from ..seeding import generator, seeded
from ..tables import melt, merge_by_layer

# JSON/CSV column per variant
COLUMNS = {"post-ln": "post_ln", "pre-ln": "pre_ln", "none": "no_residual"}


def encoder_batch(batch: int, tokens: int, d_model: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded standard-normal input ``(batch, tokens, d_model)`` and an independent standard-normal target of the
    same shape, float64, from their own generator (the weights' stream is untouched)."""
    g = generator(int(seed) + 1_000_003)
    x = torch.randn(batch, tokens, d_model, generator=g, dtype=torch.float64)
    target = torch.randn(batch, tokens, d_model, generator=g, dtype=torch.float64)
    return x, target


def layer_weight_grad_norms(encoder: Encoder, x: torch.Tensor, target: torch.Tensor) -> dict[str, list[float]]:
    """One backward pass of ``loss = mean((encoder(x) - target) ** 2)``, in float64.

    Returns:
        ``grad``: for each layer ``1..N`` (input side first), the norm of the gradient of all that layer's weight
        matrices taken together -- the attention's query, key, value and output projections and the feed-forward
        network's two matrices: ``sqrt(sum over W of ||d loss / d W||^2)`` (biases and LayerNorm gains are left
        out: the last Post-LN LayerNorm's parameters feed the loss directly and would hide the trend);
        ``stream``: the residual stream's size after each layer, ``0..N`` (0 is the input): the mean over the
        ``B * T`` tokens of the token vector's norm ``||x_l[b, t, :]||``; ``loss``.
    """
    encoder = encoder.to(torch.float64)
    encoder.zero_grad(set_to_none=True)
    states = encoder.trace(x)  # [x_0, x_1, ..., x_N, output]
    loss = torch.mean((states[-1] - target) ** 2)
    loss.backward()
    grad = []
    for layer in encoder.layers:
        weights = [m.weight for m in layer.modules() if isinstance(m, nn.Linear)]
        grad.append(sum(float((w.grad.double() ** 2).sum()) for w in weights) ** 0.5)
    stream = [float(s.detach().norm(dim=-1).mean()) for s in states[:-1]]
    return {"grad": grad, "stream": stream, "loss": float(loss.detach())}


def variant_profile(variant: str, layers: int, d_model: int, heads: int, init: str, seed: int) -> dict:
    """:func:`layer_weight_grad_norms` of one seeded encoder (see :func:`add_norm_experiment` for batch and loss)."""
    x, target = encoder_batch(ADD_NORM_BATCH, ADD_NORM_TOKENS, d_model, seed)
    encoder = build_encoder(variant, layers, d_model, heads, init=init, seed=seed)
    return layer_weight_grad_norms(encoder, x, target)


def sum_spread(encoder: Encoder, x: torch.Tensor) -> list[float]:
    """For every LayerNorm of ``encoder``, in order: the spread of what it normalises, the standard deviation over the
    features averaged over the tokens. In a Post-LN encoder each LayerNorm's input is the sum ``x + dropout(F(x))``
    of a residual add, and the LayerNorm divides by exactly this number, so it is also the factor by which it shrinks
    the gradient passing down through it (roughly). Read with hooks on the LayerNorms while the encoder runs.
    """
    spreads = []
    norms = [m for layer in encoder.layers for m in (layer.ln_1, layer.ln_2)]
    hooks = [
        m.register_forward_pre_hook(lambda m, inp: spreads.append(float(inp[0].std(dim=-1).mean()))) for m in norms
    ]
    try:
        with torch.no_grad():
            encoder(x)
    finally:
        for hook in hooks:
            hook.remove()
    return spreads


def add_norm_experiment(
    layers: int = 12, d_model: int | str = 64, heads: int | str = 4, init: str = "xavier", seed: int = 0
) -> dict:
    """Per-layer weight-gradient norms and residual-stream norms at initialisation, for the three variants.

    Network: :func:`~residual_core.transformer.build_encoder` with ``layers`` layers, ``d_model``, ``heads``,
    ``d_ff = 4 d_model``, no dropout, the chosen ``init``; Post-LN, Pre-LN (with its final LayerNorm) and no
    residual, built with the same seed (same attention and feed-forward weights). Batch: ``ADD_NORM_BATCH``
    sequences of ``ADD_NORM_TOKENS`` tokens, standard normal (see :func:`encoder_batch`). Readout: the encoder's
    output itself. Loss: mean squared error against a seeded standard-normal target of the same shape. All in float64.

    Returns:
        ``layers, d_model, heads, init, seed``; ``per_layer``: ``[{layer, post_ln, pre_ln, no_residual}]``, the
        gradient norm of all of layer ``1..N``'s weight matrices; ``growth``: ``{post_ln, pre_ln, no_residual}``, the
        :func:`growth_ratio` of each column of ``per_layer``; ``stream``: ``[{layer, post_ln, pre_ln, no_residual}]``,
        the mean token norm of the residual stream after layer ``0..N`` (0 is the input); ``loss``: each variant's
        loss; ``post_ln_sum_spread``: the Post-LN encoder's :func:`sum_spread`, averaged over its residual adds.
    """
    d_model, heads = int(d_model), int(heads)
    results = {v: variant_profile(v, layers, d_model, heads, init, seed) for v in VARIANTS}
    x, _ = encoder_batch(ADD_NORM_BATCH, ADD_NORM_TOKENS, d_model, seed)
    post = build_encoder("post-ln", layers, d_model, heads, init=init, seed=seed).to(torch.float64)
    spreads = sum_spread(post, x)
    return {
        "layers": layers,
        "d_model": d_model,
        "heads": heads,
        "init": init,
        "seed": seed,
        "per_layer": [{"layer": i + 1, **{COLUMNS[v]: results[v]["grad"][i] for v in VARIANTS}} for i in range(layers)],
        "stream": [{"layer": i, **{COLUMNS[v]: results[v]["stream"][i] for v in VARIANTS}} for i in range(layers + 1)],
        "loss": {COLUMNS[v]: results[v]["loss"] for v in VARIANTS},
        "post_ln_sum_spread": sum(spreads) / len(spreads),
        "growth": {COLUMNS[v]: growth_ratio(results[v]["grad"]) for v in VARIANTS},
    }


def growth_ratio(values: list[float]) -> float:
    """Mean of the output-side third of the layers over the mean of the input-side third (last over first for fewer
    than 6 layers): above 1 the norm grows toward the output, below 1 it shrinks."""
    k = max(1, len(values) // 3) if len(values) >= 6 else 1
    low, high = sum(values[:k]) / k, sum(values[-k:]) / k
    return high / low if low else float("nan")


def add_norm_seeds(
    layers: int = 12, d_model: int | str = 64, heads: int | str = 4, init: str = "xavier", seed: int = 0
) -> dict:
    """How much of the per-layer trend belongs to one seed: :func:`growth_ratio` of the Post-LN and Pre-LN
    weight-gradient norms for ``ADD_NORM_SEED_COUNT`` seeds ``seed, seed + 1, ...``, each computed exactly as in
    :func:`add_norm_experiment`.

    Returns:
        ``seeds``, ``post_ln`` and ``pre_ln`` (one growth ratio per seed).
    """
    d_model, heads = int(d_model), int(heads)
    seeds = list(range(seed, seed + ADD_NORM_SEED_COUNT))
    out = {"seeds": seeds}
    for variant in ("post-ln", "pre-ln"):
        out[COLUMNS[variant]] = [
            growth_ratio(variant_profile(variant, layers, d_model, heads, init, s)["grad"]) for s in seeds
        ]
    return out


def dropout_demo(dropout: float = 0.2, width: int = 32, seed: int = 0) -> dict:
    """``ResidualWithDropout(SimpleFFN(width), dropout)`` on one token, in training mode twice and eval mode twice.

    Built and run inside ``seeded(seed)``: the dropout masks are drawn from the global generator, so they are part of
    the seeded script. Input: one seeded standard-normal token ``(1, width)``.

    Returns:
        ``features``: ``[{feature, x, sublayer, train_1, train_2, eval}]`` where ``sublayer`` is ``F(x)`` and the
        ``train_*`` / ``eval`` columns are what the block *adds* to ``x``: ``output - x``;
        ``dropped``: how many of ``F(x)``'s entries training run 1 zeroed; ``kept_scale``: the ratio
        ``(output - x) / F(x)`` on the kept entries (``1 / (1 - p)`` up to rounding), ``kept_scale_error`` its largest
        deviation from ``1 / (1 - p)``; ``skip_exact``: in run 1, ``output == x`` bit for bit wherever ``F(x)`` was
        dropped (the skip path is untouched); ``train_runs_differ``, ``eval_runs_equal``, ``eval_equals_x_plus_f``.
    """
    p = float(dropout)
    with seeded(seed):
        block = ResidualWithDropout(SimpleFFN(width), p)
        x = torch.randn(1, width)
        with torch.no_grad():
            f = block.sublayer(x)
            block.train()
            train_1, train_2 = block(x), block(x)
            block.eval()
            eval_1, eval_2 = block(x), block(x)
    add_1 = train_1 - x
    dropped_mask = add_1 == 0
    kept = ~dropped_mask & (f != 0)
    scale = (add_1[kept] / f[kept]) if kept.any() else torch.empty(0)
    expected_scale = 1.0 / (1.0 - p)
    features = [
        {
            "feature": i,
            "x": float(x[0, i]),
            "sublayer": float(f[0, i]),
            "train_1": float(add_1[0, i]),
            "train_2": float((train_2 - x)[0, i]),
            "eval": float((eval_1 - x)[0, i]),
        }
        for i in range(width)
    ]
    return {
        "dropout": p,
        "width": width,
        "seed": seed,
        "features": features,
        "dropped": int(dropped_mask.sum()),
        "kept_scale": float(scale.mean()) if scale.numel() else None,
        "expected_scale": expected_scale,
        "kept_scale_error": float((scale - expected_scale).abs().max()) if scale.numel() else 0.0,
        "skip_exact": bool(torch.equal(train_1[dropped_mask], x[dropped_mask])),
        "train_runs_differ": bool(not torch.equal(train_1, train_2)) if 0 < p < 1 else False,
        "eval_runs_equal": bool(torch.equal(eval_1, eval_2)),
        "eval_equals_x_plus_f": bool(torch.equal(eval_1, x + f)),
    }


def shape_demo(d_in: int = 512, d_out: int = 256, seed: int = 0) -> dict:
    """Section 3.7: a sublayer ``SimpleFFN(d_in, d_out)`` (Linear(d_in, 4 d_in) -> ReLU -> Linear(4 d_in, d_out)) on
    a seeded input ``(2, 10, d_in)``.

    Tries the plain residual ``x + sublayer(x)`` and catches the ``RuntimeError`` PyTorch raises when the widths
    differ; then runs ``ProjectedResidual(sublayer, d_in, d_out)``.

    Returns:
        ``error``: PyTorch's message, or ``None`` when the add works; ``projection``: ``"Linear"`` or ``"Identity"``;
        ``projection_params``: the projection's parameter count (``d_in * d_out + d_out``, or 0);
        ``sublayer_params``; ``output_shape``: the projected residual's output shape; ``identity_exact``: for equal
        widths, whether ``ProjectedResidual`` gives exactly ``x + sublayer(x)``.
    """
    with seeded(seed):
        sublayer = SimpleFFN(d_in, d_out)
        block = ProjectedResidual(sublayer, d_in, d_out)
        x = torch.randn(2, 10, d_in)
    error, plain = None, None
    with torch.no_grad():
        try:
            plain = x + sublayer(x)
        except RuntimeError as err:
            error = str(err)
        out = block(x)
    return {
        "d_in": d_in,
        "d_out": d_out,
        "seed": seed,
        "input_shape": list(x.shape),
        "sublayer_shape": [2, 10, d_out],
        "error": error,
        "projection": type(block.projection).__name__,
        "projection_params": count_parameters(block.projection),
        "sublayer_params": count_parameters(sublayer),
        "output_shape": list(out.shape),
        "identity_exact": bool(torch.equal(out, plain)) if plain is not None else None,
    }


# -- rows for the charts and tables -----------------------------------------------------------------------------------

SERIES = {column: VARIANT_LABELS[variant] for variant, column in COLUMNS.items()}  # post_ln -> "Post-LN", ...


def gradient_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm}``: weight-gradient norm per layer and arrangement."""
    return melt(result["per_layer"], "layer", SERIES, "grad_norm")


def stream_rows(result: dict) -> list[dict]:
    """``{layer, series, stream_norm}``: the residual stream's mean token norm after every layer."""
    return melt(result["stream"], "layer", SERIES, "stream_norm")


DROPOUT_SERIES = {
    "sublayer": "sublayer F(x)",
    "train_1": "added in training, run 1",
    "train_2": "added in training, run 2",
    "eval": "added in eval mode",
}


def dropout_rows(result: dict) -> list[dict]:
    """``{feature, series, value}``: F(x) and what the block adds to x in two training runs and in eval mode."""
    return melt(result["features"], "feature", DROPOUT_SERIES, "value")


def add_norm_table(result: dict) -> list[dict]:
    """CSV: stream norm and weight-gradient norm per layer and arrangement (layer 0, the input, has no weights)."""
    grads = [{"layer": r["layer"], **{f"{k}_grad_norm": r[k] for k in COLUMNS.values()}} for r in result["per_layer"]]
    stream = [{"layer": r["layer"], **{f"{k}_stream_norm": r[k] for k in COLUMNS.values()}} for r in result["stream"]]
    return merge_by_layer(stream, grads)
