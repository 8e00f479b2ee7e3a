"""AppTest, issue 20: the room in a hostile hall. Storage faults are a notice and the lecture goes on; the lecturer
key; one answer per browser; the room-code guess limit; a student's ``present=1``."""

from __future__ import annotations

import pytest

from lab.classroom import hall, room
from residual_core import rooms
from residual_core.room_store import RateLimit
from tests.conftest import run_page
from tests.test_rooms import POSITION

LINK = {"lecture": "residuals", "scene": "1"}


@pytest.fixture(autouse=True)
def _data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(hall.KEY_ENV, raising=False)
    monkeypatch.setattr(hall, "_GUESSES", RateLimit(hall.GUESSES_PER_SESSION))
    monkeypatch.setattr(hall, "_ALL_GUESSES", RateLimit(hall.GUESSES_PER_PROCESS))
    return tmp_path / "data"


def _text(at) -> str:
    return "\n".join(str(e.value) for kind in ("warning", "error", "markdown") for e in getattr(at, kind))


@pytest.mark.parametrize("params", [{"room": "ABCDEF"}, {"room": "ABCDEF", **LINK}, {"present": "1", **LINK}])
def test_an_unwritable_data_folder_is_a_notice_and_the_lecture_goes_on(tmp_path, monkeypatch, params):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(blocker / "data"))
    at = run_page("app.py", params)
    assert not at.exception, at.exception
    if "present" in params:  # the presenter tries to open a room
        at = at.button(key="lab-room-open").click().run()
        assert not at.exception, at.exception
    assert "Rooms are unavailable" in _text(at)
    assert str(tmp_path) not in _text(at)  # no server path
    if "lecture" in params:
        assert any("Scene 1 of" in m.value for m in at.markdown)  # the lecture goes on


def test_with_a_lecturer_key_opening_a_room_needs_it(monkeypatch):
    monkeypatch.setenv(hall.KEY_ENV, "correct horse")
    at = run_page("app.py", {"present": "1", **LINK})
    at = at.button(key="lab-room-open").click().run()
    assert "lecturer key" in _text(at) and "room" not in at.query_params
    at.text_input(key="lab-room-key").set_value("wrong")
    at = at.button(key="lab-room-open").click().run()
    assert "room" not in at.query_params
    at.text_input(key="lab-room-key").set_value("correct horse")
    at = at.button(key="lab-room-open").click().run()
    assert not at.exception and rooms.normal_code(at.query_params["room"])


def test_without_a_key_one_session_opens_one_room():
    at = run_page("app.py", {"present": "1", **LINK})
    assert "One room per browser session" in at.button(key="lab-room-open").help
    at = at.button(key="lab-room-open").click().run()
    first = at.query_params["room"]
    at.query_params.pop("room")
    at.query_params.pop("token")
    at = at.run()
    at = at.button(key="lab-room-open").click().run()
    assert "open already" in _text(at) and first in _text(at)


def _tornado_cookie(token: bytes, mask: bytes) -> str:
    return f"2|{mask.hex()}|{bytes(a ^ b for a, b in zip(mask, token, strict=True)).hex()}|1760000000"


def test_a_reload_or_a_new_tab_of_the_same_browser_does_not_vote_twice(monkeypatch):
    code, _ = room.store().open_room({**POSITION, "page": "/", "query": "", "ask": False})
    token = bytes(range(16))
    for i, mask in enumerate([b"\x01" * 16, b"\x7f" * 16, b"\x01" * 16]):  # three tabs or reloads, one browser
        monkeypatch.setattr(hall, "_cookie", lambda m=mask: _tornado_cookie(token, m))
        run_page("app.py", {"room": code})  # a new session each time
        voter = _voter_of_this_browser(code)
        room.store().answer(code, "v", "q", voter, str(i))
    assert room.store().count(code, "v", "q") == 1
    monkeypatch.setattr(hall, "_cookie", lambda: _tornado_cookie(bytes(16), b"\x01" * 16))  # another browser
    room.store().answer(code, "v", "q", _voter_of_this_browser(code), "9")
    assert room.store().count(code, "v", "q") == 2


def _voter_of_this_browser(code: str) -> str:
    """The id ``lab.classroom.room.voter`` gives in a run of this browser (outside a run: the same computation)."""
    return room.voter(code)


def test_room_code_guesses_are_limited_per_session():
    at = run_page("app.py", {"room": "ABCDEF"})
    for guess in ["ABCDEG", "ABCDEH", "ABCDEJ", "ABCDEK", "ABCDEM", "ABCDEN"]:
        at.query_params["room"] = guess
        at = at.run()
        assert not at.exception
    assert "Too many room codes tried" in _text(at)


def test_a_student_with_present_1_gets_a_notice():
    code, _ = room.store().open_room({**POSITION, "page": "/", "query": "", "ask": False})
    at = run_page("app.py", {"room": code, "present": "1"})
    assert not at.exception
    assert "moves with its presenter only" in _text(at)
