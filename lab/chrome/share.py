"""Share this view: the exact link of what a visitor sees (every control's value, defaults left out), a copy button
and a QR code large enough to scan from a projector; links between pages that keep what matters (:func:`carried`).

The link is the page's own address (``st.context.url``: the browser's top-level address, so on Community Cloud the
public ``https://<app>.streamlit.app/<page>``, not the inner frame's) with the page state as query parameters. The
state starts from the URL this run was asked for and is settled by every control as it is drawn
(:func:`settle`): a refused value is replaced by the value used, a value at its default is dropped. Presenter mode
(``present=1``) is never part of a student's link.
"""

from __future__ import annotations

import functools
import html
import threading
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from residual_core import catalog
from residual_core.bounds import Bound, BoundError

PRESENT = "present"  # presenter mode's URL key (lab.chrome.present)
# Never in a shared link: presenter mode, a room's code (a shared view is the view, not the class's room) and the
# room presenter's secret token. Links between pages keep the room and the token (:func:`carried`).
PRIVATE = (PRESENT, "room", "token")
LOCAL_URL = "http://localhost:8501"  # when no browser told us its address (tests, scripts)

_run = threading.local()  # this script run's view state (each session's script runs in its own thread)


def presenting() -> bool:
    """Whether this page is shown in presenter mode (``?present=1``)."""
    return str(st.query_params.get(PRESENT, "")).lower() in ("1", "true", "yes", "on")


def page_address(context_url: str | None, headers, page_key: str) -> str:
    """The page's address without query: the browser's (``st.context.url``) when it sent one, else built from the
    request's ``Host`` header (behind a proxy: ``X-Forwarded-Host``/``-Proto``), else ``localhost:8501``."""
    if context_url:
        parts = urlsplit(context_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            # The path ends in the page the browser last reported, which after st.switch_page (a lecture's scene)
            # can be another page than this one: keep the app's base path and put this page's key at its end.
            path = parts.path.rstrip("/")
            last = path.rsplit("/", 1)[-1]
            if last and last in {p.key for p in catalog.PAGES}:
                path = path[: -len(last)].rstrip("/")
            return f"{parts.scheme}://{parts.netloc}{path}/{page_key + '/' if page_key else ''}"
    headers = headers or {}
    host = headers.get("X-Forwarded-Host") or headers.get("Host")
    scheme = (headers.get("X-Forwarded-Proto") or "http").split(",")[0].strip()
    root = f"{scheme}://{host}" if host and scheme in ("http", "https") else LOCAL_URL
    return f"{root}/{page_key}/" if page_key else f"{root}/"


def compose(address: str, params: dict) -> str:
    """``address`` (ending in ``/``) with ``params`` as its query; a page's address loses its trailing slash."""
    base = address if urlsplit(address).path == "/" else address.rstrip("/")
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    return f"{base}?{query}" if query else base


def start(page_key: str) -> None:
    """Begin this run's view state from the URL it was asked for (called by :func:`lab.page`)."""
    _run.page_key = page_key
    _run.params = {k: v for k, v in st.query_params.to_dict().items() if k not in PRIVATE}
    _run.panels = []
    _run.student = None
    try:
        _run.address = page_address(st.context.url, st.context.headers, page_key)
    except Exception:  # no browser context at all (a bare script run)
        _run.address = page_address(None, None, page_key)


def root_address() -> str:
    """The app's own address (its home page), ending in ``/``."""
    address, key = getattr(_run, "address", f"{LOCAL_URL}/"), getattr(_run, "page_key", "")
    return address[: -len(key) - 1] if key and address.endswith(f"/{key}/") else address


def set_student_link(url: str) -> None:
    """What the presenter's QR code gives the hall in this run instead of the view's link (a room's join link)."""
    _run.student = url


def student_link() -> str:
    """The students' link: a room's join link when the presenter has one open, else this view's link."""
    return getattr(_run, "student", None) or link()


def params() -> dict:
    """The page state as it stands so far in this run (URL key -> text), present mode left out."""
    return dict(getattr(_run, "params", {}))


def link(*, present: bool = False) -> str:
    """The exact link of this view; ``present=True`` gives the same view in presenter mode."""
    state = params()
    if present:
        state[PRESENT] = "1"
    return compose(getattr(_run, "address", f"{LOCAL_URL}/"), state)


def url_text(bound: Bound, value, labels: dict | None = None) -> str:
    """``value`` as a URL value (a labelled choice is written by its label, as Streamlit does)."""
    if labels:
        return str(labels.get(value, value))
    if isinstance(value, float):
        return format(value, ".12g")
    return str(value)


def _same(bound: Bound, raw: str, value, labels: dict | None) -> bool:
    if labels and raw == str(labels.get(value, value)):
        return True
    try:
        return bound.parse(raw) == value
    except BoundError:
        return False


def settle(bound: Bound, value, labels: dict | None = None) -> None:
    """Record the value a control actually uses: defaults leave the link, refused URL values are replaced."""
    state = getattr(_run, "params", None)
    if state is None:
        return
    raw = state.get(bound.name)
    if value == bound.default:
        new = None
    elif raw is not None and _same(bound, raw, value, labels):
        new = raw
    else:
        new = url_text(bound, value, labels)
    if new == raw:
        return
    if new is None:
        state.pop(bound.name, None)
    else:
        state[bound.name] = new
    for draw in getattr(_run, "panels", []):
        draw()


def add_panel(draw) -> None:
    """Draw ``draw()`` now and again whenever the link changes later in this run (it must redraw into its own
    placeholder)."""
    draw()
    if hasattr(_run, "panels"):
        _run.panels.append(draw)


@functools.lru_cache(maxsize=512)
def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (black on white, four modules of quiet zone, no fixed size: it
    scales to its box without blurring). Made by segno, on the server: no network."""
    code = segno.make_qr(text, error="m")
    return code.svg_data_uri(omitsize=True, border=4, dark="#000", light="#fff")


def qr_html(text: str, *, caption: str = "") -> str:
    """The QR code of ``text`` in a box (CSS in :mod:`lab.chrome.present`), with a caption below it."""
    label = html.escape(f"QR code of {text}", quote=True)
    return (
        f'<div class="lab-qr" data-payload="{html.escape(text, quote=True)}">'
        f'<img class="lab-qr-code" src="{html.escape(qr_svg(text), quote=True)}" alt="{label}">'
        f'<div class="lab-qr-caption">{html.escape(caption or text)}</div></div>'
    )


def carried(target_key: str, extra: dict | None = None) -> dict:
    """The query parameters a link to page ``target_key`` keeps: presenter mode, and the ``extra`` settings (URL key
    -> value) that the target page's experiments declare under that name and accept (values at their default are
    left out). The navigation carries presenter mode only: the same name can mean another thing on another page."""
    out = {PRESENT: "1"} if presenting() else {}
    for key in PRIVATE[1:]:  # a room member stays in the room on every page (the token only ever in its own links)
        if st.query_params.get(key):
            out[key] = st.query_params.get(key)
    try:
        target = catalog.page(target_key)
    except KeyError:
        return out
    bounds = {name: b for e in target.experiments for name, b in e.bounds.items()}
    bounds.update({b.name: b for b in target.selectors})
    for key, raw in (extra or {}).items():
        bound = bounds.get(key)
        if bound is None:
            continue
        try:
            value = bound.parse(str(raw))
        except BoundError:
            continue
        if value != bound.default:
            out[key] = url_text(bound, value)
    return out
