"""Headless Chromium, issue 20: hostile Markdown in links is text (no link or image to another host in the page, and
no request to another host), and a reload or a new tab of the same browser does not vote twice."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from residual_core import lectures
from residual_core.rooms import Store
from tests.browser import test_browser
from tests.browser.test_room import _question, _settled
from tests.hostile import IMAGE, LINK, VALUES

PORT = 8621  # this suite's port (8620-8629)
HOSTILE_URLS = [
    "vanishing?depth=" + quote(LINK),  # the example
    "vanishing?depth=" + quote(IMAGE) + "&factor=" + quote(VALUES[2]),
    "residual-math?" + urlencode({"depth": VALUES[3], "seed": VALUES[5]}),
    "?" + urlencode({"lecture": IMAGE, "scene": LINK}),
    "?room=" + quote(IMAGE),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESIDUAL_LAB_DATA", str(tmp_path_factory.mktemp("data")))
        mp.setattr(test_browser, "_free_port", lambda: PORT)
        s = test_browser.Server()
        yield s
        s.stop()


def _deck_url() -> str:
    scenes = [{"page": "/vanishing", "query": urlencode({"depth": v}), "title": v, "note": v} for v in VALUES]
    return "?" + urlencode({"deck": lectures.pack(lectures.from_dict({"title": IMAGE, "scene": scenes})), "scene": "1"})


@pytest.mark.parametrize("path", [*HOSTILE_URLS, "deck", "deck-present"])
def test_hostile_values_make_no_outside_link_image_or_request(server, browser, path):
    if path.startswith("deck"):
        path = _deck_url() + ("&present=1" if path == "deck-present" else "")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url(path))
    page.wait_for_selector("h1", timeout=60_000)
    _settled(page)
    page.wait_for_timeout(500)
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    images = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
    body = page.locator("body").inner_text()
    context.close()
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    outside = [u for u in outside if urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, outside
    # links to this app keep the value in their query (as text); none leads to the value's host or runs script
    assert not [u for u in links if "evil" in (urlsplit(u).hostname or "") or u.startswith("javascript:")], links
    assert not [u for u in images if "evil" in (urlsplit(u).hostname or "")], images
    assert "Traceback" not in body and "/residual_core/" not in body
    if path.startswith("vanishing"):
        assert "evil" in body  # the value is named, as text


def _answers(folder) -> int:
    with sqlite3.connect(folder / "rooms.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


def test_a_reload_and_a_new_tab_do_not_vote_twice(server, browser):
    folder = Path(os.environ["RESIDUAL_LAB_DATA"])  # the server's, set by the fixture
    store = Store(folder / "rooms.sqlite3")
    scene = lectures.load("residuals").scene(1)
    code, _ = store.open_room(
        {"page": scene.page, "query": scene.query, "title": scene.title, "lecture": "residuals", "scene": 1,
         "scenes": 11, "ask": True, "view": "residuals:1"}
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for attempt, value in enumerate(["0.5", "0.25", "0.125"]):
        if attempt == 0:
            page.goto(server.url(f"?room={code}"))
        elif attempt == 1:
            page.reload()
        else:
            page = context.new_page()  # a new tab of the same browser
            page.goto(server.url(f"?room={code}"))
        page.wait_for_url(re.compile(r"/vanishing\?.*room="), timeout=60_000)
        _settled(page)
        _question(page)
        page.locator(".st-key-lab-ask input[type='text']").fill(value)
        page.locator(".st-key-lab-ask button").filter(has_text="prediction").first.click()
        page.get_by_text("Your prediction:").wait_for(timeout=30_000)
        _settled(page)
    context.close()
    assert store.count(code, "residuals:1", _question_id(store, code)) == 1
    assert _answers(folder) == 1
    store.close_connection()


def _question_id(store, code) -> str:
    rows = store._read("SELECT DISTINCT question FROM answers WHERE room = ?", (code,))
    return rows[0][0] if rows else "?"
