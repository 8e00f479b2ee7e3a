"""Numbers for a metric and plain text in Markdown."""

from __future__ import annotations


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a metric: plain for ordinary magnitudes, scientific for tiny or huge ones."""
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}g}"


def plain(text: str) -> str:
    """``text`` (a lecture's title or note, which a visitor may have written) shown as plain text in Markdown: every
    Markdown character escaped, so no link, image or HTML can come from it."""
    return "".join("\\" + c if c in MARKDOWN_CHARS else c for c in str(text))


MARKDOWN_CHARS = set("\\`*_{}[]()#+-.!|<>~$:&")
