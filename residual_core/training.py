"""Training with and without residuals, live (reference text, exercises 1, 4, 6 and 7).

Everything here trains on the CPU in seconds and needs no download:

* **tasks** -- synthetic sequence tasks (``reverse``, ``sort``) and a character-level language model on a short
  public-domain text shipped in ``residual_core/data/`` (``text``); a synthetic regression task for the MLPs;
* **models** -- :class:`SequenceModel` (token + position embeddings, a :func:`~residual_core.transformer.build_encoder`
  encoder, a linear read-out) and :class:`DeepMLP` (plain, residual, ``x + α·F(x)``, learnable α, gated);
* **one training loop**, :func:`train_models`, that trains several models side by side on the *same* batches, one
  step each in turn, so their curves grow together and differ only by the model;
* **experiments** -- :func:`train`, :func:`transformer_experiment`, :func:`depth_experiment`,
  :func:`scaling_experiment` and :func:`gated_experiment` -- plain arguments in, JSON-ready dict out.

Reproducibility: every model is built inside :func:`~residual_core.seeding.seeded`; every batch is drawn from a
private :func:`~residual_core.seeding.generator`; nothing draws from the global generator during training (no
dropout). Same arguments and seed, same curve.

Progress: every experiment takes ``progress(done, total, message)``. The loop calls it every few steps. Two extras,
both optional, let a caller watch or stop a run: if the callback has a ``partial`` attribute, the loop calls
``progress.partial(snapshot)`` with the result so far (the same shape as the final result, curves up to now); and
if the callback raises (for example :class:`residual_core.jobs.Cancelled`), training stops there and the exception
propagates -- no result is returned, so nothing half-finished can be stored. Training runs on one intra-op thread
(:func:`single_thread`).
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from .bounds import Bound
from .seeding import generator, seeded
from .transformer import VARIANT_LABELS, VARIANTS, build_encoder

DATA_DIR = Path(__file__).resolve().parent / "data"
TEXT_FILE = DATA_DIR / "gettysburg.txt"  # Abraham Lincoln's Gettysburg Address (1863, Bliss copy): public domain

MAX_POINTS = 400  # points kept per curve; longer runs record every k-th step
REPORTS = 60  # progress calls per run (about every 1.5 % of the steps)


# -- threads ------------------------------------------------------------------------------------------------------

_THREADS_LOCK = threading.Lock()
_THREADS_USERS = 0
_THREADS_SAVED = 1


@contextlib.contextmanager
def single_thread():
    """Run the body with one intra-op thread in the calling thread, and restore the setting afterwards.

    Why: the result of a float32 reduction depends on how many threads share it (measured: the same run gives losses
    differing in the 4th digit with 1 and 2 threads), so "same seed, same curve on every machine" needs a fixed
    count; and these models are so small that on a busy 2-core machine one thread trains 2-3x *faster* than two
    threads fighting over the cores. PyTorch's OpenMP setting is per thread, but new threads copy the last value set
    anywhere, so the previous value is restored when the last concurrent user leaves.
    """
    global _THREADS_USERS, _THREADS_SAVED
    with _THREADS_LOCK:
        if _THREADS_USERS == 0:
            _THREADS_SAVED = torch.get_num_threads()
        _THREADS_USERS += 1
    torch.set_num_threads(1)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_USERS -= 1
            if _THREADS_USERS == 0:
                torch.set_num_threads(_THREADS_SAVED)


# -- progress -----------------------------------------------------------------------------------------------------


def _report(progress, done: int, total: int, message: str, snapshot: Callable[[], dict]) -> None:
    """``progress(done, total, message)``, then ``progress.partial(snapshot())`` if the callback wants curves."""
    if progress is None:
        return
    progress(done, total, message)
    partial = getattr(progress, "partial", None)
    if partial is not None:
        partial(snapshot())


# -- tasks --------------------------------------------------------------------------------------------------------


class SequenceTask:
    """A token-classification task: a batch is ``x (B, T)`` token ids and ``y (B, T)`` the target id per position.

    * ``reverse``: ``y[i] = x[T - 1 - i]`` -- needs attention by position;
    * ``sort``: ``y`` is ``x`` sorted ascending -- needs attention by content (count the smaller tokens);
    * ``text``: next-character prediction on :data:`TEXT_FILE` (``y[i] = x[i + 1]`` of a random window), with a
      causal mask.

    Tokens of ``reverse`` and ``sort`` are uniform over ``vocab`` symbols, drawn fresh for every batch, so the
    training loss is also a test loss. Loss: cross-entropy averaged over all ``B * T`` positions; chance level is
    ``ln(vocab)`` (for ``text``, the vocabulary is the text's distinct characters).
    """

    def __init__(self, name: str, seq_len: int, batch: int, vocab: int = 10):
        if name not in SEQUENCE_TASKS:
            raise ValueError(f"task must be one of {', '.join(SEQUENCE_TASKS)} (got {name!r})")
        self.name, self.seq_len, self.batch = name, seq_len, batch
        self.causal = name == "text"
        if name == "text":
            text = load_text()
            chars = sorted(set(text))
            self.vocab = len(chars)
            index = {c: i for i, c in enumerate(chars)}
            self.ids = torch.tensor([index[c] for c in text], dtype=torch.long)
        else:
            self.vocab = vocab

    @property
    def chance_loss(self) -> float:
        """Cross-entropy of a uniform guess, ``ln(vocab)``."""
        return math.log(self.vocab)

    def batch_from(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        B, T = self.batch, self.seq_len
        if self.name == "text":
            starts = torch.randint(0, len(self.ids) - T - 1, (B,), generator=gen)
            windows = torch.stack([self.ids[s : s + T + 1] for s in starts.tolist()])
            return windows[:, :-1], windows[:, 1:]
        x = torch.randint(0, self.vocab, (B, T), generator=gen)
        y = x.flip(1) if self.name == "reverse" else x.sort(dim=1).values
        return x, y

    def loss(self, logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, float]:
        """Cross-entropy over all positions and the token accuracy (fraction of positions predicted exactly)."""
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        accuracy = (logits.argmax(-1) == y).double().mean().item()
        return loss, accuracy


SEQUENCE_TASKS = ("reverse", "sort", "text")


def load_text() -> str:
    """The shipped training text (public domain), with runs of whitespace collapsed to one space."""
    return " ".join(TEXT_FILE.read_text(encoding="utf-8").split())


class RegressionTask:
    """A fixed synthetic regression data set for the MLP experiments.

    ``samples`` inputs ``x ~ N(0, I_8)`` and targets ``y = teacher(x)``, where the teacher is a random one-hidden-layer
    tanh network (8 -> 32 -> 1) drawn from the seed; ``y`` is standardised to mean 0 and variance 1, so a network that
    ignores its input and predicts the mean scores a loss of exactly 1 (the *baseline*). Every step uses the whole data
    set (full-batch training), so the curve is the training loss itself. Loss: mean squared error.
    """

    d_in = 8
    baseline = 1.0

    def __init__(self, samples: int, seed: int):
        gen = generator(int(seed) + 20_011)
        self.x = torch.randn(samples, self.d_in, generator=gen)
        w1 = torch.randn(self.d_in, 32, generator=gen) / math.sqrt(self.d_in)
        w2 = torch.randn(32, 1, generator=gen) / math.sqrt(32)
        y = torch.tanh(2 * self.x @ w1) @ w2
        self.y = (y - y.mean()) / y.std(correction=0)

    def batch_from(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x, self.y

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, None]:
        return F.mse_loss(out, y), None


# -- models -------------------------------------------------------------------------------------------------------


class SequenceModel(nn.Module):
    """Token embedding + learned position embedding -> encoder -> linear read-out to ``vocab`` logits.

    The encoder is :func:`~residual_core.transformer.build_encoder` ``(variant, layers, d_model, heads, seed=seed)``;
    the embeddings and read-out are drawn from ``seed`` too (a stream apart), so all variants built with one seed
    share every weight and differ only in where the residual adds and LayerNorms sit.

    Shapes:
        tokens ``(B, T)`` -> logits ``(B, T, vocab)``
    """

    def __init__(self, variant: str, layers: int, d_model: int, heads: int, vocab: int, seq_len: int, *, seed: int,
                 causal: bool = False):  # fmt: skip
        super().__init__()
        self.causal = causal
        self.encoder = build_encoder(variant, layers, d_model, heads, seed=seed)
        with seeded(int(seed) + 30_011):
            self.embed = nn.Embedding(vocab, d_model)
            self.position = nn.Parameter(torch.randn(seq_len, d_model) * 0.1)
            self.readout = nn.Linear(d_model, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) + self.position[: tokens.shape[1]]
        return self.readout(self.encoder(x, causal=self.causal))


MLP_BLOCKS = ("plain", "residual", "rezero", "gated")


class DeepMLP(nn.Module):
    """``Linear(d_in, width)`` -> ``depth`` hidden layers of width ``width`` -> ``Linear(width, d_out)``.

    Hidden layer ``l`` with ``F_l(x) = tanh(W_l x + b_l)``, by ``block``:

    * ``"plain"``:    ``x <- F_l(x)``
    * ``"residual"``: ``x <- x + alpha * F_l(x)``  (``alpha = 1`` is the plain residual)
    * ``"rezero"``:   ``x <- x + a_l * F_l(x)``, ``a_l`` a learned scalar that starts at 0 (ReZero)
    * ``"gated"``:    ``x <- x + g_l(x) * F_l(x)``, ``g_l(x) = sigmoid(u_l . x + c_l)`` one learned gate value per
      example, starting near 0.5 (``u_l, c_l`` initialised as ``nn.Linear(width, 1)``)

    All linear layers use PyTorch's default initialisation drawn after ``torch.manual_seed(seed)``; models built with
    one seed share ``W_l, b_l`` and the input/output layers whatever the block, so the block is the only difference.
    ``gate_values`` / ``alpha_values`` report the mean gate / the learned ``a_l`` of the last forward pass per layer.

    Shapes:
        x ``(N, d_in)`` -> ``(N, d_out)``
    """

    def __init__(self, depth: int, width: int, *, block: str = "residual", alpha: float = 1.0, d_in: int = 8,
                 d_out: int = 1, seed: int = 0):  # fmt: skip
        super().__init__()
        if block not in MLP_BLOCKS:
            raise ValueError(f"block must be one of {', '.join(MLP_BLOCKS)} (got {block!r})")
        self.block, self.alpha = block, float(alpha)
        with seeded(seed):
            self.inp = nn.Linear(d_in, width)
            self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
            self.out = nn.Linear(width, d_out)
        if block == "gated":
            with seeded(int(seed) + 40_009):
                self.gates = nn.ModuleList([nn.Linear(width, 1) for _ in range(depth)])
        if block == "rezero":
            self.alphas = nn.Parameter(torch.zeros(depth))
        self._gate_means: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inp(x)
        gate_means = []
        for i, layer in enumerate(self.layers):
            h = torch.tanh(layer(x))
            if self.block == "plain":
                x = h
            elif self.block == "residual":
                x = x + self.alpha * h
            elif self.block == "rezero":
                x = x + self.alphas[i] * h
            else:
                g = torch.sigmoid(self.gates[i](x))  # (N, 1): one gate value per example
                gate_means.append(g.detach().mean())
                x = x + g * h
        self._gate_means = gate_means
        return self.out(x)

    def gate_values(self) -> list[float]:
        """Mean gate value per layer in the last forward pass (``"gated"`` only)."""
        return [float(g) for g in self._gate_means]

    def alpha_values(self) -> list[float]:
        """The learned ``a_l`` per layer (``"rezero"`` only)."""
        return [float(a) for a in self.alphas.detach()]


# -- the training loop --------------------------------------------------------------------------------------------


def record_every(steps: int) -> int:
    """Record every k-th step so that a curve keeps at most about :data:`MAX_POINTS` points (and always the last)."""
    return max(1, math.ceil(steps / MAX_POINTS))


def train_models(
    models: dict[str, nn.Module],
    task,
    *,
    steps: int,
    lr: float,
    seed: int,
    progress=None,
    probes: dict[str, Callable[[nn.Module], list[float]]] | None = None,
    snapshot: Callable[[dict, int], dict] | None = None,
    label: str = "training",
) -> dict:
    """Train every model in ``models`` for ``steps`` Adam steps on the same batches, in turn, step by step.

    Each step draws one batch ``(x, y)`` from ``task.batch_from(gen)`` (``gen`` a private generator seeded from
    ``seed``), then every model computes ``task.loss(model(x), y)`` on it, back-propagates and takes one Adam step
    (learning rate ``lr``, PyTorch defaults otherwise, the fused implementation). A model whose loss is not finite
    stops there (``diverged_at``); the others go on.

    Args:
        probes: ``{name: fn(model) -> list of floats}`` read after each recorded step's update (e.g. the mean gate
            per layer of that step's forward pass, or the learned α per layer).
        snapshot: turns the state so far into the caller's result shape for ``progress.partial``; receives
            ``(state, step)``.

    Returns:
        ``{"curves": {name: [{"step", "loss", "accuracy"?}]}, "probes": {name: [{"step", "values"}]},
        "diverged_at": {name: step}}``; ``step`` counts from 1, the loss is the batch loss before that step's update.
    """
    gen = generator(int(seed) + 10_007)
    optimizers = {name: torch.optim.Adam(m.parameters(), lr=lr, fused=True) for name, m in models.items()}
    state = {
        "curves": {name: [] for name in models},
        "probes": {name: [] for name in probes or {}},
        "diverged_at": {},
    }
    every = record_every(steps)
    report_every = max(1, steps // REPORTS)
    for m in models.values():
        m.train()

    def snap(step):
        copy = {
            "curves": {k: list(v) for k, v in state["curves"].items()},
            "probes": {k: list(v) for k, v in state["probes"].items()},
            "diverged_at": dict(state["diverged_at"]),
        }
        return snapshot(copy, step) if snapshot else copy

    with single_thread():
        _loop(models, task, optimizers, state, steps, every, report_every, probes, progress, snap, gen, label)
    return state


def _loop(models, task, optimizers, state, steps, every, report_every, probes, progress, snap, gen, label):
    _report(progress, 0, steps, label, lambda: snap(0))
    for step in range(1, steps + 1):
        x, y = task.batch_from(gen)
        keep = step % every == 0 or step == steps or step == 1
        for name, model in models.items():
            if name in state["diverged_at"]:
                continue
            out = model(x)
            loss, accuracy = task.loss(out, y)
            value = float(loss.detach())
            if not math.isfinite(value):
                state["diverged_at"][name] = step
                state["curves"][name].append(_point(step, float("nan"), accuracy))
                continue
            optimizers[name].zero_grad(set_to_none=True)
            loss.backward()
            optimizers[name].step()
            if keep:
                state["curves"][name].append(_point(step, value, accuracy))
                if probes and name in probes:
                    state["probes"][name].append({"step": step, "values": probes[name](model)})
        if step % report_every == 0 or step == steps:
            _report(progress, step, steps, label, lambda s=step: snap(s))


def _point(step: int, loss: float, accuracy: float | None) -> dict:
    point = {"step": step, "loss": loss}
    if accuracy is not None:
        point["accuracy"] = accuracy
    return point


def _final(curve: list[dict], key: str = "loss"):
    """The last point's value (``None`` for an empty curve or a point without ``key``)."""
    return curve[-1].get(key) if curve else None


# -- bounds -------------------------------------------------------------------------------------------------------


def _checked(bounds: dict, *, lr, **values) -> float:
    """Check every value against its bound in :mod:`residual_core.bounds` (raises ``BoundError`` naming it) and
    return the learning rate as a float. The learning rate is a choice of texts (for the URL and the command line);
    the same numbers are accepted as floats."""
    for name, value in values.items():
        bounds[name].check(value)
    lr_bound = bounds["lr"]
    if str(lr) not in lr_bound.options and not any(float(lr) == float(o) for o in lr_bound.options):
        lr_bound.check(str(lr))
    return float(lr)


# -- exercise 4: transformers with and without residuals -----------------------------------------------------------


TRAIN_VARIANT_CHECK = Bound.choice("variant", VARIANTS, "pre-ln")


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
    from .bounds import TRANSFORMER_TRAINING

    names = [v.strip() for v in variants.split(",") if v.strip()]
    for v in names:
        TRAIN_VARIANT_CHECK.check(v)
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
                    "final_loss": _final(curve),
                    "final_accuracy": _final(curve, "accuracy"),
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
    width: int = 32,
    steps: int = 100,
    seed: int = 0,
    samples: int = 256,
    lr: float | str = 0.003,
    progress=None,
) -> dict:
    """Exercise 1: plain and residual tanh MLPs of every depth in :func:`depth_list` ``(max_depth)``, same budget.

    Network: :class:`DeepMLP` ``(depth, width)``, block ``"plain"`` (``x <- tanh(W x + b)``) or ``"residual"``
    (``x <- x + tanh(W x + b)``), the same weights for both. Batch: the whole :class:`RegressionTask` data set of
    ``samples`` points every step. Loss: mean squared error (1.0 = predicting the mean). Optimiser: Adam, ``lr``,
    ``steps`` steps for every network.

    Returns:
        ``{..., "depths": [...], "runs": [{"depth", "block", "curve": [{"step", "loss"}], "final_loss"}],
        "final": [{"depth", "plain", "residual"}]}`` (final training loss per depth and block)
    """
    from .bounds import DEPTH_SWEEP

    lr = _checked(DEPTH_SWEEP, max_depth=max_depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    depths = depth_list(max_depth)
    task = RegressionTask(samples, seed)
    models = {(d, block): DeepMLP(d, width, block=block, seed=seed) for d in depths for block in ("plain", "residual")}
    named = {f"{block}-{d}": m for (d, block), m in models.items()}
    params = _mlp_params(max_depth=max_depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)

    def shape(state, step):
        runs, final = [], []
        for d in depths:
            row = {"depth": d}
            for block in ("plain", "residual"):
                curve = state["curves"][f"{block}-{d}"]
                runs.append({"depth": d, "block": block, "curve": curve, "final_loss": _final(curve)})
                row[block] = _final(curve)
            final.append(row)
        return {**params, "step": step, "depths": depths, "runs": runs, "final": final}

    state = train_models(named, task, steps=steps, lr=lr, seed=seed, progress=progress, snapshot=shape, label="depth")
    return shape(state, steps)


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
    from .bounds import SCALING

    lr = _checked(SCALING, depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    task = RegressionTask(samples, seed)
    labels = {f"α = {a:g}": a for a in ALPHAS}
    named = {name: DeepMLP(depth, width, block="residual", alpha=a, seed=seed) for name, a in labels.items()}
    named["learned α (ReZero)"] = DeepMLP(depth, width, block="rezero", seed=seed)
    params = _mlp_params(depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)

    def shape(state, step):
        runs = []
        for name, curve in state["curves"].items():
            alpha = labels.get(name, "learned")
            runs.append({"alpha": alpha, "label": name, "curve": curve, "final_loss": _final(curve)})
        alphas = _probe_rows(state, "learned α (ReZero)", "alpha")
        return {**params, "step": step, "runs": runs, "rezero_alphas": alphas}

    state = train_models(
        named,
        task,
        steps=steps,
        lr=lr,
        seed=seed,
        progress=progress,
        probes={"learned α (ReZero)": DeepMLP.alpha_values},
        snapshot=shape,
        label="scaling",
    )
    return shape(state, steps)


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
    from .bounds import GATED

    lr = _checked(GATED, depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)
    task = RegressionTask(samples, seed)
    named = {label: DeepMLP(depth, width, block=block, seed=seed) for block, label in GATED_BLOCKS.items()}
    params = _mlp_params(depth=depth, width=width, steps=steps, seed=seed, samples=samples, lr=lr)

    def shape(state, step):
        runs = [
            {
                "block": block,
                "label": label,
                "curve": state["curves"][label],
                "final_loss": _final(state["curves"][label]),
            }
            for block, label in GATED_BLOCKS.items()
        ]
        gates = _probe_rows(state, "gated residual", "gate")
        return {**params, "step": step, "runs": runs, "gates": gates}

    state = train_models(
        named,
        task,
        steps=steps,
        lr=lr,
        seed=seed,
        progress=progress,
        probes={"gated residual": DeepMLP.gate_values},
        snapshot=shape,
        label="gated",
    )
    return shape(state, steps)


# -- the command line ---------------------------------------------------------------------------------------------


def _curve_rows(runs: list[dict], *keys: str) -> list[dict]:
    """Long-format rows: one per run and recorded step, the run's ``keys`` first."""
    return [{**{k: run[k] for k in keys}, **point} for run in runs for point in run["curve"]]


_NETWORK_SEQ = (
    "Network: token + learned position embeddings (d_model), LAYERS encoder layers of\n"
    "residual_core.transformer.build_encoder (2 heads, feed-forward 4*d_model, no dropout), a linear read-out.\n"
    "Batch: BATCH fresh sequences of SEQ_LEN tokens per step: sort or reverse uniform tokens 0-9, or windows of\n"
    "residual_core/data/gettysburg.txt for next-character prediction (causal mask). Loss: token cross-entropy\n"
    "(chance = ln(vocabulary)); token accuracy too. Adam, learning rate LR, STEPS steps, one intra-op thread;\n"
    "weights from SEED (inside seeded()), batches from a private generator seeded from SEED."
)
_NETWORK_MLP = (
    "Batch: the whole synthetic regression set every step (SAMPLES points x ~ N(0, I_8), targets from a random\n"
    "tanh teacher net, standardised; a network that predicts the mean scores 1.0). Loss: mean squared error.\n"
    "Adam, learning rate LR, STEPS steps, one intra-op thread; weights and data from SEED."
)


def _experiments():
    from .bounds import DEPTH_SWEEP, GATED, SCALING, TRAIN, TRANSFORMER_TRAINING
    from .registry import Experiment

    return [
        Experiment(
            name="train",
            func=train,
            bounds=TRAIN,
            summary="train one transformer variant (post-ln, pre-ln, none) and print its training curve",
            description=(
                "Exercise 4: train one transformer VARIANT and print its curve [{step, loss, accuracy}] and\n"
                "final_loss (the curve's last point). Same curve as that variant on the Training lab page.\n\n"
                + _NETWORK_SEQ
            ),
            table=lambda r: r["curve"],
        ),
        Experiment(
            name="transformer",
            func=transformer_experiment,
            bounds=TRANSFORMER_TRAINING,
            summary="the three transformer variants trained side by side on the same batches",
            description="Exercise 4: Post-LN, Pre-LN and no residual, trained side by side.\n\n" + _NETWORK_SEQ,
            table=lambda r: _curve_rows(r["runs"], "variant"),
        ),
        Experiment(
            name="depth-sweep",
            func=depth_experiment,
            bounds=DEPTH_SWEEP,
            summary="final training loss of plain and residual MLPs of depth 2, 4, 8, ... MAX_DEPTH",
            description=(
                "Exercise 1: plain (x <- tanh(Wx+b)) and residual (x <- x + tanh(Wx+b)) MLPs with the same weights,\n"
                "WIDTH units, depths 2, 4, 8, ... up to MAX_DEPTH, each trained for the same STEPS.\n"
                "Network: Linear(8, WIDTH) -> hidden layers -> Linear(WIDTH, 1). CSV: final loss per depth.\n\n"
                + _NETWORK_MLP
            ),
            table=lambda r: r["final"],
        ),
        Experiment(
            name="scaling",
            func=scaling_experiment,
            bounds=SCALING,
            summary="residual scaling x + α·F(x) for α in 0.1, 0.5, 1, 2 and a learned α from 0 (ReZero)",
            description=(
                "Exercise 6: x <- x + α·tanh(Wx+b) for α = 0.1, 0.5, 1, 2, and a learned α per layer starting at 0\n"
                "(ReZero), all with the same weights. Network: Linear(8, WIDTH) -> DEPTH such layers ->\n"
                "Linear(WIDTH, 1).\n\n" + _NETWORK_MLP
            ),
            table=lambda r: _curve_rows(r["runs"], "label"),
        ),
        Experiment(
            name="gated",
            func=gated_experiment,
            bounds=GATED,
            summary="gated residual x + g(x)·F(x) against residual and plain, with the gate per layer",
            description=(
                "Exercise 7: x <- x + g(x)·tanh(Wx+b), g(x) = sigmoid(u·x + c) learned per layer, against the\n"
                "residual (g = 1) and the plain network, same weights. Network: Linear(8, WIDTH) -> DEPTH layers ->\n"
                "Linear(WIDTH, 1). JSON gates: mean gate per layer over training.\n\n" + _NETWORK_MLP
            ),
            table=lambda r: _curve_rows(r["runs"], "label"),
        ),
    ]


EXPERIMENTS = _experiments()
