"""Calls into residual_core, cached across all sessions: quick ones (:func:`compute`), long ones with a progress bar
(:func:`compute_with_progress`) and shared live training runs (:func:`live_run`, over
:mod:`residual_core.training.jobs`)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import OrderedDict

import streamlit as st

from residual_core.declare import Experiment

MAX_CACHE_ENTRIES = 256  # results kept (small: lists of floats; a few hundred kB at most each)
CACHE_TTL_SECONDS = 24 * 3600


_COMPUTE_LOG = os.environ.get("RESIDUAL_LAB_COMPUTE_LOG")  # benchmarks/hall.py: one line per computation run


def _log_computation(module: str, name: str, kwargs_json: str, seconds: float) -> None:
    """Append ``module.name(kwargs)`` and its seconds to the file named by ``RESIDUAL_LAB_COMPUTE_LOG``, if set
    (how benchmarks/hall.py counts what a lecture hall made the server compute)."""
    if _COMPUTE_LOG:
        with open(_COMPUTE_LOG, "a") as f:
            f.write(f"{module}.{name}({kwargs_json})\t{seconds:.3f}\n")


COMPUTE_SECONDS = [0.0]  # wall time spent inside compute() since start; read by benchmarks/pages.py


def _function(fn):
    """The function behind an :class:`~residual_core.declare.Experiment` (or ``fn`` itself)."""
    return fn.func if isinstance(fn, Experiment) else fn


def _key(fn, kwargs_json: str) -> str:
    return f"{fn.__module__}.{fn.__name__}({kwargs_json})"


# -- one computation per key at a time ----------------------------------------------------------------------------


class _KeyLocks:
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


FLIGHTS = _KeyLocks()
"""The per-key locks of every computation: :func:`compute`, :func:`compute_with_progress` and the warm-up
(:mod:`lab.warmup`) take the same lock for the same key, so a result is computed once however many ask at once."""


def _yield_check():
    """This script run's stop/rerun check (raises to stop waiting when the visitor reruns), or ``None``."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "yield_check", None) if ctx is not None else None


# -- the shared cache ----------------------------------------------------------------------------------------------


class _Results:
    """Results shared by every session: a bounded LRU of at most :data:`MAX_CACHE_ENTRIES` results, each kept for
    :data:`CACHE_TTL_SECONDS`.

    A result is kept as the object itself and every visitor reads that same object, so a warm visit costs a
    dictionary lookup (``st.cache_data`` would unpickle a copy on every read: a fifth of a warm page run, measured with
    py-spy). Results are JSON-like data that nothing mutates after it is returned (the live training runs of
    :mod:`residual_core.training.jobs` are shared the same way)."""

    def __init__(self, max_entries: int, ttl: float):
        self.max_entries, self.ttl = max_entries, ttl
        self._items: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if time.monotonic() - item[0] > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, result) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), result)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


RESULTS = _Results(MAX_CACHE_ENTRIES, CACHE_TTL_SECONDS)


def clear() -> None:
    """Forget every shared result and every warm-up result (tests and benchmarks that need a cold cache)."""
    from . import warmup

    RESULTS.clear()
    warmup.clear()


def _lookup(fn, kwargs_json: str):
    """The stored result, else ``None`` (computes nothing)."""
    return RESULTS.get(_key(fn, kwargs_json))


def _store(fn, kwargs_json: str, result):
    from .warmup import computed

    key = _key(fn, kwargs_json)
    computed(key)  # the warm-up need not compute it again
    RESULTS.put(key, result)
    return result


def _run(fn, kwargs: dict, kwargs_json: str, **extra):
    """``fn(**kwargs, **extra)``, checked against the cost budget first, and logged for benchmarks/hall.py."""
    from residual_core import budget

    try:
        budget.check(fn, kwargs)
    except budget.BudgetError as err:  # never a traceback: say which budget and what to lower, draw nothing more
        from .layout import notice

        notice(f"Not computed: {err}.")
        st.stop()
    start = time.perf_counter()
    result = fn(**kwargs, **extra)
    _log_computation(fn.__module__, fn.__name__, kwargs_json, time.perf_counter() - start)
    return result


def cached_result(fn, **kwargs):
    """The cached result of ``fn(**kwargs)`` if some session (or the warm-up) already computed it, else ``None``.
    Never computes anything."""
    fn = _function(fn)
    kwargs_json = json.dumps(kwargs, sort_keys=True)
    found = _lookup(fn, kwargs_json)
    if found is None:
        found = _take_warm(fn, kwargs_json)
    return found


def _take_warm(fn, kwargs_json: str):
    """A result the warm-up computed (moved into the shared cache), else ``None``."""
    from .warmup import take

    result = take(_key(fn, kwargs_json))
    return None if result is None else _store(fn, kwargs_json, result)


def compute(fn, **kwargs):
    """``fn(**kwargs)``, cached across all sessions by the function's name and its plain arguments.

    ``fn`` is a declared :class:`~residual_core.declare.Experiment` or a module-level residual_core function of
    JSON-serialisable arguments (numbers, strings). A freshly woken app visited by a whole lecture hall at once
    computes each result once: the first visitor computes it, the others wait for it (:data:`FLIGHTS`).
    """
    fn = _function(fn)
    kwargs_json = json.dumps(kwargs, sort_keys=True)
    start = time.perf_counter()
    try:
        found = _lookup(fn, kwargs_json)
        if found is not None:
            return found
        with st.spinner("Computing…"), FLIGHTS.hold(_key(fn, kwargs_json), _yield_check()):
            found = _lookup(fn, kwargs_json)  # computed by whoever held the lock before us
            if found is None:
                found = _take_warm(fn, kwargs_json)
            if found is not None:
                return found
            return _store(fn, kwargs_json, _run(fn, kwargs, kwargs_json))
    finally:
        COMPUTE_SECONDS[0] += time.perf_counter() - start


MAX_CONCURRENT_PROGRESS_RUNS = 2  # long computations (highway training) running at once, over all sessions
_PROGRESS_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_PROGRESS_RUNS)


def _acquire_politely(lock, bar, text: str) -> None:
    """Wait for ``lock`` while keeping the page responsive: each half second touches the page, so a rerun
    (a control moved) can still interrupt this script run."""
    while not lock.acquire(timeout=0.5):
        bar.progress(0.0, text=text)


def compute_with_progress(fn, *, label: str = "Computing…", **kwargs):
    """``fn(**kwargs, progress=...)``, cached across sessions like :func:`compute`, with a progress bar on a miss.

    ``fn`` takes a ``progress(done, total, message)`` callback. On a cache hit the result comes back at once and no
    bar is drawn. On a miss ``fn`` runs in this script run and its result is then stored under the same key.

    A lecture hall clicking at once: visitors asking for the same result wait for the one computing it (it runs
    once), and at most :data:`MAX_CONCURRENT_PROGRESS_RUNS` different ones run at a time; the others wait their turn.
    """
    fn = _function(fn)
    kwargs_json = json.dumps(kwargs, sort_keys=True)
    found = cached_result(fn, **kwargs)
    if found is not None:
        return found
    bar = st.progress(0.0, text=label)
    waiting = "Another visitor is computing this same run; it appears here when it is done…"
    with FLIGHTS.hold(_key(fn, kwargs_json), lambda: bar.progress(0.0, text=waiting), every=0.5):
        found = cached_result(fn, **kwargs)  # computed by whoever held the lock before us
        if found is not None:
            bar.empty()
            return found
        _acquire_politely(_PROGRESS_SLOTS, bar, "The server is busy with other runs; waiting for a free slot…")
        try:

            def progress(done: int, total: int, message: str = "") -> None:
                bar.progress(min(max(done / max(total, 1), 0.0), 1.0), text=f"{label} {message}".strip())

            result = _run(fn, kwargs, kwargs_json, progress=progress)
        finally:
            _PROGRESS_SLOTS.release()
        bar.empty()
        return _store(fn, kwargs_json, result)


def budget_caption(fn, kwargs: dict) -> bool:
    """Under the controls of a run that costs seconds: its estimated time against the server's budget per run
    (:mod:`residual_core.budget`). Over the budget, a warning naming the options to lower; returns ``False``."""
    from residual_core import budget

    fn = _function(fn)
    try:
        seconds = budget.check(fn, kwargs)
    except budget.BudgetError as err:
        st.warning(f"{err}. This server runs every visitor's computations, so each run has a time budget.")
        return False
    if seconds is not None and seconds >= 1.0:
        st.caption(
            f":material/timer: About {seconds:.0f} s of the server's time for these settings, when nobody else is "
            f"using it; the budget per run is {budget.BUDGET_SECONDS:.0f} s (settings over it are refused)."
        )
    return True


def watcher_id(slot: str) -> str:
    """This browser session's watcher name for ``slot`` (one live run per session and slot)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return f"{ctx.session_id if ctx else 'no-session'}:{slot}"


def live_run(fn, kwargs: dict, *, draw, slot: str = "run", interval: float = 1.0, wait: float = 0.0, registry=None):
    """Show the shared run of ``fn(**kwargs)`` (see :mod:`residual_core.training.jobs`), live while it trains.

    This session watches the run (starting it if nobody has, leaving and possibly cancelling the run it watched
    before in ``slot``). A finished run is drawn at once with ``draw(result, True)``. A live one is drawn in a
    fragment that reruns every ``interval`` seconds: a progress bar with the step count, then
    ``draw(partial_result, False)``; when the run finishes the whole page reruns once and draws the final result.
    Every watcher's poll costs server time, so with many watchers of one run each polls less often (up to 5 s).
    ``wait`` seconds are spent waiting for a run to finish before drawing it live (short runs then appear complete).

    Returns the final result if it was available during this script run, else ``None``.
    """
    from residual_core.training import jobs

    fn = _function(fn)
    if not budget_caption(fn, kwargs):
        return None
    registry = registry or jobs.REGISTRY
    watcher = watcher_id(slot)
    try:
        job = registry.watch(watcher, fn, **kwargs)
    except jobs.Busy as err:
        st.warning(f"The server is busy training other runs ({err}). Reload the page in a few seconds.")
        return None
    if wait:
        job.wait(wait)
    view = job.view()
    if view.state == jobs.DONE:
        _run_caption(view, final=True)
        draw(view.result, True)
        return view.result

    every = min(max(interval, interval * view.watchers / 4), 5.0)

    @st.fragment(run_every=every)
    def _live():
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        job.touch(watcher)
        v = job.view()
        ctx = get_script_run_ctx()
        in_fragment_run = bool(ctx and ctx.fragment_ids_this_run)
        if in_fragment_run and v.state in (jobs.DONE, jobs.CANCELLED):
            st.rerun(scope="app")  # draw the final result (or start again) outside the polling fragment
        if v.state == jobs.FAILED:
            st.error(f"This run failed: {v.error}")
            return
        if v.state == jobs.DONE:
            _run_caption(v, final=True)
            draw(v.result, True)
            return
        st.progress(v.fraction, text=_run_caption(v, final=False, draw_it=False))
        if v.partial is not None:
            draw(v.partial, False)

    _live()
    return None


def _run_caption(view, *, final: bool, draw_it: bool = True) -> str:
    others = view.watchers - 1
    shared = f" · {others} other {'person is' if others == 1 else 'people are'} watching this run" if others > 0 else ""
    if final:
        text = (
            f"Trained in {view.elapsed:.1f} s on the server's CPU. The finished run is cached: everyone who opens "
            "this link sees it at once."
        )
    elif view.state == "queued":
        text = f"Waiting for a free trainer ({view.message}){shared}"
    elif view.state == "cancelled":
        text = "This run was stopped; starting again…"
    else:
        text = f"Training… step {view.done} of {view.total} · {view.elapsed:.1f} s{shared}"
    if draw_it:
        st.caption(text)
    return text
