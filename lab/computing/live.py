"""Shared live training runs (over :mod:`residual_core.training.jobs`): every visitor of the same settings watches
the same run, drawn live while it trains."""

from __future__ import annotations

import streamlit as st

from residual_core.training import jobs

from .cache import function_of
from .compute import budget_caption


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
    fn = function_of(fn)
    if not budget_caption(fn, kwargs):
        return None
    registry = registry or jobs.REGISTRY
    watcher = watcher_id(slot)
    try:
        job = registry.watch(watcher, fn, **kwargs)
    except jobs.AlreadyWaiting:
        st.warning(
            "You already have a run waiting for a trainer on this server; it starts when its turn comes. One "
            "waiting run per visitor keeps the queue fair for the whole class."
        )
        return None
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
        place = f"{jobs.ordinal(view.position)} in line" if view.position else "next in line"
        text = f"Waiting: {place} for a free trainer (first come, first served){shared}"
    elif view.state == "cancelled":
        text = "This run was stopped; starting again…"
    else:
        text = f"Training… step {view.done} of {view.total} · {view.elapsed:.1f} s{shared}"
    if draw_it:
        st.caption(text)
    return text
