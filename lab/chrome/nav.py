"""Page set-up and navigation: the browser title and layout, the sidebar's links with proper names (from
:data:`residual_core.catalog.PAGES`, in that order) and links between pages."""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from residual_core import catalog
from residual_core.declare import Page

from . import share
from .present import BASE_CSS, PRESENT_CSS

ROOT = Path(__file__).resolve().parents[2]  # the repository: app.py, pages/, residual_core/
APP_NAME = "Residual Lab"

# Browser history that holds the states a visitor saw. Streamlit pushes a history entry whenever the server changes
# the query (``st.query_params``, a bound control's restored or corrected value, and the bound keys it drops when the
# visitor switches page), at the address the browser shows then. So a switch from ``/gradient-flow?depth=100`` by the
# sidebar first pushes ``/gradient-flow`` (its bound ``depth`` dropped: a state nobody saw), then the new page; and
# coming back to ``/vanishing``, whose ``factor`` the session restores, pushes ``/vanishing`` then
# ``/vanishing?factor=0.93``. Here:
# - a push that keeps the place (the page and its lecture scene: ``lecture``, ``deck``, ``scene``) replaces the entry
#   instead: an intermediate value, not a new place;
# - when a push to a new place follows such a replace within a moment (the dropped keys of a page switch, or a room
#   opened on the home page just before its scene), the entry left gets back the address it had, so Back returns to
#   it as the visitor saw it;
# - a push to a new place within a moment of arriving, with no click or key press in between, replaces the entry: the
#   page passed through was a redirect (a lecture or room link on the home page switching to its scene), which Back
#   would only redirect again;
# - a same-place push just after arriving, with no click or key press in between (a restored or corrected value), is
#   the new page's own address: the entry it replaces is not remembered.
# Fixed text: nothing a visitor sends reaches it.
HISTORY_JS = """<script>
(() => {
  if (window.__labHistory) return;
  window.__labHistory = true;
  const h = window.history, push = h.pushState.bind(h), replace = h.replaceState.bind(h);
  const SETTLE_MS = 1000, LEAVE_MS = 2500, PLACE = ["lecture", "deck", "scene"];
  let left = null, leftAt = 0, arrivedAt = Date.now(), inputAt = 0;
  const place = (u) => [u.pathname, ...PLACE.map((k) => u.searchParams.get(k))].join("\\n");
  h.pushState = function (state, title, url) {
    let target = null;
    try { target = new URL(url, window.location.href); } catch (e) { return push(state, title, url); }
    const now = Date.now();
    if (place(target) === place(new URL(window.location.href))) {
      const armed = left !== null && now - leftAt < LEAVE_MS;
      if (!armed && (now - arrivedAt > SETTLE_MS || inputAt > arrivedAt)) {
        left = { state: h.state, href: window.location.href };
        leftAt = now;
      }
      return replace(state, title, url);
    }
    const redirect = now - arrivedAt < SETTLE_MS && inputAt < arrivedAt;
    if (left !== null && now - leftAt < LEAVE_MS) replace(left.state, "", left.href);
    left = null;
    arrivedAt = now;
    return redirect ? replace(state, title, url) : push(state, title, url);
  };
  window.addEventListener("popstate", () => { left = null; arrivedAt = Date.now(); }, true);
  for (const kind of ["pointerdown", "keydown"]) window.addEventListener(kind, () => { inputAt = Date.now(); }, true);
})();
</script>"""


def page_file(page: Page) -> str:
    """The script of ``page``, relative to the repository: ``app.py`` for the home page, else ``pages/<key>.py``
    (Streamlit serves ``pages/gradient-flow.py`` at ``/gradient-flow``)."""
    return f"pages/{page.key}.py" if page.key else "app.py"


def available_pages() -> list[Page]:
    """The declared pages whose script exists (the navigation never links to a missing page)."""
    return [p for p in catalog.PAGES if _exists(page_file(p))]


@functools.lru_cache(maxsize=64)  # the pages folder is read once per process, not at every visit
def _exists(path: str) -> bool:
    return (ROOT / path).is_file()


def heading(info: Page) -> str:
    """The page's title on screen: the app's name on the home page (the sidebar still calls it "Home")."""
    return info.title if info.key else APP_NAME


def configure(info: Page, layout: str) -> None:
    """The browser title and the page's layout; the sidebar folded on a projector, a slide or a course page."""
    folded = share.presenting() or bool(st.context.is_embedded)
    st.set_page_config(
        page_title=f"{info.title} · {APP_NAME}" if info.key else APP_NAME,
        page_icon="➕",
        layout=layout,
        initial_sidebar_state="collapsed" if folded else "auto",
    )


def sidebar_links() -> None:
    """The sidebar's navigation: every available page by its proper name, keeping presenter mode and the room; then
    the page's fixed style sheets (presenter mode's only in presenter mode) and the history script, sent as one
    element (a style sheet applies to the whole page wherever it sits; one message less on every visit)."""
    st.markdown(f"### :material/add_circle: {APP_NAME}")
    for p in available_pages():
        st.page_link(page_file(p), label=p.title, icon=p.icon, query_params=share.carried(p.key) or None)
    st.caption("Every control is stored in the address bar. *Share this view* gives the link and its QR code.")
    st.html(BASE_CSS + (PRESENT_CSS if share.presenting() else "") + HISTORY_JS, unsafe_allow_javascript=True)


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
