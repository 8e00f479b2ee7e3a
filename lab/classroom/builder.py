"""My lecture: "Add this view to my lecture" collects scenes in the visitor's session (the page, its settled state and
a title and note the lecturer can edit); the result downloads as a TOML file for ``lectures/``, or is shared as one
link (``/?deck=...&scene=1``, bounded by :data:`residual_core.lectures.MAX_LINK_CHARS`), or presented at once."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from residual_core import catalog, lectures
from residual_core.lectures import LectureError

from ..chrome import share
from ..chrome.text import plain

SCENES, TITLE, EDITOR = "lab-my-scenes", "lab-my-title", "lab-my-editor"
COLUMNS = ["page", "query", "title", "note"]


def _settled_query() -> str:
    """This view's state as the page settled it so far (refused values replaced, defaults dropped), without the
    lecture's, the room's or presenter mode's keys."""
    params = {k: v for k, v in share.params().items() if k not in lectures.RESERVED_KEYS}
    return urlencode(params)


ADDED = "lab-my-added"


def _add(page_key: str) -> None:
    """The button's callback (before the run, so the expander's count is right): add this view as a scene."""
    scenes = st.session_state.setdefault(SCENES, [])
    if len(scenes) >= lectures.MAX_SCENES:
        return
    title = catalog.page(page_key).title
    query = urlencode({k: v for k, v in st.query_params.to_dict().items() if k not in lectures.RESERVED_KEYS})
    scenes.append({"page": "/" + page_key, "query": query, "title": title, "note": ""})
    st.session_state[EDITOR] = st.session_state.get(EDITOR, 0) + 1
    st.session_state[ADDED] = len(scenes) - 1


def _settle_added(scenes: list[dict]) -> None:
    """In the run after "Add": the page's controls settle its state as they are drawn (refused values replaced,
    defaults dropped); keep the new scene's query equal to the settled state."""
    index = st.session_state.pop(ADDED, None)
    if index is None or index >= len(scenes):
        return

    def settle():
        scenes[index]["query"] = _settled_query()

    share.add_panel(settle)


def lecture_of(title: str, scenes: list[dict]) -> lectures.Lecture:
    """The collected scenes as a checked lecture (raises :class:`LectureError` with the scene and field)."""
    rows = [{k: str(s.get(k) or "") for k in COLUMNS} for s in scenes]
    return lectures.from_dict({"title": title, "scene": rows})


def sidebar(page_key: str) -> None:
    """The "My lecture" expander of the sidebar (its editor and files only once it holds a scene)."""
    scenes = st.session_state.setdefault(SCENES, [])
    with st.expander(f"My lecture ({len(scenes)} scene{'s' if len(scenes) != 1 else ''})", icon=":material/slideshow:"):
        full = len(scenes) >= lectures.MAX_SCENES
        st.button(
            "Add this view to my lecture",
            key="lab-my-add",
            icon=":material/playlist_add:",
            on_click=_add,
            args=(page_key,),
            disabled=full,
            help=f"At most {lectures.MAX_SCENES} scenes." if full else "This page with its exact state.",
        )
        _settle_added(scenes)
        if not scenes:
            st.caption(
                "Set a page up, then add it: each view becomes a scene with its exact state. Download the lecture "
                "as a TOML file or share it as one link; present it with Prev/Next and a room for the class."
            )
            return
        _editor(scenes)


def _editor(scenes: list[dict]) -> None:
    title = st.text_input("Lecture title", value=st.session_state.get(TITLE, "My lecture"), max_chars=120)
    st.session_state[TITLE] = title
    frame = pd.DataFrame([{k: s.get(k, "") for k in COLUMNS} for s in scenes], columns=COLUMNS)
    edited = st.data_editor(
        frame,
        key=f"{EDITOR}-{st.session_state.get(EDITOR, 0)}",
        num_rows="delete",
        hide_index=True,
        disabled=["page", "query"],
        column_config={
            "title": st.column_config.TextColumn("title", max_chars=lectures.MAX_TITLE),
            "note": st.column_config.TextColumn("note (for you)", max_chars=lectures.MAX_NOTE),
        },
    )
    scenes[:] = [{k: ("" if pd.isna(r[k]) else str(r[k])) for k in COLUMNS} for r in edited.to_dict("records")]
    if not scenes:
        return
    try:
        lecture = lecture_of(title, scenes)
    except LectureError as err:
        st.error(f"Not a lecture yet: {plain(err)}", icon=":material/error:")
        return
    name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "lecture"
    st.download_button(
        "Download TOML",
        data=lectures.to_toml(lecture),
        file_name=f"{name}.toml",
        mime="application/toml",
        icon=":material/download:",
        on_click="ignore",
        help="Put it into lectures/ and open it with /?lecture=" + name,
    )
    try:
        packed = lectures.pack(lecture)
    except LectureError as err:
        st.caption(f"Not as one link: {plain(err)}")
        return
    link = share.compose(share.root_address(), {"deck": packed, "scene": "1"})
    st.markdown("**As one link** (scene 1; everyone who opens it can step through):")
    st.code(link, language=None, wrap_lines=True)
    st.link_button("Present it", f"{link}&{share.PRESENT}=1", icon=":material/co_present:")
    if st.button("Clear my lecture", key="lab-my-clear", icon=":material/delete:"):
        scenes.clear()
        st.session_state[EDITOR] = st.session_state.get(EDITOR, 0) + 1
        st.rerun()
