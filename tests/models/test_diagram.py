"""residual_core.models.diagram: the encoder layer's diagram is traced from its forward, so it follows the model."""

from __future__ import annotations

import pytest
import torch

from residual_core.models.diagram import count_residual_adds, diagram_of, encoder_diagram, layer_graph
from residual_core.models.transformer import VARIANTS, Encoder, PostLNLayer, build_encoder, encoder_layer


@pytest.mark.parametrize("variant", VARIANTS)
def test_diagram_matches_model(variant):
    enc = build_encoder(variant, 4, 32, 4, seed=0)
    dot = encoder_diagram(variant, 4, 32, 4, dropout=0.1)
    adds_per_layer = count_residual_adds(enc) // 4
    assert adds_per_layer == (0 if variant == "none" else 2)
    assert dot.count('label="+"') == adds_per_layer
    assert dot.count("residual #") == adds_per_layer
    assert dot.count("Dropout p=0.1") == 2
    assert ("final LayerNorm" in dot) == (variant == "pre-ln")
    assert "× 4" in dot
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert "Dropout" not in encoder_diagram(variant, 4, 32, 4, dropout=0.0)


def test_layer_graph_is_forward_in_order():
    kinds = {v: [op["kind"] for op in layer_graph(encoder_layer(v, 16, 2))] for v in VARIANTS}
    sublayer = ["dropout", "add", "norm"]
    assert kinds["post-ln"] == ["input", "attention", *sublayer, "ffn", *sublayer, "output"]
    assert kinds["pre-ln"] == [
        "input",
        "norm",
        "attention",
        "dropout",
        "add",
        "norm",
        "ffn",
        "dropout",
        "add",
        "output",
    ]
    assert kinds["none"] == ["input", "attention", "dropout", "norm", "ffn", "dropout", "norm", "output"]
    post = layer_graph(encoder_layer("post-ln", 16, 2))
    first_add = next(op for op in post if op["kind"] == "add")
    assert "x" in first_add["inputs"]  # the skip path: the layer's input goes straight into the add


class OneSkip(PostLNLayer):
    """Post-LN with the feed-forward network's residual add removed."""

    variant = "post-ln"

    def forward(self, x: torch.Tensor, causal: bool = False) -> torch.Tensor:
        x = self.ln_1(x + self.dropout(self.attention(x, causal)))
        return self.ln_2(self.dropout(self.ffn(x)))


def test_change_the_formula_and_the_diagram_follows():
    assert [op["kind"] for op in layer_graph(OneSkip(16, 2))].count("add") == 1
    enc = Encoder("post-ln", 1, 16, 2)
    enc.layers[0] = OneSkip(16, 2)
    assert count_residual_adds(enc) == 1
    dot = diagram_of(enc)
    assert dot.count('label="+"') == 1 and "residual #2" not in dot


def test_drawing_the_diagram_does_not_touch_the_global_generator():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    encoder_diagram("pre-ln", 6, 64, 4, dropout=0.2)
    assert torch.equal(torch.rand(3), expected)
    with pytest.raises(ValueError, match="variant"):
        encoder_diagram("sandwich")
