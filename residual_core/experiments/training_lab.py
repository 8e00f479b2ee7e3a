"""The training lab's experiments (reference text, exercises 1, 4, 6 and 7): networks trained live, side by side.

* :func:`transformer_experiment` and :func:`train` -- a transformer as Post-LN, Pre-LN and without residuals
  (exercise 4), on the sequence tasks of :mod:`residual_core.training.tasks`;
* :func:`depth_experiment` -- plain and residual MLPs of growing depth (exercise 1);
* :func:`scaling_experiment` -- ``x + α·F(x)`` for several α and a learned α from 0 (ReZero; exercise 6);
* :func:`gated_experiment` -- a gated residual ``x + g(x)·F(x)`` (exercise 7).

Models come from :mod:`residual_core.models`, batches from :mod:`residual_core.training.tasks`, and every experiment
trains in the one loop, :func:`residual_core.training.loop.train_models`, whose ``progress`` protocol (live partial
results, cancellation) every experiment passes on. Plain arguments in, JSON-ready dict out.
"""

from __future__ import annotations

from ..models.networks import DeepMLP
from ..models.transformer import VARIANT_LABELS, SequenceModel
from ..options import DEPTH_SWEEP, GATED, SCALING, TRAIN_VARIANT, TRANSFORMER_TRAINING
from ..training.loop import last, train_models
from ..training.tasks import RegressionTask, SequenceTask

# -- bounds -------------------------------------------------------------------------------------------------------


def _checked(bounds: dict, *, lr, **values) -> float:
    """Check every value against its bound in :mod:`residual_core.options` (raises ``BoundError`` naming it) and
    return the learning rate as a float. The learning rate is a choice of texts (for the URL and the command line);
    the same numbers are accepted as floats."""
    for name, value in values.items():
        bounds[name].check(value)
    lr_bound = bounds["lr"]
    if str(lr) not in lr_bound.options and not any(float(lr) == float(o) for o in lr_bound.options):
        lr_bound.check(str(lr))
    return float(lr)


# -- exercise 4: transformers with and without residuals -----------------------------------------------------------


def _sequence_setup(task, layers, d_model, heads, seq_len, batch, seed, variants):
    t = SequenceTask(task, seq_len, batch)
    models = {
        v: SequenceModel(v, layers, d_model, heads, t.vocab, seq_len, seed=seed, causal=t.causal) for v in variants
    }
    return t, models


def transformer_experiment(
    task: str = "sort",
    layers: int = 6,
    steps: int = 100,
    seed: int = 0,
    d_model: int = 32,
    seq_len: int = 8,
    batch: int = 32,
    lr: float | str = 0.003,
    variants: str = "post-ln,pre-ln,none",
    progress=None,
) -> dict:
    """Exercise 4: the same transformer in each ``variant`` (comma-separated), trained side by side.

    Network: :class:`SequenceModel` -- embeddings, ``layers`` encoder layers (``d_model`` wide, 2 heads, feed-forward
    ``4 * d_model``, no dropout) in the variant's arrangement, linear read-out. Batch: ``batch`` fresh sequences of
    ``seq_len`` tokens per step from :class:`SequenceTask` ``task``. Loss: token cross-entropy; also token accuracy.
    Optimiser: Adam, learning rate ``lr``, ``steps`` steps, the same batches for every variant.

    Returns:
        ``{"task", "layers", "steps", "seed", ..., "chance_loss", "runs": [{"variant", "label", "curve": [{"step",
        "loss", "accuracy"}], "final_loss", "final_accuracy", "diverged_at"}]}``
    """
    names = [v.strip() for v in variants.split(",") if v.strip()]
    for v in names:
        TRAIN_VARIANT.check(v)
    lr = _checked(TRANSFORMER_TRAINING, task=task, layers=layers, steps=steps, seed=seed, d_model=d_model,
                  seq_len=seq_len, batch=batch, lr=lr)  # fmt: skip
    t, models = _sequence_setup(task, layers, d_model, 2, seq_len, batch, seed, names)
    params = {
        "task": task,
        "layers": layers,
        "steps": steps,
        "seed": seed,
        "d_model": d_model,
        "seq_len": seq_len,
        "batch": batch,
        "lr": lr,
        "chance_loss": t.chance_loss,
    }

    def shape(state, step):
        runs = []
        for v in names:
            curve = state["curves"][v]
            runs.append(
                {
                    "variant": v,
                    "label": VARIANT_LABELS[v],
                    "curve": curve,
                    "final_loss": last(curve),
                    "final_accuracy": last(curve, "accuracy"),
                    "diverged_at": state["diverged_at"].get(v),
                }
            )
        return {**params, "step": step, "runs": runs}

    state = train_models(models, t, steps=steps, lr=lr, seed=seed, progress=progress, snapshot=shape, label=task)
    return shape(state, steps)


def train(
    task: str = "sort",
    variant: str = "pre-ln",
    layers: int = 6,
    steps: int = 100,
    seed: int = 0,
    d_model: int = 32,
    seq_len: int = 8,
    batch: int = 32,
    lr: float | str = 0.003,
    progress=None,
) -> dict:
    """One variant of :func:`transformer_experiment` (the same network, batches and loss; the same curve).

    Returns:
        ``{"task", "variant", "layers", "steps", "seed", ..., "curve": [{"step", "loss", "accuracy"}], "final_loss",
        "final_accuracy", "diverged_at"}``; ``final_loss`` is the last point of ``curve``.
    """
    result = transformer_experiment(task, layers, steps, seed, d_model, seq_len, batch, lr, variant, progress)
    run = result.pop("runs")[0]
    result.pop("step")
    return {**result, **run}


# -- exercise 1: how deep can a plain network go? -------------------------------------------------------------------


def depth_list(max_depth: int) -> list[int]:
    """The depths of the sweep: 2, 4, 8, ... up to ``max_depth`` (``max_depth`` itself included)."""
    depths, d = [], 2
    while d < max_depth:
        depths.append(d)
        d *= 2
    return [*depths, max_depth]


def _mlp_params(**kw) -> dict:
    return {**kw, "baseline_loss": RegressionTask.baseline}


def depth_experiment(
    max_depth: int = 32,
    init: str = "default",
    width: int = 32,
    steps: int = 100,
    seed: int = 0,
    samples: int = 256,
    lr: float | str = 0.003,
    progress=None,
) -> dict:
    """Exercise 1: plain and residual tanh MLPs of every depth in :func:`depth_list` ``(max_depth)``, same budget.

    Network: :class:`DeepMLP` ``(depth, width, init=init)``, block ``"plain"`` (``x <- tanh(W x + b)``) or
    ``"residual"`` (``x <- x + tanh(W x + b)``), the same weights for both. Batch: the whole
    :class:`RegressionTask` data set of ``samples`` points every step. Loss: mean squared error (1.0 = predicting
    the mean). Optimiser: Adam, ``lr``, ``steps`` steps for every network.

    Returns:
        ``{..., "depths": [...], "runs": [{"depth", "block", "curve": [{"step", "loss"}], "final_loss"}],
        "final": [{"depth", "plain", "residual"}], "init_gradient": [{"depth", "plain", "residual"}]}`` (final
        training loss per depth and block; :func:`hidden_gradient_kept` of every network before training)
    """
    lr = _checked(
        DEPTH_SWEEP, max_depth=max_depth, init=init, width=width, steps=steps, seed=seed, samples=samples, lr=lr
    )
    depths = depth_list(max_depth)
    task = RegressionTask(samples, seed)
    models = {
        (d, block): DeepMLP(d, width, block=block, seed=seed, init=init)
        for d in depths
        for block in ("plain", "residual")
    }
    named = {f"{block}-{d}": m for (d, block), m in models.items()}
    params = _mlp_params(max_depth=max_depth, init=init, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    params["init_gradient"] = [
        {"depth": d, **{block: hidden_gradient_kept(models[d, block], task.x) for block in ("plain", "residual")}}
        for d in depths
    ]

    def shape(state, step):
        runs, final = [], []
        for d in depths:
            row = {"depth": d}
            for block in ("plain", "residual"):
                curve = state["curves"][f"{block}-{d}"]
                runs.append({"depth": d, "block": block, "curve": curve, "final_loss": last(curve)})
                row[block] = last(curve)
            final.append(row)
        return {**params, "step": step, "depths": depths, "runs": runs, "final": final}

    state = train_models(named, task, steps=steps, lr=lr, seed=seed, progress=progress, snapshot=shape, label="depth")
    return shape(state, steps)


def hidden_gradient_kept(model: DeepMLP, x) -> float:
    """Before training: the share of the gradient that reaches the first hidden layer's input from the last hidden
    layer's output, ``||d s / d h_0|| / ||d s / d h_L||`` for ``s = sum(h_L)`` over the data ``x`` (float64, on a
    copy: the model itself is untouched)."""
    import copy

    import torch

    from ..measure import layer_input_grad_norms

    with torch.no_grad():
        h0 = model.inp(x)
    g = layer_input_grad_norms(copy.deepcopy(model.hidden), h0)
    return g[0] / g[-1] if g[-1] else float("nan")


def _probe_rows(state: dict, model: str, key: str) -> list[dict]:
    """Long-format rows ``{"step", "layer", key}`` of a per-layer probe recorded for ``model`` during training."""
    return [
        {"step": p["step"], "layer": i + 1, key: value}
        for p in state["probes"].get(model, [])
        for i, value in enumerate(p["values"])
    ]


# -- exercise 6: residual scaling y = x + α·F(x) ------------------------------------------------------------------

ALPHAS = (0.1, 0.5, 1.0, 2.0)


def scaling_experiment(
    depth: int = 16,
    width: int = 32,
    steps: int = 100,
    seed: int = 0,
    samples: int = 256,
    lr: float | str = 0.003,
    progress=None,
) -> dict:
    """Exercise 6: ``x <- x + α·tanh(W x + b)`` for every α in :data:`ALPHAS`, and a learned α per layer starting at 0
    (ReZero, Bachlechner et al. 2020), all with the same weights ``W, b``.

    Network: :class:`DeepMLP` ``(depth, width)``, block ``"residual"`` with fixed ``alpha`` or ``"rezero"``. Batch:
    the whole :class:`RegressionTask` data set of ``samples`` points. Loss: mean squared error (1.0 = predicting the
    mean). Optimiser: Adam, ``lr``, ``steps`` steps.

    Returns:
        ``{..., "runs": [{"alpha" (a number, or "learned"), "label", "curve", "final_loss"}], "rezero_alphas":
        [{"step", "layer", "alpha"}]}``
    """
    lr = _checked(SCALING, depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    task = RegressionTask(samples, seed)
    labels = {f"α = {a:g}": a for a in ALPHAS}
    named = {name: DeepMLP(depth, width, block="residual", alpha=a, seed=seed) for name, a in labels.items()}
    named["learned α (ReZero)"] = DeepMLP(depth, width, block="rezero", seed=seed)
    params = _mlp_params(depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)

    def runs(state):
        return [
            {"alpha": labels.get(name, "learned"), "label": name, "curve": curve, "final_loss": last(curve)}
            for name, curve in state["curves"].items()
        ]

    probe = ("learned α (ReZero)", DeepMLP.alpha_values, "alpha", "rezero_alphas")
    return _train_mlps(named, task, params, runs, probe, label="scaling", progress=progress)


# -- exercise 7: a gated residual y = x + g(x)·F(x) ---------------------------------------------------------------

GATED_BLOCKS = {"gated": "gated residual", "residual": "residual", "plain": "plain"}


def gated_experiment(
    depth: int = 16,
    width: int = 32,
    steps: int = 100,
    seed: int = 0,
    samples: int = 256,
    lr: float | str = 0.003,
    progress=None,
) -> dict:
    """Exercise 7: ``x <- x + g(x)·tanh(W x + b)`` with a learned gate ``g(x) = sigmoid(u·x + c)`` per layer, against
    the plain residual (``g = 1``) and the plain network (no skip), all with the same weights ``W, b``.

    Network: :class:`DeepMLP` ``(depth, width)`` with block ``"gated"``, ``"residual"`` or ``"plain"``. Batch: the
    whole :class:`RegressionTask` data set of ``samples`` points. Loss: mean squared error (1.0 = predicting the mean).
    Optimiser: Adam, ``lr``, ``steps`` steps. The gate's mean value over the batch is recorded per layer.

    Returns:
        ``{..., "runs": [{"block", "label", "curve", "final_loss"}], "gates": [{"step", "layer", "gate"}]}``
    """
    lr = _checked(GATED, depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    task = RegressionTask(samples, seed)
    named = {label: DeepMLP(depth, width, block=block, seed=seed) for block, label in GATED_BLOCKS.items()}
    params = _mlp_params(depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)

    def runs(state):
        return [
            {
                "block": block,
                "label": label,
                "curve": state["curves"][label],
                "final_loss": last(state["curves"][label]),
            }
            for block, label in GATED_BLOCKS.items()
        ]

    probe = ("gated residual", DeepMLP.gate_values, "gate", "gates")
    return _train_mlps(named, task, params, runs, probe, label="gated", progress=progress)


def _train_mlps(named: dict, task, params: dict, runs, probe: tuple, *, label: str, progress) -> dict:
    """Train ``named`` MLPs side by side and shape the result: ``params``, ``step``, ``runs(state)`` and the per-layer
    probe ``(model, fn, value key, result key)`` recorded for one model (the learned α, the gates)."""
    model, fn, key, result_key = probe

    def shape(state, step):
        return {**params, "step": step, "runs": runs(state), result_key: _probe_rows(state, model, key)}

    steps = params["steps"]
    state = train_models(
        named, task, steps=steps, lr=params["lr"], seed=params["seed"], progress=progress, probes={model: fn},
        snapshot=shape, label=label,
    )  # fmt: skip
    return shape(state, steps)


# -- rows for the charts and tables -----------------------------------------------------------------------------------


def curve_rows(runs: list[dict], *keys: str) -> list[dict]:
    """Long-format rows: one per run and recorded step, the run's ``keys`` first."""
    return [{**{k: run[k] for k in keys}, **point} for run in runs for point in run["curve"]]


def transformer_rows(result: dict) -> list[dict]:
    """``{variant, step, loss, accuracy}``: the variants' training curves (``variant`` is the display label)."""
    return [{"variant": run["label"], **point} for run in result["runs"] for point in run["curve"]]


def depth_final_rows(result: dict) -> list[dict]:
    """``{depth, network, final_loss}``: the last loss of every depth's plain and residual network."""
    return [
        {"depth": row["depth"], "network": n, "final_loss": row[n]}
        for n in ("plain", "residual")
        for row in result["final"]
    ]


def deepest_curve_rows(result: dict) -> list[dict]:
    """``{network, step, loss}``: the training curves of the deepest plain and residual networks."""
    deepest = result["depths"][-1]
    return [
        {"network": run["block"], "step": p["step"], "loss": p["loss"]}
        for run in result["runs"]
        if run["depth"] == deepest
        for p in run["curve"]
    ]


def labelled_curve_rows(result: dict) -> list[dict]:
    """``{network, step, loss}``: one training curve per run, named by its label."""
    return [
        {"network": run["label"], "step": p["step"], "loss": p["loss"]} for run in result["runs"] for p in run["curve"]
    ]


def scaling_final_rows(result: dict) -> list[dict]:
    """``{alpha, final_loss, network}``: the last loss of every fixed-α network."""
    return [
        {"alpha": run["alpha"], "final_loss": run["final_loss"], "network": "fixed α"}
        for run in result["runs"]
        if run["alpha"] != "learned"
    ]


def every_kth_step(rows: list[dict], columns: int = 30) -> list[dict]:
    """Rows of at most ``columns`` evenly spread steps (for a readable heatmap), always including the last."""
    steps = sorted({r["step"] for r in rows})
    k = max(1, -(-len(steps) // columns))
    keep = set(steps[::k]) | {steps[-1]} if steps else set()
    return [r for r in rows if r["step"] in keep]


def rezero_rows(result: dict) -> list[dict]:
    """``{step, layer, alpha}``: the learned α per layer at (at most 30) recorded steps."""
    return every_kth_step(result["rezero_alphas"])


def gate_rows(result: dict) -> list[dict]:
    """``{step, layer, gate}``: the mean gate per layer at (at most 30) recorded steps."""
    return every_kth_step(result["gates"])


def rezero_final(result: dict) -> float | None:
    """The ReZero network's last loss (``None`` before its first recorded step)."""
    return next(run["final_loss"] for run in result["runs"] if run["alpha"] == "learned")
