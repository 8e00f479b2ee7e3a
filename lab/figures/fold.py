"""A section's one row of details: a single folded panel under its chart that holds everything a student may want
after reading the chart — the claims with their conditions, the derivation and the reference-text table, each
figure's data and files (CSV, SVG, PNG, the table) and the code that computed it.

A section collects what its parts register (:func:`collect`, used by :func:`lab.section`) and draws the fold once,
at its end; a figure drawn outside a section draws its own. Nothing inside is sent until the visitor opens it (the
page reruns when it opens), so a visit that only looks at the charts costs one element per section.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from residual_core.declare import source_of

from .export import downloads

PREFIX = "details-"  # session-state key of a fold: PREFIX + its section's (or figure's) name


@dataclass
class _Files:
    title: str
    frame: pd.DataFrame
    spec: dict
    name: str


@dataclass
class Fold:
    """The details of one section (or one figure drawn outside a section), drawn by :meth:`draw`."""

    key: str
    files: list[_Files] = field(default_factory=list)
    code: list = field(default_factory=list)
    parts: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    claims: tuple[Callable[[], None], int] | None = None
    drawn: bool = False  # drawn already: what is registered later is drawn where it is called

    def add_files(self, title: str, frame: pd.DataFrame, spec: dict, name: str) -> None:
        """A figure's data and files."""
        self.files.append(_Files(title, frame, spec, name))

    def add_code(self, objects) -> None:
        """The functions and classes that computed a chart or a number (each shown once)."""
        seen = {source_of(o).qualname for o in self.code}
        for obj in objects:
            name = source_of(obj).qualname
            if name not in seen:
                seen.add(name)
                self.code.append(obj)

    def add_claims(self, draw: Callable[[], None], count: int) -> None:
        """The section's ``count`` claims, checked and drawn by ``draw`` only when the fold is open."""
        self.claims = (draw, count)

    def add(self, label: str, draw: Callable[[], None]) -> None:
        """A further part (a derivation, a reference-text table, prose that is not needed to read the chart)."""
        self.parts.append((label, draw))

    @property
    def empty(self) -> bool:
        return not (self.files or self.code or self.parts or self.claims)

    def label(self) -> str:
        """The row's label: what is inside, e.g. "Details: 3 claims · how it is computed · data and files · the
        code"."""
        bits = []
        if self.claims is not None:
            n = self.claims[1]
            bits.append(f"{n} claim{'s' if n != 1 else ''}")
        bits += [_lower_first(label) for label, _ in self.parts]
        if self.files:
            bits.append("data and files")
        if self.code:
            bits.append("the code")
        return "Details: " + " · ".join(bits)

    def draw(self) -> None:
        """The folded row; its content is sent only while it is open."""
        self.drawn = True
        if self.empty:
            return
        box = st.expander(self.label(), icon=":material/unfold_more:", key=PREFIX + self.key, on_change="rerun")
        if not box.open:
            return
        # a chart a part draws belongs to this section: tagged with it, its files and code listed below
        with box, collect(self):
            if self.claims is not None:
                self.claims[0]()
            for label, draw in self.parts:
                st.markdown(f"**{label}**")
                draw()
            for files in self.files:
                st.markdown(f"**Data and files:** {files.title}" if files.title else "**Data and files**")
                downloads(files.frame, files.spec, files.name)
                st.dataframe(files.frame, hide_index=True, width="stretch")
            if self.code:
                st.markdown("**The code that computed it**")
                for obj in self.code:
                    src = source_of(obj)
                    st.caption(f"`{src.path}` · `{src.qualname}`")
                    st.code(src.text, language="python")


def _lower_first(label: str) -> str:
    """ "How it is computed" -> "how it is computed" inside the row's label; "PyTorch's …" and "LN" stay."""
    first = label.split(" ", 1)[0]
    return label[0].lower() + label[1:] if first[1:].islower() or len(first) == 1 else label


_RUN = threading.local()  # the fold being collected in this script run (each session's run has its own thread)


def current() -> Fold | None:
    """The fold of the section being drawn in this script run, if any."""
    return getattr(_RUN, "fold", None)


@contextmanager
def collect(fold: Fold):
    """Make ``fold`` the one the parts drawn inside register into."""
    before = current()
    _RUN.fold = fold
    try:
        yield fold
    finally:
        _RUN.fold = before
