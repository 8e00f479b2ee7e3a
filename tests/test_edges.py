"""Sentences at the controls' edges (issue 19): exact zeros said to be exact, values below float64's resolution not
printed as measurements, counts of one in the singular. Each test runs the real experiment."""

from __future__ import annotations

import re

import pytest

from residual_core.catalog import residual_math as rm
from residual_core.catalog import residual_math_text as text


@pytest.mark.parametrize("seed", range(5))
def test_x_times_relu_dies_exactly_and_the_text_says_where(seed):
    s = {"layers": 30, "width": 8, "alpha": 0.1, "activation": "relu", "seed": seed}
    r = rm.MULTIPLICATIVE.func(**s)
    dead = r["dead_at"]
    assert dead is not None and 0 < dead <= 30
    assert all(row["multiplicative_norm"] == 0 for row in r["per_layer"][dead:])
    assert r["per_layer"][dead - 1]["multiplicative_norm"] > 0
    assert f"From layer {dead} on every entry of x ⊙ F(x) is exactly 0" in text.mult_forward_takeaway(r)
    assert "is exactly 0 for x ⊙ F(x)" in text.mult_gradient_takeaway(r)
    reading = text.multiplicative_reading(r, s)
    assert f"from layer {dead} on x ⊙ F(x) is the zero vector" in reading
    first_alive = next(row["layer"] for row in r["per_layer"] if row["multiplicative_grad"] > 0)
    assert f"exactly 0 at layers 0–{first_alive - 1}" in reading
    assert "nan" not in reading and "×0 " not in reading


def test_x_times_tanh_does_not_die_and_keeps_its_rate():
    s = {"layers": 30, "width": 8, "alpha": 0.1, "activation": "tanh", "seed": 0}
    r = rm.MULTIPLICATIVE.func(**s)
    assert r["dead_at"] is None
    assert "exactly 0" not in text.mult_forward_takeaway(r) and "changes by about" in text.multiplicative_reading(r, s)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_jacobian_values_below_the_resolution_are_shown_as_a_bound_not_a_value(activation):
    s = {"layers": 30, "width": 64, "alpha": 0.1, "activation": activation, "seed": 0}
    r = rm.JACOBIAN.func(**s)
    bound = text.RESOLVED * r["resolution_plain"]
    assert r["per_layer"][-1]["plain_min"] < bound  # the case: the product lost its small values to rounding
    shown = {m.label: m.value for m in text.jacobian_metrics(r, s)}["Smallest singular value, plain"]
    assert shown.startswith("under ")
    assert float(shown.removeprefix("under ")) == pytest.approx(bound, rel=0.05)
    for sentence in (text.spectrum_takeaway(r), text.jacobian_reading(r, s)):
        numbers = [float(x) for x in re.findall(r"\d\.\de-\d\d", sentence)]
        assert all(n >= bound * 0.95 for n in numbers), sentence  # nothing below what float64 resolved


def test_a_resolved_spectrum_is_printed_as_measured():
    s = {"layers": 5, "width": 64, "alpha": 0.1, "activation": "tanh", "seed": 0}
    r = rm.JACOBIAN.func(**s)
    assert r["per_layer"][-1]["plain_min"] > text.RESOLVED * r["resolution_plain"]
    assert "under" not in text.spectrum_takeaway(r)


def test_alpha_zero_jacobian_reads_as_one_value():
    s = {"layers": 30, "width": 64, "alpha": 0.0, "activation": "tanh", "seed": 0}
    r = rm.JACOBIAN.func(**s)
    reading = text.jacobian_reading(r, s)
    assert "The residual stack keeps it at 1." in reading and "between 1 and 1" not in reading


def test_one_layer_is_singular():
    s = {"layers": 1, "width": 8, "alpha": 0.1, "activation": "tanh", "seed": 0}
    assert "After 1 layer ‖x‖" in text.mult_forward_takeaway(rm.MULTIPLICATIVE.func(**s))
    assert "1 layers" not in text.jacobian_reading(rm.JACOBIAN.func(**s), s)
