"""Every page under hostile links (hypothesis): random text, empty values, huge and tiny numbers, NaN and inf,
unicode digits, repeated keys and unknown keys in its query string.

For every case: the page renders with 0 exceptions; a value its bound refuses gets a notice naming the parameter;
a value its bound accepts is the value the control shows (nothing is dropped silently). Unknown keys are ignored
(links pasted into slides may carry tracking parameters). The URL keys and ranges are read from the page's own
controls, so new controls are covered without editing this file.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lab
from residual_core import bounds, options
from residual_core.training import jobs
from tests.conftest import run_page, warnings_text

PAGES = [p for p in lab.available_pages() if p.key]
SLOW = {"training", "highway", "add-norm", "gradient-flow"}  # seconds per run: fewer examples
ODD = ["", " ", "٣", "１２", "²", "1_000", "+7", "0x10", "1e-320", "-0.0", "5.", ".5", "1,5", "nan", "-inf", "1e999"]
_CONTROLS: dict[str, dict] = {}


def controls(info) -> dict:
    """``{url key: widget}`` of the page's URL-bound controls at its default link (read once per page)."""
    if info.key not in _CONTROLS:
        at = run_page(lab.page_file(info))
        found = {}
        for kind in ("slider", "number_input", "button_group"):
            for w in getattr(at, kind):
                if w.key and not w.key.startswith("$$"):
                    found[w.key] = w
        _CONTROLS[info.key] = found
    return _CONTROLS[info.key]


def bound_of(widget):
    """The residual_core Bound behind a control: same URL key, and the same range or options."""
    for obj in vars(options).values():
        for b in obj.values() if isinstance(obj, dict) else [obj]:
            if not isinstance(b, bounds.Bound) or b.name != widget.key:
                continue
            if b.kind == "choice" or (float(b.lo) == float(widget.min) and float(b.hi) == float(widget.max)):
                return b
    return None


def values_for(widget):
    b = bound_of(widget)
    inside = st.nothing()
    if b is not None and b.kind != "choice":
        numbers = st.integers(int(b.lo), int(b.hi)) if b.kind == "int" else st.floats(b.lo, b.hi)
        inside = numbers.map(str)
    elif b is not None:
        inside = st.sampled_from([str(o) for o in b.options])
    return st.one_of(
        st.text(max_size=10),
        st.sampled_from(ODD),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.integers(-(10**30), 10**30).map(str),
        inside,
    )


def links(info):
    """A query string: some of the page's keys with hostile values (a list = a repeated key), some unknown keys."""
    known = controls(info)

    @st.composite
    def link(draw):
        params = {}
        for key in draw(st.lists(st.sampled_from(sorted(known)), max_size=4, unique=True)):
            values = draw(st.lists(values_for(known[key]), min_size=1, max_size=2))
            params[key] = values if len(values) > 1 else values[0]
        for key in draw(st.lists(st.text(min_size=1, max_size=6), max_size=2)):
            if key not in known:
                params[key] = draw(st.text(max_size=6))
        return params

    return link()


def check(info, params: dict) -> None:
    try:
        at = run_page(lab.page_file(info), params)
    finally:
        jobs.REGISTRY.shutdown(timeout=10)  # a training link starts a run: stop it, the next example is another link
    assert not at.exception, f"/{info.key} raised with {params}: {at.exception[0].message}"
    notices = warnings_text(at)
    shown = {}
    for kind in ("slider", "number_input", "button_group"):
        shown |= {w.key: w.value for w in getattr(at, kind) if w.key}
    for key, raw in params.items():
        widget = controls(info).get(key)
        b = bound_of(widget) if widget is not None else None
        if b is None:
            continue  # an unknown key: ignored
        text = raw[-1] if isinstance(raw, list) else raw  # Streamlit reads the last of repeated keys
        try:
            value = b.parse(text)
        except bounds.BoundError:
            assert f"`{key}=" in notices, f"/{info.key}: {key}={text!r} refused without a notice ({params})"
            continue
        if f"`{key}=" in notices:
            continue
        got = shown[key]
        if b.kind == "choice":
            assert str(got) == str(value), (key, text, got)
        else:
            assert math.isclose(float(got), float(value), rel_tol=1e-9, abs_tol=1e-12), (key, text, got, params)


@pytest.mark.slow
@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.key)
def test_hostile_links_render_with_notices_and_no_exception(info):
    examples = 4 if info.key in SLOW else 10

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(params=links(info))
    def run(params):
        check(info, params)

    run()
