"""residual_core.experiments.jacobian: the layers' Jacobians and the end-to-end spectrum, plain against residual."""

from __future__ import annotations

import pytest
import torch

from residual_core.experiments.jacobian import jacobian_spectrum, layer_jacobians, per_layer_band_rows, spectrum_rows
from residual_core.models.networks import DeepNetwork, twins
from residual_core.seeding import seeded_input


# -- Jacobians ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["plain", "residual", "multiplicative"])
def test_layer_jacobians_match_autograd_of_each_step(kind):
    net = twins(3, 8, 0.4, "tanh", 2, kinds=(kind,))[kind]
    x = seeded_input(1, 8, 2)
    jac = layer_jacobians(net, x)
    assert len(jac) == 3 and all(j.dtype == torch.float64 and j.shape == (8, 8) for j in jac)
    state = x.reshape(-1).to(torch.float64)
    for layer, j in zip(net.layers, jac, strict=True):
        expected = torch.autograd.functional.jacobian(layer, state)
        assert torch.allclose(j, expected, atol=1e-14)
        state = layer(state).detach()


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


def test_chart_rows():
    r = jacobian_spectrum(layers=3, width=8)
    assert [row["singular_value"] for row in spectrum_rows(r) if row["series"] == "plain"] == [
        s["plain"] for s in r["spectrum"]
    ]
    band = per_layer_band_rows(r)
    assert len(band) == 2 * 4 and set(band[0]) == {"layer", "series", "min", "median", "max"}
