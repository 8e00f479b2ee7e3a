"""Shared training runs: one run per set of parameters, trained once in the background, watched by anyone.

Plain Python (threads), no Streamlit. A Streamlit server runs every visitor's script in a thread of one process; a
:class:`JobRegistry` kept at module level (:data:`REGISTRY`) is shared by all of them.

* **Keyed by parameters.** A run is ``fn(**kwargs)`` for a module-level function and plain (JSON) arguments; its key
  is the function's dotted name and the sorted JSON of the arguments. :meth:`JobRegistry.watch` returns the finished
  run if one is stored, the live run if one is training or queued, and starts one otherwise -- so twenty students
  opening the same link at once start one run, and all of them watch it.
* **Live.** ``fn`` gets a ``progress`` callback; the job records ``done``/``total``/``message`` and, through the
  callback's ``partial`` attribute, the partial result (see :mod:`residual_core.training.loop`). :meth:`Job.view` reads
  them at any time, from any thread.
* **Bounded and fair.** Finished results are kept in an LRU of ``max_results`` entries. At most ``max_workers`` runs
  train at once; the others wait in one queue, state ``"queued"``, and start first come, first served (their place in
  line is :attr:`JobView.position`). At most ``max_active`` runs may be queued or training at all, and each owner (a
  browser session: the watcher's name up to its first ``:``) may have at most one run waiting; beyond that
  :meth:`~JobRegistry.watch` raises :class:`Busy` (:class:`AlreadyWaiting`) instead of starting another.
* **Cancellation.** Each watcher (a browser session and a slot on the page) watches one run at a time. Asking to
  watch another run leaves the previous one; **a run is cancelled when nobody watches it any more**: when its last
  watcher leaves, or when none of its watchers has been seen for ``stale_after`` seconds (closed tabs). A run that
  somebody else still watches goes on. A cancelled run stops at its next progress call, and nothing is stored.
* **No half-written entry.** A result enters the LRU only when ``fn`` has returned normally; a cancelled or failed
  run leaves no trace in it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import threading
import time
from dataclasses import dataclass

from ..lru import LRU

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class Cancelled(Exception):
    """Raised inside a run's progress callback to stop it (the run returns nothing)."""


class Busy(RuntimeError):
    """Too many runs are queued or training; try again when one has finished."""


class AlreadyWaiting(Busy):
    """This owner (a browser session) already has a run waiting in the queue; one at a time."""


def owner_of(watcher: str) -> str:
    """The owner of a watcher: its name up to the first ``:`` (the app's watchers are ``session:slot``)."""
    return watcher.split(":", 1)[0]


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def run_key(fn, kwargs: dict) -> str:
    """The key of the run ``fn(**kwargs)``: ``module.qualname`` and the sorted JSON of the arguments."""
    return f"{fn.__module__}.{fn.__qualname__}:{json.dumps(kwargs, sort_keys=True)}"


@dataclass(frozen=True)
class JobView:
    """A consistent copy of a job's state, for display.

    ``partial`` is the latest partial result while training; ``result`` the final one once ``state == "done"``.
    ``elapsed`` counts the seconds spent training (not queued); ``watchers`` is the number of watchers attached.
    """

    key: str
    state: str
    done: int
    total: int
    message: str
    partial: dict | None
    result: dict | None
    error: str | None
    elapsed: float
    watchers: int
    position: int = 0  # place in the queue while queued (1 = next to start), else 0

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED, CANCELLED)

    @property
    def fraction(self) -> float:
        return min(max(self.done / self.total, 0.0), 1.0) if self.total else 0.0


class Job:
    """One run of ``fn(**kwargs)`` in a background thread (see the module docstring)."""

    def __init__(self, registry: JobRegistry, key: str, fn, kwargs: dict, owner: str = ""):
        self.key, self.fn, self.kwargs, self.owner = key, fn, dict(kwargs), owner
        self._registry = registry
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self.state = QUEUED
        self.done, self.total, self.message = 0, 0, "waiting for a free trainer"
        self.partial: dict | None = None
        self.result: dict | None = None
        self.error: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.watchers: dict[str, float] = {}  # watcher id -> last time seen (time.monotonic)
        self.thread: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------------------------------
    def view(self) -> JobView:
        position = self._registry._position(self)
        with self._lock:
            end = self.finished_at or time.monotonic()
            return JobView(
                self.key,
                self.state,
                self.done,
                self.total,
                self.message,
                self.partial,
                self.result,
                self.error,
                (end - self.started_at) if self.started_at else 0.0,
                len(self.watchers),
                position if self.state == QUEUED else 0,
            )

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has finished (done, failed or cancelled); ``False`` on timeout."""
        return self._finished.wait(timeout)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def touch(self, watcher: str) -> None:
        """Record that ``watcher`` is still looking at this run (keeps it from being cancelled as unwatched)."""
        with self._lock:
            if watcher in self.watchers:
                self.watchers[watcher] = time.monotonic()

    def cancel(self) -> None:
        """Ask the run to stop at its next progress call (or before it starts)."""
        self._cancel.set()

    # -- the progress callback the run receives ------------------------------------------------------------------------
    def _progress(self, done: int, total: int, message: str = "") -> None:
        if not self._cancel.is_set() and self._registry._unwatched(self):
            self._cancel.set()
        if self._cancel.is_set():
            raise Cancelled(self.key)
        with self._lock:
            self.done, self.total, self.message = int(done), int(total), message

    def _partial(self, snapshot: dict) -> None:
        with self._lock:
            self.partial = snapshot

    # -- the thread ------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        registry = self._registry
        started = False
        try:
            with registry._turn:  # first come, first served: start when first in line and a trainer is free
                while not registry._may_start(self):
                    if self._cancel.is_set() or registry._unwatched(self):
                        raise Cancelled(self.key)
                    registry._turn.wait(0.1)
                registry._queue.remove(self)
                registry._running, started = registry._running + 1, True
                with self._lock:
                    self.state, self.message, self.started_at = RUNNING, "starting", time.monotonic()
            with registry.hold(self) if registry.hold else contextlib.nullcontext():  # e.g. the app's memory pool
                result = self.fn(**self.kwargs, progress=_Callback(self))
        except Cancelled:
            self._finish(CANCELLED, error=None)
        except Exception as err:  # a failed run is reported, never stored
            self._finish(FAILED, error=f"{type(err).__name__}: {err}")
        else:
            self._finish(DONE, result=result)
        finally:
            with registry._turn:
                if self in registry._queue:
                    registry._queue.remove(self)
                if started:
                    registry._running -= 1
                registry._turn.notify_all()

    def _finish(self, state: str, *, result: dict | None = None, error: str | None = None) -> None:
        with self._lock:
            self.state, self.result, self.error = state, result, error
            self.finished_at = time.monotonic()
            if state == DONE:
                self.partial, self.message = None, "finished"
        # Store and retire in one step: a watcher finds the run either live or stored, never neither.
        self._registry._settle(self)
        self._finished.set()


class _Callback:
    """``progress(done, total, message)`` with a ``partial(snapshot)`` attribute, bound to one job."""

    def __init__(self, job: Job):
        self._job = job

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self._job._progress(done, total, message)

    def partial(self, snapshot: dict) -> None:
        self._job._partial(snapshot)


class JobRegistry:
    """Shared runs keyed by their parameters (see the module docstring).

    Args:
        max_results: finished results kept (least recently used dropped first).
        max_workers: runs that train at the same time.
        max_active: runs that may be queued or training; :meth:`watch` raises :class:`Busy` beyond.
        stale_after: seconds after which a watcher that has not been seen counts as gone.
    """

    MAX_WATCHERS = 10_000  # remembered watcher -> run entries before the idle ones are forgotten

    def __init__(self, *, max_results: int = 64, max_workers: int = 2, max_active: int = 16, stale_after: float = 20.0):
        self.max_results, self.max_active, self.stale_after = max_results, max_active, stale_after
        self.max_workers = max_workers
        self.hold = None  # ``hold(job)``: a context manager around each run (the app takes its memory from a pool)
        self._lock = threading.RLock()
        self._turn = threading.Condition(self._lock)  # the queue's order and the free trainers
        self._queue: list[Job] = []  # runs waiting for a trainer, in arrival order
        self._running = 0
        self._results = LRU(max_results)  # finished runs (key -> Job)
        self._active: dict[str, Job] = {}  # queued or training, not cancelled
        self._watching: dict[str, str] = {}  # watcher -> key of the run it watches
        self.started = 0  # runs started since creation (for tests and benchmarks)

    # -- the public API ----------------------------------------------------------------------------------------------
    def watch(self, watcher: str, fn, **kwargs) -> Job:
        """The run of ``fn(**kwargs)`` for ``watcher``: the stored result, the live run, or a new run.

        ``watcher`` leaves the run it watched before (which is cancelled if nobody else watches it). Raises
        :class:`Busy` if a new run is needed but ``max_active`` runs are already queued or training, and
        :class:`AlreadyWaiting` if the watcher's owner (:func:`owner_of`) already has another run waiting.
        """
        key = run_key(fn, kwargs)
        with self._lock:
            previous = self._watching.get(watcher)
            if previous is not None and previous != key:
                self._leave(watcher, previous)
            done = self._results.get(key)
            if done is not None:
                self._watching[watcher] = key
                return done
            if len(self._watching) > self.MAX_WATCHERS:  # forget sessions that watch nothing live (closed tabs)
                self._watching = {w: k for w, k in self._watching.items() if k in self._active}
            job = self._active.get(key)
            if job is None or job.cancel_requested:
                if len(self._active) >= self.max_active:
                    self._watching.pop(watcher, None)
                    raise Busy(f"{len(self._active)} runs are queued or training; try again in a moment")
                owner = owner_of(watcher)
                if any(j.owner == owner and not j.cancel_requested for j in self._queue):
                    self._watching.pop(watcher, None)
                    raise AlreadyWaiting("you already have a run waiting for a trainer; one at a time")
                job = Job(self, key, fn, kwargs, owner)
                self._active[key] = job
                self._queue.append(job)
                self.started += 1
                job.thread = threading.Thread(target=job._run, name=f"residual-lab-run-{self.started}", daemon=True)
                start = True
            else:
                start = False
            with job._lock:
                job.watchers[watcher] = time.monotonic()
            self._watching[watcher] = key
        if start:
            job.thread.start()
        return job

    def leave(self, watcher: str) -> None:
        """``watcher`` stops watching; its run is cancelled if nobody else watches it."""
        with self._lock:
            key = self._watching.pop(watcher, None)
            if key is not None:
                self._leave(watcher, key)

    def store(self, fn, result: dict, **kwargs) -> None:
        """Keep ``result`` as the finished run of ``fn(**kwargs)`` (a run computed elsewhere, e.g. by the app's
        warm-up), unless that run is already stored or live."""
        key = run_key(fn, kwargs)
        with self._lock:
            if key in self._results or key in self._active:
                return
            job = Job(self, key, fn, kwargs)
            job.state, job.result, job.message = DONE, result, "finished"
            job.started_at = job.finished_at = time.monotonic()
            job._finished.set()
            self._results.put(key, job)

    def result(self, fn, **kwargs) -> dict | None:
        """The stored result of ``fn(**kwargs)``, or ``None`` (does not start anything)."""
        with self._lock:
            job = self._results.peek(run_key(fn, kwargs))
            return job.result if job else None

    def cached_keys(self) -> list[str]:
        with self._lock:
            return self._results.keys()

    def active_keys(self) -> list[str]:
        with self._lock:
            return list(self._active)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every live run and wait up to ``timeout`` seconds for their threads (at interpreter exit)."""
        with self._lock:
            live = list(self._active.values())
        for job in live:
            job.cancel()
        deadline = time.monotonic() + timeout
        for job in live:
            if job.thread is not None and job.thread.is_alive():
                job.thread.join(max(0.0, deadline - time.monotonic()))

    def clear(self) -> None:
        """Cancel every live run and forget every stored result (tests)."""
        with self._lock:
            for job in self._active.values():
                job.cancel()
            self._results.clear()
            self._watching.clear()

    # -- internals ---------------------------------------------------------------------------------------------------
    def _leave(self, watcher: str, key: str) -> None:
        job = self._active.get(key)
        if job is None:
            return
        with job._lock:
            job.watchers.pop(watcher, None)
            nobody = not job.watchers
        if nobody:
            job.cancel()

    def _waiting(self) -> list[Job]:
        return [j for j in self._queue if not j.cancel_requested]

    def _may_start(self, job: Job) -> bool:
        """``job`` is first in line (cancelled runs aside) and a trainer is free."""
        waiting = self._waiting()
        return self._running < self.max_workers and bool(waiting) and waiting[0] is job

    def _position(self, job: Job) -> int:
        """``job``'s place in line (1 = next), 0 if it is not waiting."""
        with self._lock:
            waiting = self._waiting()
            return waiting.index(job) + 1 if job in waiting else 0

    def _unwatched(self, job: Job) -> bool:
        """True when no watcher of ``job`` has been seen for ``stale_after`` seconds."""
        now = time.monotonic()
        with job._lock:
            return not job.watchers or all(now - seen > self.stale_after for seen in job.watchers.values())

    def _settle(self, job: Job) -> None:
        with self._lock:
            if job.state == DONE:
                self._results.put(job.key, job)
            if self._active.get(job.key) is job:
                del self._active[job.key]


REGISTRY = JobRegistry()
"""The process-wide registry the pages share."""
atexit.register(REGISTRY.shutdown)  # stop training threads cleanly before the interpreter tears torch down
