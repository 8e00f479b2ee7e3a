"""Hostile Markdown through every way a visitor reaches the page's text (issue 20): each page's URL keys, ``?lecture=``
and ``?room=``, and a packed lecture's title, note and scene query. No element's Markdown may hold a live link, image
or HTML to another host (tests/hostile.py), and no page raises."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

import lab
from residual_core import lectures
from tests.conftest import run_page
from tests.hostile import IMAGE, LINK, VALUES, live_links
from tests.pages.test_url_fuzz import SLOW, _bound_keys

KINDS = ("markdown", "caption", "warning", "error", "info", "success", "title", "header", "subheader", "toast")
PAGES = [p for p in lab.available_pages() if p.key]


def bodies(at) -> list[str]:
    out = []
    for kind in KINDS:
        out += [str(e.value) for e in getattr(at, kind, [])]
    return out


def assert_text_only(at) -> None:
    assert not at.exception, at.exception[0].message
    live = [(b, live_links(b)) for b in bodies(at) if live_links(b)]
    assert not live, live


def test_the_issue_example_link_is_text():
    at = run_page("pages/vanishing.py", {"depth": LINK})
    assert "evil" in "\n".join(w.value for w in at.warning)  # the value is named in the notice, as text
    assert_text_only(at)


@pytest.mark.parametrize(
    "info", [pytest.param(p, marks=pytest.mark.slow) if p.key in SLOW else p for p in PAGES], ids=lambda p: p.key
)
def test_hostile_values_in_every_url_key_of_every_page(info):
    file = lab.page_file(info)
    keys = _bound_keys(run_page(file))
    params = {key: VALUES[i % len(VALUES)] for i, key in enumerate(keys)}
    assert_text_only(run_page(file, params))


@pytest.mark.parametrize("value", VALUES)
def test_hostile_lecture_and_room_values(value):
    assert_text_only(run_page("app.py", {"lecture": value, "scene": value}))
    assert_text_only(run_page("app.py", {"room": value}))


def test_hostile_packed_lecture_title_note_and_scene_query():
    scenes = [
        {"page": "/vanishing", "query": urlencode({"depth": v, "seed": v}), "title": v, "note": v} for v in VALUES
    ]
    deck = lectures.pack(lectures.from_dict({"title": IMAGE, "scene": scenes}))
    for number in range(1, len(VALUES) + 1):
        at = run_page("app.py", {"deck": deck, "scene": str(number), "present": "1"})
        assert_text_only(at)
