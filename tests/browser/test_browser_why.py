"""Real headless-browser test of /why: the loss-landscape maps and every other chart are drawn by the browser, the
page fits a phone, and counting seeds works with a click."""

from __future__ import annotations

import pytest

from tests.browser.test_browser import Server, _assert_healthy, _open

SMALL = "why?depth=4&width=32&steps=100&grid=11&shattered_depth=5&shattered_width=16&seed=2"


@pytest.fixture(scope="module")
def why_server():
    s = Server()
    yield s
    s.stop()


def test_every_chart_is_drawn_and_seeds_are_counted_on_click(why_server, browser, tmp_path):
    page = _open(browser, why_server.url(SMALL), viewport=(1280, 900))
    _assert_healthy(page, "Why residual networks train")
    drawn = page.locator("[data-testid='stVegaLiteChart'] svg.marks")
    drawn.nth(10).wait_for(timeout=120_000)  # 11 charts, the two landscape maps among them (the 12th is in a row)
    assert drawn.count() == 11
    maps = page.locator("[data-testid='stVegaLiteChart']").filter(has_text="log₁₀ loss")
    assert maps.count() == 2
    assert page.locator("text=holds for").count() == 0  # the claims are in the rows of details, sent when opened
    # the shattered-gradient row: its cheap claims are counted at once when it opens
    page.locator("summary", has_text="Details: 2 claims · claims about the depth sweep").click()
    page.wait_for_function("() => document.body.innerText.split('holds for').length - 1 >= 2", timeout=120_000)
    assert page.locator("text=holds for").count() == 2
    # the path-length row: its five claims over seeds 0-4 on request
    page.locator("summary", has_text="Details: 5 claims").click()
    button = page.get_by_role("button", name="Count seeds 0–4 (4 more trainings")
    button.wait_for(timeout=120_000)
    button.click()
    page.wait_for_function("() => document.body.innerText.split('holds for').length - 1 >= 7", timeout=300_000)
    page.screenshot(path=str(tmp_path / "why.png"))
    page.close()


def test_the_page_fits_a_phone(why_server, browser):
    page = _open(browser, why_server.url(SMALL), viewport=(390, 844))
    _assert_healthy(page, "Why residual networks train")
    page.locator("[data-testid='stVegaLiteChart'] svg.marks").nth(10).wait_for(timeout=120_000)  # 11 charts
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page scrolls sideways on a phone"
    page.close()
