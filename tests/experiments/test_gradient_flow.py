"""residual_core.experiments.gradient_flow: section 3.8 seeded, the seed band, activations, the depth x alpha map,
the text comparison and the ``gradient-flow`` command-line contract."""

from __future__ import annotations

import json
import math

import pytest

from residual_core import cli
from residual_core.experiments.gradient_flow import (
    DEPTH_ALPHA_ALPHAS,
    DEPTH_ALPHA_DEPTHS,
    TEXT_PRINTED,
    TEXT_SETTINGS,
    activation_profile,
    activation_rows,
    cell,
    depth_alpha_columns,
    depth_alpha_map,
    depth_alpha_rows,
    gradient_flow_experiment,
    gradient_flow_vs_text,
    gradient_seed_spread,
    per_layer_band_rows,
    text_comparison,
)
from residual_core.measure import gradient_profile

KEYS = ["depth", "width", "alpha", "activation", "init", "seed", "input_grad_norm", "ratio", "log10", "per_layer"]


def test_contract_and_layer_zero_is_the_input():
    r = gradient_flow_experiment(depth=12, width=16, alpha=0.2, activation="relu", seed=3)
    assert list(r) == KEYS
    assert [row["layer"] for row in r["per_layer"]] == list(range(13))
    assert r["per_layer"][0]["plain"] == r["input_grad_norm"]["plain"]
    assert r["per_layer"][0]["residual"] == r["input_grad_norm"]["residual"]
    assert r["ratio"] == pytest.approx(r["input_grad_norm"]["residual"] / r["input_grad_norm"]["plain"], rel=1e-12)
    g = gradient_profile(12, width=16, alpha=0.2, activation="relu", seed=3)
    assert [row["plain"] for row in r["per_layer"]] == g["plain"]
    assert [row["residual"] for row in r["per_layer"]] == g["residual"]
    assert r["per_layer"][-1]["plain"] == pytest.approx(4.0)  # d sum / d output = ones(16): norm 4


def test_plain_gradient_falls_by_orders_of_magnitude_between_depth_10_and_50_residual_does_not():
    d10 = gradient_flow_experiment(depth=10, seed=0)["input_grad_norm"]
    d50 = gradient_flow_experiment(depth=50, seed=0)["input_grad_norm"]
    assert d50["plain"] < 1e-6 * d10["plain"]
    assert 0.5 < d50["residual"] / d10["residual"] < 2


@pytest.mark.slow
def test_seeded_runs_repeat_exactly_and_seeds_differ():
    a = gradient_flow_experiment(depth=20, width=32, alpha=0.5, activation="sigmoid", seed=9)
    b = gradient_flow_experiment(depth=20, width=32, alpha=0.5, activation="sigmoid", seed=9)
    c = gradient_flow_experiment(depth=20, width=32, alpha=0.5, activation="sigmoid", seed=10)
    assert a == b and a != c


def test_identity_network_passes_the_output_gradient_unchanged():
    # alpha = 0: the residual network is the identity, whatever the (shared) weights
    r = gradient_flow_experiment(depth=30, width=64, alpha=0.0, seed=1)
    assert all(row["residual"] == 8.0 for row in r["per_layer"])


def test_seed_spread_brackets_every_seed():
    s = gradient_seed_spread(depth=15, width=16, alpha=0.1, activation="tanh", seed=4)
    assert s["seeds"] == [4, 5, 6, 7, 8]
    runs = [gradient_flow_experiment(15, 16, 0.1, "tanh", k) for k in s["seeds"]]
    assert [p["plain"] for p in s["per_seed"]] == [r["input_grad_norm"]["plain"] for r in runs]
    for layer, row in enumerate(s["per_layer"]):
        for name in ("plain", "residual"):
            values = [r["per_layer"][layer][name] for r in runs]
            assert row[f"{name}_min"] == min(values) and row[f"{name}_max"] == max(values)
            assert min(values) <= row[f"{name}_geomean"] * (1 + 1e-12)
            assert row[f"{name}_geomean"] <= max(values) * (1 + 1e-12)
    assert s["range"]["ratio"] == [min(p["ratio"] for p in s["per_seed"]), max(p["ratio"] for p in s["per_seed"])]
    calls = []
    gradient_seed_spread(depth=3, width=8, seed=0, count=2, progress=lambda d, t, m="": calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]


def test_plain_activations_stay_away_from_zero_but_stop_depending_on_the_input():
    r = activation_profile(depth=50, width=64, alpha=0.1, activation="tanh", seed=0)
    rows = {(row["network"], row["layer"]): row for row in r["per_layer"]}
    plain_in, plain_out = rows[("plain", 0)], rows[("plain", 50)]
    res_out = rows[("residual", 50)]
    assert plain_out["rms"] > 0.01  # the biases keep the activations alive ...
    assert plain_out["input_spread"] < 1e-8 * plain_in["input_spread"]  # ... but all inputs land on one point
    assert res_out["input_spread"] > 0.3 * plain_in["input_spread"]
    assert plain_out["sample_rms_min"] <= plain_out["rms"] <= plain_out["sample_rms_max"]
    assert r["batch"] == 64 and len(r["per_layer"]) == 2 * 51


def test_depth_alpha_map_grid_identity_and_consistency():
    m = depth_alpha_map(width=16, activation="tanh", seed=2)
    cells = m["cells"]
    assert len(cells) == len(DEPTH_ALPHA_DEPTHS) * (len(DEPTH_ALPHA_ALPHAS) + 1)
    assert m["identity_norm"] == 4.0
    for c in cells:
        if c["network"] == "residual" and c["alpha"] == 0.0:
            assert c["grad_norm"] == 4.0  # the identity network, at every depth
        assert c["log10"] == pytest.approx(math.log10(c["grad_norm"]))
    at = {(c["network"], c["depth"], c["alpha"]): c["grad_norm"] for c in cells}
    ref = gradient_flow_experiment(depth=20, width=16, alpha=0.5, activation="tanh", seed=2)["input_grad_norm"]
    assert at[("plain", 20, None)] == ref["plain"]
    assert at[("residual", 20, 0.5)] == ref["residual"]
    assert at[("plain", 200, None)] < 1e-20 < at[("residual", 200, 0.1)]


def test_text_comparison_derives_from_the_printed_values():
    spread = gradient_seed_spread(**TEXT_SETTINGS, seed=0)
    vs = gradient_flow_vs_text(spread, 0)
    assert vs["printed"] == TEXT_PRINTED
    assert vs["computed"]["plain"] == gradient_flow_experiment(**TEXT_SETTINGS, seed=0)["input_grad_norm"]["plain"]
    assert vs["implied_plain"] == TEXT_PRINTED["residual"] / TEXT_PRINTED["ratio"]
    assert round(vs["implied_plain"], 8) == TEXT_PRINTED["plain"]
    lo, hi = vs["range"]["plain"]
    assert vs["decades"] == pytest.approx(math.log10(hi / lo))
    inside = gradient_flow_vs_text(spread, 0, printed={**TEXT_PRINTED, "plain": math.sqrt(lo * hi)})
    assert inside["printed_plain_outside"] == 0
    above = gradient_flow_vs_text(spread, 0, printed={**TEXT_PRINTED, "plain": hi * 1000})
    assert above["printed_plain_outside"] == pytest.approx(3)
    with pytest.raises(ValueError, match="text's settings"):
        gradient_flow_vs_text(gradient_seed_spread(depth=10, seed=0), 0)
    # the declared experiment: the same comparison, seeds seed .. seed + 4, with progress
    calls = []
    assert text_comparison(seed=0, progress=lambda d, t, m="": calls.append((d, t))) == vs
    assert calls == [(k, 5) for k in range(1, 6)]


def test_cells_and_chart_rows():
    m = depth_alpha_map(width=8, activation="tanh", seed=0)
    assert cell(m, "plain", 20) == next(
        c["grad_norm"] for c in m["cells"] if (c["network"], c["depth"]) == ("plain", 20)
    )
    assert cell(m, "residual", 5, 0.0) == math.sqrt(8)
    rows = depth_alpha_rows(m)
    columns = depth_alpha_columns(m)
    assert columns[0] == "plain" and len(columns) == len(DEPTH_ALPHA_ALPHAS) + 1
    assert {r["column"] for r in rows} == set(columns) and all(r["label"] for r in rows)
    spread = gradient_seed_spread(depth=4, width=8, seed=0, count=2)
    band = per_layer_band_rows(spread)
    assert [r["grad_norm"] for r in band if r["series"] == "plain"] == [row["plain"] for row in spread["per_layer"]]
    assert all(r["seed_min"] <= r["grad_norm"] <= r["seed_max"] for r in band)
    acts = activation_profile(depth=3, width=8, batch=4)
    assert {r["series"] for r in activation_rows(acts)} == {"plain", "residual"}


def test_gradient_flow_cli_contract(capsys):
    argv = ["gradient-flow", "--depth", "50", "--width", "64", "--alpha", "0.1", "--activation", "tanh", "--seed", "0"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert list(data) == KEYS
    assert data == json.loads(json.dumps(gradient_flow_experiment(50, 64, 0.1, "tanh", 0)))
    assert set(data["input_grad_norm"]) == {"plain", "residual"}
    assert data["per_layer"][0] == {"layer": 0, **data["input_grad_norm"]}
    assert data["ratio"] == pytest.approx(data["input_grad_norm"]["residual"] / data["input_grad_norm"]["plain"])
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == out  # same call, same bytes


@pytest.mark.parametrize("name", ["gradient-seeds", "activations", "depth-alpha"])
def test_other_gradient_experiments_print_one_object(capsys, name):
    args = ["--width", "8", "--activation", "relu", "--seed", "1"]
    if name != "depth-alpha":
        args += ["--depth", "4", "--alpha", "0.3"]
    assert cli.main([name, *args]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["width"] == 8 and data["activation"] == "relu"


def test_activation_option_is_bounded():
    with pytest.raises(SystemExit) as err:
        cli.main(["gradient-flow", "--activation", "gelu"])
    assert err.value.code == 2
