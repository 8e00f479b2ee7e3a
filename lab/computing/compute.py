"""Calls into residual_core, cached across all sessions: quick ones (:func:`compute`) and long ones with a progress
bar (:func:`compute_with_progress`); the estimated cost of a run under its controls (:func:`budget_caption`)."""

from __future__ import annotations

import threading
import time

import streamlit as st

from residual_core import budget, memory
from residual_core.training.jobs import ordinal

from ..chrome.notices import notice
from ..chrome.text import plain
from .cache import FLIGHTS, RESULTS, WARM, function_of, key, log_computation
from .memory import POOL, give_back

COMPUTE_SECONDS = [0.0]  # wall time spent inside compute() since start; read by benchmarks/pages.py


def _yield_check():
    """This script run's stop/rerun check (raises to stop waiting when the visitor reruns), or ``None``."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return getattr(ctx, "yield_check", None) if ctx is not None else None


def _store(computed_key: str, result):
    WARM.computed(computed_key)  # the warm-up need not compute it again
    RESULTS.put(computed_key, result)
    return result


def _run(fn, kwargs: dict, computed_key: str, on_wait=None, **extra):
    """``fn(**kwargs, **extra)``, checked against the time and the memory budgets first, run when the memory it needs
    is free (:data:`~lab.computing.memory.POOL`, ``on_wait(place)`` while it waits), its memory given back to the
    system after, and logged for benchmarks/hall.py."""
    try:
        budget.check(fn, kwargs)
        mb = memory.check(fn, kwargs)
    except budget.BudgetError as err:  # never a traceback: say which budget and what to lower, draw nothing more
        notice(f"Not computed: {plain(err)}.")
        st.stop()
    with POOL.hold(mb, on_wait):
        start = time.perf_counter()
        try:
            result = fn(**kwargs, **extra)
        finally:
            if mb >= memory.HEAVY_MB:
                give_back()
        log_computation(computed_key, time.perf_counter() - start)
    return result


def _waiting_status():
    """``(on_wait, clear)``: a caption saying this run waits for the server's memory, and its removal."""
    status = st.empty()

    def on_wait(place: int) -> None:
        check = _yield_check()
        if check is not None:
            check()  # a visitor who moves a control is not stuck waiting
        status.caption(
            f":material/hourglass_top: Waiting: {ordinal(place)} in line for the server's memory (other visitors' "
            "computations run first); this run starts in its turn."
        )

    return on_wait, status.empty


def _found(computed_key: str):
    """The shared result, else the warm-up's (moved into the shared results), else ``None``; computes nothing."""
    found = RESULTS.get(computed_key)
    if found is None:
        found = WARM.take(computed_key)
        if found is not None:
            _store(computed_key, found)
    return found


def cached_result(fn, **kwargs):
    """The cached result of ``fn(**kwargs)`` if some session (or the warm-up) already computed it, else ``None``.
    Never computes anything."""
    return _found(key(function_of(fn), kwargs))


def compute(fn, **kwargs):
    """``fn(**kwargs)``, cached across all sessions by the function's name and its plain arguments.

    ``fn`` is a declared :class:`~residual_core.declare.Experiment` or a module-level residual_core function of
    JSON-serialisable arguments (numbers, strings). A freshly woken app visited by a whole lecture hall at once
    computes each result once: the first visitor computes it, the others wait for it (:data:`FLIGHTS`).
    """
    fn = function_of(fn)
    computed_key = key(fn, kwargs)
    start = time.perf_counter()
    try:
        found = RESULTS.get(computed_key)
        if found is not None:
            return found
        with st.spinner("Computing…"), FLIGHTS.hold(computed_key, _yield_check()):
            found = _found(computed_key)  # computed by whoever held the lock before us, or by the warm-up
            if found is not None:
                return found
            on_wait, cleared = _waiting_status()
            try:
                return _store(computed_key, _run(fn, kwargs, computed_key, on_wait))
            finally:
                cleared()
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
    fn = function_of(fn)
    computed_key = key(fn, kwargs)
    found = _found(computed_key)
    if found is not None:
        return found
    bar = st.progress(0.0, text=label)
    waiting = "Another visitor is computing this same run; it appears here when it is done…"
    with FLIGHTS.hold(computed_key, lambda: bar.progress(0.0, text=waiting), every=0.5):
        found = _found(computed_key)  # computed by whoever held the lock before us
        if found is not None:
            bar.empty()
            return found
        _acquire_politely(_PROGRESS_SLOTS, bar, "The server is busy with other runs; waiting for a free slot…")
        try:

            def progress(done: int, total: int, message: str = "") -> None:
                bar.progress(min(max(done / max(total, 1), 0.0), 1.0), text=f"{label} {message}".strip())

            def on_wait(place: int) -> None:
                bar.progress(0.0, text=f"Waiting: {ordinal(place)} in line for the server's memory…")

            result = _run(fn, kwargs, computed_key, on_wait, progress=progress)
        finally:
            _PROGRESS_SLOTS.release()
        bar.empty()
        return _store(computed_key, result)


def budget_caption(fn, kwargs: dict) -> bool:
    """Under the controls of a run that costs seconds: its estimated time against the server's budget per run
    (:mod:`residual_core.budget`). Over the budget, a warning naming the options to lower; returns ``False``."""
    fn = function_of(fn)
    try:
        seconds = budget.check(fn, kwargs)
    except budget.BudgetError as err:
        st.warning(f"{plain(err)}. This server runs every visitor's computations, so each run has a time budget.")
        return False
    try:
        memory.check(fn, kwargs)
    except memory.MemoryBudgetError as err:
        st.warning(f"{plain(err)}. This server runs every visitor's computations, so each run has a memory budget.")
        return False
    if seconds is not None and seconds >= 1.0:
        st.caption(
            f":material/timer: About {seconds:.0f} s of the server's time for these settings, when nobody else is "
            f"using it; the budget per run is {budget.BUDGET_SECONDS:.0f} s (settings over it are refused)."
        )
    return True
