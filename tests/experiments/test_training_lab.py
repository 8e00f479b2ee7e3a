"""residual_core.experiments.training_lab: short versions of every training experiment (few steps), their bounds and
the command line."""

from __future__ import annotations

import csv
import inspect
import io
import json
import subprocess
import sys

import pytest
import torch

from residual_core.bounds import BoundError
from residual_core.experiments.training_lab import (
    ALPHAS,
    depth_experiment,
    depth_list,
    every_kth_step,
    gated_experiment,
    scaling_experiment,
    train,
    transformer_experiment,
)
from residual_core.options import DEPTH_SWEEP, GATED, SCALING, TRAIN, TRANSFORMER_TRAINING
from tests.conftest import ROOT

# Small settings: every run below trains in about a second.
SMALL_SEQ = dict(layers=2, steps=40, d_model=16, seq_len=6, batch=16, lr=0.01)
SMALL_MLP = dict(width=16, steps=30, samples=64)


def _mean(points, key="loss"):
    return sum(p[key] for p in points) / len(points)


def _falls(curve, k=5, factor=0.9):
    """The mean of the last k points is clearly below the mean of the first k."""
    return _mean(curve[-k:]) < factor * _mean(curve[:k])


# -- the transformer experiments, and the loop as they use it --------------------------------------------------


def test_train_is_the_variant_of_the_side_by_side_experiment():
    both = transformer_experiment(task="sort", seed=2, **SMALL_SEQ)
    one = train(task="sort", variant="post-ln", seed=2, **SMALL_SEQ)
    assert one["curve"] == next(r for r in both["runs"] if r["variant"] == "post-ln")["curve"]
    assert one["final_loss"] == one["curve"][-1]["loss"]
    assert {"task", "variant", "layers", "steps", "seed", "curve", "final_loss"} <= set(one)
    assert [p["step"] for p in one["curve"]] == list(range(1, SMALL_SEQ["steps"] + 1))


@pytest.mark.parametrize("task", ["sort", "reverse", "text"])
def test_loss_falls_for_the_residual_transformers(task):
    data = transformer_experiment(task=task, seed=0, **SMALL_SEQ)
    runs = {r["variant"]: r for r in data["runs"]}
    for variant in ("post-ln", "pre-ln"):
        assert _falls(runs[variant]["curve"]), (task, variant, runs[variant]["curve"][-5:])
    assert runs["pre-ln"]["curve"][0]["loss"] == pytest.approx(data["chance_loss"], rel=0.25)


@pytest.mark.slow
def test_no_residual_transformer_stays_far_behind_on_sort():
    data = transformer_experiment(task="sort", seed=1, layers=6, steps=60, d_model=16, seq_len=6, batch=16)
    runs = {r["variant"]: r for r in data["runs"]}
    assert _mean(runs["none"]["curve"][-10:]) > 0.9 * data["chance_loss"]  # still at chance
    assert _mean(runs["pre-ln"]["curve"][-10:]) < 0.75 * data["chance_loss"]


@pytest.mark.slow
def test_seeded_runs_repeat_exactly_and_seeds_differ():
    a = transformer_experiment(task="sort", seed=5, **SMALL_SEQ)
    torch.manual_seed(123)  # global state must not matter
    b = transformer_experiment(task="sort", seed=5, **SMALL_SEQ)
    assert a == b
    c = transformer_experiment(task="sort", seed=6, **SMALL_SEQ)
    assert c["runs"][0]["curve"] != a["runs"][0]["curve"]
    assert gated_experiment(depth=4, seed=1, **SMALL_MLP) == gated_experiment(depth=4, seed=1, **SMALL_MLP)


def test_training_neither_reads_nor_moves_the_global_generator():
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    scaling_experiment(depth=3, seed=0, **SMALL_MLP)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_same_curve_whatever_the_callers_thread_count():
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        a = train(task="sort", seed=3, **SMALL_SEQ)
        assert torch.get_num_threads() == 2  # restored after the run
        torch.set_num_threads(1)
        b = train(task="sort", seed=3, **SMALL_SEQ)
    finally:
        torch.set_num_threads(previous)
    assert a == b


def test_progress_reports_steps_and_partial_curves_of_the_final_shape():
    calls, partials = [], []

    def progress(done, total, message=""):
        calls.append((done, total))

    progress.partial = partials.append
    final = gated_experiment(depth=3, seed=0, progress=progress, **SMALL_MLP)
    assert calls[0] == (0, 30) and calls[-1] == (30, 30)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(partials) == len(calls)
    lengths = [len(p["runs"][0]["curve"]) for p in partials]
    assert lengths == sorted(lengths) and lengths[0] == 0 and lengths[-1] == 30
    assert set(partials[-1]) == set(final) and partials[-1]["runs"] == final["runs"]


def test_a_raising_progress_callback_stops_the_run():
    class Stop(Exception):
        pass

    seen = []

    def progress(done, total, message=""):
        seen.append(done)
        if done >= 10:
            raise Stop

    with pytest.raises(Stop):
        depth_experiment(max_depth=4, seed=0, progress=progress, **SMALL_MLP)
    assert max(seen) < 30


# -- the MLP experiments ------------------------------------------------------------------------------------------


def test_depth_sweep_trains_every_depth_and_residuals_learn():
    data = depth_experiment(max_depth=8, seed=0, **SMALL_MLP)
    assert data["depths"] == [2, 4, 8] == [row["depth"] for row in data["final"]]
    assert depth_list(32) == [2, 4, 8, 16, 32] and depth_list(20) == [2, 4, 8, 16, 20]
    for run in data["runs"]:
        assert run["final_loss"] == run["curve"][-1]["loss"]
        if run["block"] == "residual":
            assert _falls(run["curve"]), run["depth"]


@pytest.mark.slow
def test_deep_plain_networks_stall_at_the_baseline_and_residual_ones_do_not():
    # The page's claim at a reduced budget: 48 plain tanh layers barely move from "predict the mean".
    data = depth_experiment(max_depth=48, seed=2, width=16, steps=40, samples=64)
    last = data["final"][-1]
    assert last["depth"] == 48
    assert last["plain"] > 0.9 * data["baseline_loss"]
    assert last["residual"] < 0.5 * data["baseline_loss"]


def test_scaling_runs_every_alpha_and_rezero_starts_at_zero():
    data = scaling_experiment(depth=4, seed=0, **SMALL_MLP)
    assert [r["alpha"] for r in data["runs"]] == [*ALPHAS, "learned"]
    first = [a for a in data["rezero_alphas"] if a["step"] == 1]
    assert len(first) == 4 and all(abs(a["alpha"]) <= 0.011 for a in first)  # one Adam step of lr 0.003 from 0
    for run in data["runs"]:
        assert _falls(run["curve"], factor=0.98), run["label"]


def test_gated_records_one_gate_per_layer_and_learns():
    data = gated_experiment(depth=5, seed=0, **SMALL_MLP)
    last = [g for g in data["gates"] if g["step"] == 30]
    assert [g["layer"] for g in last] == [1, 2, 3, 4, 5] and all(0 < g["gate"] < 1 for g in last)
    gated = next(r for r in data["runs"] if r["block"] == "gated")
    assert _falls(gated["curve"])


def test_heatmap_rows_keep_at_most_30_steps_and_the_last():
    rows = [{"step": s, "layer": 1, "gate": 0.5} for s in range(1, 101)]
    kept = sorted({r["step"] for r in every_kth_step(rows)})
    assert len(kept) <= 30 and kept[0] == 1 and kept[-1] == 100
    assert every_kth_step([]) == []


# -- bounds and the command line ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "kwargs", "needle"),
    [
        (transformer_experiment, {"steps": 601}, "steps must be between 10 and 600"),
        (transformer_experiment, {"layers": 9}, "layers must be between 1 and 8"),
        (transformer_experiment, {"task": "copy"}, "task must be one of"),
        (transformer_experiment, {"lr": 1.0}, "lr must be one of"),
        (depth_experiment, {"max_depth": 65}, "max_depth must be between 2 and 64"),
        (scaling_experiment, {"width": 4}, "width must be between 8 and 64"),
        (gated_experiment, {"samples": 4096}, "samples must be between 32 and 512"),
    ],
)
def test_bounds_are_enforced_before_any_work(fn, kwargs, needle):
    with pytest.raises(BoundError, match=needle):
        fn(**kwargs)


@pytest.mark.parametrize(
    ("fn", "bounds"),
    [
        (train, TRAIN),
        (transformer_experiment, TRANSFORMER_TRAINING),
        (depth_experiment, DEPTH_SWEEP),
        (scaling_experiment, SCALING),
        (gated_experiment, GATED),
    ],
)
def test_function_defaults_are_the_bounds_defaults(fn, bounds):
    # The page and the CLI take their defaults from the bounds; a direct call must train the same run.
    params = inspect.signature(fn).parameters
    for name, bound in bounds.items():
        default = params[name].default
        assert str(default) == str(bound.default) or float(default) == float(bound.default), name


def test_cli_defaults_are_the_page_defaults():
    assert TRAIN["task"].default == TRANSFORMER_TRAINING["task"].default == "sort"
    assert TRAIN["steps"] is TRANSFORMER_TRAINING["steps"] is DEPTH_SWEEP["steps"]
    assert TRAIN["layers"].default == 6


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "residual_core", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.slow
def test_cli_train_prints_one_json_object_with_the_curve():
    args = ["--steps", "10", "--layers", "1", "--d-model", "16", "--batch", "8", "--seq-len", "4", "--seed", "4"]
    r = run_cli("train", "--variant", "none", *args)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["task"] == "sort" and data["variant"] == "none" and data["layers"] == 1 and data["seed"] == 4
    assert data["steps"] == 10 and len(data["curve"]) == 10 and data["final_loss"] == data["curve"][-1]["loss"]
    expected = train(variant="none", steps=10, layers=1, d_model=16, batch=8, seq_len=4, seed=4)
    assert data["curve"] == json.loads(json.dumps(expected["curve"]))
    assert "10/10" in r.stderr  # the progress bar goes to stderr
    csv_out = run_cli("train", "--variant", "none", *args, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert [int(row["step"]) for row in rows] == list(range(1, 11)) and set(rows[0]) == {"step", "loss", "accuracy"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "--steps", "5"], "steps must be between 10 and 600"),
        (["train", "--variant", "post"], "variant must be one of"),
        (["depth-sweep", "--max-depth", "128"], "max_depth must be between 2 and 64"),
    ],
)
@pytest.mark.slow
def test_cli_refuses_values_outside_the_bounds(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2 and needle in r.stderr and not r.stdout
