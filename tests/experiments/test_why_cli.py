"""/why from the command line: `lesion`, `landscape`, `shattered` print their contracts; bad values exit 2; the claims
of /why are checked live."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_cli import run_cli


def test_lesion_contract():
    r = run_cli("lesion", "--depth", "4", "--width", "32", "--steps", "100", "--seed", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert {"depth", "seed", "dataset", "baseline", "deleted"} <= set(data)
    assert data["depth"] == 4 and data["seed"] == 2
    assert set(data["baseline"]) == {"plain", "residual"}
    assert [set(row) for row in data["deleted"]] == [{"block", "plain", "residual"}] * 4
    assert all(0 <= row[k] <= 1 for row in data["deleted"] for k in ("plain", "residual"))
    assert "plain network" in r.stderr  # progress on stderr, never on stdout


def test_landscape_contract():
    r = run_cli("landscape", "--depth", "4", "--grid", "11", "--seed", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert {"depth", "seed", "grid", "alphas", "betas", "plain", "residual"} <= set(data)
    assert data["grid"] == 11 and len(data["alphas"]) == len(data["betas"]) == 11
    assert all(len(row) == 11 for row in data["plain"] + data["residual"])


def test_shattered_contract_and_csv():
    r = run_cli("shattered", "--depth", "24", "--width", "64", "--seed", "3")
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert {"depth", "seed", "inputs", "plain", "residual"} <= set(data)
    assert data["depth"] == 24 and len(data["inputs"]) == len(data["plain"]) == len(data["residual"]) == 256
    rows = list(csv.DictReader(io.StringIO(run_cli("shattered", "--depth", "5", "--format", "csv").stdout)))
    assert len(rows) == 256 and set(rows[0]) == {"x", "plain", "residual"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["lesion", "--depth", "3"], "depth must be between 4 and 24"),
        (["lesion", "--steps", "1e9"], "steps must be between 100 and 800"),
        (["landscape", "--grid", "12"], "grid must be an odd whole number"),
        (["shattered", "--depth", "abc"], "depth must be a whole number"),
        (["shattered", "--width", "100000"], "width must be between 16 and 256"),
    ],
)
def test_bad_values_exit_2_with_one_line(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_claims_of_why_at_small_settings():
    args = ["--depth", "8", "--width", "32", "--steps", "100", "--grid", "11", "--no-seeds", "--format", "json"]
    r = run_cli("claims", "why", *args)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    ids = {c["id"] for c in data["claims"]}
    assert {"plain-collapses-without-a-block", "residual-landscape-smoother", "plain-gradient-shatters"} <= ids
    assert all(isinstance(c["holds"], bool) and c["evidence"] for c in data["claims"])
