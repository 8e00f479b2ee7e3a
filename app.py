"""Residual Lab: the home page. Run with ``streamlit run app.py``."""

import streamlit as st

import lab

lab.page("")

st.markdown(
    "**Residual Lab** shows, with live PyTorch computations, why a skip connection `y = x + F(x)` helps very deep "
    "networks train: the identity path gives the signal and the gradient a route around every layer. It is not a "
    "guarantee for every network: a large branch can still make the gradient explode, and good initialisation alone "
    "postpones vanishing too. Every measurement a page shows for its settings is computed by the code shown beside "
    "it (on the first visit to a setting; later visits reuse the stored result); numbers quoted from the papers or "
    "the reference text, and those a claim's condition cites from other settings, are marked as such; and "
    "every statement that holds only under conditions is shown as a *claim*: its conditions, whether it holds for the "
    "settings in the address bar, and for how many of seeds 0–4."
)

lab.home_lecture()  # Start the lecture, Open a room for the class, Write your own lecture

st.subheader("Concept pages")
concepts = [p for p in lab.available_pages() if p.key]
for row in range(0, len(concepts), 3):
    cols = st.columns(3)
    for col, info in zip(cols, concepts[row : row + 3], strict=False):
        with col.container(border=True):
            st.markdown(f"**{info.title}**")
            st.caption(info.teaser)
            lab.page_link(info.key, label=f"Open /{info.key}", icon=info.icon)  # keeps presenter mode

st.subheader("Using it in a lecture")
st.markdown(
    """
1. **Open a page** from the list above or the sidebar.
2. **Set it up**: move the sliders until the chart shows what you want to discuss. Every control is written into the
   address bar as you go (values at their defaults are left out).
3. **Share it**: *Share this view* (top right of every page) gives the exact link, a copy button and a QR code to
   put on the projector. Anyone who opens it sees the same controls and, because every random draw is seeded, the
   same numbers.
4. **Present it**: *Present this view* in the same panel (or `present=1` in the address) shows the page in large
   type with the sidebar folded away and the students' QR code in a corner.
5. **Or run a whole lecture**: *Start the lecture* above steps through the shipped lecture's scenes, each a page with
   its settings, with **Prev**/**Next** or a presentation clicker; its link,
   `/?lecture=residuals&scene=1&present=1`, can go into your slides. **My lecture** in the sidebar builds your own
   from the views you add.
6. **Bring the class in**: *Open a room for the class* (above, or on any page in presenter mode) gives a short code
   and puts the students' QR code in the corner. Students who join follow your scene on their own device and answer
   the pages' prediction questions; you reveal the class's answers when you choose.

Under every chart: **CSV**, **SVG** and **PNG** download its data and the chart itself for your slides, *Data table*
lists its numbers, and *Show the code* reveals the function that computed it. The same data and figures are
available from the command line: `python -m residual_core --help`.
"""
)
