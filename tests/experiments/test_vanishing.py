"""residual_core.experiments.vanishing: exact products, the running product and the page's experiment."""

from __future__ import annotations

import math

import pytest

from residual_core.experiments.vanishing import (
    FITTED,
    exact_product,
    gradient_rows,
    product_series,
    products_experiment,
    products_table,
    running_product_rows,
)
from residual_core.measure import geometric_fit, gradient_profile


# -- products -------------------------------------------------------------------------------------------------------
def test_reference_products_are_computed_not_quoted():
    # 0.9^100 and 1.1^100 to full double precision, checked against plain float arithmetic
    assert exact_product(0.9, 100).value == pytest.approx(0.9**100, rel=1e-12)
    assert exact_product(1.1, 100).value == pytest.approx(1.1**100, rel=1e-12)
    assert exact_product(0.9, 100).log10 == pytest.approx(100 * math.log10(0.9), rel=1e-12)


@pytest.mark.parametrize(
    ("factor", "depth", "value", "log10"),
    [(0.0, 0, 1.0, 0.0), (0.0, 5, 0.0, None), (1.0, 500, 1.0, 0.0), (1.3, 0, 1.0, 0.0), (0.5, 3, 0.125, None)],
)
def test_product_edge_cases(factor, depth, value, log10):
    p = exact_product(factor, depth)
    assert p.value == value
    if log10 is not None:
        assert p.log10 == log10
    if factor == 0.0 and depth > 0:
        assert p.log10 is None and p.sign == 0 and p.text == "0"


def test_products_beyond_float_range_are_reported_through_log10():
    big = exact_product(1.5, 5000)
    small = exact_product(0.5, 5000)
    assert big.value is None and small.value is None  # never a silent inf or 0
    assert big.log10 == pytest.approx(5000 * math.log10(1.5), rel=1e-12)
    assert small.log10 == pytest.approx(-5000 * math.log10(2), rel=1e-12)
    assert big.text.endswith("e+880") and small.text.endswith("e-1506")


def test_product_series_runs_from_layer_zero_to_depth():
    s = product_series(0.9, 10)
    assert [r["layer"] for r in s] == list(range(11))
    assert s[0]["product"] == 1.0 and s[10]["product"] == pytest.approx(0.9**10)


# -- the page's experiment -----------------------------------------------------------------------------------------
def test_products_experiment_contract():
    r = products_experiment(0.9, 20, 0)
    assert list(r) == ["factor", "depth", "init", "seed", "product", "log10_product", "series", "measured", "fit"]
    assert r["product"] == pytest.approx(0.9**20)
    assert [m["layer"] for m in r["measured"]] == list(range(21))
    g = gradient_profile(20, 64, alpha=0.1, activation="tanh", seed=0)
    assert [m["plain"] for m in r["measured"]] == g["plain"]
    assert [m["residual"] for m in r["measured"]] == g["residual"]
    # the fit: against the number of layers between a layer and the output
    steps_back = [20 - layer for layer in range(21)]
    for name in ("plain", "residual"):
        assert r["fit"][name] == geometric_fit(steps_back, g[name])
    assert r["fit"]["plain"]["rate"] < 1  # backwards through plain tanh layers the gradient shrinks per layer


def test_running_product_series_equals_the_exact_product_at_every_layer():
    assert [r["product"] for r in product_series(1.1, 300)] == [exact_product(1.1, k).value for k in range(301)]
    assert product_series(0.5, 1100)[-1]["product"] is None  # 2**-1100 is below the float range: reported as None


def test_chart_rows_and_table():
    r = products_experiment(0.9, 10, 0)
    running = running_product_rows(r)
    assert [row["series"] for row in running[::11]] == ["0.9^l", "1.1^l", "chosen factor"]
    grads = gradient_rows(r)
    assert {row["series"] for row in grads} == {"plain", "residual", FITTED}
    fitted = [row["grad_norm"] for row in grads if row["series"] == FITTED]
    assert fitted == r["fit"]["plain"]["fitted"]
    table = products_table(r)
    assert [row["layer"] for row in table] == list(range(11))
    assert list(table[0]) == ["layer", "product", "plain_grad_norm", "residual_grad_norm"]


def test_init_sentence_is_computed_and_does_not_blame_the_init_under_he():
    from residual_core.catalog import vanishing_text
    from residual_core.experiments.vanishing import init_compare

    r = init_compare(100, 0)
    he = vanishing_text.init_verdict(r, {"init": "he"})
    assert "grows 6.9×" in he
    assert "much of the vanishing above is the initialisation" not in vanishing_text.INIT_TEXT
    assert "much of the default's vanishing is the initialisation" in vanishing_text.init_verdict(r, {})


def test_criticality_note_only_for_xavier_and_orthogonal():
    from residual_core.catalog import vanishing_text

    fit = {"plain": {"rate": 0.99}, "residual": {"rate": 1.0}}
    for init, shown in (("xavier", True), ("orthogonal", True), ("default", False), ("he", False)):
        text = vanishing_text.real_network_reading({"fit": fit}, {"init": init, "depth": 100})
        assert ("sub-exponentially" in text and "Schoenholz et al. 2017" in text) == shown
