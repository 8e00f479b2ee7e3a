"""SVG and PNG files of a chart, rendered from the very Vega-Lite spec the page draws (vl-convert, no browser).

:func:`export_document` turns a page's spec (:func:`~residual_core.charts.figure_spec`) into a stand-alone
Vega-Lite document: its data inline, a fixed width (a page sizes its charts to the column; a file needs a size) and
a white background. Nothing else changes: marks, scales, colours, dashes, titles and the ``description`` are the
page's. :func:`render` runs vl-convert in this process (the command line: a process that ends right after);
:func:`render_in_worker` runs it in a short-lived child process (the app: vl-convert's JavaScript engine adds
80-130 MB to the process that loads it, and the app's server must stay within Community Cloud's 690 MB).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from . import spec_json

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
EXPORT_WIDTH = 800  # pixels (an SVG scales freely; a PNG is rendered at PNG_SCALE times this)
PNG_SCALE = 2.0  # a 1600-pixel-wide PNG: sharp on a projector and in slides
WORKER = Path(__file__).with_name("render_worker.py")
WORKER_TIMEOUT_SECONDS = 15  # a hung worker holds the only render slot at most this long (a PNG takes ~1-2 s)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_LOG = logging.getLogger(__name__)


class ExportError(RuntimeError):
    """A chart could not be rendered (the message says why, in one line)."""


def export_document(spec: dict, *, width: int = EXPORT_WIDTH) -> dict:
    """The page's spec as a stand-alone Vega-Lite document for a file: data inline, ``width`` pixels wide,
    white background."""
    doc = spec_json(spec)
    doc.setdefault("$schema", "https://vega.github.io/schema/vega-lite/v6.json")
    return {**doc, "width": width, "background": "white"}


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def with_description(svg: bytes, description: str | None) -> bytes:
    """The SVG with the chart's ``description`` as its ``<desc>`` and ``aria-label`` (vl-convert leaves it out),
    so a screen reader reads it in a slide deck as on the page."""
    if not description:
        return svg
    text = html.escape(description, quote=True)
    return re.sub(
        rb"<svg\b([^>]*)>",
        lambda m: b'<svg role="img" aria-label="%s"%s><desc>%s</desc>' % (text.encode(), m.group(1), text.encode()),
        svg,
        count=1,
    )


def render(doc: dict, fmt: str, *, scale: float = PNG_SCALE) -> bytes:
    """``doc`` (see :func:`export_document`) as SVG or PNG bytes, rendered in this process."""
    _check(fmt)
    import vl_convert  # loaded on demand: its JavaScript engine is large

    if fmt == "svg":
        return with_description(vl_convert.vegalite_to_svg(doc).encode(), doc.get("description"))
    return vl_convert.vegalite_to_png(doc, scale=scale)


def worker_argv(fmt: str, scale: float) -> list[str]:
    """The worker's fixed command line: this Python, the worker's file, a checked format and a float."""
    return [sys.executable, str(WORKER), fmt, repr(float(scale))]


def _stop(proc: subprocess.Popen) -> None:
    """Kill the worker's whole process group (it runs in a session of its own) and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _looks_like(fmt: str, data: bytes) -> bool:
    return data.startswith(PNG_MAGIC) if fmt == "png" else b"<svg" in data[:1024]


def render_in_worker(doc: dict, fmt: str, *, scale: float = PNG_SCALE, timeout: float | None = None):
    """``doc`` as SVG or PNG bytes, rendered by a child process that exits right after (see ``render_worker.py``),
    so the caller's memory never holds vl-convert. A worker that fails (an error, a signal, no or bad output), or
    runs longer than ``timeout`` (default :data:`WORKER_TIMEOUT_SECONDS`; its process group is then killed), raises
    :class:`ExportError` with a message for the visitor; the worker's own error line goes to the log."""
    _check(fmt)
    timeout = WORKER_TIMEOUT_SECONDS if timeout is None else timeout
    payload = json.dumps(doc, allow_nan=False).encode()
    proc = subprocess.Popen(  # a fixed argv (see worker_argv), no shell
        worker_argv(fmt, scale),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a timeout kills whatever it started too
    )
    try:
        out, err = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        _LOG.warning("render worker stopped after %g s", timeout)
        raise ExportError(f"The {fmt.upper()} could not be drawn within {timeout:g} s (stopped); try again") from None
    except BaseException:
        _stop(proc)
        raise
    if proc.returncode != 0 or not _looks_like(fmt, out):
        line = err.decode(errors="replace").strip().splitlines()
        _LOG.warning("render worker exited with %s: %s", proc.returncode, line[-1] if line else "no message")
        raise ExportError(f"The {fmt.upper()} could not be drawn (the drawing process stopped); try again")
    return with_description(out, doc.get("description")) if fmt == "svg" else out
