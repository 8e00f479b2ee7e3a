"""A warm visit builds no figure: every page's charts are made once per result (``lab.figures.charts.DRAWINGS``) and a
warm visitor is sent what the first visitor's run made. Counted, not timed: a warm rerun of each page's default link
must not call anything in ``residual_core/charts/`` (the spec and frame builders). A chart rebuilt on every visit,
as /add-norm's seed band was before it became a cached result, makes this fail."""

from __future__ import annotations

import collections
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_page

BUILDERS = str(ROOT / "residual_core" / "charts") + "/"
PAGES = ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]


def builder_calls(at) -> collections.Counter:
    """The chart-builder functions one more (warm) run of ``at`` calls, counted by ``file:function``."""
    calls: collections.Counter = collections.Counter()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(BUILDERS):
            calls[f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"] += 1

    threading.setprofile(profile)  # the script runs in its own thread
    sys.setprofile(profile)
    try:
        at.run()
    finally:
        threading.setprofile(None)
        sys.setprofile(None)
    assert not at.exception, at.exception
    return calls


def test_the_counter_sees_a_figure_being_built():
    """The first (cold) visit of a page with charts builds them: the count can be non-zero."""
    from lab.figures.charts import DRAWINGS

    at = run_page("pages/vanishing.py")
    assert not at.exception
    DRAWINGS.clear()  # as if no visitor had seen these results yet
    assert builder_calls(at)


@pytest.mark.parametrize("page", PAGES)
def test_a_warm_visit_builds_no_figure(page):
    at = run_page(page)
    assert not at.exception
    at.run()  # warm: everything the page shows has been made once
    assert builder_calls(at) == {}
