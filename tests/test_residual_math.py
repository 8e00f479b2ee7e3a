"""residual_core: the residual math page's computations (1-D residual, unrolled sum, preservation, Jacobian,
multiplicative stacking) and their command-line experiments."""

from __future__ import annotations

import json
import math

import pytest
import torch

from residual_core import cli
from residual_core.bounds import RESIDUAL_1D_GRID
from residual_core.networks import DeepNetwork, seeded_input
from residual_core.residual_math import MultiplicativeNetwork, multiplicative_experiment, residual_1d, unrolled_sum
from residual_core.rm_jacobian import jacobian_spectrum, layer_jacobians
from residual_core.rm_preservation import TEXT_PRINTED, preservation_experiment, preservation_vs_text


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
    share = sum(p["dy"] < 1 for p in r["points"]) / len(r["points"])
    assert r["share_below_one"] == pytest.approx(share)


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


# -- 3. preservation ------------------------------------------------------------------------------------------------
def test_preservation_contract_and_exact_scaling():
    r = preservation_experiment(depth=100, shrink=0.9, update=0.01, seed=0)
    assert list(r) == [
        "depth",
        "shrink",
        "update",
        "seed",
        "input_norm",
        "output_norm_plain",
        "output_norm_residual",
        "per_layer",
    ]
    assert [row["layer"] for row in r["per_layer"]] == list(range(101))
    assert r["per_layer"][0] == {"layer": 0, "plain": r["input_norm"], "residual": r["input_norm"]}
    assert r["output_norm_plain"] / r["input_norm"] == pytest.approx(0.9**100, rel=1e-10)
    assert r["output_norm_residual"] / r["input_norm"] == pytest.approx(1.01**100, rel=1e-10)
    assert r["per_layer"][-1]["plain"] == r["output_norm_plain"]


def test_preservation_input_is_the_texts_seeded_randn():
    r = preservation_experiment(depth=3, seed=7)
    state = torch.random.get_rng_state()
    torch.manual_seed(7)
    expected = float(torch.randn(1, 10, 512).to(torch.float64).norm())  # no underflow at this size
    torch.random.set_rng_state(state)
    assert r["input_norm"] == pytest.approx(expected, rel=1e-14)
    assert 60 < r["input_norm"] < 85  # about sqrt(5120) = 71.6, nowhere near the printed 226.4


def test_preservation_is_deterministic_and_seed_dependent():
    assert preservation_experiment(50, 0.8, 0.02, 4) == preservation_experiment(50, 0.8, 0.02, 4)
    assert preservation_experiment(5, seed=4)["input_norm"] != preservation_experiment(5, seed=5)["input_norm"]


def test_deep_preservation_does_not_underflow():
    r = preservation_experiment(depth=1000, shrink=0.5, update=0.0, seed=0)
    assert r["output_norm_plain"] > 0  # 0.5^1000 * 71 ~ 7e-300, still a float64
    assert r["output_norm_residual"] == pytest.approx(r["input_norm"])


def test_comparison_with_the_text_is_derived_from_the_printed_values():
    vs = preservation_vs_text(seed=0)
    run = preservation_experiment(100, 0.9, 0.01, 0)
    assert vs["printed"] == TEXT_PRINTED
    assert vs["computed"]["input_norm"] == run["input_norm"]
    assert vs["n"] == 5120 and vs["sqrt_n"] == pytest.approx(math.sqrt(5120))
    assert vs["factor_plain"] == pytest.approx(0.9**100) and vs["ratio_plain"] == pytest.approx(0.9**100)
    assert vs["factor_residual"] == pytest.approx(1.01**100)
    assert vs["printed_elements_per_512"] == pytest.approx(226.4392**2 / 512)
    assert 0.9 ** vs["plain_layers_implied"] == pytest.approx(vs["printed_ratio_plain"])
    # the printed residual output is consistent with the printed input (within 0.1 %), the plain one is not
    assert vs["printed_ratio_residual"] == pytest.approx(vs["factor_residual"], rel=1e-3)
    assert vs["printed_ratio_plain"] < 1e-4 * vs["factor_plain"]
    # a different quotation changes the derivation: nothing is hard-coded downstream
    other = preservation_vs_text(seed=0, printed={**TEXT_PRINTED, "input_norm": 71.6})
    assert other["printed_elements_per_512"] == pytest.approx(71.6**2 / 512)


# -- 4. Jacobian ----------------------------------------------------------------------------------------------------
def test_layer_jacobians_match_autograd_of_each_step():
    net = DeepNetwork(3, 8, residual=True, alpha=0.4, activation="tanh", seed=2)
    x = seeded_input(1, 8, 2)
    jac = layer_jacobians(net, x)
    state = x.reshape(-1).to(torch.float64)
    for i, j in enumerate(jac):
        expected = torch.autograd.functional.jacobian(lambda v, i=i: net.step(i, v), state)
        assert torch.allclose(j, expected, atol=1e-14)
        state = net.step(i, state).detach()


def test_end_to_end_spectrum_matches_autograd_of_the_whole_network():
    r = jacobian_spectrum(layers=6, width=10, alpha=0.3, activation="tanh", seed=5)
    x = seeded_input(1, 10, 5).reshape(-1)
    for name, residual in (("plain", False), ("residual", True)):
        net = DeepNetwork(6, 10, residual=residual, alpha=0.3, activation="tanh", seed=5).to(torch.float64)
        full = torch.autograd.functional.jacobian(net, x)
        expected = torch.linalg.svdvals(full).tolist()
        assert [row[name] for row in r["spectrum"]] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    first = r["per_layer"][0]
    assert all(first[k] == pytest.approx(1.0) for k in first if k != "layer")


def test_residual_spectrum_stays_near_one_while_plain_collapses():
    r = jacobian_spectrum(layers=30, width=64, alpha=0.1, activation="tanh", seed=0)
    last = r["per_layer"][-1]
    assert last["residual_min"] > 0.3 and last["residual_max"] < 3
    assert last["plain_max"] < 1e-4
    assert last["residual_min"] > 1e10 * last["plain_min"]


def test_at_least_one_fails_for_matrices_but_the_lower_bound_holds():
    r = jacobian_spectrum(layers=20, width=32, alpha=0.2, activation="tanh", seed=1)
    assert r["blocks_below_one"] > 0  # singular values below 1 exist
    for b in r["blocks"]:
        assert b["lower_bound"] <= b["sigma_min"] + 1e-12 <= b["sigma_max"] + 2e-12
    assert r["blocks_below_one"] == sum(b["sigma_min"] < 1 for b in r["blocks"])
    assert 0 < r["plain_layer_share_below_one"] <= 1


# -- 5. multiplicative ----------------------------------------------------------------------------------------------
def test_multiplicative_network_shares_weights_and_multiplies():
    mult = MultiplicativeNetwork(3, 8, activation="tanh", seed=4)
    plain = DeepNetwork(3, 8, residual=False, activation="tanh", seed=4)
    for a, b in zip(mult.parameters(), plain.parameters(), strict=True):
        assert torch.equal(a, b)
    x = seeded_input(2, 8, 0, dtype=torch.float32)
    with torch.no_grad():
        assert torch.allclose(mult.step(0, x), x * torch.tanh(plain.layers[0](x)))


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


# -- command line ---------------------------------------------------------------------------------------------------
def _cli_json(capsys, *args):
    assert cli.main(list(args)) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object
    return json.loads(out)


def test_preservation_cli_contract(capsys):
    data = _cli_json(capsys, "preservation", "--depth", "100", "--shrink", "0.9", "--update", "0.01", "--seed", "0")
    assert data == json.loads(json.dumps(preservation_experiment(100, 0.9, 0.01, 0)))
    assert set(data) == {
        "depth",
        "shrink",
        "update",
        "seed",
        "input_norm",
        "output_norm_plain",
        "output_norm_residual",
        "per_layer",
    }
    assert set(data["per_layer"][0]) == {"layer", "plain", "residual"}


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
    with pytest.raises(SystemExit):
        cli.main(["preservation", "--depth", "1e9"])
