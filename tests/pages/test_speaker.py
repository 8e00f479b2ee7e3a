"""AppTest: the speaker view and the projected view of a room (lab/classroom/lecture.py), and scenes that open at
their section. The real browsers' side (three contexts, the heading at the top of the window) is
tests/browser/test_speaker.py."""

from __future__ import annotations

import pytest

from lab.chrome.text import plain
from lab.classroom import hall
from lab.classroom.lecture import Current, scene_position
from residual_core import lectures, rooms
from tests.conftest import run_page

LECTURE = lectures.load("residuals")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(tmp_path))
    monkeypatch.delenv(hall.KEY_ENV, raising=False)
    return rooms.Store(tmp_path / "rooms.sqlite3")


def _position(number: int) -> dict:
    return scene_position(Current(LECTURE, {"lecture": "residuals"}, "residuals", number, True), number)


def _texts(at) -> str:
    kinds = ("markdown", "subheader", "caption", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def _scripts(at) -> list[str]:
    return [h.proto.body for h in at.get("html") if "__labScrollRun" in h.proto.body]


def test_the_speaker_view_shows_the_note_the_next_scene_and_the_count_and_moves_the_room(store):
    code, token = store.open_room(_position(3))
    at = run_page("app.py", {"room": code, "token": token, "speaker": "1"})
    assert not at.exception, at.exception
    text = _texts(at)
    assert plain(LECTURE.scenes[2].note) in text
    assert f"Next: **scene 4** · {plain(LECTURE.scenes[3].title)}" in text
    assert "**0** answers so far" in text
    assert "Concept pages" not in text  # the speaker view is the whole page
    assert "PageDown" in "".join(h.proto.body for h in at.get("html"))  # the clicker keys
    store.answer(code, _position(3)["view"], "below-one", "voter-1", "30")
    at = at.run()
    assert "**1** answer so far" in _texts(at)
    at = at.button(key="lab-speaker-reveal").click().run()
    assert not at.exception and store.revealed(code, _position(3)["view"])
    assert at.button(key="lab-speaker-reveal").disabled
    at = at.button(key="lab-lecture-next").click().run()
    assert not at.exception, at.exception
    assert store.room(code).position["scene"] == 4 and store.room(code).position["section"] == "the-unrolled-sum"
    text = _texts(at)
    assert plain(LECTURE.scenes[3].note) in text and "No question on this view" in text  # scene 4: ask = false
    assert "speaker" in at.query_params  # it stays the speaker view: it does not switch to the scene's page
    at = at.button(key="lab-lecture-prev").click().run()
    assert store.room(code).position["scene"] == 3


@pytest.mark.parametrize("token", [None, "guess"])
def test_the_speaker_view_needs_the_presenter_token(store, token):
    code, real = store.open_room(_position(3))
    params = {"room": code, "speaker": "1"} | ({"token": token} if token else {})
    at = run_page("app.py", params)
    assert not at.exception, at.exception
    text = _texts(at)
    assert plain(LECTURE.scenes[2].note) not in text
    assert not [b for b in at.button if b.key == "lab-speaker-reveal"]
    assert "speaker" not in at.query_params
    assert real not in text


def test_the_projected_view_of_a_room_never_shows_the_note_but_links_to_the_speaker_view(store):
    at = run_page("app.py", {"lecture": "residuals", "scene": "3", "present": "1"})
    at = at.button(key="lab-room-open").click().run()
    assert not at.exception, at.exception
    at.session_state["lab-lecture-note"] = True  # even with the popover's state set: there is no popover in a room
    at = at.run()
    note = plain(LECTURE.scenes[2].note)
    assert note not in _texts(at)
    code, token = at.query_params["room"], at.query_params["token"]
    (link,) = [b for b in at.get("link_button") if b.proto.label == "Speaker view"]
    assert link.proto.url.endswith(f"/?room={code}&token={token}&speaker=1")


def test_a_scene_opens_at_its_section_once_and_a_rerun_keeps_the_visitors_scroll(store):
    at = run_page("app.py", {"lecture": "residuals", "scene": "4", "present": "1"})
    assert not at.exception, at.exception
    (script,) = _scripts(at)
    assert 'const name = "the-unrolled-sum"' in script
    assert not _scripts(at.run())  # a rerun (the visitor moved a slider): no jump back
    at = at.button(key="lab-lecture-next").click().run()  # scene 5 names no section
    assert not at.exception and not _scripts(at)
    at = at.button(key="lab-lecture-next").click().run()
    at = at.button(key="lab-lecture-next").click().run()  # scene 7
    assert 'const name = "information-preservation"' in _scripts(at)[0]


def test_a_student_opens_the_rooms_scene_at_its_section(store):
    code, _ = store.open_room(_position(9))
    at = run_page("app.py", {"room": code})
    assert not at.exception, at.exception
    (script,) = _scripts(at)
    assert 'const name = "the-add-needs-matching-shapes"' in script


@pytest.mark.parametrize("number", [8, 9])
def test_a_room_opened_on_a_scene_with_values_shows_the_scene_and_its_values(store, number):
    """The scene's values reach the controls through the session, not the server's query: the room still gets the
    scene (its note in the speaker view, its values on the students' pages), not a "(changed)" view without them."""
    at = run_page("app.py", {"lecture": "residuals", "scene": str(number), "present": "1"})
    at = at.button(key="lab-room-open").click().run()
    assert not at.exception, at.exception
    position = store.room(at.query_params["room"]).position
    assert position == _position(number)
    speaker = run_page("app.py", {"room": at.query_params["room"], "token": at.query_params["token"], "speaker": "1"})
    assert plain(LECTURE.scene(number).note) in _texts(speaker)
