"""What every computation shares: its key (built here only, by :func:`key`), the results every session reads
(:data:`RESULTS`), the warm-up's results waiting for their first visitor (:data:`WARM`) and one lock per key
(:data:`FLIGHTS`), so a result is computed once however many ask at once."""

from __future__ import annotations

import contextlib
import json
import os
import threading

from residual_core.declare import Experiment
from residual_core.lru import LRU

MAX_CACHE_ENTRIES = 256  # results kept (small: lists of floats; a few hundred kB at most each)
CACHE_TTL_SECONDS = 24 * 3600


def function_of(fn):
    """The function behind an :class:`~residual_core.declare.Experiment` (or ``fn`` itself)."""
    return fn.func if isinstance(fn, Experiment) else fn


def key(fn, kwargs: dict) -> str:
    """The key of ``fn(**kwargs)``: ``module.name(sorted JSON of the arguments)``. The pages' calls, the warm-up and
    the computation log all use it, so a warm result is found by the visitor who asks for it."""
    return f"{fn.__module__}.{fn.__name__}({json.dumps(kwargs, sort_keys=True)})"


_COMPUTE_LOG = os.environ.get("RESIDUAL_LAB_COMPUTE_LOG")  # benchmarks/hall.py: one line per computation run


def log_computation(computed_key: str, seconds: float) -> None:
    """Append ``module.name(kwargs)`` (the key) and its seconds to the file named by ``RESIDUAL_LAB_COMPUTE_LOG``, if
    set (how benchmarks/hall.py counts what a lecture hall made the server compute)."""
    if _COMPUTE_LOG:
        with open(_COMPUTE_LOG, "a") as f:
            f.write(f"{computed_key}\t{seconds:.3f}\n")


# -- one computation per key at a time ----------------------------------------------------------------------------


class KeyLocks:
    """One lock per key, kept only while somebody holds or waits for it (so the table stays small)."""

    def __init__(self):
        self._locks: dict[str, list] = {}  # key -> [lock, number of threads holding or waiting]
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, key: str, on_wait=None, every: float = 0.1):
        """Hold the lock of ``key``. While another thread holds it, ``on_wait()`` is called every ``every`` seconds
        (a script run passes Streamlit's stop/rerun check, so a visitor who moves a control is not stuck waiting)."""
        with self._lock:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        lock = entry[0]
        try:
            if not lock.acquire(blocking=False):
                while not lock.acquire(timeout=every):
                    if on_wait is not None:
                        on_wait()
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._locks)


FLIGHTS = KeyLocks()
"""The per-key locks of every computation: :func:`~lab.computing.compute.compute`,
:func:`~lab.computing.compute.compute_with_progress` and the warm-up (:mod:`lab.computing.warmup`) take the same lock
for the same key."""


# -- the shared results ---------------------------------------------------------------------------------------------

RESULTS = LRU(MAX_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS)
"""Results shared by every session: at most :data:`MAX_CACHE_ENTRIES`, each kept for :data:`CACHE_TTL_SECONDS`.

A result is kept as the object itself and every visitor reads that same object, so a warm visit costs a dictionary
lookup (``st.cache_data`` would unpickle a copy on every read: a fifth of a warm page run, measured with py-spy).
Results are JSON-like data that nothing mutates after it is returned (the live training runs of
:mod:`residual_core.training.jobs` are shared the same way)."""


class Warm:
    """The warm-up's results until a visitor takes them into :data:`RESULTS`, and the keys visitors computed
    themselves (the warm-up skips them)."""

    MAX_COMPUTED = 4096  # only a hint: forgetting it costs at most one duplicate computation

    def __init__(self):
        self._results: dict[str, object] = {}  # bounded by the warm-up's plan (lab.computing.warmup.MAX_ITEMS)
        self._computed: set[str] = set()
        self._lock = threading.Lock()

    def put(self, computed_key: str, result) -> None:
        with self._lock:
            self._results[computed_key] = result

    def take(self, computed_key: str):
        """The warm result for ``computed_key`` (removed from the table), else ``None``."""
        with self._lock:
            return self._results.pop(computed_key, None)

    def computed(self, computed_key: str) -> None:
        """Record that a visitor computed ``computed_key`` (so the warm-up does not)."""
        with self._lock:
            self._computed.add(computed_key)
            if len(self._computed) > self.MAX_COMPUTED:
                self._computed.clear()

    def done(self, computed_key: str) -> bool:
        """Whether a visitor or the warm-up already computed ``computed_key``."""
        with self._lock:
            return computed_key in self._computed or computed_key in self._results

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self._computed.clear()


WARM = Warm()


def clear() -> None:
    """Forget every shared result and every warm-up result (tests and benchmarks that need a cold cache)."""
    RESULTS.clear()
    WARM.clear()
