"""The lecture on the home page (issue 18), in a real Chromium: the title and the browser tab carry the app's name,
"Start the lecture" and "Open a room for the class" sit in the first screen at 1280×800 and open scene 1 of the
shipped lecture in presenter mode (the second with the presenter's room bar), and Back returns to Home as it was."""

from __future__ import annotations

import pytest

from residual_core import catalog, lectures
from tests.browser.test_browser import Server, _assert_healthy, _open
from tests.browser.test_history import _settle

LECTURE = lectures.load("residuals")
FIRST = LECTURE.scene(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESIDUAL_LAB_DATA", str(tmp_path_factory.mktemp("data")))  # the rooms: a fresh store
        s = Server()
        yield s
        s.stop()


def _scene_1(page) -> None:
    page.wait_for_selector(".st-key-lab-lecture-bar", timeout=120_000)
    _settle(page)
    _assert_healthy(page, catalog.page(FIRST.key).title)
    assert page.evaluate("() => location.pathname") == FIRST.page
    bar = page.locator(".st-key-lab-lecture-bar").inner_text()
    assert f"Scene 1 of {len(LECTURE.scenes)}" in bar


def _back_home(page) -> None:
    page.go_back()
    _settle(page)
    _assert_healthy(page, "Residual Lab")
    assert page.evaluate("() => location.pathname + location.search") == "/"


@pytest.mark.slow
def test_home_starts_the_lecture_and_back_returns_home(server, browser):
    page = _open(browser, server.url(""), viewport=(1280, 800))
    _assert_healthy(page, "Residual Lab")
    assert page.title() == "Residual Lab"
    start = page.get_by_role("link", name="Start the lecture")
    room = page.get_by_role("button", name="Open a room for the class")
    for action in (start, room):
        box = action.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 800, "not in the first screen"
    start.click()
    _scene_1(page)
    query = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
    assert query == {"lecture": "residuals", "scene": "1", "present": "1"}
    _back_home(page)
    page.close()


@pytest.mark.slow
def test_home_opens_a_room_at_scene_1_in_presenter_mode(server, browser):
    page = _open(browser, server.url(""), viewport=(1280, 800))
    page.get_by_role("button", name="Open a room for the class").click()
    _scene_1(page)
    query = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
    assert query["present"] == "1" and query["lecture"] == "residuals" and query["scene"] == "1"
    assert query["room"] and query["token"]
    assert f"Room {query['room']}" in page.locator(".st-key-lab-room-bar").inner_text()
    _back_home(page)
    page.close()


@pytest.mark.slow
def test_on_the_projector_home_shows_one_open_a_room_button(server, browser):
    page = _open(browser, server.url("?present=1"), viewport=(1920, 1080))
    _assert_healthy(page, "Residual Lab")
    buttons = page.get_by_role("button", name="Open a room for the class")
    assert [buttons.nth(i).is_visible() for i in range(buttons.count())].count(True) == 1
    page.locator(".st-key-lab-home-room-open").get_by_role("button", name="Open a room for the class").click()
    _scene_1(page)
    page.close()
