"""The speaker view: the lecturer's own screen in a room (``?room=CODE&token=...&speaker=1``, on a laptop or a phone).

It shows the scene the class sees, its note, the next scene's title, how many have answered, Prev/Next/Reveal and the
clicker keys, and moves the room (:func:`lab.classroom.room.move`); the projected page and the students' phones
follow it. :func:`lab.classroom.lecture.start` decides whether a run is the speaker view; :func:`lab.page` then draws
this instead of the page.
"""

from __future__ import annotations

import streamlit as st

from residual_core import catalog
from residual_core.lectures import LectureError

from ..chrome.text import plain
from . import room
from .lecture import DECK, KEYBOARD_JS, LAST_SCENE, LECTURE, SCENE, SPEAKER_SECONDS, Current, resolve, scene_position


def _position_scene(pos: dict) -> Current | None:
    """The lecture scene the room shows (``None`` for a view that is no scene, or a lecture that no longer loads)."""
    if not pos.get("scene"):
        return None
    try:
        found = resolve(pos.get(DECK), pos.get(LECTURE))
        number = int(pos["scene"])
    except (LectureError, ValueError, TypeError):
        return None
    if found is None:
        return None
    lecture, ref, lid = found
    return Current(lecture, ref, lid, lecture.clamp(number), False)


def speaker_view(m: room.Member) -> None:
    """The lecturer's own screen (a laptop or a phone; ``?room=CODE&token=...&speaker=1``): the scene the class sees,
    its note, the next scene's title, how many have answered, Prev/Next/Reveal and the clicker keys. It moves the
    room (:func:`room.move`); the projected page and the students' phones follow it. It polls the room, so a move
    from the projected page shows here too."""
    pos, view = m.position, str(m.position.get("view", ""))
    cur = _position_scene(pos)
    if cur is not None:
        st.session_state[LAST_SCENE] = (pos.get(DECK), pos.get(LECTURE), cur.number)
    elif st.session_state.get(LAST_SCENE):
        deck, stem, number = st.session_state[LAST_SCENE]
        cur = _position_scene({DECK: deck, LECTURE: stem, SCENE: number})
    page_key = str(pos.get("page", "/")).strip("/")
    asked = [q.id for q in _page_questions(page_key)] if pos.get("ask", True) else []
    try:
        revealed = room.store().revealed(m.code, view)
    except room.StorageError as err:
        st.warning(plain(err), icon=":material/cloud_off:")
        revealed = False
    showing = cur is not None and pos.get("view") == cur.view
    with st.container(border=True, key="lab-speaker"):
        st.markdown(f":material/record_voice_over: **Speaker view** · Room {m.code} · keep this link to yourself")
        where = f"**Scene {cur.number} of {len(cur.lecture.scenes)}** · " if showing else ""
        st.markdown(f"The class sees: {where}*{plain(pos.get('title') or pos.get('page'))}*")
        with st.container(key="lab-speaker-note"):
            if showing and cur.scene.note:
                st.subheader(plain(cur.scene.note), anchor=False)
            elif showing:
                st.caption("This scene has no note.")
            else:
                st.caption("This view is no scene of a lecture: it has no note.")
        upcoming = cur.number + 1 if cur is not None else 0
        if cur is not None:
            if upcoming <= len(cur.lecture.scenes):
                title = cur.lecture.scene(upcoming).title
                st.markdown(f":material/skip_next: Next: **scene {upcoming}** · {plain(title)}")
            else:
                st.markdown(":material/flag: This is the lecture's last scene.")
        _speaker_count(m, view, asked, revealed)
        with st.container(horizontal=True, gap="small"):
            prev = st.button(
                "Prev", key="lab-lecture-prev", icon=":material/arrow_back:", disabled=cur is None or cur.number <= 1
            )
            nxt = st.button(
                "Next",
                key="lab-lecture-next",
                icon=":material/arrow_forward:",
                type="primary",
                disabled=cur is None or upcoming > len(cur.lecture.scenes),
            )
            reveal = st.button(
                "Reveal the answer",
                key="lab-speaker-reveal",
                icon=":material/visibility:",
                disabled=not asked or revealed,
            )
        st.caption(
            "Clicker keys: PageDown or → for Next, PageUp or ← for Prev. The projected page and the students' phones "
            f"check for a move every {room.POLL_SECONDS:g} s and follow once their page has run (a large hall takes "
            "longer: docs/deploy.md has the measured times)."
            + ("" if cur is not None else " This room shows no lecture: move it from the projected page.")
        )
    st.html(KEYBOARD_JS, unsafe_allow_javascript=True)
    if prev and cur is not None:
        _speaker_go(m, cur, cur.number - 1 if showing else cur.number)
    if nxt and cur is not None:
        _speaker_go(m, cur, upcoming)
    if reveal:
        try:
            st.session_state[room.SEEN] = room.store().reveal(m.code, m.token, view)
        except room.RoomError as err:
            st.error(plain(err), icon=":material/error:")
        else:
            st.rerun()


def _page_questions(page_key: str):
    try:
        return catalog.page(page_key).questions
    except KeyError:
        return ()


def _speaker_go(m: room.Member, cur: Current, number: int) -> None:
    if room.move(m, scene_position(cur, cur.lecture.clamp(number))):
        st.rerun()


def _speaker_count(m: room.Member, view: str, asked: list[str], revealed: bool) -> None:
    """How many have answered the view's question, refreshed every :data:`SPEAKER_SECONDS`; a move or a reveal from
    elsewhere (the projected page) redraws the whole view."""

    @st.fragment(run_every=SPEAKER_SECONDS)
    def count():
        try:
            if room.polling() and room.store().version(m.code) != st.session_state.get(room.SEEN):
                st.rerun(scope="app")
            n = sum(room.store().count(m.code, view, q) for q in asked)
        except room.StorageError as err:
            st.warning(plain(err), icon=":material/cloud_off:")
            return
        if not asked:
            st.markdown(":material/how_to_vote: No question on this view.")
            return
        state = "revealed" if revealed else "answers open"
        st.markdown(f":material/how_to_vote: **{n}** answer{'' if n == 1 else 's'} so far · {state}")

    with st.container(key="lab-speaker-count"):
        count()
