"""Notices at the top of the page: a URL value that could not be used, a budget refused, a lecture link that failed."""

from __future__ import annotations

import threading

import streamlit as st

_run = threading.local()  # per script-run state (each session's script runs in its own thread)


def open_area() -> None:
    """Make this run's notice area here, under the page title (called by :func:`lab.page`)."""
    _run.notices = st.container()


def notice(message: str) -> None:
    """A small notice at the top of the page (e.g. a URL value that could not be used)."""
    area = getattr(_run, "notices", None)
    (area if area is not None else st).warning(message, icon=":material/link_off:")
