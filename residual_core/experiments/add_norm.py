"""Add & Norm in the transformer (reference text, sections 3.4, 3.6 and 3.7, and its "next section" preview).

* :func:`add_norm_experiment` -- at initialisation, the gradient norm of every encoder layer's weights for Post-LN,
  Pre-LN and no residual (Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture", figure 3),
  the gradient flowing down the residual stream itself, and the stream's size after every layer;
* :func:`add_norm_seeds` -- the same over seeds: each layer's range and geometric mean;
* :func:`dropout_demo` -- dropout on the sublayer output before the add, in training and in eval mode;
* :func:`shape_demo` -- ``x + sublayer(x)`` with mismatched widths: PyTorch's error and the ``ProjectedResidual`` fix.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..models.blocks import ProjectedResidual, ResidualWithDropout, SimpleFFN, count_parameters
from ..models.transformer import VARIANT_LABELS, VARIANTS, Encoder, build_encoder
from ..seeding import generator, seeded
from ..tables import melt, merge_by_layer

ADD_NORM_BATCH = 4  # sequences per batch
ADD_NORM_TOKENS = 16  # tokens per sequence
ADD_NORM_SEED_COUNT = 5  # seeds seed .. seed + 4 for the robustness check

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
        ``B * T`` tokens of the token vector's norm ``||x_l[b, t, :]||``; ``stream_grad``: the norm of the gradient
        of the loss with respect to the stream itself, ``||d loss / d x_l||`` over the whole batch, ``l = 0..N``;
        ``loss``.
    """
    encoder = encoder.to(torch.float64)
    encoder.zero_grad(set_to_none=True)
    states = encoder.trace(x.detach().requires_grad_(True))  # [x_0, x_1, ..., x_N, output]
    for state in states[:-1]:
        state.retain_grad()  # d loss / d x_l, the gradient flowing down the stream
    loss = torch.mean((states[-1] - target) ** 2)
    loss.backward()
    grad = []
    for layer in encoder.layers:
        weights = [m.weight for m in layer.modules() if isinstance(m, nn.Linear)]
        grad.append(sum(float((w.grad.double() ** 2).sum()) for w in weights) ** 0.5)
    stream = [float(s.detach().norm(dim=-1).mean()) for s in states[:-1]]
    stream_grad = [float(s.grad.norm()) for s in states[:-1]]
    return {"grad": grad, "stream": stream, "stream_grad": stream_grad, "loss": float(loss.detach())}


def variant_profile(variant: str, layers: int, d_model: int, heads: int, init: str, seed: int) -> dict:
    """:func:`layer_weight_grad_norms` of one seeded encoder (see :func:`add_norm_experiment` for batch and loss)."""
    x, target = encoder_batch(ADD_NORM_BATCH, ADD_NORM_TOKENS, d_model, seed)
    encoder = build_encoder(variant, layers, d_model, heads, init=init, seed=seed)
    return layer_weight_grad_norms(encoder, x, target)


def add_norm_experiment(
    layers: int = 16, d_model: int | str = 64, heads: int | str = 4, init: str = "xavier", seed: int = 0
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
        the mean token norm of the residual stream after layer ``0..N`` (0 is the input); ``stream_grad``: the same
        layout, ``||d loss / d x_l||``, the gradient reaching the stream after layer ``l``; ``loss``: each variant's
        loss.
    """
    d_model, heads = int(d_model), int(heads)
    results = {v: variant_profile(v, layers, d_model, heads, init, seed) for v in VARIANTS}
    return {
        "layers": layers,
        "d_model": d_model,
        "heads": heads,
        "init": init,
        "seed": seed,
        "per_layer": [{"layer": i + 1, **{COLUMNS[v]: results[v]["grad"][i] for v in VARIANTS}} for i in range(layers)],
        "stream": [{"layer": i, **{COLUMNS[v]: results[v]["stream"][i] for v in VARIANTS}} for i in range(layers + 1)],
        "stream_grad": [
            {"layer": i, **{COLUMNS[v]: results[v]["stream_grad"][i] for v in VARIANTS}} for i in range(layers + 1)
        ],
        "loss": {COLUMNS[v]: results[v]["loss"] for v in VARIANTS},
        "growth": {COLUMNS[v]: growth_ratio(results[v]["grad"]) for v in VARIANTS},
    }


def growth_ratio(values: list[float]) -> float:
    """Mean of the output-side third of the layers over the mean of the input-side third (last over first for fewer
    than 6 layers): above 1 the norm grows toward the output, below 1 it shrinks."""
    k = max(1, len(values) // 3) if len(values) >= 6 else 1
    low, high = sum(values[:k]) / k, sum(values[-k:]) / k
    return high / low if low else float("nan")


def add_norm_seeds(
    layers: int = 16, d_model: int | str = 64, heads: int | str = 4, init: str = "xavier", seed: int = 0
) -> dict:
    """How much of the per-layer trend belongs to one seed: :func:`add_norm_experiment` for the
    ``ADD_NORM_SEED_COUNT`` seeds ``seed, seed + 1, ...``, summarised by :func:`seed_band`."""
    count = ADD_NORM_SEED_COUNT
    return seed_band([add_norm_experiment(layers, d_model, heads, init, s) for s in range(seed, seed + count)])


def seed_band(results: list[dict]) -> dict:
    """Post-LN and Pre-LN over several :func:`add_norm_experiment` results (one per seed, same other settings).

    Returns:
        ``seeds``; ``post_ln`` and ``pre_ln``: the :func:`growth_ratio` per seed; ``last_over_first``:
        ``{post_ln, pre_ln}``, the last layer's weight-gradient norm over the first's, per seed; ``per_layer``:
        ``[{layer, post_ln_min, post_ln_max, post_ln_geomean, pre_ln_min, ...}]``, each layer's range and geometric
        mean over the seeds; ``layers, d_model, heads, init``.
    """
    columns = ("post_ln", "pre_ln")
    per_layer = []
    for i, row in enumerate(results[0]["per_layer"]):
        out = {"layer": row["layer"]}
        for c in columns:
            values = [r["per_layer"][i][c] for r in results]
            out |= {f"{c}_min": min(values), f"{c}_max": max(values), f"{c}_geomean": _geomean(values)}
        per_layer.append(out)
    first = results[0]
    return {
        **{k: first[k] for k in ("layers", "d_model", "heads", "init")},
        "seeds": [r["seed"] for r in results],
        **{c: [r["growth"][c] for r in results] for c in columns},
        "last_over_first": {c: [r["per_layer"][-1][c] / r["per_layer"][0][c] for r in results] for c in columns},
        "per_layer": per_layer,
    }


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if all(v > 0 for v in values) else 0.0


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
        "identity_exact": bool(torch.equal(out, plain)) if plain is not None and d_in == d_out else None,
        "broadcast": plain is not None and d_in != d_out,
        "plain_shape": list(plain.shape) if plain is not None else None,
    }


# -- rows for the charts and tables -----------------------------------------------------------------------------------

SERIES = {column: VARIANT_LABELS[variant] for variant, column in COLUMNS.items()}  # post_ln -> "Post-LN", ...
SERIES_BY_NAME = {label: column for column, label in SERIES.items()}  # "Post-LN" -> post_ln, ...


def gradient_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm}``: weight-gradient norm per layer and arrangement."""
    return melt(result["per_layer"], "layer", SERIES, "grad_norm")


def stream_grad_rows(result: dict) -> list[dict]:
    """``{layer, series, stream_grad}``: the gradient reaching the stream after every layer, per arrangement."""
    return melt(result["stream_grad"], "layer", SERIES, "stream_grad")


def band_rows(result: dict) -> list[dict]:
    """``{layer, series, grad_norm, seed_min, seed_max}`` from :func:`seed_band`: Post-LN's and Pre-LN's geometric
    mean over the seeds (the line) and their range (the band)."""
    return [
        {
            "layer": row["layer"],
            "series": SERIES[c],
            "grad_norm": row[f"{c}_geomean"],
            "seed_min": row[f"{c}_min"],
            "seed_max": row[f"{c}_max"],
        }
        for c in ("post_ln", "pre_ln")
        for row in result["per_layer"]
    ]


def follow_ratio(result: dict, column: str) -> list[float]:
    """Per layer ``1..N``: the weight-gradient norm over the stream gradient at that layer's output,
    ``||dL/dW_l|| / ||dL/dx_l||``. Nearly constant across layers means the weight gradient follows the stream's."""
    return [w[column] / g[column] for w, g in zip(result["per_layer"], result["stream_grad"][1:], strict=True)]


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
    """CSV: stream norm, stream gradient and weight-gradient norm per layer and arrangement (layer 0, the input, has
    no weights)."""
    grads = [{"layer": r["layer"], **{f"{k}_grad_norm": r[k] for k in COLUMNS.values()}} for r in result["per_layer"]]
    stream = [
        {
            "layer": r["layer"],
            **{f"{k}_stream_norm": r[k] for k in COLUMNS.values()},
            **{f"{k}_stream_grad": g[k] for k in COLUMNS.values()},
        }
        for r, g in zip(result["stream"], result["stream_grad"], strict=True)
    ]
    return merge_by_layer(stream, grads)
