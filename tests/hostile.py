"""Hostile values a visitor can put into a link, and a check that a Markdown body holds no live link or image."""

from __future__ import annotations

import re

LINK = "1` [Click here to log in](https://evil.example/login) `"  # the example, through ?depth=
IMAGE = "![t](https://evil.example/x.png)"
HTML = '<img src="https://evil.example/h.png"><a href="https://evil.example/a">a</a>'
TICKS = "``` [x](https://evil.example/t) ```"
JAVASCRIPT = "[x](javascript:alert(1))"
BARE = "see https://evil.example/bare or www.evil.example"
VALUES = [LINK, IMAGE, HTML, TICKS, JAVASCRIPT, BARE]

_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")
_LIVE = [
    re.compile(r"\]\s*\("),  # an inline link or image: [text](target)
    re.compile(r"\]\s*\["),  # a reference link
    re.compile(r"<\s*[A-Za-z!/]"),  # raw HTML, an <autolink>
    re.compile(r"(?i)[a-z][a-z0-9+.-]*://"),  # a bare address GFM links by itself
    re.compile(r"(?i)\bwww\."),
    re.compile(r"(?i)javascript:"),
]


def _without_code_spans(text: str) -> str:
    """``text`` without its inline code spans (their content is literal): a run of n backticks up to the next run of
    exactly n backticks."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if text[i] == "`":
            j = i
            while j < len(text) and text[j] == "`":
                j += 1
            fence = text[i:j]
            close = re.compile(rf"(?<!`){fence}(?!`)").search(text, j)
            if close:
                out.append(" ")
                i = close.end()
                continue
            out.append(fence)
            i = j
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def live_links(markdown: str) -> list[str]:
    """The pieces of ``markdown`` that a Markdown renderer (CommonMark + GFM auto-links) could turn into a link, an
    image or HTML pointing at another host; empty if none."""
    text = _ESCAPED.sub(" ", _without_code_spans(markdown))  # an escaped character is literal text
    hostile = re.compile(r"(?i)evil|javascript")
    return [m.group(0) for pattern in _LIVE for m in pattern.finditer(text) if hostile.search(text, m.start())]
