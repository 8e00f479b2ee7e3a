"""Calls into residual_core, cached across all sessions: quick ones (:func:`compute`), long ones with a progress bar
(:func:`compute_with_progress`) and shared live training runs (:func:`live_run`, over
:mod:`residual_core.training.jobs`)."""

from __future__ import annotations

import importlib
import json
import os
import threading
import time

import streamlit as st

from residual_core.declare import Experiment

MAX_CACHE_ENTRIES = 256  # per cached function; results are small (lists of floats)
CACHE_TTL_SECONDS = 24 * 3600


_COMPUTE_LOG = os.environ.get("RESIDUAL_LAB_COMPUTE_LOG")  # benchmarks/hall.py: one line per computation run


def _log_computation(module: str, name: str, kwargs_json: str, seconds: float) -> None:
    """Append ``module.name(kwargs)`` and its seconds to the file named by ``RESIDUAL_LAB_COMPUTE_LOG``, if set
    (how benchmarks/hall.py counts what a lecture hall made the server compute)."""
    if _COMPUTE_LOG:
        with open(_COMPUTE_LOG, "a") as f:
            f.write(f"{module}.{name}({kwargs_json})\t{seconds:.3f}\n")


@st.cache_data(max_entries=MAX_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner="Computing…")
def _cached_call(module: str, name: str, kwargs_json: str):
    fn = getattr(importlib.import_module(module), name)
    start = time.perf_counter()
    result = fn(**json.loads(kwargs_json))
    _log_computation(module, name, kwargs_json, time.perf_counter() - start)
    return result


COMPUTE_SECONDS = [0.0]  # wall time spent inside compute() since start; read by benchmarks/pages.py


def _function(fn):
    """The function behind an :class:`~residual_core.declare.Experiment` (or ``fn`` itself)."""
    return fn.func if isinstance(fn, Experiment) else fn


def compute(fn, **kwargs):
    """``fn(**kwargs)``, cached across all sessions by the function's name and its plain arguments.

    ``fn`` is a declared :class:`~residual_core.declare.Experiment` or a module-level residual_core function of
    JSON-serialisable arguments (numbers, strings).
    """
    fn = _function(fn)
    start = time.perf_counter()
    try:
        return _cached_call(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True))
    finally:
        COMPUTE_SECONDS[0] += time.perf_counter() - start


class _NotCached(Exception):
    """Raised inside :func:`_stored_result` on a cache miss when there is nothing to store (never cached)."""


@st.cache_data(max_entries=MAX_CACHE_ENTRIES, ttl=CACHE_TTL_SECONDS, show_spinner=False)
def _stored_result(module: str, name: str, kwargs_json: str, _result=None):
    # A hit returns the stored result without running this body. On a miss the body runs: with nothing to store
    # it raises (st.cache_data never caches an exception), otherwise the given result is cached and returned.
    if _result is None:
        raise _NotCached
    return _result[0]


def cached_result(fn, **kwargs):
    """The cached result of ``fn(**kwargs)`` if some session already computed it with :func:`compute_with_progress`,
    else ``None``. Never computes anything."""
    fn = _function(fn)
    try:
        return _stored_result(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True))
    except _NotCached:
        return None


MAX_CONCURRENT_PROGRESS_RUNS = 2  # long computations (highway training) running at once, over all sessions
_PROGRESS_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_PROGRESS_RUNS)
_PROGRESS_KEYS: dict[str, threading.Lock] = {}
_PROGRESS_KEYS_LOCK = threading.Lock()


def _acquire_politely(lock, bar, text: str) -> None:
    """Wait for ``lock`` while keeping the page responsive: each half second touches the page, so a rerun
    (a control moved) can still interrupt this script run."""
    while not lock.acquire(timeout=0.5):
        bar.progress(0.0, text=text)


def compute_with_progress(fn, *, label: str = "Computing…", **kwargs):
    """``fn(**kwargs, progress=...)``, cached across sessions like :func:`compute`, with a progress bar on a miss.

    ``fn`` takes a ``progress(done, total, message)`` callback. On a cache hit the result comes back at once and no
    bar is drawn. On a miss ``fn`` runs in this script run (outside ``st.cache_data``, so the bar is an ordinary
    element, not one the cache would try to replay) and its result is then stored under the same key.

    A lecture hall clicking at once: visitors asking for the same result wait for the one computing it (it runs
    once), and at most :data:`MAX_CONCURRENT_PROGRESS_RUNS` different ones run at a time; the others wait their turn.
    """
    fn = _function(fn)
    found = cached_result(fn, **kwargs)
    if found is not None:
        return found
    key = json.dumps([fn.__module__, fn.__name__, kwargs], sort_keys=True)
    with _PROGRESS_KEYS_LOCK:
        mine = _PROGRESS_KEYS.setdefault(key, threading.Lock())
    bar = st.progress(0.0, text=label)
    _acquire_politely(mine, bar, "Another visitor is computing this same run; it appears here when it is done…")
    try:
        found = cached_result(fn, **kwargs)  # computed by whoever held the lock before us
        if found is not None:
            bar.empty()
            return found
        _acquire_politely(_PROGRESS_SLOTS, bar, "The server is busy with other runs; waiting for a free slot…")
        try:

            def progress(done: int, total: int, message: str = "") -> None:
                bar.progress(min(max(done / max(total, 1), 0.0), 1.0), text=f"{label} {message}".strip())

            start = time.perf_counter()
            result = fn(**kwargs, progress=progress)
            _log_computation(
                fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True), time.perf_counter() - start
            )
        finally:
            _PROGRESS_SLOTS.release()
        bar.empty()
        return _stored_result(fn.__module__, fn.__name__, json.dumps(kwargs, sort_keys=True), _result=(result,))
    finally:
        mine.release()
        with _PROGRESS_KEYS_LOCK:  # forget the key's lock unless someone holds it again (keeps the dict small)
            if _PROGRESS_KEYS.get(key) is mine and not mine.locked():
                del _PROGRESS_KEYS[key]


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
