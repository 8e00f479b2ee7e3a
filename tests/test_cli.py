"""``python -m residual_core``: contracts, determinism, errors."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from residual_core import cli
from residual_core.catalog import EXPERIMENTS
from residual_core.experiments.vanishing import products_experiment
from residual_core.options import PRODUCTS
from tests.conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "residual_core", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.slow
def test_products_json_is_one_object_equal_to_the_library_result():
    r = run_cli("products", "--factor", "0.9", "--depth", "30", "--seed", "2")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert data == json.loads(json.dumps(products_experiment(0.9, 30, 2)))
    assert len(data["series"]) == 31 and data["series"][-1]["product"] == pytest.approx(0.9**30)


@pytest.mark.slow
def test_same_call_prints_the_same_bytes():
    assert run_cli("products", "--depth", "40").stdout == run_cli("products", "--depth", "40").stdout


@pytest.mark.slow
def test_csv_has_one_row_per_layer():
    r = run_cli("products", "--depth", "5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [int(row["layer"]) for row in rows] == list(range(6))
    assert set(rows[0]) == {"layer", "product", "plain_grad_norm", "residual_grad_norm"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nope"], "invalid choice"),
        (["products", "--depth", "1000"], "depth must be between 1 and 500"),
        (["products", "--depth", "abc"], "depth must be a whole number"),
        (["products", "--factor", "nan"], "factor must be a finite number"),
        (["products", "--bogus", "1"], "unrecognized arguments"),
    ],
)
@pytest.mark.slow
def test_bad_input_exits_2_with_a_short_message(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_cli_options_come_from_the_page_bounds():
    parser = cli.build_parser(cli.experiments())
    ns = parser.parse_args(["products"])
    assert ns.depth == str(PRODUCTS["depth"].default) and ns.factor == str(PRODUCTS["factor"].default)


def test_cli_experiments_are_the_catalogs():
    assert cli.experiments() == EXPERIMENTS
    for name in ("residual-1d", "preservation-vs-text", "gradient-vs-text", "gate-check", "add-norm-seeds", "dropout"):
        assert name in EXPERIMENTS


@pytest.mark.slow
def test_help_lists_every_declared_experiment():
    r = run_cli("--help")
    assert r.returncode == 0, r.stderr
    for name in EXPERIMENTS:
        assert re.search(rf"^\s+{re.escape(name)}(\s|$)", r.stdout, re.MULTILINE), f"--help does not list {name}"


@pytest.fixture(scope="module")
def default_runs() -> dict[str, subprocess.CompletedProcess]:
    """Every declared experiment run once from the command line at its defaults, two at a time."""
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(EXPERIMENTS, pool.map(run_cli, EXPERIMENTS), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_experiment_runs_at_its_defaults(default_runs, name):
    r = default_runs[name]
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.endswith("\n") and r.stdout.count("\n") == 1  # one line ...
    data = json.loads(r.stdout)  # ... holding exactly one JSON document (extra data would not parse)
    assert isinstance(data, dict) and data
    assert "Traceback" not in r.stderr
