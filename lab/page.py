"""A page's start: :func:`page` composes the page chrome (:mod:`lab.chrome`) and the classroom
(:mod:`lab.classroom`), and runs the process's shared set-up once (:func:`start`).

The chrome never imports the classroom, the classroom imports the chrome; this module is where the two meet.
"""

from __future__ import annotations

import threading

import streamlit as st
import torch

from residual_core import catalog
from residual_core.declare import Page

from .chrome import controls, nav, notices, present, share
from .classroom import builder, lecture, room, speaker
from .computing import memory, warmup

_STARTED = threading.Event()
_LOCK = threading.Lock()


def start() -> bool:
    """The process's shared set-up, done by its first page run (whichever page: a cold deep link such as
    ``/add-norm?layers=12`` runs no ``app.py``), once, under a lock; returns whether this call did it.

    One torch intra-op thread: one process serves every visitor, so parallelism comes from sessions, not from
    splitting each small tensor operation across cores (which, with several sessions at once, only adds contention);
    one thread also makes every result independent of the machine's core count (the command line does the same,
    :func:`residual_core.cli.main`). Then the allocator's settings and the training runs' share of the memory
    pool (:func:`lab.computing.memory.start`), and the warm-up thread (:mod:`lab.computing.warmup`; on a real server
    only, not under AppTest). Nothing of this happens at ``import lab``.
    """
    if _STARTED.is_set():
        return False
    with _LOCK:
        if _STARTED.is_set():
            return False
        torch.set_num_threads(1)
        memory.start()
        warmup.start()
        _STARTED.set()
    return True


def page(key: str, *, layout: str = "wide") -> Page:
    """Start a page: browser title, the sidebar navigation with proper names and "My lecture", the page title with its
    "Share this view" panel, presenter mode (``?present=1``), a notice area, and a lecture's scene bar and the
    room's bar (:mod:`lab.classroom.lecture`; on the home page a lecture or room link switches to its scene).

    Must be the first Streamlit call of every page script.
    """
    controls.start()  # before anything changes the query: what a Back or Forward asked for
    start()
    info = catalog.page(key)
    nav.configure(info, layout)
    share.start(key)
    with st.sidebar:
        nav.sidebar_links()
        builder.sidebar(key)
    # the title and the share button on one line when they fit, the button under the title when not (phones)
    with st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="distribute", gap="small"):
        st.title(nav.heading(info), width="content")
        present.share_panel()
    notices.open_area()
    lecture.start(key)
    controls.use_scene(lecture.scene_values())  # a scene's values for this run's controls
    present.corner_qr()  # after lecture.start: in a room its QR code is the students' join link
    member = room.member()
    if lecture.speaking() and member is not None:
        speaker.speaker_view(member)
        st.stop()  # the speaker view is the whole page: nothing of the page's is computed
    lecture.bar(key)
    return info
