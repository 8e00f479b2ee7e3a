"""Presenter mode (``?present=1``) and the share panel: what a lecturer projects and what the hall scans.

Presenter mode: large type (body text 26 px), the sidebar collapsed, compact controls, charts the full width of the
page with projector-sized axis labels, and in a corner the QR code of the student link (the same view without
``present=1``). The style sheets here are fixed text: nothing a visitor types ever reaches them; they are sent with
the sidebar's history script as one element (:func:`lab.chrome.nav.sidebar_links`).
"""

from __future__ import annotations

import streamlit as st

from residual_core.charts import fit_legend

from . import share

# Every page: the QR box (share panel and presenter corner), a copy button that is always visible (not only on
# hover: phones have no hover), formulas that wrap rather than run off the page, metric labels and segmented
# options that wrap rather than end in "…", the row of download buttons under a chart, and a section's metrics in
# equal shares (one under the other on a phone) as columns would lay them out.
BASE_CSS = """
<style>
.lab-qr { background: #fff; padding: 6px; text-align: center; width: min(420px, 78vw); margin: 0 auto; }
.lab-qr img.lab-qr-code { display: block; width: 100%; height: auto; image-rendering: pixelated; }
.lab-qr-caption { font-size: 0.8rem; color: #31333f; overflow-wrap: anywhere; margin-top: 4px; }
.st-key-lab-share-link [data-testid="stCode"] > div,
.st-key-lab-share-link [data-testid="stElementToolbarButton"] { opacity: 1 !important; visibility: visible !important; }
.st-key-lab-share-link pre, .st-key-lab-share-link code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
.stMain .katex-display > .katex { white-space: normal; }
.stMain .katex-display { overflow-x: auto; overflow-y: hidden; }
.stMain [data-testid="stMetricLabel"] p, .stMain [data-testid="stMetricLabel"] div {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
.stMain [data-testid="stButtonGroup"] > div { flex-wrap: wrap; }
.stMain [class*="st-key-lab-metrics-"] [data-testid="stElementContainer"] { flex: 1 1 0%; }
.stMain [data-testid="stButtonGroup"] button { max-width: none !important; min-width: 0 !important; }
.stMain [data-testid="stButtonGroup"] button p { overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 640px), (pointer: coarse) {
  .st-key-lab-ask [data-testid="stRadioOption"] { min-height: 44px; align-items: center; margin: 0; }
}
@media (max-width: 640px) {
  .stMain [class*="st-key-lab-metrics-"] [data-testid="stElementContainer"] { flex: 1 1 100%; }
  .stMain .katex-display { font-size: 0.74em; }
  .stMain [data-testid="stTable"] td, .stMain [data-testid="stTable"] th {
    white-space: normal !important; overflow-wrap: anywhere; font-size: 13px; padding: 4px !important; }
}
</style>
"""

# Presenter mode only. 26 px body text reads from the back of a hall at 1280 x 720; controls shrink to 18 px
# labels; a row of columns holding a chart becomes a column of full-width charts.
PRESENT_CSS = """
<style>
.stMain [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"] p,
.stMain [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"] li,
.stMain [data-testid="stAlert"] [data-testid="stMarkdownContainer"] p,
.stMain [data-testid="stTable"] td,
.stMain [data-testid="stTable"] th { font-size: 26px !important; line-height: 1.45; }
.stMain h1 { font-size: 52px !important; }
.stMain h2 { font-size: 40px !important; }
.stMain h3 { font-size: 34px !important; }
.stMain [data-testid="stCaptionContainer"], .stMain [data-testid="stCaptionContainer"] p { font-size: 24px !important; }
.stMain [data-testid="stMetricValue"], .stMain [data-testid="stMetricValue"] * { font-size: 46px !important; }
.stMain [data-testid="stMetricLabel"] p { font-size: 22px !important; }
@media (min-width: 641px) { .stMain .katex { font-size: 1.45em; } }
.stMain [data-testid="stMarkdown"] code { font-size: 22px !important; }
.stMain [data-testid="stWidgetLabel"] p { font-size: 18px !important; line-height: 1.2; }
.stMain [data-testid="stWidgetLabel"] { min-height: 0 !important; margin-bottom: 0 !important; }
.stMain [data-testid="stSliderTickBarMin"], .stMain [data-testid="stSliderTickBarMax"] { display: none; }
.stMain [data-testid="stSlider"] { padding-bottom: 0 !important; }
.stMain [data-testid="stHorizontalBlock"]:has([data-testid="stVegaLiteChart"]) { flex-direction: column !important; }
.stMain [data-testid="stHorizontalBlock"]:has([data-testid="stVegaLiteChart"]) > [data-testid="stColumn"] {
  width: 100% !important; flex: 1 1 100% !important; }
.lab-present-corner { width: 206px; }
.lab-present-corner .lab-qr { width: 100%; padding: 6px; border: 3px solid #0072B2; border-radius: 10px; }
.lab-present-corner .lab-qr-caption { font-size: 14px !important; }
.lab-present-corner .lab-qr-title { font-size: 17px; font-weight: 600; margin-bottom: 4px; text-align: center; }
@media (min-width: 1000px) {
  .lab-present-corner { position: fixed; right: 12px; bottom: 12px; z-index: 999990; }
  .stMain .stMainBlockContainer { padding-right: 236px !important; }
}
@media (max-width: 999px) { .lab-present-corner { margin: 0 auto 1rem auto; } }
@media (max-width: 640px) {
  .stMain h1 { font-size: 38px !important; }
  .stMain [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"] p,
  .stMain [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"] li { font-size: 22px !important; }
  .stMain [data-testid="stMetricValue"], .stMain [data-testid="stMetricValue"] * { font-size: 34px !important; }
  .stMain [data-testid="stTable"] td, .stMain [data-testid="stTable"] th { font-size: 15px !important; }
}
</style>
"""

# Axis, legend and title sizes of every chart in presenter mode (Vega-Lite config, merged into the page's spec).
PROJECTOR_CONFIG = {
    "axis": {"labelFontSize": 18, "titleFontSize": 20},
    "legend": {"labelFontSize": 19, "titleFontSize": 20, "symbolSize": 500, "symbolStrokeWidth": 4},
    "title": {"fontSize": 22},
    "header": {"labelFontSize": 18, "titleFontSize": 20},
}


def projector_spec(spec: dict) -> dict:
    """``spec`` with projector-sized fonts and taller plots in presenter mode (unchanged otherwise)."""
    if not share.presenting():
        return spec
    config = dict(spec.get("config", {}))
    for key, values in PROJECTOR_CONFIG.items():
        config[key] = {**config.get(key, {}), **values}
    names = spec.get("usermeta", {}).get("legend", [])
    return fit_legend({**projector_heights(spec), "config": config}, names, char_px=10.5)


PROJECTOR_HEIGHT = (1.6, 320, 540)  # a plot's height on the projector: 1.6 × the laptop's, within 320-540 px


def projector_heights(spec: dict) -> dict:
    """``spec`` with every plot height scaled for a 1080-pixel projector (the main chart about half the screen)."""
    scale, low, high = PROJECTOR_HEIGHT
    out = dict(spec)
    if isinstance(out.get("height"), (int, float)):
        out["height"] = int(min(high, max(low, scale * out["height"])))
    for part in ("vconcat", "hconcat", "concat"):
        if isinstance(out.get(part), list):
            out[part] = [projector_heights(child) for child in out[part]]
    return out


def share_panel() -> None:
    """The "Share this view" popover: the exact link with a copy button, its QR code, presenter mode on or off.

    Its content is made only for visitors who open it (the popover reruns the page when opened)."""
    pop = st.popover(
        "Share this view",
        icon=":material/qr_code_2:",
        key="lab-share",
        on_change="rerun",
        help="The link to exactly this view, and its QR code for the hall",
    )
    if not pop.open:
        return
    with pop, st.container(key="lab-share-link"):
        slot = st.empty()

    def draw():
        with slot.container():
            st.markdown("**Link to exactly this view**")
            st.code(share.link(), language=None, wrap_lines=True)
            st.caption(
                "Copy it with the button at its right. Every random draw is seeded: the same link shows the "
                "same numbers to everyone."
            )
            st.html(share.qr_html(share.link(), caption="Scan to open this view"))
            if share.presenting():
                st.link_button("Leave presenter mode", share.link(), icon=":material/close_fullscreen:")
            else:
                st.link_button("Present this view", share.link(present=True), icon=":material/co_present:")

    share.add_panel(draw)


def corner_qr() -> None:
    """Presenter mode: the student link's QR code in the bottom-right corner (in the page's flow on narrow
    screens), redrawn if a control settles the link later in the run."""
    if not share.presenting():
        return
    slot = st.empty()

    def draw():
        student = share.student_link()
        slot.html(
            '<div class="lab-present-corner"><div class="lab-qr-title">Open this on your phone</div>'
            + share.qr_html(student, caption=student.split("://", 1)[-1])
            + "</div>"
        )

    share.add_panel(draw)
