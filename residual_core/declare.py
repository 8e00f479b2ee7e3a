"""What an experiment, a figure, a claim, a question, a section and a page declare. The command line, the pages'
charts, their "Show the code" panels, their claims, their prediction questions, the cost budget and the tests are all
built from these declarations (see :mod:`residual_core.catalog`).

An :class:`Experiment` owns everything about itself: its function, options, cost model, figures, claims, question,
code panel and the cheap settings the tests run it at. Nothing refers to an experiment by its name: a claim or a
question is an attribute of its experiment (:func:`residual_core.catalog.owner` finds the experiment of one).

Adding an experiment is one function in :mod:`residual_core.experiments`, one :class:`Experiment` in its page's
module of the catalog, listed in that page's ``experiments``, and the page script's lines that draw it.
"""

from __future__ import annotations

import functools
import inspect
import linecache
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .where import ALWAYS, Where

if TYPE_CHECKING:
    from .budget import Cost
    from .memory import Memory

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Figure:
    """One chart of an experiment, drawn the same way on its page and by ``--format svg|png`` on the command line.

    Attributes:
        key: names the chart within its experiment (and its downloaded files), e.g. ``"gradients"``.
        chart: the builder in :mod:`residual_core.charts` (``"line"``, ``"band"``, ``"heatmap"``, ...).
        rows: the experiment's result -> long-format rows, one per point and series, ready to draw.
        options: the builder's options: a dict, or a function of the result returning one (titles, markers).
        description: one sentence for screen readers (Vega-Lite ``description``); may name result fields as
            ``{field}``.
        takeaway: the result -> one sentence saying what this chart shows for these settings, computed from the
            data (true for every URL that shows it).
    """

    key: str
    chart: str
    rows: Callable[[dict], list[dict]]
    options: dict | Callable[[dict], dict] = field(default_factory=dict)
    description: str = ""
    takeaway: Callable[[dict], str] | None = None

    def options_for(self, result: dict) -> dict:
        return dict(self.options(result) if callable(self.options) else self.options)


@dataclass(frozen=True)
class Verdict:
    """A claim's status for one result: whether it holds, and the measured numbers that decide it."""

    holds: bool
    evidence: str


Setting = dict | Callable[[dict], dict]
"""Where a claim's check holds or fails: the experiment's keyword arguments that differ from their defaults (a real
run, within the bounds), or an alteration ``result -> result`` of a real result (what a broken model would give,
for a claim that no allowed setting makes fail, or for a training claim whose real run would take minutes)."""


@dataclass(frozen=True, eq=False)
class Claim:
    """A statement a page makes about its experiment's result, with the conditions under which it is made and a check
    computed from the result itself. It belongs to the :class:`Experiment` whose result it reads (``claims``).

    Attributes:
        id: stable identifier (kebab-case), e.g. ``"plain-gradient-vanishes"``.
        text: the statement as the page shows it.
        condition: when the statement is made (network, init, depth, task), e.g. ``"tanh, PyTorch's default init"``.
        check: result -> :class:`Verdict`.
        seeded: whether the result depends on the seed (then the page also counts the seeds 0-4 it holds for).
        holds, fails: a :data:`Setting` where the check holds and one where it fails; the tests run both
            (:func:`residual_core.claims.cases`). An alteration is applied to the result at ``holds`` when that is
            a setting, else to the result at the experiment's ``example``.
        applies: the condition as data (:mod:`residual_core.where`): the settings (the experiment's keyword
            arguments, seed included) where the claim is asserted to hold for every one of seeds 0-4. Outside it
            the page shows the claim as not claimed here; ``python -m residual_core claims-sweep`` checks it.
    """

    id: str
    text: str
    condition: str
    check: Callable[[dict], Verdict]
    seeded: bool = True
    holds: Setting | None = None
    fails: Setting | None = None
    applies: Where = ALWAYS

    @property
    def stated(self) -> str:
        """The condition as the page shows it: the prose ``condition`` (what is fixed: network, task) and the
        settings part generated from ``applies``."""
        if self.applies is ALWAYS or type(self.applies) is Where:
            return self.condition
        return f"{self.condition}; settings: {self.applies.describe()}"


@dataclass(frozen=True, eq=False)
class Question:
    """A prediction question a page asks before it shows the answer (predict, then reveal), answered by the result of
    the experiment that owns it (``Experiment.question``): the true answer is computed from the result, never typed.

    Attributes:
        id: stable identifier (kebab-case), e.g. ``"power"``.
        text: the page's settings (the experiment's keyword arguments) -> the question as shown.
        answer: result -> the true answer: a number (``kind="number"``) or one of ``options`` (``"choice"``).
        kind: ``"number"`` or ``"choice"``.
        options: the choices of a multiple-choice question, in the order shown.
        scale: ``"log"`` for a number that spans orders of magnitude (the class's answers are binned by decade).
        explain: result -> one sentence shown with the answer, computed from the result.
    """

    id: str
    text: Callable[[dict], str]
    answer: Callable[[dict], float | str]
    kind: str = "number"
    options: tuple[str, ...] = ()
    scale: str = "linear"
    explain: Callable[[dict], str] | None = None


@dataclass(frozen=True, eq=False)
class Experiment:
    """One experiment: a residual_core function of plain arguments that returns a JSON-ready dict, and everything
    about it.

    Attributes:
        name: the command-line sub-command (kebab-case), e.g. ``"gradient-flow"``.
        func: the function; called with one keyword argument per bound (and ``progress=`` if it takes one).
        bounds: ``{parameter: Bound}`` (:mod:`residual_core.options`); each is a ``--kebab-case`` option and a
            page control with the same range and default.
        summary: one line for the experiment list.
        help: the ``--help`` text: the network, the batch and the loss.
        code: further functions and classes shown under its charts by "Show the code" (``func`` comes first).
        table: the result -> rows for ``--format csv`` (by default the first figure's rows).
        figures: the charts drawn from its result.
        live: its page trains it as a shared live run (``lab.live_run`` over :mod:`residual_core.training.jobs`)
            rather than through the cache of results.
        cost: its :class:`~residual_core.budget.Cost`: the estimated seconds of a run, checked against the budget.
        memory: its :class:`~residual_core.memory.Memory`: the estimated peak MB of a run (``None``: the default).
        claims: the statements its page makes about its result, in page order.
        question: the prediction question its result answers (or ``None``).
        example: small, cheap settings (keyword arguments over the defaults, possibly below the bounds) at which the
            tests run it and draw its figures; training experiments need ``steps`` here.
    """

    name: str
    func: Callable[..., dict]
    bounds: dict
    summary: str
    help: str
    code: tuple = ()
    table: Callable[[dict], list[dict]] | None = None
    figures: tuple[Figure, ...] = ()
    live: bool = False
    cost: Cost | None = None
    memory: Memory | None = None
    claims: tuple[Claim, ...] = ()
    question: Question | None = None
    example: dict = field(default_factory=dict)

    def figure(self, key: str) -> Figure:
        """The figure called ``key``."""
        for fig in self.figures:
            if fig.key == key:
                return fig
        raise KeyError(f"{self.name} has no figure {key!r} (it has {', '.join(f.key for f in self.figures)})")

    def claim(self, claim_id: str) -> Claim:
        """The claim whose id is ``claim_id``."""
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(f"{self.name} makes no claim {claim_id!r}")

    def rows(self, result: dict) -> list[dict]:
        """The CSV rows of ``result``."""
        if self.table is not None:
            return self.table(result)
        return self.figures[0].rows(result) if self.figures else []

    @property
    def takes_progress(self) -> bool:
        return "progress" in inspect.signature(self.func).parameters

    def sources(self) -> list[Source]:
        """The source of ``func`` and of every object in ``code``, read once (see :func:`source_of`)."""
        return [source_of(obj) for obj in (self.func, *self.code)]


_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Detail:
    """What one folded row under a section holds: ``body`` is Markdown (``kind="markdown"``) or a display formula
    (``"latex"``), a constant or ``(result, settings) -> str``. Sent only to visitors who open it."""

    label: str
    body: Callable[[dict, dict], str] | str
    kind: str = "markdown"

    def text(self, result: dict, settings: dict) -> str:
        return self.body(result, settings) if callable(self.body) else self.body


@dataclass(frozen=True)
class Metric:
    """One number a section shows above its figures: its label, its value as text, and an optional tooltip."""

    label: str
    value: str
    help: str | None = None


@dataclass(frozen=True, eq=False)
class Section:
    """One part of a page, declared once: its heading, the controls it reads, its figures with their takeaways, its
    claims, its details and its question. Presenter mode, lecture scenes and the page tests address a section by
    its ``name``; the page script reads the controls and lays its sections out in order.

    Attributes:
        name: kebab-case, unique within its page, e.g. ``"per-layer-gradients"``.
        heading: the heading the page shows above it.
        experiment: the :class:`Experiment` whose result it draws.
        figures: keys of the experiment's figures it draws, in order (``()``: all of them).
        claims: the claims it shows (``None``: all of the experiment's; ``()``: none); each one of the experiment's.
        question: the prediction question asked above it (``None``: the experiment's, if it has one).
        controls: the :class:`~residual_core.bounds.Bound` s whose controls it reads.
        details: its :class:`Detail` s, each folded under its own label (the derivation, a reference-text table).
        text: ``(result, settings) -> str``: the Markdown a student needs to read its chart, computed from the result
            (``settings`` are the page's values of the experiment's options); or a constant string.
        metrics: ``(result, settings) -> list[Metric]``: the numbers shown in one row above its figures.
        level: ``"subheader"`` (a section of a page) or ``"header"`` (a page whose sections are its main parts).
        divider: a colour for a line under the heading (``"gray"``), or ``None``.
    """

    name: str
    heading: str
    experiment: Experiment
    figures: tuple[str, ...] = ()
    claims: tuple[Claim, ...] | None = None
    question: Question | None = None
    controls: tuple = ()
    details: tuple[Detail, ...] = ()
    text: Callable[[dict, dict], str] | str | None = None
    metrics: Callable[[dict, dict], list[Metric]] | None = None
    level: str = "subheader"
    divider: str | None = None

    def __post_init__(self):
        if self.level not in ("header", "subheader"):
            raise ValueError(f"section {self.name!r}: level must be 'header' or 'subheader'")
        if not _KEBAB.match(self.name):
            raise ValueError(f"section name {self.name!r} is not kebab-case")
        for key in self.figures:
            self.experiment.figure(key)  # raises KeyError naming the experiment's figures
        foreign = [c.id for c in self.claims or () if c not in self.experiment.claims]
        if foreign:
            raise ValueError(f"section {self.name!r}: {', '.join(foreign)} are no claims of {self.experiment.name}")

    @property
    def shown_figures(self) -> tuple[Figure, ...]:
        """The figures it draws."""
        return tuple(self.experiment.figure(k) for k in self.figures) if self.figures else self.experiment.figures

    @property
    def shown_claims(self) -> tuple[Claim, ...]:
        """The claims it shows."""
        return self.experiment.claims if self.claims is None else tuple(self.claims)

    @property
    def asks(self) -> Question | None:
        """The question asked above it."""
        return self.question if self.question is not None else self.experiment.question


@dataclass(frozen=True)
class Page:
    """A concept page: its URL path, its name in the navigation, and what it computes, claims and asks.

    Attributes:
        key: the URL path (``"vanishing"`` is served at ``/vanishing``; ``""`` is the home page).
        title, icon, teaser: the navigation entry and the home page's card.
        experiments: the experiments its charts draw, in page order.
        selectors: page-level controls that are no experiment's option (the training lab's choice of experiment),
            so a link from another page may set them.
        sections: its :class:`Section` s in page order (names unique within the page).
    """

    key: str
    title: str
    icon: str
    teaser: str
    experiments: tuple[Experiment, ...] = ()
    selectors: tuple = ()
    sections: tuple[Section, ...] = ()

    def __post_init__(self):
        names = [s.name for s in self.sections]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"page {self.key!r} has two sections called {', '.join(twice)}")

    @property
    def claims(self) -> tuple[Claim, ...]:
        """The statements it makes, checked live: its experiments' claims, in page order."""
        return tuple(c for e in self.experiments for c in e.claims)

    @property
    def questions(self) -> tuple[Question, ...]:
        """The prediction questions it asks (one per view): its experiments' and its sections' own, in page order."""
        found = [e.question for e in self.experiments if e.question is not None]
        found += [s.question for s in self.sections if s.question is not None and s.question not in found]
        return tuple(found)

    def experiment(self, name: str) -> Experiment:
        return next(e for e in self.experiments if e.name == name)

    def section(self, name: str) -> Section:
        """The section called ``name``."""
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(f"page {self.key!r} has no section {name!r}")


# -- reading source code without parsing it --------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The source of one function or class: where it lives and its text."""

    path: str  # relative to the repository
    qualname: str
    text: str


_SOURCE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1024)
def source_of(obj) -> Source:
    """The source code of a function, method or class, read from its file.

    ``inspect.getsource`` parses a class's whole module with ``ast`` on Python 3.11, which is not safe in many threads
    at once (python/cpython#106905: "AST constructor recursion depth mismatch"); so classes are found here by their
    ``class Name`` line and cut with ``inspect.getblock`` (a tokenizer, no ``ast``), functions by their code
    object's first line, as ``inspect`` does. Read once per object, under a lock.
    """
    with _SOURCE_LOCK:
        target = inspect.unwrap(obj)
        file = inspect.getsourcefile(target)
        if inspect.isclass(target):
            lines = linecache.getlines(file)
            start = _class_line(lines, target.__qualname__)
            text = "".join(inspect.getblock(lines[start:]))
        else:
            text = "".join(inspect.getsourcelines(target)[0])
        path = Path(file).resolve()
        return Source(
            str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name, target.__qualname__, text
        )


def _class_line(lines: list[str], qualname: str) -> int:
    """Index of the line ``class <name>`` for a (possibly nested) class qualname: a top-level class starts at the
    margin, a nested one is indented below the class that holds it."""
    start, indent = 0, ""
    for name in qualname.split("."):
        pattern = re.compile(rf"^{indent}class\s+{re.escape(name)}\b")
        for i in range(start, len(lines)):
            if pattern.match(lines[i]):
                start, indent = i, r"\s+"
                break
        else:
            raise OSError(f"could not find class {qualname}")
    return start
