"""A declared :class:`~residual_core.declare.Section` laid out on its page.

A page reads its controls, computes its results, then lays each section out::

    with lab.section(declared.REAL_NETWORK, data, settings) as sec:
        sec.show(log_y=log_y)          # figures with their takeaways, text, metrics; then the row of details

or part by part where the page puts something of its own between them (``sec.figures(...)``, ``sec.text()``,
``sec.metrics()``, ``sec.claims(...)``, ``sec.details()``, ``sec.more(label, draw)``). A section reads in one glance:
its heading, its chart, the takeaway, and one folded row (:mod:`lab.figures.fold`) that holds its claims, its details,
each figure's data and files and the code; the row is drawn when the section ends and sends its content only when
opened. The heading is anchored by the section's name
(``/vanishing#a-real-network``) and every chart drawn inside carries the section's and the figure's names in its
spec's ``usermeta`` (what the page tests, presenter mode and lecture scenes address it by).
"""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from residual_core.declare import Section

from .figures.charts import figure
from .figures.claims import claims as draw_claims
from .figures.fold import Fold, collect


class Drawing:
    """One section being drawn: its parts, each drawn once, in the order the page calls them."""

    def __init__(self, section: Section, result: dict | None, settings: dict):
        self.section, self.result, self.settings = section, result, settings
        self.fold = Fold(section.name)

    def bind(self, result: dict | None, settings: dict | None = None) -> None:
        """Hand the section its result (and the settings it was computed with) when the page reads the controls or
        computes under the heading (controls in the section, a progress bar, a live run)."""
        self.result = result
        if settings is not None:
            self.settings = settings

    def text(self, *, before: str = "", after: str = "") -> None:
        """The prose a student needs to read the chart (the section's ``text``, computed from the result), with the
        page's own Markdown ``before`` and ``after`` it (e.g. a formula, :func:`lab.chrome.text.formula`) in the same
        element: one message instead of one per paragraph, drawn the same."""
        text = self.section.text
        if callable(text) and self.result is not None:
            text = text(self.result, self.settings)
        parts = [part for part in (before, text if isinstance(text, str) else "", after) if part]
        if parts:
            st.markdown("\n\n".join(parts))

    def metrics(self) -> None:
        """The section's metrics in one row."""
        if self.section.metrics is None or self.result is None:
            return
        metric_row(self.section.metrics(self.result, self.settings), key=self.section.name)

    def figures(self, *keys: str, **view) -> None:
        """The section's figures (or those ``keys``), each with its takeaway and its folded files and code."""
        if self.result is None:
            return
        for key in keys or [f.key for f in self.section.shown_figures]:
            figure(self.section.experiment, key, self.result, **view)

    def claims(self, **options) -> None:
        """The section's claims with their live status (see :func:`lab.claims`), in the row of details: checked and
        drawn only when it is opened."""
        ids = [c.id for c in self.section.shown_claims]
        if self.result is None or not ids:
            return
        experiment, result, settings = self.section.experiment, self.result, self.settings
        if self.fold.drawn:  # called after the section ended (into a container of the page's): drawn there
            draw_claims(experiment, result, settings, only=ids, **options)
            return
        self.fold.add_claims(lambda: draw_claims(experiment, result, settings, only=ids, **options), len(ids))

    def details(self) -> None:
        """The section's details (derivation, reference-text table), in the row of details."""
        if self.result is None:
            return
        result, settings = self.result, self.settings
        for detail in self.section.details:
            draw = st.latex if detail.kind == "latex" else st.markdown
            self.more(detail.label, lambda d=detail, draw=draw: draw(d.text(result, settings)))

    def more(self, label: str, draw) -> None:
        """A part of the page's own in the row of details: ``draw()`` runs only when the row is open."""
        self.fold.add(label, draw)

    def show(self, *, seeds=True, **view) -> None:
        """Every part in the standard order: the chart first."""
        self.figures(**view)
        self.text()
        self.metrics()
        self.claims(seeds=seeds)
        self.details()


def metric_row(shown, *, key: str) -> None:
    """Metrics side by side in equal shares, one under the other on a phone, as ``st.columns`` lays them out: one
    horizontal container (one message for the row instead of one per column as well; its shares are set by
    :data:`lab.chrome.present.BASE_CSS` through the container's key, ``lab-metrics-`` + ``key``)."""
    with st.container(horizontal=True, gap="small", key=f"lab-metrics-{key}"):
        for m in shown:
            st.metric(m.label, m.value, help=m.help)


@contextmanager
def section(declared: Section, result: dict | None = None, settings: dict | None = None):
    """Draw ``declared``'s heading, then hand the page a :class:`Drawing` of its parts."""
    heading = st.header if declared.level == "header" else st.subheader
    heading(declared.heading, anchor=declared.name, divider=declared.divider or False)
    drawing = Drawing(declared, result, settings or {})
    with collect(drawing.fold):
        yield drawing
    drawing.fold.draw()  # only when the section ended normally (not on a rerun or a stop)
