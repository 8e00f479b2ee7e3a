"""Numbers for a metric and plain text in Markdown."""

from __future__ import annotations

from residual_core.numbers import fmt  # lab.fmt: the same numbers as the catalog's text
from residual_core.safe_text import MARKDOWN_CHARS, md_code, md_text

__all__ = ["MARKDOWN_CHARS", "code", "fmt", "formula", "plain"]


def plain(text, limit: int = 600) -> str:
    """``text`` (a lecture's title or note, a URL value: anything a visitor may have written) shown as plain text in
    Markdown: every Markdown character escaped and addresses broken, so no link, image or HTML can come from it."""
    return md_text(text, limit)


def code(text, limit: int = 80) -> str:
    """``text`` (a visitor's value) as inline code in Markdown, shortened to ``limit`` characters."""
    return md_code(text, limit)


def formula(latex: str) -> str:
    """A display formula as Markdown, the body ``st.latex`` sends (``$$`` lines around it), so that it can share one
    element with the prose after it (drawn the same when the formula comes first; prose then a formula in one
    element loses the space above the formula). ``latex`` is the page's own fixed text, never a visitor's value."""
    return f"$$\n{latex.strip()}\n$$"
