"""Claims, checked on the live data: what a page says, whether it holds for these settings, and for how many seeds.

A page's statements that hold only under conditions are :class:`~residual_core.declare.Claim` s, each declared with
the experiment whose result it reads (``Experiment.claims``, in :mod:`residual_core.catalog`). :func:`check`
evaluates one claim on a result, :func:`over_seeds` on the seeds 0-4 with the other settings unchanged, and
:func:`page_claims` every claim of a page for one set of settings (what ``python -m residual_core claims PAGE``
prints and the page shows). :func:`cases` computes the results where a claim should hold and where it should fail,
from the settings it declares (``holds``, ``fails``): the tests run every claim's.
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


def check(claim: Claim, result: dict, settings: dict | None = None) -> dict:
    """``{"id", "text", "condition", "holds", "applies", "evidence"}`` for ``claim`` on ``result``.

    ``applies`` says whether ``settings`` (the experiment's keyword arguments that produced ``result``) lie inside
    the claim's condition (``Claim.applies``); without ``settings`` it is read from the result's own fields.
    ``condition`` is :attr:`Claim.stated` (the prose generated from the condition).
    """
    verdict = claim.check(result)
    where = settings if settings is not None else result
    return {
        "id": claim.id,
        "text": claim.text,
        "condition": claim.stated,
        "holds": bool(verdict.holds),
        "applies": bool(claim.applies.applies(where)),
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
    run = run or (lambda e, kw: e.func(**kw))
    memo: dict[str, dict] = {}

    def once(exp: Experiment, kwargs: dict) -> dict:
        key = f"{exp.name}:{sorted(kwargs.items())}"
        if key not in memo:
            memo[key] = run(exp, kwargs)
        return memo[key]

    out = []
    for exp, claim in claims_of(page, experiments):
        kwargs = settings_for(exp, values)
        entry = check(claim, once(exp, kwargs), kwargs)
        if seeds and claim.seeded and "seed" in exp.bounds:
            entry["seeds"] = over_seeds(claim, exp, kwargs, once)
        out.append(entry)
    return out


def claims_of(page: Page, experiments=None) -> list[tuple[Experiment, Claim]]:
    """``(experiment, claim)`` for every claim of ``page`` in page order, or only those about the experiments named
    in ``experiments`` (command-line names)."""
    return [(e, c) for e in page.experiments if experiments is None or e.name in experiments for c in e.claims]


def page_bounds(page: Page, experiments=None) -> dict:
    """The options of ``page``'s claims: every bound of the experiments its claims read (or only ``experiments``),
    by name (the first one when two experiments share a name)."""
    found: dict = {}
    for exp, _ in claims_of(page, experiments):
        for name, bound in exp.bounds.items():
            found.setdefault(name, bound)
    return found


# -- where a claim holds and where it fails (the tests run every claim's) ---------------------------------------------


def cases(experiment: Experiment, claim: Claim, run: Callable | None = None) -> tuple[dict, dict]:
    """``(a result where claim should hold, one where it should fail)``, from the claim's ``holds`` and ``fails``.

    A setting (a dict) is a real run: the experiment at its defaults with those options (checked against their
    bounds). An alteration (a function) is applied to a real result: the one at ``holds`` when that is a setting,
    else the one at the experiment's ``example``. ``run(experiment, kwargs) -> result`` as in :func:`over_seeds`.
    """
    for name in ("holds", "fails"):
        if getattr(claim, name) is None:
            raise ValueError(f"claim {claim.id!r} declares no setting where it {name}")
    run = run or (lambda e, kw: e.func(**kw))

    def at(values: dict) -> dict:
        return run(experiment, settings_for(experiment, values))

    if isinstance(claim.holds, dict):
        holds = base = at(claim.holds)
    else:
        base = run(experiment, example_settings(experiment))
        holds = claim.holds(base)
    fails = at(claim.fails) if isinstance(claim.fails, dict) else claim.fails(base)
    return holds, fails


def example_settings(experiment: Experiment) -> dict:
    """The experiment's keyword arguments at its ``example`` (cheap settings, not checked: some lie below the
    bounds), the others at their defaults."""
    return {**{name: bound.default for name, bound in experiment.bounds.items()}, **experiment.example}
