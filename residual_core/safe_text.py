"""Values a visitor controls, made safe to show inside Markdown (Streamlit's ``st.markdown``, notices, captions).

:func:`md_text` escapes every character Markdown (and Streamlit's own extensions: ``:material/...:`` icons,
``:red[...]`` colours, ``$`` maths) gives a meaning, drops line breaks and breaks every address that an auto-link
would turn into a link (a word joiner, U+2060, after ``://`` and in ``www.``), so a value never becomes a link, an
image, HTML, a heading or a list. :func:`md_code` puts a value in an inline code span whose fence is longer than
any run of backticks in the value. :func:`shorten` keeps long values short. No Streamlit here: plain functions.
"""

from __future__ import annotations

import re

__all__ = ["MARKDOWN_CHARS", "md_code", "md_text", "shorten"]

MARKDOWN_CHARS = frozenset("\\`*_{}[]()#+-.!|<>~$:&@")
JOINER = "\u2060"  # a word joiner: invisible, and no auto-link runs across it
SHORT = 80
_LINE = re.compile(r"[\r\n\t\v\f\u0085\u2028\u2029]+")
_SCHEME = re.compile(r"://")
_WWW = re.compile(r"(?i)\b(www)\.")


def shorten(value, limit: int = SHORT) -> str:
    """``value`` as one line of text, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = _LINE.sub(" ", str(value))
    text = "".join(c for c in text if c.isprintable() or c == " ")
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _unlink(text: str) -> str:
    return _WWW.sub(lambda m: m.group(1) + JOINER + ".", _SCHEME.sub(":" + JOINER + "//", text))


def md_text(value, limit: int = SHORT) -> str:
    """``value`` (shortened to ``limit`` characters) as plain text in Markdown: no link, image, HTML or formatting."""
    text = _unlink(shorten(value, limit))
    return "".join("\\" + c if c in MARKDOWN_CHARS else c for c in text)


def md_code(value, limit: int = SHORT) -> str:
    """``value`` (shortened) as inline code: the fence is one backtick longer than the value's longest run."""
    text = _unlink(shorten(value, limit))
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    edges = text[:1] + text[-1:]
    pad = " " if "`" in edges or (edges == "  " and text.strip()) else ""  # CommonMark strips one space each side
    return f"{fence}{pad}{text}{pad}{fence}"
