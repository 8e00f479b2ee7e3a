"""What a page draws from a shared result, remembered per result object (a bounded LRU): a figure's spec and Arrow
data (:mod:`lab.figures.charts`), a claim's checked status (:mod:`lab.figures.claims`). A warm visit then sends what
the first visitor's run made.

Results are the shared, never-mutated objects of :mod:`lab.computing` and the job registry, so the same object means
the same data; each entry keeps its result alive, so its ``id`` is never reused while the entry lives."""

from __future__ import annotations

from residual_core.lru import LRU


class PerResult:
    """At most ``max_entries`` values, each stored under a key together with the result object it was made from."""

    def __init__(self, max_entries: int):
        self._items = LRU(max_entries)  # key -> (result, value)

    def get(self, key: tuple, result: dict):
        """The value stored under ``key`` for this very ``result`` object, else ``None``."""
        found = self._items.get(key)
        return None if found is None or found[0] is not result else found[1]

    def put(self, key: tuple, result: dict, value) -> None:
        self._items.put(key, (result, value))

    def clear(self) -> None:
        self._items.clear()
