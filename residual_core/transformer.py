"""A small transformer encoder built from Residual Lab's own blocks (reference text, sections 3.4 and 3.6).

One encoder layer is two sublayers, multi-head self-attention and a feed-forward network, each wrapped in a residual
connection with dropout on the sublayer's output before the add (:class:`~residual_core.blocks.ResidualWithDropout`)
and a LayerNorm. Three arrangements, the ``variant``:

* ``"post-ln"`` -- the reference text's diagram (the original transformer)::

      x = LN(x + Dropout(Attention(x)))
      x = LN(x + Dropout(FFN(x)))

* ``"pre-ln"`` -- the modern arrangement; the stream itself is never normalised, only each sublayer's input, and the
  encoder ends with one final LayerNorm::

      x = x + Dropout(Attention(LN(x)))
      x = x + Dropout(FFN(LN(x)))

* ``"none"`` -- Post-LN with both residual adds removed::

      x = LN(Dropout(Attention(x)))
      x = LN(Dropout(FFN(x)))

A layer is a list of *steps* (:attr:`EncoderLayer.steps`); :func:`encoder_diagram` draws a layer by walking those
same steps, so the diagram and the model cannot disagree. :class:`Encoder` builds every layer separately, each with
its own random weights (``nn.TransformerEncoder`` deep-copies one layer, so all its layers start identical).

Shapes: ``B`` batch, ``T`` tokens (sequence length), ``d`` = ``d_model``, ``h`` = ``heads``, ``d / h`` per head.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .blocks import ResidualWithDropout, SimpleFFN
from .seeding import seeded

VARIANTS = ("post-ln", "pre-ln", "none")
INITS = ("default", "xavier")

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


class PreNorm(nn.Module):
    """``sublayer(LN(x))``: the Pre-LN arrangement normalises the sublayer's input, not the residual stream.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def __init__(self, d_model: int, sublayer: nn.Module):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.sublayer = sublayer

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.sublayer(self.norm(x), **kwargs)


class Residual(ResidualWithDropout):
    """:class:`~residual_core.blocks.ResidualWithDropout` that passes keyword arguments (``causal``) to its sublayer.

    ``output = x + dropout(sublayer(x))``: one residual add.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        return x + self.dropout(self.sublayer(x, **kwargs))


class NoResidual(ResidualWithDropout):
    """The same sublayer and dropout with the add removed: ``output = dropout(sublayer(x))``.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        return self.dropout(self.sublayer(x, **kwargs))


class FeedForward(SimpleFFN):
    """The position-wise feed-forward sublayer: :class:`~residual_core.blocks.SimpleFFN`, Linear -> ReLU -> Linear.

    Shapes:
        x: ``(B, T, d)`` -> ``(B, T, d_ff)`` -> output: ``(B, T, d)``
    """

    def __init__(self, d_model: int, d_ff: int):
        if d_ff % d_model:
            raise ValueError(f"d_ff ({d_ff}) must be a multiple of d_model ({d_model})")
        super().__init__(d_model, expansion=d_ff // d_model)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:  # ignores ``causal``: it works token by token
        return self.net(x)


class EncoderLayer(nn.Module):
    """One transformer encoder layer in the chosen ``variant`` (see the module docstring).

    Args:
        d_model: width ``d`` of the residual stream.
        heads: attention heads ``h`` (``d`` must be divisible by ``h``).
        d_ff: hidden width of the feed-forward network (a multiple of ``d``; ``4 d`` by default).
        dropout: probability of dropping each element of a sublayer's output before the add.
        variant: ``"post-ln"``, ``"pre-ln"`` or ``"none"``.

    Attributes:
        steps: the layer in order, an ``nn.ModuleList`` of :class:`Residual` / :class:`NoResidual` wrappers (around
            the attention or feed-forward sublayer, itself wrapped in :class:`PreNorm` for Pre-LN) and
            ``nn.LayerNorm`` (Post-LN, no residual). :func:`encoder_diagram` draws these steps.
        attention, ffn: the two sublayers (also reachable through ``steps``).

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def __init__(self, d_model: int, heads: int, d_ff: int | None = None, dropout: float = 0.0, variant="post-ln"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
        self.variant = variant
        self.attention = MultiHeadSelfAttention(d_model, heads)
        self.ffn = FeedForward(d_model, d_ff or 4 * d_model)
        steps = []
        for sublayer in (self.attention, self.ffn):
            if variant == "pre-ln":
                steps.append(Residual(PreNorm(d_model, sublayer), dropout))
            else:
                wrap = Residual if variant == "post-ln" else NoResidual
                steps += [wrap(sublayer, dropout), nn.LayerNorm(d_model)]
        self.steps = nn.ModuleList(steps)

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        for step in self.steps:
            x = step(x) if isinstance(step, nn.LayerNorm) else step(x, causal=causal)
        return x


class Encoder(nn.Module):
    """A stack of ``layers`` independently initialised :class:`EncoderLayer` s (+ a final LayerNorm for Pre-LN).

    Use :func:`build_encoder` to make one (seeded, with the chosen initialisation).

    Attributes:
        layers: ``nn.ModuleList`` of :class:`EncoderLayer`, input side first.
        final_norm: ``nn.LayerNorm`` for Pre-LN, ``nn.Identity`` otherwise.

    Shapes:
        x: ``(B, T, d)`` -> output: ``(B, T, d)``
    """

    def __init__(self, variant: str, layers: int, d_model: int, heads: int, d_ff: int | None = None, dropout=0.0):
        super().__init__()
        self.variant = variant
        self.d_model = d_model
        self.layers = nn.ModuleList(
            [EncoderLayer(d_model, heads, d_ff, dropout, variant) for _ in range(layers)]
        )  # a fresh layer each time: its own random weights
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
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
    with seeded(seed):
        encoder = Encoder(variant, layers, d_model, heads, d_ff, dropout)
        if init == "xavier":
            xavier_init_(encoder)
    return encoder


def count_residual_adds(encoder: Encoder) -> int:
    """Number of residual adds in ``encoder`` (two per layer for Post-LN and Pre-LN, none without residuals)."""
    return sum(isinstance(m, Residual) for m in encoder.modules())


# -- the diagram ---------------------------------------------------------------------------------------------------

_STYLE = {
    "io": 'shape=box, style="rounded", color="#555555"',
    "attention": 'shape=box, style="rounded,filled", fillcolor="#fde3c8", color="#E69F00"',
    "ffn": 'shape=box, style="rounded,filled", fillcolor="#d3ecf8", color="#56B4E9"',
    "norm": 'shape=box, style="rounded,filled", fillcolor="#ebe3f1", color="#CC79A7"',
    "dropout": 'shape=box, style="rounded,dashed", color="#777777", fontsize=10',
    "add": 'shape=circle, label="+", width=0.35, fixedsize=true, style=filled, fillcolor="#cfe6f5", color="#0072B2"',
}


def _sublayer_label(module: nn.Module, d_model: int) -> tuple[str, str]:
    if isinstance(module, MultiHeadSelfAttention):
        return "attention", f"Multi-Head Attention\\n{module.heads} heads × {d_model // module.heads}"
    hidden = module.net[0].out_features
    return "ffn", f"Feed-Forward\\n{d_model} → {hidden} → {d_model}"


def layer_diagram_lines(layer: EncoderLayer, d_model: int, dropout: float) -> tuple[list[str], str, str, int]:
    """DOT node and edge lines for one layer, read from ``layer.steps``.

    Returns ``(lines, first_node, last_node, adds)`` where ``adds`` is the number of residual adds drawn.
    """
    lines, edges = [], []
    counter = iter(range(10_000))
    adds = 0

    def node(kind: str, label: str | None = None) -> str:
        name = f"n{next(counter)}"
        label_part = f'label="{label}", ' if label is not None else ""
        lines.append(f"    {name} [{label_part}{_STYLE[kind]}];")
        return name

    first = current = node("io", "layer input x")
    for step in layer.steps:
        if isinstance(step, nn.LayerNorm):
            n = node("norm", "LayerNorm")
            edges.append(f"    {current} -> {n};")
            current = n
            continue
        fork = current
        sub = step.sublayer
        if isinstance(sub, PreNorm):
            n = node("norm", "LayerNorm")
            edges.append(f"    {current} -> {n};")
            current, sub = n, sub.sublayer
        kind, label = _sublayer_label(sub, d_model)
        n = node(kind, label)
        edges.append(f"    {current} -> {n};")
        current = n
        if dropout > 0:
            n = node("dropout", f"Dropout p={dropout:g}")
            edges.append(f"    {current} -> {n};")
            current = n
        if isinstance(step, Residual):
            adds += 1
            n = node("add")
            edges.append(f"    {current} -> {n};")
            edges.append(
                f'    {fork} -> {n} [color="#0072B2", penwidth=2.2, label=" residual #{adds}", fontcolor="#0072B2"];'
            )
            current = n
    return lines + edges, first, current, adds


def diagram_of(encoder: Encoder, dropout: float = 0.0, n_layers: int | None = None) -> str:
    """Graphviz DOT of ``encoder``: its first layer (drawn from its ``steps``) repeated ``n_layers`` times (all of
    the encoder's layers by default), and the final norm."""
    n_layers = len(encoder.layers) if n_layers is None else n_layers
    title = VARIANT_LABELS[encoder.variant]
    lines, first, last, _ = layer_diagram_lines(encoder.layers[0], encoder.d_model, dropout)
    out = [
        "digraph encoder {",
        '  rankdir=TB; nodesep=0.35; ranksep=0.3; fontname="Helvetica";',
        '  node [fontname="Helvetica", fontsize=12]; edge [color="#555555", arrowsize=0.7];',
        '  input [label="input (B, T, d)", shape=plaintext];',
        "  subgraph cluster_layer {",
        f'    label="{title} encoder layer  × {n_layers}"; labeljust=l; style="rounded,dashed"; color="#999999";',
        *lines,
        "  }",
        f"  input -> {first};",
    ]
    tail = last
    if isinstance(encoder.final_norm, nn.LayerNorm):
        out.append(f'  final_norm [label="final LayerNorm", {_STYLE["norm"]}];')
        out.append(f"  {tail} -> final_norm;")
        tail = "final_norm"
    out.append('  output [label="output (B, T, d)", shape=plaintext];')
    out.append(f"  {tail} -> output;")
    out.append("}")
    return "\n".join(out)


def encoder_diagram(
    variant: str,
    layers: int = 1,
    d_model: int = 64,
    heads: int = 4,
    *,
    d_ff: int | None = None,
    dropout: float = 0.0,
) -> str:
    """Graphviz DOT source of the encoder :func:`build_encoder` builds with the same configuration.

    A one-layer encoder of this configuration is built (all layers are alike, so one shows the structure) and its
    layer's ``steps`` are walked to draw the nodes, so Post-LN/Pre-LN/no-residual and dropout are drawn exactly as
    built; the diagram labels the layer "× layers".
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
    with seeded(0):  # the weights are not used, but drawing them must not touch the global generator
        encoder = Encoder(variant, 1, d_model, heads, d_ff, dropout)
    return diagram_of(encoder, dropout, n_layers=int(layers))
