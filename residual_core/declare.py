"""What an experiment, a figure, a claim and a page declare. The command line, the pages' charts, their "Show the
code" panels and their claims are all built from these declarations (see :mod:`residual_core.catalog`).

Adding an experiment is one function in :mod:`residual_core.experiments` and one :class:`Experiment` in the catalog.
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
class Experiment:
    """One experiment: a residual_core function of plain arguments that returns a JSON-ready dict.

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

    def figure(self, key: str) -> Figure:
        """The figure called ``key``."""
        for fig in self.figures:
            if fig.key == key:
                return fig
        raise KeyError(f"{self.name} has no figure {key!r} (it has {', '.join(f.key for f in self.figures)})")

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


@dataclass(frozen=True)
class Verdict:
    """A claim's status for one result: whether it holds, and the measured numbers that decide it."""

    holds: bool
    evidence: str


@dataclass(frozen=True)
class Claim:
    """A statement a page makes about an experiment's result, with the conditions under which it is made and a check
    computed from the result itself.

    Attributes:
        id: stable identifier (kebab-case), e.g. ``"plain-gradient-vanishes"``.
        text: the statement as the page shows it.
        condition: when the statement is made (network, init, depth, task), e.g. ``"tanh, PyTorch's default init"``.
        experiment: the name of the :class:`Experiment` whose result ``check`` reads.
        check: result -> :class:`Verdict`.
        seeded: whether the result depends on the seed (then the page also counts the seeds 0-4 it holds for).
    """

    id: str
    text: str
    condition: str
    experiment: str
    check: Callable[[dict], Verdict]
    seeded: bool = True


@dataclass(frozen=True)
class Question:
    """A prediction question a page asks before it shows the answer (predict, then reveal), answered by the page's
    live experiment: the true answer is computed from the result, never typed.

    Attributes:
        id: stable identifier (kebab-case), e.g. ``"power"``.
        page: the key of the page that asks it.
        experiment: the name of the :class:`Experiment` whose result answers it.
        text: the page's settings (the experiment's keyword arguments) -> the question as shown.
        answer: result -> the true answer: a number (``kind="number"``) or one of ``options`` (``"choice"``).
        kind: ``"number"`` or ``"choice"``.
        options: the choices of a multiple-choice question, in the order shown.
        scale: ``"log"`` for a number that spans orders of magnitude (the class's answers are binned by decade).
        explain: result -> one sentence shown with the answer, computed from the result.
    """

    id: str
    page: str
    experiment: str
    text: Callable[[dict], str]
    answer: Callable[[dict], float | str]
    kind: str = "number"
    options: tuple[str, ...] = ()
    scale: str = "linear"
    explain: Callable[[dict], str] | None = None


@dataclass(frozen=True)
class Page:
    """A concept page: its URL path, its name in the navigation, and what it computes and claims.

    Attributes:
        key: the URL path (``"vanishing"`` is served at ``/vanishing``; ``""`` is the home page).
        title, icon, teaser: the navigation entry and the home page's card.
        experiments: the experiments its charts draw, in page order.
        claims: the statements it makes, checked live.
        selectors: page-level controls that are no experiment's option (the training lab's choice of experiment),
            so a link from another page may set them.
    """

    key: str
    title: str
    icon: str
    teaser: str
    experiments: tuple[Experiment, ...] = ()
    claims: tuple[Claim, ...] = ()
    selectors: tuple = ()

    def experiment(self, name: str) -> Experiment:
        return next(e for e in self.experiments if e.name == name)


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
