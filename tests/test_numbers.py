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
