"""SVG and PNG files of a chart, rendered from the very Vega-Lite spec the page draws (vl-convert, no browser).

:func:`export_document` turns a page's spec (:func:`~residual_core.charts.figure_spec`) into a stand-alone
Vega-Lite document: its data inline, a fixed width (a page sizes its charts to the column; a file needs a size) and
a white background. Nothing else changes: marks, scales, colours, dashes, titles and the ``description`` are the
page's. :func:`render` runs vl-convert in this process (the command line: a process that ends right after);
:func:`render_in_worker` runs it in a short-lived child process (the app: vl-convert's JavaScript engine adds
80-130 MB to the process that loads it, and the app's server must stay within Community Cloud's 690 MB).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

from . import spec_json

FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
EXPORT_WIDTH = 800  # pixels (an SVG scales freely; a PNG is rendered at PNG_SCALE times this)
PNG_SCALE = 2.0  # a 1600-pixel-wide PNG: sharp on a projector and in slides
WORKER = Path(__file__).with_name("render_worker.py")
WORKER_TIMEOUT_SECONDS = 60


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


def render_in_worker(doc: dict, fmt: str, *, scale: float = PNG_SCALE, timeout: float = WORKER_TIMEOUT_SECONDS):
    """``doc`` as SVG or PNG bytes, rendered by a child process that exits right after (see ``render_worker.py``),
    so the caller's memory never holds vl-convert."""
    _check(fmt)
    payload = json.dumps(doc, allow_nan=False).encode()
    try:
        done = subprocess.run(
            [sys.executable, str(WORKER), fmt, repr(float(scale))],
            input=payload,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExportError(f"rendering the {fmt.upper()} took longer than {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise ExportError(message[-1] if message else f"the {fmt.upper()} renderer exited with {done.returncode}")
    return with_description(done.stdout, doc.get("description")) if fmt == "svg" else done.stdout
