"""``python -m residual_core``: contracts, determinism, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from residual_core import cli
from residual_core.bounds import PRODUCTS, Bound, BoundError
from residual_core.products import products_experiment

from .conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "residual_core", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_products_json_is_one_object_equal_to_the_library_result():
    r = run_cli("products", "--factor", "0.9", "--depth", "30", "--seed", "2")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert data == json.loads(json.dumps(products_experiment(0.9, 30, 2)))
    assert len(data["series"]) == 31 and data["series"][-1]["product"] == pytest.approx(0.9**30)


def test_same_call_prints_the_same_bytes():
    assert run_cli("products", "--depth", "40").stdout == run_cli("products", "--depth", "40").stdout


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
def test_bad_input_exits_2_with_a_short_message(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_cli_options_come_from_the_page_bounds():
    parser = cli.build_parser(cli.experiments())
    ns = parser.parse_args(["products"])
    assert ns.depth == str(PRODUCTS["depth"].default) and ns.factor == str(PRODUCTS["factor"].default)


def test_bound_parse_and_clamp():
    b = Bound.int("depth", 1, 500, 100)
    assert b.parse("50") == 50 and b.parse("1e2") == 100
    for bad in ("abc", "10.5", "1e9", "-3", "inf"):
        with pytest.raises(BoundError, match="depth"):
            b.parse(bad)
    assert b.clamp(1e9) == 500 and b.clamp(-3) == 1
    c = Bound.choice("act", ("tanh", "relu"), "tanh")
    assert c.parse("relu") == "relu"
    with pytest.raises(BoundError, match="one of tanh, relu"):
        c.parse("gelu")
