"""The training tasks: synthetic data that needs no download, and a short public-domain text.

Every task offers ``batch_from(gen) -> (x, y)`` (one training batch, drawn from the generator the loop passes) and
``loss(output, y) -> (loss, accuracy or None)``; :func:`residual_core.training.loop.train_models` needs nothing else.

* :class:`SequenceTask` -- token sequences for the transformer: ``reverse``, ``sort``, or next-character prediction
  on the Gettysburg Address (``text``);
* :class:`RegressionTask` -- a fixed regression data set, trained full-batch (the training lab's MLPs);
* :class:`StreamingRegressionTask` -- fresh regression points every step (the highway comparison).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch.nn import functional as F

from ..seeding import generator

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TEXT_FILE = DATA_DIR / "gettysburg.txt"  # Abraham Lincoln's Gettysburg Address (1863, Bliss copy): public domain
SEQUENCE_TASKS = ("reverse", "sort", "text")


def load_text() -> str:
    """The shipped training text (public domain), with runs of whitespace collapsed to one space."""
    return " ".join(TEXT_FILE.read_text(encoding="utf-8").split())


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


class RegressionTask:
    """A fixed synthetic regression data set, trained full-batch.

    ``samples`` inputs ``x ~ N(0, I_8)`` and targets ``y = teacher(x)``, where the teacher is a random one-hidden-layer
    tanh network (8 -> 32 -> 1) drawn from the seed; ``y`` is standardised to mean 0 and variance 1, so a network that
    ignores its input and predicts the mean scores a loss of exactly 1 (the *baseline*). Every step uses the whole data
    set, so the curve is the training loss itself. Loss: mean squared error.
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


class StreamingRegressionTask:
    """Fresh regression points every step: inputs ``x ~ N(0, I_width)``, targets ``y = v . tanh(2 W x) / s``, a fixed
    random teacher with ``HIDDEN`` hidden units; ``s`` scales ``y`` to unit variance (measured on 4096 draws), so a
    mean squared error of 1 means "learned nothing". No point is seen twice, so the training loss is a test loss.

    Shapes: ``sample(n, g)`` returns x ``(n, width)`` and y ``(n, 1)``.
    """

    HIDDEN = 8
    baseline = 1.0

    def __init__(self, width: int, seed: int, batch: int):
        self.batch = batch
        g = generator(seed + 7_777)
        self.w = torch.randn(width, self.HIDDEN, generator=g) / math.sqrt(width)
        self.v = torch.randn(self.HIDDEN, 1, generator=g)
        self.scale = 1.0
        _, y = self.sample(4096, g)
        self.scale = float(y.std())

    def sample(self, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randn(n, self.w.shape[0], generator=g)
        return x, torch.tanh(2.0 * x @ self.w) @ self.v / self.scale

    def batch_from(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        return self.sample(self.batch, gen)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, None]:
        return torch.mean((out - y) ** 2), None
