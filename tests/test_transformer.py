"""residual_core.transformer: the encoder variants, their construction and their diagrams."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from residual_core.blocks import ResidualWithDropout
from residual_core.transformer import (
    INITS,
    VARIANTS,
    Encoder,
    EncoderLayer,
    MultiHeadSelfAttention,
    build_encoder,
    count_residual_adds,
    encoder_diagram,
)


def _x(B=2, T=5, d=32, seed=0):
    return torch.randn(B, T, d, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("variant", VARIANTS)
def test_shapes_and_causal_flag(variant):
    enc = build_encoder(variant, 3, 32, 4, seed=1)
    assert isinstance(enc, Encoder)
    x = _x()
    assert enc(x).shape == x.shape
    assert enc(x, causal=True).shape == x.shape
    # causal: changing the last token leaves every earlier position unchanged; without the mask it does not
    x2 = x.clone()
    x2[:, -1] += _x(2, 1, 32, seed=7)[:, 0]  # not a constant shift: LayerNorm would remove that
    assert torch.allclose(enc(x, causal=True)[:, :-1], enc(x2, causal=True)[:, :-1], atol=1e-6)
    assert not torch.allclose(enc(x)[:, :-1], enc(x2)[:, :-1], atol=1e-4)


def test_attention_matches_explicit_formula_for_one_head():
    torch.manual_seed(0)
    att = MultiHeadSelfAttention(8, 1)
    x = _x(1, 4, 8)
    q, k, v = att.query(x), att.key(x), att.value(x)
    expected = att.out(torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(8), dim=-1) @ v)
    assert torch.allclose(att(x), expected, atol=1e-6)


def test_layers_are_independent_and_construction_is_seeded():
    a = build_encoder("post-ln", 3, 32, 4, seed=5)
    b = build_encoder("post-ln", 3, 32, 4, seed=5)
    c = build_encoder("post-ln", 3, 32, 4, seed=6)
    wa = [layer.attention.query.weight for layer in a.layers]
    assert not torch.equal(wa[0], wa[1]) and not torch.equal(wa[1], wa[2])
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.layers[0].attention.query.weight, c.layers[0].attention.query.weight)


def test_variants_share_weights_for_a_seed():
    post = build_encoder("post-ln", 2, 32, 4, seed=3)
    pre = build_encoder("pre-ln", 2, 32, 4, seed=3)
    none = build_encoder("none", 2, 32, 4, seed=3)
    for name in ("attention.query.weight", "attention.out.bias", "ffn.net.2.weight"):
        for i in range(2):
            w = post.layers[i].get_parameter(name)
            assert torch.equal(w, pre.layers[i].get_parameter(name))
            assert torch.equal(w, none.layers[i].get_parameter(name))


def test_no_global_rng_leak():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_encoder("pre-ln", 2, 32, 4, init="xavier", seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_layer_formulas():
    d = 16
    x = _x(2, 3, d)
    for variant in VARIANTS:
        layer = build_encoder(variant, 1, d, 2, seed=0).layers[0]
        att, ffn = layer.attention, layer.ffn
        norms = [m for m in layer.modules() if isinstance(m, nn.LayerNorm)]
        if variant == "post-ln":
            h = norms[0](x + att(x))
            expected = norms[1](h + ffn(h))
        elif variant == "pre-ln":
            h = x + att(norms[0](x))
            expected = h + ffn(norms[1](h))
        else:
            expected = norms[1](ffn(norms[0](att(x))))
        assert torch.allclose(layer(x), expected, atol=1e-6), variant


def test_pre_ln_has_final_norm_only():
    assert isinstance(build_encoder("pre-ln", 2, 16, 2).final_norm, nn.LayerNorm)
    assert isinstance(build_encoder("post-ln", 2, 16, 2).final_norm, nn.Identity)


def test_residuals_are_the_blocks_module_and_dropout_sits_before_the_add():
    layer = EncoderLayer(16, 2, dropout=0.5, variant="post-ln")
    wrappers = [m for m in layer.steps if isinstance(m, ResidualWithDropout)]
    assert len(wrappers) == 2 and all(w.dropout.p == 0.5 for w in wrappers)


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


def test_xavier_init_changes_linear_weights():
    default = build_encoder("post-ln", 1, 64, 4, init="default", seed=0)
    xavier = build_encoder("post-ln", 1, 64, 4, init="xavier", seed=0)
    wd = default.layers[0].attention.query.weight
    wx = xavier.layers[0].attention.query.weight
    # default: U(-1/sqrt(64), 1/sqrt(64)), variance 1/192; xavier: variance 2/128 = 1/64
    assert abs(wd.var().item() * 192 - 1) < 0.1
    assert abs(wx.var().item() * 64 - 1) < 0.1
    assert torch.count_nonzero(xavier.layers[0].attention.query.bias) == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="variant"):
        build_encoder("sandwich", 1, 16, 2)
    with pytest.raises(ValueError, match="init"):
        build_encoder("pre-ln", 1, 16, 2, init="kaiming")
    with pytest.raises(ValueError, match="divisible"):
        build_encoder("pre-ln", 1, 30, 4)
    assert set(INITS) == {"default", "xavier"}
