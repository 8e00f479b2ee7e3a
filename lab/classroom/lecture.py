"""A lecture in one link: scenes stepped through with Prev/Next (and the keys a presentation clicker sends), each a
page with its URL state, the scene's title and the lecturer's note; the room the class follows
(:mod:`lab.classroom.room`).

``/?lecture=STEM&scene=N`` (a file ``lectures/STEM.toml``) or ``/?deck=...&scene=N`` (a lecture packed into the link,
:func:`residual_core.lectures.pack`) opens scene N: the home page switches to the scene's page with the scene's query
(:func:`route`), keeping ``lecture``/``deck`` and ``scene`` in the address so the scene bar knows where it is. Prev and
Next switch straight to the next scene's page (:func:`lab.classroom.room.switch_to`: its controls take the scene's
values).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from residual_core import catalog, lectures
from residual_core.bounds import BoundError
from residual_core.lectures import Lecture, LectureError
from residual_core.rooms import UNJOINED_SECONDS

from ..chrome import share
from ..chrome.nav import available_pages
from ..chrome.text import code, plain
from . import hall, room

LECTURE, DECK, SCENE = "lecture", "deck", "scene"  # URL keys
CONTEXT_KEYS = (LECTURE, DECK, SCENE)

# Clicker keys: PageDown/ArrowRight press Next, PageUp/ArrowLeft press Prev, unless the visitor is typing or on a
# slider (whose arrow keys move it). Fixed text: nothing a visitor sends reaches it.
KEYBOARD_JS = """<script>
(() => {
  if (window.__labLectureKeys) document.removeEventListener("keydown", window.__labLectureKeys, true);
  window.__labLectureKeys = (e) => {
    const t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (typing || (t && t.getAttribute("role") === "slider")) return;
    const next = e.key === "PageDown" || e.key === "ArrowRight", prev = e.key === "PageUp" || e.key === "ArrowLeft";
    if (!next && !prev) return;
    const button = document.querySelector(next ? ".st-key-lab-lecture-next button" : ".st-key-lab-lecture-prev button");
    if (!button || button.disabled) return;
    e.preventDefault();
    button.click();
  };
  document.addEventListener("keydown", window.__labLectureKeys, true);
})();
</script>"""

# A scene's section at the top of the window: fixed text with the section's name (checked kebab-case, from the
# catalog) as a JSON string. The page is still drawing when it runs, so it waits for the heading (anchored by the
# section's name, lab.section) and keeps it at the top, below Streamlit's header, while what lies above it grows;
# it stops at the visitor's first scroll, touch, click or key, or after 20 s.
SCROLL_JS = """<script>
(() => {
  const name = __SECTION__, run = (window.__labScrollRun || 0) + 1, started = Date.now();
  window.__labScrollRun = run;
  let stopped = false;
  const stop = () => { stopped = true; };
  for (const type of ["wheel", "touchstart", "pointerdown", "keydown"])
    window.addEventListener(type, stop, {capture: true, once: true, passive: true});
  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowY;
      if ((o === "auto" || o === "scroll") && p.scrollHeight > p.clientHeight) return p;
    }
    return document.scrollingElement;
  };
  const tick = () => {
    if (stopped || window.__labScrollRun !== run || Date.now() - started > 20000) return;
    const el = document.getElementById(name);
    if (el) {
      const header = document.querySelector('[data-testid="stHeader"]');
      const top = header && getComputedStyle(header).display !== "none" ? header.getBoundingClientRect().bottom : 0;
      const off = el.getBoundingClientRect().top - Math.max(0, top) - 8;
      if (Math.abs(off) > 2) scroller(el).scrollTop += off;
    }
    setTimeout(tick, 100);
  };
  tick();
})();
</script>"""
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,80}")  # a declared section's name (lab.section anchors its heading by it)


def scroll_script(section: str) -> str:
    """:data:`SCROLL_JS` for ``section``, which must be a section's name (a slug; anything else gives ``""``, so no
    text from a link or the store reaches the script)."""
    return SCROLL_JS.replace("__SECTION__", json.dumps(section)) if _SLUG.fullmatch(section or "") else ""


NOTE = "lab-lecture-note"  # the "Speaker note" popover's key
OPENED = "lab-lecture-opened"  # session state: the (page, view) this session last opened at its section
LAST_SCENE = "lab-speaker-scene"  # session state: the speaker view's last lecture scene (deck, stem, number)
SPEAKER_SECONDS = 1.0  # the speaker view's count of answers (and the room's version) refresh this often

_run = threading.local()


@dataclass(frozen=True)
class Current:
    """The lecture this page belongs to: which one (``ref``: ``{lecture: stem}`` or ``{deck: packed}``), which scene
    (``number``, from 1) and whether this page is that scene's page (``on_scene``)."""

    lecture: Lecture
    ref: dict
    lid: str
    number: int
    on_scene: bool

    @property
    def scene(self):
        return self.lecture.scene(self.number)

    @property
    def view(self) -> str:
        """This scene's name in a room (its answers and its reveal)."""
        return f"{self.lid}:{self.number}"


def current() -> Current | None:
    return getattr(_run, "current", None)


@functools.lru_cache(maxsize=64)
def _unpack(value: str, pages: frozenset[str]) -> Lecture:
    return lectures.unpack(value, pages)


def _pages() -> frozenset[str]:
    return frozenset(p.key for p in available_pages())


def read() -> tuple[Lecture, dict, str] | None:
    """The lecture named by this address (``lecture=`` or ``deck=``), or ``None``; raises :class:`LectureError`."""
    return resolve(st.query_params.get(DECK), st.query_params.get(LECTURE))


def resolve(deck: str | None, stem: str | None) -> tuple[Lecture, dict, str] | None:
    """The lecture packed in ``deck`` or shipped as ``stem`` (``(lecture, ref, lid)``), or ``None``; raises
    :class:`LectureError`."""
    if deck:
        lecture = _unpack(deck, _pages())
        return lecture, {DECK: deck}, "deck-" + hashlib.sha256(deck.encode()).hexdigest()[:10]
    if stem:
        lecture = lectures.load(stem)
        missing = [s.page for s in lecture.scenes if s.key not in _pages()]
        if missing:
            raise LectureError(f"scene page {missing[0]} is not part of this deployment")
        return lecture, {LECTURE: stem}, stem
    return None


def _number(lecture: Lecture) -> int:
    raw = st.query_params.get(SCENE, "1")
    try:
        wanted = int(str(raw).strip())
    except ValueError:
        wanted = 1
    number = lecture.clamp(wanted)
    if str(number) != str(raw).strip():
        room.say(f"URL parameter {code('scene=' + str(raw), 16)} cannot be used: this lecture has scenes 1 to "
               f"{len(lecture.scenes)}. Showing **scene {number}**.")  # fmt: skip
    return number


def scene_values() -> dict | None:
    """On the first run of a page switched to as a scene: the scene's query (URL key -> text). Each control then takes
    its value from it, or its default where the scene leaves it out (:func:`lab.page` hands it to
    :func:`lab.chrome.controls.use_scene`): a control keeps the value a visitor last gave it when they come back to a
    page, and a scene must not inherit it."""
    return getattr(_run, "apply", None)


def start(page_key: str) -> None:
    """This run's lecture and room (called by :func:`lab.page`). On the home page, a lecture link or a room link
    switches to its scene; the speaker view (:mod:`lab.classroom.speaker`) stays where it is."""
    _run.current = None
    _run.apply = room.take_scene_values(page_key)
    room.show_flashed()
    member = room.start()
    _run.speaker = _speaking(member)
    if _run.speaker:
        return
    try:
        found = read()
    except LectureError as err:
        room.say(f"This lecture link cannot be used: {plain(err)}.")
        for key in CONTEXT_KEYS:
            st.query_params.pop(key, None)
        found = None
    if found is not None:
        lecture, ref, lid = found
        number = _number(lecture)
        _run.current = Current(lecture, ref, lid, number, lecture.scene(number).key == page_key)
    following = member is not None and not member.presenter and room.following(member.code)
    seen = st.session_state.get(room.VIEW)
    if page_key != "":
        if following and seen != member.position.get("view"):
            room.route(member)  # the class has moved on: follow it
        if member is not None and member.presenter and seen is not None and seen != member.position.get("view"):
            room.route(member)  # the speaker view moved the room since this page last showed it: follow it
        return
    if following or (member is not None and _run.current is None):
        room.route(member)  # a room's link: its current view (a student in a room follows it, not a lecture link)
    elif _run.current is not None:
        route_lecture(_run.current, member)


def scene_position(cur: Current, number: int) -> dict:
    """What a room shows for scene ``number`` of ``cur``'s lecture."""
    scene = cur.lecture.scene(number)
    return {
        "page": scene.page,
        "query": scene.query,
        "title": scene.title,
        **cur.ref,
        "scene": number,
        "scenes": len(cur.lecture.scenes),
        "ask": scene.ask,
        "section": scene.section,
        "view": f"{cur.lid}:{number}",
    }


def route_lecture(cur: Current, member: room.Member | None) -> None:
    """Open scene ``cur.number``: its page with its query (the home page stays when the scene is the home page)."""
    scene = cur.scene
    if member is not None and member.presenter and member.position.get("view") != cur.view:
        room.move(member, scene_position(cur, cur.number))
    if member is not None and member.presenter:
        st.session_state[room.VIEW] = cur.view
    if scene.key == "":
        return
    room.switch_to(scene.key, scene.params, {**cur.ref, SCENE: str(cur.number), **room.carried(member)})


def go(cur: Current, number: int) -> None:
    """Prev/Next: scene ``number`` (the room follows when its presenter moves)."""
    member = room.member()
    if member is not None and member.presenter:
        room.move(member, scene_position(cur, number))
    scene, context = cur.lecture.scene(number), {**cur.ref, SCENE: str(number), **room.carried(member)}
    if scene.key:
        room.switch_to(scene.key, scene.params, context)
    st.switch_page("app.py", query_params=context)  # a scene on the home page


def here_position(page_key: str) -> dict:
    """This view as a room position: the lecture's scene if the page still shows it as the scene defines it, else
    a view of its own (a new name, so its question gets fresh answers)."""
    params = {k: v for k, v in share.params().items() if k not in CONTEXT_KEYS}
    cur = current()
    if cur is not None and cur.on_scene:
        params = {**_held(page_key, cur.scene.params, params), **params}
    if cur is not None and cur.on_scene and params == cur.scene.params:
        return scene_position(cur, cur.number)
    info = catalog.page(page_key)
    title = f"{cur.scene.title} (changed)" if cur is not None and cur.on_scene else info.title
    return {
        "page": "/" + page_key,
        "query": urlencode(params),
        "title": title,
        "ask": True,
        "view": "v-" + secrets.token_hex(4),
    }


def _held(page_key: str, values: dict, params: dict) -> dict:
    """The scene's ``values`` that this page's controls still hold but the address does not show yet: a control
    given a scene's value (:func:`scene_values`) writes it into the browser's address, not into the server's
    ``st.query_params``, so a room opened or a view pushed right after the switch would lose it."""
    try:
        info = catalog.page(page_key)
    except KeyError:
        return {}
    bounds = {name: b for e in info.experiments for name, b in e.bounds.items()} | {b.name: b for b in info.selectors}
    held = {}
    for key, raw in values.items():
        bound = bounds.get(key)
        if key in params or bound is None or key not in st.session_state:
            continue
        try:
            if bound.parse(raw) == st.session_state[key]:
                held[key] = raw
        except BoundError:
            continue
    return held


def bar(page_key: str) -> None:
    """Under the title: the scene bar (scene number and title, Prev/Next, in presenter mode the clicker keys and,
    without a room, the lecturer's note folded away) and the room bar (or, for a presenter without a room, "Open a
    room"). The speaker view draws instead of it (:mod:`lab.classroom.speaker`)."""
    cur, member = current(), room.member()
    if cur is not None and cur.on_scene:
        _scene_bar(cur, member)
    if member is not None and member.presenter:
        room.presenter_bar(member, page_key, lambda: here_position(page_key))
    elif member is not None:
        room.student_bar(member, page_key)
    elif share.presenting():
        _open_room_button(page_key)
    section = _opening_section(page_key, cur, member)
    if scroll_script(section):
        st.html(scroll_script(section), unsafe_allow_javascript=True)


def _opening_section(page_key: str, cur: Current | None, member: room.Member | None) -> str:
    """The section this page opens at: the scene's (a lecture's, or the room's view), on the first run of a switch to
    it or the first time this session shows that view; ``""`` otherwise (a visitor's rerun keeps their scroll)."""
    if cur is not None and cur.on_scene:
        section, view = cur.scene.section, cur.view
    elif member is not None and room.at_view(member, page_key):
        section, view = str(member.position.get("section") or ""), member.position.get("view")
    else:
        return ""
    shown = st.session_state.get(OPENED)
    st.session_state[OPENED] = (page_key, view)
    return section if section and (scene_values() is not None or shown != (page_key, view)) else ""


def _open_room_button(page_key: str) -> None:
    """ "Open a room for the class" (with the lecturer key when the server sets one)."""
    keyed = hall.lecturer_key() is not None
    given = None
    if keyed:
        given = st.text_input("Lecturer key", type="password", key="lab-room-key", max_chars=200)
    if st.button(
        "Open a room for the class",
        key="lab-room-open",
        icon=":material/groups:",
        help="Students join with a short code or the QR code and follow your scenes; you reveal their predictions. "
        + (
            "This server asks for its lecturer key."
            if keyed
            else "One room per browser session; a room nobody "
            f"joins frees its place after {UNJOINED_SECONDS // 60} minutes."
        ),
    ):
        room.open_room(here_position(page_key), given)


def _scene_bar(cur: Current, member: room.Member | None) -> None:
    """The scene's number and title with Prev/Next. The lecturer's note is never drawn in a room (the projected view
    shows none: it is the speaker view's); without one, presenter mode folds it into "Speaker note", whose content is
    made only when the lecturer opens it."""
    total = len(cur.lecture.scenes)
    presenting = share.presenting()
    with st.container(border=True, key="lab-lecture-bar"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            with st.container(gap=None):
                st.markdown(f":material/slideshow: **Scene {cur.number} of {total}** · {plain(cur.scene.title)}")
                st.caption(plain(cur.lecture.title))
            # the note, Prev and Next in one group: on a phone it wraps under the title as a whole, Prev left of Next
            with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content"):
                if presenting and member is None and cur.scene.note:
                    note = st.popover("Speaker note", icon=":material/sticky_note_2:", key=NOTE, on_change="rerun")
                    if note.open:
                        note.markdown(plain(cur.scene.note))
                with st.container(horizontal=True, gap="small", width="content"):  # Prev and Next never apart
                    prev = st.button(
                        "Prev", key="lab-lecture-prev", icon=":material/arrow_back:", disabled=cur.number <= 1
                    )
                    nxt = st.button(
                        "Next", key="lab-lecture-next", icon=":material/arrow_forward:", disabled=cur.number >= total
                    )
        if presenting:
            st.html(KEYBOARD_JS, unsafe_allow_javascript=True)
    if prev:
        go(cur, cur.number - 1)
    if nxt:
        go(cur, cur.number + 1)


# -- the speaker view --------------------------------------------------------------------------------------------------


def speaking() -> bool:
    """Whether this run is the speaker view (decided by :func:`start`; drawn by :mod:`lab.classroom.speaker`)."""
    return getattr(_run, "speaker", False)


def _speaking(member: room.Member | None) -> bool:
    """Whether this run is the speaker view: ``speaker=1`` with the room's presenter token."""
    asked = str(st.query_params.get(room.SPEAKER, "")).lower() in ("1", "true", "yes", "on")
    if asked and (member is None or not member.presenter):
        st.query_params.pop(room.SPEAKER, None)
        room.say("The speaker view opens only from the presenter's own link (its **Speaker view** button).")
        return False
    return asked
