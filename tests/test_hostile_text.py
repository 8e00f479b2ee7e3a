"""Values a visitor controls stay text (issue 20): the Markdown escaping, bounded lecture links, no error details."""

from __future__ import annotations

import base64
import tomllib
import zlib

import pytest

from residual_core import lectures
from residual_core.safe_text import md_code, md_text, shorten
from tests.conftest import ROOT
from tests.hostile import VALUES, live_links


@pytest.mark.parametrize("value", VALUES)
def test_escaped_values_hold_no_live_link(value):
    raw = f"Before {value} after, in `depth={value}` as a notice put it"
    assert live_links(raw), "the check must see the raw value as live"
    assert not live_links(f"Before **{md_text(value)}** after")
    assert not live_links(f"Before {md_code(value)} after")


def test_text_stays_readable_and_short():
    assert md_text("depth must be 1 to 200") == "depth must be 1 to 200"
    assert md_code("depth=1` x `") == "`` depth=1` x ` ``"
    assert md_code("depth=abc") == "`depth=abc`"
    assert shorten("x" * 500, 80) == "x" * 79 + "…"
    assert "\n" not in md_text("a\n# heading\n- item")
    assert len(md_text("a" * 1000)) == 80


def _deck(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw", [b"[" * 5000, b'{"s":' * 3000, b'{"s": [[[[[["/", "", "t", ""]]]]]]}'], ids=["brackets", "objects", "six"]
)
def test_a_deeply_nested_deck_is_a_message_not_a_traceback(raw):
    deck = _deck(raw)
    assert len(deck) <= lectures.MAX_LINK_CHARS
    with pytest.raises(lectures.LectureError, match="damaged"):
        lectures.unpack(deck)


def test_a_short_nested_deck_as_in_the_issue():
    deck = _deck(b"[" * 60000)
    assert len(deck) < 200
    with pytest.raises(lectures.LectureError):
        lectures.unpack(deck)


def test_a_visitor_never_sees_error_details():
    """An uncaught exception shows no message, type or trace (no server paths); the server log keeps it."""
    from streamlit import config
    from streamlit.elements import exception
    from streamlit.proto.Exception_pb2 import Exception as ExceptionProto

    configured = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]["showErrorDetails"]
    assert configured == "none"
    config.set_option("client.showErrorDetails", configured)
    try:
        try:
            raise RuntimeError(f"secret path {ROOT}/residual_core/rooms.py")
        except RuntimeError as err:
            proto = ExceptionProto()
            exception.marshall(proto, err, apply_show_error_details=True)
    finally:
        config.set_option("client.showErrorDetails", None)
    shown = f"{proto.message} {proto.type} {' '.join(proto.stack_trace)}"
    assert str(ROOT) not in shown and "secret" not in shown and "RuntimeError" not in shown
