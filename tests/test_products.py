"""residual_core: products, blocks, seeded networks, per-layer gradients."""

from __future__ import annotations

import math

import pytest
import torch

from residual_core import DeepNetwork, ProjectedResidual, ResidualBlock, ResidualWithDropout, SimpleFFN
from residual_core.gradients import gradient_profile, layer_input_grad_norms
from residual_core.networks import seeded_input
from residual_core.products import exact_product, geometric_fit, product_series, products_experiment


# -- products -------------------------------------------------------------------------------------------------------
def test_reference_products_are_computed_not_quoted():
    # 0.9^100 and 1.1^100 to full double precision, checked against plain float arithmetic
    assert exact_product(0.9, 100).value == pytest.approx(0.9**100, rel=1e-12)
    assert exact_product(1.1, 100).value == pytest.approx(1.1**100, rel=1e-12)
    assert exact_product(0.9, 100).log10 == pytest.approx(100 * math.log10(0.9), rel=1e-12)


@pytest.mark.parametrize(
    ("factor", "depth", "value", "log10"),
    [(0.0, 0, 1.0, 0.0), (0.0, 5, 0.0, None), (1.0, 500, 1.0, 0.0), (1.3, 0, 1.0, 0.0), (0.5, 3, 0.125, None)],
)
def test_product_edge_cases(factor, depth, value, log10):
    p = exact_product(factor, depth)
    assert p.value == value
    if log10 is not None:
        assert p.log10 == log10
    if factor == 0.0 and depth > 0:
        assert p.log10 is None and p.sign == 0 and p.text == "0"


def test_products_beyond_float_range_are_reported_through_log10():
    big = exact_product(1.5, 5000)
    small = exact_product(0.5, 5000)
    assert big.value is None and small.value is None  # never a silent inf or 0
    assert big.log10 == pytest.approx(5000 * math.log10(1.5), rel=1e-12)
    assert small.log10 == pytest.approx(-5000 * math.log10(2), rel=1e-12)
    assert big.text.endswith("e+880") and small.text.endswith("e-1506")


def test_product_series_runs_from_layer_zero_to_depth():
    s = product_series(0.9, 10)
    assert [r["layer"] for r in s] == list(range(11))
    assert s[0]["product"] == 1.0 and s[10]["product"] == pytest.approx(0.9**10)


def test_geometric_fit_recovers_a_known_rate():
    layers = list(range(30))
    fit = geometric_fit(layers, [3.0 * 0.8**k for k in layers])
    assert fit["rate"] == pytest.approx(0.8, rel=1e-9)


# -- blocks ---------------------------------------------------------------------------------------------------------
def test_blocks_keep_shapes():
    x = torch.randn(2, 10, 32)
    assert ResidualBlock(SimpleFFN(32))(x).shape == x.shape
    assert ResidualWithDropout(SimpleFFN(32), 0.1)(x).shape == x.shape


def test_mismatched_residual_raises_and_projection_fixes_it():
    x = torch.randn(2, 10, 32)
    with pytest.raises(RuntimeError, match="size of tensor"):
        ResidualBlock(SimpleFFN(32, d_out=16))(x)
    fixed = ProjectedResidual(SimpleFFN(32, d_out=16), 32, 16)
    assert fixed(x).shape == (2, 10, 16)
    same = ProjectedResidual(SimpleFFN(32), 32, 32)
    assert isinstance(same.projection, torch.nn.Identity)


def test_dropout_block_is_identity_on_skip_in_eval_mode():
    block = ResidualWithDropout(SimpleFFN(8), dropout=0.5).eval()
    x = torch.randn(4, 8)
    assert torch.equal(block(x), x + block.sublayer(x))


# -- seeded networks ------------------------------------------------------------------------------------------------
def test_same_seed_same_weights_even_with_other_models_built_in_between():
    a = DeepNetwork(5, 16, seed=3)
    torch.manual_seed(123)
    DeepNetwork(7, 16, seed=4)
    torch.randn(100)
    b = DeepNetwork(5, 16, seed=3)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    c = DeepNetwork(5, 16, seed=4)
    assert not torch.equal(a.layers[0].weight, c.layers[0].weight)


def test_seeded_construction_does_not_touch_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    DeepNetwork(10, 32, seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_plain_and_residual_twins_share_weights():
    plain = DeepNetwork(4, 8, residual=False, seed=1)
    res = DeepNetwork(4, 8, residual=True, seed=1)
    for pa, pb in zip(plain.parameters(), res.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_seeded_gradients_repeat_exactly():
    a = gradient_profile(30, 64, seed=5)
    DeepNetwork(3, 8, seed=99)  # something else in between
    b = gradient_profile(30, 64, seed=5)
    assert a == b


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="activation"):
        DeepNetwork(2, 4, activation="gelu")


# -- per-layer gradients --------------------------------------------------------------------------------------------
def test_gradient_at_output_is_norm_of_ones():
    g = gradient_profile(10, 64, seed=0)
    assert g["plain"][-1] == pytest.approx(8.0) and g["residual"][-1] == pytest.approx(8.0)
    assert len(g["plain"]) == 11 and g["layer"] == list(range(11))


def test_plain_tanh_gradients_vanish_with_depth_and_residual_ones_do_not():
    g = gradient_profile(100, 64, seed=0)
    plain, res = g["plain"], g["residual"]
    assert plain[0] < 1e-10 * plain[-1]  # ten orders of magnitude lost over 100 layers
    assert plain[0] < plain[50] < plain[100]
    assert 0.1 < res[0] / res[-1] < 10  # the residual stack keeps the gradient within an order of magnitude


def test_float64_norms_do_not_underflow_where_float32_would():
    net = DeepNetwork(300, 64, residual=False, seed=0)
    x = seeded_input(1, 64, 0)
    norms = layer_input_grad_norms(net, x)
    assert 0 < norms[0] < 1e-40  # below float32's smallest normal, still a real number, not 0


# -- the page's experiment -----------------------------------------------------------------------------------------
def test_products_experiment_contract():
    r = products_experiment(0.9, 20, 0)
    assert list(r) == ["factor", "depth", "seed", "product", "log10_product", "series", "measured"]
    assert r["product"] == pytest.approx(0.9**20)
    assert [m["layer"] for m in r["measured"]] == list(range(21))
    g = gradient_profile(20, 64, alpha=0.1, activation="tanh", seed=0)
    assert [m["plain"] for m in r["measured"]] == g["plain"]
    assert [m["residual"] for m in r["measured"]] == g["residual"]


def test_running_product_series_equals_the_exact_product_at_every_layer():
    assert [r["product"] for r in product_series(1.1, 300)] == [exact_product(1.1, k).value for k in range(301)]
    assert product_series(0.5, 1100)[-1]["product"] is None  # 2**-1100 is below the float range: reported as None
