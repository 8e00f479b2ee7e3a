"""A cold deep link runs the app's shared set-up: the first request a fresh server ever gets is a concept page (as a
lecturer's link after a Community Cloud wake-up), not ``app.py``, and still the process's set-up runs
(:func:`lab.page.start`: one torch thread, the warm-up thread).

What shows that the warm-up ran, in the app's own output only (no log line, no debug endpoint): the warm-up trains
the training lab's default run and stores it as a finished run, so once the server has gone quiet the training lab's
default link shows that run finished and cached, "Trained in 0.0 s" (a stored run trained nowhere in this visit).
Without the warm-up that visit would train the run itself: "Training… step n of N", then "Trained in X s" with X > 0.
"""

from __future__ import annotations

import os
import time

import pytest

from residual_core import catalog
from tests.browser.test_browser import Server, _assert_healthy, _open

TICKS = os.sysconf("SC_CLK_TCK")


@pytest.fixture
def fresh_server():
    s = Server()
    yield s
    s.stop()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (every thread: the warm-up is one of them)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _wait_until_quiet(pid: int, *, window: float = 4.0, busy: float = 0.2, timeout: float = 600.0) -> float:
    """Wait until the server spends less than ``busy`` CPU seconds in ``window`` seconds (nothing computing); returns
    the CPU seconds it spent meanwhile."""
    start, deadline = _cpu_seconds(pid), time.monotonic() + timeout
    last = start
    while time.monotonic() < deadline:
        time.sleep(window)
        now = _cpu_seconds(pid)
        if now - last < busy:
            return now - start
        last = now
    raise AssertionError(f"the server was still busy after {timeout:.0f} s")


def test_a_cold_deep_link_runs_the_apps_shared_set_up(fresh_server, browser):
    # the very first page request of this process: a concept page with a setting, not the home page
    page = _open(browser, fresh_server.url("add-norm?layers=12"))
    _assert_healthy(page, catalog.page("add-norm").title)
    layers = page.locator("[data-testid='stSlider']").filter(has_text="Encoder layers")
    assert layers.count() == 1
    assert layers.locator("input[type='range']").get_attribute("value") == "12"
    assert "layers=12" in page.url
    charts = page.locator("[data-testid='stVegaLiteChart']")
    page.locator("[data-testid='stVegaLiteChart'] svg.marks").nth(4).wait_for(timeout=60_000)
    assert charts.count() == 5 and page.locator("[data-testid='stVegaLiteChart'] svg.marks").count() == 5
    page.close()

    # the warm-up computes every page's defaults in the background; wait until the server has nothing left to do
    spent = _wait_until_quiet(fresh_server.proc.pid)

    page = _open(browser, fresh_server.url("training"))
    _assert_healthy(page, catalog.page("training").title)
    captions = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
    body = page.locator("body").inner_text()
    assert "Training… step" not in body
    trained = [c for c in captions if c.startswith("Trained in")]
    assert trained and trained[0].startswith("Trained in 0.0 s"), (trained, f"{spent:.1f} s of CPU while waiting")
    page.close()
