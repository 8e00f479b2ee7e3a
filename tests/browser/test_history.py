"""Back and Forward move between the states a visitor saw (issue 18), in a real Chromium.

The sequence: set factor 0.93 on /vanishing, open /gradient-flow by the sidebar (it shows depth 100: the session's
``depth``), go back to /vanishing by the sidebar. Streamlit 1.67 alone leaves five history entries for these three
views (``/gradient-flow`` without its depth and ``/vanishing`` at the default factor in between), and a Back to
``/gradient-flow?depth=100`` drops ``depth`` because /vanishing has a ``depth`` control of its own.
"""

from __future__ import annotations

import re

import pytest

from residual_core import lectures
from tests.browser.test_browser import Server, _open

SETTLED = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
    " && !document.querySelector('[data-stale=\"true\"]')"
)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


def _settle(page) -> None:
    """Wait until the script run this step started has finished and nothing rewrites the address any more."""
    page.wait_for_timeout(700)  # the run starts
    page.wait_for_function(SETTLED, timeout=120_000, polling=200)
    page.wait_for_timeout(1500)  # a run switching on, a restored value written back
    page.wait_for_function(SETTLED, timeout=120_000, polling=200)


def _seen(page) -> tuple[str, str, str]:
    """(path and query, page title, first slider's value) as the visitor sees them now."""
    where = page.evaluate("() => location.pathname + location.search")
    title = page.locator("h1").first.inner_text().strip()
    value = page.locator("[data-testid='stSlider'] input[type='range']").first.get_attribute("value")
    return where, title, value


def _sidebar(page, title: str) -> None:
    page.locator("[data-testid='stSidebar'] a", has_text=title).first.click()
    _settle(page)


@pytest.mark.slow
def test_back_and_forward_give_the_states_the_visitor_saw(server, browser):
    page = _open(browser, server.url("vanishing"))
    base = page.evaluate("() => history.length")
    factor = page.locator("[data-testid='stSlider'] input[type='range']").first
    factor.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('factor=0.93')", timeout=30_000)
    _settle(page)
    vanishing = ("/vanishing?factor=0.93", "Vanishing & exploding", "0.93")
    assert _seen(page) == vanishing

    _sidebar(page, "Gradient flow")
    flow = ("/gradient-flow?depth=100", "Gradient flow", "100")
    assert _seen(page) == flow
    _sidebar(page, "Vanishing & exploding")
    assert _seen(page) == vanishing  # the session's factor, restored
    assert page.evaluate("() => history.length") == base + 2  # three views, three entries

    page.go_back()
    _settle(page)
    assert _seen(page) == flow
    page.go_back()
    _settle(page)
    assert _seen(page) == vanishing
    page.go_forward()
    _settle(page)
    assert _seen(page) == flow
    page.go_forward()
    _settle(page)
    assert _seen(page) == vanishing
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def _scene(page) -> tuple[str, dict]:
    """(the scene bar's "Scene N of M", the address's query) as the visitor sees them now."""
    bar = page.locator(".st-key-lab-lecture-bar").inner_text()
    query = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
    return re.search(r"Scene \d+ of \d+", bar).group(0), query


@pytest.mark.slow
def test_back_steps_through_the_scenes_shown_with_next(server, browser):
    """Scenes 1 and 2 share a page: a scene is a place of its own (its ``scene`` key), not an intermediate value."""
    lecture = lectures.load("residuals")
    page = _open(browser, server.url("?lecture=residuals&scene=1&present=1"))
    _settle(page)
    seen = [_scene(page)]
    for _ in range(2):
        page.locator(".st-key-lab-lecture-next button").click()
        _settle(page)
        seen.append(_scene(page))
    total = len(lecture.scenes)
    assert [s[0] for s in seen] == [f"Scene {n} of {total}" for n in (1, 2, 3)]
    assert seen[1][1].get("factor") == lecture.scene(2).params.get("factor")  # scene 2's own state
    for expected in (seen[1], seen[0]):
        page.go_back()
        _settle(page)
        assert _scene(page) == expected
    page.close()
