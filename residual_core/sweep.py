"""``python -m residual_core claims-sweep``: every claim over a grid of settings, seeds 0-4, checked against its
condition (``Claim.applies``, :mod:`residual_core.where`).

The standard: where a claim applies, it holds for every one of seeds 0-4. For each page the grid is the defaults,
then each control alone at its minimum, default and maximum and the interesting values between (every option of a
choice: every init, every activation; α = 0; both sides of each edge of a claim's condition), every option of
each choice with each of those numbers, plus each claim's declared ``holds`` and ``fails`` settings. Training
experiments (those with a ``steps`` option) use a smaller grid: the defaults and the declared settings only.
``quick`` (CI) keeps, for every experiment, the defaults and the declared settings, and skips the experiments whose
run at the defaults is estimated above :data:`QUICK_SECONDS`. Every setting over residual_core's cost budget is
skipped (:mod:`residual_core.budget`). Each experiment runs once per setting and seed, however many claims read it.

A mismatch is a setting where a claim applies but fails for some seed: ``{"page", "claim", "settings",
"seeds_held", "condition"}``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import budget
from .claims import SEEDS, settings_for
from .declare import Claim, Experiment, Page

QUICK_SECONDS = 1.0  # --quick skips experiments whose run at the defaults is estimated above this
INTERESTING = {"alpha": (0.0,)}  # numeric values worth a grid point besides the minimum, default and maximum


def is_training(exp: Experiment) -> bool:
    """A training experiment (an option ``steps``): swept on the smaller grid."""
    return "steps" in exp.bounds or exp.live


def boundaries(exp: Experiment) -> dict[str, set]:
    """Per option, the numbers its claims' conditions compare with (``at_least("depth", 12)``: 12 and 11), so a
    condition is tested at its edge."""
    found: dict[str, set] = {}

    def walk(where):
        for part in getattr(where, "parts", (where,)):
            if hasattr(part, "parts"):
                walk(part)
                continue
            name, value = getattr(part, "name", None), getattr(part, "value", None)
            if name in exp.bounds and isinstance(value, (int, float)) and exp.bounds[name].kind != "choice":
                step = exp.bounds[name].step or 1
                edge = -step if type(part).__name__ == "AtLeast" else step
                found.setdefault(name, set()).update({value, value + edge})

    for claim in exp.claims:
        walk(claim.applies)
    return found


def _axis(exp: Experiment, name: str, edges: dict) -> list:
    bound = exp.bounds[name]
    if bound.kind == "choice":
        return list(bound.options)
    lo = bound.lo if bound.kind == "float" else int(bound.lo)
    hi = bound.hi if bound.kind == "float" else int(bound.hi)
    values = [lo, bound.default, hi, *INTERESTING.get(name, ()), *sorted(edges.get(name, ()))]
    out = []
    for v in values:
        if lo <= v <= hi:
            try:
                v = bound.check(round(v) if bound.kind == "int" else round(v, 6))
            except ValueError:
                continue
            if v not in out:
                out.append(v)
    return out


def grid(exp: Experiment, *, quick: bool = False) -> list[dict]:
    """The settings (without the seed) the claims of ``exp`` are checked at, defaults first, no repeats: each
    option alone over its values (minimum, default, maximum, the interesting values, the edges of the claims'
    conditions), then every option of each choice with every value of each number."""
    base = {n: b.default for n, b in exp.bounds.items() if n != "seed"}
    found = [base]
    if not (quick or is_training(exp)):
        edges = boundaries(exp)
        axes = {n: _axis(exp, n, edges) for n in exp.bounds if n != "seed"}
        for name, values in axes.items():
            found += [{**base, name: v} for v in values]
        choices = [n for n in axes if exp.bounds[n].kind == "choice"]
        for c in choices:
            for name, values in axes.items():
                if name != c:
                    found += [{**base, c: o, name: v} for o in axes[c] for v in values]
    for claim in exp.claims:
        for setting in (claim.holds, claim.fails):
            if isinstance(setting, dict):
                try:
                    kwargs = settings_for(exp, setting)
                except ValueError:
                    continue
                found.append({n: v for n, v in kwargs.items() if n != "seed"})
    unique: list[dict] = []
    for s in found:
        if s not in unique:
            unique.append(s)
    return unique


def sweep(pages: list[Page], *, quick: bool = False, run: Callable | None = None, log=None) -> dict:
    """The report ``{"claims", "settings", "runs", "seconds", "mismatches"}`` over ``pages``."""
    run = run or (lambda e, kw: e.func(**kw))
    start = time.perf_counter()
    claims = settings = runs = 0
    mismatches = []
    for page in pages:
        for exp in page.experiments:
            if not exp.claims:
                continue
            claims += len(exp.claims)
            if quick and (budget.estimate(exp, settings_for(exp, {})) or 0) > QUICK_SECONDS:
                continue
            for setting in grid(exp, quick=quick):
                seeds = SEEDS if "seed" in exp.bounds else (None,)
                kwargs = [{**setting, **({"seed": s} if s is not None else {})} for s in seeds]
                try:
                    for kw in kwargs:
                        budget.check(exp, kw)
                except budget.BudgetError:
                    continue
                relevant = [c for c in exp.claims if any(c.applies.applies(kw) for kw in kwargs)]
                settings += 1
                if not relevant:
                    continue
                results = [run(exp, kw) for kw in kwargs]
                runs += len(results)
                for claim in relevant:
                    found = _mismatch(page, claim, setting, kwargs, results)
                    if found:
                        mismatches.append(found)
                if log:
                    log(f"{page.key} {exp.name} {setting}: {len(mismatches)} mismatches so far")
    return {
        "claims": claims,
        "settings": settings,
        "runs": runs,
        "seconds": round(time.perf_counter() - start, 1),
        "mismatches": mismatches,
    }


def _mismatch(page: Page, claim: Claim, setting: dict, kwargs: list[dict], results: list[dict]) -> dict | None:
    held, failed = [], False
    for kw, result in zip(kwargs, results, strict=True):
        if bool(claim.check(result).holds):
            held.append(kw.get("seed"))
        elif claim.applies.applies(kw):
            failed = True
    if not failed:
        return None
    return {
        "page": page.key,
        "claim": claim.id,
        "settings": setting,
        "seeds_held": held,
        "condition": claim.stated,
    }
