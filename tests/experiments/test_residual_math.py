"""residual_core.experiments.residual_math: y = x + R(x) in one dimension, the unrolled sum, multiplication
instead of addition, and their command-line experiments."""

from __future__ import annotations

import json
import math

import pytest
import torch

from residual_core import cli
from residual_core.catalog import residual_math_text
from residual_core.experiments.jacobian import jacobian_spectrum
from residual_core.experiments.residual_math import (
    RESIDUAL_1D_GRID,
    multiplicative_experiment,
    one_d_rows,
    residual_1d,
    unrolled_rows,
    unrolled_sum,
)
from residual_core.models.layers import Multiplicative
from residual_core.models.networks import DeepNetwork, twins
from residual_core.seeding import seeded_input


# -- 1. y = x + R(x) ------------------------------------------------------------------------------------------------
def test_residual_1d_derivative_is_one_plus_the_branch_slope():
    r = residual_1d("sin", 0.5, 1.5)
    assert len(r["points"]) == RESIDUAL_1D_GRID[2]
    for p in r["points"]:
        assert p["r"] == pytest.approx(0.5 * math.sin(1.5 * p["x"]), abs=1e-12)
        assert p["y"] == pytest.approx(p["x"] + p["r"], abs=1e-12)
        assert p["dy"] == pytest.approx(1 + 0.5 * 1.5 * math.cos(1.5 * p["x"]), abs=1e-12)
    assert r["min_dy"] == pytest.approx(min(p["dy"] for p in r["points"]))


def test_below_one_spans_cover_exactly_the_points_with_derivative_below_one():
    r = residual_1d("sin", 0.5, 1.5)
    assert r["below_one"]  # cos takes negative values on [-3, 3] at w = 1.5
    for p in r["points"]:
        inside = any(s["start"] <= p["x"] <= s["end"] for s in r["below_one"])
        assert inside == (p["dy"] < 1), p
    # the share is the continuous range's: cos(1.5 x) < 0 for 1.5|x| in (pi/2, 4.5], i.e. 2 (4.5 - pi/2) / 9
    assert r["share_below_one"] == pytest.approx(2 * (4.5 - math.pi / 2) / 9, abs=1e-4)  # 65.09 %, not 65.6 %
    assert r["share_squeezes"] == r["share_below_one"] and r["share_stretches_flips"] == 0


def test_relu_with_a_negative_slope_stretches_and_flips_rather_than_squeezes():
    r = residual_1d("relu", -2.0, 3.0)  # dy/dx = 1 - 6 = -5 for x > 0
    assert r["min_dy"] == pytest.approx(-5)
    assert r["share_stretches_flips"] == pytest.approx(0.5) and r["share_squeezes"] == 0
    text = residual_math_text.one_d_reading(r, {})
    assert "stretches and flips" in text and "as much as 5" in text
    assert "squeezes nearby inputs together" not in text


def test_at_least_one_holds_only_when_the_branch_slope_is_nonnegative():
    rising = residual_1d("tanh", 0.8, 1.0)  # R' = a w sech^2 >= 0
    assert rising["min_dy"] >= 1 and rising["below_one"] == [] and rising["share_below_one"] == 0
    falling = residual_1d("tanh", -0.8, 1.0)  # R' < 0 everywhere
    assert falling["share_below_one"] == 1 and falling["share_negative"] == 0
    folding = residual_1d("sin", 1.0, 2.0)  # 1 + 2 cos(2x) < 0 in places: y runs backwards
    assert folding["share_negative"] > 0 and folding["min_dy"] == pytest.approx(-1, abs=1e-3)


def test_unknown_branch_is_refused():
    with pytest.raises(ValueError, match="g must be"):
        residual_1d("gelu", 1.0, 1.0)


# -- 2. unrolled sum ------------------------------------------------------------------------------------------------
def test_unrolled_identity_holds_to_float_tolerance():
    r = unrolled_sum(layers=40, width=32, alpha=0.5, activation="tanh", seed=3)
    assert r["max_abs_diff_float64"] < 1e-12
    assert r["max_abs_diff_float32"] < 1e-4
    assert r["max_abs_diff_float32"] <= 64 * r["float32_spacing"]  # a few rounding steps, not a real gap


def test_unrolled_terms_are_the_branches_of_the_network():
    r = unrolled_sum(layers=6, width=16, alpha=0.3, activation="sigmoid", seed=1)
    net = DeepNetwork(6, 16, residual=True, alpha=0.3, activation="sigmoid", seed=1).to(torch.float64)
    with torch.no_grad():
        states = net.trace(seeded_input(1, 16, 1))
    rows = r["per_layer"]
    assert [row["layer"] for row in rows] == list(range(7))
    assert rows[0]["block_norm"] is None
    for layer in range(7):
        assert rows[layer]["state_norm"] == pytest.approx(float(states[layer].norm()), rel=1e-12)
    for layer in range(1, 7):  # for sigmoid the branch is never 0, so these are real contributions
        step = states[layer] - states[layer - 1]
        assert rows[layer]["block_norm"] == pytest.approx(float(step.norm()), rel=1e-9)
    assert r["output_norm"] == rows[-1]["state_norm"]
    # triangle inequality: the summed norms bound the distance travelled
    assert r["distance_from_input"] <= rows[-1]["sum_block_norms"] + 1e-12


# -- 5. multiplicative ----------------------------------------------------------------------------------------------
def test_multiplicative_network_shares_weights_and_multiplies():
    nets = twins(3, 8, 0.1, "tanh", 4, kinds=("multiplicative", "residual"))
    mult = nets["multiplicative"]
    plain = DeepNetwork(3, 8, residual=False, activation="tanh", seed=4)
    for a, b in zip(mult.parameters(), plain.parameters(), strict=True):
        assert torch.equal(a, b)
    assert all(isinstance(layer, Multiplicative) for layer in mult.layers)
    x = seeded_input(2, 8, 0, dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(mult.layers[0](x), x * torch.tanh(plain.layers[0].branch.linear(x)))


def test_multiplication_vanishes_where_addition_does_not():
    r = multiplicative_experiment(layers=30, width=64, alpha=0.1, activation="tanh", seed=0)
    first, last = r["per_layer"][0], r["per_layer"][-1]
    assert first["multiplicative_norm"] == first["additive_norm"]  # same input
    assert last["multiplicative_norm"] < 1e-10 * first["multiplicative_norm"]
    assert 0.1 < last["additive_norm"] / first["additive_norm"] < 10
    assert first["multiplicative_grad"] < 1e-10 * last["multiplicative_grad"]
    assert r["rate_multiplicative"] < 0.5 < r["rate_additive"]


def test_relu_multiplication_kills_entries_for_good():
    r = multiplicative_experiment(layers=30, width=64, alpha=0.1, activation="relu", seed=0)
    assert r["zero_share"] > 0.5


def test_chart_rows_are_the_results_columns():
    one = residual_1d("tanh", 0.5, 1.0)
    rows = one_d_rows(one)
    assert len(rows) == 3 * len(one["points"])
    assert [r["value"] for r in rows if r["series"] == "1 + R′(x)"] == [p["dy"] for p in one["points"]]
    unrolled = unrolled_sum(layers=4, width=8)
    terms = unrolled_rows(unrolled)
    assert len(terms) == 3 * 5 - 1  # layer 0 adds no term
    assert all(r["norm"] is not None for r in terms)


# -- command line ---------------------------------------------------------------------------------------------------
def _cli_json(capsys, *args):
    assert cli.main(list(args)) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object
    return json.loads(out)


@pytest.mark.parametrize(
    ("name", "func"),
    [("unrolled", unrolled_sum), ("jacobian", jacobian_spectrum), ("multiplicative", multiplicative_experiment)],
)
def test_network_experiments_on_the_command_line(capsys, name, func):
    args = ["--layers", "5", "--width", "8", "--alpha", "0.2", "--activation", "sigmoid", "--seed", "2"]
    data = _cli_json(capsys, name, *args)
    assert data == json.loads(json.dumps(func(layers=5, width=8, alpha=0.2, activation="sigmoid", seed=2)))


def test_cli_refuses_out_of_bound_values():
    with pytest.raises(SystemExit) as err:
        cli.main(["jacobian", "--layers", "500"])
    assert err.value.code == 2
    with pytest.raises(SystemExit) as err:
        cli.main(["preservation", "--depth", "1e9"])
    assert err.value.code == 2
