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
