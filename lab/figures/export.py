"""The files under every chart: CSV of its data, SVG and PNG of the chart itself, each made only when its button is
clicked (``st.download_button`` with a callable), and the chart's data as a table.

SVG and PNG are rendered from the spec the page draws by :mod:`residual_core.charts.export` in a short-lived worker
process, so vl-convert never lives in the server (see ``benchmarks/export.py`` for the memory this keeps out).
A lecture hall clicking at once is bounded: at most :data:`MAX_RENDERS` workers run at a time, one render per distinct
file however many visitors ask for it, and the last files made are kept (at most :data:`CACHE_BYTES`).
"""

from __future__ import annotations

import hashlib
import json
import threading

import pandas as pd
import streamlit as st

from residual_core.charts.export import FORMATS, ExportError, export_document, render_in_worker
from residual_core.lru import LRU

from ..computing.cache import KeyLocks

# One worker at a time, over all sessions: a worker peaks at about 105 MB and the server with every page cached
# sits near 470 MB (benchmarks/export.py), so one fits Community Cloud's 690 MB and two would leave no headroom.
MAX_RENDERS = 1
WAIT_SECONDS = 90  # a file not started within this (a hall asking for many different files) fails with a message
CACHE_BYTES = 32 * 1024 * 1024  # rendered files kept for the next visitor who asks for the same one
RENDERS = [0]  # worker renders since start (tests and the benchmark read it)

_SLOTS = threading.BoundedSemaphore(MAX_RENDERS)
_FILES = LRU(max_weight=CACHE_BYTES)  # key -> the file's bytes, at most CACHE_BYTES in all
_FLIGHTS = KeyLocks()  # visitors asking for the same file wait for one render


def chart_file(spec: dict, fmt: str) -> bytes:
    """The SVG or PNG of ``spec`` (the page's spec), rendered once per distinct file by a worker process."""
    doc = export_document(spec)
    key = fmt + ":" + hashlib.sha256(json.dumps(doc, sort_keys=True, allow_nan=False).encode()).hexdigest()
    found = _FILES.get(key)
    if found is not None:
        return found
    with _FLIGHTS.hold(key):
        found = _FILES.get(key)
        if found is not None:
            return found
        if not _SLOTS.acquire(timeout=WAIT_SECONDS):
            raise ExportError("the server is busy drawing other files: try again in a minute")
        try:
            data = render_in_worker(doc, fmt)
            RENDERS[0] += 1
        finally:
            _SLOTS.release()
        _FILES.put(key, data)
        return data


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
    """CSV, SVG and PNG buttons in one row, each file named ``name`` and made only on click."""
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
                on_click="ignore",
            )


def data_table(frame: pd.DataFrame, key: str, *, spec: dict | None = None, name: str | None = None) -> None:
    """The "Data and files" expander under a chart: its CSV, SVG and PNG buttons (with ``spec`` and ``name``) and
    its data table, sent only to visitors who open it (one element per chart for everyone else)."""
    box = st.expander("Data and files", icon=":material/download:", key=f"table-{key}", on_change="rerun")
    if box.open:
        with box:
            if spec is not None and name is not None:
                downloads(frame, spec, name)
            st.dataframe(frame, hide_index=True, width="stretch")
