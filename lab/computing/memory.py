"""The server's memory, shared by every visitor: a pool that heavy computations take their estimated memory from, in
arrival order (:data:`POOL`), and the memory given back to the system after one (:func:`give_back`).

One server process computes for a whole lecture hall. Each run's peak memory is estimated and bounded by
:mod:`residual_core.memory` (a run over its budget is refused); this pool bounds their sum: a run starts when the
memory it needs is free and every run that asked before it has started, so four heavy links at once run one or two
at a time instead of all four (measured by ``benchmarks/memory.py``). A waiting run shows that it waits.

glibc keeps freed memory in its heaps: after a heavy run, :func:`give_back` asks it to return what it can
(``malloc_trim``); :func:`tune` (at the process's start) makes large buffers separate mappings that go back to the
system when freed and limits the number of heaps (``mallopt``). Both do nothing where glibc is absent.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from collections import deque

POOL_MB = 200.0
"""The memory the computations of all visitors may hold at once, in MB (above a warmed server's ~470 MB: a server
of 690 MB keeps its peak under 690)."""


class MemoryPool:
    """``total_mb`` shared by computations, handed out in arrival order (first come, first served)."""

    def __init__(self, total_mb: float = POOL_MB):
        self.total_mb = total_mb
        self._used = 0.0
        self._queue: deque = deque()
        self._turn = threading.Condition()
        self.peak_holders = 0  # the most runs that held memory at once (tests and benchmarks)
        self._holders = 0

    @property
    def used_mb(self) -> float:
        with self._turn:
            return self._used

    def waiting(self) -> int:
        with self._turn:
            return len(self._queue)

    @contextlib.contextmanager
    def hold(self, mb: float, on_wait=None, every: float = 0.5):
        """Hold ``mb`` (at most the whole pool) for the ``with`` block. While it is not this run's turn,
        ``on_wait(place)`` is called every ``every`` seconds with its place in line (1 = next); a script run shows
        it, and Streamlit's stop/rerun check raised from there leaves the line cleanly."""
        mb = min(max(mb, 0.0), self.total_mb)
        ticket = object()
        with self._turn:
            self._queue.append(ticket)
        try:
            while True:
                with self._turn:
                    if self._queue[0] is ticket and self._used + mb <= self.total_mb:
                        self._queue.popleft()
                        self._used += mb
                        self._holders += 1
                        self.peak_holders = max(self.peak_holders, self._holders)
                        self._turn.notify_all()
                        break
                    self._turn.wait(every)
                    place = self._queue.index(ticket) + 1 if ticket in self._queue else 0
                if on_wait is not None:
                    on_wait(place)
        except BaseException:
            with self._turn:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                self._turn.notify_all()
            raise
        try:
            yield
        finally:
            with self._turn:
                self._used -= mb
                self._holders -= 1
                self._turn.notify_all()


POOL = MemoryPool()
"""The process's pool, shared by every session's computations (:func:`lab.computing.compute.compute`)."""


def _libc():
    try:
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 256 * 1024  # buffers of 256 kB and more: their own mappings, returned to the system when freed
ARENA_MAX = 2  # heaps: one per core of the reference machine, not eight per core


def tune() -> bool:
    """Set glibc's allocator for a long-lived server of many threads (at start, before heavy work); ``False``
    without glibc."""
    if _LIBC is None:
        return False
    _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    _LIBC.mallopt(M_ARENA_MAX, ARENA_MAX)
    return True


def give_back() -> bool:
    """Return freed heap memory to the system (``malloc_trim(0)``); ``False`` without glibc."""
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True


def start() -> None:
    """At the process's start (:func:`lab.page.start`): :func:`tune` the allocator, and make the shared training runs
    (:data:`residual_core.training.jobs.REGISTRY`) take their memory from :data:`POOL` too."""
    from residual_core import memory
    from residual_core.training import jobs

    tune()
    jobs.REGISTRY.hold = _hold_run(memory.estimate_mb, memory.HEAVY_MB)


def _hold_run(estimate, heavy_mb: float):
    @contextlib.contextmanager
    def hold(job):
        mb = estimate(job.fn, job.kwargs)
        with POOL.hold(mb):
            try:
                yield
            finally:
                if mb >= heavy_mb:
                    give_back()

    return hold
