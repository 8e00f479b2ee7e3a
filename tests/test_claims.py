"""Claims: every check on a setting where it holds and on one where it does not; the two pinned semantics; the
mechanism (seed counts, page filters) and the ``claims`` command for all six pages."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from residual_core import catalog, claims
from residual_core.claims import SEEDS, check, over_seeds, page_claims, settings_for
from residual_core.experiments import training_lab
from tests.conftest import ROOT

CLAIMS = {c.id: c for p in catalog.PAGES for c in p.claims}

# claim id -> (settings where it holds, settings where it does not): real runs of the claim's experiment, the other
# settings at their defaults.
REAL = {
    # /vanishing
    "plain-gradient-vanishes": ({"depth": 50}, {"depth": 50, "init": "xavier"}),
    "residual-gradient-kept": ({"depth": 50}, {"depth": 500, "init": "he"}),
    "init-postpones-vanishing": ({"depth": 50}, {"depth": 1}),
    "residual-ignores-init": ({"depth": 50}, {"depth": 500}),
    # /residual-math
    "derivative-below-one": ({}, {"g": "tanh"}),
    "residual-blocks-below-one": ({"layers": 5, "width": 16}, {"layers": 5, "width": 16, "alpha": 0.0}),
    "residual-keeps-directions": ({}, {"alpha": 2.0, "activation": "relu"}),
    "multiplication-compounds": ({}, {"layers": 1}),
    # /gradient-flow
    "flow-plain-vanishes": ({}, {"depth": 5}),
    "flow-residual-kept": ({}, {"depth": 200, "alpha": 1.0}),
    "plain-forgets-input": ({}, {"depth": 5}),
    "large-branch-explodes": ({"width": 16}, {"width": 16, "activation": "sigmoid"}),
    # /highway
    "highway-plain-vanishes": ({}, {"depth": 5}),
    "closed-gate-carries-gradient": ({}, {"gate_bias": 2.0}),
    # /add-norm
    "post-ln-grows-toward-output": ({}, {"layers": 12, "seed": 2}),
    "pre-ln-shrinks-toward-output": ({}, {"layers": 2, "d_model": "32", "init": "default", "seed": 0}),
    "pre-ln-follows-stream": ({}, {"layers": 24, "d_model": "32", "seed": 0}),
}


def _scale(result: dict, key: str, column: str, factor: float, rows=slice(None)) -> dict:
    """A copy of ``result`` with ``result[key][rows][column]`` multiplied by ``factor``."""
    out = copy.deepcopy(result)
    for row in out[key][rows]:
        row[column] *= factor
    return out


def _set(result: dict, **values) -> dict:
    out = copy.deepcopy(result)
    out.update(values)
    return out


def _lag1(result: dict, network: str, batch_norm: bool, depth: int, value: float) -> dict:
    """A copy of a ``shattered-depths`` result with one network's lag-1 autocorrelation at ``depth`` set."""
    out = copy.deepcopy(result)
    for row in out["rows"]:
        if (row["network"], row["batch_norm"], row["depth"]) == (network, batch_norm, depth):
            row["lag1"] = value
    return out


# Claims that hold at every setting within the page's bounds (identities the code guarantees, or trends no allowed
# setting reverses): their check is shown failing on a real result altered the way a broken model would alter it.
# claim id -> (settings, alteration).
ALTERED = {
    "depth-still-costs": (
        {"depth": 20},
        lambda r: _set(r, rate={**r["rate"], "xavier": {"plain": 1.01, "residual": 1.0}}),
    ),
    "unrolled-sum-exact": ({"layers": 5}, lambda r: _set(r, max_abs_diff_float32=100 * r["float32_spacing"])),
    "residual-keeps-inputs-apart": (
        {"depth": 10},
        lambda r: _scale(r, "per_layer", "input_spread", 0.1, slice(12, 22)),  # residual rows after layer 0
    ),
    "identity-at-alpha-zero": ({"width": 8}, lambda r: _scale(r, "cells", "grad_norm", 1 + 1e-9, slice(1, 2))),
    "unscaled-residual-grows": ({"depth": 5}, lambda r: _scale(r, "per_layer", "residual", 1e-3, slice(0, 1))),
    "uncoupled-gates-reproduce": ({"width": 8}, lambda r: _set(r, exact_residual=False)),
    "post-ln-steeper-than-pre-ln": ({}, lambda r: _scale(r, "per_layer", "pre_ln", 100.0, slice(-1, None))),
    "pre-ln-stream-grows": ({}, lambda r: _scale(r, "stream", "pre_ln", 0.01, slice(-1, None))),
    "dropout-spares-skip": ({}, lambda r: _set(r, skip_exact=False)),
    # /why, at the page's defaults (where each claim holds for seeds 0-4; its conditions name where it does not)
    "plain-collapses-without-a-block": ({}, lambda r: _scale(r, "deleted", "plain", 10.0)),
    "residual-degrades-gracefully": ({}, lambda r: _scale(r, "deleted", "residual", 0.5)),
    "residual-ahead-for-every-block": ({}, lambda r: _scale(r, "deleted", "residual", 0.0, slice(0, 1))),
    "swapping-blocks": ({}, lambda r: _scale(r, "swapped", "residual", 0.5)),
    "comparable-accuracy": (
        {},
        lambda r: _set(r, baseline={**r["baseline"], "residual": r["baseline"]["plain"] - 0.1}),
    ),
    "residual-landscape-smoother": (
        {},
        lambda r: _set(r, roughness={**r["roughness"], "residual": r["roughness"]["plain"]}),
    ),
    "residual-landscape-convex": ({}, lambda r: _set(r, nonconvex={"plain": 0.2, "residual": 0.1})),
    "plain-gradient-shatters": ({}, lambda r: _set(r, lag1={**r["lag1"], "plain": 0.9})),
    "residual-gradient-correlated": ({}, lambda r: _set(r, lag1={**r["lag1"], "residual": 0.1})),
    "shattering-needs-batch-norm": ({}, lambda r: _lag1(r, "plain", False, max(r["depths"]), 0.0)),
    "residual-correlated-at-every-depth": ({}, lambda r: _lag1(r, "residual", True, r["depths"][0], 0.2)),
}

# Training claims: one small real run gives the result's shape; its final losses are then set to a case where the
# claim holds and to one where it does not (a real run per case would be a training run per test).
SMALL_TRAINING = {
    "transformer": {"layers": 1, "steps": 10, "d_model": 16, "seq_len": 4, "batch": 8},
    "depth-sweep": {"max_depth": 4, "steps": 10, "width": 8, "samples": 32},
    "scaling": {"depth": 2, "steps": 10, "width": 8, "samples": 32},
    "gated": {"depth": 2, "steps": 10, "width": 8, "samples": 32},
    "highway-train": {"layers": 20, "steps": 50},
}


def _runs(result: dict, key: str, losses: dict, accuracy: dict | None = None) -> dict:
    out = copy.deepcopy(result)
    for run in out["runs"]:
        if run[key] in losses:
            run["final_loss"] = losses[run[key]]
        if accuracy and run[key] in accuracy:
            run["final_accuracy"] = accuracy[run[key]]
    return out


def _final(result: dict, index: int, plain: float, residual: float, kept: float | None = None) -> dict:
    out = copy.deepcopy(result)
    out["final"][index].update(plain=plain, residual=residual)
    if kept is not None:
        out["init_gradient"][index]["plain"] = kept
    return out


LN10 = 2.302585092994046
TRAINED = {
    "residual-beats-no-residual": (
        lambda r: _runs(r, "variant", {"post-ln": 0.3, "pre-ln": 0.2, "none": 2.2}),
        lambda r: _runs(r, "variant", {"post-ln": 2.3, "pre-ln": 0.2, "none": 2.2}),
    ),
    "no-residual-stays-near-chance": (
        lambda r: _runs(r, "variant", {"none": 0.95 * r["chance_loss"]}),
        lambda r: _runs(r, "variant", {"none": 0.8 * r["chance_loss"]}),
    ),
    "residual-below-half-chance": (
        lambda r: _runs(r, "variant", {"post-ln": 0.4 * r["chance_loss"], "pre-ln": 0.3 * r["chance_loss"]}),
        lambda r: _runs(r, "variant", {"post-ln": 0.4 * r["chance_loss"], "pre-ln": 0.6 * r["chance_loss"]}),
    ),
    "residual-accuracy-above-guessing": (
        lambda r: _runs(r, "variant", {}, {"post-ln": 0.9, "pre-ln": 0.9}),
        lambda r: _runs(r, "variant", {}, {"post-ln": 0.9, "pre-ln": 0.0}),
    ),
    "deep-plain-trains-worse": (lambda r: _final(r, -1, 0.8, 0.01), lambda r: _final(r, -1, 0.05, 0.001)),
    "shallow-plain-keeps-up": (lambda r: _final(r, 0, 0.06, 0.05), lambda r: _final(r, 0, 0.3, 0.05)),
    "plain-degrades-without-vanishing": (
        lambda r: _final(r, -1, 0.7, 0.001, kept=0.07),
        lambda r: _final(r, -1, 0.7, 0.001, kept=1e-17),
    ),
    "larger-alpha-trains-faster": (
        lambda r: _runs(r, "alpha", {0.1: 0.1, 2.0: 0.001}),
        lambda r: _runs(r, "alpha", {0.1: 0.001, 2.0: 0.1}),
    ),
    "gated-and-residual-beat-plain": (
        lambda r: _runs(r, "block", {"gated": 0.01, "residual": 0.005, "plain": 0.1}),
        lambda r: _runs(r, "block", {"gated": 0.2, "residual": 0.005, "plain": 0.1}),
    ),
    "gated-slower-than-residual": (
        lambda r: _runs(r, "block", {"gated": 0.01, "residual": 0.005}),
        lambda r: _runs(r, "block", {"gated": 0.004, "residual": 0.005}),
    ),
    "plain-trains-worst": (
        lambda r: _set(r, test={"plain": 0.9, "highway": 0.2, "residual": 0.3}),
        lambda r: _set(r, test={"plain": 0.35, "highway": 0.2, "residual": 0.3}),
    ),
}


def test_every_claim_is_tested_once():
    tables = [set(REAL), set(ALTERED), set(TRAINED)]
    assert sum(len(t) for t in tables) == len(set().union(*tables))  # no claim in two tables
    assert set().union(*tables) == set(CLAIMS)
    assert len(CLAIMS) == sum(len(p.claims) for p in catalog.PAGES)  # ids are unique across pages


def test_all_six_concept_pages_make_claims():
    assert all(p.claims for p in catalog.PAGES if p.key)


_RESULTS: dict[str, dict] = {}


def result_for(claim_id: str, values: dict) -> dict:
    exp = catalog.experiment(CLAIMS[claim_id].experiment)
    kwargs = settings_for(exp, values)
    key = json.dumps([exp.name, kwargs], sort_keys=True)
    if key not in _RESULTS:
        _RESULTS[key] = exp.func(**kwargs)
    return _RESULTS[key]


@pytest.mark.parametrize("claim_id", list(REAL))
def test_claim_holds_and_fails_on_real_settings(claim_id):
    holds, fails = REAL[claim_id]
    claim = CLAIMS[claim_id]
    yes, no = claim.check(result_for(claim_id, holds)), claim.check(result_for(claim_id, fails))
    assert yes.holds is True, yes.evidence
    assert no.holds is False, no.evidence
    assert yes.evidence and no.evidence and yes.evidence != no.evidence


@pytest.mark.parametrize("claim_id", list(ALTERED))
def test_claim_holds_on_a_real_result_and_fails_on_an_altered_one(claim_id):
    values, alter = ALTERED[claim_id]
    claim = CLAIMS[claim_id]
    result = result_for(claim_id, values)
    assert claim.check(result).holds is True, claim.check(result).evidence
    assert claim.check(alter(result)).holds is False


def small_training_result(name: str) -> dict:
    key = f"training:{name}"
    if key not in _RESULTS:
        exp = catalog.experiment(name)
        kwargs = {k: b.default for k, b in exp.bounds.items()}
        _RESULTS[key] = exp.func(**{**kwargs, **SMALL_TRAINING[name]})
    return _RESULTS[key]


@pytest.mark.parametrize("claim_id", list(TRAINED))
def test_training_claim_on_a_run_where_it_holds_and_one_where_it_does_not(claim_id):
    claim = CLAIMS[claim_id]
    result = small_training_result(claim.experiment)
    claim.check(result)  # the real run's shape is what the check reads
    make_hold, make_fail = TRAINED[claim_id]
    assert claim.check(make_hold(result)).holds is True
    assert claim.check(make_fail(result)).holds is False


# -- the two claims whose semantics are pinned -------------------------------------------------------------------------
def test_plain_gradient_vanishes_exactly_below_one_thousandth():
    claim = CLAIMS["plain-gradient-vanishes"]
    base = result_for("plain-gradient-vanishes", {"depth": 5})
    for share, expected in [(0.99e-3, True), (1e-3, False), (1.01e-3, False)]:
        r = copy.deepcopy(base)
        r["measured"][0]["plain"] = share * r["measured"][-1]["plain"]
        assert claim.check(r).holds is expected, share


def test_post_ln_grows_exactly_when_the_last_layer_beats_the_first():
    claim = CLAIMS["post-ln-grows-toward-output"]
    base = result_for("post-ln-grows-toward-output", {})
    for factor, expected in [(1.0001, True), (1.0, False), (0.9999, False)]:
        r = copy.deepcopy(base)
        r["per_layer"][-1]["post_ln"] = factor * r["per_layer"][0]["post_ln"]
        assert claim.check(r).holds is expected, factor


# -- the mechanism ---------------------------------------------------------------------------------------------------
def test_seed_counts_are_counted_from_each_seeds_result():
    claim = CLAIMS["plain-gradient-vanishes"]
    exp = catalog.experiment("products")
    kwargs = settings_for(exp, {"depth": 12})
    calls = []

    def run(e, kw):
        calls.append(kw["seed"])
        r = e.func(**kw)
        if kw["seed"] in (1, 3):  # make two seeds fail: the count must follow the results, not a typed number
            r["measured"][0]["plain"] = r["measured"][-1]["plain"]
        return r

    counted = over_seeds(claim, exp, kwargs, run)
    assert calls == list(SEEDS)
    expected = [claim.check(exp.func(**{**kwargs, "seed": s})).holds and s not in (1, 3) for s in SEEDS]
    assert counted["holds"] == expected and counted["count"] == sum(expected)


def test_page_claims_runs_each_experiment_once_per_setting():
    page = catalog.page("add-norm")
    calls = []

    def run(e, kw):
        calls.append((e.name, kw["seed"]))
        return e.func(**kw)

    out = page_claims(page, {"layers": 2, "d_model": "32", "heads": "2"}, run=run)
    assert [c["id"] for c in out] == [c.id for c in page.claims]
    assert sorted(calls) == sorted({(n, s) for n in ("add-norm", "dropout") for s in SEEDS})
    for entry in out:
        assert entry["seeds"]["count"] == sum(entry["seeds"]["holds"])


def test_only_some_experiments():
    page = catalog.page("training")
    assert [c.experiment for c in claims.claims_of(page, ["scaling"])] == ["scaling"]
    assert set(claims.page_bounds(page, ["scaling"])) == set(catalog.experiment("scaling").bounds)


def test_check_reports_the_verdict():
    claim = CLAIMS["derivative-below-one"]
    entry = check(claim, result_for("derivative-below-one", {}))
    assert set(entry) == {"id", "text", "condition", "holds", "evidence"} and entry["holds"] is True


# -- the command line -----------------------------------------------------------------------------------------------
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "residual_core", "claims", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


CHEAP = {
    "vanishing": ["--depth", "20"],
    "residual-math": ["--layers", "5", "--width", "8"],
    "gradient-flow": ["--depth", "10", "--width", "8"],
    "highway": ["--experiment", "highway", "--experiment", "gate-check", "--depth", "10", "--width", "8"],
    "add-norm": ["--layers", "2", "--d-model", "32", "--heads", "2", "--init", "default", "--seed", "2"],
    "training": ["--experiment", "scaling", "--depth", "2", "--steps", "10", "--width", "8", "--samples", "32"],
}


def claims_main(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m residual_core claims ARGS`` in this process: (exit status, stdout, stderr)."""
    from residual_core import cli

    try:
        code = cli.main(["claims", *args])
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("page", list(CHEAP))
def test_claims_command_works_for_every_page(capsys, page):
    code, out, err = claims_main(capsys, page, *CHEAP[page], "--format", "json", "--no-seeds")
    assert code == 0, err[-2000:]
    data = json.loads(out)
    assert data["page"] == page and data["claims"]
    for entry in data["claims"]:
        assert {"id", "text", "condition", "holds", "evidence"} <= set(entry)
        assert entry["id"] in CLAIMS and isinstance(entry["holds"], bool)


def test_claims_command_agrees_with_the_library_and_counts_seeds():
    r = run_cli("vanishing", "--depth", "30", "--init", "xavier", "--seed", "3", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    expected = page_claims(catalog.page("vanishing"), {"depth": 30, "init": "xavier", "seed": 3})
    assert json.loads(json.dumps(expected)) == data["claims"]
    assert all(c["seeds"]["seeds"] == list(SEEDS) for c in data["claims"])


@pytest.mark.parametrize(
    "args", [["nope"], ["highway", "--experiment", "nope"], ["vanishing", "--depth", "0"], ["vanishing", "--init", "x"]]
)
def test_claims_command_refuses_bad_input_in_one_line(capsys, args):
    code, out, err = claims_main(capsys, *args)
    assert code == 2 and out == ""
    assert "Traceback" not in err and err.strip()
    if args == ["nope"]:
        assert err.count("\n") == 1


def test_training_lab_run_result_is_what_the_claims_read():
    # the transformer claims read the run's own fields (chance loss, final losses and accuracies per variant)
    r = training_lab.transformer_experiment(layers=1, steps=10, d_model=16, seq_len=4, batch=8, seed=1)
    for claim in catalog.page("training").claims:
        if claim.experiment == "transformer":
            verdict = claim.check(r)
            assert isinstance(verdict.holds, bool) and "seed 1" in verdict.evidence
    assert abs(r["chance_loss"] - LN10) < 1e-12  # sort: V = 10


# -- takeaways ------------------------------------------------------------------------------------------------------
FIGURES = [(e.name, f.key) for e in catalog.EXPERIMENTS.values() for f in e.figures]


@pytest.mark.parametrize(("name", "key"), FIGURES, ids=[f"{n}-{k}" for n, k in FIGURES])
def test_every_figure_has_a_takeaway_computed_from_its_result(name, key):
    from tests.test_catalog import small_result

    fig = catalog.experiment(name).figure(key)
    assert fig.takeaway is not None, f"{name}/{key} has no takeaway"
    result = small_result(name)
    text = fig.takeaway(result)
    assert isinstance(text, str) and text.endswith(".") and len(text) > 20
    assert "{" not in text and "nan" not in text.lower().split()


def test_takeaways_follow_the_data():
    fig = catalog.experiment("products").figure("gradients")
    a = result_for("plain-gradient-vanishes", {"depth": 20, "seed": 1})
    b = result_for("plain-gradient-vanishes", {"depth": 20, "init": "xavier", "seed": 1})
    assert fig.takeaway(a) != fig.takeaway(b)
    assert "Xavier" in fig.takeaway(b) and "seed 1" in fig.takeaway(b)
