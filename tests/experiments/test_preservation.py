"""residual_core.experiments.preservation: the reference text's section 3.5 loop, live, and its printed numbers."""

from __future__ import annotations

import json
import math

import pytest
import torch

from residual_core import cli
from residual_core.experiments.preservation import (
    TEXT_PRINTED,
    preservation_experiment,
    preservation_rows,
    preservation_vs_text,
    stable_norm,
    text_input,
)


# -- the loop ------------------------------------------------------------------------------------------------
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


def test_stable_norm_does_not_underflow():
    x = torch.full((4,), 1e-200, dtype=torch.float64)
    assert float(x.norm()) == 0.0  # the squares underflow
    assert stable_norm(x) == pytest.approx(2e-200, rel=1e-12)
    assert stable_norm(torch.zeros(3)) == 0.0
    assert stable_norm(text_input(0)) == pytest.approx(float(text_input(0).double().norm()), rel=1e-6)


def test_chart_rows():
    r = preservation_experiment(depth=5, seed=0)
    rows = preservation_rows(r)
    assert [row["norm"] for row in rows if row["series"] == "plain"] == [p["plain"] for p in r["per_layer"]]


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
