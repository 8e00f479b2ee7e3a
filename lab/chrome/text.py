"""Numbers for a metric and plain text in Markdown."""

from __future__ import annotations

from residual_core.numbers import fmt  # lab.fmt: the same numbers as the catalog's text

__all__ = ["fmt", "plain"]


def plain(text: str) -> str:
    """``text`` (a lecture's title or note, which a visitor may have written) shown as plain text in Markdown: every
    Markdown character escaped, so no link, image or HTML can come from it."""
    return "".join("\\" + c if c in MARKDOWN_CHARS else c for c in str(text))


MARKDOWN_CHARS = set("\\`*_{}[]()#+-.!|<>~$:&")
