"""Warming a freshly woken app: every page's default results, computed once in one background thread.

A lecturer's link often reaches a Community Cloud app that has just woken up, and the whole hall arrives within a
minute. The first page run of the process (any page: a deep link runs no ``app.py``) calls :func:`lab.page.start`,
which calls :func:`start`: one daemon thread that computes, page by page in navigation order, each declared
experiment at its defaults (and the seeds 0-4 its seed-dependent claims are counted over), so that the next pages
the students open are already computed. It calls only ``residual_core`` (no Streamlit); its results wait in
:data:`lab.computing.cache.WARM` until a visitor's :func:`lab.compute` moves them into the shared cache.

Bounded: experiments whose estimated cost (:mod:`residual_core.budget`) exceeds :data:`MAX_ITEM_SECONDS` (the
training lab's runs) are left to the visitors, at most :data:`MAX_ITEMS` results are computed, and every
computation takes the same per-key lock as the visitors' (:data:`lab.computing.cache.FLIGHTS`), so nothing is
computed twice. Set ``RESIDUAL_LAB_WARMUP=0`` to switch it off.

When it has finished, the heap is frozen (:func:`freeze`): torch, Streamlit and the warm results are millions of
objects that live as long as the process, and a full garbage collection walked them all (280-360 ms, about every 60
visits); frozen, the collector no longer visits them. ``RESIDUAL_LAB_GC_FREEZE=0`` leaves the heap as it is (to
measure the difference: docs/deploy.md, "Warm-visit levers").
"""

from __future__ import annotations

import gc
import inspect
import os
import threading
import time

from residual_core import budget
from residual_core.catalog import EXPERIMENTS
from residual_core.claims import SEEDS
from residual_core.training import jobs

from ..chrome.nav import available_pages
from .cache import FLIGHTS, WARM, key, log_computation

MAX_ITEMS = 128  # results computed by one warm-up (every page's defaults and cheap seeds: 81, about 38 s, today)
MAX_ITEM_SECONDS = 6.0  # estimated seconds above which a default is left to visitors

_LOCK = threading.Lock()
_STARTED = threading.Event()
STATUS = {"planned": 0, "computed": 0, "skipped": 0, "seconds": 0.0, "finished": False}


def plan() -> list[tuple]:
    """``(function, kwargs)`` of every page's default results up to :data:`MAX_ITEM_SECONDS` each: the quick ones
    first (under a second, in navigation order), then the others (the /why computations, the training lab's default
    runs, in navigation order)."""
    items, seen = [], set()
    for page in available_pages():
        seeded = {e.name for e in page.experiments if any(c.seeded for c in e.claims)}
        for exp in page.experiments:
            defaults = {name: _as_page_passes(bound) for name, bound in exp.bounds.items()}
            variants = [defaults]
            if exp.name in seeded and "seed" in defaults:
                variants += [{**defaults, "seed": s} for s in SEEDS if s != defaults["seed"]]
            for kwargs in variants:
                computed_key = key(exp.func, kwargs)
                cost = budget.estimate(exp.func, kwargs)
                if computed_key in seen or cost is None or cost > MAX_ITEM_SECONDS:
                    continue
                if cost > 1.0 and kwargs is not defaults:  # a heavy one's other seeds are counted on request
                    continue
                seen.add(computed_key)
                items.append((cost > 1.0, len(items), exp.func, kwargs))
    return [(fn, kwargs) for _, _, fn, kwargs in sorted(items)][:MAX_ITEMS]


def _as_page_passes(bound):
    """A bound's default as the pages pass it: a choice of whole numbers in text (``d_model="64"``) as a number
    (tests/lab/test_single_flight.py checks that a default visit after the warm-up computes nothing)."""
    value = bound.default
    if bound.kind == "choice" and all(str(o).isdigit() for o in bound.options):
        return int(value)
    return value


def run(items=None) -> dict:
    """Compute ``items`` (default :func:`plan`) one after the other in this thread; returns :data:`STATUS`."""
    items = plan() if items is None else items
    STATUS.update(planned=len(items), computed=0, skipped=0, seconds=0.0, finished=False)
    for fn, kwargs in items:
        computed_key = key(fn, kwargs)
        with FLIGHTS.hold(computed_key):
            if WARM.done(computed_key):
                STATUS["skipped"] += 1
                continue
            kwargs = dict(kwargs)
            if "progress" in _parameters(fn):
                kwargs["progress"] = _silent
            start = time.perf_counter()
            try:
                result = fn(**kwargs)
            except Exception:  # a default that fails is the visitor's to see, with the page's own message
                STATUS["skipped"] += 1
                continue
            seconds = time.perf_counter() - start
            kwargs.pop("progress", None)
            log_computation(computed_key, seconds)
            if fn in _LIVE:  # the page trains it as a shared live run: keep it where the page looks for it
                jobs.REGISTRY.store(fn, result, **kwargs)
            else:
                WARM.put(computed_key, result)
            STATUS["computed"] += 1
            STATUS["seconds"] += seconds
    STATUS["finished"] = True
    return STATUS


_LIVE = {exp.func for exp in EXPERIMENTS.values() if exp.live}


def _parameters(fn) -> set[str]:
    return set(inspect.signature(fn).parameters)


def _silent(done: int, total: int, message: str = "") -> None:
    """A progress callback nobody watches."""


def start() -> bool:
    """Start the warm-up thread once per process (a server, not a test: ``RESIDUAL_LAB_WARMUP=0`` disables it).
    Returns whether this call started it."""
    if os.environ.get("RESIDUAL_LAB_WARMUP", "1") == "0" or _STARTED.is_set():
        return False
    from streamlit import runtime

    # A real server only: bare imports have no runtime, and AppTest's is a mock (type() tells them apart).
    if not runtime.exists() or type(runtime.get_instance()) is not runtime.Runtime:
        return False
    with _LOCK:
        if _STARTED.is_set():
            return False
        _STARTED.set()
    threading.Thread(target=_warm_then_freeze, name="residual-lab-warmup", daemon=True).start()
    return True


def _warm_then_freeze() -> None:
    run()
    freeze()


def freeze() -> bool:
    """Collect the garbage once, then move every object left into the collector's permanent generation
    (``gc.freeze``), so that later collections skip what the process holds for good. Returns whether it froze."""
    if os.environ.get("RESIDUAL_LAB_GC_FREEZE", "1") == "0":
        return False
    gc.collect()
    gc.freeze()
    return True


def clear() -> None:
    """Forget warm results and computed keys (tests)."""
    WARM.clear()
