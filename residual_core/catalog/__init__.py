"""Everything Residual Lab exposes, declared once: its pages and their experiments, each experiment with its figures,
claims, question, options, cost and code.

One module per page (:class:`~residual_core.declare.Page`). The command line (:mod:`residual_core.cli`) builds a
sub-command per :class:`~residual_core.declare.Experiment`; the app's navigation, charts, "Show the code" panels,
claims and questions are read from the same declarations (``lab``), and the tests run every experiment at its
``example`` and every claim where it ``holds`` and ``fails``.

To add an experiment: write its function in :mod:`residual_core.experiments`, then declare it (with its claims and
cost) in its page's module here and list it in that page's ``experiments``. To add a page: a module here with a
``PAGE``, listed in :data:`PAGES`, and its page script.

Nothing refers to an experiment by name: :func:`owner` finds the experiment a claim or a question belongs to, and
:func:`page_of` the page that shows an experiment, claim or question.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..declare import Claim, Experiment, Page, Question
from . import add_norm, gradient_flow, highway, residual_math, training, vanishing, why

HOME = Page(key="", title="Home", icon=":material/home:", teaser="What Residual Lab is and how to use it in a lecture.")

# Navigation order.
PAGES: tuple[Page, ...] = (
    HOME,
    vanishing.PAGE,
    residual_math.PAGE,
    gradient_flow.PAGE,
    highway.PAGE,
    add_norm.PAGE,
    training.PAGE,
    why.PAGE,
)

EXPERIMENTS: dict[str, Experiment] = {e.name: e for p in PAGES for e in p.experiments}


def page(key: str) -> Page:
    """The page served at ``/key``."""
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(f"no page {key!r} (pages: {', '.join(p.key for p in PAGES if p.key)})")


def experiment(name: str) -> Experiment:
    """The experiment called ``name`` (its command-line name)."""
    return EXPERIMENTS[name]


def claims() -> Iterator[tuple[Experiment, Claim]]:
    """Every claim with the experiment that owns it, in navigation order."""
    for exp in EXPERIMENTS.values():
        for claim in exp.claims:
            yield exp, claim


def questions() -> Iterator[tuple[Page, Question]]:
    """Every prediction question with the page that asks it, in navigation order."""
    for p in PAGES:
        for question in p.questions:
            yield p, question


def owner(item: Claim | Question) -> Experiment:
    """The experiment whose result ``item`` (a claim or a question) reads."""
    for exp in EXPERIMENTS.values():
        if item in exp.claims or item is exp.question:
            return exp
    for p in PAGES:
        for section in p.sections:
            if item is section.question:
                return section.experiment
    raise KeyError(f"{getattr(item, 'id', item)!r} belongs to no declared experiment")


def page_of(item: Experiment | Claim | Question) -> Page:
    """The page that shows ``item``: an experiment, or the experiment owning a claim or a question."""
    for p in PAGES:
        if isinstance(item, Question) and item in p.questions:
            return p
    exp = item if isinstance(item, Experiment) else owner(item)
    for p in PAGES:
        if exp in p.experiments:
            return p
    raise KeyError(f"{exp.name} is on no page")
