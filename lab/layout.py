"""Page set-up: the list of pages (URL paths, titles, teasers), the navigation with proper names, notices."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]  # the repository: app.py, pages/, residual_core/

# Pages: one entry per page, in navigation order. The URL path is the file name without its number prefix.


@dataclass(frozen=True)
class PageInfo:
    key: str  # the URL path, e.g. "vanishing" -> https://host/vanishing
    file: str  # relative to the repository root
    title: str
    icon: str
    teaser: str


PAGES = [
    PageInfo("", "app.py", "Home", ":material/home:", "What Residual Lab is and how to use it in a lecture."),
    PageInfo(
        "vanishing",
        "pages/1_vanishing.py",
        "Vanishing & exploding",
        ":material/trending_down:",
        "0.9¹⁰⁰ and 1.1¹⁰⁰: why a product of many layer factors vanishes or explodes, measured in a real network.",
    ),
    PageInfo(
        "residual-math",
        "pages/2_residual-math.py",
        "Residual math",
        ":material/function:",
        "y = x + F(x): the derivative 1 + F′, the unrolled sum x₀ + Σ Fᵢ, and what survives a hundred layers.",
    ),
    PageInfo(
        "gradient-flow",
        "pages/3_gradient-flow.py",
        "Gradient flow",
        ":material/waterfall_chart:",
        "Gradient norm at every layer, with and without the skip path, over depth, scale α and seeds.",
    ),
    PageInfo(
        "highway",
        "pages/4_highway.py",
        "Highway vs residual",
        ":material/alt_route:",
        "Gated carry T·H(x) + (1 − T)·x against the always-open x + F(x).",
    ),
    PageInfo(
        "add-norm",
        "pages/5_add-norm.py",
        "Add & Norm",
        ":material/add_circle:",
        "The transformer's two residuals per layer, Post-LN against Pre-LN, dropout before the add.",
    ),
    PageInfo(
        "training",
        "pages/6_training.py",
        "Training lab",
        ":material/model_training:",
        "Train networks live with and without residuals: transformers, residual scaling α, gated residuals.",
    ),
]


_run = threading.local()  # per script-run state (each session's script runs in its own thread)


def available_pages() -> list[PageInfo]:
    """The pages whose script exists (the navigation never links to a missing page)."""
    return [p for p in PAGES if (ROOT / p.file).is_file()]


def page(key: str, *, layout: str = "wide") -> PageInfo:
    """Start a page: browser title, the sidebar navigation with proper names, the page title and a notice area.

    Must be the first Streamlit call of every page script.
    """
    info = next(p for p in PAGES if p.key == key)
    st.set_page_config(page_title=f"{info.title} · Residual Lab", page_icon="➕", layout=layout)
    with st.sidebar:
        st.markdown("### :material/add_circle: Residual Lab")
        for p in available_pages():
            st.page_link(p.file, label=p.title, icon=p.icon)
        st.caption("Every control is stored in the address bar: copy it to share exactly what you see.")
    st.title(info.title)
    _run.notices = st.container()
    return info


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
