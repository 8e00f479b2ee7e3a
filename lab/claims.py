"""Showing a page's claims with their live status: holds or not for this URL's settings, the measured evidence, and
for how many of seeds 0-4 (see :mod:`residual_core.claims`)."""

from __future__ import annotations

import streamlit as st

from residual_core import catalog
from residual_core.claims import SEEDS, check
from residual_core.declare import Claim, Experiment

from .compute import cached_result, compute


def claims_of(experiment: Experiment) -> list[Claim]:
    """The claims declared about ``experiment``'s result, on whichever page declares them."""
    return [c for p in catalog.PAGES for c in p.claims if c.experiment == experiment.name]


def seed_count(claim: Claim, experiment: Experiment, kwargs: dict) -> dict:
    """``{"seeds", "holds", "count"}`` over :data:`~residual_core.claims.SEEDS`, each seed's result from the shared
    cache (so a seed a visitor already looked at costs nothing), including results a page computed with a progress
    bar (:func:`~lab.compute.compute_with_progress`)."""
    holds = [bool(claim.check(_result(experiment, {**kwargs, "seed": s})).holds) for s in SEEDS]
    return {"seeds": list(SEEDS), "holds": holds, "count": sum(holds)}


def _result(experiment: Experiment, kwargs: dict) -> dict:
    found = cached_result(experiment, **kwargs)
    return found if found is not None else compute(experiment, **kwargs)


def claims(experiment: Experiment, result: dict, kwargs: dict, *, seeds: bool = True, only=None) -> list[dict]:
    """Show the claims about ``experiment``'s ``result`` (computed with ``kwargs``) and return their status.

    ``only`` restricts to those ids. A seed-dependent claim also shows how many of seeds 0-4 it holds for, counted
    with the other settings unchanged, unless ``seeds`` is false (e.g. for a training run).
    """
    shown = []
    for claim in claims_of(experiment):
        if only is not None and claim.id not in only:
            continue
        status = check(claim, result)
        if seeds and claim.seeded and "seed" in experiment.bounds:
            status["seeds"] = seed_count(claim, experiment, kwargs)
        _draw(status)
        shown.append(status)
    return shown


def _draw(status: dict) -> None:
    holds = status["holds"]
    mark = ":material/check_circle:" if holds else ":material/cancel:"
    verdict = "holds here" if holds else "does not hold here"
    seeds = status.get("seeds")
    count = f" · holds for {seeds['count']} of seeds {seeds['seeds'][0]}–{seeds['seeds'][-1]}" if seeds else ""
    with st.container(border=True):
        st.markdown(f"{mark} **{status['text']}**  \n*{verdict}{count}*")
        st.caption(f"Measured: {status['evidence']} · Stated for: {status['condition']} · claim `{status['id']}`")
