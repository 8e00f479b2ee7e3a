"""AppTest, issue 18: the lecture on the home page. Its title is the app's name; "Start the lecture" opens the shipped
lecture at scene 1 in presenter mode; "Open a room for the class" opens a room at that scene, in presenter mode, as
its presenter; "Write your own lecture" points at My lecture; "Using it in a lecture" names the lecture and the room."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from lab.chrome import nav
from lab.chrome.text import plain
from lab.classroom import hall, home
from residual_core import catalog, lectures, rooms
from tests.conftest import run_page

LECTURE = lectures.load("residuals")
FIRST = LECTURE.scene(1)


@pytest.fixture(autouse=True)
def _data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDUAL_LAB_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(hall.KEY_ENV, raising=False)
    return tmp_path / "data"


def _links(at) -> dict[str, tuple[str, dict]]:
    return {p.proto.label: (p.proto.page, dict(parse_qsl(p.proto.query_string))) for p in at.get("page_link")}


def _bar(at) -> str:
    return next((m.value for m in at.markdown if "**Scene " in m.value), "")


def _text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "subheader") for e in getattr(at, kind))


def test_home_is_titled_with_the_apps_name_and_starts_the_lecture_near_the_top():
    at = run_page("app.py")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Residual Lab"]
    assert nav.heading(catalog.page("")) == "Residual Lab" and nav.heading(catalog.page("why")) != "Residual Lab"
    heads = [s.value for s in at.subheader]
    assert heads.index("Run a lecture") < heads.index("Concept pages") < heads.index("Using it in a lecture")
    page, query = _links(at)["Start the lecture"]
    assert page.endswith("app.py") or page in ("", "/", "app")  # the home page routes a lecture link
    assert query == {"lecture": "residuals", "scene": "1", "present": "1"}
    assert plain(LECTURE.title) in _text(at) and f"{len(LECTURE.scenes)} scenes" in _text(at)
    assert at.button(key="lab-home-room-open").label == "Open a room for the class"
    assert "My lecture" in _text(at) and "Add this view to my lecture" in _text(at)
    assert "Home" in _links(at)  # the sidebar still calls it Home


def test_the_start_link_opens_scene_1_in_presenter_mode():
    at = run_page("app.py", home.start_query())
    assert not at.exception, at.exception
    assert f"**Scene 1 of {len(LECTURE.scenes)}**" in _bar(at)
    assert [t.value for t in at.title] == [catalog.page(FIRST.key).title]
    assert at.query_params["present"] == ["1"] or at.query_params["present"] == "1"


def test_open_a_room_opens_the_lecture_at_scene_1_with_a_room_in_presenter_mode():
    at = run_page("app.py")
    at = at.button(key="lab-home-room-open").click().run()
    assert not at.exception, at.exception
    params = {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["lecture"] == "residuals" and params["scene"] == "1" and params["present"] == "1"
    code = rooms.normal_code(params["room"])
    assert code and params["token"]
    assert [t.value for t in at.title] == [catalog.page(FIRST.key).title]
    assert f"**Scene 1 of {len(LECTURE.scenes)}**" in _bar(at)
    assert any(f"**Room {code}**" in m.value for m in at.markdown)  # the presenter's room bar
    room = rooms.Store(rooms.data_folder() / "rooms.sqlite3").room(code)
    assert room.position["view"] == "residuals:1" and room.position["page"] == FIRST.page


def test_with_a_lecturer_key_the_home_room_button_needs_it(monkeypatch):
    monkeypatch.setenv(hall.KEY_ENV, "correct horse")
    at = run_page("app.py")
    at.text_input(key="lab-home-room-key").set_value("wrong")
    at = at.button(key="lab-home-room-open").click().run()
    assert "room" not in at.query_params and "present" not in at.query_params
    assert any("lecturer key" in e.value for e in at.error)
    at.text_input(key="lab-home-room-key").set_value("correct horse")
    at = at.button(key="lab-home-room-open").click().run()
    assert not at.exception and rooms.normal_code(at.query_params["room"])


def test_without_the_shipped_lecture_home_says_so_and_links_nowhere(monkeypatch):
    monkeypatch.setattr(home, "SHIPPED", "no-such-lecture")
    at = run_page("app.py")
    assert not at.exception, at.exception
    assert "Start the lecture" not in _links(at)
    assert not [b for b in at.button if b.key == "lab-home-room-open"]
    assert "The shipped lecture is not part of this deployment." in _text(at)


def test_using_it_in_a_lecture_names_the_lecture_and_the_room():
    at = run_page("app.py")
    text = _text(at)
    assert "/?lecture=residuals&scene=1&present=1" in text
    assert "*Open a room for the class*" in text and "prediction" in text


def test_in_presenter_mode_home_shows_one_open_a_room_button():
    at = run_page("app.py", {"present": "1"})
    assert not at.exception, at.exception
    styles = [h.proto.body for h in at.get("html") if h.proto.body == home.ONE_ROOM_BUTTON_CSS]
    assert len(styles) == 1
    assert {b.key for b in at.button if b.label == "Open a room for the class"} == {
        "lab-room-open",
        "lab-home-room-open",
    }
    at = run_page("app.py")
    assert not [h for h in at.get("html") if h.proto.body == home.ONE_ROOM_BUTTON_CSS]  # no bar button to hide
