"""A room the class follows: the presenter opens it and gets a short code, students join with ``?room=CODE`` (a link
or the QR code in the presenter's corner) and their page follows the presenter's scene; a student can stop following,
explore on their own and rejoin. Only the presenter, who holds the room's secret token (in their session and their
presenter link, never in a student's link), can move the room or reveal answers.

The state lives in :mod:`residual_core.rooms`. A following student's page polls the room's version once every
:data:`POLL_SECONDS` in a fragment (one indexed ``SELECT``, nothing else); only when the presenter has moved or
revealed does it rerun the page, or switch to the new scene.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import streamlit as st

from residual_core import catalog
from residual_core.room_store import StorageError, key_matches
from residual_core.rooms import Room, RoomError, Store, normal_code, store_url

from ..chrome import share
from ..chrome.nav import available_pages, page_file
from ..chrome.notices import notice
from ..chrome.text import code as code_text
from ..chrome.text import plain
from . import hall

ROOM, TOKEN = "room", "token"  # URL keys: the room's code (students and presenter), the presenter's secret
SPEAKER = "speaker"  # URL key: with the presenter's token, the speaker view (lab.classroom.speaker)
POLL_SECONDS = 1.0  # a following student sees the presenter's move within this plus about half a second
SEEN, VIEW = "lab-room-seen", "lab-room-view"  # session state
APPLY = "lab-scene-apply"  # session state: the controls' values of a scene being switched to (switch_to)
APPLY_SECONDS = 30.0
FLASH = "lab-flash"  # session state: notices said in a run that then switched page, shown on the next page

_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()
_run = threading.local()


def store() -> Store:
    """The process's store for the URL in force (:func:`residual_core.rooms.store_url`: ``$RESIDUAL_LAB_STORE``, else
    the SQLite file in ``$RESIDUAL_LAB_DATA`` or ``data/``), one per URL: replicas given the same
    ``postgresql://`` URL share their rooms. Building it connects nothing; a bad URL is a :class:`StorageError`."""
    url = store_url()
    with _STORES_LOCK:
        if url not in _STORES:
            _STORES[url] = Store(url)
        return _STORES[url]


@dataclass(frozen=True)
class Member:
    """This session in a room: its code, whether it presents (a valid token) and the room as read in this run."""

    code: str
    token: str | None
    room: Room

    @property
    def presenter(self) -> bool:
        return self.token is not None

    @property
    def position(self) -> dict:
        return self.room.position


def say(message: str) -> None:
    """A notice on this page, and on the next one if this run switches to another scene."""
    notice(message)
    _run.said = [*getattr(_run, "said", []), message]


def show_flashed() -> None:
    """The notices of the run that switched here (called first thing on every page)."""
    _run.said = st.session_state.pop(FLASH, [])
    for message in _run.said:  # kept if this run switches again
        notice(message)


def _keep_notices() -> None:
    if getattr(_run, "said", None):
        st.session_state[FLASH] = list(_run.said)


def member() -> Member | None:
    """This script run's room membership (set by :func:`start`)."""
    return getattr(_run, "member", None)


def voter(code: str | None = None) -> str:
    """This browser's anonymous voter id in room ``code`` (default: this run's room): :func:`hall.voter`."""
    return hall.voter(code or (member().code if member() is not None else ""))


def following(code: str) -> bool:
    return bool(st.session_state.get(f"lab-follow-{code}", True))


def set_following(code: str, value: bool) -> None:
    st.session_state[f"lab-follow-{code}"] = value


def join_link(code: str) -> str:
    """The students' link: the app's address with ``?room=CODE`` only."""
    return share.compose(share.root_address(), {ROOM: code})


def presenter_link(code: str, token: str) -> str:
    return share.compose(share.root_address(), {ROOM: code, TOKEN: token, share.PRESENT: "1"})


def speaker_link(code: str, token: str) -> str:
    """The lecturer's speaker view (holds the token: shown to the presenter only, like :func:`presenter_link`)."""
    return share.compose(share.root_address(), {ROOM: code, TOKEN: token, SPEAKER: "1"})


def start() -> Member | None:
    """Read ``?room=`` and ``?token=`` for this run (called by :func:`lab.page`): check the token, read the room once,
    and point the presenter's QR code at the students' join link. A bad code or token gets a notice."""
    _run.member = None
    raw = st.query_params.get(ROOM)
    if raw is None:
        st.query_params.pop(TOKEN, None)  # a presenter key without its room means nothing: not kept in the address
        return None
    code = normal_code(raw)
    try:
        room = _find(code, raw)
        token = st.query_params.get(TOKEN)
        if room is not None and token is not None and not store().is_presenter(code, token):
            say(f"This presenter key does not belong to room {code}: you follow the room like everyone else.")
            st.query_params.pop(TOKEN, None)
            token = None
        if room is not None and token is None and not st.session_state.get(f"lab-joined-{code}"):
            store().join(code)
            st.session_state[f"lab-joined-{code}"] = True
    except StorageError as err:
        say(plain(err))
        room = None
    if room is None:
        st.query_params.pop(ROOM, None)
        st.query_params.pop(TOKEN, None)
        return None
    if token is None and share.presenting():
        say(f"Presenter mode: the projector's view. Room {code} moves with its presenter only; you follow it.")
    st.session_state[SEEN] = room.version
    _run.member = Member(code, token, room)
    share.set_student_link(join_link(code))
    return _run.member


def _find(code: str | None, raw) -> Room | None:
    """Room ``code`` (``raw`` as typed), or ``None`` with a notice. Codes that are not found are counted (guessing):
    over :data:`GUESSES_PER_SESSION` a minute in this session or :data:`GUESSES_PER_PROCESS` in the process, a code
    this session has not joined is not even looked up for a minute."""
    known = code is not None and st.session_state.get(f"lab-joined-{code}")
    if code and not known and hall.guessing():
        say("Too many room codes tried: wait a minute, then check the code with your lecturer.")
        return None
    room = store().room(code) if code else None
    if room is not None:
        return room
    if code:
        hall.count_guess()
    message = plain(store().missing(code) if code else f"room {raw} is not a room code", 160)
    say(f"{message[:1].upper()}{message[1:]}.")
    return None


def at_view(m: Member, page_key: str) -> bool:
    """Whether this page shows the room's current view (the page the presenter showed the class, last switched to
    by this session)."""
    return m.position.get("page", "").strip("/") == page_key and st.session_state.get(VIEW) == m.position.get("view")


def view_params(position: dict) -> dict:
    return dict(parse_qsl(position.get("query", ""), keep_blank_values=True))


def go_to_room(code: str) -> None:
    """Switch to the room's current view (through the home page, which routes ``?room=``)."""
    _keep_notices()
    st.switch_page("app.py", query_params={ROOM: code})


def carried(m: Member | None) -> dict:
    """What a switch to another scene keeps in the address: presenter mode, the room and the presenter's token."""
    out = {share.PRESENT: "1"} if share.presenting() else {}
    if m is not None:
        out[ROOM] = m.code
        if m.presenter:
            out[TOKEN] = m.token
    return out


def switch_to(page_key: str, values: dict, context: dict) -> None:
    """Switch to the page ``page_key`` showing ``values`` (URL key -> text, the controls' state) with ``context`` (the
    lecture's and room's keys) in the address.

    The controls' values do not go into the switch's query: Streamlit refuses a query that sets a key still bound to
    a control of the page being left, and a control would keep the value this session last gave it. They are handed
    to the next run of ``page_key`` (:func:`take_scene_values`), whose controls take them (or their defaults) and
    write them into the address themselves."""
    st.session_state[APPLY] = {"page": page_key, "params": dict(values), "at": time.monotonic()}
    _keep_notices()
    st.switch_page(page_file(catalog.page(page_key)), query_params=context)


def take_scene_values(page_key: str) -> dict | None:
    """The values :func:`switch_to` handed to this page, once (the first run of the page after the switch)."""
    pending = st.session_state.get(APPLY)
    if pending is None or pending["page"] != page_key or not page_key:
        return None
    del st.session_state[APPLY]
    return pending["params"] if time.monotonic() - pending["at"] < APPLY_SECONDS else None


def route(m: Member) -> None:
    """Show the room's current view (its presenter also gets the lecture's scene bar); stays on the home page when
    that view is the home page."""
    pos = m.position
    key = pos.get("page", "/").strip("/")
    st.session_state[VIEW] = pos.get("view")
    context = carried(m)
    if m.presenter and pos.get("scene") and (pos.get("lecture") or pos.get("deck")):
        context.update({k: pos[k] for k in ("lecture", "deck") if pos.get(k)})
        context["scene"] = str(pos["scene"])
    if key and key in {p.key for p in available_pages()}:
        switch_to(key, view_params(pos), context)


# -- students ----------------------------------------------------------------------------------------------------------


def student_bar(m: Member, page_key: str) -> None:
    """The room's bar for a student ("Stop following", "Rejoin") and its poll: every :data:`POLL_SECONDS` an empty
    fragment reads the room's version (one indexed ``SELECT``, nothing drawn); a move or a reveal by the presenter
    reruns this page (or, while following, switches to the new scene)."""
    code, pos = m.code, m.position
    here = at_view(m, page_key)
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="lab-room-bar"):
        state = "following the lecturer" if following(code) else "exploring on your own"
        where = "" if here else f" · the class is at: *{plain(pos.get('title') or pos.get('page'))}*"
        st.markdown(f":material/groups: **Room {code}** · {state}{where}", width="content")
        if following(code):
            if st.button("Stop following", key="lab-room-stop", icon=":material/explore:"):
                set_following(code, False)
                st.rerun()
        elif st.button("Rejoin the class", key="lab-room-rejoin", icon=":material/group_add:", type="primary"):
            set_following(code, True)
            go_to_room(code)
    poll(m, lambda: following(code))


def polling() -> bool:
    """Whether this run is a fragment's own (a poll), not the page's."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and bool(ctx.fragment_ids_this_run)


def poll(m: Member, follow) -> None:
    """Every :data:`POLL_SECONDS` an empty fragment reads the room's version (one indexed ``SELECT``, nothing drawn);
    when it changed, the page follows the room's new view while ``follow()`` says so (the presenter's projected
    page always does: its speaker view may have moved the room), or reruns (a reveal, or the room closed)."""
    code, token = m.code, m.token

    @st.fragment(run_every=POLL_SECONDS)
    def watch():
        try:
            moved = polling() and store().version(code) != st.session_state.get(SEEN)
            room = store().room(code) if moved else None
        except StorageError:  # the page said so when it was drawn; the poll tries again
            return
        if moved:
            if room is not None and follow() and room.position.get("view") != st.session_state.get(VIEW):
                route(Member(code, token, room))  # the class has moved on: straight to its new scene
            st.rerun(scope="app")  # a reveal, or the room closed: redraw this page

    watch()


# -- the presenter -----------------------------------------------------------------------------------------------------


def open_room(position: dict, given_key: str | None = None) -> None:
    """Open a room at ``position`` and put its code and this presenter's token into the address. With a lecturer key
    set (:func:`lecturer_key`), ``given_key`` must be it; without one, a session holds at most one room."""
    key = hall.lecturer_key()
    if key is not None and not key_matches(given_key, key):
        st.error("Could not open a room: this server asks for the lecturer key.", icon=":material/key_off:")
        return
    try:
        code, token = store().open_room(position, owner=None if key is not None else hall.session_id())
    except RoomError as err:
        st.error(f"Could not open a room: {plain(err)}", icon=":material/error:")
        return
    st.session_state[VIEW] = position.get("view")
    st.query_params[ROOM] = code
    st.query_params[TOKEN] = token
    st.rerun()


def move(m: Member, position: dict) -> bool:
    """Show ``position`` to the class (presenter only)."""
    try:
        st.session_state[SEEN] = store().move(m.code, m.token, position)
    except RoomError as err:
        st.error(plain(err), icon=":material/error:")
        return False
    st.session_state[VIEW] = position.get("view")
    return True


def presenter_bar(m: Member, page_key: str, here_position) -> None:
    """The presenter's room bar: the code and the students' link, "Show the class this view", "Close the room" and
    the private presenter link. ``here_position()`` gives this view's position (for "Show the class this view")."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="lab-room-bar"):
        address = code_text(join_link(m.code).split("://", 1)[-1], 120)  # the Host header comes from the visitor
        st.markdown(
            f":material/groups: **Room {m.code}** · students join at {address} or with the QR code",
            width="content",
        )
        pushed = not at_view(m, page_key) and st.button(
            "Show the class this view", key="lab-room-push", icon=":material/cast:", type="primary"
        )
        if pushed and move(m, here_position()):
            st.rerun()
        st.link_button(
            "Speaker view",
            speaker_link(m.code, m.token),
            icon=":material/record_voice_over:",
            help="For your laptop or phone: the scene's note, the next scene, the count of answers, Prev/Next and "
            "Reveal. This page follows it. Keep it private: it moves the room.",
        )
        with st.popover("Room", icon=":material/key:", key="lab-room-menu"):
            st.markdown("**Your presenter link** (keep it private: it moves the room):")
            st.code(presenter_link(m.code, m.token), language=None, wrap_lines=True)
            st.markdown("**Your speaker view** (the notes; private too):")
            st.code(speaker_link(m.code, m.token), language=None, wrap_lines=True)
            st.caption("Open them on another device to present from there. The students' link and QR code never hold "
                       "them.")  # fmt: skip
            if st.button("Close the room", key="lab-room-close", icon=":material/logout:"):
                try:
                    store().close(m.code, m.token)
                except RoomError as err:
                    st.error(plain(err))
                else:
                    st.query_params.pop(ROOM, None)
                    st.query_params.pop(TOKEN, None)
                    st.rerun()
    poll(m, lambda: True)
