"""residual_core.bounds: parsing raw text (URL, command line) into checked values."""

from __future__ import annotations

import pytest

from residual_core.bounds import Bound, BoundError


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


def test_check_and_describe():
    b = Bound.float("alpha", 0.0, 2.0, 0.1)
    assert b.check(1) == 1.0 and b.describe() == "between 0 and 2" and b.flag == "--alpha"
    with pytest.raises(BoundError, match="alpha must be between 0 and 2"):
        b.check(2.5)
    with pytest.raises(BoundError, match="finite"):
        b.check(float("nan"))
    assert Bound.int("gate_bias", -5, 2, -3).flag == "--gate-bias"
    assert Bound.choice("act", ("tanh", "relu"), "tanh").clamp("gelu") == "tanh"
