"""Showing a page's claims with their live status: holds or not for this URL's settings, the measured evidence, and
for how many of seeds 0-4 (see :mod:`residual_core.claims`)."""

from __future__ import annotations

import json

import streamlit as st

from residual_core.claims import SEEDS, check
from residual_core.declare import Claim, Experiment
from residual_core.training import jobs

from ..computing.compute import cached_result, compute, compute_with_progress
from .memo import PerResult


def claims_of(experiment: Experiment) -> list[Claim]:
    """The claims declared about ``experiment``'s result (it owns them)."""
    return list(experiment.claims)


def seed_count(claim: Claim, experiment: Experiment, kwargs: dict) -> dict:
    """``{"seeds", "holds", "count"}`` over :data:`~residual_core.claims.SEEDS`, each seed's result from the shared
    cache (so a seed a visitor already looked at costs nothing). An experiment that reports progress is read from
    the cache its page fills (:func:`~lab.computing.compute.compute_with_progress`), with a progress bar while a seed
    runs."""

    def run(seed: int) -> dict:
        if experiment.takes_progress:
            return compute_with_progress(experiment, label=f"Checking seed {seed}…", **{**kwargs, "seed": seed})
        return compute(experiment, **{**kwargs, "seed": seed})

    holds = [bool(claim.check(run(s)).holds) for s in SEEDS]
    return {"seeds": list(SEEDS), "holds": holds, "count": sum(holds)}


ON_DEMAND = "on demand"  # ``claims(..., seeds=ON_DEMAND)``: count seeds only from results someone asked for


def stored_result(experiment: Experiment, kwargs: dict) -> dict | None:
    """A result some visitor already computed, never computing anything: a finished shared training run
    (:mod:`residual_core.training.jobs`) or a result cached by :func:`~lab.computing.compute.compute_with_progress`."""
    found = jobs.REGISTRY.result(experiment.func, **kwargs)
    return found if found is not None else cached_result(experiment, **kwargs)


def seed_results_on_demand(experiment: Experiment, kwargs: dict, run: str = "run") -> dict | None:
    """``{seed: result}`` for every seed in :data:`~residual_core.claims.SEEDS` if all are computed already;
    otherwise a button that computes the missing ones (with progress, cached for every visitor) and ``None`` until
    it is pressed. For experiments too heavy to run five times for every visitor (training, large grids)."""
    results = {s: stored_result(experiment, {**kwargs, "seed": s}) for s in SEEDS}
    missing = [s for s, r in results.items() if r is None]
    if not missing:
        return results
    offer = st.empty()
    with offer.container():
        st.caption(
            f"Seed count not shown yet: it needs this setting run with every seed {SEEDS[0]}–{SEEDS[-1]}, and "
            f"{len(missing)} of them ({', '.join(map(str, missing))}) have not been run on this server. Each is a "
            f"{run} like this one; once run they are cached for everyone."
        )
        clicked = st.button(
            f"Count seeds {SEEDS[0]}–{SEEDS[-1]} ({len(missing)} more {run}{'s' if len(missing) > 1 else ''}, "
            "then cached for everyone)",
            key=f"count-{experiment.name}",
            icon=":material/casino:",
        )
    if not clicked:
        return None
    for s in missing:
        label = f"Seed {s}: {run} {missing.index(s) + 1} of {len(missing)}…"
        results[s] = compute_with_progress(experiment, label=label, **{**kwargs, "seed": s})
    offer.empty()
    return results


# a warm visit draws what the first visitor's run checked and counted (five cached results per seed count)
STATUSES = PerResult(max_entries=1024)


def claims(
    experiment: Experiment, result: dict, kwargs: dict, *, seeds=True, only=None, run: str = "run"
) -> list[dict]:
    """Show the claims about ``experiment``'s ``result`` (computed with ``kwargs``) and return their status.

    ``only`` restricts to those ids. A seed-dependent claim also shows how many of seeds 0-4 it holds for, counted
    with the other settings unchanged: computed now (``seeds=True``, cheap experiments), only from results already
    computed with a button for the rest (``seeds=ON_DEMAND``, training runs; ``run`` names one such run in the
    button, e.g. "training"), or not at all (``seeds=False``).
    """
    chosen = [c for c in claims_of(experiment) if only is None or c.id in only]
    per_seed = None
    if seeds == ON_DEMAND and any(c.seeded for c in chosen) and "seed" in experiment.bounds:
        per_seed = seed_results_on_demand(experiment, kwargs, run)
    settings = json.dumps(kwargs, sort_keys=True, default=str)
    shown = []
    for claim in chosen:
        counted = claim.seeded and "seed" in experiment.bounds and (seeds is True or per_seed is not None)
        key = (id(result), experiment.name, claim.id, settings, counted)
        status = STATUSES.get(key, result)
        if status is None:
            status = check(claim, result, kwargs)
            if counted and seeds is True:
                status["seeds"] = seed_count(claim, experiment, kwargs)
            elif counted:
                holds = [bool(claim.check(per_seed[s]).holds) for s in SEEDS]
                status["seeds"] = {"seeds": list(SEEDS), "holds": holds, "count": sum(holds)}
            STATUSES.put(key, result, status)
        _draw(status)
        shown.append(status)
    return shown


def _draw(status: dict) -> None:
    seeds = status.get("seeds")
    count = f" · holds for {seeds['count']} of seeds {seeds['seeds'][0]}–{seeds['seeds'][-1]}" if seeds else ""
    if not status.get("applies", True):  # outside its condition: never shown as a statement about this setting
        with st.container(border=True):
            mark = ":material/do_not_disturb_on:"
            st.markdown(f"{mark} *Not claimed here:* **{status['text']}**  \n*outside its condition{count}*")
            st.caption(
                f"Claimed only for: {status['condition']} · measured here: {status['evidence']} · "
                f"claim `{status['id']}`"
            )
        return
    holds = status["holds"]
    mark = ":material/check_circle:" if holds else ":material/cancel:"
    verdict = "holds here" if holds else "does not hold here"
    with st.container(border=True):
        st.markdown(f"{mark} **{status['text']}**  \n*{verdict}{count}*")
        st.caption(f"Measured: {status['evidence']} · Stated for: {status['condition']} · claim `{status['id']}`")
