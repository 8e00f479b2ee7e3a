"""A small transformer encoder (reference text, sections 3.4 and 3.6), one class per arrangement of Add & Norm.

Each encoder layer has two sublayers, multi-head self-attention and a feed-forward network, each with dropout on its
output. Where the residual add and the LayerNorm sit is the ``variant``; each is one class whose ``forward`` is its
formula:

* ``"post-ln"`` -- :class:`PostLNLayer`, the reference text's diagram (the original transformer);
* ``"pre-ln"`` -- :class:`PreLNLayer`, the modern arrangement: the stream is never normalised, only each
  sublayer's input, and the encoder ends with one final LayerNorm;
* ``"none"`` -- :class:`NoResidualLayer`, Post-LN with both adds removed.

:class:`Encoder` builds every layer separately, each with its own random weights (``nn.TransformerEncoder``
deep-copies one layer, so all its layers start identical). :mod:`residual_core.models.diagram` draws a layer by
tracing its ``forward``, so the diagram and the model cannot disagree.

Shapes: ``B`` batch, ``T`` tokens (sequence length), ``d`` = ``d_model``, ``h`` = ``heads``, ``d / h`` per head.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..seeding import seeded
from .blocks import SimpleFFN

VARIANTS = ("post-ln", "pre-ln", "none")  # where a layer puts its residual adds and LayerNorms
INITS = ("default", "xavier")  # the encoders' weight initialisations
VARIANT_LABELS = {"post-ln": "Post-LN", "pre-ln": "Pre-LN", "none": "no residual"}


class MultiHeadSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention, written out (no ``nn.MultiheadAttention``).

    ``heads`` heads of width ``d / h`` attend in parallel; their outputs are concatenated and projected back to ``d``.
    Four ``nn.Linear(d, d)`` projections: query, key, value and output.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``; attention weights ``(B, h, T, T)``.
    """

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")
        self.heads = heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        B, T, d = x.shape
        h = self.heads

        def split(t):  # (B, T, d) -> (B, h, T, d/h)
            return t.view(B, T, h, d // h).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)  # (B, h, T, T)
        if causal:  # token t may only look at tokens 0..t
            future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        weights = F.softmax(scores, dim=-1)  # each row sums to 1
        y = weights @ v  # (B, h, T, d/h)
        y = y.transpose(1, 2).contiguous().view(B, T, d)  # heads side by side again
        return self.out(y)


class FeedForward(SimpleFFN):
    """The position-wise feed-forward sublayer: :class:`~residual_core.models.blocks.SimpleFFN`,
    Linear(d, d_ff) -> ReLU -> Linear(d_ff, d).

    Shapes:
        x: ``(B, T, d)`` -> ``(B, T, d_ff)`` -> output: ``(B, T, d)``
    """

    def __init__(self, d_model: int, d_ff: int):
        if d_ff % d_model:
            raise ValueError(f"d_ff ({d_ff}) must be a multiple of d_model ({d_model})")
        super().__init__(d_model, expansion=d_ff // d_model)


class EncoderLayer(nn.Module):
    """What every arrangement has: attention, feed-forward network, two LayerNorms and dropout.

    Subclasses differ only in ``forward``. Build one with :func:`encoder_layer`.

    Args:
        d_model: width ``d`` of the residual stream.
        heads: attention heads ``h`` (``d`` must be divisible by ``h``).
        d_ff: hidden width of the feed-forward network (a multiple of ``d``; ``4 d`` by default).
        dropout: probability of dropping each element of a sublayer's output before the add.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    variant = ""

    def __init__(self, d_model: int, heads: int, d_ff: int | None = None, dropout: float = 0.0):
        super().__init__()
        self.attention = MultiHeadSelfAttention(d_model, heads)
        self.ffn = FeedForward(d_model, d_ff or 4 * d_model)
        self.ln_1 = nn.LayerNorm(d_model)
        self.ln_2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)


class PostLNLayer(EncoderLayer):
    """Post-LN: add, then normalise (the original transformer and the reference text's diagram)."""

    variant = "post-ln"

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = self.ln_1(x + self.dropout(self.attention(x, causal)))
        x = self.ln_2(x + self.dropout(self.ffn(x)))
        return x


class PreLNLayer(EncoderLayer):
    """Pre-LN: normalise each sublayer's input; the stream ``x`` itself is only ever added to."""

    variant = "pre-ln"

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = x + self.dropout(self.attention(self.ln_1(x), causal))
        x = x + self.dropout(self.ffn(self.ln_2(x)))
        return x


class NoResidualLayer(EncoderLayer):
    """Post-LN with both residual adds removed."""

    variant = "none"

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = self.ln_1(self.dropout(self.attention(x, causal)))
        x = self.ln_2(self.dropout(self.ffn(x)))
        return x


LAYERS = {cls.variant: cls for cls in (PostLNLayer, PreLNLayer, NoResidualLayer)}
assert tuple(LAYERS) == VARIANTS


def encoder_layer(variant: str, d_model: int, heads: int, d_ff: int | None = None, dropout: float = 0.0):
    """One encoder layer of the chosen ``variant`` (``"post-ln"``, ``"pre-ln"`` or ``"none"``)."""
    if variant not in LAYERS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
    return LAYERS[variant](d_model, heads, d_ff, dropout)


class Encoder(nn.Module):
    """A stack of ``layers`` independently initialised encoder layers (+ a final LayerNorm for Pre-LN).

    Use :func:`build_encoder` to make one (seeded, with the chosen initialisation).

    Attributes:
        layers: ``nn.ModuleList`` of encoder layers, input side first.
        final_norm: ``nn.LayerNorm`` for Pre-LN, ``nn.Identity`` otherwise.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def __init__(self, variant: str, layers: int, d_model: int, heads: int, d_ff: int | None = None, dropout=0.0):
        super().__init__()
        self.variant = variant
        self.d_model = d_model
        # a fresh layer each time: its own random weights
        self.layers = nn.ModuleList([encoder_layer(variant, d_model, heads, d_ff, dropout) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(d_model) if variant == "pre-ln" else nn.Identity()

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        return self.trace(x, causal)[-1]

    def trace(self, x: torch.Tensor, causal: bool = False) -> list[torch.Tensor]:
        """The residual stream ``[x_0, x_1, ..., x_N, output]``: the input, after each layer, and after the final
        LayerNorm (equal to ``x_N`` except for Pre-LN). Each entry is ``(B, T, d)``."""
        states = [x]
        for layer in self.layers:
            states.append(layer(states[-1], causal=causal))
        states.append(self.final_norm(states[-1]))
        return states


def xavier_init_(module: nn.Module) -> nn.Module:
    """Xavier (Glorot) uniform initialisation of every ``nn.Linear`` weight in ``module`` -- the attention's query,
    key, value and output projections and both feed-forward layers -- with zero biases. LayerNorms keep gain 1,
    bias 0. Draws from the global generator: call inside :func:`~residual_core.seeding.seeded`."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return module


def build_encoder(
    variant: str,
    layers: int,
    d_model: int,
    heads: int,
    *,
    d_ff: int | None = None,
    dropout: float = 0.0,
    init: str = "default",
    seed: int = 0,
) -> Encoder:
    """A seeded :class:`Encoder`: ``layers`` layers of the chosen ``variant``.

    Args:
        variant: ``"post-ln"``, ``"pre-ln"`` or ``"none"``.
        layers: number of encoder layers ``N``.
        d_model, heads, d_ff, dropout: see :class:`EncoderLayer`.
        init: ``"default"`` keeps PyTorch's ``nn.Linear`` initialisation (uniform, variance ``1 / (3 fan_in)``);
            ``"xavier"`` re-draws every linear weight with Xavier uniform (variance ``2 / (fan_in + fan_out)``) and
            zeroes the biases.
        seed: the weights are drawn as in a fresh script after ``torch.manual_seed(seed)``; the three variants built
            with the same seed share the same attention and feed-forward weights.

    Returns:
        the encoder in training mode (dropout active if ``dropout > 0``; call ``.eval()`` to switch it off).
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)} (got {init!r})")
    if variant not in LAYERS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
    with seeded(seed):
        encoder = Encoder(variant, layers, d_model, heads, d_ff, dropout)
        if init == "xavier":
            xavier_init_(encoder)
    return encoder


class SequenceModel(nn.Module):
    """Token embedding + learned position embedding -> encoder -> linear read-out to ``vocab`` logits.

    The encoder is :func:`build_encoder` ``(variant, layers, d_model, heads, seed=seed)``; the embeddings and read-out
    are drawn from ``seed + 30011`` (a stream apart), so all variants built with one seed share every weight and
    differ only in where the residual adds and LayerNorms sit.

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
