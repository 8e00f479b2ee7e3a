"""Claims: every claim's check on the setting where it declares it holds and on the one where it fails (no table
here: a new claim is tested as soon as it is declared); the two pinned semantics; the mechanism (seed counts, page
filters, cases) and the ``claims`` command for all six pages."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys

import pytest

from residual_core import catalog, claims
from residual_core.claims import SEEDS, check, over_seeds, page_claims, settings_for
from residual_core.experiments import training_lab
from tests.conftest import ROOT

CLAIMS = {c.id: c for _, c in catalog.claims()}
OWNER = {c.id: e for e, c in catalog.claims()}  # claim id -> the experiment that owns it

LN10 = 2.302585092994046


def test_every_claim_declares_where_it_holds_and_where_it_fails():
    assert len(CLAIMS) == sum(len(p.claims) for p in catalog.PAGES)  # ids are unique across pages
    for exp, claim in catalog.claims():
        assert claim.holds is not None and claim.fails is not None, claim.id
        for setting in (claim.holds, claim.fails):
            assert callable(setting) or set(setting) <= set(exp.bounds), (claim.id, setting)
        assert catalog.owner(claim) is exp and claim in catalog.page_of(claim).claims


def test_all_six_concept_pages_make_claims():
    assert all(p.claims for p in catalog.PAGES if p.key)


_RESULTS: dict[str, dict] = {}


def run_once(exp, kwargs: dict) -> dict:
    """``exp.func(**kwargs)``, computed once per test session."""
    key = json.dumps([exp.name, kwargs], sort_keys=True)
    if key not in _RESULTS:
        _RESULTS[key] = exp.func(**kwargs)
    return _RESULTS[key]


def result_for(claim_id: str, values: dict) -> dict:
    exp = OWNER[claim_id]
    return run_once(exp, settings_for(exp, values))


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_claim_holds_where_it_says_and_fails_where_it_says(claim_id):
    """Every claim of every experiment, on its own ``holds`` and ``fails``: real runs at settings within the bounds,
    or a real result (at ``holds``, else at the experiment's ``example``: a small training run) altered the way a
    broken model would alter it."""
    claim = CLAIMS[claim_id]
    holding, failing = claims.cases(OWNER[claim_id], claim, run_once)
    yes, no = claim.check(holding), claim.check(failing)
    assert yes.holds is True, yes.evidence
    assert no.holds is False, no.evidence
    assert yes.evidence and no.evidence
    if isinstance(claim.holds, dict) and isinstance(claim.fails, dict):
        assert yes.evidence != no.evidence


def test_cases_follow_the_declared_settings():
    flow = catalog.experiment("gradient-flow")
    claim = flow.claim("flow-plain-vanishes")
    calls = []

    def run(exp, kwargs):
        calls.append(kwargs)
        return run_once(exp, kwargs)

    claims.cases(flow, claim, run)
    defaults = {k: b.default for k, b in flow.bounds.items()}
    assert calls == [defaults, {**defaults, "depth": 5}]  # holds={}, fails={"depth": 5}: real runs at the defaults
    calls.clear()
    scaling = catalog.experiment("scaling")
    holding, failing = claims.cases(scaling, scaling.claim("larger-alpha-trains-faster"), run)
    assert calls == [{**{k: b.default for k, b in scaling.bounds.items()}, **scaling.example}]  # one small run
    assert holding is not failing and holding["runs"] != failing["runs"]
    with pytest.raises(ValueError, match="no setting where it fails"):
        claims.cases(flow, dataclasses.replace(claim, fails=None), run)


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
    assert [e.name for e, _ in claims.claims_of(page, ["scaling"])] == ["scaling"]
    assert set(claims.page_bounds(page, ["scaling"])) == set(catalog.experiment("scaling").bounds)


def test_check_reports_the_verdict():
    claim = CLAIMS["derivative-below-one"]
    entry = check(claim, result_for("derivative-below-one", {}), settings_for(OWNER[claim.id], {}))
    assert set(entry) == {"id", "text", "condition", "holds", "applies", "evidence"} and entry["holds"] is True
    assert entry["applies"] is True and entry["condition"] == claim.stated


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


@pytest.mark.slow
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
    for claim in catalog.experiment("transformer").claims:
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
