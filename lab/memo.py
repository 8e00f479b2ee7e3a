"""What a page draws from a shared result, remembered per result object (a bounded LRU): a figure's spec and Arrow
data (:mod:`lab.charts`), a claim's checked status (:mod:`lab.claims`). A warm visit then sends what the first
visitor's run made.

Results are the shared, never-mutated objects of :mod:`lab.compute` and the job registry, so the same object means
the same data; each entry keeps its result alive, so its ``id`` is never reused while the entry lives."""

from __future__ import annotations

import threading
from collections import OrderedDict


class PerResult:
    """At most ``max_entries`` values, each stored under a key together with the result object it was made from."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, result: dict):
        """The value stored under ``key`` for this very ``result`` object, else ``None``."""
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] is not result:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: tuple, result: dict, value) -> None:
        with self._lock:
            self._items[key] = (result, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
