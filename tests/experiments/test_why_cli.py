"""/why from the command line: `lesion`, `landscape`, `shattered` print their contracts; bad values exit 2; the claims
of /why are checked live. (In-process through ``cli.main``; tests/test_cli.py runs every experiment as a real
subprocess at its defaults.)"""

from __future__ import annotations

import csv
import io
import json

import pytest

from residual_core import cli
from residual_core.experiments import lesion


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lesion_contract(capsys):
    lesion._TRAINED.clear()  # trains here (another test may have kept these networks)
    code, out, err = run(capsys, "lesion", "--depth", "4", "--width", "32", "--steps", "100", "--seed", "2")
    assert code == 0, err[-2000:]
    data = json.loads(out)
    assert out.count("\n") == 1
    assert {"depth", "seed", "dataset", "baseline", "deleted"} <= set(data)
    assert data["depth"] == 4 and data["seed"] == 2
    assert set(data["baseline"]) == {"plain", "residual"}
    assert [set(row) for row in data["deleted"]] == [{"block", "plain", "residual"}] * 4
    assert all(0 <= row[k] <= 1 for row in data["deleted"] for k in ("plain", "residual"))
    assert "plain network" in err  # progress on stderr, never on stdout


@pytest.mark.slow
def test_landscape_contract(capsys):
    code, out, err = run(capsys, "landscape", "--depth", "4", "--grid", "11", "--seed", "1")
    assert code == 0, err[-2000:]
    data = json.loads(out)
    assert {"depth", "seed", "grid", "alphas", "betas", "plain", "residual"} <= set(data)
    assert data["grid"] == 11 and len(data["alphas"]) == len(data["betas"]) == 11
    assert all(len(row) == 11 for row in data["plain"] + data["residual"])


def test_shattered_contract_and_csv(capsys):
    code, out, err = run(capsys, "shattered", "--depth", "24", "--width", "64", "--seed", "3")
    assert code == 0, err[-2000:]
    data = json.loads(out)
    assert {"depth", "seed", "inputs", "plain", "residual"} <= set(data)
    assert data["depth"] == 24 and len(data["inputs"]) == len(data["plain"]) == len(data["residual"]) == 256
    code, out, _ = run(capsys, "shattered", "--depth", "5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 256 and set(rows[0]) == {"x", "plain", "residual"}


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
def test_bad_values_exit_2_with_one_line(capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2 and needle in err and "Traceback" not in err and out == ""


@pytest.mark.slow
def test_claims_of_why_at_small_settings(capsys):
    args = ["--depth", "4", "--width", "32", "--steps", "100", "--grid", "11", "--no-seeds", "--format", "json"]
    code, out, err = run(capsys, "claims", "why", *args)
    assert code == 0, err[-2000:]
    data = json.loads(out)
    ids = {c["id"] for c in data["claims"]}
    assert len(ids) == 11
    assert {"plain-collapses-without-a-block", "residual-landscape-smoother", "plain-gradient-shatters"} <= ids
    assert all(isinstance(c["holds"], bool) and c["evidence"] for c in data["claims"])
