"""residual_core.numbers: the one formatter of measured values in sentences."""

from __future__ import annotations

import pytest

from residual_core.numbers import g3


@pytest.mark.parametrize(
    ("x", "text"),
    [(0.0, "0"), (0.0123456, "0.0123"), (4.5678, "4.57"), (1234.5, "1.23e+03"), (2.66e-5, "2.7e-05"),
     (13780.6, "1.4e+04"), (-0.5, "-0.5"), (1e-3, "0.001"), (9.99e-4, "1.0e-03")],
)  # fmt: skip
def test_g3_prints_three_digits_and_switches_to_scientific_outside_1e_3_to_1e4(x, text):
    assert g3(x) == text


def test_honest_edges_and_factors_never_print_long_digit_strings():
    import math

    from residual_core.numbers import fmt, from_log10, times

    assert g3(math.inf) == "∞" and g3(-math.inf) == "−∞" and g3(math.nan) == "—"
    assert fmt(math.inf) == "∞" and fmt(None) == "—"
    assert times(6.71e44) == "6.7e+44×" and times(1.5) == "1.5×"
    assert from_log10(-169.88) == "1.3e-170"
    assert from_log10(-400.2) == "6.3e-401"  # beyond float64: still a number, from its log
    assert from_log10(-math.inf) == "0" and from_log10(math.inf) == "∞"
    assert from_log10(0.5) == "3.16"


def test_a_range_whose_ends_print_alike_is_one_value():
    from residual_core.numbers import percent, span

    assert span(8.0, 8.0000001) == "8"  # was "8–8" (the identity claim at α = 0)
    assert span(0.41, 0.47) == "0.41–0.47"
    assert span(1e-170, 2e-3, sep=" to ") == "1.0e-170 to 0.002"
    assert span(0.5, 0.5, percent) == "50.0%"


def test_the_identity_claim_at_alpha_zero_prints_one_value_not_a_degenerate_range():
    from residual_core.catalog import gradient_flow

    exp = gradient_flow.DEPTH_ALPHA
    claim = next(c for c in exp.claims if c.id == "identity-at-alpha-zero")
    verdict = claim.check(exp.func(**{**{n: b.default for n, b in exp.bounds.items()}, "width": 8}))
    assert verdict.holds
    assert "8–8" not in verdict.evidence and "at every depth: 2.83," in verdict.evidence  # √8


def test_a_share_above_one_prints_instead_of_failing():
    from residual_core.numbers import percent

    assert percent(1.01) == "101.0%"  # accuracy kept after a lesion can exceed the intact one
    assert percent(0.9996) == "99.96%" and percent(0.004) == "0.4%"
