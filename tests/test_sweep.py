"""claims-sweep (residual_core.sweep): a claim that is false where it says it applies is a mismatch; outside its
condition it is none; the grid reaches each condition's edges; the command's JSON and exit status."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from residual_core import catalog
from residual_core.claims import page_claims
from residual_core.declare import Claim, Page, Verdict
from residual_core.sweep import grid, sweep
from residual_core.where import at_least, equals
from tests.conftest import ROOT


def _page_with(claim: Claim, experiment: str = "residual-1d") -> Page:
    exp = dataclasses.replace(catalog.experiment(experiment), claims=(claim,))
    return Page(key="test", title="Test", icon="", teaser="", experiments=(exp,))


def _false(applies) -> Claim:
    return Claim("never", "Never true.", "a test", lambda r: Verdict(False, "false"), applies=applies)


def test_a_false_claim_where_it_applies_is_a_mismatch_at_every_setting():
    report = sweep([_page_with(_false(equals("g", "tanh")))])
    assert report["claims"] == 1 and report["mismatches"]
    assert {m["settings"]["g"] for m in report["mismatches"]} == {"tanh"}  # only where it applies
    first = report["mismatches"][0]
    assert set(first) == {"page", "claim", "settings", "seeds_held", "condition"}
    assert first["page"] == "test" and first["claim"] == "never" and first["seeds_held"] == []
    assert first["condition"] == "a test; settings: g = tanh"


def test_a_seeded_claim_that_fails_for_one_seed_lists_the_seeds_it_held_for():
    claim = Claim("seed", "Not at seed 3.", "a test", lambda r: Verdict(r["seed"] != 3, ""))
    report = sweep([_page_with(claim, "init-compare")], quick=True)
    assert [m["seeds_held"] for m in report["mismatches"]] == [[0, 1, 2, 4]]


def test_a_true_claim_gives_no_mismatch():
    claim = Claim("always", "Always true.", "a test", lambda r: Verdict(True, ""))
    assert sweep([_page_with(claim)])["mismatches"] == []


def test_the_grid_reaches_each_conditions_edge_and_every_choice():
    exp = catalog.experiment("init-compare")
    depths = {s["depth"] for s in grid(exp)}
    assert {1, 11, 12, 100, 250, 251, 500} <= depths  # init-postpones-vanishing: depth >= 12; <= 250
    flow = grid(catalog.experiment("gradient-flow"))
    assert {(s["activation"], s["init"]) for s in flow} >= {("sigmoid", "he"), ("relu", "orthogonal")}
    assert any(s["alpha"] == 0.0 for s in flow)


def test_claims_json_says_whether_each_claim_applies():
    out = page_claims(catalog.page("vanishing"), {"depth": 5}, seeds=False)
    applies = {c["id"]: c["applies"] for c in out}
    assert applies["init-postpones-vanishing"] is False and applies["residual-ignores-init"] is True
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "residual_core",
            "claims",
            "vanishing",
            "--depth",
            "5",
            "--no-seeds",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = {c["id"]: c["applies"] for c in json.loads(proc.stdout)["claims"]}
    assert shown == applies


@pytest.mark.slow
def test_quick_sweep_exits_0_with_its_report():
    proc = subprocess.run(
        [sys.executable, "-m", "residual_core", "claims-sweep", "--quick", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout
    report = json.loads(proc.stdout)
    assert report["claims"] == sum(len(p.claims) for p in catalog.PAGES) and report["settings"] > 0
    assert report["mismatches"] == []


def test_a_mismatch_exits_1(monkeypatch, capsys):
    from residual_core import cli
    from residual_core import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "sweep", lambda pages, **kw: {"claims": 1, "settings": 1, "mismatches": [{}]})
    assert cli.main(["claims-sweep", "--page", "vanishing", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["mismatches"] == [{}]
    assert at_least("depth", 1).applies({"depth": 1})
