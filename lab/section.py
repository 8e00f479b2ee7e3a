"""A declared :class:`~residual_core.declare.Section` laid out on its page.

A page reads its controls, computes its results, then lays each section out::

    with lab.section(declared.REAL_NETWORK, data, settings) as sec:
        sec.show(log_y=log_y)          # text, metrics, figures with their takeaways, claims, details: in that order

or part by part where the page puts something of its own between them (``sec.text()``, ``sec.metrics()``,
``sec.figures(...)``, ``sec.claims(...)``, ``sec.details()``). The heading is anchored by the section's name
(``/vanishing#a-real-network``) and every chart drawn inside carries the section's and the figure's names in its
spec's ``usermeta`` (what the page tests, presenter mode and lecture scenes address it by).
"""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from residual_core.declare import Section

from .figures.charts import figure, in_section
from .figures.claims import claims as draw_claims


class Drawing:
    """One section being drawn: its parts, each drawn once, in the order the page calls them."""

    def __init__(self, section: Section, result: dict | None, settings: dict):
        self.section, self.result, self.settings = section, result, settings

    def bind(self, result: dict | None, settings: dict | None = None) -> None:
        """Hand the section its result (and the settings it was computed with) when the page reads the controls or
        computes under the heading (controls in the section, a progress bar, a live run)."""
        self.result = result
        if settings is not None:
            self.settings = settings

    def text(self) -> None:
        """The prose a student needs to read the chart (the section's ``text``, computed from the result)."""
        text = self.section.text
        if callable(text) and self.result is not None:
            text = text(self.result, self.settings)
        if isinstance(text, str) and text:
            st.markdown(text)

    def metrics(self) -> None:
        """The section's metrics in one row."""
        if self.section.metrics is None or self.result is None:
            return
        shown = self.section.metrics(self.result, self.settings)
        for col, m in zip(st.columns(len(shown)), shown, strict=True):
            col.metric(m.label, m.value, help=m.help)

    def figures(self, *keys: str, **view) -> None:
        """The section's figures (or those ``keys``), each with its takeaway and its folded files and code."""
        if self.result is None:
            return
        for key in keys or [f.key for f in self.section.shown_figures]:
            figure(self.section.experiment, key, self.result, **view)

    def claims(self, **options) -> list[dict]:
        """The section's claims with their live status (see :func:`lab.claims`)."""
        ids = [c.id for c in self.section.shown_claims]
        if self.result is None or not ids:
            return []
        return draw_claims(self.section.experiment, self.result, self.settings, only=ids, **options)

    def details(self) -> None:
        """The section's details (derivation, reference-text table), each folded and sent only when opened."""
        for i, detail in enumerate(self.section.details):
            box = st.expander(detail.label, key=f"detail-{self.section.name}-{i}", on_change="rerun")
            if box.open and self.result is not None:
                with box:
                    body = detail.text(self.result, self.settings)
                    (st.latex if detail.kind == "latex" else st.markdown)(body)

    def show(self, *, seeds=True, **view) -> None:
        """Every part in the standard order."""
        self.text()
        self.metrics()
        self.figures(**view)
        self.claims(seeds=seeds)
        self.details()


@contextmanager
def section(declared: Section, result: dict | None = None, settings: dict | None = None):
    """Draw ``declared``'s heading, then hand the page a :class:`Drawing` of its parts."""
    heading = st.header if declared.level == "header" else st.subheader
    heading(declared.heading, anchor=declared.name, divider=declared.divider or False)
    before = in_section(declared.name)
    try:
        yield Drawing(declared, result, settings or {})
    finally:
        in_section(before)
