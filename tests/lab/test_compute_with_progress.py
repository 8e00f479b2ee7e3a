"""lab.compute_with_progress: a lecture hall asking for one long computation at once runs it once."""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

import lab
from tests import slow_fixture

SCRIPT = """
import streamlit as st
import lab
from tests import slow_fixture
result = lab.compute_with_progress(slow_fixture.slow_square, label="Squaring…", x={x})
st.write(f"square={{result['square']}}")
"""


def _visit(x: int, out: list, i: int):
    at = AppTest.from_string(SCRIPT.format(x=x), default_timeout=60)
    at.run()
    out[i] = (at.exception, [m.value for m in at.markdown])


@pytest.mark.slow
def test_simultaneous_visitors_share_one_run_and_all_see_it():
    lab.clear_cache()
    slow_fixture.CALLS.clear()
    out: list = [None] * 4
    threads = [threading.Thread(target=_visit, args=(7, out, i)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert slow_fixture.CALLS == [7]  # computed once, not once per visitor
    for exception, markdown in out:
        assert not exception and "square=49" in markdown


def test_a_later_visitor_gets_the_cached_result_without_computing():
    lab.clear_cache()
    slow_fixture.CALLS.clear()
    out: list = [None]
    _visit(3, out, 0)
    _visit(3, out, 0)
    assert slow_fixture.CALLS == [3] and "square=9" in out[0][1]
