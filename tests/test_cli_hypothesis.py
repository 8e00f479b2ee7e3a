"""The command line under hostile options (hypothesis): random text, empty values, huge and tiny numbers, NaN and
inf, unicode digits, repeated and unknown options. Every refused case exits 2 with exactly one line on stderr and
nothing on stdout; an accepted value of a quick experiment exits 0 with one JSON document."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from residual_core import budget, cli
from residual_core.bounds import BoundError
from residual_core.catalog import EXPERIMENTS

QUICK = sorted(n for n, e in EXPERIMENTS.items() if budget.worst_case(e)[1] < 1.0)  # runnable in a test
ODD = ["", " ", "٣", "１２", "²", "1_000", "+7", "0x10", "1e-320", "-0.0", "5.", ".5", "1,5", "nan", "-inf", "1e999"]
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ODD),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**30), 10**30).map(str),
)


class _Stdout(io.StringIO):
    """A captured stdout with the ``buffer`` the CLI writes its (text or binary) output to."""

    def __init__(self):
        super().__init__()
        self.buffer = io.BytesIO()


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = _Stdout(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(args)
        except SystemExit as stop:
            code = stop.code
    return code, out.getvalue() + out.buffer.getvalue().decode(), err.getvalue()


def refused(exp, option: str, value: str) -> bool:
    try:
        kwargs = {n: b.default for n, b in exp.bounds.items()} | {option: exp.bounds[option].parse(value)}
        budget.check(exp, kwargs)
    except BoundError:
        return True
    return False


def assert_one_line_exit_2(code, out, err, args):
    assert code == 2, (args, code, err)
    assert out == "", args
    assert len(err.splitlines()) == 1 and err.endswith("\n") and "Traceback" not in err, (args, err)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_bad_option_value_exits_2_with_one_line(data):
    name = data.draw(st.sampled_from(sorted(EXPERIMENTS)))
    exp = EXPERIMENTS[name]
    option = data.draw(st.sampled_from(sorted(exp.bounds)))
    value = data.draw(VALUES)
    args = [name, f"{exp.bounds[option].flag}={value}"]  # "--depth=-1e-311": argparse reads a bare "-1e-311" as a flag
    if refused(exp, option, value):
        assert_one_line_exit_2(*run(args), args)
    elif name in QUICK:
        code, out, err = run(args)
        assert code == 0, (args, err)
        json.loads(out)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(sorted(EXPERIMENTS)),
    junk=st.lists(st.sampled_from(["--bogus", "--", "-x", "--format", "--depth=", "extra", "--seed"]), max_size=3),
)
def test_unknown_or_incomplete_options_exit_2_with_one_line(name, junk):
    args = [name, *junk, "--no-such-option"]
    assert_one_line_exit_2(*run(args), args)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, derandomize=True)
@given(data=st.data())
def test_a_repeated_option_takes_the_last_value(data):
    name = data.draw(st.sampled_from(QUICK))
    exp = EXPERIMENTS[name]
    option = data.draw(st.sampled_from(sorted(exp.bounds)))
    bad, good = data.draw(VALUES), str(exp.bounds[option].default)
    flag = exp.bounds[option].flag
    code, out, err = run([name, f"{flag}={bad}", flag, good])
    assert code == 0, err
    assert json.loads(out) == json.loads(run([name])[1])


@settings(max_examples=20, deadline=None, derandomize=True)
@given(page=st.text(max_size=10))
def test_claims_of_an_unknown_page_exit_2_with_one_line(page):
    from residual_core.catalog import PAGES

    assume(page not in {p.key for p in PAGES} and not page.startswith("-"))
    assert_one_line_exit_2(*run(["claims", page]), page)
