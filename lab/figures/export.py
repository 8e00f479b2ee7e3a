"""The files under every chart: CSV of its data, SVG and PNG of the chart itself, each made only when its button is
clicked (``st.download_button`` with a callable), and the chart's data as a table.

SVG and PNG are rendered from the spec the page draws by :mod:`residual_core.charts.export` in a short-lived worker
process, so vl-convert never lives in the server (see ``benchmarks/export.py`` for the memory this keeps out).
A lecture hall clicking at once is bounded: at most :data:`MAX_RENDERS` workers run at a time, one render per distinct
file however many visitors ask for it, and the last files made are kept (at most :data:`CACHE_BYTES`).

A click on SVG or PNG reruns the page and draws the file in that run first (the download then takes it from the
cache, or waits for the same render): a worker that failed or was stopped after 15 s, or a slot still busy after
:data:`WAIT_SECONDS`, becomes a notice under the buttons, since a failed download alone gets only Streamlit's generic
error. Who waited for a render that failed gets its message, not a second render.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pandas as pd
import streamlit as st

from residual_core.charts.export import FORMATS, ExportError, export_document, render_in_worker
from residual_core.lru import LRU

from ..chrome.text import plain
from ..computing.cache import KeyLocks

# One worker at a time, over all sessions: a worker peaks at about 105 MB and the server with every page cached
# sits near 470 MB (benchmarks/export.py), so one fits Community Cloud's 690 MB and two would leave no headroom.
MAX_RENDERS = 1
WAIT_SECONDS = 30  # a file not started within this (a hall asking for many different files) fails with a message
BUSY = "The server is busy drawing other files; try again in a moment"
CACHE_BYTES = 32 * 1024 * 1024  # rendered files kept for the next visitor who asks for the same one
RENDERS = [0]  # worker renders since start (tests and the benchmark read it)

_SLOTS = threading.BoundedSemaphore(MAX_RENDERS)
_FILES = LRU(max_weight=CACHE_BYTES)  # key -> the file's bytes, at most CACHE_BYTES in all
_FLIGHTS = KeyLocks()  # visitors asking for the same file wait for one render
_FAILED: dict[str, tuple[float, str]] = {}  # key -> (when its last render failed, the message), for those who waited


def _notice_key(fmt: str, name: str) -> str:
    return f"lab-file-notice-{fmt}-{name}"


def chart_file(spec: dict, fmt: str) -> bytes:
    """The SVG or PNG of ``spec`` (the page's spec), rendered once per distinct file by a worker process.

    Raises :class:`ExportError` with a message for the visitor: the server is busy, or the worker failed. Whoever
    waited for a render that failed gets its message rather than starting it again (a hung worker is stopped once).
    """
    doc = export_document(spec)
    key = fmt + ":" + hashlib.sha256(json.dumps(doc, sort_keys=True, allow_nan=False).encode()).hexdigest()
    found = _FILES.get(key)
    if found is not None:
        return found
    asked = time.monotonic()
    with _FLIGHTS.hold(key):
        found = _FILES.get(key)
        if found is not None:
            return found
        failed = _FAILED.get(key)
        if failed is not None and failed[0] >= asked:
            raise ExportError(failed[1])
        if not _SLOTS.acquire(timeout=WAIT_SECONDS):
            raise ExportError(BUSY)
        try:
            data = render_in_worker(doc, fmt)
            RENDERS[0] += 1
        except ExportError as err:
            now = time.monotonic()
            for old in [k for k, (when, _) in _FAILED.items() if now - when > 2 * WAIT_SECONDS]:
                del _FAILED[old]  # nobody still waits for these
            _FAILED[key] = (now, str(err))
            raise
        finally:
            _SLOTS.release()
        _FAILED.pop(key, None)
        _FILES.put(key, data)
        return data


def _draw_on_click(spec: dict, fmt: str, name: str) -> None:
    """The download button's click (a rerun, run before the page): draw the file in this script run, so a failure
    or a busy server becomes a notice on the page (the button's own download only gets Streamlit's generic error);
    the download itself then takes the file from the cache, or the same render."""
    try:
        chart_file(spec, fmt)
    except ExportError as err:
        st.session_state[_notice_key(fmt, name)] = str(err)
    else:
        st.session_state.pop(_notice_key(fmt, name), None)


def csv_download(df: pd.DataFrame, name: str) -> None:
    """A button that downloads ``df`` as ``name.csv`` (the file is made when the button is clicked)."""
    st.download_button(
        "CSV",
        lambda: df.to_csv(index=False).encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        help="Download the data behind this chart",
        icon=":material/download:",
        key=f"csv-{name}",
        on_click="ignore",
    )


def downloads(frame: pd.DataFrame, spec: dict, name: str) -> None:
    """CSV, SVG and PNG buttons in one row, each file named ``name`` and made only on click; under them the notice
    of an SVG or PNG that could not be drawn."""
    with st.container(horizontal=True, gap="small", key=f"lab-files-{name}"):
        csv_download(frame, name)
        for fmt, what in (("svg", "vector image, for slides"), ("png", "image, 1600 pixels wide")):
            st.download_button(
                fmt.upper(),
                lambda fmt=fmt: chart_file(spec, fmt),
                file_name=f"{name}.{fmt}",
                mime=FORMATS[fmt],
                help=f"Download this chart as {fmt.upper()} ({what}), drawn from the same specification",
                icon=":material/image:",
                key=f"{fmt}-{name}",
                on_click=_draw_on_click,
                args=(spec, fmt, name),
            )
    for fmt in FORMATS:
        notice = st.session_state.pop(_notice_key(fmt, name), None)
        if notice is not None:
            st.warning(plain(notice), icon=":material/error:")


def data_table(frame: pd.DataFrame, key: str, *, spec: dict | None = None, name: str | None = None) -> None:
    """The "Data and files" expander under a chart: its CSV, SVG and PNG buttons (with ``spec`` and ``name``) and
    its data table, sent only to visitors who open it (one element per chart for everyone else)."""
    box = st.expander("Data and files", icon=":material/download:", key=f"table-{key}", on_change="rerun")
    if box.open:
        with box:
            if spec is not None and name is not None:
                downloads(frame, spec, name)
            st.dataframe(frame, hide_index=True, width="stretch")
