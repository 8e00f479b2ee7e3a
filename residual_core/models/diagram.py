"""The encoder layer's diagram (Graphviz DOT), drawn by tracing the layer's own ``forward``.

:func:`layer_graph` runs ``forward`` symbolically with ``torch.fx`` (attention and feed-forward kept as single
boxes) and returns its operations in order; :func:`encoder_diagram` turns them into boxes and arrows. An ``add``
whose inputs are the stream and a sublayer's output is a residual add: its edge from the stream is the skip path.
Change a layer's formula and the diagram follows.
"""

from __future__ import annotations

import threading

import torch.fx as fx
from torch import nn

from ..seeding import seeded
from .transformer import VARIANT_LABELS, VARIANTS, Encoder, FeedForward, MultiHeadSelfAttention

_STYLE = {
    "io": 'shape=box, style="rounded", color="#555555"',
    "attention": 'shape=box, style="rounded,filled", fillcolor="#fde3c8", color="#E69F00"',
    "ffn": 'shape=box, style="rounded,filled", fillcolor="#d3ecf8", color="#56B4E9"',
    "norm": 'shape=box, style="rounded,filled", fillcolor="#ebe3f1", color="#CC79A7"',
    "dropout": 'shape=box, style="rounded,dashed", color="#777777", fontsize=10',
    "add": 'shape=circle, label="+", width=0.35, fixedsize=true, style=filled, fillcolor="#cfe6f5", color="#0072B2"',
}
_TRACE_LOCK = threading.Lock()


class _SublayerTracer(fx.Tracer):
    """Keeps attention and feed-forward as one node each (their insides are not Add & Norm)."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, (MultiHeadSelfAttention, FeedForward)) or super().is_leaf_module(m, qualname)


def layer_graph(layer: nn.Module) -> list[dict]:
    """The operations of ``layer.forward`` in order: ``[{"name", "kind", "inputs"}]``.

    ``kind`` is ``"attention"``, ``"ffn"``, ``"norm"``, ``"dropout"``, ``"add"``, ``"input"`` or ``"output"``;
    ``inputs`` names the nodes it reads. The trace only records operations (no code is generated or compiled).
    """
    with _TRACE_LOCK:
        graph = _SublayerTracer().trace(layer, concrete_args={"causal": False})
    modules = dict(layer.named_modules())
    ops = []
    for node in graph.nodes:
        inputs = [a.name for a in node.args if (isinstance(a, fx.Node) and a.op != "placeholder") or _is_x(a)]
        if node.op == "placeholder":
            if node.name == "x":
                ops.append({"name": "x", "kind": "input", "inputs": []})
            continue
        if node.op == "call_module":
            m = modules[node.target]
            kind = {MultiHeadSelfAttention: "attention", FeedForward: "ffn", nn.LayerNorm: "norm"}.get(type(m))
            kind = kind or ("dropout" if isinstance(m, nn.Dropout) else type(m).__name__)
            ops.append({"name": node.name, "kind": kind, "inputs": inputs, "module": m})
        elif node.op == "call_function" and getattr(node.target, "__name__", "") == "add":
            ops.append({"name": node.name, "kind": "add", "inputs": inputs})
        elif node.op == "output":
            ops.append({"name": "output", "kind": "output", "inputs": inputs})
    return ops


def _is_x(a) -> bool:
    return isinstance(a, fx.Node) and a.op == "placeholder" and a.name == "x"


def count_residual_adds(encoder: Encoder) -> int:
    """Number of residual adds in ``encoder``, read from its layers' traced ``forward``."""
    return sum(op["kind"] == "add" for layer in encoder.layers for op in layer_graph(layer))


def _label(op: dict, d_model: int, dropout: float) -> str:
    m = op.get("module")
    if op["kind"] == "attention":
        return f"Multi-Head Attention\\n{m.heads} heads × {d_model // m.heads}"
    if op["kind"] == "ffn":
        return f"Feed-Forward\\n{d_model} → {m.net[0].out_features} → {d_model}"
    if op["kind"] == "norm":
        return "LayerNorm"
    if op["kind"] == "dropout":
        return f"Dropout p={dropout:g}"
    return op["kind"]


def diagram_of(encoder: Encoder, dropout: float = 0.0, n_layers: int | None = None) -> str:
    """Graphviz DOT of ``encoder``: its first layer (traced) drawn once and labelled ``× n_layers``, and the final
    norm. Dropout boxes are drawn only when ``dropout > 0``."""
    n_layers = len(encoder.layers) if n_layers is None else n_layers
    ops = layer_graph(encoder.layers[0])
    alias = {}  # a skipped node (dropout with p = 0) stands for its input
    lines, edges = [], []
    adds = 0
    for op in ops:
        name = op["name"]
        sources = [alias.get(i, i) for i in op["inputs"]]
        if op["kind"] == "input":
            lines.append(f'    x [label="layer input x", {_STYLE["io"]}];')
            continue
        if op["kind"] == "output":
            last = sources[0]
            continue
        if op["kind"] == "dropout" and dropout <= 0:
            alias[name] = sources[0]
            continue
        if op["kind"] == "add":
            adds += 1
            lines.append(f"    {name} [{_STYLE['add']}];")
            branch, skip = _branch_and_skip(sources, ops, alias)
            edges.append(f"    {branch} -> {name};")
            edges.append(
                f'    {skip} -> {name} [color="#0072B2", penwidth=2.2, label=" residual #{adds}", fontcolor="#0072B2"];'
            )
            continue
        lines.append(f'    {name} [label="{_label(op, encoder.d_model, dropout)}", {_STYLE[op["kind"]]}];')
        edges.extend(f"    {s} -> {name};" for s in sources)
    out = [
        "digraph encoder {",
        '  rankdir=TB; nodesep=0.35; ranksep=0.3; fontname="Helvetica";',
        '  node [fontname="Helvetica", fontsize=12]; edge [color="#555555", arrowsize=0.7];',
        '  input [label="input (B, T, d)", shape=plaintext];',
        "  subgraph cluster_layer {",
        f'    label="{VARIANT_LABELS[encoder.variant]} encoder layer  × {n_layers}"; labeljust=l; '
        'style="rounded,dashed"; color="#999999";',
        *lines,
        *edges,
        "  }",
        "  input -> x;",
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


def _branch_and_skip(sources: list[str], ops: list[dict], alias: dict) -> tuple[str, str]:
    """Of an add's two inputs, the one computed by a sublayer (attention, feed-forward or its dropout) is the branch;
    the other is the stream carried past it (the skip path)."""
    kinds = {op["name"]: op["kind"] for op in ops}
    first, second = sources
    branchy = {"attention", "ffn", "dropout"}
    return (first, second) if kinds.get(first) in branchy else (second, first)


def encoder_diagram(
    variant: str,
    layers: int = 1,
    d_model: int = 64,
    heads: int = 4,
    *,
    d_ff: int | None = None,
    dropout: float = 0.0,
) -> str:
    """Graphviz DOT source of the encoder :func:`~residual_core.models.transformer.build_encoder` builds with the
    same configuration: a one-layer encoder is built and its layer's ``forward`` traced (all layers are alike), and
    the diagram labels the layer "× layers"."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})")
    with seeded(0):  # the weights are not used, but drawing them must not touch the global generator
        encoder = Encoder(variant, 1, d_model, heads, d_ff, dropout)
    return diagram_of(encoder, dropout, n_layers=int(layers))
