"""Page set-up: the navigation with proper names (from :data:`residual_core.catalog.PAGES`), notices, numbers."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import streamlit as st

from residual_core import catalog
from residual_core.declare import Page

from . import present, share

ROOT = Path(__file__).resolve().parents[1]  # the repository: app.py, pages/, residual_core/


def page_file(page: Page) -> str:
    """The script of ``page``, relative to the repository: ``app.py`` for the home page, else ``pages/<key>.py``
    (Streamlit serves ``pages/gradient-flow.py`` at ``/gradient-flow``)."""
    return f"pages/{page.key}.py" if page.key else "app.py"


def available_pages() -> list[Page]:
    """The declared pages whose script exists (the navigation never links to a missing page)."""
    return [p for p in catalog.PAGES if _exists(page_file(p))]


@functools.lru_cache(maxsize=64)
def _exists(path: str) -> bool:
    return (ROOT / path).is_file()


_run = threading.local()  # per script-run state (each session's script runs in its own thread)


def page(key: str, *, layout: str = "wide") -> Page:
    """Start a page: browser title, the sidebar navigation with proper names and "My lecture", the page title with its
    "Share this view" panel, presenter mode (``?present=1``), a notice area, and a lecture's scene bar and the
    room's bar (:mod:`lab.lecture`; on the home page a lecture or room link switches to its scene).

    Must be the first Streamlit call of every page script.
    """
    from . import builder, lecture

    info = catalog.page(key)
    folded = share.presenting() or bool(st.context.is_embedded)  # a projector, a slide or a course page: all width
    st.set_page_config(
        page_title=f"{info.title} · Residual Lab",
        page_icon="➕",
        layout=layout,
        initial_sidebar_state="collapsed" if folded else "auto",
    )
    share.start(key)
    present.style()
    with st.sidebar:
        st.markdown("### :material/add_circle: Residual Lab")
        for p in available_pages():
            st.page_link(page_file(p), label=p.title, icon=p.icon, query_params=share.carried(p.key) or None)
        st.caption("Every control is stored in the address bar. *Share this view* gives the link and its QR code.")
        builder.sidebar(key)
    # the title and the share button on one line when they fit, the button under the title when not (phones)
    with st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="distribute", gap="small"):
        st.title(info.title, width="content")
        present.share_panel()
    _run.notices = st.container()
    lecture.start(key)
    present.corner_qr()  # after lecture.start: in a room its QR code is the students' join link
    lecture.bar(key)
    return info


def page_link(key: str, label: str | None = None, *, icon: str | None = None, **params) -> None:
    """A link to the page served at ``/key`` that keeps what matters: presenter mode, and ``params`` (e.g.
    ``depth=depth``: "see this depth on the gradient-flow page") where that page accepts them."""
    target = catalog.page(key)
    extra = {name: value for name, value in params.items() if value is not None}
    st.page_link(
        page_file(target),
        label=label or target.title,
        icon=icon or target.icon,
        query_params=share.carried(key, extra) or None,
    )


def notice(message: str) -> None:
    """A small notice at the top of the page (e.g. a URL value that could not be used)."""
    area = getattr(_run, "notices", None)
    (area if area is not None else st).warning(message, icon=":material/link_off:")


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a metric: plain for ordinary magnitudes, scientific for tiny or huge ones."""
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}g}"
