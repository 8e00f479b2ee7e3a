"""Claims, checked on the live data: what a page says, whether it holds for these settings, and for how many seeds.

A page's statements that hold only under conditions are :class:`~residual_core.declare.Claim` s declared beside its
experiments in :mod:`residual_core.catalog`. :func:`check` evaluates one claim on a result, :func:`over_seeds` on
the seeds 0-4 with the other settings unchanged, and :func:`page_claims` every claim of a page for one set of
settings (what ``python -m residual_core claims PAGE`` prints and the page shows).
"""

from __future__ import annotations

from collections.abc import Callable

from .declare import Claim, Experiment, Page

SEEDS = (0, 1, 2, 3, 4)  # the seeds every seed-dependent claim is counted over


def settings_for(experiment: Experiment, values: dict) -> dict:
    """The experiment's keyword arguments: each of its bounds from ``values`` (checked), else the bound's default."""
    return {
        name: bound.check(values[name]) if name in values else bound.default
        for name, bound in experiment.bounds.items()
    }


def check(claim: Claim, result: dict) -> dict:
    """``{"id", "text", "condition", "holds", "evidence"}`` for ``claim`` on ``result``."""
    verdict = claim.check(result)
    return {
        "id": claim.id,
        "text": claim.text,
        "condition": claim.condition,
        "holds": bool(verdict.holds),
        "evidence": verdict.evidence,
    }


def over_seeds(claim: Claim, experiment: Experiment, kwargs: dict, run: Callable | None = None) -> dict:
    """How many of :data:`SEEDS` the claim holds for, the other settings as in ``kwargs``.

    ``run(experiment, kwargs) -> result`` computes a result (default: call the function; a page passes its cache).
    Returns ``{"seeds": [...], "holds": [bool per seed], "count": n}``.
    """
    run = run or (lambda e, kw: e.func(**kw))
    holds = [bool(claim.check(run(experiment, {**kwargs, "seed": s})).holds) for s in SEEDS]
    return {"seeds": list(SEEDS), "holds": holds, "count": sum(holds)}


def page_claims(
    page: Page, values: dict, *, seeds: bool = True, run: Callable | None = None, experiments=None
) -> list[dict]:
    """Every claim of ``page`` for the settings ``values`` (missing ones at their defaults), or only those about the
    experiments named in ``experiments``.

    Each entry is :func:`check`'s dict, plus ``"seeds"`` (:func:`over_seeds`) for a seed-dependent claim when
    ``seeds`` is true. Each experiment runs once per setting, however many claims read it.
    """
    from .catalog import experiment as find

    run = run or (lambda e, kw: e.func(**kw))
    memo: dict[str, dict] = {}

    def once(exp: Experiment, kwargs: dict) -> dict:
        key = f"{exp.name}:{sorted(kwargs.items())}"
        if key not in memo:
            memo[key] = run(exp, kwargs)
        return memo[key]

    out = []
    for claim in claims_of(page, experiments):
        exp = find(claim.experiment)
        kwargs = settings_for(exp, values)
        entry = check(claim, once(exp, kwargs))
        if seeds and claim.seeded and "seed" in exp.bounds:
            entry["seeds"] = over_seeds(claim, exp, kwargs, once)
        out.append(entry)
    return out


def claims_of(page: Page, experiments=None) -> list[Claim]:
    """``page``'s claims, or only those about the experiments named in ``experiments``."""
    return [c for c in page.claims if experiments is None or c.experiment in experiments]


def page_bounds(page: Page, experiments=None) -> dict:
    """The options of ``page``'s claims: every bound of the experiments its claims read (or only ``experiments``),
    by name (the first one when two experiments share a name)."""
    from .catalog import experiment as find

    found: dict = {}
    for claim in claims_of(page, experiments):
        for name, bound in find(claim.experiment).bounds.items():
            found.setdefault(name, bound)
    return found
