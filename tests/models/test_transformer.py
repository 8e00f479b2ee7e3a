"""residual_core.models.transformer: the encoder layer as Post-LN, Pre-LN and without residuals, the encoder, its
construction and the sequence model."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from residual_core.models.blocks import SimpleFFN
from residual_core.models.transformer import (
    INITS,
    LAYERS,
    VARIANT_LABELS,
    VARIANTS,
    Encoder,
    EncoderLayer,
    FeedForward,
    MultiHeadSelfAttention,
    NoResidualLayer,
    PostLNLayer,
    PreLNLayer,
    SequenceModel,
    build_encoder,
    encoder_layer,
    xavier_init_,
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
        norms = [layer.ln_1, layer.ln_2]
        assert norms == [m for m in layer.modules() if isinstance(m, nn.LayerNorm)]
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


def test_one_class_per_variant_built_by_the_factory():
    assert {"post-ln": PostLNLayer, "pre-ln": PreLNLayer, "none": NoResidualLayer} == LAYERS
    assert tuple(LAYERS) == VARIANTS == tuple(VARIANT_LABELS)
    for variant, cls in LAYERS.items():
        layer = encoder_layer(variant, 16, 2, 64, 0.25)
        assert type(layer) is cls and isinstance(layer, EncoderLayer) and layer.variant == variant
        assert isinstance(layer.attention, MultiHeadSelfAttention) and isinstance(layer.ffn, FeedForward)
        assert isinstance(layer.ffn, SimpleFFN) and layer.ffn.net[0].out_features == 64
        assert isinstance(layer.ln_1, nn.LayerNorm) and isinstance(layer.ln_2, nn.LayerNorm)
        assert layer.dropout.p == 0.25
    assert encoder_layer("pre-ln", 16, 2).ffn.net[0].out_features == 64  # d_ff = 4 d by default
    with pytest.raises(ValueError, match="variant"):
        encoder_layer("sandwich", 16, 2)
    with pytest.raises(ValueError, match="multiple"):
        encoder_layer("pre-ln", 16, 2, d_ff=40)


def _with_dropout(layer, x, variant, seed):
    """The variant's formula with ``layer.dropout`` on each sublayer's output, drawing the masks in forward's order."""
    att, ffn, ln_1, ln_2, drop = layer.attention, layer.ffn, layer.ln_1, layer.ln_2, layer.dropout
    torch.manual_seed(seed)
    if variant == "post-ln":
        h = ln_1(x + drop(att(x)))
        return ln_2(h + drop(ffn(h)))
    if variant == "pre-ln":
        h = x + drop(att(ln_1(x)))
        return h + drop(ffn(ln_2(h)))
    return ln_2(drop(ffn(ln_1(drop(att(x))))))


@pytest.mark.parametrize("variant", VARIANTS)
def test_dropout_sits_on_the_sublayer_output_before_the_add(variant):
    torch.manual_seed(0)
    layer = encoder_layer(variant, 16, 2, dropout=0.5)
    assert layer.dropout.p == 0.5
    x = _x(2, 3, 16)
    # training mode: the layer's output is the formula with dropout applied to each sublayer's output
    layer.train()
    torch.manual_seed(11)
    out = layer(x)
    assert torch.equal(out, _with_dropout(layer, x, variant, seed=11))
    torch.manual_seed(12)
    assert not torch.equal(layer(x), out)  # the masks really are random
    # eval mode: dropout is the identity, the plain formula
    layer.eval()
    assert torch.equal(layer(x), _with_dropout(layer, x, variant, seed=0))
    # dropping everything the sublayers add leaves the skip path: Pre-LN becomes the identity, Post-LN its two norms
    everything = encoder_layer(variant, 16, 2, dropout=1.0).train()
    if variant == "pre-ln":
        assert torch.equal(everything(x), x)
    elif variant == "post-ln":
        assert torch.equal(everything(x), everything.ln_2(everything.ln_1(x)))
    else:  # no skip path: nothing of x is left
        assert torch.equal(everything(x), everything.ln_2(everything.ln_1(torch.zeros_like(x))))


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


def test_xavier_init_is_in_place_and_covers_every_linear():
    torch.manual_seed(0)
    layer = encoder_layer("post-ln", 16, 2)
    assert xavier_init_(layer) is layer
    linears = [m for m in layer.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 6  # query, key, value, output, and the feed-forward network's two
    assert all(torch.count_nonzero(m.bias) == 0 for m in linears)
    assert torch.all(layer.ln_1.weight == 1) and torch.all(layer.ln_1.bias == 0)


def test_encoder_trace_is_the_residual_stream():
    enc = build_encoder("pre-ln", 3, 16, 2, seed=4)
    x = _x(2, 5, 16)
    states = enc.trace(x)
    assert len(states) == 3 + 2 and states[0] is x
    for i, layer in enumerate(enc.layers):
        assert torch.equal(states[i + 1], layer(states[i]))
    assert torch.equal(states[-1], enc.final_norm(states[-2])) and torch.equal(enc(x), states[-1])
    post = build_encoder("post-ln", 2, 16, 2, seed=4)
    assert torch.equal(post.trace(x)[-1], post.trace(x)[-2])  # no final norm: the last entry repeats x_N


def test_sequence_models_share_every_weight_across_variants():
    kwargs = dict(layers=2, d_model=16, heads=2, vocab=10, seq_len=6, seed=3)
    models = {v: SequenceModel(v, **kwargs) for v in VARIANTS}
    tokens = torch.randint(0, 10, (4, 6), generator=torch.Generator().manual_seed(0))
    for v, model in models.items():
        assert model(tokens).shape == (4, 6, 10), v
        assert torch.equal(model.embed.weight, models["post-ln"].embed.weight)
        assert torch.equal(model.readout.weight, models["post-ln"].readout.weight)
        assert torch.equal(
            model.encoder.layers[1].ffn.net[2].weight, models["post-ln"].encoder.layers[1].ffn.net[2].weight
        )
    assert torch.equal(models["post-ln"].position, SequenceModel("post-ln", **kwargs).position)
