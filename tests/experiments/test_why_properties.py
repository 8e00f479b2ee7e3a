"""Property tests for /why's inputs and measures (hypothesis): the odd grid bound, the autocorrelation and the
landscape measures."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from residual_core.bounds import BoundError
from residual_core.experiments import landscape, shattered
from residual_core.options import LANDSCAPE

GRID = LANDSCAPE["grid"]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_a_refused_grid_is_clamped_to_an_odd_value_in_range(value):
    used = GRID.clamp(value)
    assert isinstance(used, int) and used % 2 == 1 and GRID.lo <= used <= GRID.hi
    assert GRID.check(used) == used


@given(st.integers(min_value=-100, max_value=100))
def test_the_grid_takes_exactly_the_odd_values_in_range(value):
    ok = GRID.lo <= value <= GRID.hi and value % 2 == 1
    try:
        assert GRID.parse(str(value)) == value and ok
    except BoundError:
        assert not ok


@settings(max_examples=50)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=3, max_size=80))
def test_autocorrelation_is_one_at_lag_zero_and_bounded(signal):
    ac = shattered.autocorrelation(signal, max_lag=2)
    assert ac[0] == 1.0 and len(ac) == 3
    assert all(abs(a) <= 1 + 1e-9 for a in ac)


@settings(max_examples=30)
@given(
    st.floats(min_value=0.1, max_value=10),
    st.floats(min_value=0.1, max_value=10),
    st.floats(min_value=0.01, max_value=100),
)
def test_measures_of_a_convex_bowl(a, b, floor):
    axis = landscape.symmetric_axis(11)
    losses = [[floor + a * x * x + b * y * y for x in axis] for y in axis]
    step = axis[1] - axis[0]
    assert landscape.nonconvex_share(losses, step) == 0.0
    assert landscape.roughness(losses, step) >= 0 and math.isfinite(landscape.roughness(losses, step))
    assert 0 < landscape.basin_share(losses) <= 1
