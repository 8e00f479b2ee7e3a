"""The lecture on the home page: "Start the lecture" (the shipped lecture at scene 1 in presenter mode), "Open a room
for the class" (the same, with a room the students join) and "Write your own lecture" (My lecture,
:mod:`lab.classroom.builder`)."""

from __future__ import annotations

import streamlit as st

from residual_core import lectures
from residual_core.lectures import Lecture, LectureError
from residual_core.rooms import UNJOINED_SECONDS

from ..chrome import share
from ..chrome.nav import available_pages
from ..chrome.text import plain
from . import hall, lecture, room

SHIPPED = "residuals"  # lectures/residuals.toml
# In presenter mode the scene bar (lab.classroom.lecture.bar) offers its own "Open a room for the class" for the view
# on screen; on the home page that view is Home itself, and two buttons of one name would open different rooms: the
# home page shows only the lecture's. Fixed text.
ONE_ROOM_BUTTON_CSS = "<style>.st-key-lab-room-open, .st-key-lab-room-key { display: none; }</style>"


def shipped() -> Lecture | None:
    """The shipped lecture, or ``None`` when this deployment cannot show it (its file, or one of its pages, missing)."""
    try:
        found = lectures.load(SHIPPED)
    except LectureError:
        return None
    pages = {p.key for p in available_pages()}
    return found if all(s.key in pages for s in found.scenes) else None


def start_query() -> dict:
    """The query of "Start the lecture": scene 1 in presenter mode (a room member keeps the room)."""
    return {lecture.LECTURE: SHIPPED, lecture.SCENE: "1", share.PRESENT: "1"}


def open_room(found: Lecture, given_key: str | None) -> None:
    """Open a room at scene 1 of the shipped lecture, in presenter mode: :func:`lab.classroom.room.open_room` puts the
    room into this address and reruns; the home page then switches to the room's view, the scene, with its bar."""
    cur = lecture.Current(found, {lecture.LECTURE: SHIPPED}, SHIPPED, 1, on_scene=False)
    st.query_params[share.PRESENT] = "1"
    room.open_room(lecture.scene_position(cur, 1), given_key)  # reruns when the room is open
    st.query_params.pop(share.PRESENT, None)  # it could not open (it said why): the page stays as it was


def block() -> None:
    """The three ways into a lecture, side by side (stacked on a phone)."""
    found = shipped()
    if found is not None and room.member() is None and share.presenting():
        st.html(ONE_ROOM_BUTTON_CSS)
    st.subheader("Run a lecture")
    start, hall_col, own = st.columns(3)
    with start.container(border=True, height="stretch"):
        if found is None:
            st.markdown("**Start the lecture**")
            st.caption("The shipped lecture is not part of this deployment.")
        else:
            st.page_link("app.py", label="Start the lecture", icon=":material/slideshow:", query_params=start_query())
            st.caption(
                f"*{plain(found.title)}*: {len(found.scenes)} scenes, each a page of the app with its settings. "
                "Presenter mode: large type, Prev/Next and the keys a presentation clicker sends."
            )
    with hall_col.container(border=True, height="stretch"):
        member = room.member()
        if found is None or member is not None:
            st.markdown("**Open a room for the class**")
        if found is None:
            st.caption("The shipped lecture is not part of this deployment.")
        elif member is not None:
            st.caption(f"This browser is in room {member.code}.")
        else:
            _room_button(found)
    with own.container(border=True, height="stretch"):
        st.markdown(":material/edit_note: **Write your own lecture**")
        st.caption(
            "Set a page up, then *Add this view to my lecture* under **My lecture** in the sidebar (on a phone, open "
            "the sidebar first). Each view becomes a scene with its exact settings; download the lecture as a "
            "TOML file for `lectures/`, share it as one link, or present it at once."
        )


def _room_button(found: Lecture) -> None:
    keyed = hall.lecturer_key() is not None
    given = None
    if keyed:
        given = st.text_input("Lecturer key", type="password", key="lab-home-room-key", max_chars=200)
    clicked = st.button(
        "Open a room for the class",
        key="lab-home-room-open",
        icon=":material/groups:",
        help="This server asks for its lecturer key."
        if keyed
        else f"One room per browser session; a room nobody joins frees its place after {UNJOINED_SECONDS // 60} "
        "minutes.",
    )
    st.caption(
        "Opens the lecture at scene 1 in presenter mode with a room: students join with a short code or the QR code, "
        "follow your scenes and answer the pages' prediction questions before you reveal the answers."
    )
    if clicked:
        open_room(found, given)
