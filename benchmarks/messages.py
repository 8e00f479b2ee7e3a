"""How many messages (deltas: elements and blocks) a warm visit of each page sends, counted rather than timed.

Streamlit's cost on a warm visit is per message (about 0.1 ms each however large it is), so the number of deltas a
page sends is the figure to keep low. For each page (or ``--page FILE``): ``AppTest`` opens it as a deep link, runs
it twice (cold, then warm), then counts every ``ForwardMsg`` with a ``delta`` that a new session's first run
enqueues (a student opening the link), by kind (``markdown``, ``vega_lite_chart``, ``block:flex_container``, ...);
``--top`` lists the most frequent kinds, ``--list`` every delta in order.
``tests/pages/test_messages.py`` keeps each page's count from rising.

Run: ``python benchmarks/messages.py [--page pages/why.py] [--top 12] [--list]``.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def kind(msg) -> str:
    """A delta's kind: the element's type, ``block:<type>`` for a container, or the delta's own type."""
    delta = msg.delta
    which = delta.WhichOneof("type")
    if which == "new_element":
        return delta.new_element.WhichOneof("type")
    if which == "add_block":
        return "block:" + (delta.add_block.WhichOneof("type") or "?")
    return which or "?"


def label(msg) -> str:
    """A few characters that say which element a delta is (its text or label)."""
    delta = msg.delta
    if delta.WhichOneof("type") != "new_element":
        return ""
    element = getattr(delta.new_element, delta.new_element.WhichOneof("type"))
    for name in ("body", "label", "text", "page"):
        value = getattr(element, name, "")
        if isinstance(value, str) and value:
            return value[:60].replace("\n", " ")
    return ""


def _app(page: str, params: dict[str, str] | None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if page != "app.py":
        at.switch_page(page)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def count(page: str, params: dict[str, str] | None = None, listing: list | None = None) -> collections.Counter:
    """The deltas of a warm visit of ``page`` (``app.py`` or ``pages/<key>.py``) with URL ``params``, by kind: a
    first session opens it twice (cold, then warm), then a new session's first run is counted (what a student who
    opens the link sends). ``listing`` receives ``(delta path, kind, label)`` of each delta in order."""
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    warm = _app(page, params)
    warm.run()
    warm.run()
    at = _app(page, params)
    kinds: collections.Counter = collections.Counter()
    original = ForwardMsgQueue.enqueue

    def enqueue(self, msg):
        if msg.WhichOneof("type") == "delta":
            kinds[kind(msg)] += 1
            if listing is not None:
                listing.append((tuple(msg.metadata.delta_path), kind(msg), label(msg)))
        return original(self, msg)

    ForwardMsgQueue.enqueue = enqueue
    try:
        at.run()
    finally:
        ForwardMsgQueue.enqueue = original
    if at.exception:
        raise RuntimeError(f"{page}: the page raised {at.exception[0].value}")
    return kinds


def pages() -> list[str]:
    import lab

    return [lab.page_file(p) for p in lab.available_pages()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", help="a page file, e.g. pages/why.py (default: every page)")
    parser.add_argument("--top", type=int, default=0, help="list the most frequent kinds of each page")
    parser.add_argument("--list", action="store_true", help="list every delta in order: its path, kind and text")
    args = parser.parse_args()
    total = 0
    for page in args.page or pages():
        listing: list = []
        kinds = count(page, listing=listing)
        total += sum(kinds.values())
        print(f"{page:28} {sum(kinds.values()):4} deltas")
        for name, n in kinds.most_common(args.top):
            print(f"    {n:4}  {name}")
        if args.list:
            for path, name, text in listing:
                print(f"    {'.'.join(map(str, path)):14} {name:22} {text}")
    print(f"{'all pages':28} {total:4} deltas")


if __name__ == "__main__":
    main()
