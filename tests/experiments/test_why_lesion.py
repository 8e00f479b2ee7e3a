"""/why, section 1: deleting and swapping blocks of trained plain and residual networks (Veit et al. 2016)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from residual_core.bounds import BoundError
from residual_core.experiments import lesion
from residual_core.training.mnist1d import load_mnist1d

SMALL = {"depth": 4, "width": 32, "steps": 100, "seed": 1}


@pytest.fixture(scope="module")
def result():
    return lesion.lesion_experiment(**SMALL)


def test_path_counts_are_binomial():
    for depth in (1, 4, 16):
        paths = lesion.path_counts(depth)
        assert [p["length"] for p in paths] == list(range(depth + 1))
        assert sum(p["paths"] for p in paths) == 2**depth
        assert math.isclose(sum(p["share"] for p in paths), 1.0)
        assert [p["paths"] for p in paths] == [p["paths"] for p in reversed(paths)]
    assert [p["paths"] for p in lesion.path_counts(4)] == [1, 4, 6, 4, 1]


def test_contract(result):
    assert {"depth", "seed", "dataset", "baseline", "deleted"} <= set(result)
    assert result["depth"] == 4 and result["seed"] == 1 and result["dataset"]["name"] == "MNIST-1D"
    assert set(result["baseline"]) == {"plain", "residual"}
    assert [row["block"] for row in result["deleted"]] == [1, 2, 3, 4]
    assert [row["block"] for row in result["swapped"]] == [1, 2, 3]
    assert [row["k"] for row in result["deleted_k"]] == [0, 1, 2, 3, 4]
    values = [result["baseline"][k] for k in ("plain", "residual")]
    values += [
        row[k] for key in ("deleted", "swapped", "deleted_k") for row in result[key] for k in ("plain", "residual")
    ]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert result["deleted_k"][0] == {"k": 0, **result["baseline"]}
    json.dumps(result, allow_nan=False)


def test_the_accuracies_are_those_of_the_networks_with_the_block_removed(result):
    nets, _ = lesion.trained_pair(SMALL["depth"], SMALL["width"], SMALL["steps"], SMALL["seed"])
    data = load_mnist1d()
    for kind, net in nets.items():
        net.blocks[2] = nn.Identity()  # the plain layer replaced by the identity; the residual block's branch dropped
        with torch.no_grad():
            accuracy = float((net(data["x_test"]).argmax(1) == data["y_test"]).double().mean())
        assert accuracy == result["deleted"][2][kind]


def test_both_networks_trained_to_the_same_budget(result):
    # Veit et al. lesioned fully trained networks: the residual one is no longer stopped once it matches the plain
    training = result["training"]
    assert training["plain_steps"] == training["residual_steps"] == SMALL["steps"]
    for kind in ("plain", "residual"):
        assert training["curves"][kind][-1]["step"] == SMALL["steps"]


def test_the_lesion_reading_says_what_is_compared_and_is_computed(result):
    from residual_core.catalog import why_text

    settings = {"depth": SMALL["depth"], "width": SMALL["width"]}
    text = why_text.lesion_text(result, settings)
    assert f"same **{SMALL['steps']} Adam steps**" in text and "not two networks of equal accuracy" in text
    paper = why_text.lesion_paper(result, settings)
    kept_res = lesion.kept(result, "deleted", "residual")
    assert ("barely matters" in paper) == (kept_res >= 0.97)


def test_same_arguments_same_numbers_even_when_trained_again(result):
    lesion._TRAINED.clear()
    again = lesion.lesion_experiment(**SMALL)
    assert again == result
    assert lesion.lesion_experiment(**SMALL) == result  # from the kept networks


def test_kept_networks_are_copies():
    nets, _ = lesion.trained_pair(**{**SMALL, "seed": 2})
    with torch.no_grad():
        nets["plain"].out.weight.zero_()
    fresh, _ = lesion.trained_pair(**{**SMALL, "seed": 2})
    assert fresh["plain"].out.weight.abs().sum() > 0


def test_progress_is_reported_up_to_the_total():
    calls = []
    lesion._TRAINED.clear()
    lesion.lesion_experiment(**{**SMALL, "seed": 3}, progress=lambda d, t, m="": calls.append((d, t, m)))
    assert calls and all(0 <= d <= t for d, t, _ in calls)
    assert calls[-1][0] == calls[-1][1]
    assert any("plain network" in m for _, _, m in calls) and any("residual network" in m for _, _, m in calls)


@pytest.mark.parametrize(("name", "value"), [("depth", 3), ("depth", 25), ("width", 128), ("steps", 5000)])
def test_bounds_are_checked_in_residual_core(name, value):
    with pytest.raises(BoundError, match=name):
        lesion.lesion_experiment(**{**SMALL, name: value})


def test_rows_for_the_charts(result):
    rows = lesion.deleted_rows(result)
    assert {r["network"] for r in rows} == {"plain", "residual", "plain, intact", "residual, intact", "chance"}
    assert len(lesion.swapped_rows(result)) == 2 * 3 + 3 * 2  # two networks, then three dashed levels
    assert len(lesion.table_rows(result)) == 4 and lesion.table_rows(result)[-1]["plain_swapped_with_next"] is None
    assert sum(r["paths"] for r in lesion.path_rows(result)) == 16
    assert {r["network"] for r in lesion.training_rows(result)} == {"plain", "residual"}
