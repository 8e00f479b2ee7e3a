"""AppTest: a lecture in one link (lab/classroom/lecture.py, builder.py, predict.py without a room).

Every scene of the shipped lecture opens from its lecture link with its page and its state and 0 exceptions; Prev and
Next; predict-then-reveal alone (nothing stored); "Add this view to my lecture", its TOML file and its one link
(bounded); bad lecture, scene, room and token values give a notice, never a traceback.
"""

from __future__ import annotations

import math
import os
from urllib.parse import parse_qsl, urlsplit

import pytest
import streamlit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from lab.chrome.text import plain
from lab.classroom import builder
from residual_core import catalog, lectures, questions, rooms
from tests.conftest import run_page, warnings_text

LECTURE = lectures.load("residuals")
SCENES = list(enumerate(LECTURE.scenes, start=1))


@pytest.fixture(autouse=True, scope="module")
def _data_folder(tmp_path_factory):
    """The rooms' store of these tests: an empty folder (a predict-then-reveal alone must leave it empty)."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESIDUAL_LAB_DATA", str(folder))
        yield folder


def _nothing_stored() -> bool:
    path = rooms.data_folder() / "rooms.sqlite3"
    return not path.exists() or rooms.Store(path).stats() == {"rooms": 0, "answers": 0}


def _scene_link(n, **extra) -> dict:
    return {"lecture": "residuals", "scene": str(n), **extra}


def _bar(at) -> str:
    return next((m.value for m in at.markdown if "**Scene " in m.value), "")


def _controls(at) -> dict:
    out = {}
    for kind in ("slider", "number_input", "button_group"):
        out |= {w.key: w.value for w in getattr(at, kind) if w.key and not w.key.startswith("$$")}
    return out


def _asked(at) -> bool:
    return any("Predict, then reveal." in m.value for m in at.markdown)


def _same(shown, wanted: str) -> bool:
    try:
        return math.isclose(float(shown), float(wanted))
    except (TypeError, ValueError):
        return str(shown) == wanted


@pytest.mark.slow
@pytest.mark.parametrize(("number", "scene"), SCENES, ids=[f"scene-{n}" for n, _ in SCENES])
def test_every_scene_of_the_shipped_lecture_opens_with_its_page_and_state(number, scene):
    at = run_page("app.py", _scene_link(number))
    assert not at.exception, at.exception
    assert not warnings_text(at)
    assert [t.value for t in at.title] == [catalog.page(scene.key).title]
    assert f"**Scene {number} of {len(LECTURE.scenes)}**" in _bar(at)
    controls = _controls(at)
    for key, value in parse_qsl(scene.query):
        assert _same(controls[key], value), (key, controls[key], value)
    # the lecture link stays in the address, so the scene bar knows where it is
    assert at.query_params["lecture"] == "residuals" and at.query_params["scene"] == str(number)
    assert _asked(at) == scene.ask
    assert "Prev" in [b.label for b in at.button] and "Next" in [b.label for b in at.button]
    assert not any(scene.note in m.value for m in at.markdown)  # the lecturer's note: presenter mode only


def test_presenter_mode_folds_the_note_away_and_has_the_clicker_keys():
    at = run_page("app.py", _scene_link(3, present="1"))
    assert not at.exception
    note = plain(LECTURE.scenes[2].note)
    assert not any(note in m.value for m in at.markdown)  # projected: folded into "Speaker note", not even sent
    assert any("PageDown" in h.proto.body for h in at.get("html"))
    at.session_state["lab-lecture-note"] = True  # the lecturer opens "Speaker note"
    at = at.run()
    assert not at.exception
    assert any(note in m.value for m in at.markdown)


def _reveal_alone(at, typed: str | None):
    """Predict (if ``typed``) and reveal on a scene without a room."""
    if typed is not None:
        box = at.text_input[0] if at.text_input else None
        if box is not None and box.key.startswith("lab-ask-input"):
            box.set_value(typed)
        else:
            radio = next(r for r in at.radio if r.key.startswith("lab-ask-input"))
            radio.set_value(radio.options[0])
        at = next(b for b in at.button if b.label == "Lock in my prediction").click().run()
        assert not at.exception
    return next(b for b in at.button if b.key and b.key.startswith("lab-ask-reveal")).click().run()


ASKED = [(n, s) for n, s in SCENES if s.ask and s.key != "training"]  # the training lab's reveal trains a network


@pytest.mark.slow
@pytest.mark.parametrize(("number", "scene"), ASKED, ids=[f"scene-{n}" for n, _ in ASKED])
def test_predict_then_reveal_alone_on_every_asked_scene(number, scene):
    at = run_page("app.py", _scene_link(number))
    charts_before = len(at.get("vega_lite_chart"))
    at = _reveal_alone(at, "0.5")
    assert not at.exception, at.exception
    answer = next(m.value for m in at.markdown if "**Answer:" in m.value)
    assert "Your prediction:" in " ".join(m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart")) > charts_before  # the charts that give the answer away come after it
    assert _nothing_stored()
    if number == 1:  # 0.9^100, computed here independently of the app
        assert questions.short(0.9**100) in answer
    if number == 2:
        assert questions.short(1.1**100) in answer


def test_prev_and_next_step_through_scenes_with_their_state():
    at = run_page("app.py", _scene_link(1))
    at.slider(key="depth").set_value(40).run()  # the visitor explores scene 1
    at = at.button(key="lab-lecture-next").click().run()
    assert not at.exception and "Scene 2 of" in _bar(at)
    assert _controls(at)["factor"] == 1.1 and _controls(at)["depth"] == 100  # the scene's values, not the visitor's
    at = at.button(key="lab-lecture-next").click().run()
    assert not at.exception and "Scene 3 of" in _bar(at)
    assert [t.value for t in at.title] == [catalog.page("residual-math").title]
    at = at.button(key="lab-lecture-prev").click().run()
    at = at.button(key="lab-lecture-prev").click().run()
    assert not at.exception and "Scene 1 of" in _bar(at)
    assert _controls(at)["factor"] == 0.9 and _controls(at)["depth"] == 100
    assert at.button(key="lab-lecture-prev").disabled


@pytest.fixture
def captured(monkeypatch):
    """What the "Download TOML" button would send (its data), captured on the way to Streamlit."""
    sent = {}
    real = streamlit.download_button

    def spy(label, data=None, *args, **kwargs):
        sent[label] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    return sent


def test_add_this_view_to_my_lecture_download_and_one_link(captured):
    at = run_page("pages/vanishing.py", {"depth": "12", "factor": "1.05"})
    at = at.button(key="lab-my-add").click().run()
    assert not at.exception
    lecture = lectures.parse(captured["Download TOML"])
    assert [(s.page, dict(parse_qsl(s.query))) for s in lecture.scenes] == [
        ("/vanishing", {"factor": "1.05", "depth": "12"})
    ]
    link = next(c.value for c in at.code if "deck=" in c.value)
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["scene"] == "1" and lectures.unpack(query["deck"]) == lecture
    # the link opens the lecture: its scene 1 is this view
    at = run_page("app.py", {"deck": query["deck"], "scene": "1"})
    assert not at.exception and "Scene 1 of 1" in _bar(at)
    assert _controls(at)["depth"] == 12 and _controls(at)["factor"] == 1.05


def test_a_lecture_too_long_for_a_link_is_offered_as_a_file_only(captured):
    at = run_page("app.py")
    noise = [os.urandom(200).hex() for _ in range(lectures.MAX_SCENES)]  # notes that do not compress
    scenes = [{"page": "/vanishing", "query": f"depth={10 + i}", "title": f"S{i}", "note": noise[i][:400]} for i in
              range(lectures.MAX_SCENES)]  # fmt: skip
    at.session_state[builder.SCENES] = scenes
    at = at.run()
    assert not at.exception
    assert any("Not as one link" in c.value for c in at.caption)
    assert not any("deck=" in c.value for c in at.code)
    assert len(lectures.parse(captured["Download TOML"]).scenes) == lectures.MAX_SCENES
    assert at.button(key="lab-my-add").disabled  # no 41st scene


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"lecture": "nope"}, "there is no lecture"),
        ({"lecture": "../README"}, "there is no lecture"),
        ({"deck": "not-a-deck"}, "damaged"),
        ({"deck": "x" * 7000}, "characters"),
        ({"lecture": "residuals", "scene": "99"}, "Showing **scene 11**"),
        ({"lecture": "residuals", "scene": "-3"}, "Showing **scene 1**"),
        ({"lecture": "residuals", "scene": "two"}, "Showing **scene 1**"),
        ({"room": "ABCDEF"}, "not on this server"),
        ({"room": "<b>x</b>"}, "is not a room code"),
        ({"room": "ABCDEF", "token": "guess", "present": "1"}, "not on this server"),
    ],
)
def test_bad_lecture_scene_and_room_values_give_a_notice(params, says):
    at = run_page("app.py", params)
    assert not at.exception, at.exception
    assert says in warnings_text(at), warnings_text(at)
    assert "token" not in at.query_params


KEYS = ["lecture", "deck", "scene", "room", "token", "present"]
ODD = ["", "residuals", "0", "1", "11", "12", "-1", "1e9", "nan", "ABCDEF", "abc-def", "../x", "%00", "🙂", "9" * 300]


@settings(max_examples=14, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    params=hs.dictionaries(hs.sampled_from(KEYS), hs.one_of(hs.sampled_from(ODD), hs.text(max_size=12)), max_size=4),
    page=hs.sampled_from(["app.py", "pages/vanishing.py"]),
)
@pytest.mark.slow
def test_hostile_lecture_and_room_keys_never_raise(params, page):
    """The lecture's and the room's URL keys (hypothesis): 0 exceptions, and no presenter without a real room."""
    at = run_page(page, params)
    assert not at.exception, f"{page} raised with {params}: {at.exception[0].message}"
    assert not any(b.key == "lab-ask-reveal" for b in at.button)  # the room's reveal: its presenter only
    assert "token" not in at.query_params
    assert _nothing_stored()
