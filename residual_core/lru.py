"""One small thread-safe LRU: what every bounded cache of the project is (shared results, drawings, chart specs,
rendered files, finished training runs, trained networks).

Bounded by a number of entries, optionally by a total weight (e.g. bytes: ``max_weight=..., weight=len``; the most
recently used entry is always kept, however heavy), and optionally by an age: an entry older than ``ttl`` seconds
counts as absent. Values are kept as the objects themselves (no copy, no pickling), so everyone who reads a key gets
the same object; callers store only what nobody mutates afterwards.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    """At most ``max_entries`` values (and at most ``max_weight`` in total), the least recently used dropped first.

    Args:
        max_entries: entries kept (``None``: no bound on the count).
        ttl: seconds an entry stays valid after it was stored (``None``: forever).
        max_weight: total ``weight(value)`` kept (``None``: no bound); the newest entry stays even if heavier.
        weight: the weight of a value (default ``len``), used only with ``max_weight``.
        clock: the time in seconds for ``ttl`` (default ``time.monotonic``), for tests.
    """

    def __init__(
        self,
        max_entries: int | None = None,
        *,
        ttl: float | None = None,
        max_weight: int | None = None,
        weight: Callable[[Any], int] = len,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_entries, self.ttl, self.max_weight = max_entries, ttl, max_weight
        self._weigh, self._clock = weight, clock
        self._items: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()  # key -> (stored at, weight, value)
        self._weight = 0
        self._lock = threading.Lock()

    def _live(self, key: Hashable):
        """The entry of ``key`` if present and not expired (an expired one is dropped); call under the lock."""
        item = self._items.get(key)
        if item is not None and self.ttl is not None and self._clock() - item[0] > self.ttl:
            self._drop(key)
            return None
        return item

    def _drop(self, key: Hashable) -> None:
        self._weight -= self._items.pop(key)[1]

    def get(self, key: Hashable, default=None):
        """The value of ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            item = self._live(key)
            if item is None:
                return default
            self._items.move_to_end(key)
            return item[2]

    def peek(self, key: Hashable, default=None):
        """The value of ``key`` without changing its place in the order, else ``default``."""
        with self._lock:
            item = self._live(key)
            return default if item is None else item[2]

    def put(self, key: Hashable, value) -> None:
        """Store ``value`` under ``key`` as the most recently used, then drop the least recently used beyond the
        bounds."""
        w = self._weigh(value) if self.max_weight is not None else 0
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (self._clock(), w, value)
            self._weight += w
            while (self.max_entries is not None and len(self._items) > self.max_entries) or (
                self.max_weight is not None and self._weight > self.max_weight and len(self._items) > 1
            ):
                self._drop(next(iter(self._items)))

    def pop(self, key: Hashable, default=None):
        """Remove ``key`` and return its value, else ``default``."""
        with self._lock:
            item = self._live(key)
            if item is None:
                return default
            self._drop(key)
            return item[2]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def keys(self) -> list:
        """The keys, least recently used first (expired ones included until they are next read)."""
        with self._lock:
            return list(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return self._live(key) is not None

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def weight(self) -> int:
        """The total weight kept (0 without ``max_weight``)."""
        with self._lock:
            return self._weight
